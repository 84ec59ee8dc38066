package vexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/plugins"
	"github.com/vcubedb/vcube/storage"
)

// Operator produces a stream of record batches. Next returns io.EOF after the last batch. A returned batch stays
// valid until the next call to Next or Close; a consumer that keeps it calls Retain (and later Release).
type Operator interface {
	Open(ctx context.Context) error
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close() error
}

// DefaultBatchSize is the number of rows operators aim for per batch.
const DefaultBatchSize = 8192

// Config is what a query's operators share.
type Config struct {
	Mem       memory.Allocator // every Arrow buffer of the query comes from it
	BatchSize int              // rows per batch; DefaultBatchSize when 0
	Data      *storage.Store   // table data
	// Measures finds the plugin measures aggregates name (planner.AggCall.Plugin); nil when no plugin is
	// installed.
	Measures func(plugin, name string) (*plugins.Measure, error)

	part *scanPart // set for the runs of a Merge: the chunks its Scan reads
	// dict holds, per Scan of the plan, which of its output columns are read as dictionaries (dictionary.go).
	dict map[*planner.Scan][]bool
}

// NodeStats are one plan node's runtime figures, for EXPLAIN ANALYZE.
type NodeStats struct {
	Rows            int64
	Batches         int64
	Time            time.Duration // including children
	BytesRead       int64         // scans only
	Files           int64         // scans only: data files read
	RowGroups       int64         // scans only: row groups read
	RowGroupsPruned int64         // scans only: row groups skipped by their statistics
	RunRows         int64         // merge joins only: the most right rows of one key held at once
	// AggregateTopK only: the groups its inputs produced, and how many of them it read before the top k was
	// certain (the rest the threshold let it skip).
	InputRows     int64
	InputRowsRead int64
}

// Stats holds the figures of every node of one execution, indexed by node ID.
type Stats struct {
	Nodes []NodeStats
}

// Build turns a numbered physical plan into operators. Every operator is wrapped in instrumented, the one place
// that checks for cancellation, turns panics into errors and counts rows, batches and time.
func Build(plan planner.Node, cfg Config) (Operator, *Stats, error) {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Mem == nil {
		return nil, nil, errors.New("vexec: Config.Mem is required")
	}
	stats := &Stats{}
	planner.Walk(plan, func(planner.Node, int) { stats.Nodes = append(stats.Nodes, NodeStats{}) })
	cfg.dict = dictionaryColumns(plan)
	op, err := build(plan, cfg, stats)
	if err != nil {
		return nil, nil, err
	}
	return op, stats, nil
}

func build(n planner.Node, cfg Config, stats *Stats) (Operator, error) {
	if mg, ok := n.(*planner.Merge); ok {
		// A Merge builds its subtree itself, once per part, when it runs.
		op, err := newMergeOp(mg, cfg, stats)
		if err != nil {
			return nil, err
		}
		return &instrumented{op: op, stats: &stats.Nodes[mg.ID()], name: mg.Explain(), mem: cfg.Mem}, nil
	}
	if ms, ok := n.(*planner.MergeSort); ok {
		// Like a Merge, a MergeSort builds its subtree once per part, when it runs.
		op, err := newMergeSortOp(ms, cfg, stats)
		if err != nil {
			return nil, err
		}
		return &instrumented{op: op, stats: &stats.Nodes[ms.ID()], name: ms.Explain(), mem: cfg.Mem}, nil
	}
	if tk, ok := n.(*planner.AggregateTopK); ok {
		// Like a MergeSort, AggregateTopK builds its subtree once per part, when it runs.
		op, err := newAggregateTopKOp(tk, cfg, stats)
		if err != nil {
			return nil, err
		}
		return &instrumented{op: op, stats: &stats.Nodes[tk.ID()], name: tk.Explain(), mem: cfg.Mem}, nil
	}
	if lr, ok := n.(*planner.LastRowByUniqueKey); ok {
		// The merge reads the scan's files itself: the Scan below it is its description, not an operator.
		scan := &scanOp{node: lr.Input, cfg: cfg, stats: &stats.Nodes[lr.Input.ID()], unique: lr, chunks: lr.Input.Chunks}
		return &instrumented{op: scan, stats: &stats.Nodes[lr.ID()], name: lr.Explain(), mem: cfg.Mem}, nil
	}
	children := make([]Operator, 0, 1)
	for _, c := range n.Children() {
		op, err := build(c, cfg, stats)
		if err != nil {
			return nil, err
		}
		children = append(children, op)
	}
	var op Operator
	var err error
	st := &stats.Nodes[n.ID()]
	switch n := n.(type) {
	case *planner.Empty:
		op = &emptyOp{rows: n.Rows}
	case *planner.Scan:
		sc := &scanOp{node: n, cfg: cfg, stats: st, chunks: n.Chunks}
		if cfg.part != nil && cfg.part.scan == n {
			sc.chunks = cfg.part.chunks
		}
		op = sc
	case *planner.MemoryScan:
		op = &memoryScanOp{node: n, cfg: cfg}
	case *planner.Filter:
		op, err = newFilterOp(n, children[0], cfg)
	case *planner.Projection:
		op, err = newProjectOp(n, children[0], cfg)
	case *planner.Aggregate:
		if n.Strategy == planner.Inplace {
			op, err = newInplaceAggregateOp(n, children[0], cfg)
			break
		}
		op, err = newHashAggregateOp(n, children[0], cfg)
	case *planner.Sort:
		op = &sortOp{node: n, input: children[0], cfg: cfg}
	case *planner.HashJoin:
		op, err = newHashJoinOp(n, children[0], children[1], cfg)
	case *planner.MergeJoin:
		op, err = newMergeJoinOp(n, children[0], children[1], cfg, st)
	case *planner.Union:
		op = &unionOp{inputs: children}
	case *planner.GlobalLimit:
		op = &limitOp{input: children[0], limit: n.N}
	case *planner.LocalLimit:
		op = &limitOp{input: children[0], limit: n.N}
	case *planner.TailLimit:
		op = &tailLimitOp{node: n, input: children[0], cfg: cfg}
	case *planner.SkipRows:
		op = &skipOp{input: children[0], skip: n.N}
	default:
		err = sqlerr.New(sqlerr.NotSupportedYet, "the executor has no operator for %s", n.Explain())
	}
	if err != nil {
		for _, c := range children {
			c.Close()
		}
		return nil, err
	}
	return &instrumented{op: op, stats: st, name: n.Explain(), mem: cfg.Mem}, nil
}

