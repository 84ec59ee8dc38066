package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/testsuite"
	"github.com/vcubedb/vcube/testsuite/slt"
)

// The conformance command: its exit codes and reports on small fixtures in-process, and the whole suite over
// HTTP against a real `vcube serve` compared record by record with the suite in-process.

var (
	suiteDir      = filepath.Join("..", "..", "testsuite", "sql")
	reportFixture = filepath.Join("..", "..", "testsuite", "slt", "testdata", "report.slt")
)

// conformanceRun runs `vcube conformance args...` in this process.
func conformanceRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(append([]string{"conformance"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// startServeIn starts `vcube serve` with dir as its working directory (LOCATION paths in the suite are
// relative to testsuite/), a fresh data directory and a free port, and returns its base URL.
func startServeIn(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command(vcubeBin, "serve", "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0")
	cmd.Dir = dir
	pipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	addr := make(chan string, 1)
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if m := servingAt.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		exited <- cmd.Wait()
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-exited:
		t.Fatalf("vcube serve exited: %v\n%s", err, log.String())
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("vcube serve did not start in 90 s")
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return base
}

var servingAt = regexp.MustCompile(`vcube is serving.*http=http://(\S+)`)

// catalogIDs matches the table, index and chunk IDs EXPLAIN shows (index: default:3:[4, 5]). IDs come from one
// counter per catalog, so on a server that ran other files first they are larger than on a fresh node.
var catalogIDs = regexp.MustCompile(`(index: [^:\s]+):\d+:\[[\d, ]*\]`)

// answer is what a record got, for comparing targets: its rows with catalog IDs masked, sorted unless the
// record compares them in order.
func answer(rec *slt.Record, rows [][]string) []string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = catalogIDs.ReplaceAllString(strings.Join(r, "\t"), "$1:#:[#]")
	}
	if rec.Sort != slt.NoSort {
		slices.Sort(lines)
	}
	return lines
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// The whole suite over HTTP, one server for all files, against the suite in-process, a new node per file: every
// record must give the same answer (rows, or error number and message) and the same outcome. The one allowed
// difference is the catalog IDs in EXPLAIN output: the server's counter keeps counting across files, a new node

// TestConformanceOverHTTPMatchesInProcess runs the whole suite against a real server over HTTP and in-process,
// and checks that every record gives the same answer both ways. Records that show catalog IDs (EXPLAIN's
// "index: default:3:[4, 5]") run only where each file starts on a new server ("onlyif fresh"): over one shared
// server the IDs keep counting across files, so those records are skipped there, and nothing else may differ.
func TestConformanceOverHTTPMatchesInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite twice")
	}
	ctx := context.Background()
	abs, err := filepath.Abs(suiteDir)
	require.NoError(t, err)
	files, err := conformanceFiles([]string{abs})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	base := startServeIn(t, filepath.Dir(abs))
	target, err := testsuite.NewHTTP(base)
	require.NoError(t, err)

	var in, over slt.Totals
	freshOnly := 0
	for _, f := range files {
		local, err := runInProcess(ctx, f)
		require.NoError(t, err)
		require.NoError(t, local.Err)
		remote := slt.TraceFile(ctx, target, f.path, f.name)
		require.NoError(t, remote.Err)
		require.NoError(t, target.EndFile(ctx, &remote))
		in, over = addTotals(in, local), addTotals(over, remote)

		require.Len(t, remote.Outcomes, len(local.Outcomes))
		for i := range local.Records {
			rec := local.Records[i]
			a, b := local.Outcomes[i], remote.Outcomes[i]
			where := rec.File + ":" + strconv.Itoa(rec.Line)
			if a.Status == slt.Passed && b.Status == slt.Skipped && !rec.RunsOn("vcube") && rec.RunsOn("vcube", "fresh") {
				freshOnly++
				var expected []string
				for _, r := range rec.Rows {
					expected = append(expected, strings.Join(r, "\t"))
				}
				assert.Regexp(t, catalogIDs, strings.Join(expected, "\n"), "%s: onlyif fresh, but shows no catalog ID", where)
				continue
			}
			assert.Equal(t, errorText(a.Err), errorText(b.Err), "%s: the error differs", where)
			assert.Equal(t, answer(&rec, a.Rows), answer(&rec, b.Rows), "%s: the rows differ", where)
			assert.Equal(t, a.Status, b.Status, "%s: %s", where, b.Message)
		}
	}
	t.Logf("in-process: %+v; over HTTP: %+v; %d records run only on a fresh server", in, over, freshOnly)
	assert.Positive(t, in.Passed)
	assert.Positive(t, freshOnly)
	assert.Zero(t, in.Failed)
	assert.Zero(t, over.Failed)
	assert.Equal(t, in.Passed, over.Passed+freshOnly)
	assert.Equal(t, in.Skipped+freshOnly, over.Skipped)

	// The command over the same server: every file creates its schemas again (the target dropped them after
	// each file), and everything passes.
	code, stdout, stderr := conformanceRun(t, "--target", base, "--format", "json", abs)
	var doc slt.JSONReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc), "stderr: %s", stderr)
	assert.Equal(t, len(files), doc.Total.Files)
	assert.Equal(t, over.Passed, doc.Total.Passed)
	assert.Zero(t, doc.Total.Failed, "%+v", doc.Files)
	assert.Equal(t, over.Skipped, doc.Total.Skipped)
	assert.Equal(t, 0, code, stderr)
}

