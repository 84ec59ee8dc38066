package sqlfront_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/vcubedb/vcube/internal/node"
	"github.com/vcubedb/vcube/internal/wasmexamples"
)

// BenchmarkMeasureVsBuiltin runs SUM(v) and the plugin measures sumsq(v) (Go) and fast_sum(v) (C, when clang is
// installed) through the engine over VCUBE_BENCH_ROWS doubles (10 million by default): warm, with the table's
// column in the column cache, so the figures are the aggregates' own cost plus the plan's, then without the cache,
// decoding the Parquet files every query. Each sub-benchmark reports its ratio to SUM's time measured in the same
// run and mode: go test ./sqlfront -run '^$' -bench MeasureVsBuiltin
// -benchtime 10x -count 3.
func BenchmarkMeasureVsBuiltin(b *testing.B) {
	rows := 10_000_000
	if s := os.Getenv("VCUBE_BENCH_ROWS"); s != "" {
		var err error
		if rows, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	dir := b.TempDir()
	n, err := node.Open(ctx, node.Config{DataDir: dir, CompactionInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { n.Close() }()
	queries := []struct{ name, plugin, sql string }{
		{"builtin-sum", "", "SELECT SUM(v) FROM m.t"},
		{"go-sumsq", "sumsq", "SELECT sumsq(v) FROM m.t"},
		{"c-fast_sum", "csum", "SELECT fast_sum(v) FROM m.t"},
	}
	for _, q := range queries[1:] {
		module, err := wasmexamples.Build(q.plugin)
		if errors.Is(err, wasmexamples.ErrNoCToolchain) {
			b.Log(err)
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := n.Engine.InstallPlugin(ctx, q.plugin, module); err != nil {
			b.Fatal(err)
		}
	}
	path := filepath.Join(dir, "doubles.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	fmt.Fprintln(w, "v")
	for range rows {
		fmt.Fprintln(w, strconv.FormatFloat(float64(rng.IntN(1_000_000))/100, 'f', -1, 64))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	for _, sql := range []string{"CREATE SCHEMA m", "CREATE TABLE m.t (v double) LOCATION '" + path + "'"} {
		res, err := n.Engine.Execute(ctx, nil, sql)
		if err != nil {
			b.Fatal(err)
		}
		res.Release()
	}
	// cached: the column in the column cache; parquet: without the cache, every query decodes the files.
	for _, mode := range []string{"cached", "parquet"} {
		if mode == "parquet" {
			if err := n.Close(); err != nil {
				b.Fatal(err)
			}
			if n, err = node.Open(ctx, node.Config{DataDir: dir, CompactionInterval: -1, ColumnCacheBytes: -1}); err != nil {
				b.Fatal(err)
			}
		}
		var sumTime float64
		for _, q := range queries {
			b.Run(mode+"/"+q.name, func(b *testing.B) {
				run := func() {
					res, err := n.Engine.Execute(ctx, nil, q.sql)
					if err != nil {
						b.Skip(err) // the C plugin without clang
					}
					res.Release()
				}
				run() // warms the column cache and the plugin's pool
				for b.Loop() {
					run()
				}
				per := b.Elapsed().Seconds() / float64(b.N)
				if q.plugin == "" {
					sumTime = per
				} else if sumTime > 0 {
					b.ReportMetric(per/sumTime, "x-sum")
				}
				b.ReportMetric(float64(rows)/per, "rows/s")
			})
		}
	}
}
