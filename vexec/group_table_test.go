package vexec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// BenchmarkGroupKeys times a group table numbering 1M rows in 8,192-row batches, in random order, by the key
// lists of the bench's hash group-bys and joins: a text of 5 values, one of 2,000 values of 12 bytes, two texts of 5 and 3 values (platform, gender), a BIGINT of 1,000 values
// with a text of 5, a DOUBLE of 1,000 values and a DECIMAL of 1,000. The go-map peer numbers the two texts
// through a Go map keyed by the pair of strings, as a yardstick.
func BenchmarkGroupKeys(b *testing.B) {
	const rows, batch = 1 << 20, 8192
	mem := memory.NewGoAllocator()
	rng := rand.New(rand.NewPCG(3, 3))
	platforms := []string{"web", "ios", "android", "partner", "store"}
	genders := []string{"female", "male", "other"}
	column := func(dt arrow.DataType, value func() any) []arrow.Array {
		var out []arrow.Array
		for range rows / batch {
			bld := array.NewBuilder(mem, dt)
			for range batch {
				switch v := value().(type) {
				case string:
					bld.(*array.StringBuilder).Append(v)
				case int64:
					bld.(*array.Int64Builder).Append(v)
				case float64:
					bld.(*array.Float64Builder).Append(v)
				case decimal128.Num:
					bld.(*array.Decimal128Builder).Append(v)
				}
			}
			out = append(out, bld.NewArray())
			bld.Release()
		}
		return out
	}
	platform := column(arrow.BinaryTypes.String, func() any { return platforms[rng.IntN(5)] })
	gender := column(arrow.BinaryTypes.String, func() any { return genders[rng.IntN(3)] })
	zip := column(arrow.PrimitiveTypes.Int64, func() any { return rng.Int64N(1000) })
	price := column(arrow.PrimitiveTypes.Float64, func() any { return float64(rng.IntN(1000)) / 4 })
	names := column(arrow.BinaryTypes.String, func() any { return fmt.Sprintf("Product %04d", rng.IntN(2000)) })
	dec := &arrow.Decimal128Type{Precision: 18, Scale: 2}
	total := column(dec, func() any { return decimal128.FromI64(rng.Int64N(1000)) })
	cases := []struct {
		name   string
		cols   [][]arrow.Array
		groups int
	}{
		{"text", [][]arrow.Array{platform}, 5},
		{"text-long", [][]arrow.Array{names}, 2000},
		{"text,text", [][]arrow.Array{platform, gender}, 15},
		{"bigint,text", [][]arrow.Array{zip, platform}, 5000},
		{"double", [][]arrow.Array{price}, 1000},
		{"decimal", [][]arrow.Array{total}, 1000},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			types := make([]arrow.DataType, len(c.cols))
			for i, col := range c.cols {
				types[i] = col[0].DataType()
			}
			for b.Loop() {
				t := newGroupTable(mem, types)
				keys := make([]arrow.Array, len(c.cols))
				for i := range rows / batch {
					for j, col := range c.cols {
						keys[j] = col[i]
					}
					t.assign(keys, batch)
				}
				if t.groups != c.groups {
					b.Fatalf("%d groups, want %d", t.groups, c.groups)
				}
				t.release()
			}
			reportRows(b, rows)
		})
	}
	b.Run("go-map/text,text", func(b *testing.B) {
		for b.Loop() {
			groups := map[[2]string]uint32{}
			ids := make([]uint32, batch)
			for i := range rows / batch {
				p, g := platform[i].(*array.String), gender[i].(*array.String)
				for r := range batch {
					k := [2]string{p.Value(r), g.Value(r)}
					id, ok := groups[k]
					if !ok {
						id = uint32(len(groups))
						groups[k] = id
					}
					ids[r] = id
				}
			}
			if len(groups) != 15 {
				b.Fatal(fmt.Sprint(len(groups), " groups"))
			}
		}
		reportRows(b, rows)
	})
}

