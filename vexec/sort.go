package vexec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/compute/exec"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

var errEOF = io.EOF

// sortOp reads its whole input, orders it with arrow's multi-key sort_indices (NULLs placed as each key asks: by
// default first when ascending and last when descending, as MySQL orders them), and emits it in batches.
type sortOp struct {
	node   *planner.Sort
	input  Operator
	cfg    Config
	sorted arrow.RecordBatch
	pos    int64
	out    output
}

func (s *sortOp) Open(ctx context.Context) error { return s.input.Open(ctx) }

func (s *sortOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.sorted == nil {
		if err := s.sortAll(ctx); err != nil {
			return nil, err
		}
	}
	if s.pos >= s.sorted.NumRows() {
		return nil, io.EOF
	}
	end := min(s.pos+int64(s.cfg.BatchSize), s.sorted.NumRows())
	b := s.sorted.NewSlice(s.pos, end)
	s.pos = end
	return s.out.set(b), nil
}

func (s *sortOp) sortAll(ctx context.Context) error {
	schema := planner.Schema(s.node)
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for {
		b, err := s.input.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		b.Retain()
		batches = append(batches, b)
	}
	all, err := sqltype.ConcatBatches(s.cfg.Mem, schema, batches)
	if err != nil {
		return err
	}
	defer all.Release()
	keys := make([]compute.SortKey, len(s.node.Keys))
	for i, k := range s.node.Keys {
		keys[i] = compute.SortKey{ColumnIndex: k.Column, Order: compute.SortOrderAscending, NullPlacement: compute.SortNullsAtEnd}
		if k.Desc {
			keys[i].Order = compute.SortOrderDescending
		}
		if k.NullsFirst {
			keys[i].NullPlacement = compute.SortNullsAtStart
		}
	}
	ec := newEvalCtx(ctx, s.cfg.Mem)
	// arrow-go's sort_indices never frees a scratch buffer it takes from the context's allocator; the indices
	// come from the Go heap instead, so the query's allocator accounts only for what vexec releases.
	idx, err := compute.SortIndicesRecordBatch(exec.WithAllocator(ctx, memory.DefaultAllocator), all, keys)
	if err != nil {
		return err
	}
	defer idx.Release()
	res, err := compute.Take(ec.ctx, *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(all), compute.NewDatumWithoutOwning(idx))
	if err != nil {
		return err
	}
	s.sorted = res.(*compute.RecordDatum).Value
	return nil
}

func (s *sortOp) Close() error {
	s.out.release()
	if s.sorted != nil {
		s.sorted.Release()
		s.sorted = nil
	}
	return s.input.Close()
}
