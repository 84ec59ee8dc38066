package sqlfront_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/node"
	"github.com/vcubedb/vcube/sqlfront"
)

// One real single-node vcube (embedded etcd, Parquet files in a temp dir) for the engine tests; each test uses
// its own schema.
var testNode *node.Node

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vcube-sqlfront")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testNode, err = node.Open(context.Background(), node.Config{DataDir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	testNode.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

func exec(t testing.TB, sql string) *sqlfront.Result {
	t.Helper()
	res, err := testNode.Engine.Execute(context.Background(), nil, sql)
	require.NoError(t, err, sql)
	return res
}

func rows(t testing.TB, sql string) [][]string {
	t.Helper()
	res := exec(t, sql)
	defer res.Release()
	return res.TextRows()
}

func TestExplainAnalyzeReportsFigures(t *testing.T) {
	exec(t, "CREATE SCHEMA ea")
	exec(t, "CREATE TABLE ea.t (k int, v double)")
	exec(t, "INSERT INTO ea.t VALUES (1, 1.5), (2, 2.5), (1, 3)")
	exec(t, "INSERT INTO ea.t VALUES (3, 0.5)")
	got := rows(t, "EXPLAIN ANALYZE SELECT k, SUM(v) FROM ea.t WHERE v > 1 GROUP BY k")
	require.Len(t, got, 1)
	assert.Equal(t, "router", got[0][0])
	assert.Equal(t, "", got[0][1])
	plan := got[0][2]
	figures := `\[rows=%d batches=\d+ time=[0-9.]+(ns|µs|ms|s)`
	for _, want := range []string{
		`(?m)^Projection, \[k, sum\(v\)\] ` + fmt.Sprintf(figures, 2) + `\]$`,
		`(?m)^  FullInplaceAggregate, by: \[k\], aggs: \[sum\(v\)\] ` + fmt.Sprintf(figures, 2) + `\]$`,
		`(?m)^    Filter, predicate: \(v > 1\) ` + fmt.Sprintf(figures, 3) + `\]$`,
		// The second chunk holds only v = 0.5: its bounds rule it out before it is opened.
		`(?m)^      Scan, table: ea.t, index: default:\d+:\[\d+\], fields: \*, ranges: \[v in \(1, \+inf\)\], chunks pruned: 1 ` +
			fmt.Sprintf(figures, 3) + ` bytes=[1-9]\d* files=1/2 row_groups=1/1\]$`,
	} {
		assert.Regexp(t, regexp.MustCompile(want), plan)
	}
}

func TestExplainAnalyzeJSON(t *testing.T) {
	exec(t, "CREATE SCHEMA ej")
	exec(t, "CREATE TABLE ej.t (k int, v double)")
	exec(t, "INSERT INTO ej.t VALUES (1, 1.5), (2, 2.5), (1, 3)")
	exec(t, "INSERT INTO ej.t VALUES (3, 0.5), (1, 4)")
	got := rows(t, "explain analyze format = json SELECT k, COUNT(*) FROM ej.t GROUP BY k")
	require.Len(t, got, 1)
	assert.Equal(t, "router", got[0][0])
	type node struct {
		Node     string         `json:"node"`
		Detail   string         `json:"detail"`
		Fields   []string       `json:"fields"`
		Figures  map[string]any `json:"figures"`
		Children []*node        `json:"children"`
	}
	var root node
	require.NoError(t, json.Unmarshal([]byte(got[0][2]), &root), got[0][2])
	// Projection -> FinalInplaceAggregate -> MergeSort -> PartialInplaceAggregate -> Scan, every node with its figures.
	var names []string
	var scan *node
	for n := &root; n != nil; {
		names = append(names, n.Node)
		require.Contains(t, n.Figures, "rows", n.Node)
		require.Contains(t, n.Figures, "time_us", n.Node)
		if n.Node == "Scan" {
			scan = n
		}
		if len(n.Children) == 0 {
			break
		}
		n = n.Children[0]
	}
	assert.Equal(t, []string{"Projection", "FinalInplaceAggregate", "MergeSort", "PartialInplaceAggregate", "Scan"}, names)
	assert.Equal(t, float64(3), root.Figures["rows"])
	assert.Equal(t, []string{"k int", "count(*) bigint"}, root.Fields)
	require.NotNil(t, scan)
	assert.Equal(t, float64(5), scan.Figures["rows"])
	assert.Equal(t, float64(2), scan.Figures["files"])
	assert.Positive(t, scan.Figures["bytes"])
}

func TestConcurrentInsertsAndQueries(t *testing.T) {
	exec(t, "CREATE SCHEMA cc")
	exec(t, "CREATE TABLE cc.t (w int, n int)")
	const writers, perWriter = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter*2)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				res, err := testNode.Engine.Execute(context.Background(), nil, fmt.Sprintf("INSERT INTO cc.t VALUES (%d, %d), (%d, %d)", w, i, w, i))
				if err != nil {
					errs <- err
					continue
				}
				res.Release()
				res, err = testNode.Engine.Execute(context.Background(), nil, "SELECT w, COUNT(*) FROM cc.t GROUP BY w")
				if err != nil {
					errs <- err
					continue
				}
				res.Release()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, [][]string{{fmt.Sprint(writers * perWriter * 2)}}, rows(t, "SELECT COUNT(*) FROM cc.t"))
}

