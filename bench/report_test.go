package bench

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixture(t *testing.T) *Result {
	t.Helper()
	res, err := ReadResult(filepath.Join("testdata", "result.json"))
	require.NoError(t, err)
	return res
}

func TestEvaluateGoals(t *testing.T) {
	goals := EvaluateGoals(fixture(t))
	met := map[string]bool{}
	for _, g := range goals {
		met[g.Goal] = g.Met
	}
	assert.Equal(t, map[string]bool{
		"q2 prefix_group at least as fast as DuckDB over its tables":                 false, // 45 ms against 30 ms
		"q8 point_range at least as fast as DuckDB over its tables":                  true,
		"q4 hash_group within 1.5x of DuckDB over Parquet":                           false, // 300 ms against 150 ms
		"ingest at least 1M rows/s":                                                  true,
		"q8 point_range at 32 clients: at least 2000 queries/s with p99 under 50 ms": true,
	}, met)
}

func TestMarkdown(t *testing.T) {
	res := fixture(t)
	res.Goals = EvaluateGoals(res)
	var sb strings.Builder
	Markdown(&sb, []*Result{res}, []string{"benchmarks-10m.svg"})
	md := sb.String()
	for _, want := range []string{
		"## 10.00M rows",
		"load average 1.00 0.50 0.25 at the start. vcube dev, DuckDB v1.5.5",
		"| vcube | 1.25M | 8.0 | 14.2 | 12.5 | 1.00 GiB | 200.0 MiB | import |",
		"| query | vcube | duckdb-tables-2t | duckdb-parquet-2t | duckdb-tables-1t | duckdb-parquet-1t |",
		"| q2 prefix_group | 86.7 ms | 56.7 ms | - | - | - |",
		"| query | rows out | vcube | vcube min / p95 | vcube rows/s | duckdb-tables-2t | ratio | duckdb-parquet-2t | ratio | duckdb-tables-1t | duckdb-parquet-1t | bytes read | answers |",
		"| q2 prefix_group | 20 | 45.0 ms | 40.0 ms / 50.0 ms | 222.22M | 30.0 ms | **1.50** | 90.0 ms | 0.50 | 55.0 ms | error | 5.0 MiB | ok |",
		"| q8 point_range | 1 | 1.00 ms |",
		"mismatch: vcube against DuckDB tables: row 1 column 1: 3 against 4 |",
		"![vcube's time over DuckDB's per query, 10.00M rows](benchmarks-10m.svg)",
		"| q8 point_range | 32 | 3000 | 9.00 ms | 20.0 ms | 2000 | >= 40.0 ms (2 cut off) |",
		"| q4 hash_group within 1.5x of DuckDB over Parquet | no | 300 ms against 150 ms: ratio 2.00 |",
		"- **q4 hash_group** (300 ms; scans read 10.00M rows from 5 of 5 files): `PartialHashAggregate, by: [platform]` 200 ms (69%)",
		"`Scan, table: bench.orders, index: by_category` 30.0 ms (50%); `PartialInplaceAggregate, by: [product_category]` 20.0 ms (33%)",
		"- a note about the machine",
	} {
		assert.Contains(t, md, want)
	}
	// Slowest first in the profile list.
	assert.Less(t, strings.Index(md, "- **q4"), strings.Index(md, "- **q2"))
	assert.Less(t, strings.Index(md, "- **q2"), strings.Index(md, "- **q8"))
	// Every query of the workload is described with its SQL.
	for _, q := range Queries {
		assert.Contains(t, md, "`"+q.SQL+"`")
	}
}

func TestSVG(t *testing.T) {
	var sb strings.Builder
	SVG(&sb, fixture(t))
	svg := sb.String()
	// Well-formed XML with one bar per ratio drawn (three queries, against tables and Parquet).
	dec := xml.NewDecoder(strings.NewReader(svg))
	bars, root := 0, ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "title" {
				bars++
			}
		}
	}
	assert.Equal(t, "svg", root)
	assert.Equal(t, 6, bars)
	assert.Contains(t, svg, "q2 prefix_group")
	assert.Contains(t, svg, "q2: vcube against duckdb-tables-2t: 1.500")
	assert.Contains(t, svg, "q4: vcube against duckdb-parquet-2t: 2.000")
}

