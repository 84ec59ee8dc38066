package vexec

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// mergeJoinOp joins two inputs sorted on their keys (ascending, NULLs first) by walking them side by side. Each
// batch is cut once into runs of equal keys (typed comparisons of adjacent rows); the walk then compares runs,
// not rows: a left run below the right's current key is unmatched (kept with NULLs by a LEFT join), right runs
// below the left's key are skipped, both by galloping over the runs' first rows, and a left run equal to the
// right run pairs every row with every row of it. The right run of the current key is held (retained batches,
// or copies of the batches it fills whole when it spans several) until the left input passes its key, so a key
// repeated on both sides costs the product of its runs and nothing more. Output batches are gathered from lists
// of row numbers, a left and a right one per output row, by typed copies.
type mergeJoinOp struct {
	node        *planner.MergeJoin
	left, right *mergeJoinInput
	cfg         Config
	stats       *NodeStats
	schema      *arrow.Schema
	rightSchema *arrow.Schema
	leftWidth   int

	run       mergeJoinRun // the right run the left input is compared with, while runOK
	runOK     bool
	rightDone bool // the right input has no key left to match
	prod      mergeJoinProduct
	done      bool

	// The output batch being built: its rows' left and right row numbers, in segments of one left and one right
	// batch each (held until the batch is gathered).
	li, ri []int32
	segs   []mergeJoinSegment
	parts  []arrow.Array // gather scratch
	idx    [][]int32
	out    output
}

// mergeJoinInput is one sorted input as the walk reads it: its current batch (the input's, valid until its next
// call) cut into runs of equal keys.
type mergeJoinInput struct {
	op     Operator
	keys   []int
	b      arrow.RecordBatch
	cols   []joinKeyColumn
	starts []int32 // the first row of every run of b, then b's row count
	cur    int     // the current run; len(starts)-1 once b is used up
	eof    bool
	diff   []bool // scratch: rows whose key differs from the row before
}

// mergeJoinRun is the right rows of one key: parts of batches. The run holds a reference to every part's batch
// but the first, unless owned: a run within the right input's current batch borrows it, as the right input
// does not move on while the run is held. Its key is row keyRow of the first part's batch.
type mergeJoinRun struct {
	parts  []rowRun
	owned  bool
	cols   []joinKeyColumn
	keyRow int
	rows   int
}

// mergeJoinProduct is the left rows [pl, pe) of one left batch still to be paired: with every row of the run
// (from part, row pj on), or, not matched, with NULLs.
type mergeJoinProduct struct {
	active  bool
	left    arrow.RecordBatch
	pl, pe  int
	matched bool
	part    int
	pj      int
}

// mergeJoinSegment is output rows [start, next segment's start) of li and ri, which number rows of left and of
// right (nil: the rows' right columns are NULL, and their ri are -1).
type mergeJoinSegment struct {
	left, right arrow.RecordBatch
	start       int
}

func newMergeJoinOp(n *planner.MergeJoin, left, right Operator, cfg Config, st *NodeStats) (Operator, error) {
	if n.Type != planner.InnerJoin && n.Type != planner.LeftJoin {
		return nil, fmt.Errorf("vexec: a merge join is inner or left, not %s", n.Type)
	}
	if len(n.LeftKeys) == 0 || len(n.LeftKeys) != len(n.RightKeys) {
		return nil, fmt.Errorf("vexec: a merge join needs key pairs, has %d and %d keys", len(n.LeftKeys), len(n.RightKeys))
	}
	lf, rf := n.Left.Fields(), n.Right.Fields()
	for i := range n.LeftKeys {
		lt, rt := lf[n.LeftKeys[i]].Type, rf[n.RightKeys[i]].Type
		if joinKeyKind(lt.Arrow()) != joinKeyKind(rt.Arrow()) || lt.Kind == sqltype.KindDecimal && lt.Scale != rt.Scale {
			return nil, fmt.Errorf("vexec: merge join keys of types %s and %s do not compare as they are", lt, rt)
		}
	}
	return &mergeJoinOp{node: n, cfg: cfg, stats: st, schema: planner.Schema(n), rightSchema: planner.Schema(n.Right),
		leftWidth: len(lf),
		left:      &mergeJoinInput{op: left, keys: n.LeftKeys}, right: &mergeJoinInput{op: right, keys: n.RightKeys}}, nil
}

