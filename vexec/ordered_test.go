package vexec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// Tests of the operators that keep an order: MergeSort (a k-way merge of sorted chunk streams), the Final
// inplace aggregate over it, LocalLimit under it and TailLimit over it.

// sortedChunksTable writes rows as chunk files of the given sizes, each sorted on keys (stable), as an index
// stores them; chunks overlap or not as the rows fall. Its rows are in scan order: chunk after chunk.
func sortedChunksTable(t *testing.T, cols []storage.Column, rows []row, sizes []int, keys []planner.SortKey) *testTable {
	t.Helper()
	store, err := storage.Open(t.TempDir(), storage.WithRowGroupRows(37))
	if err != nil {
		t.Fatal(err)
	}
	tt := &testTable{store: store, cols: cols}
	mem := memory.NewGoAllocator()
	start := 0
	for i, n := range sizes {
		chunk := sortedRows(rows[start:start+n], keys)
		start += n
		tt.rows = append(tt.rows, chunk...)
		b := buildBatch(t, mem, cols, chunk)
		info, err := store.WriteChunk(7, uint64(i+1), cols, []arrow.RecordBatch{b})
		b.Release()
		if err != nil {
			t.Fatal(err)
		}
		tt.chunks = append(tt.chunks, planner.Chunk{ID: uint64(i + 1), File: info.Path, Rows: info.Rows})
	}
	return tt
}

// orderedCase is a table of sorted chunks and the keys they are sorted on.
type orderedCase struct {
	name string
	tt   *testTable
	keys []planner.SortKey
}

// orderedCases are the standard table's rows (20% NULLs) in chunks sorted on keys of every kind: overlapping
// chunks of uneven sizes (new chunks over partitions), disjoint ones (partitions: each holds its own range of
// the first key), one chunk, and a descending key with NULLs last. With names, only the cases so named.
func orderedCases(t *testing.T, names ...string) []orderedCase {
	rng := rand.New(rand.NewPCG(21, 0x5eed))
	rows := factRows(rng, 500, 0.2)
	asc := func(cols ...int) []planner.SortKey {
		var keys []planner.SortKey
		for _, c := range cols {
			keys = append(keys, planner.SortKey{Column: c, NullsFirst: true})
		}
		return keys
	}
	overlapping := []int{200, 3, 150, 1, 46, 100}
	// Partitions: the rows sorted on i, cut into ranges; NULL keys all fall in the first.
	byI := sortedRows(rows, asc(cI))
	slices.Reverse(byI[:250]) // each chunk sorts its own rows again
	specs := []struct {
		name  string
		rows  []row
		sizes []int
		keys  []planner.SortKey
	}{
		{"[k]", rows, overlapping, asc(cK)},
		{"[g b k]", rows, overlapping, asc(cG, cB, cK)},
		{"[f]", rows, overlapping, asc(cF)},
		{"[d]", rows, overlapping, asc(cD)},
		{"[ts]", rows, overlapping, asc(cTS)},
		{"[w s]", rows, overlapping, asc(cW, cS)},
		{"disjoint [i]", byI, []int{250, 150, 100}, asc(cI)},
		{"one chunk [k]", rows, []int{500}, asc(cK)},
		{"[k DESC NULLS LAST, s]", rows, overlapping, []planner.SortKey{{Column: cK, Desc: true}, {Column: cS, NullsFirst: true}}},
	}
	var cases []orderedCase
	for _, sp := range specs {
		if names == nil || slices.Contains(names, sp.name) {
			cases = append(cases, orderedCase{sp.name, sortedChunksTable(t, factCols, sp.rows, sp.sizes, sp.keys), sp.keys})
		}
	}
	return cases
}

// mergedRows is what merging the chunks gives: a stable sort of the chunks' rows in chunk order (ties between
// chunks keep the chunks' order).
func mergedRows(tt *testTable, keys []planner.SortKey) []row { return sortedRows(tt.rows, keys) }

