package storage

import (
	"bytes"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// wideDecimal is DECIMAL(p > 18) stored as FIXED_LEN_BYTE_ARRAY(16), big-endian two's complement. The Parquet
// spec orders decimals as signed numbers, but parquet-go bounds fixed-length values by unsigned byte order,
// which ranks every negative number above every positive one: page statistics, column chunk statistics and
// the column index would all be wrong whenever a page mixes signs. wideDecimal puts the signed order into the
// three places parquet-go takes bounds from: the type's Compare (merging page bounds into chunk statistics),
// the pages' Bounds (page statistics and column index entries) and the column indexer (boundary order).
type wideDecimal struct{ parquet.Type }

func newWideDecimal(precision, scale int) wideDecimal {
	return wideDecimal{parquet.Decimal(scale, precision, parquet.FixedLenByteArrayType(16)).Type()}
}

func (t wideDecimal) Compare(a, b parquet.Value) int {
	return compareSigned(a.ByteArray(), b.ByteArray())
}

func (t wideDecimal) NewColumnBuffer(columnIndex, numValues int) parquet.ColumnBuffer {
	return signedBoundsBuffer{t.Type.NewColumnBuffer(columnIndex, numValues)}
}

func (t wideDecimal) NewColumnIndexer(int) parquet.ColumnIndexer { return new(signedColumnIndexer) }

// compareSigned compares two big-endian two's-complement integers of the same width.
func compareSigned(a, b []byte) int {
	if len(a) > 0 && len(b) > 0 && (a[0]^b[0])&0x80 != 0 {
		// Signs differ: the negative one (high bit set) is smaller.
		if a[0]&0x80 != 0 {
			return -1
		}
		return 1
	}
	// Same sign: two's complement orders like unsigned.
	return bytes.Compare(a, b)
}

// signedBoundsBuffer is a column buffer whose pages report signed bounds.
type signedBoundsBuffer struct{ parquet.ColumnBuffer }

func (b signedBoundsBuffer) Page() parquet.Page { return signedBoundsPage{b.ColumnBuffer.Page()} }

func (b signedBoundsBuffer) Clone() parquet.ColumnBuffer {
	return signedBoundsBuffer{b.ColumnBuffer.Clone()}
}

type signedBoundsPage struct{ parquet.Page }

func (p signedBoundsPage) Bounds() (lo, hi parquet.Value, ok bool) {
	values := p.Data()
	if values.Kind() != encoding.FixedLenByteArray {
		return p.Page.Bounds()
	}
	data, size := values.FixedLenByteArray()
	if size <= 0 || len(data) < size {
		return lo, hi, false
	}
	minV, maxV := data[:size], data[:size]
	for i := size; i+size <= len(data); i += size {
		v := data[i : i+size]
		if compareSigned(v, minV) < 0 {
			minV = v
		}
		if compareSigned(v, maxV) > 0 {
			maxV = v
		}
	}
	return parquet.FixedLenByteArrayValue(minV), parquet.FixedLenByteArrayValue(maxV), true
}

func (p signedBoundsPage) Slice(i, j int64) parquet.Page { return signedBoundsPage{p.Page.Slice(i, j)} }

// signedColumnIndexer builds the column index of a wide decimal column with signed bounds.
type signedColumnIndexer struct {
	nullPages  []bool
	nullCounts []int64
	mins, maxs [][]byte
}

func (x *signedColumnIndexer) Reset() {
	x.nullPages, x.nullCounts, x.mins, x.maxs = x.nullPages[:0], x.nullCounts[:0], x.mins[:0], x.maxs[:0]
}

func (x *signedColumnIndexer) IndexPage(numValues, numNulls int64, lo, hi parquet.Value) {
	null := numValues == numNulls || lo.IsNull() || hi.IsNull()
	x.nullPages = append(x.nullPages, null)
	x.nullCounts = append(x.nullCounts, numNulls)
	if null {
		// The spec wants empty entries for null pages, so that all lists have one entry per page.
		x.mins, x.maxs = append(x.mins, []byte{}), append(x.maxs, []byte{})
		return
	}
	x.mins = append(x.mins, bytes.Clone(lo.ByteArray()))
	x.maxs = append(x.maxs, bytes.Clone(hi.ByteArray()))
}

func (x *signedColumnIndexer) ColumnIndex() format.ColumnIndex {
	return format.ColumnIndex{
		NullPages:     append([]bool(nil), x.nullPages...),
		MinValues:     append([][]byte(nil), x.mins...),
		MaxValues:     append([][]byte(nil), x.maxs...),
		BoundaryOrder: x.boundaryOrder(),
		NullCounts:    append([]int64(nil), x.nullCounts...),
	}
}

// boundaryOrder reports whether the non-null pages' bounds ascend or descend, which lets readers binary search.
func (x *signedColumnIndexer) boundaryOrder() format.BoundaryOrder {
	asc, desc := true, true
	prev := -1
	for i, null := range x.nullPages {
		if null {
			continue
		}
		if prev >= 0 {
			cmin, cmax := compareSigned(x.mins[prev], x.mins[i]), compareSigned(x.maxs[prev], x.maxs[i])
			asc = asc && cmin <= 0 && cmax <= 0
			desc = desc && cmin >= 0 && cmax >= 0
		}
		prev = i
	}
	switch {
	case prev < 0:
		return format.Unordered
	case asc:
		return format.Ascending
	case desc:
		return format.Descending
	}
	return format.Unordered
}
