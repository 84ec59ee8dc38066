package storage

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// MergeSpec describes a compaction: chunk files of one index, each sorted by the index key, merged into new
// sorted files.
type MergeSpec struct {
	TableID uint64
	// Inputs are chunk paths, all with the columns Cols, oldest first: with Unique, a later input's row replaces
	// an earlier one of the same unique key.
	Inputs []string
	Cols   []Column
	Key    []int        // positions in Cols of the sort key
	Rollup []RollupSpec // for aggregate indexes: how non-key columns roll up (Column is a position in Cols)
	Unique *UniqueSpec  // for tables with a unique key: keep the last row per key (Seq is a position in Cols)
	// MaxRows caps the rows of each output file; files are cut only between different keys, so equal keys (and
	// their roll-up) never span two files.
	MaxRows int
	// NextID names each output file; it is called once per file.
	NextID func() (uint64, error)
	Mem    memory.Allocator
}

// UniqueSpec describes a table with a unique key, whose indexes keep one row per key: the key is the first
// Prefix columns of the sort key, and of several rows with one key the row with the greatest Seq wins (Seq is
// the position of the __seq column, or -1 for none); on equal Seq the row written last wins.
type UniqueSpec struct {
	Prefix int
	Seq    int
}

// Merge runs a k-way merge of spec.Inputs and writes the output files (durably, as WriteChunk does). Memory is
// one output file's rows plus a batch per input, whatever the inputs' size. On error, outputs already written
// are removed.
func (s *Store) Merge(ctx context.Context, spec MergeSpec) (out []FileInfo, err error) {
	if spec.MaxRows <= 0 {
		return nil, errors.New("storage: merge needs MaxRows")
	}
	defer func() {
		if err != nil {
			paths := make([]string, len(out))
			for i, f := range out {
				paths[i] = f.Path
			}
			_ = s.Remove(paths)
			out = nil
		}
	}()
	all := make([]int, len(spec.Cols))
	for i := range all {
		all[i] = i
	}
	it, err := s.openMerge(spec.Inputs, spec.Cols, ScanOptions{Columns: all, BatchSize: 4096, Mem: spec.Mem}, spec.Key, spec.Unique)
	if err != nil {
		return nil, err
	}
	defer it.close()

	schema := arrowSchema(spec.Cols)
	var runs runList
	defer runs.reset()
	flush := func() error {
		if runs.rows == 0 {
			return nil
		}
		b, err := runs.build(spec.Mem, schema)
		runs.reset()
		if err != nil {
			return err
		}
		defer b.Release()
		if spec.Rollup != nil {
			rolled, err := rollup(spec.Mem, b, spec.Key, IndexLayout{Key: spec.Key, Rollup: spec.Rollup})
			if err != nil {
				return err
			}
			defer rolled.Release()
			b = rolled
		}
		id, err := spec.NextID()
		if err != nil {
			return err
		}
		info, err := s.WriteChunk(spec.TableID, id, spec.Cols, []arrow.RecordBatch{b})
		if err != nil {
			return err
		}
		out = append(out, info)
		return nil
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return out, err
			}
		}
		// A full file takes more rows only while they repeat its last key: one row at a time, then.
		b, lo, hi, ok, err := it.nextRun(max(spec.MaxRows-runs.rows, 1))
		if err != nil {
			return out, err
		}
		if !ok {
			break
		}
		if runs.rows >= spec.MaxRows {
			if pb, prow, _ := runs.last(); compareKeys(pb, prow, b, lo, spec.Key) != 0 {
				if err := flush(); err != nil {
					return out, err
				}
			}
		}
		runs.add(b, lo, hi)
	}
	return out, flush()
}

// MergedReader streams the rows of several chunk files of one index in key order, keeping one row per unique
// key when the table has one: the read side of a table whose newest rows replace older ones before compaction
// has merged them (Cube Store's LastRowByUniqueKey over a MergeSort).
type MergedReader struct {
	it        *mergeIter
	out       int // the first out columns read are the ones asked for
	runs      runList
	mem       memory.Allocator
	schema    *arrow.Schema
	batchSize int
	batch     arrow.RecordBatch
}

