package sqlfront

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// selectBinder turns one SELECT into a plan:
//
//	Scan (only the columns used) -> Filter (WHERE) -> FullHashAggregate (GROUP BY, aggregates) -> Filter (HAVING)
//	-> Projection (select list, plus hidden ORDER BY keys) -> Sort -> SkipRows (OFFSET) -> GlobalLimit
//	-> Projection (drops hidden keys)
type selectBinder struct {
	ctx    context.Context
	engine *Engine
	sess   *Session
	snap   *etcdmeta.Snapshot

	scope   *scope
	table   etcdmeta.Table
	index   etcdmeta.Index // the index the scan reads, once chosen
	virtual planner.Node   // the plan of a single FROM item that is not a stored table: a system table or a derived table
	sources []*source      // the FROM items of a join
	// filterCols are the table columns WHERE reads, which an aggregate index must have among its key columns.
	filterCols map[int]bool
	// joinCols are the table columns a join's keys use when this binder reads one item of a join: an index whose
	// key starts with them lets a MergeJoin read it in order (join_order.go).
	joinCols []int
}

// selectItem is one visible column of the select list.
type selectItem struct {
	ast  sqlparser.Expr
	name string
	expr planner.Expr // bound below or above the aggregate
}

func (b *selectBinder) bind(sel *sqlparser.Select) (planner.Node, error) {
	switch {
	case sel.With != nil:
		return nil, notSupported("WITH")
	case sel.Into != nil:
		return nil, notSupported("SELECT ... INTO")
	case sel.Lock != sqlparser.NoLock:
		return nil, notSupported("locking reads")
	case len(sel.Windows) > 0:
		return nil, notSupported("windows")
	case sel.GroupBy != nil && sel.GroupBy.WithRollup:
		return nil, notSupported("WITH ROLLUP")
	}
	if err := b.bindFrom(sel.From); err != nil {
		return nil, err
	}
	items, err := b.expandSelectList(sel.SelectExprs)
	if err != nil {
		return nil, err
	}
	var where planner.Expr
	if sel.Where != nil {
		if containsAggregation(b.ctx, sel.Where.Expr) {
			return nil, sqlerr.New(sqlerr.InvalidGroupFunc, "Invalid use of group function")
		}
		wb := &exprBinder{ctx: b.ctx, scope: b.scope, clause: "where clause"}
		if where, err = wb.bind(sel.Where.Expr); err != nil {
			return nil, err
		}
		where = toBool(where)
	}
	aggregated := sel.GroupBy != nil && len(sel.GroupBy.Exprs) > 0
	for _, it := range items {
		aggregated = aggregated || containsAggregation(b.ctx, it.ast)
	}
	if sel.Having != nil && containsAggregation(b.ctx, sel.Having.Expr) {
		aggregated = true
	}
	for _, o := range sel.OrderBy {
		aggregated = aggregated || containsAggregation(b.ctx, o.Expr)
	}

	aliases := map[string]sqlparser.Expr{}
	for _, it := range items {
		aliases[strings.ToLower(it.name)] = it.ast
	}

	// Bind the select list, HAVING and ORDER BY: above the aggregate when there is one, over the table otherwise.
	var agg *aggScope
	if aggregated {
		agg = &aggScope{}
		if sel.GroupBy != nil {
			for _, g := range sel.GroupBy.Exprs {
				ge, err := b.bindGroupKey(g, items)
				if err != nil {
					return nil, err
				}
				// Groups are told apart by the digits they show, as MySQL keys its grouping table.
				agg.groups = append(agg.groups, shown(ge))
			}
		}
	}
	list := &exprBinder{ctx: b.ctx, scope: b.scope, agg: agg, clause: "field list"}
	for i := range items {
		if items[i].expr, err = list.bind(items[i].ast); err != nil {
			return nil, err
		}
	}
	var having planner.Expr
	if sel.Having != nil {
		hb := &exprBinder{ctx: b.ctx, scope: b.scope, agg: agg, clause: "having clause", aliases: aliases}
		if having, err = hb.bind(sel.Having.Expr); err != nil {
			return nil, err
		}
		having = toBool(having)
	}
	keys, hidden, err := b.bindOrderBy(sel.OrderBy, items, agg)
	if err != nil {
		return nil, err
	}

	// Build the plan bottom-up. Expressions bound over the table are remapped to the scan's projected columns.
	var node planner.Node
	var remap map[int]int
	// below are the expressions evaluated under the aggregate (or the projection): the columns they use are the
	// ones to read.
	var below []planner.Expr
	var ranges []planner.ColumnRange // of the one table read, if that is the plan's input
	var eager *eagerAgg              // an item of the join aggregated below it (eager_aggregate.go)
	if where != nil {
		below = append(below, where)
	}
	if agg != nil {
		below = append(below, agg.groups...)
		for _, a := range agg.aggs {
			if a.Arg != nil {
				below = append(below, a.Arg)
			}
		}
	} else {
		for _, it := range items {
			below = append(below, it.expr)
		}
		below = append(below, hidden...)
		if having != nil {
			below = append(below, having)
		}
	}
	switch {
	case b.scope == nil:
		node = &planner.Empty{Rows: 1}
	case b.virtual != nil:
		node = b.virtual
	case len(b.sources) > 1:
		if node, remap, eager, err = b.joinPlan(below, where, agg); err != nil {
			return nil, err
		}
		where = nil // pushed to the relations and joins
	default:
		b.filterCols = map[int]bool{}
		if where != nil {
			collectColumns(where, b.filterCols)
		}
		ranges = scanRanges(where)
		node, remap = b.scan(below, ranges, agg)
	}
	scan, _ := node.(*planner.Scan) // a table read whose chunks may be aggregated one by one
	var topk *planner.AggregateTopK
	if where != nil {
		node = &planner.Filter{Input: node, Predicate: planner.RemapColumns(where, remap)}
	}
	if agg != nil && eager != nil {
		node = b.eagerFinal(node, agg, remap, eager)
		remap = nil
	} else if agg != nil {
		node = b.aggregateStages(fullAggregate(node, agg, remap), scan, agg.groups, ranges)
		remap = nil
		if topk = b.aggregateTopK(node, scan, sel, agg, items, hidden, keys, having, ranges); topk != nil {
			node = topk // it emits the groups ORDER BY and LIMIT want: no Sort (topk.go)
		}
	}
	if having != nil {
		node = &planner.Filter{Input: node, Predicate: planner.RemapColumns(having, remap)}
	}
	proj := &planner.Projection{Input: node}
	for _, it := range items {
		proj.Exprs = append(proj.Exprs, planner.RemapColumns(it.expr, remap))
		proj.Names = append(proj.Names, it.name)
	}
	for i, h := range hidden {
		proj.Exprs = append(proj.Exprs, planner.RemapColumns(h, remap))
		proj.Names = append(proj.Names, "__order_"+strconv.Itoa(i+1))
	}
	offset, count := int64(0), int64(-1)
	if sel.Limit != nil {
		if offset, count, err = limitValues(sel.Limit); err != nil {
			return nil, err
		}
	}
	// ORDER BY may ask for the order the rows already arrive in: a plain read's (each chunk sorted by the index
	// key) or an Inplace aggregate's (groups in key order).
	var order orderMatch
	if len(keys) > 0 && !sel.Distinct {
		order = b.matchOrder(keys, items, hidden, node, scan, agg, ranges)
	}
	node = proj
	if agg == nil && scan != nil && len(scan.Chunks) > 1 {
		switch {
		case order.ok && len(order.merge) > 0 && (!order.desc || count > 0):
			// Each chunk's stream is sorted: merged in order, they give the order ORDER BY wants (or, for a
			// TailLimit, its reverse).
			ms := &planner.MergeSort{Input: proj, Keys: order.merge, Parallel: b.engine.parallelism()}
			note(b.ctx, "order", "a plain read of %d chunks, each sorted on the ORDER BY keys: each filtered and projected on its own, their streams merged in order (MergeSort)",
				len(scan.Chunks))
			if !order.desc && count > 0 {
				// The first offset+count rows of the merge come from the first offset+count rows of each stream.
				ms.Limit = offset + count
				ms.Input = &planner.LocalLimit{Input: proj, N: ms.Limit}
				note(b.ctx, "order", "LIMIT pushed down: each chunk's stream stops after %d row(s) (LocalLimit), the merge after as many", ms.Limit)
			}
			node = ms
		default:
			// Rows of a plain read need nothing from each other: every chunk is filtered and projected on its
			// own, in parallel.
			node = &planner.Merge{Input: proj, Parallel: b.engine.parallelism()}
			note(b.ctx, "parallel", "a plain read of %d chunks: each filtered and projected on its own under a Merge", len(scan.Chunks))
		}
	}
	if sel.Distinct {
		if len(hidden) > 0 {
			return nil, sqlerr.New(sqlerr.NotSupportedYet,
				"Expression of ORDER BY clause is not in SELECT list, references column which is not in SELECT list; this is incompatible with DISTINCT")
		}
		d := &planner.Aggregate{Input: node, Mode: planner.Full, Strategy: planner.Hash}
		for i, f := range proj.Fields() {
			d.GroupBy = append(d.GroupBy, shown(&planner.ColumnRef{Index: i, Name: f.Name, T: f.Type}))
			d.Names = append(d.Names, f.Name)
		}
		node = d
	}
	switch {
	case order.ok && !order.desc:
		note(b.ctx, "order", "ORDER BY follows %s: the rows arrive in that order, no Sort", order.source)
	case order.ok && count > 0:
		node = &planner.TailLimit{Input: node, N: offset + count}
		note(b.ctx, "order", "ORDER BY is the reverse of %s, which is MySQL's descending order, NULLs last: TailLimit keeps the last %d row(s) and emits them reversed, no Sort",
			order.source, offset+count)
	case topk != nil:
		// AggregateTopK emits the groups in ORDER BY's order.
	case len(keys) > 0:
		node = &planner.Sort{Input: node, Keys: keys}
		switch {
		case order.ok:
			note(b.ctx, "sort", "ORDER BY is the reverse of %s, but without LIMIT there is no tail to keep: sorted", order.source)
		case order.source != "":
			note(b.ctx, "sort", "ORDER BY does not follow %s", order.source)
		}
	}
	if sel.Limit != nil {
		if s, ok := node.(*planner.Sort); ok && count > 0 {
			s.Limit = offset + count // top-k: only the rows the LIMIT keeps are ordered
			note(b.ctx, "sort", "top-k: ORDER BY with LIMIT keeps the first %d row(s) in a bounded heap", s.Limit)
		}
		if offset > 0 {
			node = &planner.SkipRows{Input: node, N: offset}
		}
		if count >= 0 {
			node = &planner.GlobalLimit{Input: node, N: count}
		}
	}
	if len(hidden) > 0 {
		trim := &planner.Projection{Input: node}
		for i, f := range node.Fields()[:len(items)] {
			trim.Exprs = append(trim.Exprs, &planner.ColumnRef{Index: i, Name: f.Name, T: f.Type})
			trim.Names = append(trim.Names, f.Name)
		}
		node = trim
	}
	return node, nil
}

