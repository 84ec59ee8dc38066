package vexec

import (
	"context"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// aggregateTopKOp runs its input (a Partial aggregate) once per chunk of the Scan under it, every run at once in
// a goroutine of its own as a MergeSort does (up to Parallel of them computing at a time). Each run streams its
// groups in three sections: those whose bound key is NULL (chunk bounds say nothing of NULLs: any chunk may hold
// them), those whose key lies where another chunk's bounds reach too (shared), and those whose key only this
// chunk's bounds hold (its own: no other chunk holds them); each section sorted by the ordering aggregate's
// state, in ORDER BY's order. Before its first rows, a run tells the best state of each section.
//
// The operator reads the streams a run of rows at a time, always from the stream whose next value (or a later
// section's best) comes first, and merges every row's states into its group (a hash table, as
// FinalHashAggregate keeps). A group is complete once every stream that may hold it has shown it or has passed
// the section it would be in; its value is then final and it enters a heap of the best Limit complete groups.
// Reading stops as soon as that heap is full and no other group can come before its last one: neither a group
// not seen yet (its best value is what the streams' next values can make), nor an incomplete one (its states so
// far, plus what the streams it may still come from can add). Then every seen group's aggregates are finished
// and the heap's groups are emitted, sorted.
type aggregateTopKOp struct {
	node *planner.AggregateTopK
	*partRunner
	cfg   Config
	st    *NodeStats
	core  aggCore
	order topkOrder
	bkind topkKind // of the bound key's values
	state int      // the input column of the ordering aggregate's state
	k     int
	run   int // rows read from a stream at a time

	cancel context.CancelFunc
	wg     sync.WaitGroup
	errMu  sync.Mutex
	err    error
	inputs []*topkInput

	ec      *evalCtx
	table   *groupTable
	charged int64
	vals    orderView
	ties    []keyColumn
	// Per group: the streams that may still show it (a bitset of words words), how many, its state, and
	// whether its bound key is NULL.
	words   int
	pending []int32
	maybe   []uint64
	gstate  []uint8
	nullKey []bool
	// tracked are groups that were incomplete when first seen, in order; those before cursor are complete or
	// passed (they cannot reach the top any more), the rest are checked by certain.
	tracked []uint32
	cursor  int
	top     []uint32 // a heap of complete groups, the last of the best first
	cliques [][]int  // streams whose bounds overlap, as maximal sets
	heads   []headOpt
	read    int64
	// bulk: the threshold has not stopped the reading by a quarter of the input rows, where it seldom would:
	// the rest is read in any order (the producers stop ordering it, bulkMode tells them) and merged without
	// bookkeeping, and the top k is taken from every group at the end.
	bulk     bool
	bulkMode atomic.Bool

	result arrow.RecordBatch
	pos    int64
	done   bool
	out    output
}

const (
	groupTracking uint8 = iota // incomplete and still a candidate
	groupComplete              // every stream that may hold it has shown it or passed its section
	groupPassed                // incomplete, but it can no longer reach the top
)

// The sections of a stream, in the order it sends them; a stream that has ended is past them all.
const (
	secNull   = iota // the bound key is NULL
	secShared        // the bound key lies where another stream's bounds reach too (every row without a bound key)
	secOwn           // the bound key lies where only this stream's bounds reach
	secEnded
)

// span is a closed range of bound key values.
type span struct{ lo, hi tval }

// topkInput is one run's stream of sorted groups as the operator reads it.
type topkInput struct {
	chunk uint64
	ch    chan arrow.RecordBatch
	err   error        // set by the run before it closes ch
	total atomic.Int64 // groups the run produced, set before it sends any
	// best is each section's best ordering state (has: the section has rows), set before the run sends any.
	best [secEnded]struct {
		has bool
		v   tval
	}

	b       arrow.RecordBatch
	pos     int
	section int     // the next row's, or secEnded
	state   colView // typed views of b's ordering state and bound key
	bkey    colView
	head    tval // the next row's ordering state

	known  bool // bounds recorded (else the stream may hold any key)
	lo, hi tval
	// shared are the bound key values other streams' bounds reach too (all: every value).
	shared    []span
	sharedAll bool
}

func (in *topkInput) ended() bool { return in.section == secEnded }

func newAggregateTopKOp(n *planner.AggregateTopK, cfg Config, stats *Stats) (*aggregateTopKOp, error) {
	r, err := newPartRunner(n, n.Input, cfg, stats)
	if err != nil {
		return nil, err
	}
	final := &planner.Aggregate{Input: n.Input, Mode: planner.Final, Strategy: planner.Hash, GroupBy: n.GroupBy, Names: n.Names, Aggs: n.Aggs}
	core, err := newAggCore(final, cfg)
	if err != nil {
		return nil, err
	}
	call := n.Aggs[n.Order]
	kind, ok := topkKindOf(call.T)
	if !ok || call.Distinct || call.Plugin != "" || kind == kindStr && call.Func != "min" && call.Func != "max" {
		return nil, fmt.Errorf("vexec: AggregateTopK cannot order by %s", call.String())
	}
	if err := checkOrderAcc(core.accs[n.Order], call); err != nil {
		return nil, err
	}
	t := &aggregateTopKOp{
		node: n, partRunner: r, cfg: cfg, st: &stats.Nodes[n.ID()], core: core,
		order: topkOrder{kind: kind, fn: call.Func, desc: n.Desc, nullsFirst: n.NullsFirst},
		state: n.OrderState(), k: int(n.Limit),
	}
	t.vals.kind = kind
	t.run = min(max(64, t.k), 4096)
	for _, g := range n.Ties {
		t.ties = append(t.ties, keyColumn{col: g, kind: keyKind(n.GroupBy[g].Type().Arrow())})
	}
	return t, nil
}

func (t *aggregateTopKOp) Open(ctx context.Context) error {
	t.ec = newEvalCtx(ctx, t.cfg.Mem)
	if err := t.core.openAccs(ctx); err != nil {
		return err
	}
	types := make([]arrow.DataType, len(t.node.GroupBy))
	for i, g := range t.node.GroupBy {
		types[i] = g.Type().Arrow()
	}
	t.table = newGroupTable(t.cfg.Mem, types)
	parts := t.parts()
	t.words = (len(parts) + 63) / 64
	if t.node.BoundKey >= 0 {
		var ok bool
		if t.bkind, ok = topkKindOf(t.node.GroupBy[t.node.BoundKey].Type()); !ok {
			t.node = withoutBoundKey(t.node) // no bounds to compare values of its type with
		}
	}
	for _, part := range parts {
		in := &topkInput{ch: make(chan arrow.RecordBatch, 1)}
		if len(part.chunks) == 1 {
			in.chunk = part.chunks[0].ID
		}
		for _, cb := range t.node.Bounds {
			if t.node.BoundKey < 0 || cb.Chunk != in.chunk || len(part.chunks) != 1 || !cb.Known {
				continue
			}
			lo, ok1 := tvalOf(t.bkind, cb.Min)
			hi, ok2 := tvalOf(t.bkind, cb.Max)
			in.known, in.lo, in.hi = ok1 && ok2, lo, hi
		}
		t.inputs = append(t.inputs, in)
	}
	if t.node.BoundKey >= 0 {
		t.sharedKeys()
	}
	t.cliques = overlapping(t.inputs, t.bkind)
	ctx, t.cancel = context.WithCancel(ctx)
	sem := make(chan struct{}, max(t.node.Parallel, 1))
	for i, part := range parts {
		in := t.inputs[i]
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			t.produce(ctx, part, sem, in)
		}()
	}
	return nil
}

