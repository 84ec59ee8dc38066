package etcdmeta

import (
	"errors"
	"testing"
)

func TestCreateTableWithChunksIsOneTransaction(t *testing.T) {
	ctx := testCtx(t)
	prefix := testPrefix(t)
	s := connectT(t, prefix)
	if _, err := s.CreateSchema(ctx, "db"); err != nil {
		t.Fatal(err)
	}
	tbl := sampleTable("db", "imported")
	first, err := s.AllocateIDs(ctx, 1+len(tbl.Indexes)+2)
	if err != nil {
		t.Fatal(err)
	}
	tbl.ID = first
	for i := range tbl.Indexes {
		tbl.Indexes[i].ID = first + 1 + uint64(i)
	}
	c1 := first + 1 + uint64(len(tbl.Indexes))
	chunks := []Chunk{{ID: c1, IndexID: tbl.Indexes[0].ID, File: "f1", Rows: 10}, {ID: c1 + 1, IndexID: tbl.Indexes[0].ID, File: "f2", Rows: 5}}
	got, err := s.CreateTableWithChunks(ctx, tbl, chunks)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != first {
		t.Fatalf("table ID %d, want the preallocated %d", got.ID, first)
	}
	snap := s.Snapshot()
	cs := snap.Chunks(first)
	if len(cs) != 2 || cs[0].File != "f1" || cs[1].Rows != 5 || cs[0].TableID != first {
		t.Fatalf("chunks after create: %+v", cs)
	}
	// A second create of the same name fails and adds none of its chunks.
	tbl2 := tbl
	tbl2.ID = first + 100
	for i := range tbl2.Indexes {
		tbl2.Indexes[i].ID = first + 101 + uint64(i)
	}
	_, err = s.CreateTableWithChunks(ctx, tbl2, []Chunk{{ID: first + 200, File: "f3"}})
	if !errors.Is(err, ErrTableExists) {
		t.Fatalf("second create: %v, want ErrTableExists", err)
	}
	if n := countKeys(t, rawClient(t), prefix+chunksOf(first+100)); n != 0 {
		t.Fatalf("a failed create left %d chunk keys", n)
	}
	// Chunks without a preallocated table ID are refused.
	bad := sampleTable("db", "other")
	if _, err := s.CreateTableWithChunks(ctx, bad, []Chunk{{ID: 9999, File: "x"}}); err == nil {
		t.Fatal("chunks for a table without a preallocated ID were accepted")
	}
}

func TestAddIndexOnlyWithoutData(t *testing.T) {
	ctx := testCtx(t)
	s := connectT(t, testPrefix(t))
	if _, err := s.CreateSchema(ctx, "db"); err != nil {
		t.Fatal(err)
	}
	tbl, err := s.CreateTable(ctx, sampleTable("db", "t"))
	if err != nil {
		t.Fatal(err)
	}
	col := tbl.Columns[0].Name
	got, err := s.AddIndex(ctx, "db", "t", Index{Name: "extra", Columns: []string{col}})
	if err != nil {
		t.Fatal(err)
	}
	last := got.Indexes[len(got.Indexes)-1]
	if last.Name != "extra" || last.ID == 0 {
		t.Fatalf("added index: %+v", last)
	}
	if seen, _ := s.Snapshot().Table("db", "t"); len(seen.Indexes) != len(tbl.Indexes)+1 {
		t.Fatalf("snapshot shows %d indexes, want %d", len(seen.Indexes), len(tbl.Indexes)+1)
	}
	if _, err := s.AddIndex(ctx, "db", "t", Index{Name: "extra", Columns: []string{col}}); !errors.Is(err, ErrIndexExists) {
		t.Fatalf("duplicate index: %v", err)
	}
	if _, err := s.AddIndex(ctx, "db", "t", Index{Name: "bad", Columns: []string{"nosuch"}}); err == nil {
		t.Fatal("an index on an unknown column was accepted")
	}
	addChunks(t, s, tbl, 1)
	if _, err := s.AddIndex(ctx, "db", "t", Index{Name: "late", Columns: []string{col}}); !errors.Is(err, ErrTableHasData) {
		t.Fatalf("index on a table with data: %v, want ErrTableHasData", err)
	}
	if _, err := s.AddIndex(ctx, "db", "nosuch", Index{Name: "x", Columns: []string{col}}); !errors.Is(err, ErrTableNotFound) {
		t.Fatalf("index on a missing table: %v", err)
	}
}
