package sqlfront

import (
	"context"
	"math/bits"
	"slices"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// source is one item of FROM: a stored table, a system table or a derived table, and how it joins the items
// before it.
type source struct {
	rel    scopeRel
	fields []planner.Field
	table  *etcdmeta.Table // a stored table
	plan   planner.Node    // a system or derived table
	join   planner.JoinType
	on     sqlparser.Expr // the ON condition joining it to the items before it (nil: none, a cross join)
	// using names the columns of JOIN ... USING; natural asks for every column name it shares with the items
	// before it. Either becomes on (see mergeCommonColumns).
	using   []string
	natural bool
	// joinCols are the scope columns this item's join keys use (the first item's: those of the second item's
	// join), which its read prefers an index sorted on; order is the order its read arrives in, nil for none
	// (join_order.go).
	joinCols []int
	order    *joinOrder
	// aggregated: the item is read aggregated below the join (eager_aggregate.go).
	aggregated bool
}

// bindFrom reads FROM into sources and the scope queries resolve names against. One stored table keeps the
// single-table path (b.table); one system or derived table becomes b.virtual; several items are joined.
func (b *selectBinder) bindFrom(from []sqlparser.TableExpr) error {
	if len(from) == 1 {
		if ate, ok := from[0].(*sqlparser.AliasedTableExpr); ok {
			if tn, ok := ate.Expr.(sqlparser.TableName); ok && tn.Qualifier.IsEmpty() && strings.EqualFold(tn.Name.String(), "dual") {
				return nil
			}
		}
	}
	var sources []*source
	var itemStarts []int // where each comma-separated item's sources start
	for i, te := range from {
		// Comma-separated items are inner joins whose conditions are in WHERE.
		n := len(sources)
		itemStarts = append(itemStarts, n)
		if err := b.flattenFrom(te, &sources, i > 0); err != nil {
			return err
		}
		if i > 0 && slices.ContainsFunc(sources[n:], func(s *source) bool { return s.join == planner.RightJoin }) {
			// a, b RIGHT JOIN c is a joined with (b RIGHT JOIN c), which the left-to-right chain of joins
			// cannot express.
			return notSupported("RIGHT JOIN in a FROM item after a comma (put that item first)")
		}
	}
	if len(sources) == 0 {
		return nil
	}
	sc := &scope{}
	aliases := map[string]bool{}
	for _, src := range sources {
		if aliases[src.rel.alias] {
			return sqlerr.New(sqlerr.NonUniqTable, "Not unique table/alias: '%s'", src.rel.alias)
		}
		aliases[src.rel.alias] = true
		src.rel.start = len(sc.fields)
		sc.fields = append(sc.fields, src.fields...)
		src.rel.end = len(sc.fields)
		sc.rels = append(sc.rels, src.rel)
	}
	if err := mergeCommonColumns(sc, sources, itemStarts); err != nil {
		return err
	}
	b.scope, b.sources = sc, sources
	if len(sources) == 1 {
		if sources[0].table != nil {
			b.table = *sources[0].table
		} else {
			b.virtual = sources[0].plan
		}
	}
	return nil
}

// mergeCommonColumns turns JOIN ... USING and NATURAL JOIN into ON conditions over the columns they name, and
// makes each pair of such columns one, as MySQL does: an unqualified name means the left item's column (the
// right item's for a RIGHT JOIN, whose rows it keeps), and an unqualified * lists the merged columns first, then
// the other columns of the first table, then those of the second (for a RIGHT JOIN the right item counts as the
// first). Qualified names still reach both columns.
func mergeCommonColumns(sc *scope, sources []*source, itemStarts []int) error {
	positions := func(src *source) []int {
		var ps []int
		for i := src.rel.start; i < src.rel.end; i++ {
			ps = append(ps, i)
		}
		return ps
	}
	var order []int
	merged := false
	for item, start := range itemStarts {
		end := len(sources)
		if item+1 < len(itemStarts) {
			end = itemStarts[item+1]
		}
		cur := positions(sources[start])
		for k := start + 1; k < end; k++ {
			src := sources[k]
			right := positions(src)
			names := src.using
			if src.natural {
				first, second := cur, right
				if src.join == planner.RightJoin {
					first, second = right, cur
				}
				for _, p := range first {
					if slices.ContainsFunc(second, func(q int) bool { return strings.EqualFold(sc.fields[p].Name, sc.fields[q].Name) }) {
						names = append(names, sc.fields[p].Name)
					}
				}
			}
			if names == nil {
				cur = append(cur, right...)
				continue
			}
			merged = true
			find := func(ps []int, name string) (int, error) {
				found := -1
				for _, p := range ps {
					if strings.EqualFold(sc.fields[p].Name, name) {
						if found >= 0 {
							return 0, sqlerr.New(sqlerr.NonUniq, "Column '%s' in from clause is ambiguous", name)
						}
						found = p
					}
				}
				if found < 0 {
					return 0, sqlerr.New(sqlerr.BadField, "Unknown column '%s' in 'from clause'", name)
				}
				return found, nil
			}
			var conds []sqlparser.Expr
			var kept, gone []int // of each pair: the column that stands for both, the one merged away
			for _, name := range names {
				l, err := find(cur, name)
				if err != nil {
					return err
				}
				r, err := find(right, name)
				if err != nil {
					return err
				}
				conds = append(conds, &sqlparser.ComparisonExpr{Operator: sqlparser.EqualOp,
					Left:  sqlparser.NewColNameWithQualifier(sc.fields[l].Name, sqlparser.NewTableName(sc.relOf(l))),
					Right: sqlparser.NewColNameWithQualifier(sc.fields[r].Name, sqlparser.NewTableName(sc.relOf(r)))})
				if src.join == planner.RightJoin {
					kept, gone = append(kept, r), append(gone, l)
				} else {
					kept, gone = append(kept, l), append(gone, r)
				}
			}
			if src.on = sqlparser.AndExpressions(conds...); src.on == nil {
				src.on = sqlparser.BoolVal(true)
			}
			for _, g := range gone {
				sc.hidden = append(sc.hidden, g)
			}
			rest := func(ps []int) []int {
				return slices.DeleteFunc(slices.Clone(ps), func(p int) bool { return slices.Contains(kept, p) || slices.Contains(gone, p) })
			}
			if src.join == planner.RightJoin {
				cur = slices.Concat(kept, rest(right), rest(cur))
			} else {
				cur = slices.Concat(kept, rest(cur), rest(right))
			}
		}
		order = append(order, cur...)
	}
	if merged {
		sc.starOrder = order
	}
	return nil
}

// flattenFrom appends the sources of one FROM item, left to right, each with how it joins those before it.
func (b *selectBinder) flattenFrom(te sqlparser.TableExpr, out *[]*source, joined bool) error {
	switch t := te.(type) {
	case *sqlparser.ParenTableExpr:
		for i, e := range t.Exprs {
			if err := b.flattenFrom(e, out, joined || i > 0); err != nil {
				return err
			}
		}
		return nil
	case *sqlparser.JoinTableExpr:
		var jt planner.JoinType
		natural := false
		switch t.Join {
		case sqlparser.NormalJoinType, sqlparser.StraightJoinType:
			jt = planner.InnerJoin
		case sqlparser.LeftJoinType:
			jt = planner.LeftJoin
		case sqlparser.RightJoinType:
			jt = planner.RightJoin
		case sqlparser.NaturalJoinType:
			jt, natural = planner.InnerJoin, true
		case sqlparser.NaturalLeftJoinType:
			jt, natural = planner.LeftJoin, true
		case sqlparser.NaturalRightJoinType:
			jt, natural = planner.RightJoin, true
		default:
			return notSupported(sqlparser.String(te))
		}
		if err := b.flattenFrom(t.LeftExpr, out, joined); err != nil {
			return err
		}
		if _, nested := t.RightExpr.(*sqlparser.JoinTableExpr); nested {
			return notSupported("a join nested on the right of a join")
		}
		if _, paren := t.RightExpr.(*sqlparser.ParenTableExpr); paren && (jt != planner.InnerJoin || !innerOnly(t.RightExpr)) {
			// x LEFT JOIN (b JOIN c) is not (x LEFT JOIN b) JOIN c; only inner joins regroup freely.
			return notSupported("an outer join of a parenthesized join, or a join of a parenthesized outer join")
		}
		n := len(*out)
		if err := b.flattenFrom(t.RightExpr, out, true); err != nil {
			return err
		}
		right := (*out)[n]
		right.join = jt
		if t.Condition != nil {
			right.on = t.Condition.On
			for _, c := range t.Condition.Using {
				right.using = append(right.using, c.String())
			}
		}
		right.natural = natural
		if jt != planner.InnerJoin && right.on == nil && right.using == nil && !natural {
			return sqlerr.New(sqlerr.Parse, "%s JOIN needs an ON condition", strings.ToUpper(jt.String()))
		}
		return nil
	case *sqlparser.AliasedTableExpr:
		src, err := b.fromItem(t)
		if err != nil {
			return err
		}
		*out = append(*out, src)
		return nil
	}
	return notSupported(sqlparser.String(te))
}

// innerOnly reports whether a FROM item is tables joined by inner joins (or commas) only.
func innerOnly(te sqlparser.TableExpr) bool {
	switch t := te.(type) {
	case *sqlparser.AliasedTableExpr:
		return true
	case *sqlparser.ParenTableExpr:
		for _, e := range t.Exprs {
			if !innerOnly(e) {
				return false
			}
		}
		return true
	case *sqlparser.JoinTableExpr:
		return (t.Join == sqlparser.NormalJoinType || t.Join == sqlparser.StraightJoinType) &&
			(t.Condition == nil || len(t.Condition.Using) == 0) && innerOnly(t.LeftExpr) && innerOnly(t.RightExpr)
	}
	return false
}

// fromItem binds one table, system table or derived table of FROM.
func (b *selectBinder) fromItem(ate *sqlparser.AliasedTableExpr) (*source, error) {
	alias := ate.As.String()
	switch e := ate.Expr.(type) {
	case *sqlparser.DerivedTable:
		if alias == "" {
			return nil, sqlerr.New(sqlerr.DerivedNeedsAlias, "Every derived table must have its own alias")
		}
		if e.Lateral {
			return nil, notSupported("LATERAL")
		}
		plan, err := b.engine.bindQuery(b.ctx, b.sess, b.snap, e.Select)
		if err != nil {
			return nil, err
		}
		if materialized(b.ctx, e.Select) {
			plan = shownDecimals(plan)
		}
		src := &source{rel: scopeRel{alias: alias}, plan: plan, fields: plan.Fields()}
		if cols := ate.Columns; len(cols) > 0 {
			if len(cols) != len(src.fields) {
				return nil, sqlerr.New(sqlerr.ViewWrongList, "In definition of view, derived table or common table expression, SELECT list and column names list have different column counts")
			}
			src.fields = append([]planner.Field(nil), src.fields...)
			for i, c := range cols {
				src.fields[i].Name = c.String()
			}
		}
		return src, nil
	case sqlparser.TableName:
		schema, name, err := tableName(b.sess, e)
		if err != nil {
			return nil, err
		}
		if alias == "" {
			alias = name
		}
		rel := scopeRel{schema: schema, table: name, alias: alias}
		if full, st, ok := lookupSystemTable(schema, name); ok {
			return &source{rel: rel, fields: st.cols, plan: &planner.MemoryScan{Table: full, Cols: st.cols, Rows: st.rows(b.engine, b.snap)}}, nil
		}
		t, ok := b.snap.Table(schema, name)
		if !ok {
			return nil, sqlerr.New(sqlerr.NoSuchTable, "Table '%s.%s' doesn't exist", schema, name)
		}
		src := &source{rel: rel, table: &t}
		for _, c := range t.Columns {
			typ, err := sqltype.Parse(c.Type)
			if err != nil {
				return nil, sqlerr.New(sqlerr.Unknown, "catalog: column %s.%s.%s: %v", schema, name, c.Name, err)
			}
			src.fields = append(src.fields, planner.Field{Name: c.Name, Type: typ})
		}
		return src, nil
	}
	return nil, notSupported(sqlparser.String(ate))
}

// materialized reports whether MySQL keeps a derived table's rows in a temporary table rather than merging its
// query into the outer one: when it aggregates, groups, has DISTINCT, LIMIT or HAVING, a subquery among its
// items, or reads no table (a UNION's rows are in one already).
func materialized(ctx context.Context, stmt sqlparser.TableStatement) bool {
	sel, ok := stmt.(*sqlparser.Select)
	if !ok {
		return true
	}
	if sel.Distinct || sel.Limit != nil || sel.Having != nil || sel.GroupBy != nil && len(sel.GroupBy.Exprs) > 0 || len(sel.From) == 0 {
		return true
	}
	if len(sel.From) == 1 {
		if t, ok := sel.From[0].(*sqlparser.AliasedTableExpr); ok {
			if n, ok := t.Expr.(sqlparser.TableName); ok && n.Name.String() == "dual" && n.Qualifier.IsEmpty() {
				return true
			}
		}
	}
	for _, item := range sel.GetColumns() {
		ae, ok := item.(*sqlparser.AliasedExpr)
		if !ok {
			continue
		}
		if containsAggregation(ctx, ae.Expr) || hasSubquery(ae.Expr) {
			return true
		}
	}
	return false
}

func hasSubquery(e sqlparser.Expr) bool {
	found := false
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		if _, ok := n.(*sqlparser.Subquery); ok {
			found = true
		}
		return !found, nil
	}, e)
	return found
}