// sharedKeys works out, for every stream, the bound key values other streams' bounds reach too.
func (t *aggregateTopKOp) sharedKeys() {
	k := t.bkind
	for i, a := range t.inputs {
		switch {
		case !a.known:
			a.sharedAll = true
			continue
		case a.lo.null:
			continue // only NULL keys
		}
		var spans []span
		for j, b := range t.inputs {
			switch {
			case j == i || b.known && b.lo.null:
			case !b.known:
				spans = append(spans, span{a.lo, a.hi})
			default:
				lo, hi := a.lo, a.hi
				if k.natural(b.lo, lo) > 0 {
					lo = b.lo
				}
				if k.natural(b.hi, hi) < 0 {
					hi = b.hi
				}
				if k.natural(lo, hi) <= 0 {
					spans = append(spans, span{lo, hi})
				}
			}
		}
		slices.SortFunc(spans, func(x, y span) int { return k.natural(x.lo, y.lo) })
		for _, s := range spans {
			if n := len(a.shared); n > 0 && k.natural(s.lo, a.shared[n-1].hi) <= 0 {
				if k.natural(s.hi, a.shared[n-1].hi) > 0 {
					a.shared[n-1].hi = s.hi
				}
				continue
			}
			a.shared = append(a.shared, s)
		}
	}
}

