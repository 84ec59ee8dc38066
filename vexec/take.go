package vexec

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// takeRows gathers rows idx of b, in idx's order (-1 gives a row of NULLs): a typed loop per column for the
// types operators produce, arrow's Take for any other.
func takeRows(ec *evalCtx, b arrow.RecordBatch, idx []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	for c := range cols {
		col, err := takeColumn(ec, b.Column(c), idx)
		if err != nil {
			for _, done := range cols[:c] {
				done.Release()
			}
			return nil, err
		}
		cols[c] = col
	}
	out := array.NewRecordBatch(b.Schema(), cols, int64(len(idx)))
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// takeColumn gathers rows idx of a (-1: NULL) into a new array.
func takeColumn(ec *evalCtx, a arrow.Array, idx []int32) (arrow.Array, error) {
	n := len(idx)
	mem := ec.mem
	var buffers []*memory.Buffer
	switch a := a.(type) {
	case *array.Int64:
		buffers = []*memory.Buffer{nil, takeFixed(mem, a.Int64Values(), idx)}
	case *array.Timestamp:
		buffers = []*memory.Buffer{nil, takeFixed(mem, a.TimestampValues(), idx)}
	case *array.Float64:
		buffers = []*memory.Buffer{nil, takeFixed(mem, a.Float64Values(), idx)}
	case *array.Decimal128:
		buffers = []*memory.Buffer{nil, takeFixed(mem, a.Values(), idx)}
	case *array.Boolean:
		out := memory.NewResizableBuffer(mem)
		out.Resize(int(bitutil.BytesForBits(int64(n))))
		bits := out.Bytes()
		clear(bits)
		for i, r := range idx {
			if r >= 0 && a.Value(int(r)) {
				bitutil.SetBit(bits, i)
			}
		}
		buffers = []*memory.Buffer{nil, out}
	case *array.String:
		offsets, data := takeText(mem, a, idx)
		buffers = []*memory.Buffer{nil, offsets, data}
	default:
		ia := array.NewInt32Builder(mem)
		defer ia.Release()
		ia.Reserve(n)
		for _, r := range idx {
			if r < 0 {
				ia.AppendNull()
			} else {
				ia.UnsafeAppend(r)
			}
		}
		indices := ia.NewArray()
		defer indices.Release()
		return compute.TakeArray(ec.ctx, a, indices)
	}
	validity, nulls := takeValidity(mem, a, idx)
	buffers[0] = validity
	data := array.NewData(a.DataType(), n, buffers, nil, nulls, 0)
	for _, buf := range buffers {
		if buf != nil {
			buf.Release()
		}
	}
	defer data.Release()
	return array.MakeFromData(data), nil
}

// takeValidity gathers a's validity for rows idx (-1 is NULL): nil when no row taken is NULL.
func takeValidity(mem memory.Allocator, a arrow.Array, idx []int32) (*memory.Buffer, int) {
	absent := false
	for _, r := range idx {
		if r < 0 {
			absent = true
			break
		}
	}
	if a.NullN() == 0 && !absent {
		return nil, 0
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(len(idx)))))
	bits := buf.Bytes()
	clear(bits)
	src, off := validity(a)
	nulls := 0
	for i, r := range idx {
		if r < 0 || src != nil && bitutil.BitIsNotSet(src, off+int(r)) {
			nulls++
			continue
		}
		bitutil.SetBit(bits, i)
	}
	if nulls == 0 {
		buf.Release()
		return nil, 0
	}
	return buf, nulls
}

// takeFixed gathers fixed-width values; a taken -1 leaves a zero value under its NULL.
func takeFixed[T any](mem memory.Allocator, vals []T, idx []int32) *memory.Buffer {
	var zero T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(idx) * int(unsafe.Sizeof(zero)))
	out := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(buf.Bytes()))), len(idx))
	for i, r := range idx {
		if r < 0 {
			out[i] = zero
			continue
		}
		out[i] = vals[r]
	}
	return buf
}

// takeText gathers text values: their offsets, then their bytes.
func takeText(mem memory.Allocator, a *array.String, idx []int32) (offsets, data *memory.Buffer) {
	srcOff := a.ValueOffsets()
	srcData := a.ValueBytes()
	base := srcOff[0] // ValueBytes starts at the array's first value
	offsets = memory.NewResizableBuffer(mem)
	offsets.Resize((len(idx) + 1) * 4)
	off := arrow.Int32Traits.CastFromBytes(offsets.Bytes())[:len(idx)+1]
	total := int32(0)
	for i, r := range idx {
		off[i] = total
		if r >= 0 {
			total += srcOff[r+1] - srcOff[r]
		}
	}
	off[len(idx)] = total
	data = memory.NewResizableBuffer(mem)
	data.Resize(int(total))
	dst := data.Bytes()
	for i, r := range idx {
		if r >= 0 {
			copy(dst[off[i]:off[i+1]], srcData[srcOff[r]-base:srcOff[r+1]-base])
		}
	}
	return offsets, data
}