// fullAggregate is the query's aggregation over input, whose columns are the scope's mapped by remap, as one Full
// hash stage: aggregateStages then picks its strategy and splits it into stages.
func fullAggregate(input planner.Node, agg *aggScope, remap map[int]int) *planner.Aggregate {
	a := &planner.Aggregate{Input: input, Mode: planner.Full, Strategy: planner.Hash}
	for _, g := range agg.groups {
		a.GroupBy = append(a.GroupBy, planner.RemapColumns(g, remap))
		a.Names = append(a.Names, g.String())
	}
	for _, ac := range agg.aggs {
		c := *ac
		if c.Arg != nil {
			c.Arg = planner.RemapColumns(c.Arg, remap)
		}
		a.Aggs = append(a.Aggs, &c)
	}
	return a
}

// aggregateStages chooses how an aggregate over a table runs. Each chunk file is sorted by the index key, so
// when the group keys are a prefix of that key (columns an equality filter fixes aside) groups can be found
// without hashing, Inplace. A read of several chunks aggregates each chunk in parallel (Partial) and merges the
// groups' states: Inplace ones through a MergeSort, which keeps the key order, into a FinalInplaceAggregate, Hash
// ones through a Merge into a FinalHashAggregate. A single chunk needs one Full aggregate.
func (b *selectBinder) aggregateStages(a *planner.Aggregate, scan *planner.Scan, groups []planner.Expr, ranges []planner.ColumnRange) planner.Node {
	if scan == nil {
		note(b.ctx, "aggregate", "FullHashAggregate: the input is not a plain table read")
		return a
	}
	distinct := false
	for _, ag := range a.Aggs {
		if ag.Distinct && !ag.DistinctSplits() {
			// Its values cannot travel between stages: the distinct values of a group are known in one place only.
			note(b.ctx, "aggregate", "FullHashAggregate: %s needs every value of a group in one place", ag.String())
			return a
		}
		distinct = distinct || ag.Distinct
	}
	switch {
	case distinct:
		note(b.ctx, "aggregate", "Hash: DISTINCT aggregates remember each group's values in hash sets")
	case len(groups) == 0:
		note(b.ctx, "aggregate", "Hash: no GROUP BY, one group")
	case b.sortedOnGroups(b.index, groups, ranges):
		a.Strategy = planner.Inplace
		note(b.ctx, "aggregate", "Inplace: the group keys lead index %s's key (%s) once columns an equality fixes are skipped, so each chunk is sorted on them",
			b.index.Name, strings.Join(b.index.Columns, ", "))
	default:
		note(b.ctx, "aggregate", "Hash: the group keys are not a prefix of index %s's key (%s)", b.index.Name, strings.Join(b.index.Columns, ", "))
	}
	if len(scan.Chunks) < 2 {
		note(b.ctx, "aggregate", "one stage (Full): %d chunk(s) to read", len(scan.Chunks))
		return a
	}
	partial, final := planner.SplitAggregate(a)
	if a.Strategy == planner.Inplace {
		// Each chunk's partial groups come in key order; merged in that order, the states of one key arrive
		// adjacent and merge without hashing.
		order, _ := b.groupOrder(b.index, groups, ranges)
		keys := make([]planner.SortKey, len(order))
		for i, g := range order {
			keys[i] = planner.SortKey{Column: g, NullsFirst: true}
		}
		final.Strategy = planner.Inplace
		final.Input = &planner.MergeSort{Input: partial, Keys: keys, Parallel: b.engine.parallelism()}
		note(b.ctx, "aggregate", "Partial per chunk (%d chunks, read in parallel), their groups merged in key order (MergeSort), FinalInplaceAggregate merges the states of equal keys",
			len(scan.Chunks))
		return final
	}
	final.Input = &planner.Merge{Input: partial, Parallel: b.engine.parallelism()}
	note(b.ctx, "aggregate", "Partial per chunk under a Merge (%d chunks, read in parallel), FinalHashAggregate over their states",
		len(scan.Chunks))
	if distinct {
		note(b.ctx, "aggregate", "DISTINCT aggregates: each chunk's distinct values per group travel to the Final stage, which counts each value once")
	}
	return final
}

