package vexec

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// hashJoinOp reads its whole right input into one batch and a hash table of its keys (rows of one key chained
// through next), then streams the left input: each left batch becomes the pairs of rows whose keys match,
// filtered by the residual predicate, plus for a LEFT (RIGHT) join one row per left (right) row left without a
// pair. An outer join always streams the input whose unmatched rows it keeps.
type hashJoinOp struct {
	node        *planner.HashJoin
	left, right Operator
	// The build side is read whole into the hash table, the probe side streams: right and left, unless the
	// planner asked to build the left (an inner join whose left input is the smaller).
	buildIn, probeIn     Operator
	buildKeys, probeKeys []int
	buildSchema          *arrow.Schema
	cfg                  Config
	residual             evaluator
	ec                   *evalCtx
	schema               *arrow.Schema

	hashed  bool
	charged int64
	built   arrow.RecordBatch // the build side's rows
	table   *groupTable
	head    []int32 // per key group: its last build row, -1 for none
	next    []int32 // per build row: the previous row of its group, -1 at the end

	// The probe batch being joined: its rows' key groups, the next row and build row of its walk, and for an
	// outer join which rows found a pair.
	cur     arrow.RecordBatch
	groups  []int32
	row     int
	chain   int32
	matched []bool
	li, ri  []int32

	ready []arrow.RecordBatch
	out   output
}

func newHashJoinOp(n *planner.HashJoin, left, right Operator, cfg Config) (Operator, error) {
	op := &hashJoinOp{node: n, left: left, right: right, cfg: cfg, schema: planner.Schema(n),
		buildIn: right, probeIn: left, buildKeys: n.RightKeys, probeKeys: n.LeftKeys, buildSchema: planner.Schema(n.Right)}
	// An outer join streams the input whose rows without a match it keeps.
	if n.Type == planner.LeftJoin && n.BuildLeft || n.Type == planner.RightJoin && !n.BuildLeft {
		return nil, fmt.Errorf("vexec: a %s join cannot build its %s input", n.Type, n.Type)
	}
	if n.BuildLeft {
		op.buildIn, op.probeIn, op.buildKeys, op.probeKeys = left, right, n.LeftKeys, n.RightKeys
		op.buildSchema = planner.Schema(n.Left)
	}
	if n.Residual != nil {
		ev, err := compile(n.Residual)
		if err != nil {
			return nil, err
		}
		op.residual = ev
	}
	return op, nil
}

func (j *hashJoinOp) Open(ctx context.Context) error {
	j.ec = newEvalCtx(ctx, j.cfg.Mem)
	if err := j.left.Open(ctx); err != nil {
		return err
	}
	return j.right.Open(ctx)
}

