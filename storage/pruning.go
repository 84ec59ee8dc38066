package storage

import (
	"math"

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
	switch a := a.(type) {
	case *array.Int64:
		return orderedBounds(a, a.Int64Values())
	case *array.Timestamp:
		vals := a.TimestampValues()
		ints := make([]int64, len(vals))
		for i, v := range vals {
			ints[i] = int64(v)
		}
		return orderedBounds(a, ints)
	case *array.Float64:
		var l, h float64
		seen := false
		for i, v := range a.Float64Values() {
			if a.IsNull(i) || math.IsNaN(v) {
				continue
			}
			if !seen || v < l {
				l = v
			}
			if !seen || v > h {
				h = v
			}
			seen = true
		}
		if !seen {
			return nil, nil
		}
		return l, h
	case *array.Decimal128:
		var l, h decimal128.Num
		seen := false
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				continue
			}
			v := a.Value(i)
			if !seen || v.Less(l) {
				l = v
			}
			if !seen || v.Greater(h) {
				h = v
			}
			seen = true
		}
		if !seen {
			return nil, nil
		}
		return l, h
	case *array.String:
		var l, h string
		seen := false
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				continue
			}
			v := a.Value(i)
			if !seen || v < l {
				l = v
			}
			if !seen || v > h {
				h = v
			}
			seen = true
		}
		if !seen {
			return nil, nil
		}
		// The bounds outlive the batch: copy them out of its buffers.
		return string([]byte(l)), string([]byte(h))
	case *array.Boolean:
		hasFalse, hasTrue := false, false
		for i := 0; i < a.Len(); i++ {
			if a.IsValid(i) {
				if a.Value(i) {
					hasTrue = true
				} else {
					hasFalse = true
				}
			}
		}
		if !hasFalse && !hasTrue {
			return nil, nil
		}
		return !hasFalse, hasTrue
	}
	return nil, nil
}

func orderedBounds(a arrow.Array, vals []int64) (lo, hi any) {
	var l, h int64
	seen := false
	for i, v := range vals {
		if a.IsNull(i) {
			continue
		}
		if !seen || v < l {
			l = v
		}
		if !seen || v > h {
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
