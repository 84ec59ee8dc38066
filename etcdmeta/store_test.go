package etcdmeta

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestConnectRejectsPrefixWithoutSlash(t *testing.T) {
	_, err := Connect(testCtx(t), endpoints, "/vcube")
	require.Error(t, err)
}

func TestSchemaLifecycle(t *testing.T) {
	ctx := testCtx(t)
	s := connectT(t, testPrefix(t))

	// Names are kept as given and compared exactly; '/' and '%' must not confuse the key layout.
	names := []string{"sales", "Sales", "a/b", "a", "100%", "a%2Fb"}
	created := map[string]Schema{}
	for _, n := range names {
		sc, err := s.CreateSchema(ctx, n)
		require.NoError(t, err, n)
		require.Equal(t, n, sc.Name)
		require.NotZero(t, sc.ID)
		require.False(t, sc.CreatedAt.IsZero())
		created[n] = sc
	}

	_, err := s.CreateSchema(ctx, "sales")
	require.ErrorIs(t, err, ErrSchemaExists)
	_, err = s.CreateSchema(ctx, "")
	require.Error(t, err)

	snap := s.Snapshot()
	got := snap.Schemas()
	var gotNames []string
	ids := map[uint64]bool{}
	for _, sc := range got {
		gotNames = append(gotNames, sc.Name)
		require.Equal(t, created[sc.Name], sc, "stored schema equals the one CreateSchema returned")
		ids[sc.ID] = true
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	require.Equal(t, sorted, gotNames)
	require.Len(t, ids, len(names), "schema IDs are distinct")

	_, ok := snap.Schema("SALES")
	require.False(t, ok, "lookups are case-sensitive")

	dropped, err := s.DropSchema(ctx, "a")
	require.NoError(t, err)
	require.Empty(t, dropped)
	_, err = s.DropSchema(ctx, "a")
	require.ErrorIs(t, err, ErrSchemaNotFound)
	_, ok = s.Snapshot().Schema("a")
	require.False(t, ok)
	_, ok = s.Snapshot().Schema("a/b")
	require.True(t, ok, "dropping a leaves a/b")
	_, ok = s.Snapshot().Schema("a%2Fb")
	require.True(t, ok)
}

func TestTableLifecycle(t *testing.T) {
	ctx := testCtx(t)
	s := connectT(t, testPrefix(t))

	_, err := s.CreateTable(ctx, sampleTable("nope", "t"))
	require.ErrorIs(t, err, ErrSchemaNotFound)

	_, err = s.CreateSchema(ctx, "db")
	require.NoError(t, err)
	_, err = s.CreateSchema(ctx, "db2")
	require.NoError(t, err)

	tb, err := s.CreateTable(ctx, sampleTable("db", "orders"))
	require.NoError(t, err)
	require.NotZero(t, tb.ID)
	require.Len(t, tb.Indexes, 2)
	require.Equal(t, tb.ID+1, tb.Indexes[0].ID, "index IDs follow the table ID")
	require.Equal(t, tb.ID+2, tb.Indexes[1].ID)
	require.Equal(t, []string{"day", "city"}, tb.Indexes[0].Columns)

	_, err = s.CreateTable(ctx, sampleTable("db", "orders"))
	require.ErrorIs(t, err, ErrTableExists)

	a, err := s.CreateTable(ctx, sampleTable("db", "a/x"))
	require.NoError(t, err)
	other, err := s.CreateTable(ctx, sampleTable("db2", "orders"))
	require.NoError(t, err)
	require.NotEqual(t, tb.ID, other.ID)

	snap := s.Snapshot()
	got, ok := snap.Table("db", "orders")
	require.True(t, ok)
	require.Equal(t, tb, got)
	byID, ok := snap.TableByID(a.ID)
	require.True(t, ok)
	require.Equal(t, a, byID)
	var tnames []string
	for _, x := range snap.Tables("db") {
		tnames = append(tnames, x.Name)
	}
	require.Equal(t, []string{"a/x", "orders"}, tnames)
	_, ok = snap.Table("db", "ORDERS")
	require.False(t, ok)

	chunks := addChunks(t, s, tb, 3)
	droppedT, droppedC, err := s.DropTable(ctx, "db", "orders")
	require.NoError(t, err)
	require.Equal(t, tb, droppedT)
	require.Equal(t, chunks, droppedC)

	_, _, err = s.DropTable(ctx, "db", "orders")
	require.ErrorIs(t, err, ErrTableNotFound)
	_, _, err = s.DropTable(ctx, "nope", "orders")
	require.ErrorIs(t, err, ErrSchemaNotFound)

	snap = s.Snapshot()
	_, ok = snap.Table("db", "orders")
	require.False(t, ok)
	_, ok = snap.TableByID(tb.ID)
	require.False(t, ok)
	require.Empty(t, snap.Chunks(tb.ID))
	_, ok = snap.Table("db2", "orders")
	require.True(t, ok, "same name in another schema is untouched")

	// A table created again under the same name is a new table.
	again, err := s.CreateTable(ctx, sampleTable("db", "orders"))
	require.NoError(t, err)
	require.NotEqual(t, tb.ID, again.ID)
}

func TestCreateTableValidation(t *testing.T) {
	ctx := testCtx(t)
	s := connectT(t, testPrefix(t))
	_, err := s.CreateSchema(ctx, "db")
	require.NoError(t, err)

	bad := map[string]func(*Table){
		"no name":        func(t *Table) { t.Name = "" },
		"no columns":     func(t *Table) { t.Columns = nil },
		"dup column":     func(t *Table) { t.Columns = append(t.Columns, Column{Name: "day", Type: "int"}) },
		"untyped column": func(t *Table) { t.Columns[0].Type = "" },
		"unknown column": func(t *Table) { t.Indexes[0].Columns = []string{"nope"} },
		"dup index":      func(t *Table) { t.Indexes[1].Name = t.Indexes[0].Name },
		"empty index":    func(t *Table) { t.Indexes[0].Columns = nil },
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			tb := sampleTable("db", "t").clone()
			mutate(&tb)
			_, err := s.CreateTable(ctx, tb)
			require.Error(t, err)
		})
	}
	require.Empty(t, s.Snapshot().Tables("db"), "no invalid table was stored")
}

