package vexec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// Tests of AggregateTopK: the first k groups by one aggregate, from per-chunk partial groups streamed in that
// aggregate's order, stopping once the top k is certain.

// topKSpec describes an AggregateTopK over a table's scan.
type topKSpec struct {
	groupBy    []int // columns of the table
	aggs       []*planner.AggCall
	order      int // index into aggs
	desc       bool
	nullsFirst bool
	limit      int64
	inplace    bool // the chunks are sorted on groupBy: Partial Inplace
	bounded    bool // chunk bounds on the first group key
}

// topKPlan builds the AggregateTopK of spec over tt: a Partial aggregate per chunk under it.
func topKPlan(tt *testTable, spec topKSpec) *planner.AggregateTopK {
	full := &planner.Aggregate{Input: tt.scan(), Aggs: spec.aggs}
	if spec.inplace {
		full.Strategy = planner.Inplace
	}
	for _, c := range spec.groupBy {
		full.GroupBy = append(full.GroupBy, factRefOf(tt, c))
		full.Names = append(full.Names, tt.cols[c].Name)
	}
	partial, final := planner.SplitAggregate(full)
	tk := &planner.AggregateTopK{Input: partial, GroupBy: final.GroupBy, Names: final.Names, Aggs: final.Aggs,
		Order: spec.order, Desc: spec.desc, NullsFirst: spec.nullsFirst, Limit: spec.limit, Parallel: 2, BoundKey: -1}
	for i := range spec.groupBy {
		tk.Ties = append(tk.Ties, i)
	}
	if spec.bounded {
		tk.BoundKey = 0
		tk.Bounds = chunkBounds(tt, spec.groupBy[0])
	}
	return tk
}

// factRefOf is a reference to column c of tt.
func factRefOf(tt *testTable, c int) *planner.ColumnRef {
	return &planner.ColumnRef{Index: c, Name: tt.cols[c].Name, T: tt.cols[c].Type}
}

// chunkBounds are the smallest and largest non-NULL value of column c in each chunk of tt, as the catalog
// records them.
func chunkBounds(tt *testTable, c int) []planner.ChunkBounds {
	var out []planner.ChunkBounds
	start := 0
	for _, ch := range tt.chunks {
		cb := planner.ChunkBounds{Chunk: ch.ID, Known: true}
		for _, r := range tt.rows[start : start+int(ch.Rows)] {
			v := r[c]
			if v == nil {
				continue
			}
			if cb.Min == nil || cmpValues(v, cb.Min) < 0 {
				cb.Min = v
			}
			if cb.Max == nil || cmpValues(v, cb.Max) > 0 {
				cb.Max = v
			}
		}
		start += int(ch.Rows)
		out = append(out, cb)
	}
	return out
}

// topKWant is the reference: every group of tt's rows, sorted by the ordering aggregate (as ORDER BY puts it),
// then by the group keys ascending with NULLs first, the first limit of them.
func topKWant(tt *testTable, spec topKSpec) []row {
	var keys []func(row) any
	for _, c := range spec.groupBy {
		keys = append(keys, func(r row) any { return r[c] })
	}
	groups := refGroupBy(tt.rows, keys, spec.aggs, factArg)
	order := []planner.SortKey{{Column: len(spec.groupBy) + spec.order, Desc: spec.desc, NullsFirst: spec.nullsFirst}}
	for i := range spec.groupBy {
		order = append(order, planner.SortKey{Column: i, NullsFirst: true})
	}
	sorted := sortedRows(formattedZeros(groups), order)
	return sorted[:min(len(sorted), int(spec.limit))]
}

