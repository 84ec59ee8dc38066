package storage

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// readValues reads every row of the columns proj of a chunk, as internal/sqltype values, with the read's figures.
func readValues(t *testing.T, s *Store, path string, proj []int, batchSize int) ([][]any, ReadStats) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := s.OpenChunk(path, allTypesColumns, ScanOptions{Columns: proj, BatchSize: batchSize, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if int(b.NumRows()) > batchSize {
			t.Fatalf("batch of %d rows, more than %d", b.NumRows(), batchSize)
		}
		for i := 0; i < int(b.NumRows()); i++ {
			row := make([]any, b.NumCols())
			for c := range row {
				row[c] = sqltype.ValueAt(b.Column(c), i)
			}
			rows = append(rows, row)
		}
	}
	st := r.Stats()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return rows, st
}

// TestColumnCache reads files through a column cache, cold then warm, and checks every value against a store
// without one; a warm read reads no bytes from disk; a small budget stays bounded; removing a file drops its
// entries; concurrent readers share the cache.
func TestColumnCache(t *testing.T) {
	plain := openStore(t)
	cache := NewColumnCache(1 << 30)
	cached, err := Open(plain.Dir(), WithColumnCache(cache))
	if err != nil {
		t.Fatal(err)
	}
	fi, want := writeRandom(t, plain, 1, 1, allTypesColumns, 40000, 9)
	releaseAll(want)
	proj := []int{0, 3, 5, 8}
	for _, batchSize := range []int{1000, 8192, 50000} {
		t.Run(fmt.Sprintf("batch=%d", batchSize), func(t *testing.T) {
			base, _ := readValues(t, plain, fi.Path, proj, batchSize)
			cold, _ := readValues(t, cached, fi.Path, proj, batchSize)
			before := cache.Stats()
			warm, st := readValues(t, cached, fi.Path, proj, batchSize)
			after := cache.Stats()
			if len(base) != 40000 || fmt.Sprint(cold) != fmt.Sprint(base) || fmt.Sprint(warm) != fmt.Sprint(base) {
				t.Fatalf("cached reads differ from plain reads (%d, %d, %d rows)", len(base), len(cold), len(warm))
			}
			if st.BytesRead != 0 || after.Misses != before.Misses || after.Hits-before.Hits != int64(3*len(proj)) {
				t.Errorf("warm read: %d bytes read, cache %+v then %+v", st.BytesRead, before, after)
			}
		})
	}
	t.Run("count without columns", func(t *testing.T) {
		rows, _ := readValues(t, cached, fi.Path, nil, 8192)
		if len(rows) != 40000 {
			t.Fatalf("%d rows", len(rows))
		}
	})
	t.Run("small budget", func(t *testing.T) {
		small := NewColumnCache(200 << 10)
		s, err := Open(plain.Dir(), WithColumnCache(small))
		if err != nil {
			t.Fatal(err)
		}
		base, _ := readValues(t, plain, fi.Path, proj, 4096)
		got, _ := readValues(t, s, fi.Path, proj, 4096)
		if fmt.Sprint(got) != fmt.Sprint(base) {
			t.Fatal("reads through a small cache differ")
		}
		if st := small.Stats(); st.Bytes > st.Budget || st.Entries == 0 {
			t.Errorf("cache %+v", st)
		}
	})
	t.Run("concurrent readers", func(t *testing.T) {
		base, _ := readValues(t, plain, fi.Path, proj, 3000)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if got, _ := readValues(t, cached, fi.Path, proj, 3000); fmt.Sprint(got) != fmt.Sprint(base) {
					t.Error("a concurrent cached read differs")
				}
			})
		}
		wg.Wait()
	})
	t.Run("remove drops entries", func(t *testing.T) {
		if cache.Stats().Entries == 0 {
			t.Fatal("nothing cached")
		}
		if err := cached.Remove([]string{fi.Path}); err != nil {
			t.Fatal(err)
		}
		if st := cache.Stats(); st.Entries != 0 || st.Bytes != 0 {
			t.Errorf("after Remove: %+v", st)
		}
	})
}