func (j *hashJoinOp) buildSide(ctx context.Context) error {
	batches, err := collect(ctx, j.buildIn)
	if err != nil {
		return err
	}
	all, err := sqltype.ConcatBatches(j.cfg.Mem, j.buildSchema, batches)
	releaseBatches(batches)
	if err != nil {
		return err
	}
	j.built = all
	n := int(all.NumRows())
	types := make([]arrow.DataType, len(j.buildKeys))
	keys := make([]arrow.Array, len(j.buildKeys))
	for i, k := range j.buildKeys {
		keys[i] = all.Column(k)
		types[i] = keys[i].DataType()
	}
	j.table = newGroupTable(j.cfg.Mem, types)
	ids := j.table.assign(keys, n)
	// The chains and the table's map, in Go memory.
	j.charged = int64(n)*4 + int64(j.table.groups)*68
	charge(j.cfg.Mem, j.charged)
	j.head = make([]int32, j.table.groups)
	for i := range j.head {
		j.head[i] = -1
	}
	j.next = make([]int32, n)
rows:
	for r := 0; r < n; r++ {
		for _, k := range keys {
			if k.IsNull(r) {
				j.next[r] = -1
				continue rows
			}
		}
		g := ids[r]
		j.next[r] = j.head[g]
		j.head[g] = int32(r)
	}
	j.hashed = true
	return nil
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func (j *hashJoinOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if !j.hashed {
		if err := j.buildSide(ctx); err != nil {
			return nil, err
		}
	}
	for len(j.ready) == 0 {
		if j.cur == nil {
			b, err := j.probeIn.Next(ctx)
			if err != nil {
				return nil, err // io.EOF included
			}
			if err := j.startProbe(b); err != nil {
				return nil, err
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, interrupted(err)
		}
		if err := j.probeStep(); err != nil {
			return nil, err
		}
	}
	b := j.ready[0]
	j.ready = j.ready[1:]
	return j.out.set(b), nil
}

// startProbe looks up the groups of one probe batch; probeStep then walks them.
func (j *hashJoinOp) startProbe(b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	if cap(j.groups) < n {
		j.groups = make([]int32, n)
	}
	j.groups = j.groups[:n]
	if len(j.probeKeys) == 0 {
		// A cross join: every probe row meets group 0, every build row.
		fill := int32(0)
		if len(j.head) == 0 {
			fill = -1
		}
		for i := range j.groups {
			j.groups[i] = fill
		}
	} else {
		keys := make([]arrow.Array, len(j.probeKeys))
		for i, k := range j.probeKeys {
			keys[i] = b.Column(k)
		}
		copy(j.groups, j.table.lookup(keys, n))
	}
	b.Retain()
	j.cur, j.row, j.chain = b, 0, -1
	if j.node.Type != planner.InnerJoin {
		j.matched = append(j.matched[:0], make([]bool, n)...)
	}
	return nil
}

// probeStep makes up to a batch of pairs of the current probe batch (a key with many build rows, or a cross
// join, would otherwise make them all at once), filters them by the residual condition, and queues their rows;
// at the end of the batch an outer join adds its probe rows left without a pair.
func (j *hashJoinOp) probeStep() error {
	b := j.cur
	n := len(j.groups)
	li, ri := j.li[:0], j.ri[:0]
	for len(li) < j.cfg.BatchSize && j.row < n {
		if j.chain < 0 {
			if g := j.groups[j.row]; g >= 0 {
				j.chain = j.head[g]
			}
			if j.chain < 0 {
				j.row++
				continue
			}
		}
		li, ri = append(li, int32(j.row)), append(ri, j.chain)
		if j.chain = j.next[j.chain]; j.chain < 0 {
			j.row++
		}
	}
	j.li, j.ri = li, ri
	if j.residual != nil && len(li) > 0 {
		cand, err := j.pairs(b, li, ri)
		if err != nil {
			return err
		}
		keep, err := evalBool(j.ec, j.residual, cand)
		cand.Release()
		if err != nil {
			return err
		}
		k := 0
		for p := range li {
			if keep.IsValid(p) && keep.Value(p) {
				li[k], ri[k] = li[p], ri[p]
				k++
			}
		}
		keep.Release()
		li, ri = li[:k], ri[:k]
	}
	if j.node.Type != planner.InnerJoin {
		for _, i := range li {
			j.matched[i] = true
		}
		if j.row == n {
			for i, m := range j.matched {
				if !m {
					li, ri = append(li, int32(i)), append(ri, -1)
				}
			}
		}
	}
	for lo := 0; lo < len(li); lo += j.cfg.BatchSize {
		hi := min(lo+j.cfg.BatchSize, len(li))
		out, err := j.pairs(b, li[lo:hi], ri[lo:hi])
		if err != nil {
			return err
		}
		j.ready = append(j.ready, out)
	}
	if j.row == n {
		j.cur.Release()
		j.cur = nil
	}
	return nil
}

// pairs builds the output rows of the pairs (li[p] of the probe batch, ri[p] of the build side; -1 is all NULL),
// left columns first whichever side was built.
func (j *hashJoinOp) pairs(probe arrow.RecordBatch, li, ri []int32) (arrow.RecordBatch, error) {
	leftRows, leftIdx, rightRows, rightIdx := probe, li, j.built, ri
	if j.node.BuildLeft {
		leftRows, leftIdx, rightRows, rightIdx = j.built, ri, probe, li
	}
	l, err := gatherRows(j.ec, leftRows, leftIdx)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	r, err := gatherRows(j.ec, rightRows, rightIdx)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	cols := make([]arrow.Array, 0, l.NumCols()+r.NumCols())
	cols = append(cols, l.Columns()...)
	cols = append(cols, r.Columns()...)
	return array.NewRecordBatch(j.schema, cols, int64(len(li))), nil
}

// gatherRows is takeRows, except that rows idx that are a run of b's rows in order (every row of a probe batch
// that met one build row: a fact table joined to a dimension) are a slice of b, not a copy.
func gatherRows(ec *evalCtx, b arrow.RecordBatch, idx []int32) (arrow.RecordBatch, error) {
	if n := len(idx); n > 0 && idx[0] >= 0 && int64(idx[0])+int64(n) <= b.NumRows() && idx[n-1] == idx[0]+int32(n-1) {
		run := true
		for i := 1; i < n && run; i++ {
			run = idx[i] == idx[i-1]+1
		}
		if run {
			return b.NewSlice(int64(idx[0]), int64(idx[0])+int64(n)), nil
		}
	}
	return takeRows(ec, b, idx)
}

func (j *hashJoinOp) Close() error {
	if j.cur != nil {
		j.cur.Release()
		j.cur = nil
	}
	charge(j.cfg.Mem, -j.charged)
	j.charged = 0
	j.out.release()
	releaseBatches(j.ready)
	j.ready = nil
	if j.built != nil {
		j.built.Release()
		j.built = nil
	}
	if j.table != nil {
		j.table.release()
		j.table = nil
	}
	err := j.left.Close()
	if rerr := j.right.Close(); err == nil {
		err = rerr
	}
	return err
}

// unionOp passes on the batches of its inputs one input after another.
type unionOp struct {
	inputs []Operator
	cur    int
}

func (u *unionOp) Open(ctx context.Context) error {
	for _, in := range u.inputs {
		if err := in.Open(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (u *unionOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for u.cur < len(u.inputs) {
		b, err := u.inputs[u.cur].Next(ctx)
		if err == io.EOF {
			u.cur++
			continue
		}
		return b, err
	}
	return nil, io.EOF
}

func (u *unionOp) Close() error {
	var first error
	for _, in := range u.inputs {
		if err := in.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
