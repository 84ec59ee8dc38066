package vexec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/planner"
)

// hashAggregateOp groups its whole input through a groupTable and emits one row per group: the group keys, then
// the aggregates (their states in Partial mode). Without group keys it emits exactly one row, even for an empty
// input. In Final mode its input is Partial output: it merges the state columns instead of evaluating arguments.
type hashAggregateOp struct {
	aggCore
	input   Operator
	cfg     Config
	charged int64 // Go memory of the table and accumulators counted against the query's limit
	table   *groupTable
	result  arrow.RecordBatch
	pos     int64
	out     output
}

// aggCore is what hash and inplace aggregation share: the compiled group keys and aggregates.
type aggCore struct {
	node   *planner.Aggregate
	groups []evaluator
	args   []evaluator // nil for COUNT(*)
	states [][]int     // Final mode: the input columns of each aggregate's state
	accs   []accumulator

	whole  groupRuns // the one run of a batch without GROUP BY
	runIDs []uint32  // group IDs of runs, for accumulators that take rows one by one
}

func newAggCore(n *planner.Aggregate, cfg Config) (aggCore, error) {
	mem := cfg.Mem
	c := aggCore{node: n}
	for _, g := range n.GroupBy {
		ev, err := compile(g)
		if err != nil {
			return c, err
		}
		c.groups = append(c.groups, ev)
	}
	col := len(n.GroupBy)
	for _, a := range n.Aggs {
		var acc accumulator
		var err error
		if a.Plugin != "" {
			acc, err = newPluginAcc(a, cfg)
		} else {
			acc, err = newAccumulator(a, mem)
		}
		if err != nil {
			return c, err
		}
		c.accs = append(c.accs, acc)
		if n.Mode == planner.Final {
			var cols []int
			for range a.StateTypes() {
				cols = append(cols, col)
				col++
			}
			c.states = append(c.states, cols)
			c.args = append(c.args, nil)
			continue
		}
		var ev evaluator
		if a.Arg != nil {
			if ev, err = compile(a.Arg); err != nil {
				return c, err
			}
		}
		c.args = append(c.args, ev)
	}
	return c, nil
}

// openAccs hands the query's context to the accumulators that call out of the process (plugin measures), which
// take what they need; closeAccs gives it back.
func (c *aggCore) openAccs(ctx context.Context) error {
	for _, acc := range c.accs {
		if e, ok := acc.(externalAcc); ok {
			if err := e.open(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *aggCore) closeAccs() {
	for _, acc := range c.accs {
		if e, ok := acc.(externalAcc); ok {
			e.close()
		}
	}
}

// evalKeys evaluates the group keys over b; the caller releases them.
func (c *aggCore) evalKeys(ec *evalCtx, b arrow.RecordBatch) ([]arrow.Array, error) {
	keys := make([]arrow.Array, 0, len(c.groups))
	for _, g := range c.groups {
		k, err := g.eval(ec, b)
		if err != nil {
			for _, k := range keys {
				k.Release()
			}
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// groupRuns describes a batch whose rows come in runs of one group, as an Inplace aggregate's sorted input and
// an aggregate without GROUP BY have them: run r is rows [bounds[r], bounds[r+1]) of group first+r.
type groupRuns struct {
	bounds []int
	first  int
}

// ids returns the group of every row of the runs, in scratch (reused).
func (r *groupRuns) ids(scratch *[]uint32) []uint32 {
	n := r.bounds[len(r.bounds)-1]
	ids := growTo((*scratch)[:0], n)
	for i := 1; i < len(r.bounds); i++ {
		g := uint32(r.first + i - 1)
		for j := r.bounds[i-1]; j < r.bounds[i]; j++ {
			ids[j] = g
		}
	}
	*scratch = ids
	return ids
}

// updateAccs folds the rows of b into the accumulators, which grow to groups. The rows' groups are ids, or,
// when runs is not nil, the runs'; then accumulators that can fold a run in one call do (runUpdater), and ids
// may be nil. Every row of an aggregate without GROUP BY is one run.
func (c *aggCore) updateAccs(ec *evalCtx, b arrow.RecordBatch, ids []uint32, groups int, runs *groupRuns) error {
	if runs == nil && len(c.groups) == 0 {
		c.whole.bounds = append(c.whole.bounds[:0], 0, int(b.NumRows()))
		runs = &c.whole
	}
	for i, acc := range c.accs {
		acc.grow(groups)
		ru, byRuns := acc.(runUpdater)
		if !byRuns || c.states != nil {
			if ids == nil {
				ids = runs.ids(&c.runIDs)
			}
		}
		if c.states != nil {
			st := make([]arrow.Array, len(c.states[i]))
			for j, col := range c.states[i] {
				st[j] = b.Column(col)
			}
			if err := acc.merge(ids, st); err != nil {
				return err
			}
			continue
		}
		var arg arrow.Array
		if c.args[i] != nil {
			a, err := c.args[i].eval(ec, b)
			if err != nil {
				return err
			}
			arg = a
		}
		var err error
		if byRuns && runs != nil {
			for r := 1; r < len(runs.bounds) && err == nil; r++ {
				err = ru.updateRun(runs.first+r-1, arg, runs.bounds[r-1], runs.bounds[r])
			}
		} else {
			err = acc.update(ids, arg)
		}
		if arg != nil {
			arg.Release()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// outputs appends the aggregates of groups [0, n) to cols: values, or states in Partial mode.
func (c *aggCore) outputs(mem memory.Allocator, n int, cols []arrow.Array) ([]arrow.Array, error) {
	for _, acc := range c.accs {
		acc.grow(n)
		if c.node.Mode == planner.Partial {
			st, err := acc.state(mem, n)
			if err != nil {
				return cols, err
			}
			cols = append(cols, st...)
			continue
		}
		a, err := acc.finish(mem, n)
		if err != nil {
			return cols, err
		}
		cols = append(cols, a)
	}
	return cols, nil
}

func newHashAggregateOp(n *planner.Aggregate, input Operator, cfg Config) (Operator, error) {
	core, err := newAggCore(n, cfg)
	if err != nil {
		return nil, err
	}
	return &hashAggregateOp{aggCore: core, input: input, cfg: cfg}, nil
}

func (h *hashAggregateOp) Open(ctx context.Context) error {
	if err := h.openAccs(ctx); err != nil {
		return err
	}
	return h.input.Open(ctx)
}

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
	keys, err := h.evalKeys(ec, b)
	if err != nil {
		return err
	}
	defer func() {
		for _, k := range keys {
			k.Release()
		}
	}()
	if len(keys) == 0 {
		return h.updateAccs(ec, b, nil, 1, nil) // one group: the batch is one run
	}
	before := h.table.groups
	ids := h.table.assign(keys, int(b.NumRows()))
	if grown := h.table.groups - before; grown > 0 {
		// About a map entry and its key per group, and a value or two per aggregate.
		n := int64(grown) * int64(64+24*len(h.accs))
		charge(h.cfg.Mem, n)
		h.charged += n
	}
	return h.updateAccs(ec, b, ids, h.table.groups, nil)
}

func (h *hashAggregateOp) emit() error {
	n := h.table.groups
	cols, err := h.outputs(h.cfg.Mem, n, h.table.keys())
	if err == nil {
		h.result = newBatch(planner.Schema(h.node), cols, int64(n))
	}
	for _, c := range cols {
		c.Release()
	}
	return err
}

func (h *hashAggregateOp) Close() error {
	h.closeAccs()
	charge(h.cfg.Mem, -h.charged)
	h.charged = 0
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
