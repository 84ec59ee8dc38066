package vexec

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/planner"
)

// scanPart narrows one Scan of a plan to some of its chunks: how a Merge or MergeSort runs its subtree once per part.
type scanPart struct {
	scan   *planner.Scan
	chunks []planner.Chunk
}

// mergeOp runs its subtree once per chunk of the Scan under it, on up to Parallel goroutines that take chunks
// from a shared queue, and passes on every run's batches as they come. Each run has operators and figures of its
// own; the figures are added to the query's when the run ends, so no two goroutines write one counter.
type mergeOp struct {
	node *planner.Merge
	*partRunner

	cancel  context.CancelFunc
	batches chan arrow.RecordBatch
	wg      sync.WaitGroup
	errOnce sync.Once
	err     error
	out     output
}

// partRunner runs the subtree of a Merge or MergeSort over one part of its Scan at a time, from any goroutine.
type partRunner struct {
	name  string // the node that runs the parts, for errors
	input planner.Node
	scan  *planner.Scan
	ids   []int // the subtree's nodes, whose figures the runs add up
	cfg   Config
	stats *Stats

	statsMu sync.Mutex
}

func newPartRunner(n planner.Node, input planner.Node, cfg Config, stats *Stats) (*partRunner, error) {
	name, _, _ := strings.Cut(n.Explain(), ",")
	var scans []*planner.Scan
	planner.Walk(input, func(c planner.Node, _ int) {
		switch c := c.(type) {
		case *planner.Scan:
			scans = append(scans, c)
		case *planner.LastRowByUniqueKey:
			scans = append(scans, nil) // its files must be read together
		}
	})
	if len(scans) != 1 || scans[0] == nil {
		return nil, fmt.Errorf("vexec: a %s needs exactly one plain Scan below it, not %d", name, len(scans))
	}
	r := &partRunner{name: name, input: input, scan: scans[0], cfg: cfg, stats: stats}
	planner.Walk(input, func(c planner.Node, _ int) { r.ids = append(r.ids, c.ID()) })
	return r, nil
}

// parts are the runs of the subtree: one per chunk of its Scan, or a single one over no chunk at all.
func (r *partRunner) parts() []*scanPart {
	if len(r.scan.Chunks) == 0 {
		return []*scanPart{{scan: r.scan}}
	}
	out := make([]*scanPart, len(r.scan.Chunks))
	for i := range r.scan.Chunks {
		out[i] = &scanPart{scan: r.scan, chunks: r.scan.Chunks[i : i+1]}
	}
	return out
}

// run executes the subtree over one part and sends each batch, retained, on out, whose reader owns it from then
// on. With sem, the run holds one of its slots while it computes and while out has room, and none while it waits
// for out: a run keeps its core until its reader falls behind, and however many runs are open, at most
// cap(sem) compute at once.
func (r *partRunner) run(ctx context.Context, part *scanPart, sem chan struct{}, out chan<- arrow.RecordBatch) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = sqlerr.New(sqlerr.Unknown, "internal error in %s: %v\n%s", r.name, p, debug.Stack())
		}
	}()
	holding := false
	acquire := func() error {
		if sem == nil || holding {
			return nil
		}
		select {
		case sem <- struct{}{}:
			holding = true
			return nil
		case <-ctx.Done():
			return interrupted(ctx.Err())
		}
	}
	release := func() {
		if holding {
			<-sem
			holding = false
		}
	}
	defer release()
	local := &Stats{Nodes: make([]NodeStats, len(r.stats.Nodes))}
	cfg := r.cfg
	cfg.part = part
	op, err := build(r.input, cfg, local)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := op.Close(); err == nil {
			err = cerr
		}
		r.statsMu.Lock()
		r.stats.add(local, r.ids)
		r.statsMu.Unlock()
	}()
	if err := acquire(); err != nil {
		return err
	}
	if err := op.Open(ctx); err != nil {
		return err
	}
	for {
		if err := acquire(); err != nil {
			return err
		}
		b, err := op.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		b.Retain()
		select {
		case out <- b:
			continue
		default:
		}
		release()
		select {
		case out <- b:
		case <-ctx.Done():
			b.Release()
			return interrupted(ctx.Err())
		}
	}
}

func newMergeOp(n *planner.Merge, cfg Config, stats *Stats) (*mergeOp, error) {
	r, err := newPartRunner(n, n.Input, cfg, stats)
	if err != nil {
		return nil, err
	}
	return &mergeOp{node: n, partRunner: r}, nil
}

func (m *mergeOp) Open(ctx context.Context) error {
	ctx, m.cancel = context.WithCancel(ctx)
	m.batches = make(chan arrow.RecordBatch, 2*max(m.node.Parallel, 1))
	parts := m.parts()
	var next atomic.Int64
	workers := min(max(m.node.Parallel, 1), len(parts))
	for range workers {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(parts) {
					return
				}
				if err := m.run(ctx, parts[i], nil, m.batches); err != nil {
					m.fail(err)
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
		a.RunRows = max(a.RunRows, b.RunRows)
	}
}
