package sqlfront_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/node"
)

// compactionNode is a node whose partitions split at 20 rows and whose compaction runs only when a test says.
func compactionNode(t *testing.T) *node.Node {
	t.Helper()
	n, err := node.Open(context.Background(), node.Config{DataDir: t.TempDir(), PartitionSplitThreshold: 20,
		CompactionMinChunks: 2, CompactionInterval: -1})
	require.NoError(t, err)
	t.Cleanup(func() { n.Close() })
	return n
}

func run(t *testing.T, n *node.Node, sql string) [][]string {
	t.Helper()
	res, err := n.Engine.Execute(context.Background(), nil, sql)
	require.NoError(t, err, sql)
	defer res.Release()
	return res.TextRows()
}

func TestCompactionMergesSplitsAndRollsUp(t *testing.T) {
	n := compactionNode(t)
	run(t, n, "CREATE SCHEMA c")
	run(t, n, "CREATE TABLE c.t (k int, grp text, v bigint) AGGREGATIONS (sum(v)) AGGREGATE INDEX by_grp (grp)")
	// Five inserts of 13 rows: keys interleave across chunks, so partitions must be merged, not concatenated.
	for i := 0; i < 5; i++ {
		var vals []string
		for j := 0; j < 13; j++ {
			k := j*5 + i
			vals = append(vals, fmt.Sprintf("(%d, 'g%d', %d)", k, k%3, k))
		}
		run(t, n, "INSERT INTO c.t VALUES "+strings.Join(vals, ", "))
	}
	before := run(t, n, "SELECT grp, COUNT(*), SUM(v), MIN(k), MAX(k) FROM c.t GROUP BY grp ORDER BY grp")
	compacted, err := n.Engine.CompactOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, compacted, "both indexes had new chunks")

	// The default index: 65 rows in partitions of at most 20, disjoint, covering every key once.
	parts := run(t, n, "SELECT min_key, max_key, row_count FROM system.partitions WHERE index_name = 'default' ORDER BY partition_id")
	require.GreaterOrEqual(t, len(parts), 4, "65 rows at 20 a partition split into at least 4")
	total := 0
	prevMax := -1
	for _, p := range parts {
		var lo, hi, rows int
		fmt.Sscan(p[0], &lo)
		fmt.Sscan(p[1], &hi)
		fmt.Sscan(p[2], &rows)
		assert.LessOrEqual(t, rows, 20)
		assert.Greater(t, lo, prevMax, "partitions overlap: %v", parts)
		prevMax = hi
		total += rows
	}
	assert.Equal(t, 65, total)
	assert.Equal(t, [][]string{{"0"}}, run(t, n, "SELECT COUNT(*) FROM system.chunks WHERE level = 0"))
	// The aggregate index rolled its 65 rows into one row per group.
	assert.Equal(t, [][]string{{"3"}}, run(t, n, "SELECT SUM(row_count) FROM system.partitions WHERE index_name = 'by_grp'"))
	// Queries see the same data.
	assert.Equal(t, before, run(t, n, "SELECT grp, COUNT(*), SUM(v), MIN(k), MAX(k) FROM c.t GROUP BY grp ORDER BY grp"))
	// A point query reads one partition.
	plan := run(t, n, "EXPLAIN SELECT v FROM c.t WHERE k = 42")
	assert.Contains(t, plan[0][0], "chunks pruned: "+fmt.Sprint(len(parts)-1))

	// New writes become new chunks, and the next pass merges them into the partitions they overlap.
	run(t, n, "INSERT INTO c.t VALUES (1000, 'g9', 1), (1001, 'g9', 2)")
	run(t, n, "INSERT INTO c.t VALUES (-5, 'g9', 3)")
	_, err = n.Engine.CompactOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"68", "2086"}}, run(t, n, "SELECT COUNT(*), SUM(v) FROM c.t"))
	assert.Equal(t, [][]string{{"0"}}, run(t, n, "SELECT COUNT(*) FROM system.chunks WHERE level = 0"))
	jobs := run(t, n, "SELECT status, COUNT(*) FROM system.jobs GROUP BY status")
	assert.Equal(t, [][]string{{"done", "4"}}, jobs)
	show := run(t, n, "SHOW PARTITIONS FROM c.t")
	assert.NotEmpty(t, show)

	// Files of replaced chunks are gone: what is on disk is exactly what the catalog points to.
	files := run(t, n, "SELECT COUNT(*) FROM system.chunks")
	removed, err := n.Data.RemoveOrphans(n.Catalog.Snapshot().Files())
	require.NoError(t, err)
	assert.Empty(t, removed, "compaction left files the catalog no longer points to (%v chunks)", files)
}

