package sqlfront

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Eager aggregation (group-by push-down: Yan and Larson; Chaudhuri and Shim). An aggregate over a join whose
// aggregates all read one FROM item, the fact table of a star join, can aggregate that item before the join:
// grouped by every column of it the plan uses above its read (its join columns, the group keys, the conditions
// applied at or over the joins), its rows become a few partial groups, and the join meets those instead of every
// row. The aggregate over the join then merges the partial groups as a Final stage merges per-chunk ones.
//
// Why the answer is the same. Rows of one partial group agree on every column of the item the joins, the
// conditions and the group keys read, so each of them meets the same rows of the other items, passes the same
// conditions and falls into the same groups: where one of them would have made m rows of the join's output, the
// group makes m rows carrying its state, and those rows differ from its own rows' only in the aggregated
// columns. A partial group's state therefore stands for its rows wherever they would have gone, as many times as
// they would have: SUM, COUNT (a sum of counts), MIN, MAX and AVG (a sum and a count) merge copies of a state into
// what the copied rows would give. This
// needs every row of the item to reach the join as itself, never replaced by NULLs: the item may be the preserved
// side of an outer join, not the side an outer join fills (a partial group would then stand for no row where the
// NULL-filled row counts one). DISTINCT aggregates (but MIN and MAX, which ignore it), variances and plugin
// measures are left alone: their states do not leave the executor in a form a plain aggregate can produce.
//
// The partial aggregate emits exactly the state columns the Final stage above the join merges
// (planner.AggCall.StateTypes), so result types and digits are those of the aggregate without the rule, from the
// same accumulators: SUM's state is its result type, COUNT's a BIGINT count, MIN's and MAX's their value, and
// AVG's a 38-digit DECIMAL (or DOUBLE) sum with a count, the sum of an integer argument taken as DECIMAL as AVG's
// own state holds it. Sums are added in another order (per group first), as the per-chunk split already adds
// them: a BIGINT sum whose running total overflows on one order only may fail with the rule and not without it,
// or the reverse.
//
// It pays when the item is big and its groups are few. Without statistics of distinct values, vcube takes the
// item when the catalog's row counts (estimateRows, as the join's build side is chosen) make it at least twice
// as large as every other input, and its group keys do not hold its UNIQUE KEY (which would leave one group per
// row). Joined on the key of a dimension, its groups by that key alone are then at most the dimension's rows,
// half its own or fewer; the aggregate costs about what the join would have spent probing the rows it folds.

// eagerAgg describes the aggregate pushed below the join.
type eagerAgg struct {
	src       int                // the FROM item aggregated below the join
	groupCols []int              // its scope columns the partial aggregate groups by
	calls     []*planner.AggCall // the partial aggregate's calls, over the scope
	// states lists, per aggregate of the query, the calls whose values are its state columns, in StateTypes order.
	states [][]int
	// at is where the item's columns start in the join's output (set when the join is planned): the group keys,
	// then one column per call.
	at int
}

type noEagerAggregationKey struct{}

// withoutEagerAggregation switches the rule off for the statements planned under ctx (tests compare answers).
func withoutEagerAggregation(ctx context.Context) context.Context {
	return context.WithValue(ctx, noEagerAggregationKey{}, true)
}

// replayNotes appends notes taken aside (a FROM item's read, planned before the joins) to the statement's.
func replayNotes(ctx context.Context, lines []string) {
	if n, ok := ctx.Value(planNotesKey{}).(*planNotes); ok {
		n.lines = append(n.lines, lines...)
	}
}

