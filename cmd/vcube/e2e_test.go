package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/etcdmeta"
)

// These tests run the real binary: `vcube serve` with embedded etcd on loopback and a data directory in a temp dir,
// spoken to over HTTP as a user would.

var vcubeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vcube-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	vcubeBin = filepath.Join(dir, "vcube")
	// Without the profile-guided optimisation `make build` applies: it changes no behaviour, and compiling every
	// dependency again with the profile would cost make test minutes.
	build := exec.Command("go", "build", "-pgo=off", "-o", vcubeBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building vcube:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stderr bytes.Buffer
	exited chan error
}

var servingLine = regexp.MustCompile(`vcube is serving.*http=http://(\S+)`)

// startServer starts `vcube serve` on dataDir with a free port and waits until /healthz answers.
func startServer(t *testing.T, dataDir string, env ...string) *server {
	t.Helper()
	s := &server{t: t, exited: make(chan error, 1)}
	s.cmd = exec.Command(vcubeBin, "serve", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0")
	s.cmd.Env = append(os.Environ(), env...)
	pipe, err := s.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			s.mu.Unlock()
			if m := servingLine.FindStringSubmatch(line); m != nil {
				addrCh <- m[1]
			}
		}
	}()
	go func() { s.exited <- s.cmd.Wait() }()
	select {
	case s.addr = <-addrCh:
	case err := <-s.exited:
		t.Fatalf("vcube serve exited before serving: %v\n%s", err, s.log())
	case <-time.After(90 * time.Second):
		s.cmd.Process.Kill()
		t.Fatalf("vcube serve did not start in 90 s\n%s", s.log())
	}
	resp, err := http.Get("http://" + s.addr + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
	return s
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// stop sends SIGTERM and expects a clean exit.
func (s *server) stop() {
	s.t.Helper()
	require.NoError(s.t, s.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-s.exited:
		require.NoError(s.t, err, "vcube serve did not exit cleanly:\n%s", s.log())
	case <-time.After(30 * time.Second):
		s.t.Fatalf("vcube serve did not stop within 30 s of SIGTERM\n%s", s.log())
	}
}

// kill ends the server with SIGKILL, as a crash would.
func (s *server) kill() {
	s.t.Helper()
	require.NoError(s.t, s.cmd.Process.Signal(syscall.SIGKILL))
	<-s.exited
}

type sqlAnswer struct {
	Columns []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"columns"`
	Rows         [][]any `json:"rows"`
	AffectedRows *int64  `json:"affected_rows"`
	Error        *struct {
		Code     int    `json:"code"`
		SQLState string `json:"sqlstate"`
		Message  string `json:"message"`
	} `json:"error"`
}

func (s *server) post(query, format, contentType string) (int, []byte) {
	s.t.Helper()
	url := "http://" + s.addr + "/v1/sql"
	if format != "" {
		url += "?format=" + format
	}
	if contentType == "" {
		contentType = "text/plain"
	}
	resp, err := http.Post(url, contentType, strings.NewReader(query))
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, body
}

func (s *server) sql(query string) sqlAnswer {
	s.t.Helper()
	status, body := s.post(query, "", "")
	var a sqlAnswer
	require.NoError(s.t, json.Unmarshal(body, &a), "body: %s", body)
	if a.Error != nil {
		require.NotEqual(s.t, http.StatusOK, status)
	} else {
		require.Equal(s.t, http.StatusOK, status, "body: %s", body)
	}
	return a
}

func (s *server) mustSQL(query string) sqlAnswer {
	s.t.Helper()
	a := s.sql(query)
	require.Nil(s.t, a.Error, "%s: %+v", query, a.Error)
	return a
}

func TestServeAnswersSQLAndKeepsDataAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	a := s.mustSQL("CREATE SCHEMA shop")
	require.NotNil(t, a.AffectedRows)
	s.mustSQL("CREATE TABLE shop.orders (id int, city varchar(20), amount decimal(12,2), at timestamp, paid boolean, w double)")
	a = s.mustSQL("INSERT INTO shop.orders (city, id, amount, at, paid, w) VALUES ('Paris', 1, 12.5, '2024-01-02 03:04:05', true, 0.5), ('Rome', 2, 7, '2024-01-03 00:00:00.25', false, NULL)")
	require.Equal(t, int64(2), *a.AffectedRows)
	assert.Empty(t, a.Rows)

	// The JSON answer: typed columns, numbers as numbers, DECIMAL as exact text, TIMESTAMP as text, NULL as null.
	status, body := s.post("SELECT id, city, amount, at, paid, w FROM shop.orders ORDER BY id", "", "")
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"columns":[{"name":"id","type":"int"},{"name":"city","type":"varchar(20)"},
		{"name":"amount","type":"decimal(12,2)"},{"name":"at","type":"timestamp"},{"name":"paid","type":"boolean"},
		{"name":"w","type":"double"}],
		"rows":[[1,"Paris","12.50","2024-01-02 03:04:05",true,0.5],[2,"Rome","7.00","2024-01-03 00:00:00.250000",false,null]]}`,
		string(body))

	// The same statement as JSON.
	status, body = s.post(`{"query": "SELECT COUNT(*) AS n FROM shop.orders"}`, "", "application/json")
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"columns":[{"name":"n","type":"bigint"}],"rows":[[2]]}`, string(body))

	// CSV: a header line, then RFC 4180 rows; NULL is an empty field.
	status, body = s.post("SELECT id, city, w FROM shop.orders ORDER BY id", "csv", "")
	require.Equal(t, http.StatusOK, status)
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"id", "city", "w"}, {"1", "Paris", "0.5"}, {"2", "Rome", ""}}, records)

	// Arrow IPC stream: the same values, typed.
	status, body = s.post("SELECT id, amount FROM shop.orders ORDER BY id", "arrow", "")
	require.Equal(t, http.StatusOK, status)
	rdr, err := ipc.NewReader(bytes.NewReader(body))
	require.NoError(t, err)
	defer rdr.Release()
	require.True(t, rdr.Next())
	rec := rdr.RecordBatch()
	assert.Equal(t, []int64{1, 2}, rec.Column(0).(*array.Int64).Int64Values())
	assert.Equal(t, int64(1250), int64(rec.Column(1).(*array.Decimal128).Value(0).LowBits()))
	md := rdr.Schema().Field(1).Metadata
	typ, _ := md.GetValue("vcube.type")
	assert.Equal(t, "decimal(12,2)", typ)

	// Restart: everything acknowledged is still there.
	s.stop()
	s = startServer(t, dir)
	a = s.mustSQL("SELECT id, amount FROM shop.orders ORDER BY id")
	assert.Equal(t, [][]any{{1.0, "12.50"}, {2.0, "7.00"}}, a.Rows)
	a = s.mustSQL("SHOW TABLES FROM shop")
	assert.Equal(t, [][]any{{"orders"}}, a.Rows)
	s.stop()
}

func TestAcknowledgedInsertsSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	s.mustSQL("CREATE SCHEMA s")
	s.mustSQL("CREATE TABLE s.t (batch int, n int)")
	s.mustSQL("INSERT INTO s.t VALUES (0, 1), (0, 2), (0, 3)")
	s.kill()

	s = startServer(t, dir)
	a := s.mustSQL("SELECT COUNT(*), SUM(n) FROM s.t")
	assert.Equal(t, [][]any{{3.0, 6.0}}, a.Rows)

	// Kill the server while inserts stream in: every acknowledged batch is there whole, and no batch is there in part.
	const rowsPerBatch = 50
	acked := make(chan int, 1000)
	stopWriting := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(acked)
		for b := 1; ; b++ {
			select {
			case <-stopWriting:
				return
			default:
			}
			var sb strings.Builder
			sb.WriteString("INSERT INTO s.t VALUES ")
			for i := 0; i < rowsPerBatch; i++ {
				if i > 0 {
					sb.WriteString(",")
				}
				fmt.Fprintf(&sb, "(%d, %d)", b, i)
			}
			resp, err := http.Post("http://"+s.addr+"/v1/sql", "text/plain", strings.NewReader(sb.String()))
			if err != nil {
				return // the server is gone
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				acked <- b
			}
		}
	}()
	// Let some inserts land, then crash the server in the middle of the stream.
	var ackedBatches []int
	for b := range acked {
		ackedBatches = append(ackedBatches, b)
		if len(ackedBatches) == 20 {
			break
		}
	}
	s.kill()
	close(stopWriting)
	for b := range acked {
		ackedBatches = append(ackedBatches, b)
	}
	wg.Wait()

	s = startServer(t, dir)
	a = s.mustSQL("SELECT batch, COUNT(*) FROM s.t WHERE batch > 0 GROUP BY batch")
	counts := map[int]int{}
	for _, r := range a.Rows {
		counts[int(r[0].(float64))] = int(r[1].(float64))
	}
	for b, n := range counts {
		assert.Equal(t, rowsPerBatch, n, "batch %d is stored in part", b)
	}
	for _, b := range ackedBatches {
		assert.Equal(t, rowsPerBatch, counts[b], "acknowledged batch %d was lost", b)
	}
	s.stop()
}

func TestSecondServerOnTheSameDataDirRefuses(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	cmd := exec.Command(vcubeBin, "serve", "--data-dir", dir, "--http-addr", "127.0.0.1:0")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "a second server started on a data directory in use")
	assert.Contains(t, string(out), "is in use by another vcube process")
	// The first one is unharmed.
	s.mustSQL("SELECT 1")
	s.stop()
}

func TestFlagsComeFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(vcubeBin, "serve")
	cmd.Env = append(os.Environ(), "VCUBE_DATA_DIR="+dir, "VCUBE_HTTP_ADDR=not-an-address")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "not-an-address", "VCUBE_HTTP_ADDR was not used")
	_, statErr := os.Stat(filepath.Join(dir, "LOCK"))
	assert.NoError(t, statErr, "VCUBE_DATA_DIR was not used")

	cmd = exec.Command(vcubeBin, "serve", "--query-timeout", "soon")
	out, err = cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "invalid value")
}

// Every error the HTTP API documents, with its MySQL number, SQLSTATE and HTTP status.
func TestErrorsOverHTTP(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.mustSQL("CREATE SCHEMA s")
	s.mustSQL("CREATE TABLE s.t (a int, b decimal(5,2), c timestamp)")
	cases := []struct {
		sql      string
		code     int
		sqlstate string
		message  string
	}{
		{"SELEC 1", 1064, "42000", "syntax"},
		{"SELECT * FROM nosuch.t", 1146, "42S02", "Table 'nosuch.t' doesn't exist"},
		{"CREATE TABLE nosuch.t (a int)", 1049, "42000", "Unknown database 'nosuch'"},
		{"SELECT * FROM s.nosuch", 1146, "42S02", "Table 's.nosuch' doesn't exist"},
		{"SELECT nosuch FROM s.t", 1054, "42S22", "Unknown column 'nosuch' in 'field list'"},
		{"CREATE TABLE s.t (a int)", 1050, "42S01", "Table 't' already exists"},
		{"CREATE SCHEMA s", 1007, "HY000", "Can't create database 's'; database exists"},
		{"INSERT INTO s.t (a) VALUES ('x')", 1366, "22007", "Incorrect integer value: 'x' for column 'a' at row 1"},
		{"INSERT INTO s.t (c) VALUES ('2024-13-01')", 1292, "22007", "Incorrect datetime value: '2024-13-01' for column 'c' at row 1"},
		{"INSERT INTO s.t (b) VALUES (1000)", 1264, "22003", "Out of range value for column 'b' at row 1"},
		{"SELECT 9223372036854775807 + 1", 1690, "22003", "BIGINT value is out of range"},
	}
	for _, c := range cases {
		status, body := s.post(c.sql, "", "")
		assert.Equal(t, http.StatusBadRequest, status, c.sql)
		var a sqlAnswer
		require.NoError(t, json.Unmarshal(body, &a), c.sql)
		require.NotNil(t, a.Error, c.sql)
		assert.Equal(t, c.code, a.Error.Code, c.sql)
		assert.Equal(t, c.sqlstate, a.Error.SQLState, c.sql)
		assert.Contains(t, a.Error.Message, c.message, c.sql)
	}
	// Failed statements changed nothing.
	a := s.mustSQL("SELECT COUNT(*) FROM s.t")
	assert.Equal(t, [][]any{{0.0}}, a.Rows)

	// Requests the API itself refuses.
	status, body := s.post("SELECT 1", "xml", "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), `"code":1210`)
	status, body = s.post(`{"query": 1}`, "", "application/json")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, string(body), `"code":1064`)
	resp, err := http.Get("http://" + s.addr + "/v1/sql")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, err = http.Get("http://" + s.addr + "/nosuch")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	s.stop()
}

// writeCSV writes rows of (k, grp, label) to path.
func writeCSV(t *testing.T, path string, rows int) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "k,grp,label")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(w, "%d,%d,row number %d\n", i, i%97, i)
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
}

// dataFiles lists the files under the data directory's table folders.
func dataFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	var out []string
	root := filepath.Join(dataDir, "data")
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// A crash in the middle of CREATE TABLE ... LOCATION leaves either no table or the whole table, never a part,
// and start-up removes the files of the import that did not commit.
func TestKillDuringImportLeavesNoPart(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2.5 million rows")
	}
	const rows = 2_500_000
	csvPath := filepath.Join(t.TempDir(), "big.csv")
	writeCSV(t, csvPath, rows)
	dir := t.TempDir()
	s := startServer(t, dir)
	s.mustSQL("CREATE SCHEMA s")
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Post("http://"+s.addr+"/v1/sql", "text/plain",
			strings.NewReader(fmt.Sprintf("CREATE TABLE s.big (k bigint, grp int, label text) INDEX by_grp (grp) LOCATION '%s'", csvPath)))
		if err == nil {
			resp.Body.Close()
		}
	}()
	// Crash as soon as the import has written its first file.
	deadline := time.Now().Add(60 * time.Second)
	for len(dataFiles(t, dir)) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	require.NotEmpty(t, dataFiles(t, dir), "the import wrote nothing within 60 s")
	s.kill()
	<-done

	s = startServer(t, dir)
	status, body := s.post("SELECT COUNT(*) FROM s.big", "", "")
	switch status {
	case http.StatusOK:
		var a sqlAnswer
		require.NoError(t, json.Unmarshal(body, &a))
		assert.Equal(t, float64(rows), a.Rows[0][0], "the table exists with part of its rows")
	default:
		assert.Contains(t, string(body), `"code":1146`, "after the crash: %s", body)
		// Nothing of the failed import is left on disk.
		assert.Empty(t, dataFiles(t, dir), "files of an import that never committed survived start-up")
	}
	// The server works normally after the crash: the same import, run to the end, has every row.
	s.sql("DROP TABLE IF EXISTS s.big")
	s.mustSQL(fmt.Sprintf("CREATE TABLE s.big (k bigint, grp int, label text) INDEX by_grp (grp) LOCATION '%s'", csvPath))
	a := s.mustSQL("SELECT COUNT(*), SUM(k), MIN(label) FROM s.big")
	assert.Equal(t, [][]any{{float64(rows), float64(rows) * (rows - 1) / 2, "row number 0"}}, a.Rows)
	a = s.mustSQL("SELECT index_name, row_count FROM system.indexes WHERE table_name = 'big' ORDER BY index_id")
	assert.Equal(t, [][]any{{"default", float64(rows)}, {"by_grp", float64(rows)}}, a.Rows)
	s.stop()
}

// With --etcd-endpoints the server keeps its catalog in that etcd cluster instead of an embedded one.
func TestServeWithExternalEtcd(t *testing.T) {
	ctx := t.Context()
	etcd, err := etcdmeta.StartEmbedded(ctx, t.TempDir())
	require.NoError(t, err)
	defer etcd.Close()
	endpoints := strings.Join(etcd.Endpoints(), ",")
	dir := t.TempDir()
	s := startServer(t, dir, "VCUBE_ETCD_ENDPOINTS="+endpoints)
	s.mustSQL("CREATE SCHEMA ext")
	s.mustSQL("CREATE TABLE ext.t (a int)")
	s.mustSQL("INSERT INTO ext.t VALUES (1), (2)")
	s.stop()
	_, err = os.Stat(filepath.Join(dir, "etcd"))
	assert.True(t, os.IsNotExist(err), "an embedded etcd was started although --etcd-endpoints was set")

	// The catalog is in the external cluster: a client of it sees the table.
	cat, err := etcdmeta.Connect(ctx, etcd.Endpoints(), "/vcube/")
	require.NoError(t, err)
	defer cat.Close()
	_, ok := cat.Snapshot().Table("ext", "t")
	assert.True(t, ok, "the table is not in the external etcd")

	s = startServer(t, dir, "VCUBE_ETCD_ENDPOINTS="+endpoints)
	a := s.mustSQL("SELECT SUM(a) FROM ext.t")
	assert.Equal(t, [][]any{{3.0}}, a.Rows)
	s.stop()
}

// --query-timeout stops statements that run too long with MySQL's error 3024.
func TestQueryTimeout(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	s.mustSQL("CREATE SCHEMA q")
	s.mustSQL("CREATE TABLE q.t (a int)")
	s.mustSQL("INSERT INTO q.t VALUES (1)")
	s.stop()
	s = startServer(t, dir, "VCUBE_QUERY_TIMEOUT=1ns")
	a := s.sql("SELECT a FROM q.t")
	require.NotNil(t, a.Error)
	assert.Equal(t, 3024, a.Error.Code)
	s.stop()
}

// A crash in the middle of compaction loses nothing: after a restart every row is there once, whether the
// compaction committed or not, and no file is left that the catalog does not point to.
func TestKillDuringCompactionLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("imports and compacts 2 million rows")
	}
	const rows = 2_000_000
	csvPath := filepath.Join(t.TempDir(), "big.csv")
	writeCSV(t, csvPath, rows)
	dir := t.TempDir()
	env := []string{"VCUBE_PARTITION_SPLIT_THRESHOLD=100000", "VCUBE_IMPORT_BATCH_ROWS=200000"}
	s := startServer(t, dir, env...)
	s.mustSQL("CREATE SCHEMA s")
	s.mustSQL(fmt.Sprintf("CREATE TABLE s.big (k bigint, grp int, label text) LOCATION '%s'", csvPath))
	// Compaction starts within a second of the import; crash while a job is running.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		a := s.sql("SELECT COUNT(*) FROM system.jobs WHERE status = 'running'")
		if a.Error == nil && len(a.Rows) == 1 && a.Rows[0][0].(float64) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.kill()

	s = startServer(t, dir, env...)
	a := s.mustSQL("SELECT COUNT(*), SUM(k) FROM s.big")
	assert.Equal(t, [][]any{{float64(rows), float64(rows) * (rows - 1) / 2}}, a.Rows)
	// The job the crash cut short is recorded in the catalog, and says so.
	a = s.mustSQL("SELECT COUNT(*) FROM system.jobs WHERE status = 'interrupted' AND finished_at IS NOT NULL")
	assert.Equal(t, [][]any{{float64(1)}}, a.Rows)
	a = s.mustSQL("SELECT file FROM system.chunks")
	referenced := map[string]bool{}
	for _, r := range a.Rows {
		referenced[r[0].(string)] = true
	}
	for _, f := range dataFiles(t, dir) {
		assert.True(t, referenced[f], "file %s survived start-up though no chunk points to it", f)
	}
	// Compaction resumes and finishes: the table ends in partitions of at most the threshold.
	deadline = time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		// Done when no new chunk is left and no partition is over the threshold (a pass makes at most 16
		// partitions, so the first passes leave bigger ones that later passes split).
		a = s.mustSQL("SELECT COUNT(*) FROM system.chunks WHERE level = 0 OR row_count > 100000")
		if a.Rows[0][0].(float64) == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	a = s.mustSQL("SELECT COUNT(*), MAX(row_count), SUM(row_count) FROM system.partitions")
	assert.Equal(t, float64(rows), a.Rows[0][2])
	assert.LessOrEqual(t, a.Rows[0][1], float64(100000))
	a = s.mustSQL("SELECT COUNT(*), SUM(k) FROM s.big")
	assert.Equal(t, [][]any{{float64(rows), float64(rows) * (rows - 1) / 2}}, a.Rows)
	s.stop()
}