func TestMergeSort(t *testing.T) {
	for _, c := range orderedCases(t) {
		t.Run(c.name, func(t *testing.T) {
			want := mergedRows(c.tt, c.keys)
			for _, parallel := range []int{1, 2} {
				plan := &planner.MergeSort{Input: c.tt.scan(), Keys: c.keys, Parallel: parallel}
				runAll(t, plan, c.tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, want) })
			}
		})
	}
	tt := orderedCases(t, "[k]")[0].tt
	keys := []planner.SortKey{{Column: cK, NullsFirst: true}}
	want := mergedRows(tt, keys)
	t.Run("filter and projection in each stream", func(t *testing.T) {
		// Projection [s, k] of rows with i > 0: keys are positions of the projection's output.
		pred := boolCall(">", factRef(cI), lit(sqltype.BigInt, int64(0)))
		proj := &planner.Projection{Input: &planner.Filter{Input: tt.scan(), Predicate: pred},
			Exprs: []planner.Expr{factRef(cS), factRef(cK)}, Names: []string{"s", "k"}}
		var kept []row
		for _, r := range want {
			if r[cI] != nil && r[cI].(int64) > 0 {
				kept = append(kept, row{r[cS], r[cK]})
			}
		}
		plan := &planner.MergeSort{Input: proj, Keys: []planner.SortKey{{Column: 1, NullsFirst: true}}, Parallel: 2}
		runAll(t, plan, tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, kept) })
	})
	t.Run("no chunks", func(t *testing.T) {
		scan := tt.scan()
		scan.Chunks = nil
		runAll(t, &planner.MergeSort{Input: scan, Keys: keys, Parallel: 2}, tt.store, func(t *testing.T, res runResult) {
			if len(res.rows) != 0 {
				t.Errorf("got %d rows from no chunk", len(res.rows))
			}
		})
	})
	// LIMIT pushed down: every stream stops after offset+limit rows (LocalLimit), the merge after as many, and
	// the OFFSET and LIMIT above take their part of the merged order.
	for _, lim := range []struct{ offset, count int64 }{{0, 1}, {5, 20}, {0, 1000}, {490, 20}} {
		t.Run(fmt.Sprintf("LIMIT %d OFFSET %d", lim.count, lim.offset), func(t *testing.T) {
			n := lim.offset + lim.count
			var plan planner.Node = &planner.MergeSort{Input: &planner.LocalLimit{Input: tt.scan(), N: n}, Keys: keys, Parallel: 2, Limit: n}
			if lim.offset > 0 {
				plan = &planner.SkipRows{Input: plan, N: lim.offset}
			}
			plan = &planner.GlobalLimit{Input: plan, N: lim.count}
			from, to := min(int(lim.offset), len(want)), min(int(n), len(want))
			runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
				equalRows(t, res.schema, res.rows, want[from:to])
				// The scan read at most n rows and a batch of each chunk; the merge gave at most n.
				if merged := res.stats.Nodes[planIDOf[*planner.MergeSort](plan)].Rows; merged > n {
					t.Errorf("the MergeSort gave %d rows under LIMIT %d", merged, n)
				}
				scanned := res.stats.Nodes[planIDOf[*planner.Scan](plan)].Rows
				if hi := int64(len(tt.chunks)) * (n + int64(res.batchSize)); scanned > hi {
					t.Errorf("the scans read %d rows, want at most %d", scanned, hi)
				}
			})
		})
	}
}

// planIDOf returns the ID of the first node of type T in a numbered plan.
func planIDOf[T planner.Node](plan planner.Node) int {
	id := -1
	planner.Walk(plan, func(n planner.Node, _ int) {
		if _, ok := n.(T); ok && id < 0 {
			id = n.ID()
		}
	})
	return id
}

// TestMergeSortCopiesEveryType merges chunks of a table holding every column type, including a column of NULLs
// only, and batches that start past their arrays' first row (slices): gathered columns must equal their sources.
func TestMergeSortCopiesEveryType(t *testing.T) {
	tt := orderedCases(t, "[k]")[0].tt
	keys := []planner.SortKey{{Column: 0, NullsFirst: true}}
	proj := &planner.Projection{Input: &planner.SkipRows{Input: tt.scan(), N: 0},
		Exprs: []planner.Expr{factRef(cK), lit(sqltype.Null, nil), factRef(cG), factRef(cB), factRef(cW), factRef(cTS), factRef(cF), factRef(cD), factRef(cS)},
		Names: []string{"k", "nothing", "g", "b", "w", "ts", "f", "d", "s"}}
	var want []row
	for _, r := range mergedRows(tt, []planner.SortKey{{Column: cK, NullsFirst: true}}) {
		want = append(want, row{r[cK], nil, r[cG], r[cB], r[cW], r[cTS], r[cF], r[cD], r[cS]})
	}
	runAll(t, &planner.MergeSort{Input: proj, Keys: keys, Parallel: 2}, tt.store, func(t *testing.T, res runResult) {
		equalRows(t, res.schema, res.rows, want)
	})
}