func TestSnapshotIsImmutableAndReadsYourWrites(t *testing.T) {
	ctx := testCtx(t)
	s := connectT(t, testPrefix(t))

	before := s.Snapshot()
	_, err := s.CreateSchema(ctx, "db")
	require.NoError(t, err)
	// The very next snapshot shows the write: the mutation waited for the cache.
	after := s.Snapshot()
	require.Greater(t, after.Revision(), before.Revision())
	_, ok := after.Schema("db")
	require.True(t, ok)
	_, ok = before.Schema("db")
	require.False(t, ok, "an older snapshot does not change")

	tb, err := s.CreateTable(ctx, sampleTable("db", "t"))
	require.NoError(t, err)
	withTable := s.Snapshot()
	chunks := addChunks(t, s, tb, 2)
	require.Empty(t, withTable.Chunks(tb.ID), "snapshot taken before AddChunks has no chunks")
	require.Equal(t, chunks, s.Snapshot().Chunks(tb.ID))

	// Changing what a snapshot returned must not change the snapshot.
	got, _ := s.Snapshot().Table("db", "t")
	got.Columns[0].Name = "changed"
	got.Indexes[0].Columns[0] = "changed"
	cs := s.Snapshot().Chunks(tb.ID)
	cs[0].File = "changed"
	again, _ := s.Snapshot().Table("db", "t")
	require.Equal(t, tb, again)
	require.Equal(t, chunks, s.Snapshot().Chunks(tb.ID))

	require.Equal(t, map[string]bool{chunks[0].File: true, chunks[1].File: true}, s.Snapshot().Files())
}

