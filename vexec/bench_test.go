package vexec

import (
	"context"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// memSource is an Operator over batches held in memory, so that a benchmark measures the operator above it and
// not Parquet decoding. Batches stay owned by the source, as the Operator contract allows.
type memSource struct {
	batches []arrow.RecordBatch
	next    int
}

func (m *memSource) Open(context.Context) error { m.next = 0; return nil }
func (m *memSource) Close() error               { return nil }
func (m *memSource) Next(context.Context) (arrow.RecordBatch, error) {
	if m.next == len(m.batches) {
		return nil, io.EOF
	}
	m.next++
	return m.batches[m.next-1], nil
}

const (
	benchRows = 1 << 20 // about a million
	benchKeys = 1000
)

var benchCols = []storage.Column{{Name: "k", Type: sqltype.BigInt}, {Name: "v", Type: sqltype.Double}}

// benchBatches returns benchRows rows (k BIGINT in [0, 1000), v DOUBLE, 5% NULL) in batches of the default size.
func benchBatches(b *testing.B) []arrow.RecordBatch {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	var out []arrow.RecordBatch
	for start := 0; start < benchRows; start += DefaultBatchSize {
		n := min(DefaultBatchSize, benchRows-start)
		kb, vb := array.NewInt64Builder(mem), array.NewFloat64Builder(mem)
		for range n {
			kb.Append(rng.Int64N(benchKeys))
			if rng.IntN(20) == 0 {
				vb.AppendNull()
			} else {
				vb.Append(rng.NormFloat64())
			}
		}
		k, v := kb.NewArray(), vb.NewArray()
		out = append(out, array.NewRecordBatch(schema, []arrow.Array{k, v}, int64(n)))
		k.Release()
		v.Release()
		kb.Release()
		vb.Release()
	}
	return out
}

func benchScanNode() *planner.Scan {
	return &planner.Scan{TableColumns: []planner.Field{{Name: "k", Type: sqltype.BigInt}, {Name: "v", Type: sqltype.Double}},
		Projection: []int{0, 1}}
}

func benchAggNode(input planner.Node) *planner.Aggregate {
	return &planner.Aggregate{Input: input, GroupBy: []planner.Expr{colRef(0, sqltype.BigInt)}, Names: []string{"k"},
		Aggs: []*planner.AggCall{aggCall("sum", colRef(1, sqltype.Double)), aggCall("count", nil)}}
}

// drain runs an operator to its end and returns the rows it produced.
func drain(b *testing.B, op Operator) int64 {
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		b.Fatal(err)
	}
	var rows int64
	for {
		batch, err := op.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		rows += batch.NumRows()
	}
	if err := op.Close(); err != nil {
		b.Fatal(err)
	}
	return rows
}

func reportRows(b *testing.B, rowsPerOp int) {
	b.ReportMetric(float64(rowsPerOp)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkHashAggregate groups about a million rows into 1,000 BIGINT keys with SUM(DOUBLE) and COUNT(*). The
// go-map peer does the same work in plain Go over the same Arrow buffers, as a yardstick for the ratio.
func BenchmarkHashAggregate(b *testing.B) {
	batches := benchBatches(b)
	b.Run("vexec", func(b *testing.B) {
		node := benchAggNode(benchScanNode())
		cfg := Config{Mem: memory.NewGoAllocator(), BatchSize: DefaultBatchSize}
		src := &memSource{batches: batches}
		b.ReportAllocs()
		for b.Loop() {
			op, err := newHashAggregateOp(node, src, cfg)
			if err != nil {
				b.Fatal(err)
			}
			if groups := drain(b, op); groups != benchKeys {
				b.Fatalf("%d groups, want %d", groups, benchKeys)
			}
		}
		reportRows(b, benchRows)
	})
	b.Run("go-map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			type acc struct {
				sum   float64
				seen  bool
				count int64
			}
			groups := map[int64]*acc{}
			for _, batch := range batches {
				k := batch.Column(0).(*array.Int64)
				v := batch.Column(1).(*array.Float64)
				for i := 0; i < k.Len(); i++ {
					a := groups[k.Value(i)]
					if a == nil {
						a = &acc{}
						groups[k.Value(i)] = a
					}
					a.count++
					if v.IsValid(i) {
						a.sum += v.Value(i)
						a.seen = true
					}
				}
			}
			if len(groups) != benchKeys {
				b.Fatalf("%d groups", len(groups))
			}
		}
		reportRows(b, benchRows)
	})
}