func TestDropTableRemovesItsFiles(t *testing.T) {
	exec(t, "CREATE SCHEMA dr")
	exec(t, "CREATE TABLE dr.t (a int)")
	exec(t, "INSERT INTO dr.t VALUES (1)")
	snap := testNode.Catalog.Snapshot()
	table, ok := snap.Table("dr", "t")
	require.True(t, ok)
	chunks := snap.Chunks(table.ID)
	require.Len(t, chunks, 1)
	path := testNode.Data.Dir() + "/" + chunks[0].File
	_, err := os.Stat(path)
	require.NoError(t, err)
	exec(t, "DROP TABLE dr.t")
	_, err = os.Stat(path)
	assert.True(t, os.IsNotExist(err), "the dropped table's file is still there")
}

func TestErrorsAreMySQLErrors(t *testing.T) {
	_, err := testNode.Engine.Execute(context.Background(), nil, "SELECT * FROM nosuch.t")
	var se *sqlerror.SQLError
	require.True(t, errors.As(err, &se))
	assert.Equal(t, sqlerror.ERNoSuchTable, se.Num)
	assert.Equal(t, "42S02", se.State)
}

func TestCancelledQueryIsInterrupted(t *testing.T) {
	exec(t, "CREATE SCHEMA cq")
	exec(t, "CREATE TABLE cq.t (a int)")
	exec(t, "INSERT INTO cq.t VALUES (1)")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := testNode.Engine.Execute(ctx, nil, "SELECT a FROM cq.t")
	var se *sqlerror.SQLError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, sqlerror.ERQueryInterrupted, se.Num)
}

// FuzzQuery: no statement may crash the engine; every failure is a MySQL error.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "SELECT a, SUM(b) FROM fz.t WHERE a > 1 GROUP BY a HAVING SUM(b) > 0 ORDER BY 2 DESC LIMIT 3",
		"SELECT CAST(c AS DECIMAL(5,2)) FROM fz.t", "SELECT c LIKE 'a%' FROM fz.t", "SELECT DISTINCT c FROM fz.t",
		"SELECT a / 0, a DIV 0, -a, a IN (1, NULL) FROM fz.t", "INSERT INTO fz.t VALUES (1, 2.5, 'x')",
		"SELECT COUNT(*) FROM fz.t WHERE c BETWEEN 'a' AND 'z'", "EXPLAIN SELECT * FROM fz.t",
		"SELECT x.a, y.c FROM fz.t x LEFT JOIN fz.t y ON x.a = y.a AND y.b > 0 WHERE x.c IS NOT NULL",
		"SELECT a FROM fz.t UNION ALL SELECT b FROM fz.t ORDER BY 1 LIMIT 2",
		"SELECT * FROM (SELECT a, COUNT(DISTINCT c) n FROM fz.t GROUP BY a) d WHERE d.n > 0",
		"SELECT a FROM fz.t WHERE a IN (SELECT a FROM fz.t WHERE b > (SELECT MIN(b) FROM fz.t))",
		"SELECT CASE WHEN a > 1 THEN CONCAT(c, 'x') ELSE UPPER(c) END, ROUND(b, 1), DATE_TRUNC('day', NOW()) FROM fz.t",
		"SELECT SUBSTRING(c, -2, 5), LPAD(c, 4, '*'), GREATEST(a, b), DATE_ADD('2024-01-31', INTERVAL 1 MONTH) FROM fz.t",
		"EXPLAIN FORMAT=JSON SELECT a, SUM(b) FROM fz.t GROUP BY a",
	} {
		f.Add(s)
	}
	var once sync.Once
	f.Fuzz(func(t *testing.T, sql string) {
		once.Do(func() {
			testNode.Engine.Execute(context.Background(), nil, "CREATE SCHEMA IF NOT EXISTS fz")
			testNode.Engine.Execute(context.Background(), nil, "CREATE TABLE IF NOT EXISTS fz.t (a int, b double, c text)")
			testNode.Engine.Execute(context.Background(), nil, "INSERT INTO fz.t VALUES (1, 1.5, 'a'), (NULL, NULL, NULL), (3, -2, 'zz')")
		})
		res, err := testNode.Engine.Execute(context.Background(), nil, sql)
		if err != nil {
			var se *sqlerror.SQLError
			if !errors.As(err, &se) {
				t.Fatalf("%q: error is not a MySQL error: %v", sql, err)
			}
			if se.Num == sqlerror.ERUnknownError && regexp.MustCompile(`internal error|panic`).MatchString(se.Message) {
				t.Fatalf("%q: %v", sql, se)
			}
			return
		}
		res.Release()
	})
}