func (j *mergeJoinOp) Open(ctx context.Context) error {
	if err := j.left.op.Open(ctx); err != nil {
		return err
	}
	return j.right.op.Open(ctx)
}

func (j *mergeJoinOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, interrupted(err) // a long product makes batches without reading its inputs
	}
	for len(j.li) < j.cfg.BatchSize && !j.done {
		if err := j.step(ctx); err != nil {
			return nil, err
		}
	}
	if len(j.li) == 0 {
		return nil, io.EOF
	}
	return j.out.set(j.flush()), nil
}

// step moves the walk on by one decision: more pairs of the current product, or the next comparison of a left
// run with the right run.
func (j *mergeJoinOp) step(ctx context.Context) error {
	if j.prod.active {
		j.emit()
		return nil
	}
	l := j.left
	if ok, err := l.ensure(ctx); err != nil || !ok {
		j.done = !ok
		return err
	}
	if !j.runOK && !j.rightDone {
		if err := j.seekRight(ctx); err != nil {
			return err
		}
	}
	ls := int(l.starts[l.cur])
	if !j.runOK {
		// No right key is left: an inner join is over, a LEFT join keeps the rest of the left rows.
		if j.node.Type == planner.InnerJoin {
			j.done = true
			return nil
		}
		j.startProduct(ls, int(l.b.NumRows()), false)
		l.cur = len(l.starts) - 1
		return nil
	}
	c := compareJoinKeys(l.cols, ls, j.run.cols, j.run.keyRow)
	switch {
	case c == 0: // the run has no NULL, so neither has this left run
		j.startProduct(ls, int(l.starts[l.cur+1]), true)
		l.cur++
	case c > 0:
		j.dropRun()
	default:
		// Every left run below the right run's key is unmatched.
		r := l.seek(j.run.cols, j.run.keyRow)
		if j.node.Type == planner.LeftJoin {
			j.startProduct(ls, int(l.starts[r]), false)
		}
		l.cur = r
	}
	return nil
}

// seekRight finds the right run for the current left run: the first one whose key, without NULLs, is not below
// the left key, and holds it (j.runOK), or notes that the right input has ended.
func (j *mergeJoinOp) seekRight(ctx context.Context) error {
	l, r := j.left, j.right
	target := int(l.starts[l.cur])
	for {
		ok, err := r.ensure(ctx)
		if err != nil {
			return err
		}
		if !ok {
			j.rightDone = true
			return nil
		}
		r.cur = r.seek(l.cols, target)
		switch {
		case r.cur == len(r.starts)-1: // the whole batch is below the left key
		case anyNullKey(r.cols, int(r.starts[r.cur])):
			r.cur++ // NULL keys match nothing
		default:
			return j.holdRun(ctx)
		}
	}
}