func TestTwoStoresConverge(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	a := connectT(t, prefix)
	b := connectT(t, prefix)

	_, err := a.CreateSchema(ctx, "db")
	require.NoError(t, err)
	tb, err := a.CreateTable(ctx, sampleTable("db", "t"))
	require.NoError(t, err)
	chunks := addChunks(t, a, tb, 4)

	// B learns A's writes only through its watch; Sync waits for the watch to pass A's revision.
	snapB, err := b.Sync(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, snapB.Revision(), a.Snapshot().Revision())
	got, ok := snapB.Table("db", "t")
	require.True(t, ok)
	require.Equal(t, tb, got)
	require.Equal(t, chunks, snapB.Chunks(tb.ID))

	// B's write, planned on B's cache, is seen by A.
	_, droppedC, err := b.DropTable(ctx, "db", "t")
	require.NoError(t, err)
	require.Equal(t, chunks, droppedC)
	snapA, err := a.Sync(ctx)
	require.NoError(t, err)
	_, ok = snapA.Table("db", "t")
	require.False(t, ok)
	require.Empty(t, snapA.Chunks(tb.ID))

	// A table B never saw yet is still found: a miss is confirmed against etcd before it is an error.
	tb2, err := a.CreateTable(ctx, sampleTable("db", "t2"))
	require.NoError(t, err)
	_, err = b.AddChunks(ctx, tb2.ID, []Chunk{{ID: tb2.ID + 100, IndexID: tb2.Indexes[0].ID, File: "x.parquet"}})
	require.NoError(t, err)

	// A Store in another prefix sees none of it.
	c := connectT(t, testPrefix(t))
	require.Empty(t, c.Snapshot().Schemas())
}

func TestConcurrentCreateTableOneWins(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	stores := []*Store{connectT(t, prefix), connectT(t, prefix)}
	_, err := stores[0].CreateSchema(ctx, "db")
	require.NoError(t, err)
	_, err = stores[1].Sync(ctx)
	require.NoError(t, err)

	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	tables := make([]Table, n)
	for i := range n {
		wg.Go(func() {
			tables[i], errs[i] = stores[i%2].CreateTable(ctx, sampleTable("db", "t"))
		})
	}
	wg.Wait()

	wins := 0
	var winner Table
	for i, err := range errs {
		if err == nil {
			wins++
			winner = tables[i]
			continue
		}
		require.ErrorIs(t, err, ErrTableExists)
	}
	require.Equal(t, 1, wins)
	for _, s := range stores {
		snap, err := s.Sync(ctx)
		require.NoError(t, err)
		ts := snap.Tables("db")
		require.Len(t, ts, 1)
		require.Equal(t, winner, ts[0])
	}
	require.EqualValues(t, 1, countKeys(t, rawClient(t), prefix+tablesDir))
}

func TestConcurrentCreateSchemaOneWins(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	stores := []*Store{connectT(t, prefix), connectT(t, prefix)}
	const n = 8
	var wg sync.WaitGroup
	var wins, exists int
	var mu sync.Mutex
	for i := range n {
		wg.Go(func() {
			_, err := stores[i%2].CreateSchema(ctx, "db")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrSchemaExists):
				exists++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, wins)
	require.Equal(t, n-1, exists)
}

func TestAddChunksAfterDropTable(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	s := connectT(t, prefix)
	raw := rawClient(t)
	_, err := s.CreateSchema(ctx, "db")
	require.NoError(t, err)
	tb, err := s.CreateTable(ctx, sampleTable("db", "t"))
	require.NoError(t, err)
	addChunks(t, s, tb, 2)

	_, dropped, err := s.DropTable(ctx, "db", "t")
	require.NoError(t, err)
	require.Len(t, dropped, 2)

	// The chunks storage was writing while the table went away must not be committed.
	first, err := s.AllocateIDs(ctx, 3)
	require.NoError(t, err)
	late := []Chunk{
		{ID: first, IndexID: tb.Indexes[0].ID, File: "late1.parquet"},
		{ID: first + 1, IndexID: tb.Indexes[0].ID, File: "late2.parquet"},
	}
	_, err = s.AddChunks(ctx, tb.ID, late)
	require.ErrorIs(t, err, ErrTableNotFound)
	require.Empty(t, s.Snapshot().Chunks(tb.ID))
	require.Zero(t, countKeys(t, raw, prefix+chunksDir))

	// Nor on a new table of the same name: chunks belong to a table ID, not a name.
	again, err := s.CreateTable(ctx, sampleTable("db", "t"))
	require.NoError(t, err)
	_, err = s.AddChunks(ctx, tb.ID, late)
	require.ErrorIs(t, err, ErrTableNotFound)
	require.Zero(t, countKeys(t, raw, prefix+chunksDir))
	require.Empty(t, s.Snapshot().Chunks(again.ID))
}

func TestAddChunksRejectsBadInput(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	s := connectT(t, prefix)
	_, err := s.CreateSchema(ctx, "db")
	require.NoError(t, err)
	tb, err := s.CreateTable(ctx, sampleTable("db", "t"))
	require.NoError(t, err)
	existing := addChunks(t, s, tb, 1)

	cases := map[string][]Chunk{
		"zero ID":        {{File: "a"}},
		"repeated ID":    {{ID: 900, File: "a"}, {ID: 900, File: "b"}},
		"no file":        {{ID: 901}},
		"other table":    {{ID: 902, TableID: tb.ID + 1, File: "a"}},
		"already exists": {{ID: 903, File: "a"}, {ID: existing[0].ID, File: "b"}},
	}
	for name, cs := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.AddChunks(ctx, tb.ID, cs)
			require.Error(t, err)
		})
	}
	require.Equal(t, existing, s.Snapshot().Chunks(tb.ID), "failed calls committed nothing")
	require.EqualValues(t, 1, countKeys(t, rawClient(t), prefix+chunksDir))
}