// shownDecimals rounds the DECIMAL columns of a derived table MySQL materializes to the digits they show, as
// the temporary table's columns keep them: AVG(x) that holds 1636420.833333333 and shows 1636420.8333 is
// 1636420.8333 to the outer query.
func shownDecimals(plan planner.Node) planner.Node {
	fields := slices.Clone(plan.Fields())
	scales := make([]int, len(fields))
	for i := range fields {
		fields[i].Type = fields[i].Type.Shown()
		scales[i] = -1
	}
	return conform(plan, fields, scales)
}

// conjuncts splits a predicate on its ANDs.
func conjuncts(e planner.Expr, out []planner.Expr) []planner.Expr {
	if c, ok := e.(*planner.Call); ok && c.Func == "and" {
		for _, a := range c.Args {
			out = conjuncts(a, out)
		}
		return out
	}
	return append(out, e)
}

func andAll(es []planner.Expr) planner.Expr {
	if len(es) == 0 {
		return nil
	}
	e := es[0]
	for _, x := range es[1:] {
		e = &planner.Call{Func: "and", Args: []planner.Expr{e, x}, T: sqltype.Boolean}
	}
	return e
}

// sourcesOf returns the set of sources (as a bit set) whose columns e uses.
func (b *selectBinder) sourcesOf(e planner.Expr) uint64 {
	cols := map[int]bool{}
	collectColumns(e, cols)
	var set uint64
	for c := range cols {
		for i, src := range b.sources {
			if c >= src.rel.start && c < src.rel.end {
				set |= 1 << i
			}
		}
	}
	return set
}

