package storage

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"

	"github.com/vcubedb/vcube/internal/sqltype"
)

var benchColumns = []Column{
	{Name: "id", Type: sqltype.BigInt},
	{Name: "price", Type: sqltype.Double},
	{Name: "sku", Type: sqltype.Text},
	{Name: "amount", Type: sqltype.Decimal(18, 2)},
	{Name: "at", Type: sqltype.Timestamp},
}

// writeBenchChunk writes n rows shaped like a rollup: an id, a double, a string with 1,000 distinct values,
// a decimal(18,2) and a timestamp, with 5% nulls.
func writeBenchChunk(b *testing.B, s *Store, n int) FileInfo {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	mem := memory.DefaultAllocator
	skus := make([]string, 1000)
	for i := range skus {
		skus[i] = fmt.Sprintf("sku-%04d-%x", i, rng.Uint32())
	}
	schema := arrowSchema(benchColumns)
	var batches []arrow.RecordBatch
	for off := 0; off < n; off += 65536 {
		k := min(65536, n-off)
		ids := array.NewInt64Builder(mem)
		prices := array.NewFloat64Builder(mem)
		sku := array.NewStringBuilder(mem)
		amounts := array.NewDecimal128Builder(mem, benchColumns[3].Type.Arrow().(*arrow.Decimal128Type))
		ats := array.NewTimestampBuilder(mem, benchColumns[4].Type.Arrow().(*arrow.TimestampType))
		for i := range k {
			valid := rng.IntN(20) != 0
			ids.AppendValues([]int64{int64(off + i)}, []bool{valid})
			prices.AppendValues([]float64{rng.Float64() * 1000}, []bool{valid})
			if valid {
				sku.Append(skus[rng.IntN(len(skus))])
			} else {
				sku.AppendNull()
			}
			amounts.AppendValues([]decimal128.Num{decimal128.FromI64(rng.Int64N(1e12))}, []bool{valid})
			ats.AppendValues([]arrow.Timestamp{arrow.Timestamp(1.7e15 + rng.Int64N(1e13))}, []bool{valid})
		}
		arrs := []arrow.Array{ids.NewArray(), prices.NewArray(), sku.NewArray(), amounts.NewArray(), ats.NewArray()}
		batches = append(batches, array.NewRecordBatch(schema, arrs, int64(k)))
		releaseAll(arrs)
		for _, bb := range []interface{ Release() }{ids, prices, sku, amounts, ats} {
			bb.Release()
		}
	}
	fi, err := s.WriteChunk(1, 1, benchColumns, batches)
	releaseAll(batches)
	if err != nil {
		b.Fatal(err)
	}
	return fi
}

// benchRow is benchColumns as parquet-go's GenericReader reads them into Go structs.
type benchRow struct {
	ID     *int64     `parquet:"id,optional"`
	Price  *float64   `parquet:"price,optional"`
	SKU    *string    `parquet:"sku,optional"`
	Amount *int64     `parquet:"amount,optional"`
	At     *time.Time `parquet:"at,optional,timestamp(microsecond)"`
}

// BenchmarkScan reads 1M rows of five columns. "arrow-pages" is this package's page-level reader producing
// Arrow batches. The peers read the same file with parquet-go's row-oriented API: "parquet-go-rows" into
// parquet.Rows, "parquet-go-generic" into Go structs; neither builds Arrow arrays, so the ratios understate
// the gain.
func BenchmarkScan(b *testing.B) {
	const rows = 1_000_000
	s, err := Open(filepath.Join(b.TempDir(), "data"))
	if err != nil {
		b.Fatal(err)
	}
	fi := writeBenchChunk(b, s, rows)
	all := []int{0, 1, 2, 3, 4}

	b.Run("arrow-pages", func(b *testing.B) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		b.SetBytes(fi.Bytes)
		for b.Loop() {
			r, err := s.OpenChunk(fi.Path, benchColumns, ScanOptions{Columns: all, Mem: mem})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				batch, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n += int(batch.NumRows())
			}
			r.Close()
			if n != rows {
				b.Fatalf("read %d rows", n)
			}
		}
		mem.AssertSize(b, 0)
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})

	b.Run("parquet-go-rows", func(b *testing.B) {
		b.SetBytes(fi.Bytes)
		buf := make([]parquet.Row, 1024)
		for b.Loop() {
			f, err := os.Open(filepath.Join(s.Dir(), filepath.FromSlash(fi.Path)))
			if err != nil {
				b.Fatal(err)
			}
			r := parquet.NewReader(f)
			n := 0
			for {
				k, err := r.ReadRows(buf)
				n += k
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			r.Close()
			f.Close()
			if n != rows {
				b.Fatalf("read %d rows", n)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})

	b.Run("parquet-go-generic", func(b *testing.B) {
		b.SetBytes(fi.Bytes)
		buf := make([]benchRow, 1024)
		for b.Loop() {
			f, err := os.Open(filepath.Join(s.Dir(), filepath.FromSlash(fi.Path)))
			if err != nil {
				b.Fatal(err)
			}
			r := parquet.NewGenericReader[benchRow](f)
			n := 0
			for {
				k, err := r.Read(buf)
				n += k
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			r.Close()
			f.Close()
			if n != rows {
				b.Fatalf("read %d rows", n)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
