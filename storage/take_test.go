package storage

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/compute/exec"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// takeRows gathers every stored type like arrow's Take kernel, NULLs included, from sliced arrays too, and
// leaves no memory behind.
func TestTakeRowsMatchesArrowTake(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 7, 300, 5000} {
		for _, nullRate := range []float64{0, 0.3} {
			cols := randomColumns(t, mem, allTypesColumns, n+10, nullRate, rng)
			full := array.NewRecordBatch(arrowSchema(allTypesColumns), cols, int64(n+10))
			for _, c := range cols {
				c.Release()
			}
			b := full.NewSlice(3, int64(3+n)) // an offset into every buffer
			full.Release()
			rows := make([]int32, n+n/2) // repeats some rows
			for i := range rows {
				rows[i] = int32(rng.IntN(max(n, 1)))
			}
			if n == 0 {
				rows = nil
			}
			got, err := takeRows(mem, b, rows)
			require.NoError(t, err)
			bld := array.NewInt32Builder(mem)
			bld.AppendValues(rows, nil)
			idx := bld.NewArray()
			bld.Release()
			ctx := exec.WithAllocator(context.Background(), mem)
			res, err := compute.Take(ctx, *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(b), compute.NewDatumWithoutOwning(idx))
			require.NoError(t, err)
			want := res.(*compute.RecordDatum).Value
			require.Equal(t, want.NumRows(), got.NumRows())
			for c := range int(want.NumCols()) {
				require.True(t, array.Equal(want.Column(c), got.Column(c)), "column %s, n=%d nulls=%v", want.ColumnName(c), n, nullRate)
				require.Equal(t, want.Column(c).NullN(), got.Column(c).NullN())
			}
			want.Release()
			got.Release()
			idx.Release()
			b.Release()
		}
	}
}

// BenchmarkTakeRows gathers a million rows of every stored type in a random order, with takeRows and with
// arrow's Take kernel in the same run.
func BenchmarkTakeRows(b *testing.B) {
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 1 << 20
	cols := randomColumns(b, mem, allTypesColumns, n, 0.05, rng)
	batch := array.NewRecordBatch(arrowSchema(allTypesColumns), cols, n)
	rows := make([]int32, n)
	for i := range rows {
		rows[i] = int32(i)
	}
	rng.Shuffle(n, func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	b.Run("takeRows", func(b *testing.B) {
		for b.Loop() {
			out, err := takeRows(mem, batch, rows)
			if err != nil {
				b.Fatal(err)
			}
			out.Release()
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("arrow-take", func(b *testing.B) {
		bld := array.NewInt32Builder(mem)
		bld.AppendValues(rows, nil)
		idx := bld.NewArray()
		ctx := exec.WithAllocator(context.Background(), mem)
		for b.Loop() {
			res, err := compute.Take(ctx, *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(batch), compute.NewDatumWithoutOwning(idx))
			if err != nil {
				b.Fatal(err)
			}
			res.Release()
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
