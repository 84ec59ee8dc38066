package vexec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// TestUpdateRunMatchesRows folds sliced batches with NULLs (some runs all NULL) into every built-in accumulator
// of every argument type twice: run by run into random groups through updateRun, as an Inplace aggregate and an
// aggregate without GROUP BY do, and row by row through update with each row's group. The results must agree.
func TestUpdateRunMatchesRows(t *testing.T) {
	mem := newCheckedMem()
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(7, 7))
	const groups = 4
	types := []sqltype.Type{sqltype.BigInt, sqltype.Double, sqltype.Decimal(18, 2), sqltype.Text, sqltype.Timestamp, sqltype.Boolean}
	for _, typ := range types {
		var batches []arrow.Array
		for range 8 {
			n := rng.IntN(400)
			b := array.NewBuilder(mem, typ.Arrow())
			nulls := rng.IntN(3) // none, some, most
			for range n {
				if nulls > 0 && rng.IntN(4) < nulls {
					b.AppendNull()
					continue
				}
				v := rng.Int64N(2001) - 1000
				switch b := b.(type) {
				case *array.Int64Builder:
					b.Append(v)
				case *array.Float64Builder:
					b.Append(float64(v) / 8)
				case *array.Decimal128Builder:
					b.Append(decimal128.FromI64(v * 1_000_000_007))
				case *array.StringBuilder:
					b.Append(fmt.Sprintf("s%04d", v+1000))
				case *array.TimestampBuilder:
					b.Append(arrow.Timestamp(v * 1_000_000))
				case *array.BooleanBuilder:
					b.Append(v > 0)
				}
			}
			a := b.NewArray()
			b.Release()
			lo := rng.IntN(a.Len()/2 + 1)
			batches = append(batches, array.NewSlice(a, int64(lo), int64(a.Len())))
			a.Release()
		}
		for _, fn := range []string{"count", "sum", "avg", "min", "max", "var_pop", "stddev_samp"} {
			numeric := typ.Kind == sqltype.KindInt || typ.Kind == sqltype.KindFloat || typ.Kind == sqltype.KindDecimal
			if (fn == "sum" || fn == "avg") && !numeric || isVariance(fn) && typ.Kind != sqltype.KindFloat {
				continue
			}
			t.Run(fn+"/"+typ.String(), func(t *testing.T) {
				call := aggCall(fn, &planner.ColumnRef{Name: "x", T: typ})
				byRuns, err := newAccumulator(call, mem)
				require.NoError(t, err)
				byRows, err := newAccumulator(call, mem)
				require.NoError(t, err)
				byRuns.grow(groups)
				byRows.grow(groups)
				for _, a := range batches {
					ids := make([]uint32, a.Len())
					for lo := 0; lo < a.Len(); {
						hi := min(a.Len(), lo+1+rng.IntN(40))
						g := rng.IntN(groups)
						for i := lo; i < hi; i++ {
							ids[i] = uint32(g)
						}
						require.NoError(t, byRuns.(runUpdater).updateRun(g, a, lo, hi))
						lo = hi
					}
					require.NoError(t, byRows.update(ids, a))
				}
				got, err := byRuns.finish(mem, groups)
				require.NoError(t, err)
				defer got.Release()
				want, err := byRows.finish(mem, groups)
				require.NoError(t, err)
				defer want.Release()
				for g := range groups {
					gv, wv := sqltype.ValueAt(got, g), sqltype.ValueAt(want, g)
					if gf, ok := gv.(float64); ok && wv != nil {
						wf := wv.(float64)
						require.True(t, math.Abs(gf-wf) <= 1e-9*math.Max(1, math.Abs(wf)), "group %d: %v by runs, %v by rows", g, gf, wf)
						continue
					}
					require.Equal(t, formatValue(want.DataType(), wv), formatValue(got.DataType(), gv), "group %d", g)
				}
			})
		}
		for _, a := range batches {
			a.Release()
		}
	}
}

