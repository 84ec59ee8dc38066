package plugins

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/vcubedb/vcube/internal/sqltype"
)

// column is an input column as it will be laid out in guest memory (docs/plugins.md, "Columns"): views of
// the Arrow array's buffers where their layout already matches, copies where it does not (booleans become a
// byte per value, bitmaps and offsets of sliced arrays are rebased).
type column struct {
	typ              uint32
	rows             int
	scale, precision int32
	validity         []byte // nil when no row is NULL
	values           []byte // fixed-width values, or text and binary offsets
	data             []byte // text and binary bytes
}

var typeCodes = map[sqltype.Kind]uint32{
	sqltype.KindBool: typeBoolean, sqltype.KindInt: typeBigint, sqltype.KindFloat: typeDouble,
	sqltype.KindDecimal: typeDecimal, sqltype.KindString: typeText, sqltype.KindTimestamp: typeTimestamp,
}

var typeSizes = map[uint32]int{typeBoolean: 1, typeBigint: 8, typeDouble: 8, typeDecimal: 16, typeTimestamp: 8}

// columnOf returns the layout of an Arrow array for an argument of type want (a decimal of Precision 0
// accepts any decimal; typeBinary takes the states of a merge).
func columnOf(arr arrow.Array, want sqltype.Type, binaryStates bool) (column, error) {
	c := column{rows: arr.Len()}
	d := arr.Data()
	off := d.Offset()
	switch a := arr.(type) {
	case *array.Boolean:
		c.typ = typeBoolean
		c.values = make([]byte, c.rows)
		for i := range c.values {
			if a.Value(i) {
				c.values[i] = 1
			}
		}
	case *array.Int64:
		c.typ, c.values = typeBigint, fixedBytes(d, 8)
	case *array.Float64:
		c.typ, c.values = typeDouble, fixedBytes(d, 8)
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		c.typ, c.values = typeDecimal, fixedBytes(d, 16)
		c.scale, c.precision = dt.Scale, dt.Precision
	case *array.Timestamp:
		if unit := a.DataType().(*arrow.TimestampType).Unit; unit != arrow.Microsecond {
			return c, fmt.Errorf("a timestamp array in %s; plugins take microseconds", unit)
		}
		c.typ, c.values = typeTimestamp, fixedBytes(d, 8)
	case *array.String:
		c.typ = typeText
		c.values, c.data = offsetsAndData(a.ValueOffsets(), d.Buffers()[2])
	case *array.Binary:
		c.typ = typeBinary
		c.values, c.data = offsetsAndData(a.ValueOffsets(), d.Buffers()[2])
	default:
		return c, fmt.Errorf("an Arrow %s array is not a type plugins take", arr.DataType())
	}
	switch {
	case binaryStates:
		if c.typ != typeBinary {
			return c, fmt.Errorf("states are a binary array, got %s", arr.DataType())
		}
	case c.typ != typeCodes[want.Kind]:
		return c, fmt.Errorf("got an Arrow %s array for an argument of type %s", arr.DataType(), want)
	case want.Kind == sqltype.KindDecimal && want.Precision != 0 && (int(c.scale) != want.Scale || int(c.precision) > want.Precision):
		return c, fmt.Errorf("got %s values for an argument of type %s", arr.DataType(), want)
	}
	if arr.NullN() > 0 {
		bm := d.Buffers()[0].Bytes()
		if off%8 == 0 {
			c.validity = bm[off/8 : off/8+(c.rows+7)/8]
		} else {
			c.validity = make([]byte, (c.rows+7)/8)
			bitutil.CopyBitmap(bm, off, c.rows, c.validity, 0)
		}
	}
	return c, nil
}

// fixedBytes returns the bytes of a fixed-width array's values.
func fixedBytes(d arrow.ArrayData, size int) []byte {
	b := d.Buffers()[1].Bytes()
	return b[d.Offset()*size : (d.Offset()+d.Len())*size]
}

