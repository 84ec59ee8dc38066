package sdk

import (
	"unsafe"
)

// column is an input column descriptor with its buffers as slices of linear memory (docs/plugins.md,
// "Columns"). The buffers belong to vcube and are valid for one call.
type column struct {
	typ      uint32
	rows     int
	validity []byte   // bit i of byte i/8 is set when row i is not NULL; nil when no row is NULL
	values   []byte   // fixed-width values
	offsets  []uint32 // text and binary: rows+1 offsets into data
	data     []byte
	scale    int32
}

func (c *column) valid(i int) bool {
	return c.validity == nil || c.validity[i>>3]&(1<<(i&7)) != 0
}

// bytesAt returns row i of a text or binary column.
func (c *column) bytesAt(i int) []byte {
	return c.data[c.offsets[i]:c.offsets[i+1]]
}

// outColumn is the column a call returns. Its buffers belong to the SDK and stay valid until the next call.
type outColumn struct {
	typ              uint32
	rows             int
	validity         []byte
	values           []byte
	offsets          []uint32
	data             []byte
	precision, scale int32
}

var valueSize = map[uint32]int{typeBoolean: 1, typeBigint: 8, typeDouble: 8, typeDecimal: 16, typeTimestamp: 8}

// view returns the values of c as a []T. Fixed-width values are a view of vcube's buffer; strings are views of
// its bytes, collected into *strs (reused across calls).
func view[T Value](c *column, strs *[]string) []T {
	var zero T
	if _, ok := any(zero).(string); ok {
		s := (*strs)[:0]
		for i := range c.rows {
			b := c.bytesAt(i)
			s = append(s, unsafe.String(unsafe.SliceData(b), len(b)))
		}
		*strs = s
		return any(s).([]T)
	}
	if c.rows == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(c.values))), c.rows)
}

// output fills out with vals, NULL where nulls says so (nulls may be nil). Strings are copied into the
// reusable buffers *offs and *data; fixed-width values are handed over as they are, so vals must stay
// untouched until the next call.
func output[T Value](out *outColumn, t sqlType, vals []T, nulls []bool, validity *[]byte, offs *[]uint32, data *[]byte) {
	*out = outColumn{typ: t.code, rows: len(vals), precision: t.precision, scale: t.scale}
	if ss, ok := any(vals).([]string); ok {
		o := append((*offs)[:0], 0)
		d := (*data)[:0]
		for i, s := range ss {
			if nulls == nil || !nulls[i] {
				d = append(d, s...)
			}
			o = append(o, uint32(len(d)))
		}
		*offs, *data = o, d
		out.offsets, out.data = o, d
	} else if len(vals) > 0 {
		var zero T
		out.values = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(vals))), len(vals)*int(unsafe.Sizeof(zero)))
	}
	out.validity = bitmap(nulls, validity)
}

// bitmap turns a NULL flag per row into a validity bitmap in *buf, or nil when no row is NULL.
func bitmap(nulls []bool, buf *[]byte) []byte {
	any := false
	for _, n := range nulls {
		if n {
			any = true
			break
		}
	}
	if !any {
		return nil
	}
	b := (*buf)[:0]
	for i := 0; i < len(nulls); i += 8 {
		var x byte
		for j := 0; j < 8 && i+j < len(nulls); j++ {
			if !nulls[i+j] {
				x |= 1 << j
			}
		}
		b = append(b, x)
	}
	*buf = b
	return b
}

// grow returns s resized to n elements, reusing its array when it is large enough. The contents are not kept.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, n+n/4)
}