// BenchmarkScanHashAggregate is the same aggregate end to end: Parquet chunk files, Scan, hash aggregate.
func BenchmarkScanHashAggregate(b *testing.B) {
	batches := benchBatches(b)
	store, err := storage.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	info, err := store.WriteChunk(1, 1, benchCols, batches)
	if err != nil {
		b.Fatal(err)
	}
	scan := benchScanNode()
	scan.Chunks = []planner.Chunk{{ID: 1, File: info.Path, Rows: info.Rows}}
	plan := benchAggNode(scan)
	planner.Number(plan)
	cfg := Config{Mem: memory.NewGoAllocator(), Data: store}
	b.ReportAllocs()
	for b.Loop() {
		out, _, err := Run(context.Background(), plan, cfg)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			o.Release()
		}
	}
	reportRows(b, benchRows)
}

// BenchmarkFilter filters about a million rows with a predicate that keeps about half (v > 0) and one that
// keeps a tenth (k < 100).
func BenchmarkFilter(b *testing.B) {
	batches := benchBatches(b)
	preds := []struct {
		name string
		pred planner.Expr
	}{
		{"v>0", boolCall(">", colRef(1, sqltype.Double), lit(sqltype.Double, 0.0))},
		{"k<100", boolCall("<", colRef(0, sqltype.BigInt), lit(sqltype.BigInt, int64(100)))},
		{"k_IN_(1,2,3)_OR_v>1", boolCall("or",
			inCall(false, colRef(0, sqltype.BigInt), lit(sqltype.BigInt, int64(1)), lit(sqltype.BigInt, int64(2)), lit(sqltype.BigInt, int64(3))),
			boolCall(">", colRef(1, sqltype.Double), lit(sqltype.Double, 1.0)))},
	}
	for _, p := range preds {
		b.Run(p.name, func(b *testing.B) {
			node := &planner.Filter{Input: benchScanNode(), Predicate: p.pred}
			cfg := Config{Mem: memory.NewGoAllocator(), BatchSize: DefaultBatchSize}
			src := &memSource{batches: batches}
			b.ReportAllocs()
			for b.Loop() {
				op, err := newFilterOp(node, src, cfg)
				if err != nil {
					b.Fatal(err)
				}
				if kept := drain(b, op); kept == 0 || kept == benchRows {
					b.Fatalf("the filter kept %d rows", kept)
				}
			}
			reportRows(b, benchRows)
		})
	}
}

// BenchmarkAggregateStrategies runs the group-by of BenchmarkScanHashAggregate over 8 chunk files of about a
// million rows each, every file sorted by k as an index stores it, in the plan shapes the planner chooses
// between: one FullHashAggregate reading the files in turn (the peer), Partial aggregates per file on both cores
// under a Merge with a FinalHashAggregate, by hash and Inplace, the Inplace one on a single core, and Partial
// Inplace ones under a MergeSort with a FinalInplaceAggregate (the shape the planner picks for Inplace).
func BenchmarkAggregateStrategies(b *testing.B) {
	batches := benchBatches(b)
	mem := memory.NewGoAllocator()
	all, err := sqltype.ConcatBatches(mem, batches[0].Schema(), batches)
	if err != nil {
		b.Fatal(err)
	}
	sorted, err := storage.BuildIndexRows(context.Background(), mem, all, storage.IndexLayout{Key: []int{0}, Columns: []int{0, 1}})
	all.Release()
	if err != nil {
		b.Fatal(err)
	}
	defer sorted.Release()
	store, err := storage.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	const files = 8
	scan := benchScanNode()
	for i := range files {
		info, err := store.WriteChunk(1, uint64(i+1), benchCols, []arrow.RecordBatch{sorted})
		if err != nil {
			b.Fatal(err)
		}
		scan.Chunks = append(scan.Chunks, planner.Chunk{ID: uint64(i + 1), File: info.Path, Rows: info.Rows})
	}
	split := func(strategy planner.AggregateStrategy, parallel int) planner.Node {
		a := benchAggNode(scan)
		a.Strategy = strategy
		p, f := planner.SplitAggregate(a)
		f.Input = &planner.Merge{Input: p, Parallel: parallel}
		return f
	}
	// Cube Store's shape: the partial groups merged in key order, their states merged Inplace.
	mergeSorted := func(parallel int) planner.Node {
		a := benchAggNode(scan)
		a.Strategy = planner.Inplace
		p, f := planner.SplitAggregate(a)
		f.Strategy = planner.Inplace
		f.Input = &planner.MergeSort{Input: p, Keys: []planner.SortKey{{Column: 0, NullsFirst: true}}, Parallel: parallel}
		return f
	}
	sum := func(parallel int) planner.Node {
		a := &planner.Aggregate{Input: scan, Aggs: []*planner.AggCall{aggCall("sum", colRef(1, sqltype.Double))}}
		p, f := planner.SplitAggregate(a)
		f.Input = &planner.Merge{Input: p, Parallel: parallel}
		return f
	}
	// The same files through a column cache that holds them all (warmed by the first run).
	cached, err := storage.Open(store.Dir(), storage.WithColumnCache(storage.NewColumnCache(1<<30)))
	if err != nil {
		b.Fatal(err)
	}
	plans := []struct {
		name   string
		plan   planner.Node
		groups int64
	}{
		{"full-hash-serial", benchAggNode(scan), benchKeys},
		{"partial-hash-merge-2", split(planner.Hash, 2), benchKeys},
		{"partial-inplace-merge-2", split(planner.Inplace, 2), benchKeys},
		{"partial-inplace-mergesort-2", mergeSorted(2), benchKeys},
		{"partial-inplace-merge-1", split(planner.Inplace, 1), benchKeys},
		{"sum-merge-2", sum(2), 1},
		{"sum-merge-1", sum(1), 1},
	}
	for _, data := range []struct {
		name  string
		store *storage.Store
	}{{"parquet", store}, {"cached", cached}} {
		for _, p := range plans {
			b.Run(data.name+"/"+p.name, func(b *testing.B) {
				planner.Number(p.plan)
				cfg := Config{Mem: memory.NewGoAllocator(), Data: data.store}
				run := func() {
					out, _, err := Run(context.Background(), p.plan, cfg)
					if err != nil {
						b.Fatal(err)
					}
					var groups int64
					for _, o := range out {
						groups += o.NumRows()
						o.Release()
					}
					if groups != p.groups {
						b.Fatalf("%d groups, want %d", groups, p.groups)
					}
				}
				run() // warms the cache
				b.ReportAllocs()
				for b.Loop() {
					run()
				}
				reportRows(b, files*benchRows)
			})
		}
	}
}

