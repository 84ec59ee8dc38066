package vexec

import (
	"cmp"
	"context"
	"io"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/vcubedb/vcube/planner"
)

// mergeSortOp runs its subtree once per chunk of the Scan under it, every run at once in a goroutine of its own
// (up to Parallel of them computing at a time), and merges their outputs, each sorted on the node's keys, into one
// sorted stream: a k-way merge over a binary heap of the streams' head rows. Output batches are gathered from
// runs of consecutive rows of one stream: the leading stream gives every row that comes before the next
// stream's head, found by galloping through its batch, so disjoint streams (partitions) cost a few comparisons a
// batch and interleaved ones (new chunks over partitions) one comparison a row.
type mergeSortOp struct {
	node *planner.MergeSort
	*partRunner
	schema *arrow.Schema

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	errMu   sync.Mutex
	err     error // the first run's error
	streams []*sortedStream
	heap    []int // indexes of the streams with rows left, ordered by their head rows
	primed  bool
	emitted int64
	runs    []rowRun
	held    []arrow.RecordBatch // batches the streams are done with that runs still point into
	out     output
}

// sortedStream is one run's output as the merge reads it.
type sortedStream struct {
	ch   chan arrow.RecordBatch
	err  error // set by the run before it closes ch
	b    arrow.RecordBatch
	pos  int // the head row of b
	keys []sortColumn
}

func newMergeSortOp(n *planner.MergeSort, cfg Config, stats *Stats) (*mergeSortOp, error) {
	r, err := newPartRunner(n, n.Input, cfg, stats)
	if err != nil {
		return nil, err
	}
	return &mergeSortOp{node: n, partRunner: r, schema: planner.Schema(n)}, nil
}

func (m *mergeSortOp) Open(ctx context.Context) error {
	ctx, m.cancel = context.WithCancel(ctx)
	sem := make(chan struct{}, max(m.node.Parallel, 1))
	for _, part := range m.parts() {
		s := &sortedStream{ch: make(chan arrow.RecordBatch, 1)}
		m.streams = append(m.streams, s)
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			err := m.run(ctx, part, sem, s.ch)
			if err != nil {
				m.fail(err)
			}
			s.err = err
			close(s.ch)
		}()
	}
	return nil
}

// fail records the first error of any run and stops the others.
func (m *mergeSortOp) fail(err error) {
	m.errMu.Lock()
	if m.err == nil {
		m.err = err
		m.cancel()
	}
	m.errMu.Unlock()
}

func (m *mergeSortOp) firstErr() error {
	m.errMu.Lock()
	defer m.errMu.Unlock()
	return m.err
}

// advance makes the next non-empty batch of s its current one; s.b stays nil once s has ended.
func (m *mergeSortOp) advance(ctx context.Context, s *sortedStream) error {
	s.b, s.keys = nil, s.keys[:0]
	for {
		select {
		case b, ok := <-s.ch:
			if !ok {
				if s.err != nil {
					return m.firstErr()
				}
				return nil
			}
			if b.NumRows() == 0 {
				b.Release()
				continue
			}
			s.b, s.pos = b, 0
			for _, k := range m.node.Keys {
				s.keys = append(s.keys, newSortColumn(b.Column(k.Column)))
			}
			return nil
		case <-ctx.Done():
			return interrupted(ctx.Err())
		}
	}
}

func (m *mergeSortOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if !m.primed {
		m.primed = true
		for i, s := range m.streams {
			if err := m.advance(ctx, s); err != nil {
				return nil, err
			}
			if s.b != nil {
				m.heap = append(m.heap, i)
			}
		}
		for i := len(m.heap)/2 - 1; i >= 0; i-- {
			m.down(i)
		}
	}
	want := int64(m.cfg.BatchSize)
	if m.node.Limit > 0 {
		want = min(want, m.node.Limit-m.emitted)
	}
	rows := 0
	for int64(rows) < want && len(m.heap) > 0 {
		w := m.heap[0]
		s := m.streams[w]
		end := int(s.b.NumRows())
		if len(m.heap) > 1 {
			r := m.heap[1]
			if len(m.heap) > 2 && m.less(m.heap[2], r) {
				r = m.heap[2]
			}
			end = m.runEnd(s, m.streams[r], w < r)
		}
		end = min(end, s.pos+int(want)-rows)
		m.runs = append(m.runs, rowRun{b: s.b, lo: s.pos, hi: end})
		rows += end - s.pos
		s.pos = end
		if s.pos == int(s.b.NumRows()) {
			m.held = append(m.held, s.b)
			if err := m.advance(ctx, s); err != nil {
				return nil, err
			}
			if s.b == nil {
				last := len(m.heap) - 1
				m.heap[0] = m.heap[last]
				m.heap = m.heap[:last]
			}
		}
		if len(m.heap) > 0 {
			m.down(0)
		}
	}
	if rows == 0 {
		return nil, io.EOF
	}
	b := gatherRuns(m.cfg.Mem, m.schema, m.runs, rows)
	m.emitted += int64(rows)
	clear(m.runs)
	m.runs = m.runs[:0]
	releaseBatches(m.held)
	clear(m.held)
	m.held = m.held[:0]
	return m.out.set(b), nil
}

