package vexec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// tailLimitOp keeps the last N rows of its input while it reads, in the batches that hold them (retained: N rows
// and at most one batch more), and at the end emits those rows last first.
type tailLimitOp struct {
	node    *planner.TailLimit
	input   Operator
	cfg     Config
	held    []arrow.RecordBatch
	rows    int64 // rows in held
	charged int64 // estimated bytes of held, counted against the query's memory limit
	result  arrow.RecordBatch
	pos     int64
	done    bool
	out     output
}

func (t *tailLimitOp) Open(ctx context.Context) error { return t.input.Open(ctx) }

func (t *tailLimitOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if t.result == nil && !t.done {
		if err := t.consume(ctx); err != nil {
			return nil, err
		}
	}
	if t.result == nil || t.pos >= t.result.NumRows() {
		return nil, io.EOF
	}
	end := min(t.pos+int64(t.cfg.BatchSize), t.result.NumRows())
	b := t.result.NewSlice(t.pos, end)
	t.pos = end
	return t.out.set(b), nil
}

func (t *tailLimitOp) consume(ctx context.Context) error {
	t.done = true
	n := t.node.N
	if n <= 0 {
		return nil
	}
	for {
		b, err := t.input.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if b.NumRows() == 0 {
			continue
		}
		b.Retain()
		t.hold(b)
		// The first batch goes once the ones after it hold the last n rows.
		for len(t.held) > 1 && t.rows-t.held[0].NumRows() >= n {
			t.drop()
		}
	}
	if t.rows == 0 {
		return nil
	}
	all, err := sqltype.ConcatBatches(t.cfg.Mem, planner.Schema(t.node), t.held)
	if err != nil {
		return err
	}
	defer all.Release()
	for len(t.held) > 0 {
		t.drop()
	}
	keep := min(n, all.NumRows())
	bld := array.NewInt32Builder(memory.DefaultAllocator)
	for i := all.NumRows() - 1; i >= all.NumRows()-keep; i-- {
		bld.Append(int32(i))
	}
	idx := bld.NewArray()
	bld.Release()
	defer idx.Release()
	ec := newEvalCtx(ctx, t.cfg.Mem)
	res, err := compute.Take(ec.ctx, *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(all), compute.NewDatumWithoutOwning(idx))
	if err != nil {
		return err
	}
	t.result = res.(*compute.RecordDatum).Value
	return nil
}

// hold keeps a retained batch; its rows may be slices of the column cache's arrays, which the query's allocator
// did not count, so their estimated size is charged while they are held.
func (t *tailLimitOp) hold(b arrow.RecordBatch) {
	t.held = append(t.held, b)
	t.rows += b.NumRows()
	size := batchBytes(b)
	charge(t.cfg.Mem, size)
	t.charged += size
}

// drop releases the first batch held.
func (t *tailLimitOp) drop() {
	b := t.held[0]
	t.held[0] = nil
	t.held = t.held[1:]
	t.rows -= b.NumRows()
	size := batchBytes(b)
	charge(t.cfg.Mem, -size)
	t.charged -= size
	b.Release()
}

func (t *tailLimitOp) Close() error {
	t.out.release()
	releaseBatches(t.held)
	t.held = nil
	charge(t.cfg.Mem, -t.charged)
	t.charged = 0
	if t.result != nil {
		t.result.Release()
		t.result = nil
	}
	return t.input.Close()
}

// batchBytes estimates the memory a batch's rows take: values, text bytes and offsets, validity bits.
func batchBytes(b arrow.RecordBatch) int64 {
	rows := b.NumRows()
	var n int64
	for _, c := range b.Columns() {
		n += (rows + 7) / 8
		switch a := c.(type) {
		case *array.String:
			o := a.ValueOffsets()
			n += int64(o[len(o)-1]-o[0]) + 4*rows
		default:
			if fw, ok := a.DataType().(arrow.FixedWidthDataType); ok {
				n += rows * int64(fw.BitWidth()) / 8
			}
		}
	}
	return n
}