// OpenMerged opens the chunk files paths (oldest first), whose columns are cols, for a merged read in the order
// of key (positions in cols). opts.Columns are the columns returned; the key and unique columns are read as well
// when they are not among them. Ranges prune row groups as for OpenChunk: with a unique key, only ranges on key
// columns may be given, since pruning a newer row by another column would resurrect the older one it replaced.
func (s *Store) OpenMerged(paths []string, cols []Column, opts ScanOptions, key []int, unique *UniqueSpec) (*MergedReader, error) {
	read := append([]int(nil), opts.Columns...)
	pos := func(c int) int {
		if i := indexOf(read, c); i >= 0 {
			return i
		}
		read = append(read, c)
		return len(read) - 1
	}
	rkey := make([]int, len(key))
	for i, k := range key {
		if k < 0 || k >= len(cols) {
			return nil, fmt.Errorf("storage: merged read: key column %d of %d", k, len(cols))
		}
		rkey[i] = pos(k)
	}
	var ru *UniqueSpec
	if unique != nil {
		if unique.Prefix < 1 || unique.Prefix > len(key) {
			return nil, fmt.Errorf("storage: merged read: unique prefix %d of a %d-column key", unique.Prefix, len(key))
		}
		ru = &UniqueSpec{Prefix: unique.Prefix, Seq: -1}
		if unique.Seq >= 0 {
			ru.Seq = pos(unique.Seq)
		}
	}
	ropts := opts
	ropts.Columns = read
	ropts.BatchSize = 4096
	it, err := s.openMerge(paths, cols, ropts, rkey, ru)
	if err != nil {
		return nil, err
	}
	projected := make([]Column, len(opts.Columns))
	for i, c := range opts.Columns {
		projected[i] = cols[c]
	}
	m := &MergedReader{it: it, out: len(opts.Columns), schema: arrowSchema(projected), batchSize: opts.BatchSize}
	if m.batchSize == 0 {
		m.batchSize = DefaultBatchSize
	}
	m.mem = opts.Mem
	return m, nil
}

// Schema returns the schema of the batches: the columns asked for.
func (m *MergedReader) Schema() *arrow.Schema { return m.schema }

// Next returns the next batch, or io.EOF after the last; the batch is valid until the next call to Next or Close.
func (m *MergedReader) Next() (arrow.RecordBatch, error) {
	if m.batch != nil {
		m.batch.Release()
		m.batch = nil
	}
	for m.runs.rows < m.batchSize {
		b, lo, hi, ok, err := m.it.nextRun(m.batchSize - m.runs.rows)
		if err != nil {
			m.runs.reset()
			return nil, err
		}
		if !ok {
			break
		}
		m.runs.add(b, lo, hi)
	}
	rows := m.runs.rows
	if rows == 0 {
		return nil, io.EOF
	}
	if m.out == 0 {
		m.runs.reset()
		m.batch = array.NewRecordBatch(m.schema, nil, int64(rows))
		return m.batch, nil
	}
	b, err := m.runs.build(m.mem, m.schema)
	m.runs.reset()
	if err != nil {
		return nil, err
	}
	m.batch = b
	return m.batch, nil
}

// Stats sums what the merged files' readers read.
func (m *MergedReader) Stats() ReadStats { return m.it.stats() }

// Close releases everything the reader holds.
func (m *MergedReader) Close() error {
	if m.batch != nil {
		m.batch.Release()
		m.batch = nil
	}
	m.runs.reset()
	return m.it.close()
}

// mergeIter yields the rows of several sorted files in key order, one row per unique key when unique is set.
type mergeIter struct {
	h       *mergeHeap
	unique  *UniqueSpec
	all     []*mergeCursor // every cursor opened, for stats and close
	pending *mergeCursor   // the cursor whose current row was returned last: advanced on the next call
	// With a unique key: the best row so far of the current key, and the row returned last.
	cand, ret       batchRef
	candRow, retRow int
	candSrc         int
}

// batchRef holds a reference to a batch so that rows of it stay valid after their reader has moved on.
type batchRef struct{ b arrow.RecordBatch }

func (r *batchRef) set(b arrow.RecordBatch) {
	if r.b == b {
		return
	}
	if r.b != nil {
		r.b.Release()
	}
	r.b = b
	if b != nil {
		b.Retain()
	}
}