// TestGroupTableNumbersKeyLists numbers random key lists of every kind (text of 0 to 12 bytes ending at the
// buffer's edge, -0 and NaN doubles, booleans, decimals, timestamps, NULLs) in batches of sliced arrays, and
// compares the groups with a reference numbering keys by their encoded bytes (appendKey, MySQL's GROUP BY
// equality): the same groups in the same order of first appearance. lookup must then find every key list
// without NULL, and none with a NULL or never seen.
func TestGroupTableNumbersKeyLists(t *testing.T) {
	mem := newCheckedMem()
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(9, 9))
	texts := []string{"", "a", "ab", "web", "android", "partner", "12345678", "electronics", "a\x00b", "ios"}
	dec := &arrow.Decimal128Type{Precision: 18, Scale: 2}
	kinds := []arrow.DataType{arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Boolean,
		dec, arrow.FixedWidthTypes.Timestamp_us, arrow.PrimitiveTypes.Int64}
	column := func(dt arrow.DataType, n int) arrow.Array {
		b := array.NewBuilder(mem, dt)
		defer b.Release()
		for range n + 3 {
			if rng.IntN(6) == 0 {
				b.AppendNull()
				continue
			}
			switch b := b.(type) {
			case *array.StringBuilder:
				b.Append(texts[rng.IntN(len(texts))])
			case *array.Float64Builder:
				b.Append([]float64{0, math.Copysign(0, -1), math.NaN(), 1.5, -2}[rng.IntN(5)])
			case *array.BooleanBuilder:
				b.Append(rng.IntN(2) == 0)
			case *array.Decimal128Builder:
				b.Append(decimal128.FromI64(rng.Int64N(4) * 1_000_000_000_000))
			case *array.TimestampBuilder:
				b.Append(arrow.Timestamp(rng.Int64N(3)))
			case *array.Int64Builder:
				b.Append(rng.Int64N(300)) // past the flat pair table's codes
			}
		}
		a := b.NewArray()
		defer a.Release()
		return array.NewSlice(a, 3, int64(n+3))
	}
	for trial := range 40 {
		types := make([]arrow.DataType, 1+rng.IntN(3))
		for i := range types {
			types[i] = kinds[rng.IntN(len(kinds))]
		}
		if len(types) == 1 && (types[0].ID() == arrow.INT64 || types[0].ID() == arrow.STRING) {
			types = append(types, arrow.FixedWidthTypes.Boolean) // single BIGINT and TEXT keys have their own maps
		}
		table := newGroupTable(mem, types)
		ref := map[string]uint32{}
		var seen [][]arrow.Array
		for range 5 {
			n := rng.IntN(200)
			keys := make([]arrow.Array, len(types))
			for i, dt := range types {
				keys[i] = column(dt, n)
			}
			ids := table.assign(keys, n)
			for r := range n {
				var buf []byte
				for _, k := range keys {
					buf = appendKey(buf, k, r)
				}
				want, ok := ref[string(buf)]
				if !ok {
					want = uint32(len(ref))
					ref[string(buf)] = want
				}
				require.Equal(t, want, ids[r], "trial %d %v row %d", trial, types, r)
			}
			seen = append(seen, keys)
		}
		require.Equal(t, len(ref), table.groups)
		for _, keys := range seen {
			n := keys[0].Len()
			found := table.lookup(keys, n)
			for r := range n {
				var buf []byte
				hasNull := false
				for _, k := range keys {
					buf = appendKey(buf, k, r)
					hasNull = hasNull || k.IsNull(r)
				}
				if hasNull {
					require.Equal(t, int32(-1), found[r])
				} else {
					require.Equal(t, int32(ref[string(buf)]), found[r])
				}
			}
			other := make([]arrow.Array, len(types))
			for i, dt := range types {
				other[i] = column(dt, n)
			}
			fresh := newGroupTable(mem, types)
			for r, g := range fresh.lookup(other, n) {
				require.Equal(t, int32(-1), g, "row %d found in an empty table", r)
			}
			fresh.release()
			for i := range keys {
				keys[i].Release()
				other[i].Release()
			}
		}
		table.release()
	}
}
