package sqlfront_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTopKExplainAnalyze: over partitions (each INSERT its own range of keys), EXPLAIN ANALYZE shows the
// AggregateTopK's figures, and the threshold skips most of the groups its inputs produced. The index leads with
// another column, so the partial aggregates hash (over Inplace ones the rule keeps the Sort with a limit).
func TestTopKExplainAnalyze(t *testing.T) {
	exec(t, "CREATE SCHEMA tka")
	exec(t, "CREATE TABLE tka.t (r bigint, k bigint, v bigint)")
	for c := range 4 {
		var vals []string
		for i := range 300 {
			k := c*300 + i
			vals = append(vals, fmt.Sprintf("(%d, %d, %d)", i%7, k, (k*7919)%1201))
		}
		exec(t, "INSERT INTO tka.t VALUES "+strings.Join(vals, ", "))
	}
	got := rows(t, "EXPLAIN ANALYZE SELECT k, SUM(v) FROM tka.t GROUP BY k ORDER BY 2 DESC LIMIT 3")
	require.Len(t, got, 1)
	line := regexp.MustCompile(`(?m)^    AggregateTopK, limit: 3, order by: \[sum\(v\) DESC\], by: \[k\], aggs: \[sum\(v\)\] ` +
		`\[rows=3 batches=1 time=[0-9.]+(ns|µs|ms|s) input_rows=1200 read=(\d+) skipped=(\d+)\]$`)
	m := line.FindStringSubmatch(got[0][2])
	require.NotNil(t, m, got[0][2])
	read, _ := strconv.Atoi(m[2])
	skipped, _ := strconv.Atoi(m[3])
	assert.Equal(t, 1200, read+skipped)
	assert.Less(t, read, 600, "the threshold should stop the reading early")

	got = rows(t, "EXPLAIN ANALYZE FORMAT=JSON SELECT k, SUM(v) FROM tka.t GROUP BY k ORDER BY 2 DESC LIMIT 3")
	var root struct {
		Children []struct {
			Children []struct {
				Node    string         `json:"node"`
				Figures map[string]any `json:"figures"`
			} `json:"children"`
		} `json:"children"`
	}
	require.NoError(t, json.Unmarshal([]byte(got[0][2]), &root), got[0][2])
	tk := root.Children[0].Children[0]
	assert.Equal(t, "AggregateTopK", tk.Node)
	assert.Equal(t, float64(1200), tk.Figures["input_rows"])
	assert.Equal(t, float64(1200), tk.Figures["input_rows_read"].(float64)+tk.Figures["input_rows_skipped"].(float64))
}

// TestTopKAgreesWithSort runs top-k queries over random tables, and the same queries with a HAVING that keeps
// every group, which the rule leaves to the Sort with a limit: the answers must be equal. The values are
// distinct (no tie to order) and of both signs; NULL keys, and NULL values in the NULL key's group only. The
// index leads with a column no query groups by, so the partial aggregates hash.
func TestTopKAgreesWithSort(t *testing.T) {
	exec(t, "CREATE SCHEMA tks")
	rng := rand.New(rand.NewPCG(8, 9))
	for table := range 4 {
		name := fmt.Sprintf("tks.t%d", table)
		exec(t, "CREATE TABLE "+name+" (r bigint, k bigint, g text, v bigint, d decimal(14,2))")
		keys := 5 + rng.IntN(60)
		for range 2 + rng.IntN(4) {
			var vals []string
			for range 1 + rng.IntN(80) {
				k := strconv.Itoa(rng.IntN(keys))
				if rng.IntN(15) == 0 {
					k = "NULL"
				}
				v := strconv.FormatInt(rng.Int64N(2_000_000_000_000)-900_000_000_000, 10)
				if k == "NULL" && rng.IntN(2) == 0 {
					v = "NULL" // one group at most whose sum may be NULL: NULLs tie
				}
				d := fmt.Sprintf("%d.%02d", rng.IntN(2_000_000)-1_000_000, rng.IntN(100))
				vals = append(vals, fmt.Sprintf("(%d, %s, 'g%d', %s, %s)", rng.IntN(5), k, rng.IntN(3), v, d))
			}
			exec(t, "INSERT INTO "+name+" VALUES "+strings.Join(vals, ", "))
		}
		for _, q := range []string{
			"SELECT k, SUM(v), COUNT(*) FROM %s GROUP BY k %s ORDER BY 2 DESC LIMIT 5",
			"SELECT k, SUM(v) FROM %s GROUP BY k %s ORDER BY 2 LIMIT 3 OFFSET 2",
			"SELECT k, g, SUM(d), AVG(v) FROM %s GROUP BY k, g %s ORDER BY SUM(d) DESC LIMIT 4",
			"SELECT k, MAX(v) FROM %s GROUP BY k %s ORDER BY 2 DESC LIMIT 2 OFFSET 1",
			"SELECT g, k, MIN(d) FROM %s GROUP BY g, k %s ORDER BY 3 LIMIT 6",
			"SELECT k, COUNT(DISTINCT g), SUM(v) FROM %s GROUP BY k %s ORDER BY 3 DESC LIMIT 3",
			"SELECT g, COUNT(*) FROM %s GROUP BY g %s ORDER BY MAX(d) LIMIT 2",
		} {
			topk := fmt.Sprintf(q, name, "")
			plain := fmt.Sprintf(q, name, "HAVING COUNT(*) > 0")
			plan := strings.Join(rows(t, "EXPLAIN "+topk)[0], "\n")
			require.Contains(t, plan, "AggregateTopK", topk)
			require.Equal(t, rows(t, plain), rows(t, topk), topk)
		}
	}
}