// offsetsAndData returns the u32 offsets (rebased to start at 0) and the bytes of a string or binary array.
func offsetsAndData(offsets []int32, data *memory.Buffer) ([]byte, []byte) {
	var bytes []byte
	if data != nil {
		bytes = data.Bytes()[offsets[0]:offsets[len(offsets)-1]]
	}
	if offsets[0] != 0 {
		rebased := make([]int32, len(offsets))
		for i, o := range offsets {
			rebased[i] = o - offsets[0]
		}
		offsets = rebased
	}
	return sliceBytes(offsets), bytes
}

// sliceBytes views a slice of fixed-size numbers as its bytes; vcube runs on little-endian machines, as the
// ABI's buffers are.
func sliceBytes[T uint32 | int32](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*4)
}

// frame plans one call's inputs in the instance's scratch memory: pieces at 8-byte aligned offsets from the
// scratch base, written once the base is known. An instance keeps one frame and reuses its buffers, so that
// a call allocates nothing on the host either.
type frame struct {
	size   int
	pieces []piece
	cols   []column
	bufs   [][3]int // each column's validity, values and data offsets (-1 when absent)
	bytes  []byte   // small buffers (descriptors, parameters), carved out call by call
}

type piece struct {
	off int
	b   []byte
	// cols is how many columns, from first in the frame's cols, b holds the descriptors of (0: b is data).
	first, cols int
}

func (f *frame) reset() {
	f.size = 0
	f.pieces, f.cols, f.bufs, f.bytes = f.pieces[:0], f.cols[:0], f.bufs[:0], f.bytes[:0]
}

// add reserves room for b and returns its offset.
func (f *frame) add(b []byte) int {
	off := (f.size + 7) &^ 7
	f.size = off + len(b)
	f.pieces = append(f.pieces, piece{off: off, b: b})
	return off
}

// zeros returns n zeroed bytes from the frame's own buffer, to add.
func (f *frame) zeros(n int) []byte {
	if cap(f.bytes)-len(f.bytes) < n {
		f.bytes = make([]byte, 0, max(1024, 2*n)) // earlier pieces keep the old buffer
	}
	b := f.bytes[len(f.bytes) : len(f.bytes)+n]
	clear(b)
	f.bytes = f.bytes[:len(f.bytes)+n]
	return b
}

var emptyOffsets = make([]byte, 4) // the single offset of an empty text or binary column

// addColumns reserves the columns' buffers and a block of their descriptors, one after another; it returns
// the block's offset.
func (f *frame) addColumns(cols ...column) int {
	first := len(f.cols)
	for _, c := range cols {
		bufs := [3]int{-1, -1, -1}
		if c.validity != nil {
			bufs[0] = f.add(c.validity)
		}
		if len(c.values) > 0 {
			bufs[1] = f.add(c.values)
		} else if c.typ == typeText || c.typ == typeBinary {
			bufs[1] = f.add(emptyOffsets)
		}
		if len(c.data) > 0 {
			bufs[2] = f.add(c.data)
		}
		f.cols = append(f.cols, c)
		f.bufs = append(f.bufs, bufs)
	}
	off := f.add(f.zeros(descriptorSize * len(cols)))
	f.pieces[len(f.pieces)-1].first, f.pieces[len(f.pieces)-1].cols = first, len(cols)
	return off
}

// write copies the frame into guest memory at base, filling in descriptors.
func (f *frame) write(in *instance, base uint32) bool {
	for _, p := range f.pieces {
		for i := range p.cols {
			c, bufs := &f.cols[p.first+i], f.bufs[p.first+i]
			addr := func(j int) uint32 {
				if bufs[j] < 0 {
					return 0
				}
				return base + uint32(bufs[j])
			}
			d := p.b[descriptorSize*i:]
			binary.LittleEndian.PutUint32(d[0:], c.typ)
			binary.LittleEndian.PutUint32(d[4:], uint32(c.rows))
			binary.LittleEndian.PutUint32(d[8:], addr(0))
			binary.LittleEndian.PutUint32(d[12:], addr(1))
			binary.LittleEndian.PutUint32(d[16:], addr(2))
			binary.LittleEndian.PutUint32(d[20:], uint32(len(c.data)))
			binary.LittleEndian.PutUint32(d[24:], uint32(c.scale))
			binary.LittleEndian.PutUint32(d[28:], uint32(c.precision))
		}
		if !in.mem.Write(base+uint32(p.off), p.b) {
			return false
		}
	}
	return true
}

