package vexec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// BenchmarkDictionaryText measures text read as dictionaries against text read plainly (plainText), in one
// run: a hash GROUP BY of a 5-value and of a 2,000-value text column, and an equality filter on each, over
// 2^20 rows of one chunk file (row groups of 16,384 rows), read from Parquet and from a warm column cache.
//
//	go test -run '^$' -bench BenchmarkDictionaryText -benchtime 20x ./vexec
func BenchmarkDictionaryText(b *testing.B) {
	const rows = 1 << 20
	cols := []storage.Column{{Name: "d5", Type: sqltype.Text}, {Name: "d2000", Type: sqltype.Text}, {Name: "v", Type: sqltype.BigInt}}
	dir := b.TempDir()
	parquet, err := storage.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	chunk := writeDictBenchChunk(b, parquet, cols, rows)
	cached, err := storage.Open(dir, storage.WithColumnCache(storage.NewColumnCache(1<<30)))
	if err != nil {
		b.Fatal(err)
	}
	fields := make([]planner.Field, len(cols))
	for i, c := range cols {
		fields[i] = planner.Field{Name: c.Name, Type: c.Type}
	}
	scan := func(col int) *planner.Scan {
		return &planner.Scan{Schema: "bench", Table: "t", TableID: 1, IndexID: 1, IndexName: "default",
			TableColumns: fields, Projection: []int{col, 2}, Chunks: []planner.Chunk{chunk}}
	}
	text := func(col int) *planner.ColumnRef {
		return &planner.ColumnRef{Index: 0, Name: cols[col].Name, T: sqltype.Text}
	}
	v := &planner.ColumnRef{Index: 1, Name: "v", T: sqltype.BigInt}
	aggs := []*planner.AggCall{aggCall("count", nil), aggCall("sum", v)}
	groupBy := func(col int) planner.Node {
		return &planner.Aggregate{Input: scan(col), Mode: planner.Full, Strategy: planner.Hash,
			GroupBy: []planner.Expr{text(col)}, Names: []string{cols[col].Name}, Aggs: aggs}
	}
	filter := func(col int, value string) planner.Node {
		f := &planner.Filter{Input: scan(col), Predicate: boolCall("=", text(col), lit(sqltype.Text, value))}
		return &planner.Aggregate{Input: f, Mode: planner.Full, Strategy: planner.Hash, Aggs: aggs}
	}
	queries := []struct {
		name string
		plan planner.Node
	}{
		{"group_by_5", groupBy(0)},
		{"group_by_2000", groupBy(1)},
		{"filter_eq_5", filter(0, "west")},
		{"filter_eq_2000", filter(1, "customer-0042")},
	}
	for _, q := range queries {
		planner.Number(q.plan)
		for _, src := range []struct {
			name  string
			store *storage.Store
		}{{"parquet", parquet}, {"cache", cached}} {
			for _, mode := range []string{"plain", "dict"} {
				b.Run(fmt.Sprintf("%s/%s/%s", q.name, src.name, mode), func(b *testing.B) {
					plainText.Store(mode == "plain")
					defer plainText.Store(false)
					cfg := Config{Mem: memory.NewGoAllocator(), Data: src.store}
					run := func() {
						out, _, err := Run(context.Background(), q.plan, cfg)
						if err != nil {
							b.Fatal(err)
						}
						for _, o := range out {
							o.Release()
						}
					}
					run() // warms the cache, in the form this mode reads
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						run()
					}
					b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
				})
			}
		}
	}
}

// writeDictBenchChunk writes rows rows: d5 of 5 values, d2000 of 2,000 (13 bytes each), both with 2% NULLs,
// and v, a small BIGINT.
func writeDictBenchChunk(b *testing.B, s *storage.Store, cols []storage.Column, rows int) planner.Chunk {
	b.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	five := []string{"north", "south", "east", "west", "central"}
	mem := memory.NewGoAllocator()
	d5, d2000, vb := array.NewStringBuilder(mem), array.NewStringBuilder(mem), array.NewInt64Builder(mem)
	defer d5.Release()
	defer d2000.Release()
	defer vb.Release()
	for range rows {
		if rng.IntN(50) == 0 {
			d5.AppendNull()
		} else {
			d5.Append(five[rng.IntN(len(five))])
		}
		if rng.IntN(50) == 0 {
			d2000.AppendNull()
		} else {
			d2000.Append(fmt.Sprintf("customer-%04d", rng.IntN(2000)))
		}
		vb.Append(rng.Int64N(1000))
	}
	arrs := []arrow.Array{d5.NewArray(), d2000.NewArray(), vb.NewArray()}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true}
	}
	batch := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(rows))
	for _, a := range arrs {
		a.Release()
	}
	defer batch.Release()
	info, err := s.WriteChunk(1, 1, cols, []arrow.RecordBatch{batch})
	if err != nil {
		b.Fatal(err)
	}
	return planner.Chunk{ID: 1, File: info.Path, Rows: info.Rows}
}