// joinPlan builds the plan of several FROM items joined left to right: each item reads only the columns the
// query uses, with the filters that concern it alone pushed under the join (and used to prune a table's
// chunks); equalities between an item and those before it become hash join keys; every other condition is
// applied as soon as all its columns are joined. It returns the plan and where each scope column is in its
// output.
//
// agg is the query's aggregation (nil: none): when eager aggregation applies (eager_aggregate.go), one item is
// read aggregated, and the returned eagerAgg tells the aggregate above the join where its partial groups are.
func (b *selectBinder) joinPlan(below []planner.Expr, where planner.Expr, agg *aggScope) (planner.Node, map[int]int, *eagerAgg, error) {
	if len(b.sources) > 64 {
		return nil, nil, nil, notSupported("joins of more than 64 tables")
	}
	// ON conditions are bound over the whole scope; a condition may use only the items up to its own.
	ons := make([][]planner.Expr, len(b.sources))
	for i, src := range b.sources {
		if src.on == nil {
			continue
		}
		ob := &exprBinder{ctx: b.ctx, scope: b.scope, clause: "on clause"}
		on, err := ob.bind(src.on)
		if err != nil {
			return nil, nil, nil, err
		}
		if b.sourcesOf(on)>>(i+1) != 0 {
			return nil, nil, nil, sqlerr.New(sqlerr.BadField, "the ON condition of %s uses a table joined after it", src.rel.alias)
		}
		ons[i] = conjuncts(toBool(on), nil)
		below = append(below, ons[i]...)
	}
	// Where each condition of WHERE and of inner joins' ON applies. A join fills items with NULLs (a LEFT JOIN its
	// own item, a RIGHT JOIN every item before it); a condition applies to rows as they are at its origin (the end
	// for WHERE, its join for ON), so it may move down to where its items are all joined, and to a single item's
	// read, only past joins that fill none of its items. Over the join that last fills one it filters the result.
	fills := make([]uint64, len(b.sources))
	for k, src := range b.sources {
		switch src.join {
		case planner.LeftJoin:
			fills[k] = 1 << k
		case planner.RightJoin:
			fills[k] = 1<<k - 1
		}
	}
	var pool []joinCond
	addCond := func(e planner.Expr, origin int) {
		mask := b.sourcesOf(e)
		c := joinCond{e: e, at: max(bits.Len64(mask)-1, 0)}
		for k := min(origin, len(fills)-1); k >= 0; k-- {
			if fills[k]&mask != 0 {
				if k >= c.at {
					c.at, c.filter = k, true
				}
				break
			}
		}
		c.local = !c.filter && mask == 1<<c.at
		if mask == 0 {
			// A constant filters every row: at the first join, or over the last RIGHT JOIN before its origin,
			// which makes rows of its right item whatever came before.
			c.at = 1
			for k := min(origin, len(fills)-1); k > 0; k-- {
				if b.sources[k].join == planner.RightJoin {
					c.at, c.filter = k, true
					break
				}
			}
		}
		pool = append(pool, c)
	}
	if where != nil {
		for _, e := range conjuncts(where, nil) {
			addCond(e, len(b.sources))
		}
	}
	for i, src := range b.sources {
		if src.join == planner.InnerJoin {
			for _, e := range ons[i] {
				addCond(e, i)
			}
			ons[i] = nil
		}
	}
	used := map[int]bool{}
	for _, e := range below {
		collectColumns(e, used)
	}
	// The columns each item's join keys use (as take below finds them), for the choice of its index.
	for i := 1; i < len(b.sources); i++ {
		conds := slices.Clone(ons[i])
		for _, c := range pool {
			if c.at == i && !c.local && !c.filter && b.sources[i].join == planner.InnerJoin {
				conds = append(conds, c.e)
			}
		}
		for _, c := range conds {
			if l, r, ok := b.joinKey(c, i); ok {
				b.sources[i].joinCols = append(b.sources[i].joinCols, r)
				if i == 1 {
					b.sources[0].joinCols = append(b.sources[0].joinCols, l)
				}
			}
		}
	}

	// Each item's read, planned before the joins so that eager aggregation can weigh the inputs; a read's notes
	// are kept aside and told where the item joins, as if it had been planned there.
	reads := make([]itemRead, len(b.sources))
	for i, src := range b.sources {
		// Conditions on this item alone, read with it: pool conditions that may move down to it, and the ON
		// conditions of its own LEFT JOIN that use it alone.
		r := &reads[i]
		for _, c := range pool {
			if c.at == i && c.local {
				r.local = append(r.local, c.e)
			}
		}
		for _, c := range ons[i] {
			if src.join == planner.LeftJoin && b.sourcesOf(c) == 1<<i {
				r.local = append(r.local, c)
			} else {
				r.onRest = append(r.onRest, c)
			}
		}
		scratch := &planNotes{}
		sb := *b
		sb.ctx = context.WithValue(b.ctx, planNotesKey{}, scratch)
		plan, pos, err := sb.sourcePlan(src, used, r.local)
		if err != nil {
			return nil, nil, nil, err
		}
		r.plan, r.pos, r.notes = plan, pos, scratch.lines
	}
	eager := b.eagerAggregation(agg, pool, ons, fills, reads)

	remap := map[int]int{}
	var node planner.Node
	var order *joinOrder // the order node's rows arrive in, nil for none
	width := 0
	for i, src := range b.sources {
		r := reads[i]
		plan, localPos := r.plan, r.pos
		if eager != nil && eager.src == i {
			plan, localPos = b.eagerSourcePlan(src, used, r.local, eager)
			eager.at = width
		} else {
			replayNotes(b.ctx, r.notes)
		}
		onRest := r.onRest
		for c, p := range localPos {
			remap[c] = width + p
		}
		if node == nil {
			node, width, order = plan, len(plan.Fields()), src.order
			continue
		}
		join := &planner.HashJoin{Left: node, Right: plan, Type: src.join}
		var residual, after []planner.Expr
		var pairs [][2]int // the key columns, in the scope
		take := func(c planner.Expr, outer bool) {
			if l, r, ok := b.joinKey(c, i); ok {
				pairs = append(pairs, [2]int{l, r})
				join.LeftKeys = append(join.LeftKeys, remap[l])
				join.RightKeys = append(join.RightKeys, remap[r]-width)
				join.On = append(join.On, b.qualified(l)+" = "+b.qualified(r))
				return
			}
			if outer {
				residual = append(residual, c)
			} else {
				after = append(after, c)
			}
		}
		for _, c := range onRest {
			take(c, true)
		}
		for _, c := range pool {
			switch {
			case c.at != i || c.local:
			case c.filter || src.join != planner.InnerJoin:
				after = append(after, c.e) // WHERE over an outer join filters its result
			default:
				take(c.e, false)
			}
		}
		if src.join == planner.InnerJoin {
			// An inner join's other conditions filter its pairs as they are made.
			residual, after = append(residual, after...), nil
		}
		if len(residual) > 0 {
			join.Residual = planner.RemapColumns(andAll(residual), remap)
		}
		if merged, out := b.mergeJoin(join, i, pairs, order, remap, width); merged != nil {
			node, width, order = merged, width+len(plan.Fields()), out
			if len(after) > 0 {
				node = &planner.Filter{Input: node, Predicate: planner.RemapColumns(andAll(after), remap)}
			}
			continue
		}
		order = nil // a HashJoin's rows come in no order
		// The hash table holds the smaller input: the right one unless the left is estimated smaller (an inner
		// join only: an outer join streams the input whose rows without a match it keeps, the right for a RIGHT
		// JOIN).
		le, re := estimateRows(join.Left), estimateRows(join.Right)
		if src.join == planner.InnerJoin && le < re || src.join == planner.RightJoin {
			join.BuildLeft = true
		}
		side := "right"
		if join.BuildLeft {
			side = "left"
		}
		note(b.ctx, "join", "%s join of %s on [%s]: builds the %s input (estimated %d rows left, %d right)",
			src.join, src.rel.alias, strings.Join(join.On, ", "), side, le, re)
		node, width = join, width+len(plan.Fields())
		if len(after) > 0 {
			node = &planner.Filter{Input: node, Predicate: planner.RemapColumns(andAll(after), remap)}
		}
	}
	return node, remap, eager, nil
}

