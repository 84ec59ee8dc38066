package storage

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// writeSortedChunk writes rows (city, zip, orders, price) sorted by city as chunk id.
func writeSortedChunk(t *testing.T, st *Store, id uint64, rows [][4]any) FileInfo {
	t.Helper()
	mem := memory.NewGoAllocator()
	in := buildTestBatch(t, mem, rows)
	defer in.Release()
	sorted, err := BuildIndexRows(context.Background(), mem, in, IndexLayout{Key: []int{0}, Columns: []int{0, 1, 2, 3}})
	require.NoError(t, err)
	defer sorted.Release()
	info, err := st.WriteChunk(7, id, mergeCols, []arrow.RecordBatch{sorted})
	require.NoError(t, err)
	return info
}

// mergeCols are the columns of buildTestBatch.
var mergeCols = []Column{
	{Name: "city", Type: sqltype.Text}, {Name: "zip", Type: sqltype.BigInt}, {Name: "orders", Type: sqltype.BigInt}, {Name: "price", Type: sqltype.Double},
}

func readMerged(t *testing.T, st *Store, path string) [][]any {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := st.OpenChunk(path, mergeCols, ScanOptions{Columns: []int{0, 1, 2, 3}, Mem: mem})
	require.NoError(t, err)
	defer r.Close()
	var out [][]any
	for {
		b, err := r.Next()
		if err != nil {
			break
		}
		out = append(out, batchRows(b)...)
	}
	return out
}

func mergeInputs(t *testing.T, st *Store) []string {
	var paths []string
	cities := []string{"Lima", "Oslo", "Paris", "Rome", "Kyiv"}
	for c := 0; c < 3; c++ {
		var rows [][4]any
		for i := 0; i < 40; i++ {
			var city any = cities[(i+c)%len(cities)]
			if i%13 == 0 {
				city = nil
			}
			rows = append(rows, [4]any{city, c*100 + i, i, float64(i) / 2})
		}
		paths = append(paths, writeSortedChunk(t, st, uint64(10+c), rows).Path)
	}
	return paths
}

func TestMergeKeepsEveryRowSortedAndCutsBetweenKeys(t *testing.T) {
	st, err := Open(t.TempDir())
	require.NoError(t, err)
	inputs := mergeInputs(t, st)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	next := uint64(100)
	out, err := st.Merge(context.Background(), MergeSpec{TableID: 7, Inputs: inputs, Cols: mergeCols, Key: []int{0}, MaxRows: 25,
		NextID: func() (uint64, error) { next++; return next, nil }, Mem: mem})
	require.NoError(t, err)
	mem.AssertSize(t, 0)
	require.Greater(t, len(out), 2, "120 rows at 25 a file must make several files")
	var all [][]any
	var prevLast any = "\x00none"
	for _, f := range out {
		rows := readMerged(t, st, f.Path)
		require.NotEmpty(t, rows)
		assert.Equal(t, int64(len(rows)), f.Rows)
		// No key spans two files.
		assert.NotEqual(t, prevLast, rows[0][0], "key %v is cut across files", rows[0][0])
		prevLast = rows[len(rows)-1][0]
		all = append(all, rows...)
	}
	assert.Len(t, all, 120)
	assert.True(t, sort.SliceIsSorted(all, func(i, j int) bool { return lessCity(all[i][0], all[j][0]) }), "merged output is not sorted")
	var zips []int
	for _, r := range all {
		zips = append(zips, r[1].(int))
	}
	sort.Ints(zips)
	for i := 0; i < 3; i++ {
		for j := 0; j < 40; j++ {
			assert.Contains(t, zips, i*100+j)
		}
	}
}

func lessCity(a, b any) bool {
	if a == nil {
		return b != nil
	}
	if b == nil {
		return false
	}
	return a.(string) < b.(string)
}

