package vexec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// takeColumns builds a sliced batch with a column of every type operators produce (and a DATE32, which goes
// through arrow's Take), with NULLs.
func takeColumns(mem memory.Allocator, rng *rand.Rand, n int) arrow.RecordBatch {
	types := []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.FixedWidthTypes.Timestamp_us, arrow.PrimitiveTypes.Float64,
		&arrow.Decimal128Type{Precision: 18, Scale: 2}, arrow.FixedWidthTypes.Boolean, arrow.BinaryTypes.String,
		arrow.FixedWidthTypes.Date32}
	fields := make([]arrow.Field, len(types))
	cols := make([]arrow.Array, len(types))
	for c, dt := range types {
		fields[c] = arrow.Field{Name: fmt.Sprint("c", c), Type: dt, Nullable: true}
		b := array.NewBuilder(mem, dt)
		for range n + 2 {
			if rng.IntN(5) == 0 {
				b.AppendNull()
				continue
			}
			v := rng.Int64N(1000)
			switch b := b.(type) {
			case *array.Int64Builder:
				b.Append(v)
			case *array.TimestampBuilder:
				b.Append(arrow.Timestamp(v))
			case *array.Float64Builder:
				b.Append(float64(v) / 3)
			case *array.Decimal128Builder:
				b.Append(decimal128.FromI64(v))
			case *array.BooleanBuilder:
				b.Append(v%2 == 0)
			case *array.StringBuilder:
				b.Append(fmt.Sprintf("value %d", v))
			case *array.Date32Builder:
				b.Append(arrow.Date32(v))
			}
		}
		whole := b.NewArray()
		b.Release()
		cols[c] = array.NewSlice(whole, 2, int64(n+2))
		whole.Release()
	}
	batch := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return batch
}

// TestTakeRows gathers rows of every column type, repeated, out of order and -1 (NULL rows), and compares them
// with arrow's Take of the same indices.
func TestTakeRows(t *testing.T) {
	mem := newCheckedMem()
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(13, 13))
	ec := newEvalCtx(context.Background(), mem)
	for _, n := range []int{1, 7, 300} {
		b := takeColumns(mem, rng, n)
		for _, withAbsent := range []bool{false, true} {
			idx := make([]int32, rng.IntN(3*n)+1)
			ib := array.NewInt32Builder(mem)
			for i := range idx {
				idx[i] = rng.Int32N(int32(n))
				if withAbsent && rng.IntN(4) == 0 {
					idx[i] = -1
					ib.AppendNull()
					continue
				}
				ib.Append(idx[i])
			}
			indices := ib.NewArray()
			ib.Release()
			got, err := takeRows(ec, b, idx)
			require.NoError(t, err)
			for c := range int(b.NumCols()) {
				want, err := compute.TakeArray(context.Background(), b.Column(c), indices)
				require.NoError(t, err)
				require.True(t, array.Equal(want, got.Column(c)), "column %s (n=%d): got %v, want %v", b.Schema().Field(c).Type, n, got.Column(c), want)
				want.Release()
			}
			got.Release()
			indices.Release()
		}
		b.Release()
	}
}

// BenchmarkTakeRows gathers 1M rows, in random order, of a 2,000-row dimension table (a brand text and a
// DECIMAL price), as a hash join emits its build side: typed loops against arrow's Take (the peer).
func BenchmarkTakeRows(b *testing.B) {
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 1))
	dim := takeColumns(mem, rng, 2000)
	defer dim.Release()
	cols := []int{3, 5}
	fields := []arrow.Field{dim.Schema().Field(cols[0]), dim.Schema().Field(cols[1])}
	two := array.NewRecordBatch(arrow.NewSchema(fields, nil), []arrow.Array{dim.Column(cols[0]), dim.Column(cols[1])}, dim.NumRows())
	defer two.Release()
	const rows, batch = 1 << 20, 8192
	idx := make([]int32, rows)
	for i := range idx {
		idx[i] = rng.Int32N(2000)
	}
	ec := newEvalCtx(context.Background(), mem)
	b.Run("typed", func(b *testing.B) {
		for b.Loop() {
			for lo := 0; lo < rows; lo += batch {
				out, err := takeRows(ec, two, idx[lo:lo+batch])
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
		}
		reportRows(b, rows)
	})
	b.Run("arrow-take", func(b *testing.B) {
		for b.Loop() {
			for lo := 0; lo < rows; lo += batch {
				ib := array.NewInt32Builder(mem)
				ib.AppendValues(idx[lo:lo+batch], nil)
				ia := ib.NewArray()
				res, err := compute.Take(context.Background(), *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(two), compute.NewDatumWithoutOwning(ia))
				if err != nil {
					b.Fatal(err)
				}
				res.(*compute.RecordDatum).Value.Release()
				ia.Release()
				ib.Release()
			}
		}
		reportRows(b, rows)
	})
}
