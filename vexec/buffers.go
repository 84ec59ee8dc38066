package vexec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fixedOut builds a fixed-width Arrow array by writing straight into its buffers: kernels fill vals and clear
// validity bits, with no builder calls per row.
type fixedOut[T any] struct {
	dt       arrow.DataType
	n        int
	data     *memory.Buffer
	validity *memory.Buffer
	vals     []T
	valid    []byte
}

func newFixedOut[T any](mem memory.Allocator, dt arrow.DataType, n int, width int, cast func([]byte) []T) *fixedOut[T] {
	o := &fixedOut[T]{dt: dt, n: n}
	o.data = memory.NewResizableBuffer(mem)
	o.data.Resize(n * width)
	o.vals = cast(o.data.Bytes())[:n]
	o.validity = memory.NewResizableBuffer(mem)
	o.validity.Resize(int(bitutil.BytesForBits(int64(n))))
	o.valid = o.validity.Bytes()
	for i := range o.valid {
		o.valid[i] = 0xff
	}
	return o
}

func newInt64Out(mem memory.Allocator, dt arrow.DataType, n int) *fixedOut[int64] {
	return newFixedOut(mem, dt, n, 8, arrow.Int64Traits.CastFromBytes)
}

func newFloat64Out(mem memory.Allocator, n int) *fixedOut[float64] {
	return newFixedOut(mem, arrow.PrimitiveTypes.Float64, n, 8, arrow.Float64Traits.CastFromBytes)
}

func newDecimalOut(mem memory.Allocator, dt arrow.DataType, n int) *fixedOut[decimal128.Num] {
	return newFixedOut(mem, dt, n, 16, arrow.Decimal128Traits.CastFromBytes)
}

func (o *fixedOut[T]) setNull(i int) { bitutil.ClearBit(o.valid, i) }

// copyValidity starts the output's validity from an input's (rows null in the input are null in the output).
func (o *fixedOut[T]) copyValidity(a arrow.Array) {
	if a.NullN() == 0 {
		return
	}
	for i := 0; i < o.n; i++ {
		if a.IsNull(i) {
			bitutil.ClearBit(o.valid, i)
		}
	}
}

func (o *fixedOut[T]) finish() arrow.Array {
	return finishData(o.dt, o.n, o.validity, o.data, o.valid)
}

// finishData wraps filled buffers in an array. The array holds its own references (NewData retains them), so
// the builder's references are released here whether or not the validity bitmap is kept.
func finishData(dt arrow.DataType, n int, validity, data *memory.Buffer, valid []byte) arrow.Array {
	nulls := n - bitutil.CountSetBits(valid, 0, n)
	bufs := []*memory.Buffer{validity, data}
	if nulls == 0 {
		bufs[0] = nil
	}
	d := array.NewData(dt, n, bufs, nil, nulls, 0)
	validity.Release()
	data.Release()
	defer d.Release()
	return array.MakeFromData(d)
}

// boolOut builds a Boolean array bit by bit.
type boolOut struct {
	n        int
	data     *memory.Buffer
	validity *memory.Buffer
	bits     []byte
	valid    []byte
}

func newBoolOut(mem memory.Allocator, n int) *boolOut {
	o := &boolOut{n: n}
	nb := int(bitutil.BytesForBits(int64(n)))
	o.data = memory.NewResizableBuffer(mem)
	o.data.Resize(nb)
	o.bits = o.data.Bytes()
	for i := range o.bits {
		o.bits[i] = 0
	}
	o.validity = memory.NewResizableBuffer(mem)
	o.validity.Resize(nb)
	o.valid = o.validity.Bytes()
	for i := range o.valid {
		o.valid[i] = 0xff
	}
	return o
}

func (o *boolOut) set(i int, v bool) {
	if v {
		bitutil.SetBit(o.bits, i)
	}
}
func (o *boolOut) setNull(i int) { bitutil.ClearBit(o.valid, i) }

func (o *boolOut) finish() arrow.Array {
	return finishData(arrow.FixedWidthTypes.Boolean, o.n, o.validity, o.data, o.valid)
}

func (o *boolOut) release() {
	o.data.Release()
	o.validity.Release()
}

// int64Values returns the values of an Int64 or Timestamp array (both are 64-bit integers in memory).
func int64Values(a arrow.Array) []int64 {
	switch a := a.(type) {
	case *array.Int64:
		return a.Int64Values()
	case *array.Timestamp:
		v := a.TimestampValues()
		return arrow.Int64Traits.CastFromBytes(arrow.TimestampTraits.CastToBytes(v))
	}
	panic("vexec: not a 64-bit integer array: " + a.DataType().String())
}

func (o *fixedOut[T]) isValid(i int) bool { return bitutil.BitIsSet(o.valid, i) }

// release frees the buffers of an output abandoned on an error.
func (o *fixedOut[T]) release() {
	o.data.Release()
	o.validity.Release()
}
