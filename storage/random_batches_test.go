package storage

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// allTypesColumns has a column of every stored type, with names chosen so that parquet.Group's name order is
// not the table's order.
var allTypesColumns = []Column{
	{Name: "id", Type: sqltype.BigInt},
	{Name: "amount", Type: sqltype.Decimal(18, 2)},
	{Name: "ratio", Type: sqltype.Double},
	{Name: "city", Type: sqltype.Text},
	{Name: "at", Type: sqltype.Timestamp},
	{Name: "flag", Type: sqltype.Boolean},
	{Name: "big", Type: sqltype.Decimal(38, 10)},
	{Name: "small", Type: sqltype.Decimal(5, 3)},
	{Name: "note", Type: sqltype.Text},
}

var cities = []string{"Berlin", "Lisbon", "Zürich", "", "東京", "São Paulo", "Reykjavík"}

// randomColumns builds one array per column of n rows with about nullRate nulls. Strings in "city" come from a
// few values (dictionary-friendly); in "note" they are mostly unique and of varied length.
func randomColumns(t testing.TB, mem memory.Allocator, cols []Column, n int, nullRate float64, rng *rand.Rand) []arrow.Array {
	t.Helper()
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		b := array.NewBuilder(mem, c.Type.Arrow())
		b.Reserve(n)
		for range n {
			if rng.Float64() < nullRate {
				b.AppendNull()
				continue
			}
			switch bb := b.(type) {
			case *array.Int64Builder:
				bb.Append(int64(rng.Uint64()))
			case *array.Float64Builder:
				bb.Append(rng.NormFloat64() * 1e6)
			case *array.BooleanBuilder:
				bb.Append(rng.IntN(2) == 1)
			case *array.TimestampBuilder:
				// 1900..2100, so about a third are before 1970.
				const lo, hi = -2208988800_000000, 4102444800_000000
				bb.Append(arrow.Timestamp(lo + rng.Int64N(hi-lo)))
			case *array.Decimal128Builder:
				bb.Append(randomDecimal(c.Type.Precision, rng))
			case *array.StringBuilder:
				if c.Name == "city" {
					bb.Append(cities[rng.IntN(len(cities))])
				} else {
					bb.Append(randomString(rng))
				}
			default:
				t.Fatalf("no generator for %s", c.Type)
			}
		}
		arrs[i] = b.NewArray()
		b.Release()
	}
	return arrs
}

// randomDecimal returns a value with up to precision digits, of either sign.
func randomDecimal(precision int, rng *rand.Rand) decimal128.Num {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
	// Spread magnitudes: pick a digit count first, or nearly every value would have all digits.
	digits := 1 + rng.IntN(precision)
	bound := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	v := new(big.Int).Lsh(new(big.Int).SetUint64(rng.Uint64()), 64)
	v.Or(v, new(big.Int).SetUint64(rng.Uint64()))
	v.Mod(v, bound)
	if v.Cmp(limit) >= 0 {
		v.Sub(limit, big.NewInt(1))
	}
	if rng.IntN(2) == 0 {
		v.Neg(v)
	}
	return decimal128.FromBigInt(v)
}

const letters = "abcdefghijklmnopqrstuvwxyzÄÖÜß€漢字🦆 "

func randomString(rng *rand.Rand) string {
	r := []rune(letters)
	n := rng.IntN(40)
	if rng.IntN(100) == 0 {
		n = 1000 + rng.IntN(3000)
	}
	out := make([]rune, n)
	for i := range out {
		out[i] = r[rng.IntN(len(r))]
	}
	return string(out)
}

// toBatches cuts full-length columns into record batches of the given lengths (cycling), which exercises
// writing arrays with a non-zero offset.
func toBatches(cols []Column, arrs []arrow.Array, lengths ...int) []arrow.RecordBatch {
	schema := arrowSchema(cols)
	n := 0
	if len(arrs) > 0 {
		n = arrs[0].Len()
	}
	var out []arrow.RecordBatch
	for off, i := 0, 0; off < n; i++ {
		k := min(lengths[i%len(lengths)], n-off)
		slices := make([]arrow.Array, len(arrs))
		for j, a := range arrs {
			slices[j] = array.NewSlice(a, int64(off), int64(off+k))
		}
		out = append(out, array.NewRecordBatch(schema, slices, int64(k)))
		for _, s := range slices {
			s.Release()
		}
		off += k
	}
	return out
}