// holdRun makes the right input's current run j.run. A run that reaches the end of its batch may go on in the
// next ones: they are read until the key changes, batches the run fills whole copied (so that the run holds
// only its own rows, counted against the query's memory limit) and the one it ends in retained.
func (j *mergeJoinOp) holdRun(ctx context.Context) error {
	r := j.right
	s, e, n := int(r.starts[r.cur]), int(r.starts[r.cur+1]), int(r.b.NumRows())
	r.cur++
	run := &j.run
	run.parts = append(run.parts[:0], rowRun{b: r.b, lo: s, hi: e})
	run.cols = append(run.cols[:0], r.cols...)
	run.keyRow, run.rows, run.owned = s, e-s, false
	j.runOK = true
	for e == n {
		if err := overLimit(j.cfg.Mem); err != nil {
			return err
		}
		if !run.owned {
			r.b.Retain() // the right input moves on
			run.owned = true
		}
		ok, err := r.ensure(ctx)
		if err != nil {
			return err
		}
		if !ok || compareJoinKeys(r.cols, 0, run.cols, run.keyRow) != 0 {
			break
		}
		e, n = int(r.starts[1]), int(r.b.NumRows())
		r.cur = 1
		part := rowRun{b: r.b, lo: 0, hi: e}
		if e == n {
			part.b = gatherRuns(j.cfg.Mem, j.rightSchema, []rowRun{part}, e)
		} else {
			r.b.Retain()
		}
		run.parts = append(run.parts, part)
		run.rows += e
	}
	j.stats.RunRows = max(j.stats.RunRows, int64(run.rows))
	return nil
}

func (j *mergeJoinOp) dropRun() {
	for i := range j.run.parts {
		if i > 0 || j.run.owned {
			j.run.parts[i].b.Release()
		}
	}
	clear(j.run.parts)
	j.run.parts = j.run.parts[:0]
	j.runOK = false
}

// startProduct queues left rows [lo, hi) of the current left batch: paired with every row of j.run when matched,
// with NULLs otherwise.
func (j *mergeJoinOp) startProduct(lo, hi int, matched bool) {
	if lo == hi {
		return
	}
	j.prod = mergeJoinProduct{active: true, left: j.left.b, pl: lo, pe: hi, matched: matched}
	if matched {
		j.prod.pj = j.run.parts[0].lo
	}
}

// emit adds the current product's pairs to the output batch, as many as it has room for.
func (j *mergeJoinOp) emit() {
	p := &j.prod
	room := j.cfg.BatchSize - len(j.li)
	switch {
	case !p.matched:
		n := min(p.pe-p.pl, room)
		j.segment(p.left, nil)
		j.li = appendRange(j.li, p.pl, n)
		j.ri = appendFill(j.ri, -1, n)
		p.pl += n
	case j.run.rows == 1:
		// One right row (a dimension's key): the left rows in a run, the right row repeated.
		part := j.run.parts[0]
		n := min(p.pe-p.pl, room)
		j.segment(p.left, part.b)
		j.li = appendRange(j.li, p.pl, n)
		j.ri = appendFill(j.ri, int32(part.lo), n)
		p.pl += n
	default:
		for room > 0 && p.pl < p.pe {
			part := j.run.parts[p.part]
			n := min(part.hi-p.pj, room)
			j.segment(p.left, part.b)
			j.li = appendFill(j.li, int32(p.pl), n)
			j.ri = appendRange(j.ri, p.pj, n)
			room -= n
			if p.pj += n; p.pj == part.hi {
				if p.part++; p.part == len(j.run.parts) {
					p.part = 0
					p.pl++
				}
				p.pj = j.run.parts[p.part].lo
			}
		}
	}
	if p.pl == p.pe {
		j.prod = mergeJoinProduct{}
	}
}

func appendRange(s []int32, from, n int) []int32 {
	for i := range n {
		s = append(s, int32(from+i))
	}
	return s
}

func appendFill(s []int32, v int32, n int) []int32 {
	for range n {
		s = append(s, v)
	}
	return s
}

// segment makes the rows that follow come from left and right, holding both until the output is gathered.
func (j *mergeJoinOp) segment(left, right arrow.RecordBatch) {
	if k := len(j.segs); k > 0 && j.segs[k-1].left == left && j.segs[k-1].right == right {
		return
	}
	left.Retain()
	if right != nil {
		right.Retain()
	}
	j.segs = append(j.segs, mergeJoinSegment{left: left, right: right, start: len(j.li)})
}

