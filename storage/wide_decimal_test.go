package storage

import (
	"encoding/binary"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

func be128(v int64) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b[:8], uint64(v>>63))
	binary.BigEndian.PutUint64(b[8:], uint64(v))
	return b
}

func TestCompareSigned(t *testing.T) {
	values := []int64{-1 << 62, -300, -1, 0, 1, 255, 256, 1 << 62}
	for i, a := range values {
		for j, b := range values {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := compareSigned(be128(a), be128(b)); got != want {
				t.Errorf("compareSigned(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// TestSignedColumnIndexerOrder: pages whose bounds rise through zero are ascending, which the unsigned byte
// order would report as unordered; null pages have empty entries and do not break the order.
func TestSignedColumnIndexerOrder(t *testing.T) {
	val := func(v int64) parquet.Value { return parquet.FixedLenByteArrayValue(be128(v)) }
	cases := []struct {
		name  string
		pages [][2]int64 // min, max; {1, 0} marks a null page
		want  format.BoundaryOrder
	}{
		{"ascending through zero", [][2]int64{{-50, -10}, {1, 0}, {-5, 3}, {4, 90}}, format.Ascending},
		{"descending through zero", [][2]int64{{4, 90}, {-5, 3}, {-50, -10}}, format.Descending},
		{"unordered", [][2]int64{{4, 90}, {-50, -10}, {5, 95}}, format.Unordered},
		{"all null", [][2]int64{{1, 0}}, format.Unordered},
	}
	for _, c := range cases {
		x := new(signedColumnIndexer)
		x.IndexPage(1, 0, val(0), val(0)) // state from a previous row group, cleared by Reset
		x.Reset()
		for _, p := range c.pages {
			if p[0] > p[1] {
				x.IndexPage(3, 3, parquet.Value{}, parquet.Value{})
				continue
			}
			x.IndexPage(3, 1, val(p[0]), val(p[1]))
		}
		ci := x.ColumnIndex()
		if ci.BoundaryOrder != c.want {
			t.Errorf("%s: boundary order %v, want %v", c.name, ci.BoundaryOrder, c.want)
		}
		if len(ci.NullPages) != len(c.pages) || len(ci.MinValues) != len(c.pages) || len(ci.MaxValues) != len(c.pages) || len(ci.NullCounts) != len(c.pages) {
			t.Errorf("%s: lists of %d, %d, %d, %d entries for %d pages", c.name, len(ci.NullPages), len(ci.MinValues), len(ci.MaxValues), len(ci.NullCounts), len(c.pages))
		}
		for i, p := range c.pages {
			if null := p[0] > p[1]; ci.NullPages[i] != null || (null && len(ci.MinValues[i]) != 0) {
				t.Errorf("%s: page %d null=%t min=%x", c.name, i, ci.NullPages[i], ci.MinValues[i])
			}
		}
	}
}
