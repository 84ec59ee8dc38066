package sqlfront_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/node"
	"github.com/vcubedb/vcube/sqlfront"
)

// TestEagerAggregationAgrees runs generated aggregates over joins of a fact table (random NULLs in every column,
// several chunks, partitions and new chunks over them, an index sorted on its join key) with two dimension
// tables (repeated keys, NULL keys, keys no fact has), with eager aggregation and without it: the answers are
// the same, and the rule applies to most of the queries.
func TestEagerAggregationAgrees(t *testing.T) {
	n := compactionNode(t)
	run(t, n, "CREATE SCHEMA eg")
	run(t, n, "CREATE TABLE eg.f (id bigint, k bigint, s text, g bigint, v bigint, d decimal(12,3), x double) INDEX by_k (k, s)")
	run(t, n, "CREATE TABLE eg.d1 (k bigint, name text, w bigint)")
	run(t, n, "CREATE TABLE eg.d2 (s text, zone text)")
	rng := rand.New(rand.NewPCG(11, 12))
	maybe := func(v string) string {
		if rng.IntN(6) == 0 {
			return "NULL"
		}
		return v
	}
	id := 0
	insertFacts := func(rows int) {
		var out []string
		for range rows {
			id++
			out = append(out, fmt.Sprintf("(%d, %s, %s, %s, %s, %s, %s)", id,
				maybe(strconv.Itoa(rng.IntN(9))),
				maybe("'"+[]string{"a", "b", "c", "dd"}[rng.IntN(4)]+"'"),
				maybe(strconv.Itoa(rng.IntN(4))),
				maybe(strconv.Itoa(rng.IntN(2001)-1000)),
				maybe(fmt.Sprintf("%d.%03d", rng.IntN(200)-100, rng.IntN(1000))),
				// Quarters: sums of these doubles are exact in any order, so the answers compare as text.
				maybe(strconv.FormatFloat(float64(rng.IntN(400)-200)/4, 'f', -1, 64))))
		}
		run(t, n, "INSERT INTO eg.f VALUES "+strings.Join(out, ", "))
	}
	for range 4 {
		insertFacts(40)
	}
	_, err := n.Engine.CompactOnce(context.Background())
	require.NoError(t, err)
	insertFacts(25)
	insertFacts(30)
	// d1: keys 0..10 (9 and 10 no fact has, 0..8 some twice), a NULL key.
	var d1 []string
	for k := range 11 {
		for c := range 1 + k%3/2 {
			d1 = append(d1, fmt.Sprintf("(%d, '%s', %d)", k, []string{"n1", "n2", "n3"}[(k+c)%3], rng.IntN(1500)-500))
		}
	}
	d1 = append(d1, "(NULL, 'n1', 0)")
	run(t, n, "INSERT INTO eg.d1 VALUES "+strings.Join(d1[:len(d1)/2], ", "))
	run(t, n, "INSERT INTO eg.d1 VALUES "+strings.Join(d1[len(d1)/2:], ", "))
	run(t, n, "INSERT INTO eg.d2 VALUES ('a', 'z1'), ('b', 'z1'), ('b', 'z2'), ('dd', 'z2'), ('e', 'z3'), (NULL, 'z3')")

	joins := []string{
		"eg.f f JOIN eg.d1 a ON f.k = a.k",
		"eg.d1 a JOIN eg.f f ON f.k = a.k",
		"eg.f f LEFT JOIN eg.d1 a ON f.k = a.k",
		"eg.f f JOIN eg.d1 a ON f.k = a.k AND f.v > a.w",
		"eg.f f LEFT JOIN eg.d1 a ON f.k = a.k AND f.g > 1",
		"eg.f f JOIN eg.d1 a ON f.k = a.k JOIN eg.d2 b ON f.s = b.s",
		"eg.f f JOIN eg.d2 b ON f.s = b.s LEFT JOIN eg.d1 a ON f.k = a.k",
		"eg.d2 b JOIN eg.f f ON f.s = b.s JOIN eg.d1 a ON a.k = f.k",
		"eg.d1 a LEFT JOIN eg.f f ON f.k = a.k", // the fact filled with NULLs: never eager
		"eg.f f, eg.d1 a",                       // a cross join, grouped by a fact column or not at all
	}
	wheres := []string{"", "f.g <> 2", "f.v > 0 OR a.w < 0", "f.id % 3 <> 0 AND a.name <> 'n2'", "f.x IS NOT NULL"}
	groupings := [][]string{nil, {"a.name"}, {"f.g"}, {"a.name", "f.g"}, {"f.s"}, {"a.k"}, {"f.k", "a.name"}}
	aggregates := []string{"COUNT(*)", "COUNT(f.v)", "SUM(f.v)", "SUM(f.d)", "SUM(f.x)", "MIN(f.d)", "MAX(f.x)",
		"MIN(f.s)", "MAX(f.v)", "AVG(f.v)", "AVG(f.d)", "AVG(f.x)", "SUM(f.v * 2 + f.g)", "MAX(DISTINCT f.g)",
		"COUNT(1)", "AVG(f.d * f.g)", "AVG(f.d / 3)", "SUM(f.d / 7)", "COUNT(DISTINCT f.g)", "SUM(a.w)"}
	eager, total := 0, 0
	for q := range 300 {
		join := joins[rng.IntN(len(joins))]
		group := groupings[rng.IntN(len(groupings))]
		if strings.Contains(join, "eg.d2") && rng.IntN(3) == 0 {
			group = append(slices.Clone(group), "b.zone")
		}
		var aggs []string
		count := 1 + rng.IntN(4)
		if len(group) > 0 && rng.IntN(10) == 0 {
			count = 0 // GROUP BY alone: the partial aggregate only finds which keys there are
		}
		for range count {
			// The last two aggregates are ones the rule leaves alone: seldom, so that most queries apply it.
			a := aggregates[rng.IntN(len(aggregates)-2)]
			if rng.IntN(12) == 0 {
				a = aggregates[len(aggregates)-2+rng.IntN(2)]
			}
			aggs = append(aggs, a)
		}
		where := wheres[rng.IntN(len(wheres))]
		sql := "SELECT " + strings.Join(append(slices.Clone(group), aggs...), ", ") + " FROM " + join
		if where != "" {
			sql += " WHERE " + where
		}
		if len(group) > 0 {
			sql += " GROUP BY " + strings.Join(group, ", ")
			if rng.IntN(4) == 0 {
				sql += " HAVING COUNT(*) > 2"
			}
		}
		total++
		if strings.Contains(explainVerbose(t, n, sql), "eager aggregate: f ") {
			eager++
		}
		on := sortedRows(run(t, n, sql))
		res, err := n.Engine.Execute(sqlfront.WithoutEagerAggregation(context.Background()), nil, sql)
		require.NoError(t, err, sql)
		off := sortedRows(res.TextRows())
		res.Release()
		require.Equal(t, off, on, "query %d: %s", q, sql)
	}
	t.Logf("%d of %d queries aggregated the fact table below the join", eager, total)
	require.Greater(t, eager, total/2, "the rule should apply to most of the generated queries")
}