func TestAggregateTopK(t *testing.T) {
	others := []*planner.AggCall{aggCall("count", nil), aggCall("avg", factRef(cD)), aggCall("sum", factRef(cF)),
		aggCall("min", factRef(cG)), aggCall("max", factRef(cTS)), aggCall("count", factRef(cW))}
	orders := []struct {
		name             string
		call             *planner.AggCall
		desc, nullsFirst bool
	}{
		{"sum(i) DESC", aggCall("sum", factRef(cI)), true, false},
		{"sum(i)", aggCall("sum", factRef(cI)), false, true},
		{"sum(f) DESC", aggCall("sum", factRef(cF)), true, false},
		{"sum(d) NULLS LAST", aggCall("sum", factRef(cD)), false, false},
		{"sum(w) DESC NULLS FIRST", aggCall("sum", factRef(cW)), true, true},
		{"min(s)", aggCall("min", factRef(cS)), false, true},
		{"max(s) DESC", aggCall("max", factRef(cS)), true, false},
		{"max(ts) DESC", aggCall("max", factRef(cTS)), true, false},
		{"max(d)", aggCall("max", factRef(cD)), false, true},
		{"min(i) DESC", aggCall("min", factRef(cI)), true, false},
		{"min(f) NULLS LAST", aggCall("min", factRef(cF)), false, false},
		{"count(*) DESC", aggCall("count", nil), true, false},
		{"count(f)", aggCall("count", factRef(cF)), false, true},
	}
	// Every ordering over every case, with a limit and bounds that vary from one to the next (all of them would
	// take long at three batch sizes, twice each): LIMIT 1 and 4 stop early, LIMIT 1000 reads every group.
	for ci, c := range orderedCases(t, "[k]", "[g b k]", "disjoint [i]", "one chunk [k]") {
		var groupBy []int
		for _, k := range c.keys {
			groupBy = append(groupBy, k.Column)
		}
		for oi, o := range orders {
			limit := []int64{1, 4, 1000}[(ci+oi)%3]
			bounded := (ci+oi)%2 == 0
			name := fmt.Sprintf("%s/%s/limit %d/bounded %v", c.name, o.name, limit, bounded)
			t.Run(name, func(t *testing.T) {
				aggs := append([]*planner.AggCall{o.call}, others...)
				spec := topKSpec{groupBy: groupBy, aggs: aggs, desc: o.desc, nullsFirst: o.nullsFirst,
					limit: limit, inplace: true, bounded: bounded}
				want := topKWant(c.tt, spec)
				runAll(t, topKPlan(c.tt, spec), c.tt.store, func(t *testing.T, res runResult) {
					equalRows(t, res.schema, formattedZeros(res.rows), want)
				})
			})
		}
	}
}

// skewedTable has groups of a BIGINT key k in chunks, each group's rows summing to a value that falls steeply
// with the key's rank, so that the top few are certain early. disjoint: each chunk holds its own range of keys
// (partitions); otherwise every chunk holds every key.
func skewedTable(t *testing.T, chunks, groups int, disjoint bool, rng *rand.Rand) *testTable {
	cols := []storage.Column{{Name: "k", Type: sqltype.BigInt}, {Name: "v", Type: sqltype.BigInt}, {Name: "d", Type: sqltype.Decimal(18, 2)}}
	var rows []row
	sizes := make([]int, chunks)
	for c := range chunks {
		start := len(rows)
		for g := range groups {
			key := int64(g)
			if disjoint {
				key = int64(c*groups + g)
			}
			v := int64(1_000_000/(int(key)+1)) + rng.Int64N(10)
			rows = append(rows, row{key, v, decimal128.FromI64(rng.Int64N(1000))})
		}
		sizes[c] = len(rows) - start
	}
	return sortedChunksTable(t, cols, rows, sizes, []planner.SortKey{{Column: 0, NullsFirst: true}})
}