// orderMatch is how ORDER BY relates to the order in which a query's rows arrive.
type orderMatch struct {
	// source describes the order the rows arrive in, for notes; empty when they arrive in none.
	source string
	// ok: ORDER BY asks for that order (desc false) or its exact reverse (desc true).
	ok, desc bool
	// merge are the ORDER BY keys an equality does not fix, over the projection's output, ascending with NULLs
	// first: what a MergeSort of sorted chunk streams keeps.
	merge []planner.SortKey
}

// matchOrder compares ORDER BY keys (positions in the select list, then the hidden columns) with the order the
// rows below the projection arrive in. A plain read of a table arrives sorted by its index's key in each chunk;
// an Inplace aggregate emits its groups sorted by its group keys, as the index sorts them. Either order is
// ascending with NULLs first, which is MySQL's ascending order; reversed, it is MySQL's descending order (NULLs
// last). ORDER BY matches when its keys, leaving out those an equality fixes to one value, are columns taken
// in that order from its start, again leaving out fixed columns, all ascending or all descending, with the NULL
// placement MySQL gives that direction.
func (b *selectBinder) matchOrder(keys []planner.SortKey, items []selectItem, hidden []planner.Expr, input planner.Node,
	scan *planner.Scan, agg *aggScope, ranges []planner.ColumnRange) orderMatch {
	var m orderMatch
	var sorted []int       // the order, as columns below the projection: table columns, or aggregate outputs
	var fixed map[int]bool // columns below the projection that hold one value
	if f, ok := input.(*planner.Filter); ok {
		input = f.Input // HAVING keeps the order of the groups it passes
	}
	switch a, _ := input.(*planner.Aggregate); {
	case agg == nil && scan != nil:
		fixed = fixedColumns(ranges)
		for _, name := range b.index.Columns {
			sorted = append(sorted, b.scope.index(name))
		}
		m.source = fmt.Sprintf("index %s's key (%s)", b.index.Name, strings.Join(b.index.Columns, ", "))
	case agg != nil && a != nil && a.Strategy == planner.Inplace:
		var ok bool
		if sorted, ok = b.groupOrder(b.index, agg.groups, ranges); !ok {
			return m
		}
		tableFixed := fixedColumns(ranges)
		fixed = map[int]bool{}
		names := make([]string, len(sorted))
		for i, g := range sorted {
			if c, ok := agg.groups[g].(*planner.ColumnRef); ok && tableFixed[c.Index] {
				fixed[g] = true
			}
			names[i] = a.Names[g]
		}
		m.source = fmt.Sprintf("the group keys (%s), in the order the Inplace aggregate emits its groups", strings.Join(names, ", "))
	default:
		return m
	}
	pos := 0
	for i, k := range keys {
		var e planner.Expr
		if k.Column < len(items) {
			e = items[k.Column].expr
		} else {
			e = hidden[k.Column-len(items)]
		}
		c, ok := e.(*planner.ColumnRef)
		if !ok {
			return m
		}
		if fixed[c.Index] {
			continue
		}
		for pos < len(sorted) && fixed[sorted[pos]] {
			pos++
		}
		if pos == len(sorted) || sorted[pos] != c.Index || k.NullsFirst == k.Desc || len(m.merge) > 0 && k.Desc != m.desc {
			return orderMatch{source: m.source}
		}
		pos++
		m.desc = k.Desc
		m.merge = append(m.merge, planner.SortKey{Column: keys[i].Column, NullsFirst: true})
	}
	m.ok = true
	return m
}