// TestInplaceRunModes feeds an Inplace aggregate sorted input whose runs change length from batch to batch
// (single rows, runs of a few rows, runs longer than a batch, NULL keys) over two keys, so that runs are found
// both by galloping and by marking changes, and compares it with a hash aggregate at every batch size.
func TestInplaceRunModes(t *testing.T) {
	var k1, k2 []any
	var vals []any
	add := func(a, b any, n int) {
		for range n {
			k1, k2 = append(k1, a), append(k2, b)
			vals = append(vals, int64(len(vals)%7))
		}
	}
	add(nil, nil, 3)
	add(nil, "x", 40)
	for i := range 30 {
		add(int64(0), fmt.Sprint(i), 1) // one row a group
	}
	for i := range 20 {
		add(int64(1), fmt.Sprint(i), 3)
	}
	add(int64(2), "a", 500)
	add(int64(2), "b", 1)
	add(int64(3), "a", 17)
	add(int64(3), nil, 33)
	add(int64(4), "z", 2)
	rows := make([]row, len(vals))
	for i := range rows {
		rows[i] = row{k1[i], k2[i], vals[i]}
	}
	cols := []storage.Column{{Name: "k1", Type: sqltype.BigInt}, {Name: "k2", Type: sqltype.Text}, {Name: "v", Type: sqltype.BigInt}}
	tt := newTestTable(t, cols, rows, 200) // chunks read in turn: groups span chunks, batches and row groups
	aggs := []*planner.AggCall{aggCall("count", nil), aggCall("sum", colRef(2, sqltype.BigInt)), aggCall("min", colRef(2, sqltype.BigInt))}
	keys := []planner.Expr{colRef(0, sqltype.BigInt), colRef(1, sqltype.Text)}
	plan := func(s planner.AggregateStrategy) planner.Node {
		return &planner.Aggregate{Input: tt.scan(), Strategy: s, GroupBy: keys, Names: []string{"k1", "k2"}, Aggs: aggs}
	}
	var want []row
	runAll(t, plan(planner.Hash), tt.store, func(t *testing.T, res runResult) {
		want = sortedFormatted(res, res.rows)
	})
	require.Len(t, want, 1+1+30+20+2+2+1)
	runAll(t, plan(planner.Inplace), tt.store, func(t *testing.T, res runResult) {
		require.Equal(t, want, sortedFormatted(res, res.rows))
		require.Len(t, res.rows, len(want), "a group split in two")
	})
}

// BenchmarkInplaceShortRuns groups 1M sorted rows whose keys repeat about four times (the bench's aggregate index
// by zip code) Inplace, with two sums: the short runs go through the accumulators' row loops.
func BenchmarkInplaceShortRuns(b *testing.B) {
	const rows, batch = 1 << 20, 8192
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(4, 4))
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Float64}}, nil)
	var batches []arrow.RecordBatch
	k := int64(-1)
	for range rows / batch {
		kb, vb := array.NewInt64Builder(mem), array.NewFloat64Builder(mem)
		for range batch {
			if k < 0 || rng.IntN(4) == 0 {
				k++
			}
			kb.Append(k)
			vb.Append(rng.Float64())
		}
		kc, vc := kb.NewArray(), vb.NewArray()
		batches = append(batches, array.NewRecordBatch(schema, []arrow.Array{kc, vc}, batch))
		kc.Release()
		vc.Release()
		kb.Release()
		vb.Release()
	}
	node := &planner.Aggregate{Input: benchScanNode(), Strategy: planner.Inplace, GroupBy: []planner.Expr{colRef(0, sqltype.BigInt)},
		Names: []string{"k"}, Aggs: []*planner.AggCall{aggCall("sum", colRef(1, sqltype.Double)), aggCall("count", nil)}}
	cfg := Config{Mem: mem, BatchSize: DefaultBatchSize}
	b.ReportAllocs()
	for b.Loop() {
		op, err := newInplaceAggregateOp(node, &memSource{batches: batches}, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if groups := drain(b, op); groups != k+1 {
			b.Fatalf("%d groups, want %d", groups, k+1)
		}
	}
	reportRows(b, rows)
}