// BenchmarkCountDistinct times COUNT(DISTINCT x) per group over 1M rows in 8,192-row batches: 5 groups, a BIGINT
// of 40,000 values and a text of 2,000 values, as the bench's q9 has them.
func BenchmarkCountDistinct(b *testing.B) {
	const rows, batch = 1 << 20, 8192
	rng := rand.New(rand.NewPCG(1, 2))
	mem := memory.NewGoAllocator()
	ids := make([]uint32, rows)
	ib := array.NewInt64Builder(mem)
	sb := array.NewStringBuilder(mem)
	for i := range ids {
		ids[i] = uint32(rng.IntN(5))
		ib.Append(int64(rng.IntN(40000)))
		sb.Append("product " + strconv.Itoa(rng.IntN(2000)))
	}
	ints, strs := ib.NewArray(), sb.NewArray()
	defer ints.Release()
	defer strs.Release()
	for _, tc := range []struct {
		name string
		arg  arrow.Array
		t    sqltype.Type
	}{{"bigint", ints, sqltype.BigInt}, {"text", strs, sqltype.Text}} {
		b.Run(tc.name, func(b *testing.B) {
			call := &planner.AggCall{Func: "count", Arg: &planner.ColumnRef{Name: "x", T: tc.t}, Distinct: true, T: sqltype.BigInt}
			for b.Loop() {
				acc, err := newAccumulator(call, mem)
				if err != nil {
					b.Fatal(err)
				}
				acc.grow(5)
				for lo := 0; lo < rows; lo += batch {
					s := array.NewSlice(tc.arg, int64(lo), int64(lo+batch))
					if err := acc.update(ids[lo:lo+batch], s); err != nil {
						b.Fatal(err)
					}
					s.Release()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
		})
	}
}

// BenchmarkSumDecimal sums 1M DECIMAL(18,2) values in 8,192-row batches without GROUP BY (the bench's q1) and into
// 1,000 groups.
func BenchmarkSumDecimal(b *testing.B) {
	const rows, batch = 1 << 20, 8192
	rng := rand.New(rand.NewPCG(5, 6))
	mem := memory.NewGoAllocator()
	db := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 18, Scale: 2})
	ids := make([]uint32, rows)
	for i := range rows {
		db.Append(decimal128.FromI64(rng.Int64N(1_000_000_00)))
		ids[i] = uint32(rng.IntN(1000))
	}
	vals := db.NewArray()
	defer vals.Release()
	call := &planner.AggCall{Func: "sum", Arg: &planner.ColumnRef{Name: "d", T: sqltype.Decimal(18, 2)}, T: sqltype.Decimal(38, 2)}
	for _, grouped := range []bool{false, true} {
		name := "whole"
		if grouped {
			name = "1000 groups"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				acc, err := newAccumulator(call, mem)
				if err != nil {
					b.Fatal(err)
				}
				acc.grow(1000)
				for lo := 0; lo < rows; lo += batch {
					s := array.NewSlice(vals, int64(lo), int64(lo+batch))
					if w, ok := acc.(runUpdater); ok && !grouped {
						err = w.updateRun(0, s, 0, s.Len())
					} else {
						err = acc.update(ids[lo:lo+batch], s)
					}
					s.Release()
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
		})
	}
}