// eagerAggregation decides whether the query's aggregation (agg; nil: none) runs in part below the join, on
// which item and grouped by what, noting why or why not. pool are the conditions of WHERE and inner joins' ON,
// ons the ON conditions of outer joins, fills the items each join fills with NULLs, reads the items' reads.
func (b *selectBinder) eagerAggregation(agg *aggScope, pool []joinCond, ons [][]planner.Expr, fills []uint64, reads []itemRead) *eagerAgg {
	if agg == nil {
		return nil
	}
	if off, _ := b.ctx.Value(noEagerAggregationKey{}).(bool); off {
		return nil
	}
	no := func(format string, args ...any) *eagerAgg {
		note(b.ctx, "eager aggregate", "none: "+format, args...)
		return nil
	}
	var mask uint64
	for _, a := range agg.aggs {
		switch {
		case a.Plugin != "":
			return no("%s is a plugin measure", a.String())
		case a.Distinct:
			return no("%s is DISTINCT: a partial group would have to carry its distinct values", a.String())
		case a.Func != "sum" && a.Func != "count" && a.Func != "min" && a.Func != "max" && a.Func != "avg":
			return no("%s does not merge from partial sums, counts, minimums or maximums", a.String())
		}
		if a.Arg != nil {
			mask |= b.sourcesOf(a.Arg)
		}
	}
	rows := make([]int64, len(reads))
	for i, r := range reads {
		rows[i] = estimateRows(r.plan)
	}
	s := 0
	switch {
	case mask&(mask-1) != 0:
		var names []string
		for i, src := range b.sources {
			if mask&(1<<i) != 0 {
				names = append(names, src.rel.alias)
			}
		}
		return no("the aggregates read columns of several FROM items (%s)", strings.Join(names, ", "))
	case mask != 0:
		for mask&(1<<s) == 0 {
			s++
		}
	default:
		// The aggregates read no column (COUNT(*)): the largest item is the one to aggregate.
		for i := range rows {
			if rows[i] > rows[s] {
				s = i
			}
		}
	}
	src := b.sources[s]
	alias := src.rel.alias
	if src.table == nil {
		return no("the aggregates read %s, which is not a stored table", alias)
	}
	for k, f := range fills {
		if f&(1<<s) != 0 {
			return no("the %s join of %s fills %s with NULLs, whose rows a partial group cannot stand for",
				b.sources[k].join, b.sources[k].rel.alias, alias)
		}
	}
	for i := range rows {
		if i != s && rows[i] > rows[s]/2 {
			return no("%s is not twice as large as every other input (estimated %d rows; %s %d)", alias, rows[s], b.sources[i].rel.alias, rows[i])
		}
	}

	// The partial aggregate groups by every column of the item used above its read.
	above := map[int]bool{}
	for _, g := range agg.groups {
		collectColumns(g, above)
	}
	for _, c := range pool {
		if !(c.local && c.at == s) {
			collectColumns(c.e, above)
		}
	}
	for _, cs := range ons {
		for _, c := range cs {
			collectColumns(c, above)
		}
	}
	e := &eagerAgg{src: s}
	for c := src.rel.start; c < src.rel.end; c++ {
		if above[c] {
			e.groupCols = append(e.groupCols, c)
		}
	}
	names := make([]string, len(e.groupCols))
	for i, c := range e.groupCols {
		names[i] = b.scope.fields[c].Name
	}
	if len(e.groupCols) == 0 {
		// Without group keys the partial aggregate would make one row of an empty table, which joins.
		return no("no column of %s is used above its read: nothing to group it by", alias)
	}
	if uk := src.table.UniqueKey; len(uk) > 0 && !slices.ContainsFunc(uk, func(k string) bool { return !slices.Contains(names, k) }) {
		return no("the columns of %s used above its read (%s) hold its UNIQUE KEY: every row is a group of its own",
			alias, strings.Join(names, ", "))
	}

	// The partial aggregate's calls, shared where two aggregates want the same state.
	call := func(c *planner.AggCall) int {
		key := exprKey(c)
		if i := slices.IndexFunc(e.calls, func(x *planner.AggCall) bool { return exprKey(x) == key }); i >= 0 {
			return i
		}
		e.calls = append(e.calls, c)
		return len(e.calls) - 1
	}
	for _, a := range agg.aggs {
		switch a.Func {
		case "avg":
			// AVG's state: the exact sum (an integer argument summed as AVG sums it, as a 38-digit DECIMAL) and the
			// count of values.
			arg := a.Arg
			if arg.Type().Kind == sqltype.KindInt {
				arg = castTo(arg, sqltype.Decimal(sqltype.MaxDecimalPrecision, 0))
			}
			sumArg, sumT := aggregateTypes("sum", arg)
			sum := call(&planner.AggCall{Func: "sum", Arg: sumArg, T: sumT})
			count := call(&planner.AggCall{Func: "count", Arg: a.Arg, T: sqltype.BigInt})
			e.states = append(e.states, []int{sum, count})
		default:
			c := *a
			e.states = append(e.states, []int{call(&c)})
		}
	}
	calls := make([]string, len(e.calls))
	for i, c := range e.calls {
		calls[i] = c.String()
	}
	note(b.ctx, "eager aggregate", "%s (estimated %d rows, at least twice every other input) is aggregated below the join by (%s), the columns of it used above its read, into [%s]; the aggregate over the join merges those partial groups",
		alias, rows[s], strings.Join(names, ", "), strings.Join(calls, ", "))
	return e
}

