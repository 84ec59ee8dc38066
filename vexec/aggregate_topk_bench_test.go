package vexec

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// BenchmarkAggregateTopK times SELECT k, SUM(v), COUNT(*) ... GROUP BY k ORDER BY 2 DESC LIMIT 10 over about a
// million rows of 131,072 keys in 8 chunk files, read through a column cache that holds them (warmed first), as
// the plan vcube made before AggregateTopK (plain: a Sort with a limit over the Final aggregate of the chunks'
// partial groups) and as AggregateTopK over the same partial groups. The chunks are partitions (each its own
// range of keys, bounds known) or overlapping (every chunk holds most keys); the keys' rows are uniform, or
// skewed (Zipf: a few keys have most rows, as a few customers make most of the revenue); each file is
// sorted on k (inplace: Partial and Final Inplace, the groups merged in key order by a MergeSort) or not
// (hash: Partial and Final Hash, under a Merge). The figure to read is speedup, the plain plan's time over
// AggregateTopK's; read/input is the share of the partial groups AggregateTopK read before it stopped.
func BenchmarkAggregateTopK(b *testing.B) {
	const rows, keys, files, limit = benchRows, 1 << 17, 8, 10
	cols := []storage.Column{{Name: "k", Type: sqltype.BigInt}, {Name: "v", Type: sqltype.BigInt}}
	for _, shape := range []string{"partitions/uniform", "partitions/skewed", "overlapping/uniform", "overlapping/skewed",
		"partitions/uniform/hash", "overlapping/skewed/hash"} {
		parts := strings.Split(shape, "/")
		layout, values, hash := parts[0], parts[1], len(parts) > 2
		{
			rng := rand.New(rand.NewPCG(7, 8))
			perm := rng.Perm(keys)
			zipf := rand.NewZipf(rng, 1.1, 10, keys-1)
			ks := make([]int64, rows)
			vs := make([]int64, rows)
			for i := range rows {
				ks[i] = rng.Int64N(keys)
				if values == "skewed" {
					ks[i] = int64(perm[zipf.Uint64()])
				}
				vs[i] = rng.Int64N(1000)
			}
			if layout == "partitions" {
				slices.Sort(ks) // cut into ranges below
			}
			store, err := storage.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			scan := &planner.Scan{TableColumns: []planner.Field{{Name: "k", Type: sqltype.BigInt}, {Name: "v", Type: sqltype.BigInt}},
				Projection: []int{0, 1}}
			var bounds []planner.ChunkBounds
			for f := range files {
				lo, hi := f*rows/files, (f+1)*rows/files
				idx := make([]int, hi-lo)
				for i := range idx {
					idx[i] = lo + i
				}
				if hash {
					rng.Shuffle(len(idx), func(x, y int) { idx[x], idx[y] = idx[y], idx[x] })
				} else {
					slices.SortStableFunc(idx, func(x, y int) int { return int(ks[x] - ks[y]) }) // each file sorted on k
				}
				batch := int64Batch(cols, idx, ks, vs)
				info, err := store.WriteChunk(1, uint64(f+1), cols, []arrow.RecordBatch{batch})
				batch.Release()
				if err != nil {
					b.Fatal(err)
				}
				scan.Chunks = append(scan.Chunks, planner.Chunk{ID: uint64(f + 1), File: info.Path, Rows: info.Rows})
				bounds = append(bounds, planner.ChunkBounds{Chunk: uint64(f + 1), Known: true, Min: slices.Min(ks[lo:hi]), Max: slices.Max(ks[lo:hi])})
			}
			cached, err := storage.Open(store.Dir(), storage.WithColumnCache(storage.NewColumnCache(1<<30)))
			if err != nil {
				b.Fatal(err)
			}
			full := &planner.Aggregate{Input: scan, Strategy: planner.Inplace, GroupBy: []planner.Expr{colRef(0, sqltype.BigInt)},
				Names: []string{"k"}, Aggs: []*planner.AggCall{aggCall("sum", colRef(1, sqltype.BigInt)), aggCall("count", nil)}}
			if hash {
				full.Strategy = planner.Hash
			}
			partial, final := planner.SplitAggregate(full)
			final.Strategy = full.Strategy
			final.Input = &planner.MergeSort{Input: partial, Keys: []planner.SortKey{{Column: 0, NullsFirst: true}}, Parallel: 2}
			if hash {
				final.Input = &planner.Merge{Input: partial, Parallel: 2}
			}
			plain := &planner.GlobalLimit{N: limit, Input: &planner.Sort{Input: final, Limit: limit,
				Keys: []planner.SortKey{{Column: 1, Desc: true}}}}
			tk := &planner.AggregateTopK{Input: partial, GroupBy: final.GroupBy, Names: final.Names, Aggs: final.Aggs,
				Desc: true, Limit: limit, Ties: []int{0}, Parallel: 2, BoundKey: -1}
			if layout == "partitions" {
				tk.BoundKey, tk.Bounds = 0, bounds
			}
			topk := &planner.GlobalLimit{N: limit, Input: tk}
			planner.Number(plain)
			planner.Number(topk)
			cfg := Config{Mem: memory.NewGoAllocator(), Data: cached}
			run := func(b *testing.B, plan planner.Node) (*Stats, []row) {
				out, stats, err := Run(context.Background(), plan, cfg)
				if err != nil {
					b.Fatal(err)
				}
				var got []row
				for _, o := range out {
					got = append(got, batchRows(o)...)
					o.Release()
				}
				return stats, got
			}
			// Each iteration runs both plans, one after the other, so that a loaded machine slows both alike;
			// the figures are each plan's time per query and their ratio.
			b.Run(shape, func(b *testing.B) {
				_, want := run(b, plain) // warms the cache
				stats, got := run(b, topk)
				equalRows(b, planner.Schema(topk), got, want)
				var plainTime, topkTime time.Duration
				for b.Loop() {
					start := time.Now()
					run(b, plain)
					mid := time.Now()
					run(b, topk)
					plainTime += mid.Sub(start)
					topkTime += time.Since(mid)
				}
				n := float64(b.N)
				b.ReportMetric(plainTime.Seconds()*1e3/n, "plain-ms/op")
				b.ReportMetric(topkTime.Seconds()*1e3/n, "topk-ms/op")
				b.ReportMetric(plainTime.Seconds()/topkTime.Seconds(), "speedup")
				st := stats.Nodes[tk.ID()]
				b.ReportMetric(float64(st.InputRowsRead)/float64(st.InputRows), "read/input")
			})
		}
	}
}

// int64Batch builds a batch of BIGINT columns k and v from rows idx of ks and vs.
func int64Batch(cols []storage.Column, idx []int, ks, vs []int64) arrow.RecordBatch {
	mem := memory.NewGoAllocator()
	kb, vb := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
	defer kb.Release()
	defer vb.Release()
	for _, i := range idx {
		kb.Append(ks[i])
		vb.Append(vs[i])
	}
	k, v := kb.NewArray(), vb.NewArray()
	defer k.Release()
	defer v.Release()
	fields := []arrow.Field{{Name: cols[0].Name, Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: cols[1].Name, Type: arrow.PrimitiveTypes.Int64, Nullable: true}}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), []arrow.Array{k, v}, int64(len(idx)))
}