// TestAggregateTopKSkips: over partitions (disjoint keys, bounds known) and over chunks that all hold the same
// keys in the same order, the threshold stops the reading long before the streams end.
func TestAggregateTopKSkips(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, disjoint := range []bool{true, false} {
		t.Run(fmt.Sprintf("disjoint %v", disjoint), func(t *testing.T) {
			tt := skewedTable(t, 6, 400, disjoint, rng)
			spec := topKSpec{groupBy: []int{0}, aggs: []*planner.AggCall{aggCall("sum", factRefOf(tt, 1)), aggCall("avg", factRefOf(tt, 2))},
				desc: true, limit: 5, inplace: true, bounded: disjoint}
			want := refTopK(tt, spec)
			plan := topKPlan(tt, spec)
			runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
				equalRows(t, res.schema, res.rows, want)
				st := res.stats.Nodes[plan.ID()]
				if st.InputRows != int64(len(tt.rows)) {
					t.Errorf("input rows %d, want %d (one group per row)", st.InputRows, len(tt.rows))
				}
				if st.InputRowsRead*4 > st.InputRows {
					t.Errorf("read %d of %d input rows: the threshold should stop long before", st.InputRowsRead, st.InputRows)
				}
			})
		})
	}
}

// refTopK is topKWant over a table of any columns.
func refTopK(tt *testTable, spec topKSpec) []row {
	var keys []func(row) any
	for _, c := range spec.groupBy {
		keys = append(keys, func(r row) any { return r[c] })
	}
	groups := refGroupBy(tt.rows, keys, spec.aggs, func(a *planner.AggCall, r row) any { return r[a.Arg.(*planner.ColumnRef).Index] })
	order := []planner.SortKey{{Column: len(spec.groupBy) + spec.order, Desc: spec.desc, NullsFirst: spec.nullsFirst}}
	for i := range spec.groupBy {
		order = append(order, planner.SortKey{Column: i, NullsFirst: true})
	}
	sorted := sortedRows(groups, order)
	return sorted[:min(len(sorted), int(spec.limit))]
}

