package sqlfront_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/node"
	"github.com/vcubedb/vcube/internal/wasmexamples"
	"github.com/vcubedb/vcube/sqlfront"
)

// The example plugins (wasm/examples), built once per test binary: no .wasm is kept in git.
func medianWasm() ([]byte, error) { return wasmexamples.Build("median") }
func fixedWasm() ([]byte, error)  { return wasmexamples.Build("fixed") }

// textRows runs one statement and returns its rows as text.
func textRows(e *sqlfront.Engine, sql string) ([][]string, error) {
	res, err := e.Execute(context.Background(), nil, sql)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	return res.TextRows(), nil
}

func sqlErrNum(t *testing.T, err error) int {
	t.Helper()
	require.Error(t, err)
	var se *sqlerror.SQLError
	require.ErrorAs(t, err, &se)
	return int(se.Num)
}

// A plugin measure runs like a built-in aggregate: in GROUP BY, HAVING and ORDER BY, split into Partial stages
// per chunk and a Final one, and it survives a restart; installing and uninstalling are checked.
func TestPluginMeasure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a WebAssembly plugin")
	}
	module, err := medianWasm()
	require.NoError(t, err)
	ctx := context.Background()
	dir := t.TempDir()
	n, err := node.Open(ctx, node.Config{DataDir: dir, CompactionInterval: -1})
	require.NoError(t, err)
	closed := false
	defer func() {
		if !closed {
			n.Close()
		}
	}()
	run := textRows
	must := func(e *sqlfront.Engine, sql string) [][]string {
		t.Helper()
		r, err := textRows(e, sql)
		require.NoError(t, err, sql)
		return r
	}

	// INSTALL PLUGIN reads a module of the plugin directory.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plugins", "median.wasm"), module, 0o644))
	_, err = run(n.Engine, "INSTALL PLUGIN stats SONAME 'nosuch.wasm'")
	assert.Equal(t, 1126, sqlErrNum(t, err), "a missing module")
	_, err = run(n.Engine, "INSTALL PLUGIN stats SONAME '../median.wasm'")
	assert.Equal(t, 1126, sqlErrNum(t, err), "a module outside the plugin directory")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plugins", "junk.wasm"), []byte("not wasm"), 0o644))
	_, err = run(n.Engine, "INSTALL PLUGIN junk SONAME 'junk.wasm'")
	assert.Equal(t, 1126, sqlErrNum(t, err), "a file that is not a plugin")
	must(n.Engine, "INSTALL PLUGIN stats SONAME 'median.wasm'")
	_, err = run(n.Engine, "INSTALL PLUGIN stats SONAME 'median.wasm'")
	assert.Equal(t, 1125, sqlErrNum(t, err), "installed twice")
	err = n.Engine.InstallPlugin(ctx, "stats2", module)
	assert.Equal(t, 1125, sqlErrNum(t, err), "a second plugin defining median")
	assert.Equal(t, [][]string{{"stats", "ACTIVE", "WASM", "median.wasm", ""}}, must(n.Engine, "SHOW PLUGINS"))
	assert.Equal(t, [][]string{{"median", "measure", "stats", "double", "double"}},
		must(n.Engine, "SELECT function_name, kind, plugin, arguments, returns FROM system.functions"))

	// Rows in several INSERTs: several chunks, so Partial aggregates per chunk and a Final one.
	must(n.Engine, "CREATE SCHEMA pm")
	must(n.Engine, "CREATE TABLE pm.t (k int, v double, d decimal(10,2))")
	rng := rand.New(rand.NewPCG(1, 2))
	values := map[int][]float64{}
	for range 4 {
		var sb strings.Builder
		sb.WriteString("INSERT INTO pm.t VALUES ")
		for i := range 200 {
			k, v := rng.IntN(7), float64(rng.IntN(10000))/8
			if i > 0 {
				sb.WriteString(", ")
			}
			if rng.IntN(20) == 0 {
				sb.WriteString("(" + strconv.Itoa(k) + ", NULL, 1.50)")
				continue
			}
			values[k] = append(values[k], v)
			sb.WriteString("(" + strconv.Itoa(k) + ", " + strconv.FormatFloat(v, 'f', -1, 64) + ", 1.50)")
		}
		must(n.Engine, sb.String())
	}
	median := func(vs []float64) float64 {
		s := slices.Clone(vs)
		slices.Sort(s)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return s[len(s)/2-1]/2 + s[len(s)/2]/2
	}
	var want [][]string
	for k := range 7 {
		want = append(want, []string{strconv.Itoa(k), strconv.FormatFloat(median(values[k]), 'g', -1, 64)})
	}
	check := func(e *sqlfront.Engine) {
		t.Helper()
		assert.Equal(t, want, must(e, "SELECT k, median(v) FROM pm.t GROUP BY k ORDER BY k"))
		plan := must(e, "EXPLAIN SELECT k, median(v) FROM pm.t GROUP BY k")
		assert.Contains(t, plan[0][0], "FinalInplaceAggregate, by: [k], aggs: [median(v)]", "split like SUM")
		assert.Contains(t, plan[0][0], "PartialInplaceAggregate, by: [k], aggs: [median(v)]", "streaming over the index order")
	}
	check(n.Engine)
	var all []float64
	for _, vs := range values {
		all = append(all, vs...)
	}
	assert.Equal(t, [][]string{{strconv.FormatFloat(median(all), 'g', -1, 64), "800"}}, must(n.Engine, "SELECT median(v), COUNT(*) FROM pm.t"))
	assert.Equal(t, [][]string{{"1.50", strconv.FormatFloat(median(all), 'g', -1, 64)}}, must(n.Engine, "SELECT d, median(v) FROM pm.t GROUP BY d"),
		"hash aggregation (d is not a prefix of the index)")

	// HAVING and ORDER BY a measure, a measure of an expression and of a DECIMAL (cast to its DOUBLE argument).
	top := slices.Clone(want)
	slices.SortFunc(top, func(a, b []string) int {
		x, _ := strconv.ParseFloat(a[1], 64)
		y, _ := strconv.ParseFloat(b[1], 64)
		return -cmpFloat(x, y)
	})
	assert.Equal(t, top[:2], must(n.Engine, "SELECT k, median(v) AS m FROM pm.t GROUP BY k ORDER BY m DESC LIMIT 2"))
	threshold, _ := strconv.ParseFloat(top[2][1], 64)
	got := must(n.Engine, "SELECT k FROM pm.t GROUP BY k HAVING median(v) > "+strconv.FormatFloat(threshold, 'f', -1, 64)+" ORDER BY k")
	assert.Len(t, got, 2, "HAVING keeps the two groups above the third-highest median")
	assert.Equal(t, [][]string{{"3"}}, must(n.Engine, "SELECT median(d * 2) FROM pm.t"))

	// Long runs of one group in a batch (sorted input, few groups) go to the plugin a run per call.
	must(n.Engine, "CREATE TABLE pm.runs (k int, v double)")
	var sb strings.Builder
	sb.WriteString("INSERT INTO pm.runs VALUES ")
	runValues := map[int][]float64{}
	for i := range 6000 {
		k, v := i/1500, float64(rng.IntN(100000))/4
		runValues[k] = append(runValues[k], v)
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(" + strconv.Itoa(k) + ", " + strconv.FormatFloat(v, 'f', -1, 64) + ")")
	}
	must(n.Engine, sb.String())
	var wantRuns [][]string
	for k := range 4 {
		wantRuns = append(wantRuns, []string{strconv.Itoa(k), strconv.FormatFloat(median(runValues[k]), 'g', -1, 64)})
	}
	assert.Equal(t, wantRuns, must(n.Engine, "SELECT k, median(v) FROM pm.runs GROUP BY k ORDER BY k"))

	// Errors: arguments, nesting, and a measure outside an aggregate context.
	_, err = run(n.Engine, "SELECT median(v, k) FROM pm.t")
	assert.Equal(t, 1582, sqlErrNum(t, err))
	_, err = run(n.Engine, "SELECT median(SUM(v)) FROM pm.t")
	assert.Equal(t, 1111, sqlErrNum(t, err))

	// A restart loads the plugin again from the catalog and the plugin directory.
	require.NoError(t, n.Close())
	closed = true
	n2, err := node.Open(ctx, node.Config{DataDir: dir, CompactionInterval: -1})
	require.NoError(t, err)
	defer n2.Close()
	check(n2.Engine)

	// UNINSTALL PLUGIN removes its functions; the module file stays.
	must(n2.Engine, "UNINSTALL PLUGIN stats")
	_, err = run(n2.Engine, "SELECT median(v) FROM pm.t")
	assert.Equal(t, 1305, sqlErrNum(t, err))
	_, err = run(n2.Engine, "UNINSTALL PLUGIN stats")
	assert.Equal(t, 1305, sqlErrNum(t, err))
	assert.Empty(t, must(n2.Engine, "SHOW PLUGINS"))
	assert.FileExists(t, filepath.Join(dir, "plugins", "median.wasm"))

	// PUT /v1/plugins' path: the module is written into the plugin directory and installed.
	require.NoError(t, n2.Engine.InstallPlugin(ctx, "stats", module))
	assert.FileExists(t, filepath.Join(dir, "plugins", "stats.wasm"))
	check(n2.Engine)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// The approx_distinct (Go, HyperLogLog) and fast_sum (C) examples through the engine: grouped over several chunks,