// TestFinalInplaceOverMergeSort aggregates each chunk Inplace (Partial), merges the partial groups in key order
// and merges the states of equal keys, which arrive adjacent from different streams, Inplace (Final): groups
// come out in key order, NULL first.
func TestFinalInplaceOverMergeSort(t *testing.T) {
	aggs := everyAgg()
	for _, c := range orderedCases(t, "[k]", "[g b k]", "[f]", "[w s]", "disjoint [i]") {
		t.Run(c.name, func(t *testing.T) {
			var groupBy []planner.Expr
			var names []string
			var ref []func(row) any
			var outKeys []planner.SortKey
			for i, k := range c.keys {
				groupBy = append(groupBy, factRef(k.Column))
				names = append(names, factCols[k.Column].Name)
				ref = append(ref, func(r row) any { return r[k.Column] })
				outKeys = append(outKeys, planner.SortKey{Column: i, NullsFirst: true})
			}
			want := sortedRows(refGroupBy(c.tt.rows, ref, aggs, factArg), outKeys)
			full := &planner.Aggregate{Input: c.tt.scan(), Strategy: planner.Inplace, GroupBy: groupBy, Names: names, Aggs: aggs}
			partial, final := planner.SplitAggregate(full)
			final.Strategy = planner.Inplace
			final.Input = &planner.MergeSort{Input: partial, Keys: outKeys, Parallel: 2}
			runAll(t, final, c.tt.store, func(t *testing.T, res runResult) {
				equalRows(t, res.schema, formattedZeros(res.rows), formattedZeros(want))
			})
		})
	}
}

// formattedZeros shows -0 as 0: a group's key is the value of one of its rows, and -0 groups with 0.
func formattedZeros(rows []row) []row {
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = slices.Clone(r)
		for j, v := range out[i] {
			if f, ok := v.(float64); ok && f == 0 {
				out[i][j] = 0.0
			}
		}
	}
	return out
}

// TestTailLimit keeps the last n rows of an ascending stream, NULLs first, and emits them reversed: the first n
// rows of the descending order with NULLs last, which is how MySQL orders DESC.
func TestTailLimit(t *testing.T) {
	for _, c := range orderedCases(t, "[k]", "[g b k]", "[ts]", "disjoint [i]", "one chunk [k]") {
		t.Run(c.name, func(t *testing.T) {
			merged := mergedRows(c.tt, c.keys)
			var descKeys []planner.SortKey
			for _, k := range c.keys {
				descKeys = append(descKeys, mysqlKey(k.Column, true))
			}
			desc := sortedRows(c.tt.rows, descKeys)
			for _, n := range []int{0, 7, 499, 1000} {
				keep := min(n, len(merged))
				want := slices.Clone(merged[len(merged)-keep:])
				slices.Reverse(want)
				// The reversed tail is MySQL's DESC order on the keys (rows of equal keys in any order).
				for i := range want {
					for _, k := range c.keys {
						if cmpKey(want[i][k.Column], desc[i][k.Column]) != 0 {
							t.Fatalf("n=%d row %d: the tail has %v, DESC order %v", n, i, want[i][k.Column], desc[i][k.Column])
						}
					}
				}
				plan := &planner.TailLimit{Input: &planner.MergeSort{Input: c.tt.scan(), Keys: c.keys, Parallel: 2}, N: int64(n)}
				runAll(t, plan, c.tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, want) })
			}
		})
	}
	t.Run("over a plain scan, with OFFSET", func(t *testing.T) {
		tt := orderedCases(t, "one chunk [k]")[0].tt
		want := slices.Clone(tt.rows[len(tt.rows)-15:])
		slices.Reverse(want)
		plan := &planner.GlobalLimit{Input: &planner.SkipRows{Input: &planner.TailLimit{Input: tt.scan(), N: 15}, N: 5}, N: 10}
		runAll(t, plan, tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, want[5:]) })
	})
}

// cmpKey compares two values of one column, NULL equal to NULL.
func cmpKey(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmpValues(a, b)
}

// TestMergeSortFailure: an error in one stream stops the others and comes out of the merge; nothing leaks.
func TestMergeSortFailure(t *testing.T) {
	tt := orderedCases(t, "[k]")[0].tt
	bad := &planner.ColumnRef{Index: 99, Name: "nowhere", T: sqltype.Boolean}
	plan := &planner.MergeSort{Input: &planner.Filter{Input: tt.scan(), Predicate: bad},
		Keys: []planner.SortKey{{Column: cK, NullsFirst: true}}, Parallel: 2}
	planner.Number(plan)
	for _, bs := range batchSizes {
		mem := newCheckedMem()
		_, err := runPlan(t, context.Background(), plan, Config{Mem: mem, BatchSize: bs, Data: tt.store})
		if err == nil {
			t.Fatal("a failing stream did not fail the merge")
		}
		assertNoLeaks(t, mem)
	}
}
