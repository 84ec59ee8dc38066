package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// Query is one benchmark query. SQL is written once for both engines: vcube's MySQL dialect and DuckDB's agree
// on everything these queries use (DATE_TRUNC, COUNT(DISTINCT), joins, ordinals in ORDER BY).
type Query struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Title string `json:"title"`
	// Kind says what the goals expect of it: "index" queries are answered from an index's order or an aggregate
	// index (expected at least as fast as DuckDB over its own tables), "hash" ones aggregate in hash tables
	// (expected within 1.5x of DuckDB over Parquet); "scan" (a grand total) and "join" have no goal.
	Kind string `json:"kind"`
	SQL  string `json:"sql"`
}

// The constants of the point-range query: the most frequent category, and a band of zip codes.
const (
	PointCategory = "Electronics"
	PointZipLow   = 50001
	PointZipHigh  = 50201
)

// Queries are the benchmark's queries, in report order.
var Queries = []Query{
	{ID: "q1", Name: "total", Title: "grand total", Kind: "scan",
		SQL: "SELECT COUNT(*), SUM(order_count), SUM(order_total) FROM bench.orders"},
	{ID: "q2", Name: "prefix_group", Title: "group-by on an index prefix (Inplace)", Kind: "index",
		SQL: "SELECT product_category, SUM(order_count), SUM(order_total) FROM bench.orders GROUP BY product_category ORDER BY product_category"},
	{ID: "q3", Name: "eq_group", Title: "equality filter, group-by on the next index column (Inplace)", Kind: "index",
		SQL: "SELECT zip_code, SUM(order_count), SUM(order_total) FROM bench.orders WHERE product_category = 'Books' GROUP BY zip_code ORDER BY zip_code"},
	{ID: "q4", Name: "hash_group", Title: "group-by on non-index columns (Hash)", Kind: "hash",
		SQL: "SELECT platform, gender, SUM(order_count), SUM(order_total), AVG(unit_price) FROM bench.orders GROUP BY platform, gender ORDER BY platform, gender"},
	{ID: "q5", Name: "topk", Title: "top-10 by a sum over an index prefix", Kind: "index",
		SQL: "SELECT product_category, zip_code, SUM(order_total) AS revenue FROM bench.orders GROUP BY product_category, zip_code ORDER BY revenue DESC LIMIT 10"},
	{ID: "q6", Name: "day_range", Title: "a month by DATE_TRUNC('day')", Kind: "index",
		SQL: "SELECT DATE_TRUNC('day', created_at) AS day, SUM(order_count), SUM(order_total) FROM bench.orders WHERE created_at >= '2024-03-01 00:00:00' AND created_at < '2024-04-01 00:00:00' GROUP BY 1 ORDER BY 1"},
	{ID: "q7", Name: "agg_index", Title: "aggregate index: top-10 zip codes", Kind: "index",
		SQL: "SELECT zip_code, SUM(order_count), SUM(order_total) AS revenue FROM bench.orders GROUP BY zip_code ORDER BY revenue DESC LIMIT 10"},
	{ID: "q8", Name: "point_range", Title: "narrow point range", Kind: "index",
		SQL: "SELECT COUNT(*), SUM(order_count), SUM(order_total) FROM bench.orders WHERE product_category = '" + PointCategory +
			"' AND zip_code BETWEEN " + strconv.Itoa(PointZipLow) + " AND " + strconv.Itoa(PointZipHigh)},
	{ID: "q9", Name: "count_distinct", Title: "COUNT(DISTINCT)", Kind: "hash",
		SQL: "SELECT platform, COUNT(DISTINCT zip_code), COUNT(DISTINCT product_name) FROM bench.orders GROUP BY platform ORDER BY platform"},
	{ID: "q10", Name: "join", Title: "join with the product dimension", Kind: "join",
		SQL: "SELECT p.brand, SUM(o.order_count), SUM(o.order_total) FROM bench.orders o JOIN bench.products p ON o.product_name = p.product_name GROUP BY p.brand ORDER BY 3 DESC LIMIT 10"},
}

// SelectQueries picks queries by a comma-separated list of ids or names, or "all".
func SelectQueries(spec string) ([]Query, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "all" {
		return Queries, nil
	}
	var out []Query
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		found := false
		for _, q := range Queries {
			if strings.EqualFold(part, q.ID) || strings.EqualFold(part, q.Name) {
				if !seen[q.ID] {
					out = append(out, q)
					seen[q.ID] = true
				}
				found = true
			}
		}
		if !found {
			ids := make([]string, len(Queries))
			for i, q := range Queries {
				ids[i] = q.ID + " (" + q.Name + ")"
			}
			return nil, fmt.Errorf("unknown query %q: want all or some of %s", part, strings.Join(ids, ", "))
		}
	}
	return out, nil
}

// PointQuery is the query the concurrency goal is about.
const PointQuery = "q8"

// vcubeOrdersDDL creates bench.orders in vcube, importing files: a default index (every column, time first), an
// index for drilling down by category, zip code and product, and an aggregate index rolled up by zip code.
func vcubeOrdersDDL(files ...string) string {
	return "CREATE TABLE bench.orders (created_at timestamp, product_category text, product_name text, zip_code int, " +
		"platform text, gender text, order_count bigint, order_total decimal(18,2), unit_price double) " +
		"AGGREGATIONS (sum(order_count), sum(order_total)) " +
		"INDEX by_category (product_category, zip_code, product_name) " +
		"AGGREGATE INDEX by_zip (zip_code) " +
		"LOCATION " + quoteList(files)
}

func vcubeProductsDDL(files ...string) string {
	return "CREATE TABLE bench.products (product_name text, product_category text, brand text, list_price decimal(10,2)) " +
		"LOCATION " + quoteList(files)
}

func quoteList(files []string) string {
	q := make([]string, len(files))
	for i, f := range files {
		q[i] = "'" + strings.ReplaceAll(f, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}