// sectionOf is the section of stream in that row r of a batch belongs to, by its bound key (a view of it).
func (t *aggregateTopKOp) sectionOf(in *topkInput, key *colView, r int) int {
	switch {
	case t.node.BoundKey < 0:
		return secShared
	case key.null(r):
		return secNull
	case in.sharedAll:
		return secShared
	}
	x := tvalAt(key, r)
	for _, s := range in.shared {
		if t.bkind.natural(s.lo, x) <= 0 && t.bkind.natural(x, s.hi) <= 0 {
			return secShared
		}
	}
	return secOwn
}

// sections sorts the rows of all, a run's groups, into the sections of stream in (sectionOf), with a typed loop
// for BIGINT and TIMESTAMP keys and none where every row's section follows from the key's NULLs alone.
func (t *aggregateTopKOp) sections(in *topkInput, all arrow.RecordBatch) [][]int32 {
	n := int(all.NumRows())
	out := make([][]int32, secEnded)
	if t.node.BoundKey < 0 {
		out[secShared] = make([]int32, n)
		for i := range out[secShared] {
			out[secShared][i] = int32(i)
		}
		return out
	}
	key := newColView(all.Column(t.node.BoundKey))
	rest := secOwn // the section of a row whose key is not NULL, where it does not depend on the key
	switch {
	case in.sharedAll:
		rest = secShared
	case len(in.shared) > 0:
		rest = -1
	}
	for r := range n {
		s := rest
		switch {
		case key.null(r):
			s = secNull
		case s >= 0:
		case key.kind == arrow.INT64:
			s = secOwn
			x := key.i64[r]
			for _, sp := range in.shared {
				if sp.lo.i <= x && x <= sp.hi.i {
					s = secShared
					break
				}
			}
		default:
			s = t.sectionOf(in, &key, r)
		}
		out[s] = append(out[s], int32(r))
	}
	return out
}

// withoutBoundKey is n with no bound key: its type gives no bounds to compare.
func withoutBoundKey(n *planner.AggregateTopK) *planner.AggregateTopK {
	c := *n
	c.BoundKey = -1
	return &c
}

// overlapping returns the maximal sets of streams that may hold one key: each is the streams whose bounds
// overlap at some key, with those whose bounds are not known (they overlap every other). A stream whose keys
// are all NULL is in none.
func overlapping(inputs []*topkInput, kind topkKind) [][]int {
	type event struct {
		v     tval
		start bool
		in    int
	}
	var events []event
	var unknown []int
	for i, in := range inputs {
		switch {
		case !in.known:
			unknown = append(unknown, i)
		case !in.lo.null && !in.hi.null:
			events = append(events, event{in.lo, true, i}, event{in.hi, false, i})
		}
	}
	if len(events) == 0 {
		if len(unknown) == 0 {
			return nil
		}
		return [][]int{unknown}
	}
	slices.SortStableFunc(events, func(a, b event) int {
		if c := kind.natural(a.v, b.v); c != 0 {
			return c
		}
		switch {
		case a.start == b.start:
			return 0
		case a.start:
			return -1 // bounds are inclusive: one that starts where another ends overlaps it
		}
		return 1
	})
	var out [][]int
	open := map[int]bool{}
	grew := false
	for _, e := range events {
		if e.start {
			open[e.in], grew = true, true
			continue
		}
		if grew {
			set := slices.Clone(unknown)
			for i := range open {
				set = append(set, i)
			}
			slices.Sort(set)
			out = append(out, set)
			grew = false
		}
		delete(open, e.in)
	}
	return out
}

// produce runs the subtree over one part, collects its groups, sorts them and sends them on in.ch in batches,
// then closes it.
func (t *aggregateTopKOp) produce(ctx context.Context, part *scanPart, sem chan struct{}, in *topkInput) {
	raw := make(chan arrow.RecordBatch, 1)
	var runErr error
	go func() {
		runErr = t.partRunner.run(ctx, part, sem, raw)
		close(raw)
	}()
	var batches []arrow.RecordBatch
	for b := range raw {
		batches = append(batches, b)
	}
	err := runErr // closing raw published it
	if err == nil {
		err = t.sortAndSend(ctx, batches, in)
	}
	releaseBatches(batches)
	if err != nil {
		t.fail(err)
		in.err = err
	}
	close(in.ch)
}