// runEnd returns where the run of s's current batch that comes before the head row of the next stream r ends:
// rows equal to r's head come first when s is the earlier stream (ties keep the order of the chunks). The head
// of s itself comes first, so the run has a row at least. It gallops (1, 2, 4, ... rows ahead), then bisects.
func (m *mergeSortOp) runEnd(s, r *sortedStream, sFirst bool) int {
	before := func(i int) bool {
		c := m.compare(s, i, r, r.pos)
		return c < 0 || c == 0 && sFirst
	}
	n := int(s.b.NumRows())
	lo, step := s.pos, 1 // rows up to lo come first
	hi := n              // the first row not known to come first, or n
	for {
		probe := lo + step
		if probe >= n {
			break
		}
		if !before(probe) {
			hi = probe
			break
		}
		lo, step = probe, step*2
	}
	// Rows [s.pos, lo] come first, hi does not (or is n): bisect (lo, hi).
	for lo+1 < hi {
		mid := int(uint(lo+hi) >> 1)
		if before(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// compare orders row i of a's current batch against row j of b's by the sort keys.
func (m *mergeSortOp) compare(a *sortedStream, i int, b *sortedStream, j int) int {
	for k, key := range m.node.Keys {
		if c := compareSorted(&a.keys[k], i, &b.keys[k], j, key); c != 0 {
			return c
		}
	}
	return 0
}

// less orders streams by their head rows, then by their place in the plan.
func (m *mergeSortOp) less(x, y int) bool {
	a, b := m.streams[x], m.streams[y]
	if c := m.compare(a, a.pos, b, b.pos); c != 0 {
		return c < 0
	}
	return x < y
}

func (m *mergeSortOp) down(i int) {
	h := m.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		small := l
		if r := l + 1; r < len(h) && m.less(h[r], h[l]) {
			small = r
		}
		if !m.less(h[small], h[i]) {
			return
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
}

func (m *mergeSortOp) Close() error {
	m.out.release()
	releaseBatches(m.held)
	m.held, m.runs = nil, nil
	if m.cancel == nil {
		return nil
	}
	m.cancel()
	for _, s := range m.streams {
		if s.b != nil {
			s.b.Release()
			s.b = nil
		}
		for b := range s.ch {
			b.Release()
		}
	}
	m.wg.Wait()
	return nil
}

// sortColumn is one sort key column of a batch, read through typed slices: comparing two rows costs a switch on
// the column's kind, not an interface call.
type sortColumn struct {
	kind  arrow.Type
	arr   arrow.Array
	nulls bool
	i64   []int64
	f64   []float64
	dec   []decimal128.Num
	str   *array.String
	bools *array.Boolean
}

func newSortColumn(a arrow.Array) sortColumn {
	c := sortColumn{kind: a.DataType().ID(), arr: a, nulls: a.NullN() > 0}
	switch a := a.(type) {
	case *array.Int64, *array.Timestamp:
		c.kind, c.i64 = arrow.INT64, int64Values(a)
	case *array.Float64:
		c.f64 = a.Float64Values()
	case *array.Decimal128:
		c.dec = a.Values()
	case *array.String:
		c.str = a
	case *array.Boolean:
		c.bools = a
	default:
		c.kind = arrow.NULL // a column of NULLs only
	}
	return c
}

// compareSorted orders row i of a against row j of b, two batches of one sort key column, as key says: NULLs
// first or last, then values ascending or descending.
func compareSorted(a *sortColumn, i int, b *sortColumn, j int, key planner.SortKey) int {
	if a.nulls || b.nulls || a.kind == arrow.NULL || b.kind == arrow.NULL {
		na, nb := a.kind == arrow.NULL || a.arr.IsNull(i), b.kind == arrow.NULL || b.arr.IsNull(j)
		switch {
		case na && nb:
			return 0
		case na:
			if key.NullsFirst {
				return -1
			}
			return 1
		case nb:
			if key.NullsFirst {
				return 1
			}
			return -1
		}
	}
	var c int
	switch a.kind {
	case arrow.INT64:
		c = cmp.Compare(a.i64[i], b.i64[j])
	case arrow.FLOAT64:
		c = cmp.Compare(a.f64[i], b.f64[j])
	case arrow.DECIMAL128:
		c = a.dec[i].Cmp(b.dec[j])
	case arrow.STRING:
		c = strings.Compare(a.str.Value(i), b.str.Value(j))
	case arrow.BOOL:
		x, y := a.bools.Value(i), b.bools.Value(j)
		switch {
		case x == y:
		case !x:
			c = -1
		default:
			c = 1
		}
	}
	if key.Desc {
		return -c
	}
	return c
}
