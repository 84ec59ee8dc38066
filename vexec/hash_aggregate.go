package vexec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/vcubedb/vcube/planner"
)

// hashAggregateOp groups its whole input through a groupTable and emits one row per group: the group keys, then
// the aggregates. Without group keys it emits exactly one row, even for an empty input.
type hashAggregateOp struct {
	node   *planner.Aggregate
	input  Operator
	cfg    Config
	groups []evaluator
	args   []evaluator // nil for COUNT(*)
	accs   []accumulator
	table  *groupTable
	result arrow.RecordBatch
	pos    int64
	out    output
}

func newHashAggregateOp(n *planner.Aggregate, input Operator, cfg Config) (Operator, error) {
	op := &hashAggregateOp{node: n, input: input, cfg: cfg}
	for _, g := range n.GroupBy {
		ev, err := compile(g)
		if err != nil {
			return nil, err
		}
		op.groups = append(op.groups, ev)
	}
	for _, a := range n.Aggs {
		acc, err := newAccumulator(a)
		if err != nil {
			return nil, err
		}
		op.accs = append(op.accs, acc)
		var ev evaluator
		if a.Arg != nil {
			if ev, err = compile(a.Arg); err != nil {
				return nil, err
			}
		}
		op.args = append(op.args, ev)
	}
	return op, nil
}

func (h *hashAggregateOp) Open(ctx context.Context) error { return h.input.Open(ctx) }

func (h *hashAggregateOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if h.result == nil {
		if err := h.consume(ctx); err != nil {
			return nil, err
		}
	}
	if h.pos >= h.result.NumRows() {
		return nil, io.EOF
	}
	end := min(h.pos+int64(h.cfg.BatchSize), h.result.NumRows())
	b := h.result.NewSlice(h.pos, end)
	h.pos = end
	return h.out.set(b), nil
}

func (h *hashAggregateOp) consume(ctx context.Context) error {
	ec := newEvalCtx(ctx, h.cfg.Mem)
	types := make([]arrow.DataType, len(h.node.GroupBy))
	for i, g := range h.node.GroupBy {
		types[i] = g.Type().Arrow()
	}
	h.table = newGroupTable(h.cfg.Mem, types)
	if len(types) == 0 {
		h.table.assign(nil, 0)
		for _, acc := range h.accs {
			acc.grow(1)
		}
	}
	for {
		b, err := h.input.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := h.update(ec, b); err != nil {
			return err
		}
	}
	return h.emit()
}

func (h *hashAggregateOp) update(ec *evalCtx, b arrow.RecordBatch) error {
	keys := make([]arrow.Array, 0, len(h.groups))
	defer func() {
		for _, k := range keys {
			k.Release()
		}
	}()
	for _, g := range h.groups {
		k, err := g.eval(ec, b)
		if err != nil {
			return err
		}
		keys = append(keys, k)
	}
	ids := h.table.assign(keys, int(b.NumRows()))
	for i, acc := range h.accs {
		acc.grow(h.table.groups)
		var arg arrow.Array
		if h.args[i] != nil {
			a, err := h.args[i].eval(ec, b)
			if err != nil {
				return err
			}
			arg = a
		}
		err := acc.update(ids, arg)
		if arg != nil {
			arg.Release()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (h *hashAggregateOp) emit() error {
	n := h.table.groups
	cols := h.table.keys()
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	for _, acc := range h.accs {
		acc.grow(n)
		a, err := acc.finish(h.cfg.Mem, n)
		if err != nil {
			release()
			return err
		}
		cols = append(cols, a)
	}
	h.result = newBatch(planner.Schema(h.node), cols, int64(n))
	release()
	return nil
}

func (h *hashAggregateOp) Close() error {
	h.out.release()
	if h.result != nil {
		h.result.Release()
		h.result = nil
	}
	if h.table != nil {
		h.table.release()
		h.table = nil
	}
	return h.input.Close()
}