func TestMergeRollsUpAggregateIndexes(t *testing.T) {
	st, err := Open(t.TempDir())
	require.NoError(t, err)
	inputs := mergeInputs(t, st)
	next := uint64(100)
	out, err := st.Merge(context.Background(), MergeSpec{TableID: 7, Inputs: inputs, Cols: mergeCols, Key: []int{0}, MaxRows: 1000,
		Rollup: []RollupSpec{{Column: 1, Func: "min"}, {Column: 2, Func: "sum"}, {Column: 3, Func: "max"}},
		NextID: func() (uint64, error) { next++; return next, nil }, Mem: memory.NewGoAllocator()})
	require.NoError(t, err)
	require.Len(t, out, 1)
	rows := readMerged(t, st, out[0].Path)
	want := map[any][3]any{}
	cities := []string{"Lima", "Oslo", "Paris", "Rome", "Kyiv"}
	for c := 0; c < 3; c++ {
		for i := 0; i < 40; i++ {
			var city any = cities[(i+c)%len(cities)]
			if i%13 == 0 {
				city = nil
			}
			w, seen := want[city]
			if !seen {
				w = [3]any{c*100 + i, 0, 0.0}
			}
			w[0] = min(w[0].(int), c*100+i)
			w[1] = w[1].(int) + i
			w[2] = max(w[2].(float64), float64(i)/2)
			want[city] = w
		}
	}
	require.Len(t, rows, len(want))
	for _, r := range rows {
		w := want[r[0]]
		assert.Equal(t, []any{r[0], w[0], w[1], w[2]}, r)
	}
}

func TestMergeFailureRemovesOutputs(t *testing.T) {
	st, err := Open(t.TempDir())
	require.NoError(t, err)
	inputs := mergeInputs(t, st)
	calls := 0
	_, err = st.Merge(context.Background(), MergeSpec{TableID: 7, Inputs: append(inputs, "t0000000000000007/c00000000000000ff.parquet"),
		Cols: mergeCols, Key: []int{0}, MaxRows: 10, NextID: func() (uint64, error) { calls++; return uint64(200 + calls), nil },
		Mem: memory.NewGoAllocator()})
	require.Error(t, err, "a missing input must fail the merge")
	removed, err := st.RemoveOrphans(map[string]bool{inputs[0]: true, inputs[1]: true, inputs[2]: true})
	require.NoError(t, err)
	assert.Empty(t, removed, "a failed merge left files behind")
}

// Inputs whose keys alternate in blocks of 150 make long runs, which the merge copies as slices of input batches;
// cuts still fall between keys and every row arrives once.
func TestMergeLongRuns(t *testing.T) {
	st, err := Open(t.TempDir())
	require.NoError(t, err)
	mem := memory.NewGoAllocator()
	var inputs []string
	for c := 0; c < 2; c++ {
		var rows [][4]any
		for k := 0; k < 6000; k++ {
			if (k/150)%2 == c {
				rows = append(rows, [4]any{fmt.Sprintf("k%05d", k), k, 1, 0.5})
				rows = append(rows, [4]any{fmt.Sprintf("k%05d", k), k, 2, 0.5}) // two rows a key
			}
		}
		in := buildTestBatch(t, mem, rows)
		info, err := st.WriteChunk(7, uint64(50+c), mergeCols, []arrow.RecordBatch{in})
		in.Release()
		require.NoError(t, err)
		inputs = append(inputs, info.Path)
	}
	checked := memory.NewCheckedAllocator(memory.NewGoAllocator())
	next := uint64(100)
	out, err := st.Merge(context.Background(), MergeSpec{TableID: 7, Inputs: inputs, Cols: mergeCols, Key: []int{0}, MaxRows: 701,
		NextID: func() (uint64, error) { next++; return next, nil }, Mem: checked})
	require.NoError(t, err)
	checked.AssertSize(t, 0)
	total, prev := 0, ""
	for _, f := range out {
		rows := readMerged(t, st, f.Path)
		assert.LessOrEqual(t, len(rows), 702, "a file holds at most MaxRows plus the rest of its last key")
		assert.NotEqual(t, prev, rows[0][0], "key %v is cut across files", rows[0][0])
		for i := 1; i < len(rows); i++ {
			require.LessOrEqual(t, rows[i-1][0].(string), rows[i][0].(string), "output not sorted")
		}
		prev = rows[len(rows)-1][0].(string)
		total += len(rows)
	}
	assert.Equal(t, 12000, total)
}