func TestDropSchemaRemovesTablesAndChunks(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	s := connectT(t, prefix)
	raw := rawClient(t)
	for _, n := range []string{"db", "dbx", "db/x"} {
		_, err := s.CreateSchema(ctx, n)
		require.NoError(t, err)
	}
	var want []Chunk
	var ids []uint64
	for i := range 3 {
		tb, err := s.CreateTable(ctx, sampleTable("db", fmt.Sprintf("t%d", i)))
		require.NoError(t, err)
		ids = append(ids, tb.ID)
		want = append(want, addChunks(t, s, tb, i+1)...)
	}
	// Neighbours whose keys share a prefix with "db" must survive.
	keepA, err := s.CreateTable(ctx, sampleTable("dbx", "t0"))
	require.NoError(t, err)
	keepB, err := s.CreateTable(ctx, sampleTable("db/x", "t0"))
	require.NoError(t, err)
	keptA := addChunks(t, s, keepA, 2)
	keptB := addChunks(t, s, keepB, 1)

	dropped, err := s.DropSchema(ctx, "db")
	require.NoError(t, err)
	require.ElementsMatch(t, want, dropped)

	snap := s.Snapshot()
	_, ok := snap.Schema("db")
	require.False(t, ok)
	require.Empty(t, snap.Tables("db"))
	for _, id := range ids {
		require.Empty(t, snap.Chunks(id))
		require.Zero(t, countKeys(t, raw, prefix+chunksOf(id)))
	}
	require.Zero(t, countKeys(t, raw, prefix+tablesOf("db")))
	require.Equal(t, keptA, snap.Chunks(keepA.ID))
	require.Equal(t, keptB, snap.Chunks(keepB.ID))
	require.Len(t, snap.Tables("dbx"), 1)
	require.Len(t, snap.Tables("db/x"), 1)
}

// TestDropSchemaRacingAddChunks: whichever way each race goes, every chunk AddChunks reported committed is
// among the chunks DropSchema reported dropped, and nothing is left in etcd.
func TestDropSchemaRacingAddChunks(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	writer := connectT(t, prefix)
	dropper := connectT(t, prefix)
	_, err := writer.CreateSchema(ctx, "db")
	require.NoError(t, err)
	var tables []Table
	for i := range 4 {
		tb, err := writer.CreateTable(ctx, sampleTable("db", fmt.Sprintf("t%d", i)))
		require.NoError(t, err)
		tables = append(tables, tb)
	}
	_, err = dropper.Sync(ctx)
	require.NoError(t, err)

	var mu sync.Mutex
	var committed []Chunk
	var wg sync.WaitGroup
	for _, tb := range tables {
		wg.Go(func() {
			for {
				id, err := writer.AllocateIDs(ctx, 1)
				if !assert.NoError(t, err) {
					return
				}
				cs, err := writer.AddChunks(ctx, tb.ID, []Chunk{{ID: id, IndexID: tb.Indexes[0].ID, File: fmt.Sprintf("c%d", id)}})
				if errors.Is(err, ErrTableNotFound) {
					return
				}
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				committed = append(committed, cs...)
				mu.Unlock()
			}
		})
	}
	// Let some chunks land first so the drop has something to race with.
	for {
		mu.Lock()
		n := len(committed)
		mu.Unlock()
		if n >= 8 {
			break
		}
		_, err := writer.waitRev(ctx, writer.Snapshot().Revision()+1, false)
		require.NoError(t, err)
	}
	dropped, err := dropper.DropSchema(ctx, "db")
	require.NoError(t, err)
	wg.Wait()

	droppedIDs := map[uint64]bool{}
	for _, c := range dropped {
		droppedIDs[c.ID] = true
	}
	for _, c := range committed {
		require.True(t, droppedIDs[c.ID], "chunk %d was committed but not dropped", c.ID)
	}
	require.Len(t, dropped, len(committed))
	raw := rawClient(t)
	require.Zero(t, countKeys(t, raw, prefix+chunksDir))
	require.Zero(t, countKeys(t, raw, prefix+tablesDir))
}

