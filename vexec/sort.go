package vexec

import (
	"cmp"
	"context"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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
	if s.node.Limit > 0 {
		return s.topRows(ctx)
	}
	schema := planner.Schema(s.node)
	batches, err := collect(ctx, s.input)
	if err != nil {
		return err
	}
	defer releaseBatches(batches)
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

// collect reads all of an operator's batches, retained for the caller (who releases them).
func collect(ctx context.Context, in Operator) ([]arrow.RecordBatch, error) {
	var batches []arrow.RecordBatch
	for {
		b, err := in.Next(ctx)
		if err == io.EOF {
			return batches, nil
		}
		if err != nil {
			releaseBatches(batches)
			return nil, err
		}
		b.Retain()
		batches = append(batches, b)
	}
}

// topRows keeps only the first Limit rows by the keys while it reads: rows gather until there are twice the
// limit (at least 8,192), then the kept rows and the new ones shrink to the first Limit again. Memory is a few
// times the limit, whatever the input's size.
func (s *sortOp) topRows(ctx context.Context) error {
	schema := planner.Schema(s.node)
	ec := newEvalCtx(ctx, s.cfg.Mem)
	k := int(s.node.Limit)
	var pending []arrow.RecordBatch // the kept rows (first, once there are some) and the rows read since
	rows := 0
	defer func() { releaseBatches(pending) }()
	shrink := func() error {
		all, err := sqltype.ConcatBatches(s.cfg.Mem, schema, pending)
		if err != nil {
			return err
		}
		defer all.Release()
		releaseBatches(pending)
		pending = nil
		bld := array.NewInt32Builder(memory.DefaultAllocator)
		bld.AppendValues(topK(all, s.node.Keys, k), nil)
		idx := bld.NewArray()
		bld.Release()
		defer idx.Release()
		res, err := compute.Take(ec.ctx, *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(all), compute.NewDatumWithoutOwning(idx))
		if err != nil {
			return err
		}
		kept := res.(*compute.RecordDatum).Value
		pending, rows = []arrow.RecordBatch{kept}, int(kept.NumRows())
		return nil
	}
	for {
		b, err := s.input.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		b.Retain()
		pending = append(pending, b)
		rows += int(b.NumRows())
		if rows >= max(2*k, 8192) {
			if err := shrink(); err != nil {
				return err
			}
		}
	}
	if err := shrink(); err != nil {
		return err
	}
	s.sorted, pending = pending[0], nil
	return nil
}

// topK returns, in order, the rows of b that come first by keys, at most k of them: a bounded max-heap of row
// numbers, so ordering n rows costs n log k comparisons. Equal rows keep their input order, as the full sort does.
func topK(b arrow.RecordBatch, keys []planner.SortKey, k int) []int32 {
	cmps := make([]func(i, j int32) int, len(keys))
	for c, key := range keys {
		cmps[c] = orderComparator(b.Column(key.Column), key.Desc, key.NullsFirst)
	}
	less := func(i, j int32) bool { // i sorts before j
		for _, c := range cmps {
			if r := c(i, j); r != 0 {
				return r < 0
			}
		}
		return i < j
	}
	h := make([]int32, 0, k) // a max-heap: h[0] is the last of the rows kept
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			big := l
			if r := l + 1; r < len(h) && less(h[l], h[r]) {
				big = r
			}
			if !less(h[i], h[big]) {
				return
			}
			h[i], h[big] = h[big], h[i]
			i = big
		}
	}
	n := int32(b.NumRows())
	for r := int32(0); r < n; r++ {
		if len(h) < k {
			h = append(h, r)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !less(h[p], h[i]) {
					break
				}
				h[p], h[i] = h[i], h[p]
				i = p
			}
			continue
		}
		if less(r, h[0]) {
			h[0] = r
			down(0)
		}
	}
	slices.SortFunc(h, func(i, j int32) int {
		if less(i, j) {
			return -1
		}
		return 1
	})
	return h
}

// orderComparator orders two rows of one column as ORDER BY does: descending when desc, NULLs first or last.
func orderComparator(a arrow.Array, desc, nullsFirst bool) func(i, j int32) int {
	var values func(i, j int32) int
	switch a := a.(type) {
	case *array.Int64:
		v := a.Int64Values()
		values = func(i, j int32) int { return cmp.Compare(v[i], v[j]) }
	case *array.Timestamp:
		v := a.TimestampValues()
		values = func(i, j int32) int { return cmp.Compare(v[i], v[j]) }
	case *array.Float64:
		v := a.Float64Values()
		values = func(i, j int32) int { return cmp.Compare(v[i], v[j]) }
	case *array.Decimal128:
		v := a.Values()
		values = func(i, j int32) int { return v[i].Cmp(v[j]) }
	case *array.String:
		values = func(i, j int32) int { return strings.Compare(a.Value(int(i)), a.Value(int(j))) }
	case *array.Boolean:
		values = func(i, j int32) int {
			x, y := a.Value(int(i)), a.Value(int(j))
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	default: // a column of NULLs only
		values = func(int32, int32) int { return 0 }
	}
	nulls := a.NullN() > 0
	return func(i, j int32) int {
		if nulls {
			ni, nj := a.IsNull(int(i)), a.IsNull(int(j))
			switch {
			case ni && nj:
				return 0
			case ni:
				if nullsFirst {
					return -1
				}
				return 1
			case nj:
				if nullsFirst {
					return 1
				}
				return -1
			}
		}
		r := values(i, j)
		if desc {
			return -r
		}
		return r
	}
}