func releaseAll[T interface{ Release() }](xs []T) {
	for _, x := range xs {
		x.Release()
	}
}

// readAll scans a chunk and checks every batch against want (full-length columns in the table's order),
// returning the number of rows and batches seen.
func readAll(t *testing.T, s *Store, path string, cols []Column, want []arrow.Array, opts ScanOptions) (rows, batches int, stats ReadStats) {
	t.Helper()
	r, err := s.OpenChunk(path, cols, opts)
	if err != nil {
		t.Fatalf("OpenChunk: %v", err)
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	if got := r.Schema().NumFields(); got != len(opts.Columns) {
		t.Fatalf("schema has %d fields, want %d", got, len(opts.Columns))
	}
	for j, ci := range opts.Columns {
		if f := r.Schema().Field(j); f.Name != cols[ci].Name || !arrow.TypeEqual(f.Type, cols[ci].Type.Arrow()) || !f.Nullable {
			t.Fatalf("schema field %d is %v, want nullable %s %s", j, f, cols[ci].Name, cols[ci].Type.Arrow())
		}
	}
	batchSize := opts.BatchSize
	if batchSize == 0 {
		batchSize = DefaultBatchSize
	}
	total := 0
	if len(want) > 0 {
		total = want[0].Len()
	}
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next after %d rows: %v", rows, err)
		}
		n := int(b.NumRows())
		if wantN := min(batchSize, total-rows); n != wantN {
			t.Fatalf("batch %d has %d rows, want %d", batches, n, wantN)
		}
		if int(b.NumCols()) != len(opts.Columns) {
			t.Fatalf("batch has %d columns, want %d", b.NumCols(), len(opts.Columns))
		}
		for j, ci := range opts.Columns {
			if err := sameValues(want[ci], rows, b.Column(j)); err != nil {
				t.Fatalf("column %q, rows %d..%d: %v", cols[ci].Name, rows, rows+n, err)
			}
		}
		rows += n
		batches++
	}
	if rows != total {
		t.Fatalf("read %d rows, want %d", rows, total)
	}
	// A second Next after the end stays at the end.
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("Next after the end: %v, want io.EOF", err)
	}
	return rows, batches, r.Stats()
}

// sameValues reports the first row where got differs from want[off:off+got.Len()]. Doubles compare by bits,
// so NaN equals NaN and -0 differs from +0.
func sameValues(want arrow.Array, off int, got arrow.Array) error {
	if !arrow.TypeEqual(want.DataType(), got.DataType()) {
		return fmt.Errorf("type %s, want %s", got.DataType(), want.DataType())
	}
	nulls := 0
	for i := range got.Len() {
		w := off + i
		if got.IsNull(i) != want.IsNull(w) {
			return fmt.Errorf("row %d: null=%t, want %t", w, got.IsNull(i), want.IsNull(w))
		}
		if got.IsNull(i) {
			nulls++
			continue
		}
		var g, e any
		switch ga := got.(type) {
		case *array.Int64:
			g, e = ga.Value(i), want.(*array.Int64).Value(w)
		case *array.Float64:
			g, e = math.Float64bits(ga.Value(i)), math.Float64bits(want.(*array.Float64).Value(w))
		case *array.Boolean:
			g, e = ga.Value(i), want.(*array.Boolean).Value(w)
		case *array.Timestamp:
			g, e = ga.Value(i), want.(*array.Timestamp).Value(w)
		case *array.Decimal128:
			g, e = ga.Value(i), want.(*array.Decimal128).Value(w)
		case *array.String:
			g, e = ga.Value(i), want.(*array.String).Value(w)
		default:
			return fmt.Errorf("unexpected array type %T", got)
		}
		if g != e {
			return fmt.Errorf("row %d: %v, want %v", w, g, e)
		}
	}
	if got.NullN() != nulls {
		return fmt.Errorf("NullN() = %d, counted %d", got.NullN(), nulls)
	}
	if s, ok := got.(*array.String); ok {
		if err := s.ValidateFull(); err != nil {
			return err
		}
	}
	return nil
}
