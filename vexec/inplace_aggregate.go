package vexec

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// inplaceAggregateOp aggregates input sorted on its group keys (equal keys adjacent): a group ends where a key
// changes, so no hash table is needed, and groups are emitted as soon as a batch of them is complete, which keeps
// memory to one batch of groups whatever their number.
type inplaceAggregateOp struct {
	aggCore
	input Operator
	cfg   Config
	ec    *evalCtx

	keyBuilders []array.Builder // the key of every group held, the open one last
	held        int             // groups held in the accumulators; the last may still grow
	prevKeys    []arrow.Array   // the keys of the previous batch, to continue its last group
	prevRow     int
	// findRuns's state and scratch: the bounds of the batch's runs, whether the last batch's runs were short.
	bounds    []int
	shortRuns bool
	changed   []bool
	eqs       []func(i, j int) bool
	runs      groupRuns
	ready     []arrow.RecordBatch
	done      bool
	out       output
}

func newInplaceAggregateOp(n *planner.Aggregate, input Operator, cfg Config) (Operator, error) {
	if len(n.GroupBy) == 0 {
		return nil, errors.New("vexec: an inplace aggregate needs group keys")
	}
	for _, a := range n.Aggs {
		if a.Distinct {
			return nil, errors.New("vexec: an inplace aggregate cannot compute " + a.String())
		}
	}
	core, err := newAggCore(n, cfg)
	if err != nil {
		return nil, err
	}
	op := &inplaceAggregateOp{aggCore: core, input: input, cfg: cfg}
	for _, g := range n.GroupBy {
		op.keyBuilders = append(op.keyBuilders, array.NewBuilder(cfg.Mem, g.Type().Arrow()))
	}
	return op, nil
}

func (h *inplaceAggregateOp) Open(ctx context.Context) error {
	h.ec = newEvalCtx(ctx, h.cfg.Mem)
	if err := h.openAccs(ctx); err != nil {
		return err
	}
	return h.input.Open(ctx)
}