func (s *Store) openMerge(paths []string, cols []Column, opts ScanOptions, key []int, unique *UniqueSpec) (*mergeIter, error) {
	it := &mergeIter{h: &mergeHeap{key: key}, unique: unique}
	for i, p := range paths {
		r, err := s.OpenChunk(p, cols, opts)
		if err != nil {
			it.close()
			return nil, err
		}
		c := &mergeCursor{r: r, src: i}
		it.all = append(it.all, c)
		ok, err := c.advance()
		if err != nil {
			it.close()
			return nil, err
		}
		if ok {
			it.h.cursors = append(it.h.cursors, c)
		}
	}
	heap.Init(it.h)
	return it, nil
}

// raw returns the next row of the k-way merge: its batch (valid until the next call), row and input number.
func (it *mergeIter) raw() (arrow.RecordBatch, int, int, bool, error) {
	if c := it.pending; c != nil {
		it.pending = nil
		ok, err := c.advance()
		if err != nil {
			return nil, 0, 0, false, err
		}
		if ok {
			heap.Fix(it.h, 0)
		} else {
			heap.Pop(it.h)
			if err := c.close(); err != nil {
				return nil, 0, 0, false, err
			}
		}
	}
	if it.h.Len() == 0 {
		return nil, 0, 0, false, nil
	}
	c := it.h.cursors[0]
	it.pending = c
	return c.batch, c.row, c.src, true, nil
}

// nextRun returns the next rows of the merged output, at most limit of them: rows [lo, hi) of one input's batch,
// valid until the next call. Without a unique key, a run takes every row of the input at the top of the merge up
// to the key at the head of the next input (rows of equal keys come in no particular order of inputs), found by
// galloping; with one, each row is a run of its own, as the key's winner is chosen row by row.
func (it *mergeIter) nextRun(limit int) (arrow.RecordBatch, int, int, bool, error) {
	if it.unique != nil {
		b, row, ok, err := it.next()
		return b, row, row + 1, ok, err
	}
	b, row, _, ok, err := it.raw()
	if !ok || err != nil {
		return nil, 0, 0, ok, err
	}
	c := it.h.cursors[0]
	end := min(int(b.NumRows()), row+limit)
	hi := end
	if it.h.Len() > 1 && row+1 < end {
		// The next input's head is the smaller child of the heap's root.
		o := it.h.cursors[1]
		if it.h.Len() > 2 && it.h.Less(2, 1) {
			o = it.h.cursors[2]
		}
		within := func(i int) bool { return compareKeys(b, i, o.batch, o.row, it.h.key) <= 0 }
		// row itself is within: it tops the heap. Keys ascend, so the rows within are a prefix: gallop over it
		// with doubling steps, then search the last step.
		lo, probe, step := row+1, row+1, 1
		for probe < end && within(probe) {
			lo = probe + 1
			probe = lo + step
			step *= 2
		}
		probe = min(probe, end)
		hi = lo + sort.Search(probe-lo, func(k int) bool { return !within(lo + k) })
	}
	c.row = hi - 1 // the next call advances past the run
	return b, row, hi, true, nil
}

// next returns the next row of the merged output; the batch is valid until the next call.
func (it *mergeIter) next() (arrow.RecordBatch, int, bool, error) {
	if it.unique == nil {
		b, row, _, ok, err := it.raw()
		return b, row, ok, err
	}
	it.ret.set(nil)
	for {
		b, row, src, ok, err := it.raw()
		if err != nil {
			return nil, 0, false, err
		}
		if !ok {
			if it.cand.b == nil {
				return nil, 0, false, nil
			}
			it.ret, it.retRow = it.cand, it.candRow
			it.cand = batchRef{}
			return it.ret.b, it.retRow, true, nil
		}
		switch {
		case it.cand.b == nil:
		case compareKeys(it.cand.b, it.candRow, b, row, it.h.key[:it.unique.Prefix]) == 0:
			if !it.replaces(b, row, src) {
				continue
			}
		default:
			// A new key: the best row of the previous one is the answer.
			it.ret, it.retRow = it.cand, it.candRow
			it.cand = batchRef{}
			it.cand.set(b)
			it.candRow, it.candSrc = row, src
			return it.ret.b, it.retRow, true, nil
		}
		it.cand.set(b)
		it.candRow, it.candSrc = row, src
	}
}