// flush gathers the output batch from the row lists and lets go of the batches its segments held.
func (j *mergeJoinOp) flush() arrow.RecordBatch {
	rows := len(j.li)
	cols := make([]arrow.Array, j.schema.NumFields())
	for c := range cols {
		left := c < j.leftWidth
		col, nums := c, j.ri
		if left {
			nums = j.li
		} else {
			col -= j.leftWidth
		}
		j.parts, j.idx = j.parts[:0], j.idx[:0]
		for s, seg := range j.segs {
			end := len(nums)
			if s+1 < len(j.segs) {
				end = j.segs[s+1].start
			}
			var part arrow.Array
			if b := seg.right; left {
				part = seg.left.Column(col)
			} else if b != nil {
				part = b.Column(col)
			}
			j.parts, j.idx = append(j.parts, part), append(j.idx, nums[seg.start:end])
		}
		cols[c] = gatherIndexed(j.cfg.Mem, j.schema.Field(c).Type, j.parts, j.idx, rows)
	}
	b := array.NewRecordBatch(j.schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	j.releaseSegments()
	j.li, j.ri = j.li[:0], j.ri[:0]
	return b
}

func (j *mergeJoinOp) releaseSegments() {
	for _, s := range j.segs {
		s.left.Release()
		if s.right != nil {
			s.right.Release()
		}
	}
	clear(j.segs)
	j.segs = j.segs[:0]
	clear(j.parts)
}

func (j *mergeJoinOp) Close() error {
	j.out.release()
	j.releaseSegments()
	if j.runOK {
		j.dropRun()
	}
	j.prod = mergeJoinProduct{}
	err := j.left.op.Close()
	if rerr := j.right.op.Close(); err == nil {
		err = rerr
	}
	return err
}

// ensure makes the input's current run one with rows, reading batches as needed; false once the input has ended.
func (in *mergeJoinInput) ensure(ctx context.Context) (bool, error) {
	for in.b == nil || in.cur >= len(in.starts)-1 {
		if in.eof {
			return false, nil
		}
		if err := ctx.Err(); err != nil {
			return false, interrupted(err)
		}
		b, err := in.op.Next(ctx)
		if err == io.EOF {
			in.eof, in.b = true, nil
			return false, nil
		}
		if err != nil {
			return false, err
		}
		in.load(b)
	}
	return true, nil
}

// load makes b the current batch and cuts it into runs of equal keys, one typed pass per key column.
func (in *mergeJoinInput) load(b arrow.RecordBatch) {
	n := int(b.NumRows())
	in.b = b
	in.cols = in.cols[:0]
	for _, k := range in.keys {
		in.cols = append(in.cols, newJoinKeyColumn(b.Column(k)))
	}
	if cap(in.diff) < n {
		in.diff = make([]bool, n)
	}
	diff := in.diff[:n]
	clear(diff)
	for c := range in.cols {
		in.cols[c].markChanges(n, diff)
	}
	starts := in.starts[:0]
	if n > 0 {
		starts = append(starts, 0)
	}
	for i := 1; i < n; i++ {
		if diff[i] {
			starts = append(starts, int32(i))
		}
	}
	in.starts = append(starts, int32(n))
	in.cur = 0
}

// seek returns the first run, from the current one on, whose key is not below row t of target (a left key, or a
// right run's), or len(starts)-1 when every run is below it: it gallops over the runs' first rows (1, 2, 4 ...
// runs ahead), then bisects, so a stretch of keys the other side does not have costs a few comparisons.
func (in *mergeJoinInput) seek(target []joinKeyColumn, t int) int {
	below := func(r int) bool { return compareJoinKeys(in.cols, int(in.starts[r]), target, t) < 0 }
	lo, hi := in.cur, len(in.starts)-1
	if lo >= hi || !below(lo) {
		return lo
	}
	// Run lo is below the target; find hi, the first run known not to be (or the end).
	for step := 1; ; step *= 2 {
		p := lo + step
		if p >= hi {
			break
		}
		if !below(p) {
			hi = p
			break
		}
		lo = p
	}
	for lo+1 < hi {
		mid := int(uint(lo+hi) >> 1)
		if below(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// joinKeyColumn is one key column of a batch read through its buffers: comparing rows costs a switch on the
// column's kind, no interface call.
type joinKeyColumn struct {
	kind  arrow.Type // INT64 (also TIMESTAMP), FLOAT64, DECIMAL128, STRING, BOOL, or NULL: a column of NULLs only
	valid []byte     // the validity bitmap from bit off on; nil without NULLs
	off   int
	i64   []int64
	f64   []float64
	dec   []decimal128.Num
	offs  []int32 // STRING: value offsets, from the array's offset on
	data  []byte  // STRING: the value bytes, from offs[0] on
	bits  []byte  // BOOL: the values bitmap from bit off on
}

// joinKeyKind is the kind a key column of type dt is compared as.
func joinKeyKind(dt arrow.DataType) arrow.Type {
	switch id := dt.ID(); id {
	case arrow.INT64, arrow.TIMESTAMP:
		return arrow.INT64
	case arrow.FLOAT64, arrow.DECIMAL128, arrow.STRING, arrow.BOOL:
		return id
	}
	return arrow.NULL
}

func newJoinKeyColumn(a arrow.Array) joinKeyColumn {
	c := joinKeyColumn{kind: joinKeyKind(a.DataType()), off: a.Data().Offset()}
	if a.NullN() > 0 {
		c.valid = a.NullBitmapBytes()
	}
	switch a := a.(type) {
	case *array.Int64, *array.Timestamp:
		c.i64 = int64Values(a)
	case *array.Float64:
		c.f64 = a.Float64Values()
	case *array.Decimal128:
		c.dec = a.Values()
	case *array.String:
		c.offs, c.data = a.ValueOffsets(), a.ValueBytes()
	case *array.Boolean:
		c.bits = a.Data().Buffers()[1].Bytes()
	default:
		c.kind = arrow.NULL
	}
	return c
}

func (c *joinKeyColumn) isNull(i int) bool {
	return c.kind == arrow.NULL || c.valid != nil && !bitutil.BitIsSet(c.valid, c.off+i)
}

func (c *joinKeyColumn) str(i int) []byte {
	base := c.offs[0]
	return c.data[c.offs[i]-base : c.offs[i+1]-base]
}

// markChanges sets diff[i] for every row i of n that differs from row i-1 in this column (NULLs are equal to each
// other here: they make one run, which matches nothing).
func (c *joinKeyColumn) markChanges(n int, diff []bool) {
	if c.kind == arrow.NULL {
		return
	}
	if c.valid != nil {
		// Values under NULLs are whatever the buffer holds: only valid neighbours compare their values.
		for i := 1; i < n; i++ {
			ni, np := c.isNull(i), c.isNull(i-1)
			if ni != np || !ni && c.compareRows(i, c, i-1) != 0 {
				diff[i] = true
			}
		}
		return
	}
	switch c.kind {
	case arrow.INT64:
		v := c.i64[:n]
		for i := 1; i < n; i++ {
			if v[i] != v[i-1] {
				diff[i] = true
			}
		}
	case arrow.FLOAT64:
		v := c.f64[:n]
		for i := 1; i < n; i++ {
			if cmp.Compare(v[i], v[i-1]) != 0 {
				diff[i] = true
			}
		}
	case arrow.DECIMAL128:
		v := c.dec[:n]
		for i := 1; i < n; i++ {
			if v[i] != v[i-1] {
				diff[i] = true
			}
		}
	default:
		for i := 1; i < n; i++ {
			if c.compareRows(i, c, i-1) != 0 {
				diff[i] = true
			}
		}
	}
}

// compareRows orders the values (not NULL) of row i of c and row j of d, a column of the same kind.
func (c *joinKeyColumn) compareRows(i int, d *joinKeyColumn, j int) int {
	switch c.kind {
	case arrow.INT64:
		return cmp.Compare(c.i64[i], d.i64[j])
	case arrow.FLOAT64:
		return cmp.Compare(c.f64[i], d.f64[j])
	case arrow.DECIMAL128:
		return c.dec[i].Cmp(d.dec[j])
	case arrow.STRING:
		return bytes.Compare(c.str(i), d.str(j))
	case arrow.BOOL:
		x, y := bitutil.BitIsSet(c.bits, c.off+i), bitutil.BitIsSet(d.bits, d.off+j)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	return 0
}

// compareJoinKeys orders row i of the key columns a against row j of b (columns of one kind each) as the inputs
// are sorted: column by column, NULL below every value, text by its bytes (the binary collation vcube compares
// text with), -0 equal to 0.
func compareJoinKeys(a []joinKeyColumn, i int, b []joinKeyColumn, j int) int {
	for k := range a {
		x, y := &a[k], &b[k]
		nx, ny := x.isNull(i), y.isNull(j)
		if nx || ny {
			switch {
			case nx && ny:
				continue
			case nx:
				return -1
			default:
				return 1
			}
		}
		if c := x.compareRows(i, y, j); c != 0 {
			return c
		}
	}
	return 0
}

func anyNullKey(cols []joinKeyColumn, i int) bool {
	for k := range cols {
		if cols[k].isNull(i) {
			return true
		}
	}
	return false
}

// gatherIndexed builds one array of type dt from rows idx[s] of parts[s], for every piece s in order (a nil part
// gives NULLs; row numbers are never negative): typed copies over the parts' buffers. Rows that are one run of a
// single array in order are a slice of it, not a copy.
func gatherIndexed(mem memory.Allocator, dt arrow.DataType, parts []arrow.Array, idx [][]int32, rows int) arrow.Array {
	if dt.ID() == arrow.NULL {
		return array.NewNull(rows)
	}
	if a, lo, ok := oneRun(parts, idx); ok {
		return array.NewSlice(a, int64(lo), int64(lo+rows))
	}
	validity := memory.NewResizableBuffer(mem)
	validity.Resize(int(bitutil.BytesForBits(int64(rows))))
	valid := validity.Bytes()
	pos := 0
	for s, a := range parts {
		ix := idx[s]
		switch {
		case a == nil:
			bitutil.SetBitsTo(valid, int64(pos), int64(len(ix)), false)
		case a.NullN() == 0:
			bitutil.SetBitsTo(valid, int64(pos), int64(len(ix)), true)
		default:
			nb, off := a.NullBitmapBytes(), a.Data().Offset()
			for k, i := range ix {
				bitutil.SetBitTo(valid, pos+k, bitutil.BitIsSet(nb, off+int(i)))
			}
		}
		pos += len(ix)
	}
	switch dt.ID() {
	case arrow.BOOL:
		data := memory.NewResizableBuffer(mem)
		data.Resize(int(bitutil.BytesForBits(int64(rows))))
		dst := data.Bytes()
		pos := 0
		for s, a := range parts {
			ix := idx[s]
			if a == nil {
				bitutil.SetBitsTo(dst, int64(pos), int64(len(ix)), false)
			} else {
				src, off := a.Data().Buffers()[1].Bytes(), a.Data().Offset()
				for k, i := range ix {
					bitutil.SetBitTo(dst, pos+k, bitutil.BitIsSet(src, off+int(i)))
				}
			}
			pos += len(ix)
		}
		return finishData(dt, rows, validity, data, valid)
	case arrow.STRING:
		return gatherStrings(mem, dt, parts, idx, rows, validity, valid)
	}
	fw, ok := dt.(arrow.FixedWidthDataType)
	if !ok || fw.BitWidth()%8 != 0 {
		validity.Release()
		return gatherAny(mem, dt, parts, idx)
	}
	width := fw.BitWidth() / 8
	data := memory.NewResizableBuffer(mem)
	data.Resize(rows * width)
	dst := data.Bytes()
	pos = 0
	for s, a := range parts {
		ix := idx[s]
		if a == nil {
			clear(dst[pos*width : (pos+len(ix))*width])
			pos += len(ix)
			continue
		}
		src, off := a.Data().Buffers()[1].Bytes(), a.Data().Offset()
		switch width {
		case 8:
			gatherFixed(arrow.Uint64Traits.CastFromBytes(dst)[pos:pos+len(ix)], arrow.Uint64Traits.CastFromBytes(src)[off:], ix)
		case 16:
			gatherFixed(arrow.Decimal128Traits.CastFromBytes(dst)[pos:pos+len(ix)], arrow.Decimal128Traits.CastFromBytes(src)[off:], ix)
		default:
			for k, i := range ix {
				copy(dst[(pos+k)*width:(pos+k+1)*width], src[(off+int(i))*width:])
			}
		}
		pos += len(ix)
	}
	return finishData(dt, rows, validity, data, valid)
}

// gatherFixed sets dst[k] to src[idx[k]].
func gatherFixed[T any](dst, src []T, idx []int32) {
	dst = dst[:len(idx)]
	for k, i := range idx {
		dst[k] = src[i]
	}
}

// oneRun reports whether the rows asked for are rows lo, lo+1, ... of one array.
func oneRun(parts []arrow.Array, idx [][]int32) (arrow.Array, int, bool) {
	if len(parts) == 0 || parts[0] == nil || len(idx[0]) == 0 {
		return nil, 0, false
	}
	a, lo := parts[0], int(idx[0][0])
	next := int32(lo)
	for s, p := range parts {
		if p != a {
			return nil, 0, false
		}
		for _, i := range idx[s] {
			if i != next {
				return nil, 0, false
			}
			next++
		}
	}
	return a, lo, lo >= 0
}

// gatherStrings is gatherIndexed for text: the rows' lengths first, then their bytes.
func gatherStrings(mem memory.Allocator, dt arrow.DataType, parts []arrow.Array, idx [][]int32, rows int, validity *memory.Buffer, valid []byte) arrow.Array {
	size := 0
	for s, a := range parts {
		if a == nil {
			continue
		}
		o := a.(*array.String).ValueOffsets()
		for _, i := range idx[s] {
			size += int(o[i+1] - o[i])
		}
	}
	offsets := memory.NewResizableBuffer(mem)
	offsets.Resize(arrow.Int32Traits.BytesRequired(rows + 1))
	offs := arrow.Int32Traits.CastFromBytes(offsets.Bytes())
	values := memory.NewResizableBuffer(mem)
	values.Resize(size)
	dst := values.Bytes()
	pos, at := 0, int32(0)
	for s, a := range parts {
		ix := idx[s]
		if a == nil {
			for range ix {
				offs[pos] = at
				pos++
			}
			continue
		}
		str := a.(*array.String)
		o, src := str.ValueOffsets(), str.ValueBytes()
		base := o[0]
		for _, i := range ix {
			offs[pos] = at
			pos++
			at += int32(copy(dst[at:], src[o[i]-base:o[i+1]-base]))
		}
	}
	offs[pos] = at
	nulls := rows - bitutil.CountSetBits(valid, 0, rows)
	bufs := []*memory.Buffer{validity, offsets, values}
	if nulls == 0 {
		bufs[0] = nil
	}
	d := array.NewData(dt, rows, bufs, nil, nulls, 0)
	validity.Release()
	offsets.Release()
	values.Release()
	defer d.Release()
	return array.MakeFromData(d)
}

// gatherAny is gatherIndexed for the types no vcube column has, value by value through a builder.
func gatherAny(mem memory.Allocator, dt arrow.DataType, parts []arrow.Array, idx [][]int32) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	for s, a := range parts {
		for _, i := range idx[s] {
			if a == nil {
				b.AppendNull()
			} else {
				sqltype.AppendFrom(b, a, int(i))
			}
		}
	}
	return b.NewArray()
}