func addTotals(t slt.Totals, fr slt.FileRun) slt.Totals {
	t.Files++
	t.Passed += fr.Passed
	t.Failed += fr.Failed
	t.Skipped += fr.Skipped
	return t
}

func TestConformanceJSONReport(t *testing.T) {
	code, stdout, stderr := conformanceRun(t, "--format", "json", reportFixture)
	assert.Equal(t, 1, code, stderr)
	var doc slt.JSONReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc), stdout)
	assert.Equal(t, "inprocess", doc.Target)
	assert.Equal(t, slt.JSONTotal{Files: 1, Passed: 1, Failed: 1, Skipped: 1}, doc.Total)
	require.Len(t, doc.Files, 1)
	require.Len(t, doc.Files[0].Failures, 1)
	f := doc.Files[0].Failures[0]
	assert.Equal(t, 15, f.Line)
	assert.Equal(t, "SELECT 6 * 7, 'answer'", f.SQL)
	assert.True(t, strings.HasSuffix(f.File, "testsuite/slt/testdata/report.slt"), f.File)
	assert.Contains(t, f.Message, "42\tanswer", "vcube's real answer")
}

func TestConformanceJUnitReport(t *testing.T) {
	code, stdout, stderr := conformanceRun(t, "--format", "junit", reportFixture)
	assert.Equal(t, 1, code, stderr)
	var doc slt.JUnitSuites
	require.NoError(t, xml.Unmarshal([]byte(stdout), &doc), stdout)
	assert.Equal(t, []int{3, 1, 0, 1}, []int{doc.Tests, doc.Failures, doc.Errors, doc.Skipped})
	require.Len(t, doc.Suites, 1)
	require.Len(t, doc.Suites[0].Cases, 3)
	assert.NotNil(t, doc.Suites[0].Cases[1].Skipped)
	require.NotNil(t, doc.Suites[0].Cases[2].Failure)
	assert.Contains(t, doc.Suites[0].Cases[2].Failure.Text, "report.slt:15: results differ")
}

func TestConformanceTextReportAndRewrite(t *testing.T) {
	original, err := os.ReadFile(reportFixture)
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.slt")
	require.NoError(t, os.WriteFile(path, original, 0o644))

	code, stdout, _ := conformanceRun(t, "--rewrite", path)
	assert.Equal(t, 1, code, "the run had a failure, rewritten or not")
	assert.Regexp(t, `(?m)^target inprocess \(skipif/onlyif name: vcube\)$`, stdout)
	assert.Regexp(t, `(?m)^\S*report.slt +1 +1 +1$`, stdout)
	assert.Regexp(t, `(?m)^total \(1 files\) +1 +1 +1$`, stdout)
	assert.Contains(t, stdout, "report.slt:15: results differ at row 1")
	assert.Contains(t, stdout, "rewrote the expected results of 1 records")
	assert.Regexp(t, `(?m)^  \S*report.slt:15$`, stdout)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, strings.Replace(string(original), "41\tanswer", "42\tanswer", 1), string(data),
		"only the failing record's results change")

	// Flags after operands work too; now everything passes.
	code, stdout, stderr := conformanceRun(t, path, "--format", "text")
	assert.Equal(t, 0, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "PASS: 2 records passed, 1 skipped")
}

func TestConformanceUsageErrors(t *testing.T) {
	empty := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--format", "xml", reportFixture}, `unknown --format "xml"`},
		{[]string{"--target", "ftp://host", reportFixture}, `unknown --target "ftp://host"`},
		{[]string{"--target", "http://", reportFixture}, "want http://host:port"},
		{[]string{"--target", "mysql:///", reportFixture}, "want mysql://user:password@host:port/"},
		{[]string{"--nosuch"}, "flag provided but not defined"},
		{[]string{"nosuch.slt"}, "no such file or folder: nosuch.slt"},
		{[]string{empty}, "no .slt files under"},
	}
	for _, c := range cases {
		code, stdout, stderr := conformanceRun(t, c.args...)
		assert.Equal(t, 2, code, "%v: %s%s", c.args, stdout, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
	}

	code, _, stderr := conformanceRun(t, "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "--rewrite")
	assert.Contains(t, stderr, "review the changes before committing them")

	// Without operands the suite is looked for from the working directory up.
	t.Chdir(empty)
	code, _, stderr = conformanceRun(t)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "cannot find the conformance suite: no testsuite/sql folder in")
	assert.Contains(t, stderr, "name the files or folders to run")
}

func TestConformanceFindsTheSuiteFromBelow(t *testing.T) {
	abs, err := filepath.Abs(suiteDir)
	require.NoError(t, err)
	got, ok := findSuite(filepath.Join(abs, "data"))
	require.True(t, ok)
	assert.Equal(t, abs, got)
	got, ok = findSuite(filepath.Dir(filepath.Dir(abs)))
	require.True(t, ok)
	assert.Equal(t, abs, got)
}

func TestConformanceUnreachableTargets(t *testing.T) {
	code, _, stderr := conformanceRun(t, "--target", "http://127.0.0.1:1", reportFixture)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "cannot reach http://127.0.0.1:1")

	code, _, stderr = conformanceRun(t, "--target", "mysql://root:secret@127.0.0.1:1/", reportFixture)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "connecting to 127.0.0.1:1")
	assert.NotContains(t, stderr, "secret")
}
