package storage

import (
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/parquet-go/parquet-go"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// ColumnRange restricts one column of a scan (an index into the cols given to OpenChunk) to the values a
// query's filter can accept. Row groups whose statistics show no such value are skipped.
type ColumnRange struct {
	Column int
	Range  sqltype.Range
}

// bounds computes each column's smallest and largest non-NULL value over batches.
func bounds(batches []arrow.RecordBatch, ncols int) (mins, maxs []any) {
	mins, maxs = make([]any, ncols), make([]any, ncols)
	for _, b := range batches {
		for c := 0; c < ncols; c++ {
			lo, hi := arrayBounds(b.Column(c))
			if lo == nil {
				continue
			}
			if mins[c] == nil || sqltype.Compare(lo, mins[c]) < 0 {
				mins[c] = lo
			}
			if maxs[c] == nil || sqltype.Compare(hi, maxs[c]) > 0 {
				maxs[c] = hi
			}
		}
	}
	return mins, maxs
}

// arrayBounds is the smallest and largest non-NULL value of one array (NaN is left out: it orders nowhere).
func arrayBounds(a arrow.Array) (lo, hi any) {
	valid := a.IsValid
	switch a := a.(type) {
	case *array.Int64:
		return boundsOf(a.Len(), valid, a.Value, cmpLess[int64])
	case *array.Timestamp:
		return boundsOf(a.Len(), valid, func(i int) int64 { return int64(a.Value(i)) }, cmpLess[int64])
	case *array.Float64:
		return boundsOf(a.Len(), func(i int) bool { return valid(i) && !math.IsNaN(a.Value(i)) }, a.Value, cmpLess[float64])
	case *array.Decimal128:
		return boundsOf(a.Len(), valid, a.Value, decimal128.Num.Less)
	case *array.String:
		// The bounds outlive the batch: copy them out of its buffers.
		return boundsOf(a.Len(), valid, func(i int) string { return strings.Clone(a.Value(i)) }, cmpLess[string])
	case *array.Boolean:
		return boundsOf(a.Len(), valid, a.Value, func(x, y bool) bool { return !x && y })
	}
	return nil, nil
}

func cmpLess[T int64 | float64 | string](x, y T) bool { return x < y }

// boundsOf scans n values; nil, nil when none is valid. It runs once per written file, not per query.
func boundsOf[T any](n int, valid func(int) bool, get func(int) T, less func(x, y T) bool) (lo, hi any) {
	var l, h T
	seen := false
	for i := 0; i < n; i++ {
		if !valid(i) {
			continue
		}
		v := get(i)
		if !seen || less(v, l) {
			l = v
		}
		if !seen || less(h, v) {
			h = v
		}
		seen = true
	}
	if !seen {
		return nil, nil
	}
	return l, h
}

// rowGroupMayMatch reports whether a row group's statistics allow a row within every range. Without
// statistics for a column the group is kept.
func rowGroupMayMatch(rg parquet.RowGroup, leaves []int, cols []Column, ranges []ColumnRange) bool {
	chunks := rg.ColumnChunks()
	for _, r := range ranges {
		cc, ok := chunks[leaves[r.Column]].(*parquet.FileColumnChunk)
		if !ok {
			continue
		}
		if cc.NullCount() == cc.NumValues() && cc.NumValues() > 0 {
			return false // only NULLs, which no range holds
		}
		min, max, ok := cc.Bounds()
		if !ok {
			continue
		}
		lo, okLo := parquetValue(cols[r.Column].Type, min)
		hi, okHi := parquetValue(cols[r.Column].Type, max)
		if !okLo || !okHi {
			continue
		}
		if !r.Range.Overlaps(lo, hi) {
			return false
		}
	}
	return true
}

// parquetValue converts a statistics value to the Go value internal/sqltype uses for t.
func parquetValue(t sqltype.Type, v parquet.Value) (any, bool) {
	if v.IsNull() {
		return nil, false
	}
	switch t.Kind {
	case sqltype.KindInt, sqltype.KindTimestamp:
		return v.Int64(), true
	case sqltype.KindFloat:
		f := v.Double()
		return f, !math.IsNaN(f)
	case sqltype.KindBool:
		return v.Boolean(), true
	case sqltype.KindString:
		return string(v.ByteArray()), true
	case sqltype.KindDecimal:
		if t.Precision <= 18 {
			return decimal128.FromI64(v.Int64()), true
		}
		b := v.ByteArray()
		if len(b) != 16 {
			return nil, false
		}
		hi := int64(uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 | uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7]))
		lo := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 | uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
		return decimal128.New(hi, lo), true
	}
	return nil, false
}