func (h *inplaceAggregateOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for len(h.ready) == 0 {
		if h.done {
			return nil, io.EOF
		}
		b, err := h.input.Next(ctx)
		if err == io.EOF {
			h.done = true
			if err := h.flush(h.held); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := h.update(b); err != nil {
			return nil, err
		}
	}
	b := h.ready[0]
	h.ready = h.ready[1:]
	return h.out.set(b), nil
}

func (h *inplaceAggregateOp) update(b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	keys, err := h.evalKeys(h.ec, b)
	if err != nil {
		return err
	}
	bounds := h.findRuns(keys, n)
	// The first run continues the previous batch's last group when their keys are equal.
	cont := h.prevKeys != nil && sameKeys(h.prevKeys, h.prevRow, keys, 0)
	first := h.held
	if cont {
		first--
	}
	for r, lo := range bounds[:len(bounds)-1] {
		if r > 0 || !cont {
			for j, k := range keys {
				appendGroupKey(h.keyBuilders[j], k, lo)
			}
		}
	}
	h.held = first + len(bounds) - 1
	for _, k := range h.prevKeys {
		k.Release()
	}
	h.prevKeys, h.prevRow = keys, n-1
	h.runs = groupRuns{bounds: bounds, first: first}
	if h.shortRuns {
		// Runs of a few rows: a call per run would cost more than the accumulators' row loops.
		err = h.updateAccs(h.ec, b, h.runs.ids(&h.runIDs), h.held, nil)
	} else {
		err = h.updateAccs(h.ec, b, nil, h.held, &h.runs)
	}
	if err != nil {
		return err
	}
	if done := h.held - 1; done >= h.cfg.BatchSize {
		return h.flush(done)
	}
	return nil
}

// minGallopRun is the average run of equal keys from which runs are found by galloping (a few comparisons per
// run) rather than by comparing every row with the one before it.
const minGallopRun = 16

// findRuns returns the bounds of the runs of equal keys of a batch of n rows: 0, the first row of each run after
// the first, then n. Long runs (sorted input with few keys per batch) are found by galloping through the batch
// from each run's first row, which relies on equal keys being adjacent, as the input of an Inplace aggregate has
// them; short ones by marking every row whose keys differ from the row before. Each batch picks the way that
// would have suited the one before it.
func (h *inplaceAggregateOp) findRuns(keys []arrow.Array, n int) []int {
	bounds := append(h.bounds[:0], 0)
	if h.shortRuns {
		if cap(h.changed) < n {
			h.changed = make([]bool, n)
		}
		changed := h.changed[:n]
		clear(changed)
		for _, k := range keys {
			markChanges(k, changed)
		}
		for i := 1; i < n; i++ {
			if changed[i] {
				bounds = append(bounds, i)
			}
		}
		bounds = append(bounds, n)
	} else {
		h.eqs = h.eqs[:0]
		for _, k := range keys {
			h.eqs = append(h.eqs, rowEqual(k))
		}
		for i := 0; i < n; {
			i = runEnd(h.eqs, i, n)
			bounds = append(bounds, i)
		}
	}
	h.shortRuns = (len(bounds)-1)*minGallopRun > n
	h.bounds = bounds
	return bounds
}

// runEnd returns the end of the run of rows equal to row i in every key, by galloping then bisecting.
func runEnd(eqs []func(i, j int) bool, i, n int) int {
	same := func(j int) bool {
		for _, eq := range eqs {
			if !eq(i, j) {
				return false
			}
		}
		return true
	}
	lo, hi := i, n // rows [i, lo] are in the run; row hi is not (or is the end)
	for step := 1; ; step *= 2 {
		j := lo + step
		if j >= n {
			break
		}
		if !same(j) {
			hi = j
			break
		}
		lo = j
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if same(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// rowEqual returns whether two rows of a key column hold one group's key (NULL equals NULL), by the rules of
// markChanges: a typed comparison chosen once per batch.
func rowEqual(a arrow.Array) func(i, j int) bool {
	var eq func(i, j int) bool
	switch a := a.(type) {
	case *array.Int64:
		v := a.Int64Values()
		eq = func(i, j int) bool { return v[i] == v[j] }
	case *array.Timestamp:
		v := a.TimestampValues()
		eq = func(i, j int) bool { return v[i] == v[j] }
	case *array.Float64:
		v := a.Float64Values()
		eq = func(i, j int) bool { return v[i] == v[j] }
	case *array.Decimal128:
		v := a.Values()
		eq = func(i, j int) bool { return v[i] == v[j] }
	case *array.String:
		eq = func(i, j int) bool { return a.Value(i) == a.Value(j) }
	case *array.Boolean:
		eq = func(i, j int) bool { return a.Value(i) == a.Value(j) }
	default:
		panic("vexec: inplace aggregate cannot group by " + a.DataType().String())
	}
	if a.NullN() == 0 {
		return eq
	}
	return func(i, j int) bool {
		vi, vj := a.IsValid(i), a.IsValid(j)
		if !vi || !vj {
			return vi == vj
		}
		return eq(i, j)
	}
}

// flush emits the first n groups held and keeps the rest (the open group) as the first.
func (h *inplaceAggregateOp) flush(n int) error {
	if n == 0 {
		return nil
	}
	all := make([]arrow.Array, len(h.keyBuilders))
	for i, kb := range h.keyBuilders {
		all[i] = kb.NewArray()
	}
	defer func() {
		for _, a := range all {
			a.Release()
		}
	}()
	cols := make([]arrow.Array, 0, len(all)+len(h.accs))
	for _, a := range all {
		cols = append(cols, array.NewSlice(a, 0, int64(n)))
	}
	cols, err := h.outputs(h.cfg.Mem, n, cols)
	if err == nil {
		b := newBatch(planner.Schema(h.node), cols, int64(n))
		for lo := 0; lo < n; lo += h.cfg.BatchSize {
			h.ready = append(h.ready, b.NewSlice(int64(lo), int64(min(lo+h.cfg.BatchSize, n))))
		}
		b.Release()
	}
	for _, c := range cols {
		c.Release()
	}
	if err != nil {
		return err
	}
	for _, acc := range h.accs {
		acc.shift(n)
	}
	for i := n; i < h.held; i++ {
		for j, a := range all {
			sqltype.AppendFrom(h.keyBuilders[j], a, i)
		}
	}
	h.held -= n
	return nil
}

func (h *inplaceAggregateOp) Close() error {
	h.closeAccs()
	h.out.release()
	for _, b := range h.ready {
		b.Release()
	}
	h.ready = nil
	for _, k := range h.prevKeys {
		k.Release()
	}
	h.prevKeys = nil
	for _, kb := range h.keyBuilders {
		kb.Release()
	}
	h.keyBuilders = nil
	return h.input.Close()
}

// markChanges sets changed[i] where row i of a differs from row i-1 (NULL equals NULL): typed loops per kind.
func markChanges(a arrow.Array, changed []bool) {
	n := a.Len()
	nulls := a.NullN() > 0
	if nulls {
		for i := 1; i < n; i++ {
			if a.IsNull(i) != a.IsNull(i-1) {
				changed[i] = true
			}
		}
	}
	switch a := a.(type) {
	case *array.Int64:
		markValues(a.Int64Values(), a, nulls, changed)
	case *array.Timestamp:
		markValues(a.TimestampValues(), a, nulls, changed)
	case *array.Float64:
		markValues(a.Float64Values(), a, nulls, changed)
	case *array.Decimal128:
		markValues(a.Values(), a, nulls, changed)
	case *array.String:
		prev := a.Value(0)
		for i := 1; i < n; i++ {
			v := a.Value(i)
			if v != prev && !(nulls && a.IsNull(i) && a.IsNull(i-1)) {
				changed[i] = true
			}
			prev = v
		}
	case *array.Boolean:
		for i := 1; i < n; i++ {
			if a.Value(i) != a.Value(i-1) && !(nulls && a.IsNull(i) && a.IsNull(i-1)) {
				changed[i] = true
			}
		}
	default:
		panic("vexec: inplace aggregate cannot group by " + a.DataType().String())
	}
}

func markValues[T comparable](vals []T, a arrow.Array, nulls bool, changed []bool) {
	if !nulls {
		for i := 1; i < len(vals); i++ {
			if vals[i] != vals[i-1] {
				changed[i] = true
			}
		}
		return
	}
	for i := 1; i < len(vals); i++ {
		// The value under a NULL is unspecified: two NULLs are one group whatever lies beneath.
		if vals[i] != vals[i-1] && a.IsValid(i) && a.IsValid(i-1) {
			changed[i] = true
		}
	}
}

// sameKeys reports whether row i of keys a equals row j of keys b (NULL equals NULL).
func sameKeys(a []arrow.Array, i int, b []arrow.Array, j int) bool {
	for k := range a {
		na, nb := a[k].IsNull(i), b[k].IsNull(j)
		if na || nb {
			if na != nb {
				return false
			}
			continue
		}
		if sqltype.Compare(sqltype.ValueAt(a[k], i), sqltype.ValueAt(b[k], j)) != 0 {
			return false
		}
	}
	return true
}