// TestAggregateTopKMatchesSortPlan compares AggregateTopK with the plan it replaces (GlobalLimit, SkipRows, a
// Sort with a limit over the Final aggregate of the chunks' partial groups) on random tables: keys with NULLs,
// values of both signs and NULLs, chunks that overlap or partition the keys, every ordering aggregate and
// direction, LIMIT with OFFSET. The chunks are sorted on the key, so that the Sort sees the groups in key order
// and breaks ties as AggregateTopK does.
func TestAggregateTopKMatchesSortPlan(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cols := []storage.Column{{Name: "k", Type: sqltype.BigInt}, {Name: "v", Type: sqltype.BigInt},
		{Name: "d", Type: sqltype.Decimal(12, 2)}, {Name: "f", Type: sqltype.Double}}
	for iter := range 60 {
		nKeys := 1 + rng.IntN(40)
		nullRate := []float64{0, 0.1, 0.5}[rng.IntN(3)]
		rows := make([]row, 20+rng.IntN(300))
		for i := range rows {
			r := row{rng.Int64N(int64(nKeys)), rng.Int64N(41) - 20, decimal128.FromI64(rng.Int64N(2001) - 1000),
				float64(rng.Int64N(201) - 100)}
			if rng.IntN(3) == 0 {
				r[1] = r[1].(int64) + 15 // skew towards positive sums, sometimes
			}
			for c := range r {
				if rng.Float64() < nullRate {
					r[c] = nil
				}
			}
			rows[i] = r
		}
		key := []planner.SortKey{{Column: 0, NullsFirst: true}}
		var sizes []int
		disjoint := rng.IntN(2) == 0
		if disjoint {
			rows = sortedRows(rows, key) // partitions of the key order (NULL keys all in the first)
		}
		for left := len(rows); left > 0; {
			n := min(left, 1+rng.IntN(len(rows)/2+1))
			sizes = append(sizes, n)
			left -= n
		}
		tt := sortedChunksTable(t, cols, rows, sizes, key)
		fns := []struct {
			fn  string
			col int
		}{{"sum", 1}, {"sum", 2}, {"sum", 3}, {"min", 1}, {"max", 2}, {"min", 3}, {"count", 1}, {"count", -1}}
		f := fns[rng.IntN(len(fns))]
		var arg planner.Expr
		if f.col >= 0 {
			arg = factRefOf(tt, f.col)
		}
		aggs := []*planner.AggCall{aggCall(f.fn, arg), aggCall("count", nil), aggCall("avg", factRefOf(tt, 2)), aggCall("max", factRefOf(tt, 3))}
		slices.Reverse(aggs[:1+rng.IntN(len(aggs))]) // the ordering aggregate anywhere among them
		orderAt := slices.IndexFunc(aggs, func(a *planner.AggCall) bool {
			return a.Func == f.fn && (a.Arg == arg || a.Arg != nil && arg != nil && a.Arg.String() == arg.String())
		})
		desc := rng.IntN(2) == 0
		nullsFirst := !desc
		if rng.IntN(4) == 0 {
			nullsFirst = !nullsFirst
		}
		offset, count := int64(rng.IntN(4)), int64(1+rng.IntN(8))
		spec := topKSpec{groupBy: []int{0}, aggs: aggs, order: orderAt, desc: desc, nullsFirst: nullsFirst,
			limit: offset + count, inplace: true, bounded: rng.IntN(3) > 0}
		name := fmt.Sprintf("%d/%s(%d) desc=%v nullsFirst=%v limit %d offset %d chunks=%d disjoint=%v bounded=%v",
			iter, f.fn, f.col, desc, nullsFirst, count, offset, len(sizes), disjoint, spec.bounded)
		t.Run(name, func(t *testing.T) {
			var topk planner.Node = topKPlan(tt, spec)
			// The plan it replaces.
			full := &planner.Aggregate{Input: tt.scan(), Strategy: planner.Inplace, GroupBy: []planner.Expr{factRefOf(tt, 0)},
				Names: []string{"k"}, Aggs: aggs}
			partial, final := planner.SplitAggregate(full)
			final.Strategy = planner.Inplace
			final.Input = &planner.MergeSort{Input: partial, Keys: key, Parallel: 2}
			var plain planner.Node = &planner.Sort{Input: final, Limit: offset + count,
				Keys: []planner.SortKey{{Column: 1 + orderAt, Desc: desc, NullsFirst: nullsFirst}}}
			if offset > 0 {
				topk = &planner.SkipRows{Input: topk, N: offset}
				plain = &planner.SkipRows{Input: plain, N: offset}
			}
			topk = &planner.GlobalLimit{Input: topk, N: count}
			plain = &planner.GlobalLimit{Input: plain, N: count}
			planner.Number(plain)
			mem := memory.NewGoAllocator()
			want, err := runPlan(t, context.Background(), plain, Config{Mem: mem, BatchSize: 16, Data: tt.store})
			if err != nil {
				t.Fatal(err)
			}
			if ref := refTopK(tt, spec); int64(len(ref)) > offset {
				equalRows(t, want.schema, want.rows, ref[offset:])
			}
			runAll(t, topk, tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, want.rows) })
		})
	}
}

