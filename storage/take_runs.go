package storage

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A merge emits its output as runs of consecutive rows of its input batches. runList records them (holding a
// reference to each batch) and builds the output batch column by column with one typed copy per run, where
// appending row by row through builders cost an interface call and a type switch per value.

// rowRun is rows [lo, hi) of batch b.
type rowRun struct {
	b      arrow.RecordBatch
	lo, hi int
}

type runList struct {
	runs []rowRun
	rows int
}

// add appends rows [lo, hi) of b, extending the last run when they continue it.
func (l *runList) add(b arrow.RecordBatch, lo, hi int) {
	if hi <= lo {
		return
	}
	l.rows += hi - lo
	if n := len(l.runs); n > 0 && l.runs[n-1].b == b && l.runs[n-1].hi == lo {
		l.runs[n-1].hi = hi
		return
	}
	b.Retain()
	l.runs = append(l.runs, rowRun{b: b, lo: lo, hi: hi})
}

// last returns the batch and row of the last row added.
func (l *runList) last() (arrow.RecordBatch, int, bool) {
	if len(l.runs) == 0 {
		return nil, 0, false
	}
	r := l.runs[len(l.runs)-1]
	return r.b, r.hi - 1, true
}

// reset forgets the runs and releases their batches.
func (l *runList) reset() {
	for _, r := range l.runs {
		r.b.Release()
	}
	clear(l.runs)
	l.runs, l.rows = l.runs[:0], 0
}

// build returns the rows of the runs, in order, as one batch of schema, whose first columns the runs' batches
// hold (they may hold more, read for the merge only).
func (l *runList) build(mem memory.Allocator, schema *arrow.Schema) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, schema.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for c := range cols {
		a, err := l.column(mem, c, schema.Field(c).Type)
		if err != nil {
			return nil, err
		}
		cols[c] = a
	}
	return array.NewRecordBatch(schema, cols, int64(l.rows)), nil
}

func (l *runList) column(mem memory.Allocator, c int, dt arrow.DataType) (arrow.Array, error) {
	n := l.rows
	validity, nulls := l.validity(mem, c)
	var buffers []*memory.Buffer
	switch dt.ID() {
	case arrow.INT64:
		buffers = []*memory.Buffer{validity, copyRuns(mem, l, c, func(a arrow.Array) []int64 { return a.(*array.Int64).Int64Values() }, arrow.Int64Traits.CastFromBytes)}
	case arrow.TIMESTAMP:
		buffers = []*memory.Buffer{validity, copyRuns(mem, l, c, func(a arrow.Array) []arrow.Timestamp { return a.(*array.Timestamp).TimestampValues() }, arrow.TimestampTraits.CastFromBytes)}
	case arrow.FLOAT64:
		buffers = []*memory.Buffer{validity, copyRuns(mem, l, c, func(a arrow.Array) []float64 { return a.(*array.Float64).Float64Values() }, arrow.Float64Traits.CastFromBytes)}
	case arrow.DECIMAL128:
		buffers = []*memory.Buffer{validity, copyRuns(mem, l, c, func(a arrow.Array) []decimal128.Num { return a.(*array.Decimal128).Values() }, arrow.Decimal128Traits.CastFromBytes)}
	case arrow.BOOL:
		out := memory.NewResizableBuffer(mem)
		out.Resize(int(bitutil.BytesForBits(int64(n))))
		pos := 0
		for _, r := range l.runs {
			a := r.b.Column(c).(*array.Boolean)
			bitutil.CopyBitmap(a.Data().Buffers()[1].Bytes(), a.Data().Offset()+r.lo, r.hi-r.lo, out.Bytes(), pos)
			pos += r.hi - r.lo
		}
		buffers = []*memory.Buffer{validity, out}
	case arrow.STRING:
		offsets, data := l.strings(mem, c)
		buffers = []*memory.Buffer{validity, offsets, data}
	default:
		if validity != nil {
			validity.Release()
		}
		return nil, fmt.Errorf("storage: cannot merge a column of type %s", dt)
	}
	data := array.NewData(dt, n, buffers, nil, nulls, 0)
	for _, buf := range buffers {
		if buf != nil {
			buf.Release()
		}
	}
	defer data.Release()
	return array.MakeFromData(data), nil
}

// validity copies the runs' validity bits of column c; nil when no run holds a NULL.
func (l *runList) validity(mem memory.Allocator, c int) (*memory.Buffer, int) {
	nulls := false
	for _, r := range l.runs {
		if hasNulls(r.b.Column(c), r.lo, r.hi) {
			nulls = true
			break
		}
	}
	if !nulls {
		return nil, 0
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(l.rows))))
	bits := buf.Bytes()
	pos := 0
	for _, r := range l.runs {
		a := r.b.Column(c)
		if a.NullBitmapBytes() == nil {
			bitutil.SetBitsTo(bits, int64(pos), int64(r.hi-r.lo), true)
		} else {
			bitutil.CopyBitmap(a.NullBitmapBytes(), a.Data().Offset()+r.lo, r.hi-r.lo, bits, pos)
		}
		pos += r.hi - r.lo
	}
	return buf, l.rows - bitutil.CountSetBits(bits, 0, l.rows)
}

// copyRuns copies the runs' fixed-width values of one column into a new buffer.
func copyRuns[T int64 | float64 | arrow.Timestamp | decimal128.Num](mem memory.Allocator, l *runList, c int, values func(arrow.Array) []T, cast func([]byte) []T) *memory.Buffer {
	var zero T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(l.rows * int(unsafe.Sizeof(zero)))
	dst := cast(buf.Bytes())[:l.rows]
	pos := 0
	for _, r := range l.runs {
		pos += copy(dst[pos:], values(r.b.Column(c))[r.lo:r.hi])
	}
	return buf
}

// strings copies the runs' string offsets and bytes of column c: the lengths first, so the bytes are allocated
// once.
func (l *runList) strings(mem memory.Allocator, c int) (offsets, data *memory.Buffer) {
	offsets = memory.NewResizableBuffer(mem)
	offsets.Resize((l.rows + 1) * 4)
	off := arrow.Int32Traits.CastFromBytes(offsets.Bytes())[:l.rows+1]
	total := int32(0)
	pos := 0
	for _, r := range l.runs {
		src := r.b.Column(c).(*array.String).ValueOffsets()
		delta := total - src[r.lo]
		for i := r.lo; i < r.hi; i++ {
			off[pos] = src[i] + delta
			pos++
		}
		total += src[r.hi] - src[r.lo]
	}
	off[l.rows] = total
	data = memory.NewResizableBuffer(mem)
	data.Resize(int(total))
	dst := data.Bytes()
	pos = 0
	for _, r := range l.runs {
		a := r.b.Column(c).(*array.String)
		src := a.ValueOffsets()
		base := src[0] // ValueBytes starts at the array's first value
		pos += copy(dst[pos:], a.ValueBytes()[src[r.lo]-base:src[r.hi]-base])
	}
	return offsets, data
}