func explainVerbose(t *testing.T, n *node.Node, sql string) string {
	var lines []string
	for _, r := range run(t, n, "EXPLAIN VERBOSE "+sql) {
		lines = append(lines, r[0])
	}
	return strings.Join(lines, "\n")
}

func sortedRows(rows [][]string) [][]string {
	slices.SortFunc(rows, func(x, y []string) int { return slices.Compare(x, y) })
	return rows
}

// BenchmarkEagerAggregationQ10 runs the benchmark's join (q10: sums of the orders by a column of the products,
// ORDER BY a sum with LIMIT) over VCUBE_BENCH_ORDERS orders (1 million by default, in 8 chunks) of 2,000
// products, with eager aggregation and without it, warm (the columns in the column cache):
// go test ./sqlfront -run '^$' -bench EagerAggregationQ10 -benchtime 20x -count 3.
func BenchmarkEagerAggregationQ10(b *testing.B) {
	rows := 1_000_000
	if s := os.Getenv("VCUBE_BENCH_ORDERS"); s != "" {
		var err error
		if rows, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	const products, brands, chunks = 2000, 50, 8
	ctx := context.Background()
	dir := b.TempDir()
	n, err := node.Open(ctx, node.Config{DataDir: dir, CompactionInterval: -1, ImportBatchRows: (rows + chunks - 1) / chunks})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	write := func(name string, lines func(w *bufio.Writer)) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		lines(w)
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		return path
	}
	rng := rand.New(rand.NewPCG(7, 8))
	productsCSV := write("products.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "product_name,product_category,brand,list_price")
		for p := range products {
			fmt.Fprintf(w, "product-%04d,category-%02d,brand-%02d,%d.%02d\n", p, p%40, rng.IntN(brands), 1+rng.IntN(500), rng.IntN(100))
		}
	})
	ordersCSV := write("orders.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "created_at,product_name,zip_code,order_count,order_total")
		for i := range rows {
			fmt.Fprintf(w, "2024-01-%02d 10:00:00,product-%04d,%d,%d,%d.%02d\n", 1+i%28, rng.IntN(products), 10000+rng.IntN(5000),
				1+rng.IntN(5), rng.IntN(1000), rng.IntN(100))
		}
	})
	for _, sql := range []string{
		"CREATE SCHEMA bench",
		"CREATE TABLE bench.products (product_name text, product_category text, brand text, list_price decimal(10,2)) LOCATION '" + productsCSV + "'",
		"CREATE TABLE bench.orders (created_at timestamp, product_name text, zip_code int, order_count bigint, order_total decimal(18,2)) LOCATION '" + ordersCSV + "'",
	} {
		res, err := n.Engine.Execute(ctx, nil, sql)
		if err != nil {
			b.Fatal(err)
		}
		res.Release()
	}
	const q10 = "SELECT p.brand, SUM(o.order_count), SUM(o.order_total) FROM bench.orders o JOIN bench.products p ON o.product_name = p.product_name GROUP BY p.brand ORDER BY 3 DESC LIMIT 10"
	var want [][]string
	for _, mode := range []struct {
		name string
		ctx  context.Context
	}{{"eager", ctx}, {"no-eager", sqlfront.WithoutEagerAggregation(ctx)}} {
		b.Run(mode.name, func(b *testing.B) {
			query := func() [][]string {
				res, err := n.Engine.Execute(mode.ctx, nil, q10)
				if err != nil {
					b.Fatal(err)
				}
				defer res.Release()
				return res.TextRows()
			}
			got := query() // warms the column cache
			if want == nil {
				want = got
			} else if !slices.EqualFunc(want, got, slices.Equal) {
				b.Fatalf("answers differ: %v, %v", want, got)
			}
			for b.Loop() {
				query()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