// replaces reports whether row of b, from input src, wins over the candidate row of the same key: a greater
// sequence number, or an equal one (both NULL included) in a later input.
func (it *mergeIter) replaces(b arrow.RecordBatch, row, src int) bool {
	if s := it.unique.Seq; s >= 0 {
		if c := compareAcross(b.Column(s), row, it.cand.b.Column(s), it.candRow); c != 0 {
			return c > 0
		}
	}
	return src > it.candSrc
}

func (it *mergeIter) stats() ReadStats {
	var st ReadStats
	for _, c := range it.all {
		if c.r != nil {
			rs := c.r.Stats()
			st.BytesRead += rs.BytesRead
			st.RowGroups += rs.RowGroups
			st.RowGroupsPruned += rs.RowGroupsPruned
		} else {
			st.BytesRead += c.final.BytesRead
			st.RowGroups += c.final.RowGroups
			st.RowGroupsPruned += c.final.RowGroupsPruned
		}
	}
	return st
}

func (it *mergeIter) close() error {
	it.cand.set(nil)
	it.ret.set(nil)
	var errs []error
	for _, c := range it.all {
		errs = append(errs, c.close())
	}
	return errors.Join(errs...)
}

// mergeCursor walks one input file row by row.
type mergeCursor struct {
	r     *Reader
	batch arrow.RecordBatch
	row   int
	src   int       // the input's position, oldest first
	final ReadStats // the reader's figures once closed
}

// advance moves to the next row, reading the next batch when needed; false at the end of the file.
func (c *mergeCursor) advance() (bool, error) {
	if c.batch != nil && c.row+1 < int(c.batch.NumRows()) {
		c.row++
		return true, nil
	}
	for {
		b, err := c.r.Next()
		if err == io.EOF {
			c.batch = nil
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if b.NumRows() > 0 {
			c.batch, c.row = b, 0
			return true, nil
		}
	}
}

func (c *mergeCursor) close() error {
	if c.r == nil {
		return nil
	}
	c.final = c.r.Stats()
	err := c.r.Close()
	c.r, c.batch = nil, nil
	return err
}

// mergeHeap orders cursors by the key of their current row. Rows of equal keys come out in no particular order
// of inputs: aggregate indexes roll them up, and unique keys pick their winner by sequence and input.
type mergeHeap struct {
	cursors []*mergeCursor
	key     []int
}

func (h *mergeHeap) Len() int { return len(h.cursors) }
func (h *mergeHeap) Less(i, j int) bool {
	a, b := h.cursors[i], h.cursors[j]
	return compareKeys(a.batch, a.row, b.batch, b.row, h.key) < 0
}
func (h *mergeHeap) Swap(i, j int) { h.cursors[i], h.cursors[j] = h.cursors[j], h.cursors[i] }
func (h *mergeHeap) Push(x any)    { h.cursors = append(h.cursors, x.(*mergeCursor)) }
func (h *mergeHeap) Pop() any {
	c := h.cursors[len(h.cursors)-1]
	h.cursors = h.cursors[:len(h.cursors)-1]
	return c
}

// compareKeys orders row i of a and row j of b by the key columns, NULL first.
func compareKeys(a arrow.RecordBatch, i int, b arrow.RecordBatch, j int, key []int) int {
	for _, k := range key {
		if c := compareAcross(a.Column(k), i, b.Column(k), j); c != 0 {
			return c
		}
	}
	return 0
}

func compareAcross(a arrow.Array, i int, b arrow.Array, j int) int {
	na, nb := a.IsNull(i), b.IsNull(j)
	switch {
	case na && nb:
		return 0
	case na:
		return -1
	case nb:
		return 1
	}
	switch x := a.(type) {
	case *array.Int64:
		return cmp.Compare(x.Value(i), b.(*array.Int64).Value(j))
	case *array.Timestamp:
		return cmp.Compare(x.Value(i), b.(*array.Timestamp).Value(j))
	case *array.Float64:
		return cmp.Compare(x.Value(i), b.(*array.Float64).Value(j))
	case *array.Decimal128:
		return x.Value(i).Cmp(b.(*array.Decimal128).Value(j))
	case *array.String:
		return strings.Compare(x.Value(i), b.(*array.String).Value(j))
	case *array.Boolean:
		vi, vj := x.Value(i), b.(*array.Boolean).Value(j)
		switch {
		case vi == vj:
			return 0
		case !vi:
			return -1
		}
		return 1
	}
	panic(fmt.Sprintf("storage: cannot compare %s", a.DataType()))
}
