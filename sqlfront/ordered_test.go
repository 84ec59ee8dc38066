package sqlfront_test

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evRow is one row of the table TestOrderedPlansOverPartitions writes; k is nil for NULL.
type evRow struct {
	k *int64
	s string
	v int64
}

func (r evRow) text() []string {
	k := "NULL"
	if r.k != nil {
		k = strconv.FormatInt(*r.k, 10)
	}
	return []string{k, r.s, strconv.FormatInt(r.v, 10)}
}

// compareEv orders rows by (k, s, v) as MySQL sorts ascending: NULL first.
func compareEv(a, b evRow) int {
	switch {
	case a.k == nil && b.k != nil:
		return -1
	case a.k != nil && b.k == nil:
		return 1
	case a.k != nil && *a.k != *b.k:
		return cmp.Compare(*a.k, *b.k)
	}
	return cmp.Or(strings.Compare(a.s, b.s), cmp.Compare(a.v, b.v))
}

// TestOrderedPlansOverPartitions reads a table whose default index is split into partitions by compaction
// (disjoint key ranges) and has new chunks over them (overlapping every partition), with NULL keys in both:
// ORDER BY the index's key merges the files' streams (MergeSort, with LIMIT pushed down), descending with LIMIT
// keeps the tail (TailLimit), and GROUP BY the key merges partial groups Inplace. Every answer is checked against
// one computed here.
func TestOrderedPlansOverPartitions(t *testing.T) {
	n := compactionNode(t)
	run(t, n, "CREATE SCHEMA o")
	run(t, n, "CREATE TABLE o.t (k bigint, s text, v bigint)")
	var all []evRow
	insert := func(rows []evRow) {
		vals := make([]string, len(rows))
		for i, r := range rows {
			t := r.text()
			vals[i] = fmt.Sprintf("(%s, '%s', %s)", t[0], t[1], t[2])
		}
		run(t, n, "INSERT INTO o.t VALUES "+strings.Join(vals, ", "))
		all = append(all, rows...)
	}
	v := int64(0)
	batch := func(keys ...int64) []evRow {
		var rows []evRow
		for _, k := range keys {
			v++
			r := evRow{s: fmt.Sprintf("s%d", v%7), v: v}
			if k >= 0 {
				r.k = &k
			}
			rows = append(rows, r)
		}
		return rows
	}
	// Five inserts of 13 rows whose keys interleave (-1 is NULL), compacted into partitions of at most 20 rows.
	for i := range 5 {
		var keys []int64
		for j := range 13 {
			keys = append(keys, int64(j*5+i))
		}
		keys[i] = -1
		insert(batch(keys...))
	}
	_, err := n.Engine.CompactOnce(context.Background())
	require.NoError(t, err)
	parts := run(t, n, "SELECT COUNT(*) FROM system.partitions WHERE table_name = 't' AND index_name = 'default'")
	require.NotEqual(t, "1", parts[0][0], "compaction split the index into partitions")
	// Two new chunks over them, keys across every partition's range, and NULLs.
	insert(batch(64, 0, 30, -1, 12, 45))
	insert(batch(-1, 7, 7, 22, 63, 1))

	sorted := slices.Clone(all)
	slices.SortFunc(sorted, compareEv)
	texts := func(rows []evRow) [][]string {
		out := make([][]string, len(rows))
		for i, r := range rows {
			out[i] = r.text()
		}
		return out
	}
	explain := func(q string) string {
		t.Helper()
		var lines []string
		for _, r := range run(t, n, "EXPLAIN "+q) {
			lines = append(lines, r[0])
		}
		return strings.Join(lines, "\n")
	}

	noSort := regexp.MustCompile(`(?m)^ *Sort, `)
	q := "SELECT k, s, v FROM o.t ORDER BY k, s, v"
	assert.Contains(t, explain(q), "MergeSort, by: [k, s, v]")
	assert.NotRegexp(t, noSort, explain(q))
	assert.Equal(t, texts(sorted), run(t, n, q))

	for _, lim := range []struct{ offset, count int }{{0, 1}, {0, 10}, {3, 7}, {70, 20}} {
		q := fmt.Sprintf("SELECT k, s, v FROM o.t ORDER BY k, s, v LIMIT %d OFFSET %d", lim.count, lim.offset)
		from, to := min(lim.offset, len(sorted)), min(lim.offset+lim.count, len(sorted))
		assert.Contains(t, explain(q), fmt.Sprintf("LocalLimit, n: %d", lim.offset+lim.count), q)
		assert.Equal(t, texts(sorted[from:to]), run(t, n, q), q)

		q = fmt.Sprintf("SELECT k, s, v FROM o.t ORDER BY k DESC, s DESC, v DESC LIMIT %d OFFSET %d", lim.count, lim.offset)
		desc := slices.Clone(sorted)
		slices.Reverse(desc) // NULLs last
		assert.Contains(t, explain(q), fmt.Sprintf("TailLimit, n: %d", lim.offset+lim.count), q)
		assert.Equal(t, texts(desc[from:to]), run(t, n, q), q)
	}

	// GROUP BY k: the groups of every file merged in key order, NULL first.
	type group struct {
		k          *int64
		count, sum int64
	}
	var groups []group
	for _, r := range sorted {
		if len(groups) == 0 || (groups[len(groups)-1].k == nil) != (r.k == nil) || r.k != nil && *groups[len(groups)-1].k != *r.k {
			groups = append(groups, group{k: r.k})
		}
		g := &groups[len(groups)-1]
		g.count++
		g.sum += r.v
	}
	groupTexts := func(gs []group) [][]string {
		out := make([][]string, len(gs))
		for i, g := range gs {
			out[i] = []string{evRow{k: g.k}.text()[0], strconv.FormatInt(g.count, 10), strconv.FormatInt(g.sum, 10)}
		}
		return out
	}
	q = "SELECT k, COUNT(*), SUM(v) FROM o.t GROUP BY k ORDER BY k"
	plan := explain(q)
	assert.Contains(t, plan, "FinalInplaceAggregate, by: [k]")
	assert.Contains(t, plan, "MergeSort, by: [k]")
	assert.NotRegexp(t, noSort, plan)
	assert.Equal(t, groupTexts(groups), run(t, n, q))
	q = "SELECT k, COUNT(*), SUM(v) FROM o.t GROUP BY k ORDER BY k DESC LIMIT 5"
	assert.Contains(t, explain(q), "TailLimit, n: 5")
	desc := slices.Clone(groups)
	slices.Reverse(desc)
	assert.Equal(t, groupTexts(desc[:5]), run(t, n, q))

	// EXPLAIN ANALYZE: the merge gave the rows the LIMIT needs, each stream at most as many.
	got := run(t, n, "EXPLAIN ANALYZE SELECT k, s, v FROM o.t ORDER BY k, s, v LIMIT 4")
	figures := `\[rows=(\d+) batches=\d+ time=[0-9.]+(ns|µs|ms|s)\]`
	m := regexp.MustCompile(`(?m)^  MergeSort, by: \[k, s, v\], limit: 4 ` + figures + `$`).FindStringSubmatch(got[0][2])
	require.NotNil(t, m, got[0][2])
	assert.Equal(t, "4", m[1])
	m = regexp.MustCompile(`(?m)^    LocalLimit, n: 4 ` + figures + `$`).FindStringSubmatch(got[0][2])
	require.NotNil(t, m, got[0][2])
	files, _ := strconv.Atoi(run(t, n, "SELECT COUNT(*) FROM system.chunks WHERE table_name = 't' AND index_name = 'default'")[0][0])
	streamed, _ := strconv.Atoi(m[1])
	assert.LessOrEqual(t, streamed, 4*files)
}
