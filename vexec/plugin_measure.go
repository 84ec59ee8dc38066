package vexec

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/plugins"
)

// externalAcc is an accumulator that calls out of the process: it needs the query's context (a plugin's runaway
// loop stops at the query's deadline) and holds something to give back (a plugin instance) until the operator
// closes.
type externalAcc interface {
	open(ctx context.Context) error
	close()
}

// pluginAcc runs a plugin measure through the aggregate interface SUM uses: the plugin keeps a table of
// per-group states in its instance, updated a batch at a time with each row's group number; a Partial stage ships
// the states as bytes (carried in a text column), a Final stage merges them.
type pluginAcc struct {
	call    *planner.AggCall
	measure *plugins.Measure
	ctx     context.Context
	acc     *plugins.Accumulator
	groups  int
	err     error // a failure of shift, which has no error to return: the next call returns it
}

func newPluginAcc(a *planner.AggCall, cfg Config) (accumulator, error) {
	if cfg.Measures == nil {
		return nil, fmt.Errorf("vexec: %s needs plugin %s, and no plugins are loaded", a.Func, a.Plugin)
	}
	m, err := cfg.Measures(a.Plugin, a.Func)
	if err != nil {
		return nil, err
	}
	return &pluginAcc{call: a, measure: m}, nil
}

func (p *pluginAcc) open(ctx context.Context) error {
	p.ctx = ctx
	acc, err := p.measure.NewAccumulator(ctx)
	if err != nil {
		return err
	}
	p.acc = acc
	return nil
}

func (p *pluginAcc) close() {
	if p.acc != nil {
		p.acc.Release()
		p.acc = nil
	}
}

func (p *pluginAcc) grow(groups int) { p.groups = max(p.groups, groups) }

// update adds a batch. Rows that come in long runs of one group (a global aggregate: every row; an Inplace one
// over sorted input: each key's rows) go a run per call without group numbers, which the plugin adds up in one
// loop; scattered groups go in one call with each row's group.
func (p *pluginAcc) update(ids []uint32, arg arrow.Array) error {
	if p.err != nil {
		return p.err
	}
	if len(ids) == 0 {
		return nil
	}
	// Count the runs, giving up once they are too many to be worth a call each.
	maxRuns := len(ids)/minPluginRun + 1
	runs := 1
	for i := 1; i < len(ids) && runs <= maxRuns; i++ {
		if ids[i] != ids[i-1] {
			runs++
		}
	}
	if runs > maxRuns {
		return p.acc.Update(p.ctx, ids, arg)
	}
	for start := 0; start < len(ids); {
		end := start + 1
		for end < len(ids) && ids[end] == ids[start] {
			end++
		}
		part := arg
		if start > 0 || end < len(ids) {
			part = array.NewSlice(arg, int64(start), int64(end))
		}
		err := p.acc.UpdateGroup(p.ctx, ids[start], part)
		if part != arg {
			part.Release()
		}
		if err != nil {
			var pe *plugins.Error
			if errors.As(err, &pe) && pe.Row >= 0 {
				pe.Row += start // the row of the batch, not of the run
			}
			return err
		}
		start = end
	}
	return nil
}

// minPluginRun is the average run of one group below which a batch goes to a plugin in one call with group
// numbers rather than a call per run (a call costs about as much as adding up a few hundred rows).
const minPluginRun = 512

func (p *pluginAcc) finish(_ memory.Allocator, groups int) (arrow.Array, error) {
	if p.err != nil {
		return nil, p.err
	}
	return p.acc.Finalize(p.ctx, 0, groups)
}

// state ships the groups' states as text (the plan's state type); bytes and text share Arrow's layout.
func (p *pluginAcc) state(_ memory.Allocator, groups int) ([]arrow.Array, error) {
	if p.err != nil {
		return nil, p.err
	}
	st, err := p.acc.States(p.ctx, 0, groups)
	if err != nil {
		return nil, err
	}
	defer st.Release()
	return []arrow.Array{relabel(st, arrow.BinaryTypes.String)}, nil
}

func (p *pluginAcc) merge(ids []uint32, states []arrow.Array) error {
	if p.err != nil {
		return p.err
	}
	st := relabel(states[0], arrow.BinaryTypes.Binary)
	defer st.Release()
	return p.acc.Merge(p.ctx, ids, st)
}

// shift drops the first n groups: the plugin's table is refilled with the states of the groups after them.
func (p *pluginAcc) shift(n int) {
	// An inplace aggregate shifts after emitting; the error of a failed call comes back from the next one.
	if n == 0 || p.err != nil {
		return
	}
	rest := max(p.groups-n, 0)
	p.groups = rest
	var st arrow.Array
	if rest > 0 {
		if st, p.err = p.acc.States(p.ctx, n, rest); p.err != nil {
			return
		}
		defer st.Release()
	}
	if p.err = p.acc.Reset(p.ctx); p.err != nil || rest == 0 {
		return
	}
	ids := make([]uint32, rest)
	for i := range ids {
		ids[i] = uint32(i)
	}
	p.err = p.acc.Merge(p.ctx, ids, st)
}

// relabel returns a with another type of the same layout (binary and text).
func relabel(a arrow.Array, t arrow.DataType) arrow.Array {
	d := a.Data()
	nd := array.NewData(t, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
	defer nd.Release()
	return array.MakeFromData(nd)
}