// sortAndSend lays one run's groups out in sections, each ordered by the ordering state as ORDER BY orders values
// (runOrder), records each section's best state, and sends the groups in batches.
func (t *aggregateTopKOp) sortAndSend(ctx context.Context, batches []arrow.RecordBatch, in *topkInput) error {
	var total int64
	for _, b := range batches {
		total += b.NumRows()
	}
	in.total.Store(total)
	if total == 0 {
		return nil
	}
	all, err := sqltype.ConcatBatches(t.cfg.Mem, planner.Schema(t.node.Input), batches)
	if err != nil {
		return err
	}
	defer all.Release()
	n := int(all.NumRows())
	// Row numbers and a key each, while the order is being made.
	size := int64(32 * n)
	charge(t.cfg.Mem, size)
	defer charge(t.cfg.Mem, -size)
	sections := t.sections(in, all)
	order := newRunOrder(all, sections, t.state, t.node.Desc, t.node.NullsFirst)
	state := newColView(all.Column(t.state))
	for s := range sections {
		if r, ok := order.first(s); ok {
			v := tvalAt(&state, int(r))
			v.s = strings.Clone(v.s) // the batch goes before the reader is done with it
			in.best[s].has, in.best[s].v = true, v
		}
	}
	ec := newEvalCtx(ctx, t.cfg.Mem)
	// Blocks grow from a few times the limit to the batch size: a reader that stops early has made only the
	// first few in order.
	block := min(t.cfg.BatchSize, max(256, 2*t.k))
	var rows []int32
	for sent := 0; sent < n; {
		if t.bulkMode.Load() {
			rows = order.rest(rows)
		} else {
			rows = order.next(block, rows)
		}
		if len(rows) == 0 {
			break
		}
		block = min(2*block, t.cfg.BatchSize)
		for lo := 0; lo < len(rows); lo += t.cfg.BatchSize {
			hi := min(lo+t.cfg.BatchSize, len(rows))
			idx := array.NewInt32Data(array.NewData(arrow.PrimitiveTypes.Int32, hi-lo,
				[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(rows[lo:hi]))}, nil, 0, 0))
			res, err := compute.Take(ec.ctx, *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(all), compute.NewDatumWithoutOwning(idx))
			idx.Release()
			if err != nil {
				return err
			}
			b := res.(*compute.RecordDatum).Value
			select {
			case in.ch <- b:
			case <-ctx.Done():
				b.Release()
				return interrupted(ctx.Err())
			}
		}
		sent += len(rows)
	}
	return nil
}

func (t *aggregateTopKOp) fail(err error) {
	t.errMu.Lock()
	if t.err == nil {
		t.err = err
		t.cancel()
	}
	t.errMu.Unlock()
}

func (t *aggregateTopKOp) firstErr() error {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	return t.err
}

func (t *aggregateTopKOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if !t.done {
		t.done = true
		if err := t.compute(ctx); err != nil {
			return nil, err
		}
	}
	if t.result == nil || t.pos >= t.result.NumRows() {
		return nil, io.EOF
	}
	end := min(t.pos+int64(t.cfg.BatchSize), t.result.NumRows())
	b := t.result.NewSlice(t.pos, end)
	t.pos = end
	return t.out.set(b), nil
}

// compute reads the streams until the top k is certain, or to their ends, and builds the result.
func (t *aggregateTopKOp) compute(ctx context.Context) error {
	for i := range t.inputs {
		if err := t.advance(ctx, i); err != nil {
			return err
		}
	}
	var total int64
	for _, in := range t.inputs {
		total += in.total.Load() // each run counted its groups before it sent any
	}
	for stop := t.k <= 0; !stop; {
		if err := ctx.Err(); err != nil {
			return interrupted(err)
		}
		if err := overLimit(t.cfg.Mem); err != nil {
			return err
		}
		i := t.pick()
		if i < 0 {
			break // every stream has ended
		}
		in := t.inputs[i]
		n := int(in.b.NumRows())
		end := min(n, in.pos+t.run)
		if t.bulk {
			end = n
		}
		if err := t.consume(i, in.pos, end); err != nil {
			return err
		}
		in.pos = end
		if end == n {
			if err := t.advance(ctx, i); err != nil {
				return err
			}
		} else if !t.bulk {
			t.setHead(i)
		}
		switch {
		case t.bulk:
		case t.certain():
			stop = true // the heap holds the top k
		case 4*t.read > total:
			t.bulk = true
			t.bulkMode.Store(true)
		}
	}
	if t.bulk {
		// Every group is complete: the best k of them all.
		t.top = t.top[:0]
		for g := range t.table.groups {
			t.push(uint32(g))
		}
	}
	t.st.InputRows, t.st.InputRowsRead = total, t.read
	return t.finish()
}