func TestAllocateIDsUniqueUnderConcurrency(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	stores := []*Store{connectT(t, prefix), connectT(t, prefix)}
	_, err := stores[0].AllocateIDs(ctx, 0)
	require.Error(t, err)

	const workers, calls = 8, 20
	type span struct{ first, n uint64 }
	var mu sync.Mutex
	var spans []span
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for c := range calls {
				n := 1 + (w+c)%5
				first, err := stores[w%2].AllocateIDs(ctx, n)
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				spans = append(spans, span{first, uint64(n)})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, spans, workers*calls)
	sort.Slice(spans, func(i, j int) bool { return spans[i].first < spans[j].first })
	require.Equal(t, uint64(1), spans[0].first, "IDs start at 1")
	for i := 1; i < len(spans); i++ {
		require.Equal(t, spans[i-1].first+spans[i-1].n, spans[i].first, "ranges are disjoint and leave no gaps")
	}
}

func TestReplaceChunks(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	s := connectT(t, prefix)
	_, err := s.CreateSchema(ctx, "db")
	require.NoError(t, err)
	tb, err := s.CreateTable(ctx, sampleTable("db", "t"))
	require.NoError(t, err)
	old := addChunks(t, s, tb, 3)

	id, err := s.AllocateIDs(ctx, 1)
	require.NoError(t, err)
	merged := Chunk{ID: id, IndexID: tb.Indexes[0].ID, File: "merged.parquet", Rows: 60, Bytes: 3000}
	added, err := s.ReplaceChunks(ctx, tb.ID, []uint64{old[0].ID, old[1].ID}, []Chunk{merged})
	require.NoError(t, err)
	require.Len(t, added, 1)
	require.Equal(t, tb.ID, added[0].TableID)
	require.False(t, added[0].CreatedAt.IsZero())
	require.Equal(t, []Chunk{old[2], added[0]}, s.Snapshot().Chunks(tb.ID))

	// A second compaction of the same sources lost the race: nothing changes.
	id2, err := s.AllocateIDs(ctx, 1)
	require.NoError(t, err)
	_, err = s.ReplaceChunks(ctx, tb.ID, []uint64{old[0].ID, old[2].ID}, []Chunk{{ID: id2, File: "loser.parquet"}})
	require.ErrorIs(t, err, ErrChunkNotFound)
	require.Equal(t, []Chunk{old[2], added[0]}, s.Snapshot().Chunks(tb.ID))
	require.EqualValues(t, 2, countKeys(t, rawClient(t), prefix+chunksDir))
}

// TestLargeTableIsOneTransaction: thousands of chunks commit and drop in one transaction each, far past
// etcd's default limit of 128 operations.
func TestLargeTableIsOneTransaction(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	s := connectT(t, prefix)
	other := connectT(t, prefix)
	_, err := s.CreateSchema(ctx, "db")
	require.NoError(t, err)
	tb, err := s.CreateTable(ctx, sampleTable("db", "big"))
	require.NoError(t, err)

	const n = 5000
	start := time.Now()
	chunks := addChunks(t, s, tb, n)
	addTook := time.Now().Sub(start)
	require.Len(t, s.Snapshot().Chunks(tb.ID), n)
	snap, err := other.Sync(ctx)
	require.NoError(t, err)
	require.Equal(t, chunks, snap.Chunks(tb.ID), "a watcher sees all chunks, in ID order")

	start = time.Now()
	rev := s.Snapshot().Revision()
	_, dropped, err := s.DropTable(ctx, "db", "big")
	dropTook := time.Now().Sub(start)
	require.NoError(t, err)
	require.Len(t, dropped, n)
	require.Equal(t, rev+1, s.Snapshot().Revision(), "the drop was a single revision")
	require.Zero(t, countKeys(t, rawClient(t), prefix+chunksDir))
	snap, err = other.Sync(ctx)
	require.NoError(t, err)
	require.Empty(t, snap.Chunks(tb.ID))
	t.Logf("%d chunks: AddChunks %v, DropTable %v", n, addTook, dropTook)
}

