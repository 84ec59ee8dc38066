package vexec

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/planner"
)

// scanPart narrows one Scan of a plan to some of its chunks: how a Merge runs its subtree once per part.
type scanPart struct {
	scan   *planner.Scan
	chunks []planner.Chunk
}

// mergeOp runs its subtree once per chunk of the Scan under it, on up to Parallel goroutines that take chunks
// from a shared queue, and passes on every run's batches as they come. Each run has operators and figures of its
// own; the figures are added to the query's when the run ends, so no two goroutines write one counter.
type mergeOp struct {
	node  *planner.Merge
	scan  *planner.Scan
	ids   []int // the subtree's nodes, whose figures the runs add up
	cfg   Config
	stats *Stats

	cancel  context.CancelFunc
	batches chan arrow.RecordBatch
	wg      sync.WaitGroup
	errOnce sync.Once
	err     error
	statsMu sync.Mutex
	out     output
}

func newMergeOp(n *planner.Merge, cfg Config, stats *Stats) (*mergeOp, error) {
	var scans []*planner.Scan
	planner.Walk(n.Input, func(c planner.Node, _ int) {
		switch c := c.(type) {
		case *planner.Scan:
			scans = append(scans, c)
		case *planner.LastRowByUniqueKey:
			scans = append(scans, nil) // its files must be read together
		}
	})
	if len(scans) != 1 || scans[0] == nil {
		return nil, fmt.Errorf("vexec: a Merge needs exactly one plain Scan below it, not %d", len(scans))
	}
	m := &mergeOp{node: n, scan: scans[0], cfg: cfg, stats: stats}
	planner.Walk(n.Input, func(c planner.Node, _ int) { m.ids = append(m.ids, c.ID()) })
	return m, nil
}

func (m *mergeOp) Open(ctx context.Context) error {
	ctx, m.cancel = context.WithCancel(ctx)
	m.batches = make(chan arrow.RecordBatch, 2*max(m.node.Parallel, 1))
	chunks := m.scan.Chunks
	var next atomic.Int64
	workers := min(max(m.node.Parallel, 1), max(len(chunks), 1))
	for range workers {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(chunks) && !(i == 0 && len(chunks) == 0) {
					return
				}
				part := &scanPart{scan: m.scan}
				if len(chunks) > 0 {
					part.chunks = chunks[i : i+1]
				}
				if err := m.run(ctx, part); err != nil {
					m.fail(err)
					return
				}
				if len(chunks) == 0 {
					return
				}
			}
		}()
	}
	go func() {
		m.wg.Wait()
		close(m.batches)
	}()
	return nil
}

// run executes the subtree over one part, sending its batches on.
func (m *mergeOp) run(ctx context.Context, part *scanPart) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = sqlerr.New(sqlerr.Unknown, "internal error in Merge: %v\n%s", r, debug.Stack())
		}
	}()
	local := &Stats{Nodes: make([]NodeStats, len(m.stats.Nodes))}
	cfg := m.cfg
	cfg.part = part
	op, err := build(m.node.Input, cfg, local)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := op.Close(); err == nil {
			err = cerr
		}
		m.statsMu.Lock()
		m.stats.add(local, m.ids)
		m.statsMu.Unlock()
	}()
	if err := op.Open(ctx); err != nil {
		return err
	}
	for {
		b, err := op.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		b.Retain()
		select {
		case m.batches <- b:
		case <-ctx.Done():
			b.Release()
			return interrupted(ctx.Err())
		}
	}
}

func (m *mergeOp) fail(err error) {
	m.errOnce.Do(func() {
		m.err = err
		m.cancel()
	})
}

func (m *mergeOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	select {
	case b, ok := <-m.batches:
		if !ok {
			// Closed after every worker returned: m.err is final.
			if m.err != nil {
				return nil, m.err
			}
			return nil, io.EOF
		}
		return m.out.set(b), nil
	case <-ctx.Done():
		return nil, interrupted(ctx.Err())
	}
}

func (m *mergeOp) Close() error {
	m.out.release()
	if m.cancel == nil {
		return nil
	}
	m.cancel()
	for b := range m.batches {
		b.Release()
	}
	return nil
}

// add sums another execution's figures of the nodes ids of the same plan into s.
func (s *Stats) add(o *Stats, ids []int) {
	for _, i := range ids {
		a, b := &s.Nodes[i], &o.Nodes[i]
		a.Rows += b.Rows
		a.Batches += b.Batches
		a.Time += b.Time
		a.BytesRead += b.BytesRead
		a.Files += b.Files
		a.RowGroups += b.RowGroups
		a.RowGroupsPruned += b.RowGroupsPruned
	}
}
