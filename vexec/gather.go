package vexec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// rowRun is rows [lo, hi) of one batch: a piece of an output that gatherRuns assembles.
type rowRun struct {
	b      arrow.RecordBatch
	lo, hi int
}

// gatherRuns builds one batch of schema from runs of rows, in order, rows in all: column by column, each run's
// values are copied as one block (fixed-width values and bitmaps by memory copies, text by its offsets and
// bytes), so the cost is per run and per byte, not per row.
func gatherRuns(mem memory.Allocator, schema *arrow.Schema, runs []rowRun, rows int) arrow.RecordBatch {
	cols := make([]arrow.Array, schema.NumFields())
	parts := make([]arrow.Array, len(runs))
	for c := range cols {
		for i, r := range runs {
			parts[i] = r.b.Column(c)
		}
		cols[c] = gatherColumn(mem, schema.Field(c).Type, parts, runs, rows)
	}
	b := array.NewRecordBatch(schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return b
}

// gatherColumn copies rows [runs[i].lo, runs[i].hi) of parts[i], for every i in order, into one array of type dt.
func gatherColumn(mem memory.Allocator, dt arrow.DataType, parts []arrow.Array, runs []rowRun, rows int) arrow.Array {
	switch dt.ID() {
	case arrow.NULL:
		return array.NewNull(rows)
	case arrow.BOOL:
		data := memory.NewResizableBuffer(mem)
		data.Resize(int(bitutil.BytesForBits(int64(rows))))
		dst, pos := data.Bytes(), 0
		for i, r := range runs {
			a := parts[i]
			bitutil.CopyBitmap(a.Data().Buffers()[1].Bytes(), a.Data().Offset()+r.lo, r.hi-r.lo, dst, pos)
			pos += r.hi - r.lo
		}
		return finishGathered(mem, dt, parts, runs, rows, data, nil)
	case arrow.STRING:
		offsets := memory.NewResizableBuffer(mem)
		offsets.Resize(arrow.Int32Traits.BytesRequired(rows + 1))
		offs := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
		size := 0
		for i, r := range runs {
			o := parts[i].(*array.String).ValueOffsets()
			size += int(o[r.hi] - o[r.lo])
		}
		values := memory.NewResizableBuffer(mem)
		values.Resize(size)
		dst := values.Bytes()
		pos, at := 0, int32(0)
		for i, r := range runs {
			s := parts[i].(*array.String)
			o, bytes := s.ValueOffsets(), s.ValueBytes()
			base, shift := o[0], at-o[r.lo]
			for j := r.lo; j < r.hi; j++ {
				offs[pos] = o[j] + shift
				pos++
			}
			n := copy(dst[at:], bytes[o[r.lo]-base:o[r.hi]-base])
			at += int32(n)
		}
		offs[pos] = at
		return finishGathered(mem, dt, parts, runs, rows, offsets, values)
	}
	fw, ok := dt.(arrow.FixedWidthDataType)
	if !ok || fw.BitWidth()%8 != 0 {
		// No operator produces other types; Concatenate is correct for any of them, if slower.
		slices := make([]arrow.Array, len(runs))
		for i, r := range runs {
			slices[i] = array.NewSlice(parts[i], int64(r.lo), int64(r.hi))
		}
		out, err := array.Concatenate(slices, mem)
		for _, s := range slices {
			s.Release()
		}
		if err != nil {
			panic(err) // every slice has type dt
		}
		return out
	}
	width := fw.BitWidth() / 8
	data := memory.NewResizableBuffer(mem)
	data.Resize(rows * width)
	dst, at := data.Bytes(), 0
	for i, r := range runs {
		a := parts[i]
		src := a.Data().Buffers()[1].Bytes()
		off := a.Data().Offset()
		at += copy(dst[at:], src[(off+r.lo)*width:(off+r.hi)*width])
	}
	return finishGathered(mem, dt, parts, runs, rows, data, nil)
}

// finishGathered adds the validity bitmap of the gathered rows to a column's value buffers and wraps them in an
// array, taking over the buffers' references.
func finishGathered(mem memory.Allocator, dt arrow.DataType, parts []arrow.Array, runs []rowRun, rows int, data, extra *memory.Buffer) arrow.Array {
	var validity *memory.Buffer
	nulls := 0
	for i := range runs {
		if parts[i].NullN() > 0 {
			validity = memory.NewResizableBuffer(mem)
			validity.Resize(int(bitutil.BytesForBits(int64(rows))))
			break
		}
	}
	if validity != nil {
		dst, pos := validity.Bytes(), 0
		for i, r := range runs {
			a, n := parts[i], r.hi-r.lo
			if a.NullN() == 0 {
				bitutil.SetBitsTo(dst, int64(pos), int64(n), true)
			} else {
				bitutil.CopyBitmap(a.NullBitmapBytes(), a.Data().Offset()+r.lo, n, dst, pos)
			}
			pos += n
		}
		if nulls = rows - bitutil.CountSetBits(dst, 0, rows); nulls == 0 {
			validity.Release()
			validity = nil
		}
	}
	bufs := []*memory.Buffer{validity, data}
	if extra != nil {
		bufs = append(bufs, extra)
	}
	d := array.NewData(dt, rows, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	defer d.Release()
	return array.MakeFromData(d)
}
