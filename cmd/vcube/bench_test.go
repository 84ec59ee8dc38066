package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/bench"
)

func runBench(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(vcubeBin, append([]string{"bench"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	}
	require.NoError(t, err)
	return 0, out.String(), errb.String()
}

// TestBenchEndToEnd runs vcube bench at a tiny scale against the server it starts, and checks its answers
// against references computed in Go from the generated rows.
func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads data")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "result.json")
	code, stdout, stderr := runBench(t, "--scale", "20k", "--seed", "3", "--runs", "2", "--concurrency", "2",
		"--load-time", "200ms", "--cache-dir", filepath.Join(dir, "cache"), "--out", out)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "result: "+out)
	assert.Contains(t, stdout, "q8 point_range")

	res, err := bench.ReadResult(out)
	require.NoError(t, err)
	assert.Equal(t, int64(20_000), res.Rows)
	assert.True(t, res.Dataset.Generated)
	ing := res.IngestOf(bench.Vcube)
	require.NotNil(t, ing)
	assert.Equal(t, int64(20_000), ing.Rows)
	assert.Greater(t, ing.RowsPerSec, 0.0)
	assert.Greater(t, ing.PeakRSSBytes, int64(0))
	assert.Greater(t, ing.DiskBytes, int64(0))
	require.Len(t, res.Queries, len(bench.Queries))
	for _, q := range res.Queries {
		v := q.Timing(bench.Vcube)
		require.NotNil(t, v, q.ID)
		assert.Empty(t, v.Error, q.ID)
		assert.Len(t, v.RunsMS, 2, q.ID)
		assert.Equal(t, "unchecked", q.Check.Status, q.ID)
		require.NotNil(t, q.Profile, q.ID)
		assert.NotEmpty(t, q.Profile.Top, q.ID)
		assert.Greater(t, q.Profile.RowsScanned, int64(0), q.ID)
		l := q.Load(bench.Vcube, 2)
		require.NotNil(t, l, q.ID)
		assert.Greater(t, l.Queries, 0, q.ID)
		assert.Zero(t, l.Errors, "%s: %s", q.ID, l.FirstError)
	}

	refs := references(bench.NewGenerator(3, 20_000))
	for id, want := range refs {
		q := res.Query(id)
		require.NotNil(t, q, id)
		if len(want) > 50 {
			assert.Equal(t, len(want), q.ResultRows, id)
			continue
		}
		require.Equal(t, len(want), q.ResultRows, id)
		ok, why := bench.Compare(q.Answer, want)
		assert.True(t, ok, "%s: %s\nvcube: %v\nGo:    %v", id, why, q.Answer, want)
	}

	// The data set is cached: a second run reuses it.
	code, stdout, stderr = runBench(t, "--scale", "20k", "--seed", "3", "--runs", "1", "--queries", "q1",
		"--concurrency", "none", "--cache-dir", filepath.Join(dir, "cache"), "--out", out)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	res, err = bench.ReadResult(out)
	require.NoError(t, err)
	assert.False(t, res.Dataset.Generated)
	require.Len(t, res.Queries, 1)
	assert.Empty(t, res.Queries[0].Loads)
	ok, why := bench.Compare(res.Queries[0].Answer, refs["q1"])
	assert.True(t, ok, why)
}

