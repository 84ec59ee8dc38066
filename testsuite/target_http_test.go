package testsuite

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/testsuite/slt"
)

func TestReadCSV(t *testing.T) {
	cases := []struct {
		name, in string
		header   []string
		rows     [][]string
	}{
		{"statement", "\r\n", nil, nil},
		{"empty body", "", nil, nil},
		{"NULL and the empty string", "a,b\r\n,\"\"\r\nx,\r\n", []string{"a", "b"}, [][]string{{"NULL", ""}, {"x", "NULL"}}},
		{"one column of NULL", "a\r\n\r\n1\r\n", []string{"a"}, [][]string{{"NULL"}, {"1"}}},
		{"quotes, commas and line breaks", "a,b\r\n\"x,\"\"y\"\"\",\"l1\nl2\"\r\n", []string{"a", "b"}, [][]string{{`x,"y"`, "l1\nl2"}}},
		{"spaces kept", "a\r\n\" padded \"\r\n", []string{"a"}, [][]string{{" padded "}}},
		{"no final line break", "a,b\r\n1,2", []string{"a", "b"}, [][]string{{"1", "2"}}},
		{"trailing empty field", "a,b\r\n1,", []string{"a", "b"}, [][]string{{"1", "NULL"}}},
		{"empty column name", "\"\"\r\n1\r\n", []string{""}, [][]string{{"1"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			header, rows, err := readCSV([]byte(c.in))
			require.NoError(t, err)
			assert.Equal(t, c.header, header)
			assert.Equal(t, c.rows, rows)
		})
	}
	for _, bad := range []string{"a\r\n\"open", "a\r\n\"x\"y\r\n", "a,b\r\n1\r\n"} {
		_, _, err := readCSV([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
}

// fakeServer answers POST /v1/sql from a map of CSV bodies or errors, and keeps every request it got.
type fakeServer struct {
	mu       sync.Mutex
	answers  map[string]string // SQL -> CSV body
	errors   map[string]string // SQL -> JSON error body (status 400)
	requests []string          // "schema=<s> <sql>"
}

func (f *fakeServer) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		io.WriteString(w, "ok\n")
		return
	}
	body, _ := io.ReadAll(r.Body)
	sql := string(body)
	f.mu.Lock()
	f.requests = append(f.requests, "schema="+r.URL.Query().Get("schema")+" "+sql)
	f.mu.Unlock()
	if r.URL.Path != "/v1/sql" || r.Method != http.MethodPost || r.URL.Query().Get("format") != "csv" {
		http.Error(w, "bad request "+r.URL.String(), http.StatusTeapot)
		return
	}
	f.mu.Lock()
	e, failed := f.errors[sql]
	a, answered := f.answers[sql]
	f.mu.Unlock()
	if failed {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, e)
		return
	}
	if answered {
		io.WriteString(w, a)
		return
	}
	io.WriteString(w, "\r\n")
}

func TestHTTPTarget(t *testing.T) {
	fake := &fakeServer{
		answers: map[string]string{
			"SELECT a, b FROM t": "a,b\r\n1,\r\n2,\"\"\r\n",
			"EXPLAIN SELECT 1":   "logical plan\r\n\"Projection, [1]\n  Empty\"\r\n",
		},
		errors: map[string]string{
			"SELECT nosuch": `{"error":{"code":1054,"sqlstate":"42S22","message":"Unknown column 'nosuch' in 'field list'"}}`,
			"USE nosuch":    `{"error":{"code":1049,"sqlstate":"42000","message":"Unknown database 'nosuch'"}}`,
		},
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	target, err := NewHTTP(srv.URL + "/")
	require.NoError(t, err)
	assert.Equal(t, "vcube", target.Name())
	require.NoError(t, target.Ping(ctx))

	rows, err := target.Query(ctx, "SELECT a, b FROM t")
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"1", "NULL"}, {"2", ""}}, rows)
	rows, err = target.Query(ctx, "EXPLAIN SELECT 1")
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"Projection, [1]"}, {"  Empty"}}, rows, "one row per line, as in-process")

	// Errors carry the server's number and message, as the engine's errors do.
	_, err = target.Query(ctx, "SELECT nosuch")
	var se *sqlerror.SQLError
	require.True(t, errors.As(err, &se), "%T", err)
	assert.Equal(t, sqlerror.ERBadFieldError, se.Number())
	assert.Equal(t, "42S22", se.SQLState())
	assert.Equal(t, "Unknown column 'nosuch' in 'field list'", se.Message)

	// USE lasts until the file ends; a failed USE changes nothing.
	require.NoError(t, target.Exec(ctx, "use `s`;"))
	require.Error(t, target.Exec(ctx, "USE nosuch"))
	require.NoError(t, target.Exec(ctx, "SELECT 1"))
	require.NoError(t, target.EndFile(ctx, nil))
	require.NoError(t, target.Exec(ctx, "SELECT 2"))
	assert.Equal(t, []string{"schema= use `s`;", "schema=s USE nosuch", "schema=s SELECT 1", "schema= SELECT 2"},
		fake.log()[len(fake.log())-4:])

	_, err = NewHTTP("localhost:3030")
	assert.ErrorContains(t, err, "want http://host:port")
}

// Between files, a server target drops the schemas the file created and nothing else, and a CREATE SCHEMA
// finding its schema already there says why.
func TestHTTPTargetCleansUpBetweenFiles(t *testing.T) {
	exists := `{"error":{"code":1007,"sqlstate":"HY000","message":"Can't create database 'old'; database exists"}}`
	fake := &fakeServer{errors: map[string]string{"CREATE SCHEMA old": exists}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	target, err := NewHTTP(srv.URL)
	require.NoError(t, err)

	text := "statement ok\nCREATE SCHEMA old\n\nstatement ok\nCREATE SCHEMA IF NOT EXISTS kept\n\nstatement ok\ncreate database `new`\n\nstatement ok\nCREATE SCHEMA s\n\nstatement ok\nCREATE SCHEMA other\n\nstatement error 1007\nCREATE SCHEMA s\n"
	recs, err := slt.Parse("f.slt", strings.NewReader(text))
	require.NoError(t, err)
	// CREATE SCHEMA s succeeds the first time and fails the second, as a server would answer.
	fr := slt.Trace(ctx, &secondFails{HTTP: target, sql: "CREATE SCHEMA s", fake: fake, body: exists}, recs)
	require.NoError(t, target.EndFile(ctx, &fr))

	require.Equal(t, 1, fr.Failed, "%s", fr)
	assert.Contains(t, fr.Failures[0].Message, "schema old was on the server before this file ran")
	assert.Contains(t, fr.Outcomes[0].Message, "DROP SCHEMA old first")
	assert.Equal(t, []string{
		"schema= DROP SCHEMA IF EXISTS `other`",
		"schema= DROP SCHEMA IF EXISTS `s`",
		"schema= DROP SCHEMA IF EXISTS `new`",
	}, fake.log()[len(fake.log())-3:], "only the schemas the file created, newest first")
}

// secondFails makes the fake server refuse a statement after it has answered it once.
type secondFails struct {
	*HTTP
	sql, body string
	fake      *fakeServer
}

func (s *secondFails) Exec(ctx context.Context, sql string) error {
	err := s.HTTP.Exec(ctx, sql)
	if sql == s.sql {
		s.fake.mu.Lock()
		s.fake.errors[sql] = s.body
		s.fake.mu.Unlock()
	}
	return err
}
