package sqlfront_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/node"
)

// TestQueryStopsWhenClientHangsUp: a long query whose HTTP client closes the connection stops, instead of
// running to its end for nobody; the server keeps answering.
func TestQueryStopsWhenClientHangsUp(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the client watch peeks at sockets the Linux way")
	}
	n := servingTable(t)
	defer n.Close()

	// 8 billion triples, none of which passes: far more work than the wait below allows, answered by one row.
	conn, err := net.Dial("tcp", n.HTTPAddr())
	require.NoError(t, err)
	query := "SELECT COUNT(*) FROM w.t a, w.t b, w.t c WHERE a.x + b.x + c.x = -1"
	_, err = fmt.Fprintf(conn, "POST /v1/sql HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(query), query)
	require.NoError(t, err)
	waitFor(t, "the query to start", func() bool { return n.Engine.Running() == 1 })
	require.NoError(t, conn.Close())
	waitFor(t, "the query to stop after its client left", func() bool { return n.Engine.Running() == 0 })

	resp, err := http.Post("http://"+n.HTTPAddr()+"/v1/sql", "text/plain", strings.NewReader("SELECT COUNT(*) FROM w.t"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "2000")
}

// servingTable starts a node serving HTTP with a table w.t of 2,000 rows (x from 0 to 1999).
func servingTable(t *testing.T) *node.Node {
	t.Helper()
	n, err := node.Open(context.Background(), node.Config{DataDir: t.TempDir(), CompactionInterval: -1})
	require.NoError(t, err)
	require.NoError(t, n.ServeHTTP("127.0.0.1:0"))
	run(t, n, "CREATE SCHEMA w")
	run(t, n, "CREATE TABLE w.t (x bigint)")
	var vals []string
	for i := 0; i < 2000; i++ {
		vals = append(vals, fmt.Sprintf("(%d)", i))
	}
	run(t, n, "INSERT INTO w.t VALUES "+strings.Join(vals, ", "))
	return n
}

// waitFor polls cond until it holds, failing the test after 30 s (far longer than it should ever take: the
// point is that it happens, not how fast).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestShutdownAnswersThenCloses: stopping the server interrupts a statement in flight and still answers its
// client (with the interruption's error), and does not wait on connections that carry no request: a spare
// connection a client dialled and never used, and one whose request never finished arriving.
func TestShutdownAnswersThenCloses(t *testing.T) {
	n := servingTable(t)
	closed := false
	defer func() {
		if !closed {
			n.Close()
		}
	}()

	spare, err := net.Dial("tcp", n.HTTPAddr())
	require.NoError(t, err)
	defer spare.Close()
	partial, err := net.Dial("tcp", n.HTTPAddr())
	require.NoError(t, err)
	defer partial.Close()
	_, err = fmt.Fprintf(partial, "POST /v1/sql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nSELECT")
	require.NoError(t, err)

	busy, err := net.Dial("tcp", n.HTTPAddr())
	require.NoError(t, err)
	defer busy.Close()
	query := "SELECT COUNT(*) FROM w.t a, w.t b, w.t c WHERE a.x + b.x + c.x = -1"
	_, err = fmt.Fprintf(busy, "POST /v1/sql HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(query), query)
	require.NoError(t, err)
	waitFor(t, "the query to start", func() bool { return n.Engine.Running() == 1 })

	// Close's HTTP drain fails with "context deadline exceeded" if it waits on a connection for 10 s.
	closed = true
	require.NoError(t, n.Close())
	answer, err := io.ReadAll(busy)
	require.NoError(t, err)
	assert.Contains(t, string(answer), "HTTP/1.1 ")
	assert.Contains(t, string(answer), "1317", "the interrupted statement's error reaches its client")
	for _, c := range []net.Conn{spare, partial} {
		rest, err := io.ReadAll(c)
		assert.NoError(t, err)
		assert.NotContains(t, string(rest), "200 OK")
	}
}
