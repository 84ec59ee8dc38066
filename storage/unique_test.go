package storage

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// uniqueWrites generates batches of writes to a table whose unique key is zip (column 1), sorted by (zip, city):
// keys repeat within and across batches, with NULL keys, NULL cities, and sequence numbers (orders, column 2)
// that go up and down so that "written last" and "greatest __seq" disagree.
func uniqueWrites(seed uint64, batches, rows int) [][][4]any {
	rng := rand.New(rand.NewPCG(seed, 1))
	cities := []any{"Lima", "Oslo", nil, "Rome"}
	out := make([][][4]any, batches)
	for b := range out {
		for i := 0; i < rows; i++ {
			var zip any = rng.IntN(25)
			if rng.IntN(20) == 0 {
				zip = nil
			}
			var seq any = rng.IntN(6)
			if rng.IntN(10) == 0 {
				seq = nil
			}
			out[b] = append(out[b], [4]any{cities[rng.IntN(len(cities))], zip, seq, float64(b*1000 + i)})
		}
	}
	return out
}

// lastRowModel is what a unique-key table holds after the writes: per zip, the row with the greatest seq (NULL
// least) when withSeq, ties and no seq going to the write made last. Rows come back in (zip, city) order.
func lastRowModel(writes [][][4]any, withSeq bool) [][]any {
	best := map[any][4]any{}
	seqOf := func(r [4]any) int {
		if r[2] == nil {
			return -1
		}
		return r[2].(int)
	}
	for _, batch := range writes {
		for _, r := range batch {
			old, ok := best[r[1]]
			if ok && withSeq && seqOf(r) < seqOf(old) {
				continue
			}
			best[r[1]] = r
		}
	}
	var out [][]any
	for _, r := range best {
		out = append(out, []any{r[0], r[1], r[2], r[3]})
	}
	slices.SortFunc(out, func(a, b []any) int {
		za, zb := -1, -1
		if a[1] != nil {
			za = a[1].(int)
		}
		if b[1] != nil {
			zb = b[1].(int)
		}
		return za - zb
	})
	return out
}

func TestUniqueKeyKeepsLastRow(t *testing.T) {
	for _, withSeq := range []bool{false, true} {
		t.Run(fmt.Sprintf("seq=%v", withSeq), func(t *testing.T) {
			st, err := Open(t.TempDir())
			require.NoError(t, err)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			unique := &UniqueSpec{Prefix: 1, Seq: -1}
			if withSeq {
				unique.Seq = 2
			}
			layout := IndexLayout{Key: []int{1, 0}, Columns: []int{0, 1, 2, 3}, Unique: unique}
			writes := uniqueWrites(7, 5, 60)
			var paths []string
			for i, rows := range writes {
				in := buildTestBatch(t, mem, rows)
				sorted, err := BuildIndexRows(context.Background(), mem, in, layout)
				in.Release()
				require.NoError(t, err)
				// Each chunk on its own already holds one row per key: the last of its batch.
				assert.Equal(t, lastRowModel(writes[i:i+1], withSeq), batchRows(sorted), "chunk %d", i)
				info, err := st.WriteChunk(7, uint64(10+i), mergeCols, []arrow.RecordBatch{sorted})
				sorted.Release()
				require.NoError(t, err)
				paths = append(paths, info.Path)
			}
			want := lastRowModel(writes, withSeq)

			// Read side: the chunks merged on the fly.
			r, err := st.OpenMerged(paths, mergeCols, ScanOptions{Columns: []int{3, 0, 1}, BatchSize: 7, Mem: mem}, []int{1, 0}, unique)
			require.NoError(t, err)
			var got [][]any
			for {
				b, err := r.Next()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				assert.LessOrEqual(t, b.NumRows(), int64(7))
				got = append(got, batchRows(b)...)
			}
			require.NoError(t, r.Close())
			var wantProjected [][]any
			for _, row := range want {
				wantProjected = append(wantProjected, []any{row[3], row[0], row[1]})
			}
			assert.Equal(t, wantProjected, got)

			// Compaction: the same merge written out, cut into small files.
			next := uint64(100)
			out, err := st.Merge(context.Background(), MergeSpec{TableID: 7, Inputs: paths, Cols: mergeCols, Key: []int{1, 0},
				Unique: unique, MaxRows: 4, NextID: func() (uint64, error) { next++; return next, nil }, Mem: mem})
			require.NoError(t, err)
			var merged [][]any
			for _, f := range out {
				assert.LessOrEqual(t, f.Rows, int64(4))
				merged = append(merged, readMerged(t, st, f.Path)...)
			}
			assert.Equal(t, want, merged)
		})
	}
}

func TestMergedReaderCountsRowsWithoutColumns(t *testing.T) {
	st, err := Open(t.TempDir())
	require.NoError(t, err)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	unique := &UniqueSpec{Prefix: 1, Seq: -1}
	writes := uniqueWrites(3, 3, 40)
	var paths []string
	for i, rows := range writes {
		in := buildTestBatch(t, mem, rows)
		sorted, err := BuildIndexRows(context.Background(), mem, in, IndexLayout{Key: []int{1, 0}, Columns: []int{0, 1, 2, 3}, Unique: unique})
		in.Release()
		require.NoError(t, err)
		info, err := st.WriteChunk(7, uint64(10+i), mergeCols, []arrow.RecordBatch{sorted})
		sorted.Release()
		require.NoError(t, err)
		paths = append(paths, info.Path)
	}
	r, err := st.OpenMerged(paths, mergeCols, ScanOptions{Mem: mem}, []int{1, 0}, unique)
	require.NoError(t, err)
	defer r.Close()
	var n int64
	for {
		b, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		assert.Zero(t, b.NumCols())
		n += b.NumRows()
	}
	assert.Equal(t, int64(len(lastRowModel(writes, false))), n)
	assert.Positive(t, r.Stats().BytesRead)
}

func TestOpenMergedRejectsBadUniquePrefix(t *testing.T) {
	st, err := Open(t.TempDir())
	require.NoError(t, err)
	mem := memory.NewGoAllocator()
	_, err = st.OpenMerged(nil, mergeCols, ScanOptions{Mem: mem}, []int{1}, &UniqueSpec{Prefix: 2, Seq: -1})
	require.ErrorContains(t, err, "unique prefix 2 of a 1-column key")
	_, err = st.OpenMerged(nil, mergeCols, ScanOptions{Mem: mem}, []int{9}, nil)
	require.ErrorContains(t, err, "key column 9 of 4")
}
