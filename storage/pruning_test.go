package storage

import (
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// A chunk of 1,000 rows sorted by k (0..999) in row groups of 100, with a wide decimal d = k - 500 and a text t.
func writePruningChunk(t *testing.T) (*Store, FileInfo, []Column) {
	t.Helper()
	st, err := Open(t.TempDir(), WithRowGroupRows(100))
	require.NoError(t, err)
	cols := []Column{{Name: "k", Type: sqltype.BigInt}, {Name: "d", Type: sqltype.Decimal(38, 2)}, {Name: "t", Type: sqltype.Text}}
	mem := memory.NewGoAllocator()
	b := array.NewRecordBuilder(mem, arrowSchema(cols))
	defer b.Release()
	for k := 0; k < 1000; k++ {
		b.Field(0).(*array.Int64Builder).Append(int64(k))
		b.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(k-500) * 100))
		if k%10 == 0 {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.StringBuilder).Append(string(rune('a' + k/100)))
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	info, err := st.WriteChunk(1, 2, cols, []arrow.RecordBatch{rec})
	require.NoError(t, err)
	return st, info, cols
}

func TestWriteChunkReportsBounds(t *testing.T) {
	_, info, _ := writePruningChunk(t)
	assert.Equal(t, []any{int64(0), decimal128.FromI64(-50000), "a"}, info.Min)
	assert.Equal(t, []any{int64(999), decimal128.FromI64(49900), "j"}, info.Max)
}

func scanKeys(t *testing.T, st *Store, path string, cols []Column, ranges []ColumnRange) ([]int64, ReadStats) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := st.OpenChunk(path, cols, ScanOptions{Columns: []int{0}, Mem: mem, Ranges: ranges})
	require.NoError(t, err)
	var keys []int64
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		keys = append(keys, b.Column(0).(*array.Int64).Int64Values()...)
	}
	stats := r.Stats()
	require.NoError(t, r.Close())
	return keys, stats
}

func TestRowGroupPruning(t *testing.T) {
	st, info, cols := writePruningChunk(t)
	d := func(v int64) any { return decimal128.FromI64(v * 100) }
	cases := []struct {
		name       string
		ranges     []ColumnRange
		groupsRead int
	}{
		{"no filter", nil, 10},
		{"k = 250", []ColumnRange{{0, sqltype.Range{Values: []any{int64(250)}}}}, 1},
		{"k IN (5, 950)", []ColumnRange{{0, sqltype.Range{Values: []any{int64(5), int64(950)}}}}, 2},
		{"k >= 700", []ColumnRange{{0, sqltype.Range{Lo: int64(700), LoIncl: true}}}, 3},
		{"k > 699", []ColumnRange{{0, sqltype.Range{Lo: int64(699)}}}, 3},
		{"k < 100", []ColumnRange{{0, sqltype.Range{Hi: int64(100)}}}, 1},
		{"k BETWEEN 150 AND 349", []ColumnRange{{0, sqltype.Range{Lo: int64(150), LoIncl: true, Hi: int64(349), HiIncl: true}}}, 3},
		{"k > 5000", []ColumnRange{{0, sqltype.Range{Lo: int64(5000)}}}, 0},
		{"d < -400 (wide decimal, signed order)", []ColumnRange{{1, sqltype.Range{Hi: d(-400)}}}, 1},
		{"d >= 0", []ColumnRange{{1, sqltype.Range{Lo: d(0), LoIncl: true}}}, 5},
		{"t = 'c'", []ColumnRange{{2, sqltype.Range{Values: []any{"c"}}}}, 1},
		{"k < 500 AND t = 'h'", []ColumnRange{{0, sqltype.Range{Hi: int64(500)}}, {2, sqltype.Range{Values: []any{"h"}}}}, 0},
	}
	for _, c := range cases {
		keys, stats := scanKeys(t, st, info.Path, cols, c.ranges)
		assert.Equal(t, c.groupsRead, stats.RowGroups, c.name)
		assert.Equal(t, 10-c.groupsRead, stats.RowGroupsPruned, c.name)
		assert.Len(t, keys, 100*c.groupsRead, c.name)
		// Pruning never drops a row that satisfies the ranges.
		for k := int64(0); k < 1000; k++ {
			if rowMatches(k, c.ranges) {
				assert.Contains(t, keys, k, "%s lost row %d", c.name, k)
			}
		}
	}
}

func rowMatches(k int64, ranges []ColumnRange) bool {
	for _, r := range ranges {
		var v any
		switch r.Column {
		case 0:
			v = k
		case 1:
			v = decimal128.FromI64((k - 500) * 100)
		case 2:
			if k%10 == 0 {
				return false
			}
			v = string(rune('a' + k/100))
		}
		if !r.Range.Overlaps(v, v) {
			return false
		}
	}
	return true
}

func TestRangeOverlapsAndIntersect(t *testing.T) {
	r := sqltype.Range{Lo: int64(10), LoIncl: true, Hi: int64(20)}
	assert.True(t, r.Overlaps(int64(0), int64(10)))
	assert.False(t, r.Overlaps(int64(0), int64(9)))
	assert.False(t, r.Overlaps(int64(20), int64(30)))
	assert.True(t, r.Overlaps(int64(19), int64(30)))
	n := r.Intersect(sqltype.Range{Lo: int64(15)})
	assert.False(t, n.Overlaps(int64(0), int64(15)))
	assert.True(t, n.Overlaps(int64(16), int64(16)))
	in := r.Intersect(sqltype.Range{Values: []any{int64(5), int64(12), int64(20)}})
	assert.Equal(t, []any{int64(12)}, in.Values)
	empty := sqltype.Range{Values: []any{int64(1)}}.Intersect(sqltype.Range{Values: []any{int64(2)}})
	assert.False(t, empty.Overlaps(int64(-100), int64(100)))
}

// TestArrayBoundsMatchesSortedValues: a column's recorded bounds are the first and last of its non-NULL, non-NaN
// values in comparator order, for every stored type, with NULLs, NaNs and all-NULL columns.
func TestArrayBoundsMatchesSortedValues(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		col := sortColumns[trial%len(sortColumns)]
		rows := []int{0, 1, 5, 300}[r.IntN(4)]
		whole := randomSortBatch(t, mem, r, []sortColumn{col}, rows+4, []int{0, 1, 3}[r.IntN(3)])
		b := whole.NewSlice(2, int64(rows)+2) // a slice, as the parts of an index written in parallel are
		whole.Release()
		a := b.Column(0)
		var keep []int32
		for i := range rows {
			if f, ok := a.(*array.Float64); ok && math.IsNaN(f.Value(i)) {
				continue
			}
			if a.IsValid(i) {
				keep = append(keep, int32(i))
			}
		}
		lo, hi := arrayBounds(a)
		if len(keep) == 0 {
			require.Nil(t, lo, "trial %d (%s)", trial, col.name)
			require.Nil(t, hi, "trial %d (%s)", trial, col.name)
			b.Release()
			continue
		}
		c := rowComparator(a)
		slices.SortFunc(keep, c)
		value := func(i int32) any { return sqltype.ValueAt(a, int(i)) }
		require.Equal(t, 0, sqltype.Compare(value(keep[0]), lo), "trial %d (%s): min %v, want %v", trial, col.name, lo, value(keep[0]))
		require.Equal(t, 0, sqltype.Compare(value(keep[len(keep)-1]), hi), "trial %d (%s): max %v, want %v", trial, col.name, hi, value(keep[len(keep)-1]))
		b.Release()
	}
}