// TestMergeRandomRuns merges random sorted inputs of every stored type, with NULLs (keys included), into small
// files: every input row arrives exactly once, the output is in key order, and files are cut only between keys.
// The merged reader returns the same rows at any batch size.
func TestMergeRandomRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for trial := range 40 {
		st, err := Open(t.TempDir())
		require.NoError(t, err)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		ncols := 2 + r.IntN(3)
		var cols []sortColumn
		var storeCols []Column
		for c := range ncols {
			sc := sortColumns[r.IntN(len(sortColumns))]
			sc.name = fmt.Sprintf("c%d", c)
			cols = append(cols, sc)
			storeCols = append(storeCols, Column{Name: sc.name, Type: sc.typ})
		}
		key := []int{0}
		if r.IntN(2) == 0 {
			key = []int{0, 1}
		}
		var inputs []string
		var want []string
		for in := range 1 + r.IntN(5) {
			b := randomSortBatch(t, mem, r, cols, r.IntN(3000), []int{0, 4, 20}[r.IntN(3)])
			all := make([]int, ncols)
			for i := range all {
				all[i] = i
			}
			sorted, err := BuildIndexRows(context.Background(), mem, b, IndexLayout{Key: key, Columns: all})
			b.Release()
			require.NoError(t, err)
			want = append(want, rowStrings(sorted)...)
			info, err := st.WriteChunk(9, uint64(10+in), storeCols, []arrow.RecordBatch{sorted})
			sorted.Release()
			require.NoError(t, err)
			inputs = append(inputs, info.Path)
		}
		maxRows := 1 + r.IntN(2000)
		next := uint64(100)
		out, err := st.Merge(context.Background(), MergeSpec{TableID: 9, Inputs: inputs, Cols: storeCols, Key: key, MaxRows: maxRows,
			NextID: func() (uint64, error) { next++; return next, nil }, Mem: mem})
		require.NoError(t, err)
		var got []string
		var prevFile arrow.RecordBatch
		for _, f := range out {
			b := readChunkBatch(t, st, f.Path, storeCols, mem)
			require.Equal(t, f.Rows, b.NumRows())
			cmpKey := keyComparatorAcross(key)
			for i := 1; i < int(b.NumRows()); i++ {
				require.LessOrEqual(t, cmpKey(b, i-1, b, i), 0, "trial %d: file %s out of key order at row %d", trial, f.Path, i)
			}
			if prevFile != nil {
				require.NotZero(t, cmpKey(prevFile, int(prevFile.NumRows())-1, b, 0), "trial %d: a key is cut across files", trial)
				require.GreaterOrEqual(t, prevFile.NumRows(), int64(maxRows), "trial %d: a file was cut before MaxRows", trial)
				prevFile.Release()
			}
			prevFile = b
			got = append(got, rowStrings(b)...)
		}
		if prevFile != nil {
			prevFile.Release()
		}
		slices.Sort(want)
		slices.Sort(got)
		require.Equal(t, want, got, "trial %d: the merge lost or invented rows", trial)

		// The merged reader: the same rows, in key order, at any batch size.
		for _, size := range []int{1, 7, 4096} {
			all := make([]int, ncols)
			for i := range all {
				all[i] = i
			}
			m, err := st.OpenMerged(inputs, storeCols, ScanOptions{Columns: all, BatchSize: size, Mem: mem}, key, nil)
			require.NoError(t, err)
			var read []string
			for {
				b, err := m.Next()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				require.LessOrEqual(t, b.NumRows(), int64(size))
				read = append(read, rowStrings(b)...)
			}
			require.NoError(t, m.Close())
			slices.Sort(read)
			require.Equal(t, want, read, "trial %d: merged read at batch size %d", trial, size)
		}
		mem.AssertSize(t, 0)
	}
}

// rowStrings renders each row of b as one string, for comparing multisets of rows.
func rowStrings(b arrow.RecordBatch) []string {
	out := make([]string, b.NumRows())
	for i := range out {
		var sb strings.Builder
		for c := range int(b.NumCols()) {
			fmt.Fprintf(&sb, "%v|", sqltype.ValueAt(b.Column(c), i))
		}
		out[i] = sb.String()
	}
	return out
}

func keyComparatorAcross(key []int) func(a arrow.RecordBatch, i int, b arrow.RecordBatch, j int) int {
	return func(a arrow.RecordBatch, i int, b arrow.RecordBatch, j int) int { return compareKeys(a, i, b, j, key) }
}

// readChunkBatch reads a chunk file whole into one batch.
func readChunkBatch(t *testing.T, st *Store, path string, cols []Column, mem memory.Allocator) arrow.RecordBatch {
	t.Helper()
	all := make([]int, len(cols))
	for i := range all {
		all[i] = i
	}
	r, err := st.OpenChunk(path, cols, ScanOptions{Columns: all, Mem: mem})
	require.NoError(t, err)
	defer r.Close()
	var batches []arrow.RecordBatch
	for {
		b, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b.Retain()
		batches = append(batches, b)
	}
	out, err := sqltype.ConcatBatches(mem, arrowSchema(cols), batches)
	require.NoError(t, err)
	for _, b := range batches {
		b.Release()
	}
	return out
}