// readColumn copies the column a call described at addr out of guest memory into an Arrow array of type
// want (binary for states) with rows rows. The plugin's mistakes come back as messages.
func (in *instance) readColumn(addr uint32, want sqltype.Type, states bool, rows int) (arrow.Array, error) {
	d, ok := in.mem.Read(addr, descriptorSize)
	if !ok {
		return nil, fmt.Errorf("the result descriptor lies outside the plugin's memory")
	}
	u32 := func(i int) uint32 { return binary.LittleEndian.Uint32(d[4*i:]) }
	typ, n, vAddr, valAddr, dataAddr, dataLen := u32(0), int(u32(1)), u32(2), u32(3), u32(4), u32(5)
	scale := int32(u32(6))
	wantCode, dt := typeCodes[want.Kind], want.Arrow()
	if states {
		wantCode, dt = typeBinary, arrow.BinaryTypes.Binary
	}
	if typ != wantCode {
		return nil, fmt.Errorf("returned a column of type code %d where the ABI wants %d", typ, wantCode)
	}
	if n != rows {
		return nil, fmt.Errorf("returned %d rows for %d", n, rows)
	}
	if wantCode == typeDecimal && int(scale) != want.Scale {
		return nil, fmt.Errorf("returned decimals of scale %d for %s", scale, want)
	}
	read := func(addr uint32, size int) ([]byte, error) {
		if size == 0 {
			return []byte{}, nil
		}
		b, ok := in.mem.Read(addr, uint32(size))
		if !ok || addr == 0 || size > 1<<31 {
			return nil, fmt.Errorf("returned a buffer (%d bytes at %#x) outside the plugin's memory", size, addr)
		}
		return bytes.Clone(b), nil
	}
	var validity *memory.Buffer
	nulls := 0
	if vAddr != 0 && rows > 0 {
		bm, err := read(vAddr, (rows+7)/8)
		if err != nil {
			return nil, err
		}
		validity = memory.NewBufferBytes(bm)
		nulls = rows - bitutil.CountSetBits(bm, 0, rows)
	}
	var bufs []*memory.Buffer
	switch wantCode {
	case typeText, typeBinary:
		raw := make([]byte, 4)
		if rows > 0 {
			var err error
			if raw, err = read(valAddr, 4*(rows+1)); err != nil {
				return nil, err
			}
		}
		data, err := read(dataAddr, int(dataLen))
		if err != nil {
			return nil, err
		}
		offsets := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(raw))), rows+1)
		if uint32(offsets[rows]) > dataLen || dataLen > 1<<31-1 {
			return nil, fmt.Errorf("returned offsets past the end of its %d bytes of data", dataLen)
		}
		for i := range rows {
			if uint32(offsets[i]) > uint32(offsets[i+1]) {
				return nil, fmt.Errorf("returned offsets that decrease at row %d", i)
			}
			if wantCode == typeText && !utf8.Valid(data[offsets[i]:offsets[i+1]]) {
				return nil, fmt.Errorf("returned text that is not UTF-8 at row %d", i)
			}
		}
		bufs = []*memory.Buffer{validity, memory.NewBufferBytes(raw), memory.NewBufferBytes(data)}
	case typeBoolean:
		raw, err := read(valAddr, rows)
		if err != nil {
			return nil, err
		}
		bm := make([]byte, (rows+7)/8)
		for i, b := range raw {
			if b != 0 {
				bitutil.SetBit(bm, i)
			}
		}
		bufs = []*memory.Buffer{validity, memory.NewBufferBytes(bm)}
	default:
		raw, err := read(valAddr, rows*typeSizes[wantCode])
		if err != nil {
			return nil, err
		}
		bufs = []*memory.Buffer{validity, memory.NewBufferBytes(raw)}
	}
	data := array.NewData(dt, rows, bufs, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}