// sortedOnGroups reports whether rows sorted by the index ix have equal group keys (bound over the table's
// columns) next to each other (see groupOrder).
func (b *selectBinder) sortedOnGroups(ix etcdmeta.Index, groups []planner.Expr, ranges []planner.ColumnRange) bool {
	_, ok := b.groupOrder(ix, groups, ranges)
	return ok
}

// groupOrder reports whether rows sorted by the index ix have equal group keys (bound over the table's columns)
// next to each other, and if so returns the group keys (positions in groups) in the order the index sorts them:
// the group keys are columns, or a non-decreasing function of one (DATE_TRUNC of a timestamp), and they come
// first in the index key once the columns that ranges fix to one value are skipped. A function of a column can
// only be the last key so covered: within one truncated day the rows are ordered by time, not by the columns
// after it. Groups come out of an Inplace aggregate in that order, ascending with NULLs first, as the index
// sorts its rows.
func (b *selectBinder) groupOrder(ix etcdmeta.Index, groups []planner.Expr, ranges []planner.ColumnRange) ([]int, bool) {
	want := map[int][]int{}    // table column -> the group keys that are that column
	derived := map[int][]int{} // table column -> the group keys that are a monotonic function of it
	for i, g := range groups {
		if c, ok := g.(*planner.ColumnRef); ok {
			want[c.Index] = append(want[c.Index], i)
		} else if c, ok := monotonicColumn(g); ok {
			derived[c] = append(derived[c], i)
		} else {
			return nil, false
		}
	}
	fixed := fixedColumns(ranges)
	var order []int
	for _, name := range ix.Columns {
		col := b.scope.index(name)
		switch {
		case len(want) == 0 && len(derived) == 0:
			return order, true
		case want[col] != nil:
			order = append(order, want[col]...)
			order = append(order, derived[col]...)
			delete(want, col)
			delete(derived, col)
		case derived[col] != nil:
			order = append(order, derived[col]...)
			delete(derived, col)
			return order, len(want) == 0 && len(derived) == 0
		case !fixed[col]:
			return nil, false
		}
	}
	return order, len(want) == 0 && len(derived) == 0
}

