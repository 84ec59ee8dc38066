package storage

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// dictCols: a few distinct values (city), mostly unique strings (note), and a number.
var dictCols = []Column{
	{Name: "city", Type: sqltype.Text},
	{Name: "id", Type: sqltype.BigInt},
	{Name: "note", Type: sqltype.Text},
}

// dictRead is what one scan with ScanOptions.Dictionary returned.
type dictRead struct {
	dictBatches, plainBatches int // batches per form of the dictionary columns
	dictionaries              int // distinct dictionaries seen
}

// readDictionary scans path asking for the text columns of dictCols as dictionaries, checks every value
// against want, that each column comes as a dictionary or as a plain String array, that no batch spans row
// groups, and that the batches of one row group share their dictionary.
func readDictionary(t *testing.T, s *Store, path string, want []arrow.Array, batchSize int, groupRows int) dictRead {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := s.OpenChunk(path, dictCols, ScanOptions{Columns: []int{2, 0, 1}, Dictionary: []int{0, 2}, BatchSize: batchSize, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	var res dictRead
	seen := map[arrow.ArrayData]bool{}
	var last [3]arrow.ArrayData // the dictionary of each text column in the batch before
	rows := 0
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n := int(b.NumRows())
		if rows/groupRows != (rows+n-1)/groupRows {
			t.Fatalf("batch of rows %d..%d spans row groups of %d rows", rows, rows+n, groupRows)
		}
		for j, ci := range []int{2, 0, 1} {
			col := b.Column(j)
			if !arrow.TypeEqual(b.Schema().Field(j).Type, col.DataType()) {
				t.Fatalf("schema says %s, column is %s", b.Schema().Field(j).Type, col.DataType())
			}
			if d, ok := col.(*array.Dictionary); ok {
				if j == 2 {
					t.Fatal("a BIGINT column came as a dictionary")
				}
				res.dictBatches++
				for i, x := range d.Indices().(*array.Int32).Int32Values() {
					if d.IsValid(i) && (x < 0 || int(x) >= d.Dictionary().Len()) {
						t.Fatalf("row %d: index %d of a dictionary of %d", rows+i, x, d.Dictionary().Len())
					}
				}
				dd := d.Data().Dictionary()
				if rows%groupRows != 0 && last[j] != nil && last[j] != dd {
					t.Fatalf("column %s: a new dictionary within a row group, at row %d", dictCols[ci].Name, rows)
				}
				last[j] = dd
				if !seen[dd] {
					seen[dd] = true
					res.dictionaries++
					if err := d.Dictionary().(*array.String).ValidateFull(); err != nil {
						t.Fatal(err)
					}
				}
				col = materializeDictionary(mem, d)
			} else {
				if j < 2 {
					res.plainBatches++
				}
				last[j] = nil
				col.Retain()
			}
			err := sameValues(want[ci], rows, col)
			col.Release()
			if err != nil {
				t.Fatalf("column %s, rows %d..%d: %v", dictCols[ci].Name, rows, rows+n, err)
			}
		}
		rows += n
	}
	if rows != want[0].Len() {
		t.Fatalf("read %d rows, want %d", rows, want[0].Len())
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return res
}

// TestDictionaryRead: dictionary reads of random text with NULLs over several pages and row groups give the
// values plain reads give, a dictionary per row group shared by its batches, at several batch sizes.
func TestDictionaryRead(t *testing.T) {
	const groupRows = 3000
	s := openStore(t, WithPageBytes(smallPages), WithRowGroupRows(groupRows))
	fi, want := writeRandom(t, s, 1, 1, dictCols, 10000, 31)
	defer releaseAll(want)
	for _, bs := range []int{1, 7, 1000, DefaultBatchSize} {
		t.Run(fmt.Sprintf("batch=%d", bs), func(t *testing.T) {
			res := readDictionary(t, s, fi.Path, want, bs, groupRows)
			// city and note: every row group dictionary-encoded throughout (the limit is 1 MiB).
			if res.plainBatches != 0 || res.dictionaries != 2*4 {
				t.Errorf("%+v, want only dictionary batches and 8 dictionaries", res)
			}
		})
	}
	t.Run("not a text column", func(t *testing.T) {
		_, err := s.OpenChunk(fi.Path, dictCols, ScanOptions{Columns: []int{1}, Dictionary: []int{1}, Mem: memory.DefaultAllocator})
		if err == nil {
			t.Fatal("a BIGINT column was accepted as a dictionary")
		}
	})
}

// TestDictionaryReadFallback: a column chunk whose dictionary outgrew its limit holds dictionary pages, then
// plain ones. Batches whose rows are all in the dictionary pages come as dictionaries, the others
// (including a batch that starts in the dictionary pages and ends in the plain ones) plainly, with the same
// values either way.
func TestDictionaryReadFallback(t *testing.T) {
	const groupRows = 20000
	s := openStore(t, WithPageBytes(smallPages), WithDictionaryBytes(16<<10), WithRowGroupRows(groupRows))
	fi, want := writeRandom(t, s, 1, 1, dictCols, 45000, 32)
	defer releaseAll(want)
	for _, bs := range []int{1, 7, 777, DefaultBatchSize} {
		t.Run(fmt.Sprintf("batch=%d", bs), func(t *testing.T) {
			res := readDictionary(t, s, fi.Path, want, bs, groupRows)
			if res.plainBatches == 0 || res.dictBatches == 0 {
				t.Errorf("%+v, want batches of both forms", res)
			}
		})
	}
}

// TestDictionaryAllNull: a text column with only NULLs in a row group reads back as NULLs.
func TestDictionaryAllNull(t *testing.T) {
	s := openStore(t, WithRowGroupRows(100))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// city: NULL in the first row group, then NULLs, empty strings and "x"; note: NULL throughout.
	cb, ib, nb := array.NewStringBuilder(mem), array.NewInt64Builder(mem), array.NewStringBuilder(mem)
	for i := range 250 {
		ib.Append(int64(i))
		nb.AppendNull()
		switch {
		case i < 100 || i%3 == 0:
			cb.AppendNull()
		case i%3 == 1:
			cb.Append("")
		default:
			cb.Append("x")
		}
	}
	want := []arrow.Array{cb.NewArray(), ib.NewArray(), nb.NewArray()}
	defer releaseAll(want)
	cb.Release()
	ib.Release()
	nb.Release()
	batches := toBatches(dictCols, want, 250)
	fi, err := s.WriteChunk(1, 1, dictCols, batches)
	releaseAll(batches)
	if err != nil {
		t.Fatal(err)
	}
	for _, bs := range []int{1, 7, 64, 1000} {
		readDictionary(t, s, fi.Path, want, bs, 100)
	}
}

// TestDictionaryCache: reads through the column cache give what uncached reads give, in either form and in
// either order (a plain read after a dictionary read looks the cached dictionary up once and caches the
// result; a dictionary read after a plain one caches the dictionary form too), chunks that fell back to plain
// pages are cached plain, and the cache counts a dictionary entry's dictionary among its bytes.
func TestDictionaryCache(t *testing.T) {
	const groupRows = 3000
	plain := openStore(t, WithPageBytes(smallPages), WithRowGroupRows(groupRows))
	fi, want := writeRandom(t, plain, 1, 1, dictCols, 10000, 33)
	defer releaseAll(want)

	t.Run("dictionary first", func(t *testing.T) {
		cache := NewColumnCache(1 << 30)
		cached, err := Open(plain.Dir(), WithColumnCache(cache))
		if err != nil {
			t.Fatal(err)
		}
		cold := readDictionary(t, cached, fi.Path, want, 1000, groupRows)
		st := cache.Stats()
		warm := readDictionary(t, cached, fi.Path, want, 1000, groupRows)
		if cold.plainBatches+warm.plainBatches != 0 || cold.dictionaries != 8 || warm.dictionaries != 8 {
			t.Errorf("cold %+v, warm %+v: want dictionaries only, one per column chunk", cold, warm)
		}
		if after := cache.Stats(); after.Misses != st.Misses || after.Bytes != st.Bytes {
			t.Errorf("the warm read missed the cache: %+v then %+v", st, after)
		}
		checkCacheBytes(t, cache)
		dictBytes := cache.Stats().Bytes
		// Plain reads of the same columns now add the plain arrays.
		base, _ := readValuesOf(t, plain, fi.Path, dictCols, []int{0, 1, 2}, 999)
		got, _ := readValuesOf(t, cached, fi.Path, dictCols, []int{0, 1, 2}, 999)
		if fmt.Sprint(got) != fmt.Sprint(base) {
			t.Fatal("a plain read of dictionary entries differs from an uncached read")
		}
		checkCacheBytes(t, cache)
		if st := cache.Stats(); st.Bytes <= dictBytes {
			t.Errorf("cache %d bytes after plain reads, %d before", st.Bytes, dictBytes)
		}
		// The dictionary form of a low-cardinality column is much smaller than its plain form.
		var dictCity, plainCity int64
		for _, el := range cache.byKey {
			e := el.Value.(*cacheEntry)
			if e.key.column == "city "+sqltype.Text.String() {
				if e.key.dict {
					dictCity += e.bytes
				} else {
					plainCity += e.bytes
				}
			}
		}
		if dictCity == 0 || plainCity == 0 || dictCity*2 > plainCity {
			t.Errorf("city: %d bytes as dictionaries, %d plain", dictCity, plainCity)
		}
	})
	t.Run("plain first", func(t *testing.T) {
		cache := NewColumnCache(1 << 30)
		cached, err := Open(plain.Dir(), WithColumnCache(cache))
		if err != nil {
			t.Fatal(err)
		}
		readValuesOf(t, cached, fi.Path, dictCols, []int{0, 1, 2}, 4096)
		st := cache.Stats()
		res := readDictionary(t, cached, fi.Path, want, 1000, groupRows)
		if res.plainBatches != 0 || res.dictionaries != 8 {
			t.Errorf("%+v: want dictionaries only", res)
		}
		if after := cache.Stats(); after.Misses-st.Misses != 2*4 || after.Entries-st.Entries != 2*4 { // two a row group
			t.Errorf("cache %+v then %+v", st, after)
		}
		checkCacheBytes(t, cache)
	})
	t.Run("fallback", func(t *testing.T) {
		const groupRows = 20000
		s := openStore(t, WithPageBytes(smallPages), WithDictionaryBytes(16<<10), WithRowGroupRows(groupRows))
		fi, want := writeRandom(t, s, 1, 1, dictCols, 45000, 32)
		defer releaseAll(want)
		cache := NewColumnCache(1 << 30)
		cached, err := Open(s.Dir(), WithColumnCache(cache))
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			res := readDictionary(t, cached, fi.Path, want, 1000, groupRows)
			if res.plainBatches == 0 || res.dictBatches == 0 {
				t.Errorf("%+v, want batches of both forms", res)
			}
		}
		checkCacheBytes(t, cache)
	})
	t.Run("small budget", func(t *testing.T) {
		cache := NewColumnCache(64 << 10)
		cached, err := Open(plain.Dir(), WithColumnCache(cache))
		if err != nil {
			t.Fatal(err)
		}
		readDictionary(t, cached, fi.Path, want, 1000, groupRows)
		readValuesOf(t, cached, fi.Path, dictCols, []int{0, 2}, 1000)
		if st := cache.Stats(); st.Bytes > st.Budget || st.Entries == 0 {
			t.Errorf("cache %+v", st)
		}
		checkCacheBytes(t, cache)
	})
	t.Run("concurrent", func(t *testing.T) {
		cache := NewColumnCache(1 << 30)
		cached, err := Open(plain.Dir(), WithColumnCache(cache))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				if i%2 == 0 {
					readDictionary(t, cached, fi.Path, want, 700, groupRows)
				} else {
					readValuesOf(t, cached, fi.Path, dictCols, []int{0, 2}, 700)
				}
			})
		}
		wg.Wait()
		checkCacheBytes(t, cache)
		if err := cached.Remove([]string{fi.Path}); err != nil {
			t.Fatal(err)
		}
		if st := cache.Stats(); st.Entries != 0 || st.Bytes != 0 {
			t.Errorf("after Remove: %+v", st)
		}
	})
}

