package sqlfront_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkPointQuery times the bench workload's point-range query (q8: an equality on the first column of an
// index and a narrow range on the second) over the 1M-row rollup of BenchmarkImportCSV, warm, one client at a
// time: what one query costs beyond reading its few rows (parsing, planning, opening files, pruning). Profile it
// with -cpuprofile to see where a point query's time goes.
func BenchmarkPointQuery(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "rollup.csv")
	writeRollupCSV(b, path, rows)
	exec(b, "CREATE SCHEMA IF NOT EXISTS point")
	exec(b, fmt.Sprintf("CREATE TABLE point.orders %s INDEX by_cat (product_category, zip_code, product_name) LOCATION '%s'", rollupColumns, path)).Release()
	const sql = "SELECT COUNT(*), SUM(order_count), SUM(order_total) FROM point.orders WHERE product_category = 'Books' AND zip_code BETWEEN 20000 AND 20099"
	exec(b, sql).Release()
	ctx := context.Background()
	for b.Loop() {
		res, err := testNode.Engine.Execute(ctx, nil, sql)
		if err != nil {
			b.Fatal(err)
		}
		res.Release()
	}
}