// fixedColumns are the table columns that ranges fix to one value (an equality): sorted rows of a scan under
// those ranges are sorted on the key columns after them as well.
func fixedColumns(ranges []planner.ColumnRange) map[int]bool {
	fixed := map[int]bool{}
	for _, r := range ranges {
		if len(r.Range.Values) == 1 {
			fixed[r.Column] = true
		}
	}
	return fixed
}

// monotonicColumn reports whether e is a non-decreasing function of one column: DATE_TRUNC with a constant unit.
func monotonicColumn(e planner.Expr) (int, bool) {
	c, ok := e.(*planner.Call)
	if !ok || c.Func != "date_trunc" || len(c.Args) != 2 {
		return 0, false
	}
	if _, ok := c.Args[0].(*planner.Literal); !ok {
		return 0, false
	}
	col, ok := c.Args[1].(*planner.ColumnRef)
	if !ok {
		return 0, false
	}
	return col.Index, true
}

// chooseIndex picks the index a table scan reads, as Cube Store does and with statistics to break ties: an
// aggregate index that can answer the query (fewest rows, already rolled up) first; then an index whose order
// lets the aggregate run Inplace; then the one whose leading key columns the filters constrain most (fewest
// partitions and row groups read); then the one with the fewest rows; then the order of declaration. It
// returns the index and the table columns its files store. used are the table columns the query reads.
func (b *selectBinder) chooseIndex(used map[int]bool, ranges []planner.ColumnRange, agg *aggScope) (etcdmeta.Index, []int) {
	type candidate struct {
		ix        etcdmeta.Index
		stored    []int
		aggregate bool
		inplace   bool
		prefix    int
		joined    bool // its key starts with the join columns
		rows      int64
	}
	rowsOf := map[uint64]int64{}
	for _, c := range b.snap.Chunks(b.table.ID) {
		rowsOf[c.IndexID] += c.Rows
	}
	var best *candidate
	for i, ix := range b.table.Indexes {
		if i > 0 && len(b.table.UniqueKey) > 0 {
			break // LastRowByUniqueKey reads the default index
		}
		c := &candidate{ix: ix, stored: b.storedColumns(ix), rows: rowsOf[ix.ID]}
		if ix.Aggregate {
			if !b.aggregateIndexServes(ix, c.stored, used, agg) {
				continue
			}
			c.aggregate = true
		}
		c.inplace = agg != nil && len(agg.groups) > 0 && b.sortedOnGroups(ix, agg.groups, ranges)
		c.prefix = constrainedPrefix(b.scope, ix, ranges)
		c.joined = b.indexLeadsWith(ix, b.joinCols, ranges)
		better := best == nil
		if !better {
			switch {
			case c.aggregate != best.aggregate:
				better = c.aggregate
			case c.inplace != best.inplace:
				better = c.inplace
			case c.prefix != best.prefix:
				better = c.prefix > best.prefix
			case c.joined != best.joined:
				better = c.joined
			default:
				better = c.rows < best.rows
			}
		}
		if better {
			best = c
		}
	}
	if best == nil {
		return etcdmeta.Index{}, nil
	}
	why := "the only index"
	switch {
	case len(b.table.Indexes) > 1 && len(b.table.UniqueKey) > 0:
		why = "a UNIQUE KEY table reads its default index"
	case best.aggregate:
		why = "an aggregate index answers the query from rolled-up rows"
	case best.inplace:
		why = "its order lets the aggregate run Inplace"
	case best.prefix > 0:
		why = fmt.Sprintf("the filters constrain the first %d column(s) of its key", best.prefix)
	case best.joined && len(b.table.Indexes) > 1:
		why = "its key starts with the join's columns, so a merge join can read it in order"
	case len(b.table.Indexes) > 1:
		why = fmt.Sprintf("no index serves better; it has the fewest rows (%d)", best.rows)
	}
	note(b.ctx, "index", "%s.%s reads %s: %s", b.table.Schema, b.table.Name, best.ix.Name, why)
	return best.ix, best.stored
}

