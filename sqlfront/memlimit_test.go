package sqlfront_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/node"
	"github.com/vcubedb/vcube/internal/sqlerr"
)

// TestQueryMemoryLimit: a query whose hash table, sort or join passes --query-memory-limit fails with 1037 and
// leaves the server answering; queries within the limit run as before.
func TestQueryMemoryLimit(t *testing.T) {
	n, err := node.Open(context.Background(), node.Config{DataDir: t.TempDir(), QueryMemoryLimit: 2 << 20, CompactionInterval: -1})
	require.NoError(t, err)
	defer n.Close()
	run := func(sql string) ([][]string, error) {
		res, err := n.Engine.Execute(context.Background(), nil, sql)
		if err != nil {
			return nil, err
		}
		defer res.Release()
		return res.TextRows(), nil
	}
	_, err = run("CREATE SCHEMA m")
	require.NoError(t, err)
	_, err = run("CREATE TABLE m.t (id bigint, s text)")
	require.NoError(t, err)
	for chunk := 0; chunk < 4; chunk++ {
		var vals []string
		for i := 0; i < 25000; i++ {
			id := chunk*25000 + i
			vals = append(vals, fmt.Sprintf("(%d, '%s-%d')", id, strings.Repeat("x", 20), id))
		}
		_, err = run("INSERT INTO m.t VALUES " + strings.Join(vals, ", "))
		require.NoError(t, err)
	}
	for _, sql := range []string{
		"SELECT s, COUNT(*) FROM m.t GROUP BY s",             // 100,000 groups
		"SELECT COUNT(DISTINCT s) FROM m.t",                  // 100,000 distinct values
		"SELECT id, s FROM m.t ORDER BY s DESC",              // all rows sorted
		"SELECT COUNT(*) FROM m.t a JOIN m.t b ON a.s = b.s", // a 100,000-row build side (no index leads with s)
		"SELECT id FROM m.t WHERE s IN (SELECT s FROM m.t)",  // a 100,000-value set
	} {
		_, err := run(sql)
		require.Error(t, err, sql)
		se := sqlerr.From(err)
		assert.EqualValues(t, 1037, se.Num, "%s: %v", sql, err)
		assert.Contains(t, se.Message, "--query-memory-limit", sql)
	}
	got, err := run("SELECT COUNT(*), MAX(id) FROM m.t")
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"100000", "99999"}}, got)
	// The join on id, which leads the index, is a MergeJoin: it holds one key's rows, not a side.
	got, err = run("SELECT COUNT(*) FROM m.t a JOIN m.t b ON a.id = b.id")
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"100000"}}, got)
	got, err = run("SELECT id FROM m.t ORDER BY s DESC LIMIT 2")
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"99999"}, {"99998"}}, got)
}
