package storage

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// sortColumn describes one random key column: its type and how its values are drawn.
type sortColumn struct {
	name string
	typ  sqltype.Type
	gen  func(r *rand.Rand) any
}

// sortColumns covers every storable type with narrow and wide value sets: narrow ones pack as offsets or ranks,
// wide ones (mostly distinct, or spanning all of int64) exceed the packing budget or the ranking limit.
var sortColumns = []sortColumn{
	{"small_int", sqltype.BigInt, func(r *rand.Rand) any { return int64(r.IntN(40) - 20) }},
	{"zip", sqltype.BigInt, func(r *rand.Rand) any { return int64(10000 + r.IntN(40000)) }},
	{"wide_int", sqltype.BigInt, func(r *rand.Rand) any { return int64(r.Uint64()) }},
	{"extreme_int", sqltype.BigInt, func(r *rand.Rand) any {
		return []int64{math.MinInt64, math.MaxInt64, 0, -1}[r.IntN(4)]
	}},
	{"hour", sqltype.Timestamp, func(r *rand.Rand) any { return int64(1_700_000_000_000_000 + 3_600_000_000*int64(r.IntN(300))) }},
	{"category", sqltype.Text, func(r *rand.Rand) any { return []string{"", "Books", "Toys", "books", "Garden"}[r.IntN(5)] }},
	{"name", sqltype.Text, func(r *rand.Rand) any { return fmt.Sprintf("n%x", r.Uint32()) }},
	{"price", sqltype.Double, func(r *rand.Rand) any {
		return []float64{math.NaN(), math.Copysign(0, -1), 0, 1.5, -2.25, math.Inf(1), math.Inf(-1)}[r.IntN(7)]
	}},
	{"wide_price", sqltype.Double, func(r *rand.Rand) any { return r.NormFloat64() }},
	{"amount", sqltype.Decimal(18, 2), func(r *rand.Rand) any { return decimal128.FromI64(int64(r.IntN(1000) - 500)) }},
	{"big_amount", sqltype.Decimal(38, 2), func(r *rand.Rand) any {
		return decimal128.New(int64(r.IntN(3)-1), uint64(r.IntN(5)))
	}},
	{"flag", sqltype.Boolean, func(r *rand.Rand) any { return r.IntN(2) == 1 }},
}

func randomSortBatch(t testing.TB, mem memory.Allocator, r *rand.Rand, cols []sortColumn, rows int, nullEvery int) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.typ.Arrow(), Nullable: true}
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	for range rows {
		for c, col := range cols {
			if nullEvery > 0 && r.IntN(nullEvery) == 0 {
				b.Field(c).AppendNull()
				continue
			}
			switch f := b.Field(c).(type) {
			case *array.Int64Builder:
				f.Append(col.gen(r).(int64))
			case *array.TimestampBuilder:
				f.Append(arrow.Timestamp(col.gen(r).(int64)))
			case *array.StringBuilder:
				f.Append(col.gen(r).(string))
			case *array.Float64Builder:
				f.Append(col.gen(r).(float64))
			case *array.Decimal128Builder:
				f.Append(col.gen(r).(decimal128.Num))
			case *array.BooleanBuilder:
				f.Append(col.gen(r).(bool))
			}
		}
	}
	return b.NewRecordBatch()
}

// TestSortedOrderMatchesComparators: the packed-code radix sort puts rows in exactly the order the typed
// comparators define, for every type, NULLs (first), NaN and signed zeros, value sets narrow enough to pack
// whole and wide enough to leave the rest of the key to the comparators, and every key length.
func TestSortedOrderMatchesComparators(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(7, 11))
	for trial := range 300 {
		rows := []int{0, 1, 2, 3, 17, 1000, 5000}[trial%7]
		ncols := 1 + r.IntN(4)
		var cols []sortColumn
		for range ncols {
			cols = append(cols, sortColumns[r.IntN(len(sortColumns))])
		}
		nullEvery := []int{0, 2, 9}[r.IntN(3)]
		b := randomSortBatch(t, mem, r, cols, rows, nullEvery)
		keyPos := make([]int, ncols)
		for i := range keyPos {
			keyPos[i] = i
		}
		order := sortedOrder(b, keyPos)
		seen := slices.Clone(order)
		slices.Sort(seen)
		require.Equal(t, identityOrder(rows), seen, "trial %d: not a permutation of the rows", trial)
		cmpKey := keyComparator(b, keyPos)
		for i := 1; i < len(order); i++ {
			require.LessOrEqual(t, cmpKey(order[i-1], order[i]), 0, "trial %d (%v, NULL 1/%d): rows %d and %d out of order",
				trial, cols, nullEvery, order[i-1], order[i])
		}
		b.Release()
	}
}

// TestRadixSort sorts random keys of every width, whole and by their high bits only (low bits, ascending on
// input, must stay in input order).
func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, width := range []int{1, 7, 8, 9, 20, 33, 63, 64} {
		keys := make([]uint64, 3000)
		for i := range keys {
			keys[i] = r.Uint64()
			if width < 64 {
				keys[i] &= 1<<width - 1
			}
		}
		want := slices.Clone(keys)
		slices.Sort(want)
		radixSort(keys, make([]uint64, len(keys)), 0, width)
		require.Equal(t, want, keys, "width %d", width)

		// By the bits above the low 12, over keys whose low 12 bits count up: a stable sort by the high bits.
		for i := range keys {
			keys[i] = keys[i]&^(1<<12-1) | uint64(i)
		}
		want = slices.Clone(keys)
		slices.SortStableFunc(want, func(x, y uint64) int { return cmp.Compare(x>>12, y>>12) })
		radixSort(keys, make([]uint64, len(keys)), 12, max(width, 12))
		require.Equal(t, want, keys, "width %d, low bits 12", width)
	}
}

// BenchmarkSortedOrder sorts 1M rows of rollup keys, packed and radix-sorted, against the comparison sort over
// the same columns.
func BenchmarkSortedOrder(b *testing.B) {
	mem := memory.NewGoAllocator()
	r := rand.New(rand.NewPCG(3, 4))
	cols := []sortColumn{sortColumns[4], sortColumns[5], sortColumns[1], sortColumns[6]} // hour, category, zip, name
	batch := randomSortBatch(b, mem, r, cols, 1<<20, 50)
	defer batch.Release()
	for _, keys := range [][]int{{0, 1, 2}, {1, 2, 3}, {0, 1, 2, 3}} {
		b.Run(fmt.Sprintf("packed/key%v", keys), func(b *testing.B) {
			for b.Loop() {
				sortedOrder(batch, keys)
			}
		})
		b.Run(fmt.Sprintf("comparators/key%v", keys), func(b *testing.B) {
			for b.Loop() {
				comparatorOrder(batch, keys, identityOrder(int(batch.NumRows())))
			}
		})
	}
}