// storedColumns are the table columns an index's files hold, in file order.
func (b *selectBinder) storedColumns(ix etcdmeta.Index) []int {
	var out []int
	if !ix.Aggregate {
		for i := range b.scope.fields {
			out = append(out, i)
		}
		return out
	}
	for _, name := range ix.Columns {
		out = append(out, b.scope.index(name))
	}
	for _, a := range b.table.Aggregations {
		out = append(out, b.scope.index(a.Column))
	}
	return out
}

// aggregateIndexServes reports whether an aggregate index, storing the table columns stored, answers a query
// exactly: every column the query reads is stored, filters and group keys read only its key columns, and every
// aggregate is the roll-up's own function over a rolled-up column (a SUM of sums, a MIN of minimums, a MAX of
// maximums). COUNT and AVG cannot be answered:
// a rolled-up row no longer says how many rows it stands for.
func (b *selectBinder) aggregateIndexServes(ix etcdmeta.Index, stored []int, used map[int]bool, agg *aggScope) bool {
	if agg == nil {
		return false
	}
	for c := range used {
		if !slices.Contains(stored, c) {
			return false
		}
	}
	// Filters and group keys see a rolled-up row's key columns as the rows' own, but its AGGREGATIONS columns
	// only as sums (or minimums, maximums) of them: those may appear in the matching aggregates and nowhere else.
	keys := map[int]bool{}
	for _, name := range ix.Columns {
		keys[b.scope.index(name)] = true
	}
	outside := map[int]bool{}
	for c := range b.filterCols {
		outside[c] = true
	}
	for _, g := range agg.groups {
		collectColumns(g, outside)
	}
	for c := range outside {
		if !keys[c] {
			return false
		}
	}
	rolled := map[int]string{}
	for _, a := range b.table.Aggregations {
		rolled[b.scope.index(a.Column)] = a.Func
	}
	for _, a := range agg.aggs {
		col, ok := a.Arg.(*planner.ColumnRef)
		if !ok || a.Distinct || rolled[col.Index] != a.Func {
			return false
		}
	}
	return true
}

// constrainedPrefix counts the leading key columns of ix that ranges constrain: equalities, then at most one
// other range, which is how far a sorted index narrows the partitions and row groups to read.
func constrainedPrefix(sc *scope, ix etcdmeta.Index, ranges []planner.ColumnRange) int {
	return len(keyRanges(sc, ix, ranges))
}

// keyRanges are the ranges on the leading key columns of ix, in key order: equalities, then at most one other.
func keyRanges(sc *scope, ix etcdmeta.Index, ranges []planner.ColumnRange) []planner.ColumnRange {
	var out []planner.ColumnRange
	for _, name := range ix.Columns {
		col := sc.index(name)
		i := slices.IndexFunc(ranges, func(r planner.ColumnRange) bool { return r.Column == col })
		if i < 0 {
			break
		}
		out = append(out, ranges[i])
		if len(ranges[i].Range.Values) != 1 {
			break
		}
	}
	return out
}

func (b *selectBinder) expandSelectList(exprs *sqlparser.SelectExprs) ([]selectItem, error) {
	var items []selectItem
	for _, se := range exprs.Exprs {
		switch se := se.(type) {
		case *sqlparser.StarExpr:
			if b.scope == nil {
				return nil, sqlerr.New(sqlerr.NoTablesUsed, "No tables used")
			}
			q := se.TableName.Name.String()
			if q == "" && b.scope.starOrder != nil {
				for _, p := range b.scope.starOrder {
					f := b.scope.fields[p]
					items = append(items, selectItem{ast: sqlparser.NewColNameWithQualifier(f.Name, sqlparser.NewTableName(b.scope.relOf(p))), name: f.Name})
				}
				continue
			}
			matched := false
			for _, rel := range b.scope.rels {
				if q != "" && q != rel.alias {
					continue
				}
				matched = true
				for _, f := range b.scope.fields[rel.start:rel.end] {
					// Qualified, so that a name two relations share still means this relation's column.
					items = append(items, selectItem{ast: sqlparser.NewColNameWithQualifier(f.Name, sqlparser.NewTableName(rel.alias)), name: f.Name})
				}
			}
			if !matched {
				return nil, sqlerr.New(sqlerr.UnknownTable, "Unknown table '%s'", q)
			}
		case *sqlparser.AliasedExpr:
			name := se.As.String()
			if name == "" {
				if col, ok := se.Expr.(*sqlparser.ColName); ok {
					name = col.Name.String()
				} else {
					name = sqlparser.String(se.Expr)
				}
			}
			items = append(items, selectItem{ast: se.Expr, name: name})
		default:
			return nil, notSupported(sqlparser.String(se))
		}
	}
	return items, nil
}

