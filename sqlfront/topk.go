package sqlfront

import (
	"math"
	"slices"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// aggregateTopK applies Cube Store's top-k rule to an aggregation over a table read: LIMIT k (OFFSET m) over ORDER
// BY one aggregate becomes an AggregateTopK over the per-chunk Partial aggregate, which streams each chunk's
// groups in that aggregate's order and stops once the first k+m groups are certain. It returns nil, with a note
// saying why where the query has that shape, when the rule does not apply. It applies when:
//
//   - the query groups (GROUP BY) a plain read of two chunks or more, which aggregates per chunk (Partial), and
//     has no HAVING (a group the threshold counts could be filtered out after it) and no SELECT DISTINCT;
//   - ORDER BY is one key, an aggregate of the query (shown or not) that is SUM, MIN, MAX or COUNT, not DISTINCT,
//     not a plugin measure, over numbers or times (MIN and MAX over text too): the best value a group can still
//     reach is then bounded by the values the chunks' streams have left. Any direction and NULL placement;
//   - LIMIT has a row count above zero: the node keeps count+offset groups, SkipRows drops the offset.
//
// Ties of the ordering aggregate come in the order of the group keys, ascending with NULLs first, as the
// FinalInplaceAggregate the rule replaces emits them (an Inplace aggregate's key order; GROUP BY order for Hash).
func (b *selectBinder) aggregateTopK(node planner.Node, scan *planner.Scan, sel *sqlparser.Select, agg *aggScope,
	items []selectItem, hidden []planner.Expr, keys []planner.SortKey, having planner.Expr, ranges []planner.ColumnRange) *planner.AggregateTopK {
	if agg == nil || len(agg.groups) == 0 || len(keys) == 0 || sel.Limit == nil {
		return nil
	}
	offset, count, err := limitValues(sel.Limit)
	if err != nil || count <= 0 || offset > math.MaxInt64-count {
		return nil
	}
	var e planner.Expr
	if k := keys[0]; k.Column < len(items) {
		e = items[k.Column].expr
	} else {
		e = hidden[k.Column-len(items)]
	}
	ref, ok := e.(*planner.ColumnRef)
	if !ok || ref.Index < len(agg.groups) {
		return nil // ORDER BY does not start with an aggregate: not the top-k shape
	}
	no := func(format string, args ...any) *planner.AggregateTopK {
		note(b.ctx, "topk", "no AggregateTopK: "+format, args...)
		return nil
	}
	if sel.Distinct {
		return no("with SELECT DISTINCT, LIMIT counts distinct rows, not groups")
	}
	if len(keys) > 1 {
		return no("ORDER BY has %d keys; the threshold bounds one aggregate", len(keys))
	}
	order := ref.Index - len(agg.groups)
	call := agg.aggs[order]
	switch t := call.T.Kind; {
	case call.Distinct || call.Plugin != "":
		return no("ORDER BY %s: a DISTINCT aggregate or a plugin measure has no bound from its next values", call.String())
	case call.Func != "sum" && call.Func != "min" && call.Func != "max" && call.Func != "count":
		return no("ORDER BY %s: only SUM, MIN, MAX and COUNT are bounded by the values the chunks have left", call.String())
	case t != sqltype.KindInt && t != sqltype.KindFloat && t != sqltype.KindDecimal && t != sqltype.KindTimestamp &&
		!(t == sqltype.KindString && call.Func != "sum"):
		return no("ORDER BY %s: its type %s has no order AggregateTopK keeps", call.String(), call.T)
	}
	if having != nil {
		return no("HAVING could filter out a group the threshold counts among the first %d", offset+count)
	}
	final, ok := node.(*planner.Aggregate)
	var partial *planner.Aggregate
	if ok && final.Mode == planner.Final {
		switch in := final.Input.(type) {
		case *planner.MergeSort:
			partial, _ = in.Input.(*planner.Aggregate)
		case *planner.Merge:
			partial, _ = in.Input.(*planner.Aggregate)
		}
	}
	switch {
	case scan == nil:
		return no("the input is not a plain table read")
	case partial == nil && len(scan.Chunks) < 2:
		return no("%d chunk(s) to read: one aggregate, whose groups a Sort with a limit orders", len(scan.Chunks))
	case partial == nil:
		return no("the aggregates run in one stage, with no per-chunk groups to merge")
	case partial.Strategy == planner.Inplace:
		// Measured by vcube bench (q5, q7): sorting each chunk's groups by the aggregate cost 3x what merging
		// them in key order and sorting the merged groups with a limit costs.
		return no("the partial aggregates run Inplace: their groups merge in key order (MergeSort) at less cost than sorting each chunk's groups by %s", call.String())
	}
	tk := &planner.AggregateTopK{
		Input: partial, GroupBy: final.GroupBy, Names: final.Names, Aggs: final.Aggs,
		Order: order, Desc: keys[0].Desc, NullsFirst: keys[0].NullsFirst, Limit: offset + count,
		Parallel: b.engine.parallelism(), BoundKey: -1,
	}
	if ties, ok := b.groupOrder(b.index, agg.groups, ranges); ok && final.Strategy == planner.Inplace {
		tk.Ties = ties
	} else {
		for i := range agg.groups {
			tk.Ties = append(tk.Ties, i)
		}
	}
	note(b.ctx, "topk", "ORDER BY %s with LIMIT: AggregateTopK in place of the Final stage keeps the first %d group(s) (the LIMIT's rows and its OFFSET): each of the %d chunks streams its partial groups sorted by %s, and reading stops once no group not yet seen in full can come before the last of them",
		tk.OrderBy(), tk.Limit, len(scan.Chunks), call.String())
	b.boundKey(tk, scan, agg)
	return tk
}

// boundKey gives an AggregateTopK the group key whose per-chunk bounds best tell which chunks may hold a group:
// a group key that is a column with recorded bounds, whose chunks overlap the fewest pairs of others. Without
// one (no such key, or chunks whose bounds are all alike), every chunk may hold every group, and a group is
// complete only once every chunk has shown it or ended.
func (b *selectBinder) boundKey(tk *planner.AggregateTopK, scan *planner.Scan, agg *aggScope) {
	stored := b.storedColumns(b.index)
	byID := map[uint64]etcdmeta.Chunk{}
	for _, c := range b.snap.Chunks(b.table.ID) {
		byID[c.ID] = c
	}
	bestPairs := -1
	var best []planner.ChunkBounds
	for g, ge := range agg.groups {
		ref, ok := ge.(*planner.ColumnRef)
		if !ok {
			continue
		}
		pos := slices.Index(stored, ref.Index)
		t := b.scope.fields[ref.Index].Type
		switch t.Kind {
		case sqltype.KindInt, sqltype.KindTimestamp, sqltype.KindFloat, sqltype.KindDecimal, sqltype.KindString:
		default:
			continue
		}
		if pos < 0 {
			continue
		}
		bounds := make([]planner.ChunkBounds, len(scan.Chunks))
		for i, sc := range scan.Chunks {
			bounds[i] = chunkKeyBounds(byID[sc.ID], pos, t)
		}
		pairs, alike := overlappingPairs(bounds)
		if alike || bestPairs >= 0 && pairs >= bestPairs {
			continue
		}
		bestPairs, best, tk.BoundKey = pairs, bounds, g
	}
	if tk.BoundKey < 0 {
		note(b.ctx, "topk", "no group key has chunk bounds that tell chunks apart: every chunk may hold every group")
		return
	}
	tk.Bounds = best
	m := len(scan.Chunks)
	note(b.ctx, "topk", "chunk bounds on %s: a group is looked for only in the chunks whose bounds hold its key (%d of %d pair(s) of chunks overlap); each chunk streams the groups whose %s is NULL first, then those whose key other chunks' bounds hold too, then its own",
		tk.Names[tk.BoundKey], bestPairs, m*(m-1)/2, tk.Names[tk.BoundKey])
}

// chunkKeyBounds decodes one chunk's recorded bounds of file column pos.
func chunkKeyBounds(c etcdmeta.Chunk, pos int, t sqltype.Type) planner.ChunkBounds {
	cb := planner.ChunkBounds{Chunk: c.ID}
	if pos >= len(c.Min) || pos >= len(c.Max) {
		return cb // none recorded: it may hold anything
	}
	lo, hi := c.Min[pos], c.Max[pos]
	if lo == nil || hi == nil {
		cb.Known = true // only NULLs
		return cb
	}
	lv, err1 := sqltype.DecodeValue(t, *lo)
	hv, err2 := sqltype.DecodeValue(t, *hi)
	if err1 != nil || err2 != nil {
		return cb
	}
	cb.Known, cb.Min, cb.Max = true, lv, hv
	return cb
}

// overlappingPairs counts the pairs of chunks whose bounds overlap (unknown bounds overlap everything, bounds of
// NULLs only nothing), and reports whether the bounds are all alike: every chunk unknown or the same range,
// which tells no chunk from another.
func overlappingPairs(bounds []planner.ChunkBounds) (int, bool) {
	cmp := sqltype.Compare
	pairs := 0
	alike := true
	for i, a := range bounds {
		if a.Known != bounds[0].Known || a.Known && (a.Min == nil) != (bounds[0].Min == nil) ||
			a.Min != nil && bounds[0].Min != nil && (cmp(a.Min, bounds[0].Min) != 0 || cmp(a.Max, bounds[0].Max) != 0) {
			alike = false
		}
		for _, c := range bounds[:i] {
			switch {
			case !a.Known || !c.Known:
				pairs++
			case a.Min == nil || c.Min == nil:
			case cmp(a.Min, c.Max) <= 0 && cmp(c.Min, a.Max) <= 0:
				pairs++
			}
		}
	}
	return pairs, alike
}