// references computes, from the generated rows, the answers of the queries in bench.Queries (normal form).
func references(g *bench.Generator) map[string][][]string {
	type sums struct {
		n, count, cents, priceCents int64
		zips, products              map[int]bool
	}
	add := func(m map[string]*sums, key string, r bench.Row) {
		s := m[key]
		if s == nil {
			s = &sums{zips: map[int]bool{}, products: map[int]bool{}}
			m[key] = s
		}
		s.n++
		s.count += r.Count
		s.cents += r.TotalCents
		s.priceCents += r.PriceCents
		s.zips[r.Zip] = true
		s.products[r.Product] = true
	}
	money := func(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }
	total, byCat, byPlatGender, byDay, byZip, byPlat, byBrand, point, books :=
		map[string]*sums{}, map[string]*sums{}, map[string]*sums{}, map[string]*sums{}, map[string]*sums{},
		map[string]*sums{}, map[string]*sums{}, map[string]*sums{}, map[string]*sums{}
	from, to := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	for i := int64(0); i < g.Rows; i++ {
		r := g.Row(i)
		cat := bench.CategoryNames[r.Category]
		add(total, "", r)
		add(byCat, cat, r)
		add(byPlatGender, bench.Platforms[r.Platform]+"\x00"+bench.Genders[r.Gender], r)
		add(byZip, strconv.Itoa(r.Zip), r)
		add(byPlat, bench.Platforms[r.Platform], r)
		add(byBrand, bench.BrandName(g.Product(r.Product).Brand), r)
		if ts := bench.Start.Add(time.Duration(r.Hour) * time.Hour); !ts.Before(from) && ts.Before(to) {
			add(byDay, ts.Truncate(24*time.Hour).Format("2006-01-02 15:04:05"), r)
		}
		if cat == bench.PointCategory && r.Zip >= bench.PointZipLow && r.Zip <= bench.PointZipHigh {
			add(point, "", r)
		}
		if cat == "Books" {
			add(books, strconv.Itoa(r.Zip), r)
		}
	}
	rows := func(m map[string]*sums, row func(key string, s *sums) []string) [][]string {
		var out [][]string
		for k, s := range m {
			out = append(out, row(k, s))
		}
		return out
	}
	topBy := func(out [][]string, col, n int) [][]string {
		slices.SortFunc(out, func(a, b []string) int {
			x, _ := strconv.ParseFloat(a[col], 64)
			y, _ := strconv.ParseFloat(b[col], 64)
			return -cmpF(x, y)
		})
		return out[:min(n, len(out))]
	}
	refs := map[string][][]string{}
	t := total[""]
	refs["q1"] = [][]string{{strconv.FormatInt(t.n, 10), strconv.FormatInt(t.count, 10), money(t.cents)}}
	refs["q2"] = rows(byCat, func(k string, s *sums) []string { return []string{k, itoa(s.count), money(s.cents)} })
	refs["q3"] = rows(books, func(k string, s *sums) []string { return []string{k, itoa(s.count), money(s.cents)} })
	refs["q4"] = rows(byPlatGender, func(k string, s *sums) []string {
		pg := strings.Split(k, "\x00")
		avg := float64(s.priceCents) / 100 / float64(s.n)
		return []string{pg[0], pg[1], itoa(s.count), money(s.cents), strconv.FormatFloat(avg, 'g', -1, 64)}
	})
	refs["q6"] = rows(byDay, func(k string, s *sums) []string { return []string{k, itoa(s.count), money(s.cents)} })
	refs["q7"] = topBy(rows(byZip, func(k string, s *sums) []string { return []string{k, itoa(s.count), money(s.cents)} }), 2, 10)
	if p := point[""]; p != nil {
		refs["q8"] = [][]string{{itoa(p.n), itoa(p.count), money(p.cents)}}
	} else {
		refs["q8"] = [][]string{{"0", bench.Null, bench.Null}}
	}
	refs["q9"] = rows(byPlat, func(k string, s *sums) []string {
		return []string{k, strconv.Itoa(len(s.zips)), strconv.Itoa(len(s.products))}
	})
	refs["q10"] = topBy(rows(byBrand, func(k string, s *sums) []string { return []string{k, itoa(s.count), money(s.cents)} }), 2, 10)
	return refs
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestBenchUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--scale", "huge"}, `--scale: scale "huge": want a row count such as 1m, 10m, 100m or 20k`},
		{[]string{"--queries", "q1,nope"}, `--queries: unknown query "nope"`},
		{[]string{"--runs", "0"}, "--runs must be at least 1, not 0"},
		{[]string{"--warmup", "-1"}, "--warmup must not be negative"},
		{[]string{"--concurrency", "1,x"}, `--concurrency: "x" is not a positive integer (or none)`},
		{[]string{"--load-time", "0s"}, "--load-time must be positive"},
		{[]string{"--peer", "sqlite"}, `unknown --peer "sqlite": want duckdb`},
		{[]string{"--peer-threads", "2"}, "--peer-bin and --peer-threads need --peer duckdb"},
		{[]string{"--peer", "duckdb", "--peer-bin", "/nonexistent/peer"}, "--peer-bin /nonexistent/peer"},
		{[]string{"--target", "localhost:3030"}, `--target "localhost:3030": want http://host:port`},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--nosuch"}, "flag provided but not defined: -nosuch"},
		{[]string{"report", "x.json"}, "want --md FILE and at least one result file"},
	} {
		code, _, stderr := runBench(t, c.args...)
		assert.Equal(t, 2, code, "%v: %s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
	}

	code, _, stderr := runBench(t, "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "usage: vcube bench [flags]")

	code, _, stderr = runBench(t, "report", "--md", filepath.Join(t.TempDir(), "b.md"), "/nonexistent/r.json")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "/nonexistent/r.json")
}

func TestBenchReportRendersDocs(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "benchmarks.md")
	code, stdout, stderr := runBench(t, "report", "--md", md, filepath.Join("..", "..", "bench", "testdata", "result.json"))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "wrote "+md+" from 1 results")
	assert.FileExists(t, md)
	assert.FileExists(t, filepath.Join(dir, "benchmarks-10m.svg"))
}

// TestBenchAgainstATarget runs the bench against a server it did not start, which must not have a schema bench
// yet (the bench does not drop what it did not create).
func TestBenchAgainstATarget(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads data")
	}
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"))
	args := []string{"--target", "http://" + s.addr, "--scale", "5k", "--queries", "q1,q8", "--runs", "1",
		"--concurrency", "none", "--cache-dir", filepath.Join(dir, "cache"), "--out", filepath.Join(dir, "r.json")}
	code, stdout, stderr := runBench(t, args...)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	res, err := bench.ReadResult(filepath.Join(dir, "r.json"))
	require.NoError(t, err)
	require.Len(t, res.Queries, 2)
	assert.Equal(t, "5000", res.Queries[0].Answer[0][0], "COUNT(*) of the grand total")
	assert.Zero(t, res.IngestOf(bench.Vcube).PeakRSSBytes, "the memory of a server the bench did not start is unknown")
	a := s.mustSQL("SELECT COUNT(*) FROM bench.orders")
	assert.Equal(t, float64(5000), a.Rows[0][0], "the data stays on the target")

	code, _, stderr = runBench(t, args...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "already has a schema bench")
}
