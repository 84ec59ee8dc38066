package vexec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"

	"github.com/vcubedb/vcube/planner"
)

func newBatch(schema *arrow.Schema, cols []arrow.Array, rows int64) arrow.RecordBatch {
	return array.NewRecordBatch(schema, cols, rows)
}

// filterOp keeps the rows whose predicate is true; batches that come out empty are skipped.
type filterOp struct {
	input   Operator
	pred    evaluator
	ec      *evalCtx
	cfg     Config
	out     output
	scratch []byte          // countTrue's
	dict    []*dictPredEval // parts of pred evaluated per dictionary entry, which hold their dictionary
}

func newFilterOp(n *planner.Filter, input Operator, cfg Config) (Operator, error) {
	f := &filterOp{input: input, cfg: cfg}
	pred, err := compilePredicate(n.Predicate, dictionaryInputs(cfg, n.Input), &f.dict)
	if err != nil {
		return nil, err
	}
	f.pred = pred
	return f, nil
}

func (f *filterOp) Open(ctx context.Context) error {
	f.ec = newEvalCtx(ctx, f.cfg.Mem)
	return f.input.Open(ctx)
}

func (f *filterOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		b, err := f.input.Next(ctx)
		if err != nil {
			return nil, err
		}
		mask, err := evalBool(f.ec, f.pred, b)
		if err != nil {
			return nil, err
		}
		selected := countTrue(mask, &f.scratch)
		switch {
		case selected == 0:
			mask.Release()
			continue
		case selected == int(b.NumRows()):
			mask.Release()
			b.Retain()
			return f.out.set(b), nil
		}
		res, err := compute.FilterRecordBatch(f.ec.ctx, b, mask, compute.DefaultFilterOptions())
		mask.Release()
		if err != nil {
			return nil, err
		}
		return f.out.set(res), nil
	}
}

func (f *filterOp) Close() error {
	f.out.release()
	releaseDictEvals(f.dict)
	return f.input.Close()
}

// countTrue counts rows that are true and not NULL: the set bits of the values bitmap, counted a word at a time,
// and with NULLs of the values ANDed with the validity bitmap (into scratch, reused across batches).
func countTrue(m *array.Boolean, scratch *[]byte) int {
	n, off := m.Len(), m.Data().Offset()
	values := m.Data().Buffers()[1].Bytes()
	if m.NullN() == 0 {
		return bitutil.CountSetBits(values, off, n)
	}
	size := int(bitutil.BytesForBits(int64(n)))
	if cap(*scratch) < size {
		*scratch = make([]byte, size)
	}
	both := (*scratch)[:size]
	bitutil.BitmapAnd(values, m.NullBitmapBytes(), int64(off), int64(off), both, 0, int64(n))
	return bitutil.CountSetBits(both, 0, n)
}

// projectOp computes its expressions over each input batch.
type projectOp struct {
	input  Operator
	exprs  []evaluator
	schema *arrow.Schema
	ec     *evalCtx
	cfg    Config
	out    output
}

func newProjectOp(n *planner.Projection, input Operator, cfg Config) (Operator, error) {
	p := &projectOp{input: input, schema: planner.Schema(n), cfg: cfg}
	for _, e := range n.Exprs {
		ev, err := compile(e)
		if err != nil {
			return nil, err
		}
		p.exprs = append(p.exprs, ev)
	}
	return p, nil
}

func (p *projectOp) Open(ctx context.Context) error {
	p.ec = newEvalCtx(ctx, p.cfg.Mem)
	return p.input.Open(ctx)
}

func (p *projectOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := p.input.Next(ctx)
	if err != nil {
		return nil, err
	}
	cols := make([]arrow.Array, len(p.exprs))
	for i, e := range p.exprs {
		a, err := e.eval(p.ec, b)
		if err != nil {
			for _, c := range cols[:i] {
				c.Release()
			}
			return nil, err
		}
		cols[i] = a
	}
	out := newBatch(p.schema, cols, b.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return p.out.set(out), nil
}

func (p *projectOp) Close() error {
	p.out.release()
	return p.input.Close()
}

// limitOp passes the first limit rows and then stops pulling its input.
type limitOp struct {
	input Operator
	limit int64
	seen  int64
	out   output
}

func (l *limitOp) Open(ctx context.Context) error { return l.input.Open(ctx) }

func (l *limitOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if l.seen >= l.limit {
		return nil, errEOF
	}
	b, err := l.input.Next(ctx)
	if err != nil {
		return nil, err
	}
	n := b.NumRows()
	if l.seen+n <= l.limit {
		l.seen += n
		b.Retain()
		return l.out.set(b), nil
	}
	keep := l.limit - l.seen
	l.seen = l.limit
	return l.out.set(b.NewSlice(0, keep)), nil
}

func (l *limitOp) Close() error {
	l.out.release()
	return l.input.Close()
}

// skipOp drops the first skip rows (OFFSET).
type skipOp struct {
	input Operator
	skip  int64
	out   output
}

func (s *skipOp) Open(ctx context.Context) error { return s.input.Open(ctx) }

func (s *skipOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		b, err := s.input.Next(ctx)
		if err != nil {
			return nil, err
		}
		n := b.NumRows()
		if s.skip == 0 {
			b.Retain()
			return s.out.set(b), nil
		}
		if n <= s.skip {
			s.skip -= n
			continue
		}
		out := b.NewSlice(s.skip, n)
		s.skip = 0
		return s.out.set(out), nil
	}
}

func (s *skipOp) Close() error {
	s.out.release()
	return s.input.Close()
}