// TestTopKBound checks the best value a group can reach against every way its remaining states can come: each
// stream it may still be in adds nothing (the group is absent) or one state no better than the stream's next
// value. Values are small integers and NULL.
func TestTopKBound(t *testing.T) {
	vals := []tval{{null: true}}
	for v := int64(-3); v <= 3; v++ {
		vals = append(vals, tval{i: v})
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, fn := range []string{"sum", "min", "max"} {
		for _, desc := range []bool{false, true} {
			for _, nullsFirst := range []bool{false, true} {
				o := &topkOrder{kind: kindInt, fn: fn, desc: desc, nullsFirst: nullsFirst}
				for range 400 {
					seen := rng.IntN(3) > 0
					s := vals[rng.IntN(len(vals))]
					heads := make([]headOpt, rng.IntN(4))
					for i := range heads {
						heads[i] = headOpt{v: vals[rng.IntN(len(vals))], unbounded: rng.IntN(10) == 0}
					}
					b := o.bound(s, seen, heads)
					for _, v := range reachable(o, s, seen, heads, vals) {
						better := false
						switch {
						case b.none:
							better = true
						case b.inf:
							better = v.null && nullsFirst
						default:
							better = o.cmp(v, b.v) < 0
						}
						if better {
							t.Fatalf("%s desc=%v nullsFirst=%v: state %+v (seen %v), heads %+v: bound %+v, yet %+v is reachable",
								fn, desc, nullsFirst, s, seen, heads, b, v)
						}
					}
				}
			}
		}
	}
	// Exact figures for the cases the threshold depends on.
	desc := &topkOrder{kind: kindInt, fn: "sum", desc: true}
	for _, c := range []struct {
		s     tval
		seen  bool
		heads []int64
		want  int64
	}{
		{tval{i: 5}, true, []int64{-3, 2}, 7},    // a negative next value adds nothing: the group may be absent
		{tval{}, false, []int64{-3, -1}, -1},     // unseen: in one stream at least, the least negative
		{tval{}, false, []int64{-3, 2, 4}, 6},    // unseen: every positive one
		{tval{i: -9}, true, []int64{-1, -2}, -9}, // nothing to gain
	} {
		var heads []headOpt
		for _, h := range c.heads {
			heads = append(heads, headOpt{v: tval{i: h}})
		}
		if b := desc.bound(c.s, c.seen, heads); b.inf || b.none || b.v.null || b.v.i != c.want {
			t.Errorf("bound(%+v, %v, %v) = %+v, want %d", c.s, c.seen, c.heads, b, c.want)
		}
	}
	overflow := desc.bound(tval{i: 1 << 62}, true, []headOpt{{v: tval{i: 1 << 62}}, {v: tval{i: 1 << 62}}})
	if !overflow.inf {
		t.Errorf("a bound past BIGINT's range is %+v, want inf", overflow)
	}
}

// reachable lists the values a group can end with: its state s (if seen) combined with, from each stream, no
// state or one state the stream can still give; an unseen group gets a state from at least one stream.
func reachable(o *topkOrder, s tval, seen bool, heads []headOpt, vals []tval) []tval {
	var out []tval
	var walk func(i int, acc tval, has bool)
	walk = func(i int, acc tval, has bool) {
		if i == len(heads) {
			if seen || has {
				out = append(out, acc)
			}
			return
		}
		walk(i+1, acc, has) // absent from stream i
		for _, v := range vals {
			if !heads[i].unbounded && o.cmp(v, heads[i].v) < 0 {
				continue // better than the stream's next value: already gone by
			}
			walk(i+1, combine(o.fn, acc, v), true)
		}
	}
	start := tval{null: true}
	if seen {
		start = s
	}
	walk(0, start, false)
	return out
}

func combine(fn string, a, b tval) tval {
	switch {
	case b.null:
		return a
	case a.null:
		return b
	}
	switch fn {
	case "sum":
		return tval{i: a.i + b.i}
	case "min":
		return tval{i: min(a.i, b.i)}
	}
	return tval{i: max(a.i, b.i)}
}

// TestAggregateTopKFailures: an error in one input stops the others and comes out; the memory limit fails the
// query with 1037; nothing leaks.
func TestAggregateTopKFailures(t *testing.T) {
	tt := orderedCases(t, "[k]")[0].tt
	spec := topKSpec{groupBy: []int{cK}, aggs: []*planner.AggCall{aggCall("sum", factRef(cI))}, desc: true, limit: 3}
	t.Run("failing input", func(t *testing.T) {
		plan := topKPlan(tt, spec)
		bad := &planner.ColumnRef{Index: 99, Name: "nowhere", T: sqltype.Boolean}
		plan.Input.(*planner.Aggregate).Input = &planner.Filter{Input: tt.scan(), Predicate: bad}
		planner.Number(plan)
		for _, bs := range batchSizes {
			mem := newCheckedMem()
			if _, err := runPlan(t, context.Background(), plan, Config{Mem: mem, BatchSize: bs, Data: tt.store}); err == nil {
				t.Fatal("a failing input did not fail the top-k")
			}
			assertNoLeaks(t, mem)
		}
	})
	t.Run("memory limit", func(t *testing.T) {
		plan := topKPlan(tt, topKSpec{groupBy: []int{cI}, aggs: spec.aggs, desc: true, limit: 3})
		planner.Number(plan)
		for _, bs := range batchSizes {
			mem := newCheckedMem()
			_, err := runPlan(t, context.Background(), plan, Config{Mem: NewLimitAllocator(mem, 4<<10), BatchSize: bs, Data: tt.store})
			requireErrNum(t, err, sqlerr.OutOfMemory)
			assertNoLeaks(t, mem)
		}
	})
}

// TestRunOrder: a run's rows come out with NULL bound keys first, then by the ordering state as ORDER BY orders
// it (NULL states first or last), whatever the blocks asked for, and every row exactly once; rest hands out
// the rows left in any order.
func TestRunOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	mem := memory.NewGoAllocator()
	cols := []storage.Column{{Name: "b", Type: sqltype.BigInt}, {Name: "i", Type: sqltype.BigInt},
		{Name: "f", Type: sqltype.Double}, {Name: "d", Type: sqltype.Decimal(38, 2)}, {Name: "s", Type: sqltype.Text}}
	for iter := range 200 {
		rows := make([]row, rng.IntN(700)) // radix sorted past 256
		for i := range rows {
			rows[i] = row{rng.Int64N(3), rng.Int64N(20) - 10, float64(rng.Int64N(20)-10) / 4,
				decimal128.FromI64(rng.Int64N(40) - 20).Mul(decimal128.FromI64(1 << 40)), randString(rng, 2)}
			for c := range rows[i] {
				if rng.IntN(8) == 0 {
					rows[i][c] = nil
				}
			}
		}
		b := buildBatch(t, mem, cols, rows)
		state := 1 + rng.IntN(4)
		desc, nullsFirst := rng.IntN(2) == 0, rng.IntN(2) == 0
		// Sections by column b: NULL, then 0 and 1, then 2 (or one section of every row).
		sectionOf := func(r row) int { return 0 }
		if rng.IntN(2) == 0 {
			sectionOf = func(r row) int {
				switch {
				case r[0] == nil:
					return 0
				case r[0].(int64) < 2:
					return 1
				}
				return 2
			}
		}
		sections := make([][]int32, 3)
		for i, r := range rows {
			sections[sectionOf(r)] = append(sections[sectionOf(r)], int32(i))
		}
		o := newRunOrder(b, sections, state, desc, nullsFirst)
		var got []int32
		var out []int32
		ordered := len(rows) // rows handed out in order; rest's come after
		for len(got) < len(rows) {
			if rng.IntN(6) == 0 {
				ordered = len(got)
				got = append(got, o.rest(out)...)
				break
			}
			out = o.next(1+rng.IntN(40), out)
			got = append(got, out...)
		}
		b.Release()
		seen := map[int32]bool{}
		for _, r := range got {
			if seen[r] {
				t.Fatalf("iteration %d: row %d handed out twice", iter, r)
			}
			seen[r] = true
		}
		if len(seen) != len(rows) {
			t.Fatalf("iteration %d: %d rows handed out of %d", iter, len(seen), len(rows))
		}
		key := planner.SortKey{Column: state, Desc: desc, NullsFirst: nullsFirst}
		less := lessRows([]planner.SortKey{key})
		for i := 1; i < ordered; i++ {
			a, c := rows[got[i-1]], rows[got[i]]
			if sa, sc := sectionOf(a), sectionOf(c); sa != sc {
				if sa > sc {
					t.Fatalf("iteration %d: a row of section %d after one of section %d", iter, sc, sa)
				}
				continue // the next section starts
			}
			if less(c, a) {
				t.Fatalf("iteration %d: row %v after %v (state column %d desc=%v nullsFirst=%v)", iter, c, a, state, desc, nullsFirst)
			}
		}
	}
}
