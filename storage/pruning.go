package storage

import (
	"bytes"
	"encoding/binary"
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

// arrayBounds is the smallest and largest non-NULL value of one array (NaN is left out: it orders nowhere). It
// runs once per written file over every column, so it loops over the typed values directly.
func arrayBounds(a arrow.Array) (lo, hi any) {
	switch a := a.(type) {
	case *array.Int64:
		return boundsOf(a, a.Int64Values(), cmpLess[int64])
	case *array.Timestamp:
		l, h := boundsOf(a, a.TimestampValues(), cmpLess[arrow.Timestamp])
		if l == nil {
			return nil, nil
		}
		return int64(l.(arrow.Timestamp)), int64(h.(arrow.Timestamp))
	case *array.Float64:
		nulls := hasNulls(a, 0, a.Len())
		var l, h float64
		seen := false
		for i, v := range a.Float64Values() {
			if v != v || nulls && a.IsNull(i) {
				continue
			}
			if !seen {
				l, h, seen = v, v, true
				continue
			}
			if v < l {
				l = v
			} else if v > h {
				h = v
			}
		}
		if !seen {
			return nil, nil
		}
		return l, h
	case *array.Decimal128:
		return boundsOf(a, a.Values(), decimal128.Num.Less)
	case *array.String:
		return stringBounds(a)
	case *array.Boolean:
		var seen, lo, hi bool
		for i := range a.Len() {
			if a.IsNull(i) {
				continue
			}
			v := a.Value(i)
			if !seen {
				seen, lo, hi = true, v, v
				continue
			}
			lo, hi = lo && v, hi || v
		}
		if !seen {
			return nil, nil
		}
		return lo, hi
	}
	return nil, nil
}

// stringBounds compares values in place, most of the time by their first eight bytes alone; only the two bounds,
// which outlive the batch, are copied out of its buffers.
func stringBounds(a *array.String) (lo, hi any) {
	offsets, data := a.ValueOffsets(), a.ValueBytes() // data starts at the array's first value (it may be a slice)
	base := offsets[0]
	value := func(i int) []byte { return data[offsets[i]-base : offsets[i+1]-base] }
	nulls := hasNulls(a, 0, a.Len())
	l, h := -1, -1
	var lp, hp uint64
	for i := range a.Len() {
		if nulls && a.IsNull(i) {
			continue
		}
		v := value(i)
		p := bytePrefix(v)
		if l < 0 {
			l, h, lp, hp = i, i, p, p
			continue
		}
		// Prefixes that differ order their strings; equal ones need the whole comparison.
		if p < lp || p == lp && bytes.Compare(v, value(l)) < 0 {
			l, lp = i, p
		} else if p > hp || p == hp && bytes.Compare(v, value(h)) > 0 {
			h, hp = i, p
		}
	}
	if l < 0 {
		return nil, nil
	}
	return string(value(l)), string(value(h))
}

// bytePrefix is the first eight bytes of v as a big-endian number, missing bytes zero: when two prefixes differ,
// the strings compare as their prefixes do.
func bytePrefix(v []byte) uint64 {
	if len(v) >= 8 {
		return binary.BigEndian.Uint64(v)
	}
	var b [8]byte
	copy(b[:], v)
	return binary.BigEndian.Uint64(b[:])
}

func cmpLess[T int64 | arrow.Timestamp](x, y T) bool { return x < y }

// boundsOf scans the values of a; nil, nil when none is valid.
func boundsOf[T any](a arrow.Array, vals []T, less func(x, y T) bool) (lo, hi any) {
	nulls := hasNulls(a, 0, a.Len())
	first := -1
	for i := range vals {
		if !nulls || a.IsValid(i) {
			first = i
			break
		}
	}
	if first < 0 {
		return nil, nil
	}
	l, h := vals[first], vals[first]
	for i := first + 1; i < len(vals); i++ {
		if nulls && a.IsNull(i) {
			continue
		}
		v := vals[i]
		if less(v, l) {
			l = v
		} else if less(h, v) {
			h = v
		}
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