// advance makes the next non-empty batch of stream i its current one, or marks it ended.
func (t *aggregateTopKOp) advance(ctx context.Context, i int) error {
	in := t.inputs[i]
	if in.b != nil {
		in.b.Release()
		in.b = nil
	}
	for {
		select {
		case b, ok := <-in.ch:
			if !ok {
				if in.err != nil {
					return t.firstErr()
				}
				if err := t.firstErr(); err != nil {
					return err // another run failed, and this one was stopped
				}
				t.moveOn(i, secEnded)
				return nil
			}
			if b.NumRows() == 0 {
				b.Release()
				continue
			}
			in.b, in.pos = b, 0
			in.state = newColView(b.Column(t.state))
			if t.node.BoundKey >= 0 {
				in.bkey = newColView(b.Column(t.node.BoundKey))
			}
			t.setHead(i)
			return nil
		case <-ctx.Done():
			return interrupted(ctx.Err())
		}
	}
}

// setHead reads stream i's next row: its ordering state and its section.
func (t *aggregateTopKOp) setHead(i int) {
	in := t.inputs[i]
	in.head = tvalAt(&in.state, in.pos)
	if s := t.sectionOf(in, &in.bkey, in.pos); s != in.section {
		t.moveOn(i, s)
	}
}

// moveOn records that stream i has passed its section for section to: the groups still waiting for it whose
// states would have been in the sections passed will get none from it.
func (t *aggregateTopKOp) moveOn(i, to int) {
	in := t.inputs[i]
	from := in.section
	in.section = to
	if t.bulk {
		return // every group is taken at the end
	}
	for _, g := range t.tracked[t.cursor:] {
		// A group waits for a stream in the section its key is in: NULL, or shared (its key is in both streams'
		// bounds, which makes it shared for both).
		if t.gstate[g] == groupTracking && (to > secShared || from == secNull && t.nullKey[g]) {
			t.shown(g, i)
		}
	}
}

// effectiveHead is the best state stream in may still send: its next row's, or a later section's best.
func (t *aggregateTopKOp) effectiveHead(in *topkInput) tval {
	best := in.head
	for s := in.section + 1; s < secEnded; s++ {
		if b := in.best[s]; b.has && t.order.cmp(b.v, best) < 0 {
			best = b.v
		}
	}
	return best
}

// pick returns the stream to read next, the one whose best state left comes first; -1 when every stream has
// ended.
func (t *aggregateTopKOp) pick() int {
	best := -1
	var bestHead tval
	for i, in := range t.inputs {
		if in.ended() {
			continue
		}
		if h := t.effectiveHead(in); best < 0 || t.order.cmp(h, bestHead) < 0 {
			best, bestHead = i, h
		}
	}
	return best
}

// consume merges rows [lo, hi) of stream i's current batch into their groups and records that the stream has
// shown them.
func (t *aggregateTopKOp) consume(i, lo, hi int) error {
	in := t.inputs[i]
	s := in.b.NewSlice(int64(lo), int64(hi))
	defer s.Release()
	rows := hi - lo
	before := t.table.groups
	ids := t.table.assign(s.Columns()[:len(t.node.GroupBy)], rows)
	if grown := t.table.groups - before; grown > 0 {
		// A map entry and its key, the states, a copy of the keys and the group's bookkeeping.
		n := int64(grown) * int64(96+24*len(t.core.accs)+8*t.words)
		charge(t.cfg.Mem, n)
		t.charged += n
		t.growGroups(t.table.groups)
	}
	if err := t.core.updateAccs(t.ec, s, ids, t.table.groups, nil); err != nil {
		return err
	}
	t.vals.refresh(t.core.accs[t.node.Order])
	var keys []colView
	var bkey colView
	if t.table.groups > before {
		keys = make([]colView, len(t.ties))
		for j, k := range t.ties {
			keys[j] = newColView(s.Column(k.col))
		}
		if t.node.BoundKey >= 0 {
			bkey = newColView(s.Column(t.node.BoundKey))
		}
	}
	next := uint32(before)
	for r, g := range ids {
		switch {
		case g == next && t.bulk:
			next++
			for j := range t.ties {
				t.ties[j].add(&keys[j], r)
			}
		case g == next:
			next++
			if err := t.newGroup(g, i, keys, &bkey, r); err != nil {
				return err
			}
		case !t.bulk:
			t.shown(g, i)
		}
	}
	t.read += int64(rows)
	return nil
}