// joinCond is one condition of WHERE or of an inner join's ON, and where joinPlan applies it.
type joinCond struct {
	e      planner.Expr
	at     int  // the item at whose join (or read) it applies
	filter bool // a filter over the result of that join
	local  bool // a filter of that item's read
}

// itemRead is the read of one FROM item of a join: its own conditions, the rest of its ON condition, its plan,
// where each of its scope columns is in the plan's output, and the notes its planning took.
type itemRead struct {
	local, onRest []planner.Expr
	plan          planner.Node
	pos           map[int]int
	notes         []string
}

// qualified names a scope column with its relation's alias.
func (b *selectBinder) qualified(col int) string {
	for _, rel := range b.scope.rels {
		if col >= rel.start && col < rel.end {
			return rel.alias + "." + b.scope.fields[col].Name
		}
	}
	return b.scope.fields[col].Name
}

// joinKey reports whether c is an equality of a column of the items before item i and a column of item i, of
// types a hash table can match (the same kind; DECIMALs of one scale), returning the two scope columns.
func (b *selectBinder) joinKey(c planner.Expr, i int) (left, right int, ok bool) {
	call, isCall := c.(*planner.Call)
	if !isCall || call.Func != "=" || len(call.Args) != 2 {
		return 0, 0, false
	}
	x, ok1 := call.Args[0].(*planner.ColumnRef)
	y, ok2 := call.Args[1].(*planner.ColumnRef)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	src := b.sources[i].rel
	inRight := func(col int) bool { return col >= src.start && col < src.end }
	switch {
	case inRight(y.Index) && x.Index < src.start:
	case inRight(x.Index) && y.Index < src.start:
		x, y = y, x
	default:
		return 0, 0, false
	}
	tx, ty := x.T, y.T
	if tx.Kind != ty.Kind || tx.Kind == sqltype.KindDecimal && tx.Scale != ty.Scale {
		return 0, 0, false
	}
	return x.Index, y.Index, true
}