func TestWriteDocsAndText(t *testing.T) {
	dir := t.TempDir()
	res := fixture(t)
	small := fixture(t)
	small.Scale, small.Rows = "1m", 1_000_000
	require.NoError(t, WriteDocs(filepath.Join(dir, "benchmarks.md"), []*Result{res, small}))
	md, err := os.ReadFile(filepath.Join(dir, "benchmarks.md"))
	require.NoError(t, err)
	assert.Less(t, strings.Index(string(md), "## 1.00M rows"), strings.Index(string(md), "## 10.00M rows"), "smaller scales first")
	assert.FileExists(t, filepath.Join(dir, "benchmarks-10m.svg"))
	assert.FileExists(t, filepath.Join(dir, "benchmarks-1m.svg"))

	res.Goals = EvaluateGoals(res)
	var sb strings.Builder
	Text(&sb, res)
	out := sb.String()
	assert.Contains(t, out, "goal MISSED q2 prefix_group at least as fast as DuckDB over its tables")
	assert.Contains(t, out, "goal met    ingest at least 1M rows/s")
	assert.Contains(t, out, "q8 answer mismatch: vcube against DuckDB tables")
}

func TestResultRoundTrip(t *testing.T) {
	res := fixture(t)
	path := filepath.Join(t.TempDir(), "sub", "r.json")
	require.NoError(t, res.WriteFile(path))
	back, err := ReadResult(path)
	require.NoError(t, err)
	assert.Equal(t, res, back)

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	m["format"] = 99
	b, _ = json.Marshal(m)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	_, err = ReadResult(path)
	assert.ErrorContains(t, err, "result format 99")
}

// explainAnswer is what vcube answers to EXPLAIN ANALYZE FORMAT=JSON (one row: node type, node name, plan).
const explainAnswer = `{"columns":[{"name":"node type","type":"text"},{"name":"node name","type":"text"},{"name":"physical plan","type":"text"}],"rows":[["router","","{\"node\":\"Projection\",\"detail\":\"Projection, [c]\",\"figures\":{\"batches\":1,\"rows\":2,\"time_us\":10},\"children\":[{\"node\":\"FinalHashAggregate\",\"detail\":\"FinalHashAggregate, by: [c]\",\"figures\":{\"rows\":2,\"time_us\":500},\"children\":[{\"node\":\"Merge\",\"detail\":\"Merge\",\"figures\":{\"rows\":4,\"time_us\":1500},\"children\":[{\"node\":\"Scan\",\"detail\":\"Scan, table: s.t\",\"figures\":{\"rows\":1000,\"time_us\":3000,\"bytes\":4096,\"files\":2,\"files_total\":3,\"row_groups\":2,\"row_groups_pruned\":1}},{\"node\":\"Scan\",\"detail\":\"Scan, table: s.u\",\"figures\":{\"rows\":10,\"time_us\":0,\"bytes\":100,\"files\":1,\"files_total\":1,\"row_groups\":1,\"row_groups_pruned\":0}}]}]}]}"]]}`

func TestParseExplain(t *testing.T) {
	a, err := decodeAnswer([]byte(explainAnswer))
	require.NoError(t, err)
	p, err := parseExplain(a)
	require.NoError(t, err)
	assert.Equal(t, int64(4196), p.BytesRead)
	assert.Equal(t, int64(1010), p.RowsScanned)
	assert.Equal(t, int64(3), p.Files)
	assert.Equal(t, int64(4), p.FilesTotal)
	assert.InDelta(t, 5.01, p.TotalMS, 1e-9)
	require.Len(t, p.Top, 3)
	assert.Equal(t, []string{"Scan", "Merge", "FinalHashAggregate"}, []string{p.Top[0].Node, p.Top[1].Node, p.Top[2].Node})
	assert.Equal(t, 3.0, p.Top[0].TimeMS)
	assert.InDelta(t, 3.0/5.01, p.Top[0].Share, 1e-9)
	assert.Contains(t, p.Plan, "      Scan, table: s.t [rows=1000 time=3.00ms bytes=4096 files=2/3 row_groups=2/3]\n")

	_, err = parseExplain(&Answer{Rows: [][]any{{"router", "", "not json"}}})
	assert.Error(t, err)
}