// eagerSourcePlan reads the item e aggregates, grouped by e.groupCols, with its own conditions (local) under the
// aggregate, which runs in stages per chunk as a single table's does (aggregateStages), and may be answered by
// an aggregate index. It returns the plan and where each group column is in its output.
func (b *selectBinder) eagerSourcePlan(src *source, used map[int]bool, local []planner.Expr, e *eagerAgg) (planner.Node, map[int]int) {
	toLocal := map[int]int{}
	for c := src.rel.start; c < src.rel.end; c++ {
		toLocal[c] = c - src.rel.start
	}
	var localPred planner.Expr
	if len(local) > 0 {
		localPred = planner.RemapColumns(andAll(local), toLocal)
	}
	child := &selectBinder{ctx: b.ctx, engine: b.engine, sess: b.sess, snap: b.snap, table: *src.table,
		scope: singleScope(src.rel.schema, src.rel.table, src.rel.alias, src.fields), filterCols: map[int]bool{}}
	if localPred != nil {
		collectColumns(localPred, child.filterCols)
	}
	agg := &aggScope{}
	for _, c := range e.groupCols {
		l := c - src.rel.start
		agg.groups = append(agg.groups, &planner.ColumnRef{Index: l, Name: src.fields[l].Name, T: src.fields[l].Type})
	}
	for _, c := range e.calls {
		lc := *c
		if lc.Arg != nil {
			lc.Arg = planner.RemapColumns(lc.Arg, toLocal)
		}
		agg.aggs = append(agg.aggs, &lc)
	}
	var exprs []planner.Expr
	for c := range used {
		if c >= src.rel.start && c < src.rel.end {
			l := c - src.rel.start
			exprs = append(exprs, &planner.ColumnRef{Index: l, Name: src.fields[l].Name, T: src.fields[l].Type})
		}
	}
	if localPred != nil {
		exprs = append(exprs, localPred)
	}
	ranges := scanRanges(localPred)
	read, scanPos := child.scan(exprs, ranges, agg)
	var node planner.Node = read
	if localPred != nil {
		node = &planner.Filter{Input: node, Predicate: planner.RemapColumns(localPred, scanPos)}
	}
	a := fullAggregate(node, agg, scanPos)
	scan, _ := read.(*planner.Scan)
	out := child.aggregateStages(a, scan, agg.groups, ranges)

	pos := map[int]int{}
	for i, c := range e.groupCols {
		pos[c] = i
	}
	// An Inplace aggregate emits its groups in the index's order, which a merge join can use.
	src.order, src.aggregated = nil, true
	if top, ok := out.(*planner.Aggregate); ok && top.Strategy == planner.Inplace {
		if order, ok := child.groupOrder(child.index, agg.groups, ranges); ok {
			o := &joinOrder{fixed: map[int]bool{}, chunks: 1}
			names := make([]string, len(order))
			for k, g := range order {
				o.cols = append(o.cols, []int{e.groupCols[g]})
				names[k] = a.Names[g]
			}
			for c := range fixedColumns(ranges) {
				o.fixed[src.rel.start+c] = true
			}
			o.what = fmt.Sprintf("%s aggregated Inplace comes in the order of its group keys (%s)", src.rel.alias, strings.Join(names, ", "))
			src.order = o
		}
	}
	return out, pos
}

// eagerFinal is the aggregate over a join whose item e was aggregated below it: a Final stage that merges the
// partial groups as they come out of the join (a partial group that met k rows comes k times), over a Projection
// that puts the query's group keys first and each aggregate's state columns after them, in order. Its output is
// the group keys then the aggregates, as the Full aggregate it replaces.
func (b *selectBinder) eagerFinal(join planner.Node, agg *aggScope, remap map[int]int, e *eagerAgg) planner.Node {
	fields := join.Fields()
	proj := &planner.Projection{Input: join}
	final := &planner.Aggregate{Input: proj, Mode: planner.Final, Strategy: planner.Hash}
	for i, g := range agg.groups {
		proj.Exprs = append(proj.Exprs, planner.RemapColumns(g, remap))
		proj.Names = append(proj.Names, g.String())
		final.GroupBy = append(final.GroupBy, &planner.ColumnRef{Index: i, Name: g.String(), T: g.Type()})
		final.Names = append(final.Names, g.String())
	}
	state := func(call int) *planner.ColumnRef {
		p := e.at + len(e.groupCols) + call
		return &planner.ColumnRef{Index: p, Name: fields[p].Name, T: fields[p].Type}
	}
	for k, a := range agg.aggs {
		c := *a // its argument stays the query's: a Final stage keeps it for EXPLAIN and types only
		final.Aggs = append(final.Aggs, &c)
		types := c.StateTypes()
		for j, call := range e.states[k] {
			var x planner.Expr = state(call)
			if c.Func == "avg" && j == 0 {
				// A group whose values are all NULL has no sum but a count of 0; AVG's state holds 0 there.
				zero := &planner.Literal{T: types[0], Value: decimal128.Num{}}
				if types[0].Kind == sqltype.KindFloat {
					zero.Value = float64(0)
				}
				x = &planner.Call{Func: "coalesce", Args: []planner.Expr{x, zero}, T: types[0]}
			}
			proj.Exprs = append(proj.Exprs, x)
			proj.Names = append(proj.Names, x.String())
		}
	}
	note(b.ctx, "aggregate", "FinalHashAggregate over the join: it merges the partial groups of %s, each as often as the join repeats it",
		b.sources[e.src].rel.alias)
	return final
}
