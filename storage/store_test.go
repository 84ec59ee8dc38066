package storage

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// filesUnder lists the files under dir, relative, with forward slashes.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func assertNoFiles(t *testing.T, dir string) {
	t.Helper()
	if files := filesUnder(t, dir); len(files) > 0 {
		t.Fatalf("files left behind: %v", files)
	}
}

func TestOpenCreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "data")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o755 {
		t.Fatalf("data dir: %v, %v", st, err)
	}
	if !filepath.IsAbs(s.Dir()) || filepath.Clean(s.Dir()) != filepath.Clean(dir) {
		t.Fatalf("Dir() = %q, want %q", s.Dir(), dir)
	}
	if _, err := Open(dir, WithRowGroupRows(0)); err == nil {
		t.Fatal("Open with 0 rows per row group succeeded")
	}
	if ChunkPath(0x2a, 0x2b) != "t000000000000002a/c000000000000002b.parquet" {
		t.Fatalf("ChunkPath = %q", ChunkPath(0x2a, 0x2b))
	}
}

// TestRemoveOrphans simulates what a crash leaves: a temp file of an unfinished write, a finished file the
// catalog never committed, and a table directory nobody references. Only the kept files survive, and they
// still read.
func TestRemoveOrphans(t *testing.T) {
	s := openStore(t)
	kept1, want := writeRandom(t, s, 1, 1, allTypesColumns, 100, 1)
	defer releaseAll(want)
	kept2, want2 := writeRandom(t, s, 2, 1, allTypesColumns, 10, 2)
	releaseAll(want2)
	orphan, want3 := writeRandom(t, s, 1, 2, allTypesColumns, 10, 3)
	releaseAll(want3)
	lonely, want4 := writeRandom(t, s, 3, 1, allTypesColumns, 10, 4)
	releaseAll(want4)
	tmp := ChunkPath(1, 3) + ".tmp-123456"
	if err := os.WriteFile(filepath.Join(s.Dir(), filepath.FromSlash(tmp)), []byte("half a parquet file"), 0o644); err != nil {
		t.Fatal(err)
	}

	removed, err := s.RemoveOrphans(map[string]bool{kept1.Path: true, kept2.Path: true})
	if err != nil {
		t.Fatal(err)
	}
	wantRemoved := []string{orphan.Path, tmp, lonely.Path}
	slices.Sort(wantRemoved)
	if !slices.Equal(removed, wantRemoved) {
		t.Fatalf("removed %v, want %v", removed, wantRemoved)
	}
	if got := filesUnder(t, s.Dir()); !slices.Equal(got, []string{kept1.Path, kept2.Path}) {
		t.Fatalf("files after RemoveOrphans: %v", got)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), tableDirName(3))); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("empty table directory not removed: %v", err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	readAll(t, s, kept1.Path, allTypesColumns, want, ScanOptions{Columns: []int{0, 3}, Mem: mem})
	mem.AssertSize(t, 0)

	// Nothing left to remove the second time.
	removed, err = s.RemoveOrphans(map[string]bool{kept1.Path: true, kept2.Path: true})
	if err != nil || len(removed) != 0 {
		t.Fatalf("second RemoveOrphans: %v, %v", removed, err)
	}
}

func TestRemove(t *testing.T) {
	s := openStore(t)
	a, w1 := writeRandom(t, s, 1, 1, allTypesColumns, 10, 1)
	releaseAll(w1)
	b, w2 := writeRandom(t, s, 1, 2, allTypesColumns, 10, 2)
	releaseAll(w2)
	if err := s.Remove([]string{a.Path, ChunkPath(1, 99), ChunkPath(7, 1)}); err != nil {
		t.Fatalf("Remove with missing files: %v", err)
	}
	if got := filesUnder(t, s.Dir()); !slices.Equal(got, []string{b.Path}) {
		t.Fatalf("files after Remove: %v", got)
	}
	if err := s.Remove([]string{b.Path}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(s.Dir()); len(entries) != 0 {
		t.Fatalf("the empty table directory stayed: %v", entries)
	}
	outside := filepath.Join(filepath.Dir(s.Dir()), "keep.txt")
	if err := os.WriteFile(outside, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove([]string{"../keep.txt"}); err == nil {
		t.Fatal("Remove of a path outside the data directory succeeded")
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatalf("Remove deleted a file outside the data directory: %v", err)
	}
}

// TestWriteFailsCleanly: writes that cannot complete leave no file, temp or final, behind.
func TestWriteFailsCleanly(t *testing.T) {
	cols := []Column{{Name: "a", Type: sqltype.BigInt}}
	mem := memory.DefaultAllocator

	t.Run("table directory blocked by a file", func(t *testing.T) {
		s := openStore(t)
		// A file where the table directory should be: creating the temp file fails even for root.
		if err := os.WriteFile(filepath.Join(s.Dir(), tableDirName(1)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		arrs := randomColumns(t, mem, cols, 10, 0.2, newRand(1))
		defer releaseAll(arrs)
		batches := toBatches(cols, arrs, 10)
		defer releaseAll(batches)
		if _, err := s.WriteChunk(1, 1, cols, batches); err == nil {
			t.Fatal("WriteChunk succeeded")
		}
		if got := filesUnder(t, s.Dir()); !slices.Equal(got, []string{tableDirName(1)}) {
			t.Fatalf("files after failed write: %v", got)
		}
	})

	t.Run("read-only data directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores directory permissions")
		}
		s := openStore(t)
		if err := os.Chmod(s.Dir(), 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(s.Dir(), 0o755)
		arrs := randomColumns(t, mem, cols, 10, 0.2, newRand(1))
		defer releaseAll(arrs)
		batches := toBatches(cols, arrs, 10)
		defer releaseAll(batches)
		if _, err := s.WriteChunk(1, 1, cols, batches); err == nil {
			t.Fatal("WriteChunk succeeded")
		}
		assertNoFiles(t, s.Dir())
	})

	t.Run("failure after the temp file exists", func(t *testing.T) {
		s := openStore(t)
		writeOutOfRangeDecimal(t, s)
		if entries, err := os.ReadDir(s.Dir()); err != nil || len(entries) != 0 {
			t.Fatalf("data directory after failed write: %v, %v", entries, err)
		}
	})
}

// TestConcurrentWritesAndRemoves races writes into a table against removals of its other files, which empty
// and delete the table directory: no write may fail because its directory vanished.
func TestConcurrentWritesAndRemoves(t *testing.T) {
	s := openStore(t)
	cols := []Column{{Name: "a", Type: sqltype.BigInt}, {Name: "s", Type: sqltype.Text}}
	arrs := randomColumns(t, memory.DefaultAllocator, cols, 100, 0.2, newRand(3))
	defer releaseAll(arrs)
	batches := toBatches(cols, arrs, 100)
	defer releaseAll(batches)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				id := uint64(w*1000 + i)
				fi, err := s.WriteChunk(1, id, cols, batches)
				if err != nil {
					errs <- err
					return
				}
				if err := s.Remove([]string{fi.Path}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if entries, _ := os.ReadDir(s.Dir()); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

func TestErrorsNameTheFile(t *testing.T) {
	s := openStore(t)
	_, err := s.OpenChunk(ChunkPath(4, 5), []Column{{Name: "a", Type: sqltype.BigInt}}, ScanOptions{Mem: memory.DefaultAllocator})
	if err == nil || !strings.Contains(err.Error(), "c0000000000000005.parquet") {
		t.Fatalf("err = %v, want it to name the file", err)
	}
}