// bindGroupKey binds one GROUP BY item: an ordinal or a select alias stands for that select expression; a name
// that is both a column and an alias means the column, as in MySQL.
func (b *selectBinder) bindGroupKey(g sqlparser.Expr, items []selectItem) (planner.Expr, error) {
	if n, ok := ordinal(g); ok {
		if n < 1 || n > len(items) {
			return nil, sqlerr.New(sqlerr.BadField, "Unknown column '%d' in 'group statement'", n)
		}
		g = items[n-1].ast
	} else if col, ok := g.(*sqlparser.ColName); ok && col.Qualifier.IsEmpty() {
		if _, err := b.scope.resolve(col, "group statement"); err != nil {
			for _, it := range items {
				if strings.EqualFold(it.name, col.Name.String()) {
					g = it.ast
					break
				}
			}
		}
	}
	if containsAggregation(b.ctx, g) {
		return nil, sqlerr.New(sqlerr.WrongGroupField, "Can't group on '%s'", sqlparser.String(g))
	}
	gb := &exprBinder{ctx: b.ctx, scope: b.scope, clause: "group statement"}
	return gb.bind(g)
}

// bindOrderBy resolves ORDER BY items to output columns: ordinals and aliases name select columns; other
// expressions reuse an equal select column or become hidden columns of the projection.
func (b *selectBinder) bindOrderBy(order sqlparser.OrderBy, items []selectItem, agg *aggScope) ([]planner.SortKey, []planner.Expr, error) {
	var keys []planner.SortKey
	var hidden []planner.Expr
	ob := &exprBinder{ctx: b.ctx, scope: b.scope, agg: agg, clause: "order clause"}
	for _, o := range order {
		col := -1
		o, desc, nullsFirst := orderDirection(o)
		if n, ok := ordinal(o.Expr); ok {
			if n < 1 || n > len(items) {
				return nil, nil, sqlerr.New(sqlerr.BadField, "Unknown column '%d' in 'order clause'", n)
			}
			col = n - 1
		} else if c, ok := o.Expr.(*sqlparser.ColName); ok && c.Qualifier.IsEmpty() {
			for i, it := range items {
				if strings.EqualFold(it.name, c.Name.String()) {
					if col >= 0 && exprKey(items[col].expr) != exprKey(it.expr) {
						return nil, nil, sqlerr.New(sqlerr.NonUniq, "Column '%s' in order clause is ambiguous", c.Name.String())
					}
					if col < 0 {
						col = i
					}
				}
			}
		}
		if col < 0 {
			e, err := ob.bind(o.Expr)
			if err != nil {
				return nil, nil, err
			}
			key := exprKey(e)
			for i, it := range items {
				if exprKey(it.expr) == key {
					col = i
					break
				}
			}
			if col < 0 {
				for i, h := range hidden {
					if exprKey(h) == key {
						col = len(items) + i
					}
				}
			}
			if col < 0 {
				hidden = append(hidden, e)
				col = len(items) + len(hidden) - 1
			}
		}
		keys = append(keys, planner.SortKey{Column: col, Desc: desc, NullsFirst: nullsFirst})
	}
	return keys, hidden, nil
}

// orderDirection reads one ORDER BY item: its expression (without the NULLS FIRST | LAST marker rewriteDialect
// puts there), its direction, and where NULLs go: MySQL orders NULL below every value (first ascending, last
// descending) unless NULLS FIRST | LAST says otherwise.
func orderDirection(o *sqlparser.Order) (*sqlparser.Order, bool, bool) {
	desc := o.Direction == sqlparser.DescOrder
	nullsFirst := !desc
	if c, ok := o.Expr.(*sqlparser.CollateExpr); ok && (c.Collation == collateNullsFirst || c.Collation == collateNullsLast) {
		o = &sqlparser.Order{Expr: c.Expr, Direction: o.Direction}
		nullsFirst = c.Collation == collateNullsFirst
	}
	return o, desc, nullsFirst
}

func ordinal(e sqlparser.Expr) (int, bool) {
	lit, ok := e.(*sqlparser.Literal)
	if !ok || lit.Type != sqlparser.IntVal {
		return 0, false
	}
	n, err := strconv.Atoi(lit.Val)
	return n, err == nil
}

func limitValues(l *sqlparser.Limit) (offset, count int64, err error) {
	count = -1
	read := func(e sqlparser.Expr) (int64, error) {
		lit, ok := e.(*sqlparser.Literal)
		if !ok || lit.Type != sqlparser.IntVal {
			return 0, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to LIMIT")
		}
		v, err := strconv.ParseInt(lit.Val, 10, 64)
		if err != nil || v < 0 {
			return 0, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to LIMIT")
		}
		return v, nil
	}
	if l.Offset != nil {
		if offset, err = read(l.Offset); err != nil {
			return 0, 0, err
		}
	}
	if l.Rowcount != nil {
		if count, err = read(l.Rowcount); err != nil {
			return 0, 0, err
		}
	}
	return offset, count, nil
}