func TestQueriesDuringCompactionSeeEveryRow(t *testing.T) {
	n := compactionNode(t)
	run(t, n, "CREATE SCHEMA q")
	run(t, n, "CREATE TABLE q.t (k int)")
	for i := 0; i < 20; i++ {
		run(t, n, fmt.Sprintf("INSERT INTO q.t VALUES (%d), (%d), (%d)", i, i+100, i+200))
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 1000)
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := n.Engine.Execute(context.Background(), nil, "SELECT COUNT(*), SUM(k) FROM q.t")
				if err != nil {
					errs <- err
					return
				}
				// Rows only arrive (zeros, which leave the sum alone): a query sees all 60 first rows, whole.
				got := res.TextRows()
				var count int
				fmt.Sscan(got[0][0], &count)
				if got[0][1] != "6570" || count < 60 || count > 66 {
					errs <- fmt.Errorf("a query during compaction saw %v", got)
				}
				res.Release()
			}
		}()
	}
	for i := 0; i < 3; i++ {
		_, err := n.Engine.CompactOnce(context.Background())
		require.NoError(t, err)
		run(t, n, fmt.Sprintf("INSERT INTO q.t VALUES (%d)", 0))
		run(t, n, fmt.Sprintf("INSERT INTO q.t VALUES (%d)", 0))
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A pass makes at most 16 partitions; partitions it leaves over the threshold are split by later passes.
func TestCompactionSplitsOversizedPartitionsLater(t *testing.T) {
	n := compactionNode(t)
	run(t, n, "CREATE SCHEMA o")
	run(t, n, "CREATE TABLE o.t (k int)")
	for part := 0; part < 2; part++ {
		var vals []string
		for k := part; k < 400; k += 2 {
			vals = append(vals, fmt.Sprintf("(%d)", k))
		}
		run(t, n, "INSERT INTO o.t VALUES "+strings.Join(vals, ", "))
	}
	_, err := n.Engine.CompactOnce(context.Background())
	require.NoError(t, err)
	first := run(t, n, "SELECT COUNT(*), MAX(row_count) FROM system.partitions")
	assert.Equal(t, [][]string{{"16", "25"}}, first, "400 rows in at most 16 partitions of 25")
	for i := 0; i < 40; i++ {
		if run(t, n, "SELECT COUNT(*) FROM system.partitions WHERE row_count > 20")[0][0] == "0" {
			break
		}
		_, err := n.Engine.CompactOnce(context.Background())
		require.NoError(t, err)
	}
	assert.Equal(t, [][]string{{"0"}}, run(t, n, "SELECT COUNT(*) FROM system.partitions WHERE row_count > 20"))
	assert.Equal(t, [][]string{{"400", "79800"}}, run(t, n, "SELECT COUNT(*), SUM(k) FROM o.t"))
}

// TestUniqueKeyLastRowWins writes random rows to UNIQUE KEY tables, with and without __seq, compacting now and
// then with 20-row partitions, and checks after every step that each key shows exactly its last row, whatever
// mix of partitions and fresh chunks holds the data, in both indexes, and under filters that could prune.
func TestUniqueKeyLastRowWins(t *testing.T) {
	for _, withSeq := range []bool{false, true} {
		t.Run(fmt.Sprintf("seq=%v", withSeq), func(t *testing.T) {
			n := compactionNode(t)
			run(t, n, "CREATE SCHEMA c")
			cols := "id int, grp text, v bigint"
			if withSeq {
				cols += ", __seq bigint"
			}
			run(t, n, "CREATE TABLE c.u ("+cols+") UNIQUE KEY (id) INDEX by_grp (id, grp)")
			type row struct {
				grp      string
				v, seq   int
				hasValue bool
			}
			model := map[int]row{}
			rng := uint64(42)
			next := func(n int) int { rng = rng*6364136223846793005 + 1442695040888963407; return int(rng>>33) % n }
			check := func(step int) {
				var want [][]string
				for id := 0; id < 60; id++ {
					if r, ok := model[id]; ok {
						want = append(want, []string{fmt.Sprint(id), r.grp, fmt.Sprint(r.v)})
					}
				}
				got := run(t, n, "SELECT id, grp, v FROM c.u ORDER BY id")
				require.Equal(t, want, got, "step %d", step)
				assert.Equal(t, [][]string{{fmt.Sprint(len(want))}}, run(t, n, "SELECT COUNT(*) FROM c.u"), "step %d", step)
				// A filter on a column outside the key must not bring back a replaced row.
				var small [][]string
				for _, w := range want {
					if w[2] == "7" {
						small = append(small, []string{w[0]})
					}
				}
				assert.Equal(t, small, run(t, n, "SELECT id FROM c.u WHERE v = 7 ORDER BY id"), "step %d", step)
			}
			for step := 0; step < 12; step++ {
				var vals []string
				for j := 0; j < 15; j++ {
					id, v, seq := next(60), next(10), next(5)
					r := row{grp: fmt.Sprintf("g%d", next(3)), v: v, seq: seq}
					val := fmt.Sprintf("(%d, '%s', %d", id, r.grp, v)
					if withSeq {
						val += fmt.Sprintf(", %d", seq)
					}
					vals = append(vals, val+")")
					if old, ok := model[id]; ok && withSeq && old.seq > seq {
						continue
					}
					model[id] = r
				}
				run(t, n, "INSERT INTO c.u VALUES "+strings.Join(vals, ", "))
				check(step)
				if step%3 == 2 {
					_, err := n.Engine.CompactOnce(context.Background())
					require.NoError(t, err)
					check(step)
					parts := run(t, n, "SELECT SUM(row_count), MAX(row_count) FROM system.partitions WHERE index_name = 'default'")
					assert.Equal(t, fmt.Sprint(len(model)), parts[0][0], "partitions hold one row per key")
					parts = run(t, n, "SELECT SUM(row_count) FROM system.partitions WHERE index_name = 'by_grp'")
					assert.Equal(t, fmt.Sprint(len(model)), parts[0][0], "the second index too")
				}
			}
		})
	}
}

// TestJobsSurviveRestart: compaction jobs are recorded in the catalog, so system.jobs lists them after a
// restart of the node.
func TestJobsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := node.Config{DataDir: dir, PartitionSplitThreshold: 20, CompactionMinChunks: 2, CompactionInterval: -1}
	n, err := node.Open(context.Background(), cfg)
	require.NoError(t, err)
	run(t, n, "CREATE SCHEMA j")
	run(t, n, "CREATE TABLE j.t (k int)")
	run(t, n, "INSERT INTO j.t VALUES (1), (2)")
	run(t, n, "INSERT INTO j.t VALUES (3)")
	_, err = n.Engine.CompactOnce(context.Background())
	require.NoError(t, err)
	before := run(t, n, "SELECT job_id, job_type, table_schema, table_name, index_name, status, inputs, outputs, row_count FROM system.jobs")
	require.Equal(t, [][]string{{before[0][0], "compaction", "j", "t", "default", "done", "2", "1", "3"}}, before)
	require.NoError(t, n.Close())

	n, err = node.Open(context.Background(), cfg)
	require.NoError(t, err)
	defer n.Close()
	assert.Equal(t, before, run(t, n, "SELECT job_id, job_type, table_schema, table_name, index_name, status, inputs, outputs, row_count FROM system.jobs"))
}
