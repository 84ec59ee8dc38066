package vexec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"

	"github.com/vcubedb/vcube/storage"
)

// takeRows gathers rows idx of b, in idx's order (-1 gives a row of NULLs).
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

// takeColumn gathers rows idx of a (-1: NULL) into a new array: through storage's typed gathers for the types
// vcube stores, arrow's Take for others.
func takeColumn(ec *evalCtx, a arrow.Array, idx []int32) (arrow.Array, error) {
	if storage.CanTake(a.DataType()) {
		return storage.TakeColumn(ec.mem, a, idx)
	}
	ia := array.NewInt32Builder(ec.mem)
	defer ia.Release()
	ia.Reserve(len(idx))
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
