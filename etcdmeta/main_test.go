package etcdmeta

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// endpoints of the one embedded etcd all tests of this binary share; each test keeps to its own prefix.
var endpoints []string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "etcdmeta-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	e, err := StartEmbedded(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer e.Close()
	endpoints = e.Endpoints()
	return m.Run()
}

var prefixSeq atomic.Int64

func testPrefix(t *testing.T) string {
	return fmt.Sprintf("/test/%s/%d/", t.Name(), prefixSeq.Add(1))
}

// testCtx bounds a test's etcd calls so a hang fails the test instead of the whole binary.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func connectT(t *testing.T, prefix string) *Store {
	t.Helper()
	s, err := Connect(testCtx(t), endpoints, prefix)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// rawClient reads etcd directly, to check what is stored rather than what a cache believes.
func rawClient(t *testing.T) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints})
	require.NoError(t, err)
	t.Cleanup(func() { cli.Close() })
	return cli
}

func countKeys(t *testing.T, cli *clientv3.Client, prefix string) int64 {
	t.Helper()
	resp, err := cli.Get(testCtx(t), prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	require.NoError(t, err)
	return resp.Count
}

func sampleTable(schema, name string) Table {
	return Table{
		Schema: schema,
		Name:   name,
		Columns: []Column{
			{Name: "day", Type: "timestamp"},
			{Name: "city", Type: "varchar(64)"},
			{Name: "amount", Type: "decimal(18,5)"},
		},
		Indexes: []Index{
			{Name: "by_day", Columns: []string{"day", "city"}},
			{Name: "by_city", Columns: []string{"city"}},
		},
	}
}

// addChunks commits n chunks to one index of a table, with IDs from AllocateIDs as storage takes them.
func addChunks(t *testing.T, s *Store, tbl Table, n int) []Chunk {
	t.Helper()
	ctx := testCtx(t)
	first, err := s.AllocateIDs(ctx, n)
	require.NoError(t, err)
	cs := make([]Chunk, n)
	for i := range cs {
		id := first + uint64(i)
		cs[i] = Chunk{ID: id, IndexID: tbl.Indexes[0].ID, File: fmt.Sprintf("t%d/c%d.parquet", tbl.ID, id), Rows: int64(10 * (i + 1)), Bytes: 1000}
	}
	out, err := s.AddChunks(ctx, tbl.ID, cs)
	require.NoError(t, err)
	return out
}