// so their states merge across Partial stages; approx_distinct within HyperLogLog's error of COUNT(DISTINCT)
// (exact while small), fast_sum equal to SUM. fast_sum is skipped, saying why, without clang.
func TestPluginExampleMeasures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds WebAssembly plugins")
	}
	ctx := context.Background()
	n, err := node.Open(ctx, node.Config{DataDir: t.TempDir(), CompactionInterval: -1})
	require.NoError(t, err)
	defer n.Close()
	must := func(sql string) [][]string {
		t.Helper()
		r, err := textRows(n.Engine, sql)
		require.NoError(t, err, sql)
		return r
	}
	hll, err := wasmexamples.Build("approxdistinct")
	require.NoError(t, err)
	require.NoError(t, n.Engine.InstallPlugin(ctx, "hll", hll))
	must("CREATE SCHEMA px")
	must("CREATE TABLE px.t (k int, name text, v double)")
	rng := rand.New(rand.NewPCG(5, 6))
	for range 4 {
		var sb strings.Builder
		sb.WriteString("INSERT INTO px.t VALUES ")
		for i := range 5000 {
			if i > 0 {
				sb.WriteString(", ")
			}
			k := rng.IntN(3)
			// Group 0 sees 20,000 names, group 1 about 4,000, group 2 twelve.
			name := []int{rng.IntN(20000), rng.IntN(4000), rng.IntN(12)}[k]
			fmt.Fprintf(&sb, "(%d, 'n%d', %s)", k, name, strconv.FormatFloat(float64(rng.IntN(1000000))/64, 'f', -1, 64))
		}
		must(sb.String())
	}
	got := must("SELECT k, approx_distinct(name), COUNT(DISTINCT name) FROM px.t GROUP BY k ORDER BY k")
	require.Len(t, got, 3)
	for _, r := range got {
		approx, _ := strconv.ParseFloat(r[1], 64)
		exact, _ := strconv.ParseFloat(r[2], 64)
		assert.InEpsilon(t, exact, approx, 0.03, "group %s: approx_distinct %s, COUNT(DISTINCT) %s", r[0], r[1], r[2])
	}
	assert.Equal(t, got[2][2], got[2][1], "a small group is counted exactly")

	csum, err := wasmexamples.Build("csum")
	if errors.Is(err, wasmexamples.ErrNoCToolchain) {
		t.Skip(err)
	}
	require.NoError(t, err)
	require.NoError(t, n.Engine.InstallPlugin(ctx, "csum", csum))
	sums := must("SELECT k, fast_sum(v), SUM(v) FROM px.t GROUP BY k ORDER BY k")
	whole := must("SELECT fast_sum(v), SUM(v) FROM px.t")
	for _, r := range append(sums, append([]string{"all"}, whole[0]...)) {
		fast, _ := strconv.ParseFloat(r[1], 64)
		sum, _ := strconv.ParseFloat(r[2], 64)
		assert.InEpsilon(t, sum, fast, 1e-12, "group %s", r[0])
	}
}