func (t *aggregateTopKOp) growGroups(n int) {
	t.pending = growTo(t.pending, n)
	t.maybe = growTo(t.maybe, n*t.words)
	t.gstate = growTo(t.gstate, n)
	t.nullKey = growTo(t.nullKey, n)
}

// newGroup records group g, first shown by stream i at row r: its keys, and the streams that may still show it.
// A group of a NULL bound key may come from any stream still in its NULL section; another only from the streams
// whose bounds hold its key (then it is in their shared section), and only until they pass that section.
func (t *aggregateTopKOp) newGroup(g uint32, i int, keys []colView, bkey *colView, r int) error {
	for j := range t.ties {
		t.ties[j].add(&keys[j], r)
	}
	maybe := t.maybe[int(g)*t.words : int(g+1)*t.words]
	set := func(j int) { maybe[j/64] |= 1 << (j % 64) }
	set(i)
	switch {
	case t.node.BoundKey < 0:
		for j, in := range t.inputs {
			if !in.ended() {
				set(j)
			}
		}
	case bkey.null(r):
		t.nullKey[g] = true
		for j, in := range t.inputs {
			if in.section == secNull {
				set(j)
			}
		}
	default:
		x := tvalAt(bkey, r)
		if !t.covers(t.inputs[i], x) {
			return sqlerr.New(sqlerr.Unknown, "AggregateTopK: chunk %d holds a key outside the bounds the catalog records for it", t.inputs[i].chunk)
		}
		for j, in := range t.inputs {
			if j != i && t.covers(in, x) && (in.section == secShared || in.section == secNull && in.best[secShared].has) {
				set(j)
			}
		}
	}
	n := 0
	for _, w := range maybe {
		n += bits.OnesCount64(w)
	}
	t.pending[g] = int32(n)
	t.shown(g, i)
	if t.gstate[g] == groupTracking {
		t.tracked = append(t.tracked, g)
	}
	return nil
}

func (t *aggregateTopKOp) covers(in *topkInput, x tval) bool {
	if !in.known {
		return true
	}
	if in.lo.null || in.hi.null {
		return false // only NULL keys
	}
	return t.bkind.natural(in.lo, x) <= 0 && t.bkind.natural(x, in.hi) <= 0
}

// shown records that stream i has shown group g (or can no longer show it).
func (t *aggregateTopKOp) shown(g uint32, i int) {
	w := &t.maybe[int(g)*t.words+i/64]
	bit := uint64(1) << (i % 64)
	if *w&bit == 0 {
		return
	}
	*w &^= bit
	t.pending[g]--
	if t.pending[g] == 0 && t.gstate[g] == groupTracking {
		t.gstate[g] = groupComplete
		t.push(g)
	}
}

// before orders two groups as the result does: by the ordering value, then by the tie keys.
func (t *aggregateTopKOp) before(a, b uint32) int {
	if c := t.order.cmp(t.vals.at(a), t.vals.at(b)); c != 0 {
		return c
	}
	for j := range t.ties {
		if c := t.ties[j].cmp(a, b); c != 0 {
			return c
		}
	}
	return 0
}

