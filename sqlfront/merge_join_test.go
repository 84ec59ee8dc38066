package sqlfront_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMergeJoinMatchesHashJoin joins two tables of random rows (repeated keys and NULLs on both sides, in
// partitions compaction made and new chunks over them) on keys of every kind, inner and left, with and without
// an equality filter on the index's first column, which the key skips: each query plans a MergeJoin, and its answer is the answer of the same
// join over derived tables, which arrive in no order and so join by hash.
func TestMergeJoinMatchesHashJoin(t *testing.T) {
	n := compactionNode(t)
	run(t, n, "CREATE SCHEMA mj")
	for _, tbl := range []string{"a", "b"} {
		run(t, n, "CREATE TABLE mj."+tbl+" (k bigint, s text, d decimal(10,2), ts timestamp, f double, flag boolean, g text, v bigint)"+
			" INDEX by_s (s, k) INDEX by_d (d) INDEX by_ts (ts) INDEX by_f (f) INDEX by_flag (flag) INDEX by_g (g, k)")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	texts := []string{"a", "A", "é", "", "ab", "b"}
	value := func(vals ...string) string {
		if rng.IntN(7) == 0 {
			return "NULL"
		}
		return vals[rng.IntN(len(vals))]
	}
	v := 0
	insert := func(tbl string, rows, from int) {
		var out []string
		for range rows {
			v++
			out = append(out, fmt.Sprintf("(%s, %s, %s, %s, %s, %s, '%s', %d)",
				value(fmt.Sprint(from+rng.IntN(12))),
				value("'"+texts[rng.IntN(len(texts))]+"'"),
				value("1.50", "-2.25", "0.00", "7.75"),
				value("'2024-01-01 00:00:00'", "'2024-01-01 00:00:00.5'", "'1999-12-31 23:59:59'"),
				value("-1.5", "0", "2.25", "1e10"),
				value("true", "false"),
				[]string{"eu", "us"}[rng.IntN(2)], v))
		}
		run(t, n, "INSERT INTO mj."+tbl+" VALUES "+strings.Join(out, ", "))
	}
	for range 4 {
		insert("a", 15, 0)
		insert("b", 12, 4)
	}
	_, err := n.Engine.CompactOnce(context.Background())
	require.NoError(t, err)
	insert("a", 9, 0)
	insert("b", 7, 4)
	insert("b", 5, 4)

	explain := func(q string) string {
		var lines []string
		for _, r := range run(t, n, "EXPLAIN "+q) {
			lines = append(lines, r[0])
		}
		return strings.Join(lines, "\n")
	}
	sorted := func(rows [][]string) [][]string {
		slices.SortFunc(rows, func(x, y []string) int { return slices.Compare(x, y) })
		return rows
	}
	cols := "x.v, x.k, x.s, x.d, x.ts, x.f, x.flag, y.v, y.k, y.s, y.d, y.ts, y.f, y.flag"
	for _, on := range []string{
		"x.k = y.k",
		"x.s = y.s",
		"x.d = y.d",
		"x.ts = y.ts",
		"x.f = y.f",
		"x.flag = y.flag",
		"x.s = y.s AND x.k = y.k",
		"x.k = y.k AND x.s = y.s",
		"x.g = y.g AND x.k = y.k",
	} {
		for _, join := range []string{"JOIN", "LEFT JOIN"} {
			for _, where := range []string{"", " WHERE x.g = 'eu' AND y.g = 'us'"} {
				if where != "" && on != "x.k = y.k" {
					// With g fixed, index by_g (g, k) narrows the read most and is chosen: sorted on k only.
					continue
				}
				merged := fmt.Sprintf("SELECT %s FROM mj.a x %s mj.b y ON %s%s", cols, join, on, where)
				hashed := fmt.Sprintf("SELECT %s FROM (SELECT * FROM mj.a) x %s (SELECT * FROM mj.b) y ON %s%s", cols, join, on, where)
				if where != "" && join == "LEFT JOIN" {
					// WHERE on the right item of a LEFT JOIN filters its result; put y's filter in ON instead.
					merged = fmt.Sprintf("SELECT %s FROM mj.a x %s mj.b y ON %s AND y.g = 'us' WHERE x.g = 'eu'", cols, join, on)
					hashed = fmt.Sprintf("SELECT %s FROM (SELECT * FROM mj.a) x %s (SELECT * FROM mj.b) y ON %s AND y.g = 'us' WHERE x.g = 'eu'", cols, join, on)
				}
				t.Run(join+" ON "+on+where, func(t *testing.T) {
					plan := explain(merged)
					if !strings.Contains(plan, "MergeJoin") || strings.Contains(plan, "HashJoin") {
						t.Fatalf("no MergeJoin:\n%s", plan)
					}
					require.Contains(t, explain(hashed), "HashJoin")
					want := sorted(run(t, n, hashed))
					require.NotEmpty(t, want)
					assert.Equal(t, want, sorted(run(t, n, merged)))
				})
			}
		}
	}
}