// scan builds the table scan reading only the columns that exprs use, and the map from table column index to
// scan output index. On a table with a UNIQUE KEY whose newest rows are still in chunks, the scan goes under a
// LastRowByUniqueKey that merges them with the partitions.
func (b *selectBinder) scan(exprs []planner.Expr, ranges []planner.ColumnRange, agg *aggScope) (planner.Node, map[int]int) {
	used := map[int]bool{}
	for _, e := range exprs {
		collectColumns(e, used)
	}
	s := &planner.Scan{
		Schema: b.scope.rels[0].schema, Table: b.scope.rels[0].table, TableID: b.table.ID,
		TableColumns: b.scope.fields,
	}
	ix, stored := b.chooseIndex(used, ranges, agg)
	b.index = ix
	s.IndexID, s.IndexName = ix.ID, ix.Name
	if ix.Aggregate {
		s.IndexColumns = stored
	}
	var fileFields []planner.Field
	filePos := map[int]int{}
	for i, c := range stored {
		fileFields = append(fileFields, b.scope.fields[c])
		filePos[c] = i
	}
	remap := map[int]int{}
	for i := range b.scope.fields {
		if used[i] {
			remap[i] = len(s.Projection)
			s.Projection = append(s.Projection, i)
		}
	}
	var chunks []etcdmeta.Chunk
	fresh := false
	for _, c := range b.snap.Chunks(b.table.ID) {
		if c.IndexID == s.IndexID {
			chunks = append(chunks, c)
			fresh = fresh || c.Level == 0
		}
	}
	unique := len(b.table.UniqueKey) > 0 && fresh
	if unique {
		// A newer row replaces an older one of its key: pruning either by a column outside the key could bring
		// back a row its replacement has hidden, so only ranges on key columns prune. Partitions are older than
		// any chunk not yet merged into them, and the merge wants its inputs oldest first.
		var keyRanges []planner.ColumnRange
		for _, r := range ranges {
			if slices.Contains(b.table.UniqueKey, b.scope.fields[r.Column].Name) {
				keyRanges = append(keyRanges, r)
			}
		}
		ranges = keyRanges
		slices.SortStableFunc(chunks, func(x, y etcdmeta.Chunk) int { return cmp.Compare(y.Level, x.Level) })
	}
	s.Ranges = ranges
	if !unique {
		s.KeyRanges = keyRanges(b.scope, ix, ranges)
		if len(s.KeyRanges) > 0 {
			note(b.ctx, "key range", "%s.%s: the rows a batch can match are one run of index %s's order, on %d leading key columns",
				b.table.Schema, b.table.Name, ix.Name, len(s.KeyRanges))
		}
	}
	var fileRanges []planner.ColumnRange // chunk bounds are kept per file column
	for _, r := range ranges {
		if p, ok := filePos[r.Column]; ok {
			fileRanges = append(fileRanges, planner.ColumnRange{Column: p, Range: r.Range})
		}
	}
	for _, c := range chunks {
		if !chunkMayMatch(c, fileFields, fileRanges) {
			s.ChunksPruned++
			continue
		}
		s.Chunks = append(s.Chunks, planner.Chunk{ID: c.ID, File: c.File, Rows: c.Rows})
	}
	if len(ranges) > 0 {
		note(b.ctx, "pruning", "%s.%s: the filters' ranges leave %d of %d chunks", b.table.Schema, b.table.Name, len(s.Chunks), len(s.Chunks)+s.ChunksPruned)
	}
	if !unique || len(s.Chunks) < 2 {
		return s, remap
	}
	note(b.ctx, "unique key", "%s.%s has chunks compaction has not merged: LastRowByUniqueKey merges its %d files on read", b.table.Schema, b.table.Name, len(s.Chunks))
	lr := &planner.LastRowByUniqueKey{Input: s, Prefix: len(b.table.UniqueKey), Seq: -1}
	for _, name := range ix.Columns {
		lr.Key = append(lr.Key, b.scope.index(name))
	}
	if seq := b.scope.index(SeqColumn); seq >= 0 && b.scope.fields[seq].Type.Kind == sqltype.KindInt {
		lr.Seq = seq
	}
	return lr, remap
}

func collectColumns(e planner.Expr, used map[int]bool) {
	switch e := e.(type) {
	case *planner.ColumnRef:
		used[e.Index] = true
	case *planner.Call:
		for _, a := range e.Args {
			collectColumns(a, used)
		}
	case *planner.AggCall:
		if e.Arg != nil {
			collectColumns(e.Arg, used)
		}
	}
}