// push offers a complete group to the heap of the best k; the heap's root is the last of them.
func (t *aggregateTopKOp) push(g uint32) {
	h := t.top
	if len(h) < t.k {
		h = append(h, g)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if t.before(h[p], h[i]) >= 0 {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		t.top = h
		return
	}
	if t.before(g, h[0]) >= 0 {
		return
	}
	h[0] = g
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		big := l
		if r := l + 1; r < len(h) && t.before(h[l], h[r]) < 0 {
			big = r
		}
		if t.before(h[i], h[big]) >= 0 {
			break
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

// certain reports whether the heap holds the final top k: it is full, no group unseen so far can reach its last
// value, nor can any incomplete one. A group found unable to reach it never will (the streams' next values only
// get worse, and the heap's last value only better), so each is checked until it fails once.
func (t *aggregateTopKOp) certain() bool {
	if len(t.top) < t.k {
		return false
	}
	kth := t.vals.at(t.top[0])
	if !t.unseenWorse(kth) {
		return false
	}
	for t.cursor < len(t.tracked) {
		g := t.tracked[t.cursor]
		if t.gstate[g] == groupTracking {
			if !t.order.worse(t.groupBound(g), kth) {
				return false
			}
			t.gstate[g] = groupPassed
		}
		t.cursor++
	}
	return true
}

// unseenWorse reports whether a group no stream has shown yet must come after kth. Such a group with a NULL
// bound key may be in any stream still in its NULL section; one with a shared key, in any set of streams whose
// bounds overlap, those that have not passed their shared section; one with a stream's own key, in that stream
// only. A stream that has not reached a section bounds it by the section's best state.
func (t *aggregateTopKOp) unseenWorse(kth tval) bool {
	heads := t.heads[:0]
	defer func() { t.heads = heads[:0] }()
	upTo := func(in *topkInput, sec int) (headOpt, bool) {
		switch {
		case in.section == sec:
			return headOpt{v: in.head}, true
		case in.section < sec && in.best[sec].has:
			return headOpt{v: in.best[sec].v}, true
		}
		return headOpt{}, false
	}
	if t.node.BoundKey >= 0 {
		for _, in := range t.inputs {
			if in.section == secNull {
				heads = append(heads, headOpt{v: in.head})
			}
		}
		if !t.order.worse(t.order.bound(tval{}, false, heads), kth) {
			return false
		}
		for _, in := range t.inputs {
			if h, ok := upTo(in, secOwn); ok && !t.order.worse(t.order.bound(tval{}, false, []headOpt{h}), kth) {
				return false
			}
		}
	}
	for _, set := range t.cliques {
		heads = heads[:0]
		for _, i := range set {
			if h, ok := upTo(t.inputs[i], secShared); ok {
				heads = append(heads, h)
			}
		}
		if !t.order.worse(t.order.bound(tval{}, false, heads), kth) {
			return false
		}
	}
	return true
}

// groupBound is the best value group g can reach from its states so far and the streams that may still show it:
// each is in the section g's key is in, or before it (then bounded by that section's best state).
func (t *aggregateTopKOp) groupBound(g uint32) tbound {
	heads := t.heads[:0]
	for w, word := range t.maybe[int(g)*t.words : int(g+1)*t.words] {
		for word != 0 {
			j := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			in := t.inputs[j]
			if !t.nullKey[g] && in.section == secNull {
				heads = append(heads, headOpt{v: in.best[secShared].v})
			} else {
				heads = append(heads, headOpt{v: in.head})
			}
		}
	}
	t.heads = heads[:0]
	return t.order.bound(t.vals.at(g), true, heads)
}

// finish finishes every seen group's aggregates and keeps the heap's groups, in order.
func (t *aggregateTopKOp) finish() error {
	ids := slices.Clone(t.top)
	slices.SortFunc(ids, t.before)
	n := t.table.groups
	cols, err := t.core.outputs(t.cfg.Mem, n, t.table.keys())
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	if err != nil {
		return err
	}
	all := newBatch(planner.Schema(t.node), cols, int64(n))
	defer all.Release()
	pick := make([]int32, len(ids))
	for i, g := range ids {
		pick[i] = int32(g)
	}
	idx := array.NewInt32Data(array.NewData(arrow.PrimitiveTypes.Int32, len(pick),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(pick))}, nil, 0, 0))
	defer idx.Release()
	res, err := compute.Take(t.ec.ctx, *compute.DefaultTakeOptions(), compute.NewDatumWithoutOwning(all), compute.NewDatumWithoutOwning(idx))
	if err != nil {
		return err
	}
	t.result = res.(*compute.RecordDatum).Value
	return nil
}

func (t *aggregateTopKOp) Close() error {
	t.out.release()
	if t.result != nil {
		t.result.Release()
		t.result = nil
	}
	if t.cancel != nil {
		t.cancel()
		for _, in := range t.inputs {
			if in.b != nil {
				in.b.Release()
				in.b = nil
			}
			for b := range in.ch {
				b.Release()
			}
		}
		t.wg.Wait()
	}
	t.core.closeAccs()
	if t.table != nil {
		t.table.release()
		t.table = nil
	}
	charge(t.cfg.Mem, -t.charged)
	t.charged = 0
	return nil
}
