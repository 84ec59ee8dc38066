package sqlfront_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeRollupCSV writes rows of a 10-column rollup (as Cube's pre-aggregations look) to path, deterministically.
func writeRollupCSV(tb testing.TB, path string, rows int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	cats := []string{"Electronics", "Books", "Toys", "Garden", "Sports", "Food", "Music", "Health", "Auto", "Office"}
	platforms := []string{"web", "ios", "android", "desktop", "partner"}
	genders := []string{"female", "male", "other"}
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprintln(w, "created_at,product_category,product_name,zip_code,platform,gender,order_count,order_total,unit_price,discount")
	for i := 0; i < rows; i++ {
		ts := start.Add(time.Duration(i%17520) * time.Hour)
		fmt.Fprintf(w, "%s,%s,product %d,%d,%s,%s,%d,%d.%02d,%g,%d.%02d\n",
			ts.Format("2006-01-02 15:04:05"), cats[rng.IntN(len(cats))], rng.IntN(2000), 10000+rng.IntN(40000),
			platforms[rng.IntN(len(platforms))], genders[rng.IntN(len(genders))], 1+rng.IntN(50),
			rng.IntN(100000), rng.IntN(100), float64(rng.IntN(100000))/100, rng.IntN(100), rng.IntN(100))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
}

const rollupColumns = `(created_at timestamp, product_category text, product_name text, zip_code int, platform text,
	gender text, order_count bigint, order_total decimal(18,2), unit_price double, discount decimal(18,2))`

// BenchmarkImportCSV measures CREATE TABLE ... LOCATION end to end: parsing, sorting into each index, writing
// Parquet and committing. Run with -benchtime=1x; the file is made once.
func BenchmarkImportCSV(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "rollup.csv")
	writeRollupCSV(b, path, rows)
	for _, bc := range []struct{ name, tail string }{
		{"default_index", ""},
		{"three_indexes", " AGGREGATIONS (sum(order_count), sum(order_total)) INDEX by_cat (product_category, zip_code, product_name) AGGREGATE INDEX by_zip (zip_code)"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			exec(b, "CREATE SCHEMA IF NOT EXISTS bench")
			for i := 0; b.Loop(); i++ {
				sql := fmt.Sprintf("CREATE TABLE bench.t_%s_%d %s%s LOCATION '%s'", bc.name, i, rollupColumns, bc.tail, path)
				res, err := testNode.Engine.Execute(context.Background(), nil, sql)
				if err != nil {
					b.Fatal(err)
				}
				if res.AffectedRows != rows {
					b.Fatalf("imported %d rows, want %d", res.AffectedRows, rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