// checkCacheBytes recounts the cache's bytes from its entries' buffers, a dictionary array's dictionary
// included.
func checkCacheBytes(t *testing.T, c *ColumnCache) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var total int64
	for _, el := range c.byKey {
		e := el.Value.(*cacheEntry)
		var n int64
		data := e.arr.Data()
		for _, b := range data.Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
		if d, ok := e.arr.(*array.Dictionary); ok {
			if !e.key.dict {
				t.Errorf("a dictionary array under a plain key %+v", e.key)
			}
			for _, b := range d.Dictionary().Data().Buffers() {
				if b != nil {
					n += int64(b.Len())
				}
			}
		} else if e.key.dict && e.arr.NullN() != e.arr.Len() {
			t.Errorf("a plain array with values under a dictionary key %+v", e.key)
		}
		if n != e.bytes {
			t.Errorf("entry %+v counts %d bytes, its buffers hold %d", e.key, e.bytes, n)
		}
		total += n
	}
	if total != c.used {
		t.Errorf("the cache counts %d bytes, its entries hold %d", c.used, total)
	}
}

// readValuesOf reads columns proj of a chunk of cols plainly, as internal/sqltype values.
func readValuesOf(t *testing.T, s *Store, path string, cols []Column, proj []int, batchSize int) ([][]any, ReadStats) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := s.OpenChunk(path, cols, ScanOptions{Columns: proj, BatchSize: batchSize, Mem: mem})
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
		for i := 0; i < int(b.NumRows()); i++ {
			row := make([]any, b.NumCols())
			for c := range row {
				if _, ok := b.Column(c).(*array.String); !ok && cols[proj[c]].Type.Kind == sqltype.KindString {
					t.Fatalf("a plain read returned %s", b.Column(c).DataType())
				}
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