// instrumented wraps every operator: cancellation, panics and figures are handled here and nowhere else.
type instrumented struct {
	op    Operator
	stats *NodeStats
	name  string
	mem   memory.Allocator // the query's, to stop it when it passes its memory limit
}

func (w *instrumented) Open(ctx context.Context) (err error) {
	defer w.recoverPanic(&err)
	start := time.Now()
	err = w.op.Open(ctx)
	w.stats.Time += time.Since(start)
	return err
}

func (w *instrumented) Next(ctx context.Context) (b arrow.RecordBatch, err error) {
	if err := ctx.Err(); err != nil {
		return nil, interrupted(err)
	}
	defer w.recoverPanic(&err)
	start := time.Now()
	b, err = w.op.Next(ctx)
	w.stats.Time += time.Since(start)
	if err == nil {
		err = overLimit(w.mem)
	}
	if err == nil {
		w.stats.Rows += b.NumRows()
		w.stats.Batches++
	}
	return b, err
}

func (w *instrumented) Close() error { return w.op.Close() }

func (w *instrumented) recoverPanic(err *error) {
	if r := recover(); r != nil {
		*err = sqlerr.New(sqlerr.Unknown, "internal error in %s: %v\n%s", w.name, r, debug.Stack())
	}
}

// interrupted reports a cancelled or timed-out query as MySQL does.
func interrupted(err error) error { return sqlerr.Interrupted(err) }

// Run executes a plan and returns all of its batches (the caller releases them) with the plan's figures.
func Run(ctx context.Context, plan planner.Node, cfg Config) ([]arrow.RecordBatch, *Stats, error) {
	op, stats, err := Build(plan, cfg)
	if err != nil {
		return nil, nil, err
	}
	defer op.Close()
	if err := op.Open(ctx); err != nil {
		return nil, nil, err
	}
	var out []arrow.RecordBatch
	for {
		b, err := op.Next(ctx)
		if err == io.EOF {
			return out, stats, nil
		}
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, nil, err
		}
		b.Retain()
		out = append(out, b)
	}
}

// Annotate renders one node's figures for EXPLAIN ANALYZE.
func (s *Stats) Annotate(n planner.Node) string {
	st := s.Nodes[n.ID()]
	self := st.Time
	for _, c := range n.Children() {
		self -= s.Nodes[c.ID()].Time
	}
	// Below a Merge, runs in parallel add up to more time than the Merge waited.
	self = max(self, 0)
	out := fmt.Sprintf("[rows=%d batches=%d time=%s", st.Rows, st.Batches, roundDuration(self))
	if sc, ok := n.(*planner.Scan); ok {
		out += fmt.Sprintf(" bytes=%d files=%d/%d row_groups=%d/%d", st.BytesRead, st.Files, int64(len(sc.Chunks)+sc.ChunksPruned),
			st.RowGroups, st.RowGroups+st.RowGroupsPruned)
	}
	if _, ok := n.(*planner.MergeJoin); ok {
		out += fmt.Sprintf(" max_run=%d", st.RunRows)
	}
	if _, ok := n.(*planner.AggregateTopK); ok {
		out += fmt.Sprintf(" input_rows=%d read=%d skipped=%d", st.InputRows, st.InputRowsRead, st.InputRows-st.InputRowsRead)
	}
	return out + "]"
}

// Figures are one node's figures for EXPLAIN ANALYZE FORMAT=JSON: times in microseconds of the node alone.
func (s *Stats) Figures(n planner.Node) map[string]any {
	st := s.Nodes[n.ID()]
	self := st.Time
	for _, c := range n.Children() {
		self -= s.Nodes[c.ID()].Time
	}
	out := map[string]any{"rows": st.Rows, "batches": st.Batches, "time_us": max(self, 0).Microseconds()}
	if sc, ok := n.(*planner.Scan); ok {
		out["bytes"] = st.BytesRead
		out["files"] = st.Files
		out["files_total"] = int64(len(sc.Chunks) + sc.ChunksPruned)
		out["row_groups"] = st.RowGroups
		out["row_groups_pruned"] = st.RowGroupsPruned
	}
	if _, ok := n.(*planner.MergeJoin); ok {
		out["max_run_rows"] = st.RunRows
	}
	if _, ok := n.(*planner.AggregateTopK); ok {
		out["input_rows"] = st.InputRows
		out["input_rows_read"] = st.InputRowsRead
		out["input_rows_skipped"] = st.InputRows - st.InputRowsRead
	}
	return out
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// output is the batch an operator last returned; replacing it releases the previous one.
type output struct{ b arrow.RecordBatch }

func (o *output) set(b arrow.RecordBatch) arrow.RecordBatch {
	if o.b != nil {
		o.b.Release()
	}
	o.b = b
	return b
}

func (o *output) release() {
	if o.b != nil {
		o.b.Release()
		o.b = nil
	}
}