// sourcePlan reads one FROM item: the columns of it the query uses, filtered by its own conditions. It returns
// the plan and the position in its output of each scope column it reads.
func (b *selectBinder) sourcePlan(src *source, used map[int]bool, local []planner.Expr) (planner.Node, map[int]int, error) {
	toLocal := map[int]int{}
	for c := src.rel.start; c < src.rel.end; c++ {
		toLocal[c] = c - src.rel.start
	}
	var localPred planner.Expr
	if len(local) > 0 {
		localPred = planner.RemapColumns(andAll(local), toLocal)
	}
	var node planner.Node
	pos := map[int]int{}
	if src.table != nil {
		child := &selectBinder{ctx: b.ctx, engine: b.engine, sess: b.sess, snap: b.snap, table: *src.table,
			scope: singleScope(src.rel.schema, src.rel.table, src.rel.alias, src.fields)}
		for _, c := range src.joinCols {
			child.joinCols = append(child.joinCols, c-src.rel.start)
		}
		var exprs []planner.Expr
		for c := range used {
			if c >= src.rel.start && c < src.rel.end {
				exprs = append(exprs, &planner.ColumnRef{Index: c - src.rel.start, Name: src.fields[c-src.rel.start].Name, T: src.fields[c-src.rel.start].Type})
			}
		}
		if localPred != nil {
			exprs = append(exprs, localPred)
		}
		scan, scanPos := child.scan(exprs, scanRanges(localPred), nil)
		node = scan
		src.order = readOrder(src, child, scan, localPred)
		if localPred != nil {
			node = &planner.Filter{Input: node, Predicate: planner.RemapColumns(localPred, scanPos)}
		}
		for c, l := range toLocal {
			if p, ok := scanPos[l]; ok {
				pos[c] = p
			}
		}
	} else {
		node = src.plan
		if localPred != nil {
			node = &planner.Filter{Input: node, Predicate: localPred}
		}
		for c, l := range toLocal {
			pos[c] = l
		}
	}
	return node, pos, nil
}