// TestReloadAfterCompaction: a watch that starts from a compacted revision is cancelled by etcd; the Store
// reloads and ends with the same catalog as a fresh load.
func TestReloadAfterCompaction(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	writer := connectT(t, prefix)
	raw := rawClient(t)

	var once sync.Once
	compacted := make(chan struct{})
	s, err := connect(ctx, endpoints, prefix, func(rev int64) {
		// Before the first watch starts, move past the loaded revision and compact it away.
		once.Do(func() {
			defer close(compacted)
			_, err := writer.CreateSchema(ctx, "db")
			if !assert.NoError(t, err) {
				return
			}
			_, err = writer.CreateSchema(ctx, "gone")
			assert.NoError(t, err)
			_, err = writer.DropSchema(ctx, "gone")
			assert.NoError(t, err)
			resp, err := raw.Get(ctx, "x")
			if !assert.NoError(t, err) {
				return
			}
			_, err = raw.Compact(ctx, resp.Header.Revision, clientv3.WithCompactPhysical())
			assert.NoError(t, err)
		})
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	<-compacted

	snap, err := s.Sync(ctx)
	require.NoError(t, err)
	_, ok := snap.Schema("db")
	require.True(t, ok)
	_, ok = snap.Schema("gone")
	require.False(t, ok)

	// The re-established watch keeps delivering.
	_, err = writer.CreateSchema(ctx, "later")
	require.NoError(t, err)
	snap, err = s.Sync(ctx)
	require.NoError(t, err)
	_, ok = snap.Schema("later")
	require.True(t, ok)
}

// BenchmarkAddChunk is the metadata cost of committing one chunk, as a small INSERT does: allocate its ID,
// then commit it and wait for the cache to show it.
func BenchmarkAddChunk(b *testing.B) {
	ctx := b.Context()
	s, err := Connect(ctx, endpoints, fmt.Sprintf("/bench/%d/", prefixSeq.Add(1)))
	require.NoError(b, err)
	defer s.Close()
	_, err = s.CreateSchema(ctx, "db")
	require.NoError(b, err)
	tb, err := s.CreateTable(ctx, sampleTable("db", "t"))
	require.NoError(b, err)
	for b.Loop() {
		id, err := s.AllocateIDs(ctx, 1)
		require.NoError(b, err)
		_, err = s.AddChunks(ctx, tb.ID, []Chunk{{ID: id, IndexID: tb.Indexes[0].ID, File: fmt.Sprintf("c%d", id)}})
		require.NoError(b, err)
	}
}

// BenchmarkSnapshotTable is the read path a query takes: look a table up and list its chunks, no etcd call.
func BenchmarkSnapshotTable(b *testing.B) {
	ctx := b.Context()
	s, err := Connect(ctx, endpoints, fmt.Sprintf("/bench/%d/", prefixSeq.Add(1)))
	require.NoError(b, err)
	defer s.Close()
	_, err = s.CreateSchema(ctx, "db")
	require.NoError(b, err)
	tb, err := s.CreateTable(ctx, sampleTable("db", "t"))
	require.NoError(b, err)
	first, err := s.AllocateIDs(ctx, 100)
	require.NoError(b, err)
	cs := make([]Chunk, 100)
	for i := range cs {
		cs[i] = Chunk{ID: first + uint64(i), IndexID: tb.Indexes[0].ID, File: fmt.Sprintf("c%d", i)}
	}
	_, err = s.AddChunks(ctx, tb.ID, cs)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		snap := s.Snapshot()
		t, ok := snap.Table("db", "t")
		if !ok || len(snap.Chunks(t.ID)) != 100 {
			b.Fatal("table or chunks missing")
		}
	}
}