// estimateRows guesses how many rows a plan produces, from the catalog's row counts of the chunks it reads:
// enough to tell a dimension table from a fact table, not a cost model.
func estimateRows(n planner.Node) int64 {
	switch n := n.(type) {
	case *planner.Scan:
		var rows int64
		for _, c := range n.Chunks {
			rows += c.Rows
		}
		if len(n.Ranges) > 0 {
			rows = rows/4 + 1 // a filter the ranges describe keeps some of them
		}
		return rows
	case *planner.MemoryScan:
		return int64(len(n.Rows))
	case *planner.Empty:
		return int64(n.Rows)
	case *planner.Filter:
		return estimateRows(n.Input)/2 + 1
	case *planner.Aggregate:
		return estimateRows(n.Input)/10 + 1
	case *planner.HashJoin:
		return max(estimateRows(n.Left), estimateRows(n.Right))
	case *planner.MergeJoin:
		return max(estimateRows(n.Left), estimateRows(n.Right))
	case *planner.GlobalLimit:
		return min(n.N, estimateRows(n.Input))
	case *planner.Union:
		var rows int64
		for _, in := range n.Inputs {
			rows += estimateRows(in)
		}
		return rows
	}
	var rows int64
	for _, c := range n.Children() {
		rows = max(rows, estimateRows(c))
	}
	return rows
}
