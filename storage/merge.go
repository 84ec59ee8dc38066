package storage

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// MergeSpec describes a compaction: chunk files of one index, each sorted by the index key, merged into new
// sorted files.
type MergeSpec struct {
	TableID uint64
	Inputs  []string // chunk paths, all with the columns Cols
	Cols    []Column
	Key     []int        // positions in Cols of the sort key
	Rollup  []RollupSpec // for aggregate indexes: how non-key columns roll up (Column is a position in Cols)
	// MaxRows caps the rows of each output file; files are cut only between different keys, so equal keys (and
	// their roll-up) never span two files.
	MaxRows int
	// NextID names each output file; it is called once per file.
	NextID func() (uint64, error)
	Mem    memory.Allocator
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
	h := &mergeHeap{key: spec.Key}
	defer func() {
		for _, c := range h.cursors {
			c.close()
		}
	}()
	for _, p := range spec.Inputs {
		r, err := s.OpenChunk(p, spec.Cols, ScanOptions{Columns: all, BatchSize: 4096, Mem: spec.Mem})
		if err != nil {
			return nil, err
		}
		c := &mergeCursor{r: r}
		ok, err := c.advance()
		if err != nil {
			c.close()
			return nil, err
		}
		if !ok {
			c.close()
			continue
		}
		h.cursors = append(h.cursors, c)
	}
	heap.Init(h)

	schema := arrowSchema(spec.Cols)
	bld := array.NewRecordBuilder(spec.Mem, schema)
	defer bld.Release()
	rows := 0
	var last *mergeCursor // the cursor the previous row came from, to compare keys at a cut
	var lastBatch arrow.RecordBatch
	var lastRow int
	defer func() {
		if lastBatch != nil {
			lastBatch.Release()
		}
	}()
	flush := func() error {
		if rows == 0 {
			return nil
		}
		b := bld.NewRecordBatch()
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
		rows = 0
		return nil
	}
	for n := 0; h.Len() > 0; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return out, err
			}
		}
		c := h.cursors[0]
		if rows >= spec.MaxRows && last != nil && compareKeys(lastBatch, lastRow, c.batch, c.row, spec.Key) != 0 {
			if err := flush(); err != nil {
				return out, err
			}
		}
		for col := range spec.Cols {
			sqltype.AppendFrom(bld.Field(col), c.batch.Column(col), c.row)
		}
		rows++
		// Remember this row for the next cut test; the batch is kept alive while it is referenced.
		if lastBatch != c.batch {
			if lastBatch != nil {
				lastBatch.Release()
			}
			lastBatch = c.batch
			lastBatch.Retain()
		}
		last, lastRow = c, c.row
		ok, err := c.advance()
		if err != nil {
			return out, err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			c.close()
			heap.Pop(h)
		}
	}
	return out, flush()
}

// mergeCursor walks one input file row by row.
type mergeCursor struct {
	r     *Reader
	batch arrow.RecordBatch
	row   int
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

func (c *mergeCursor) close() {
	if c.r != nil {
		_ = c.r.Close()
		c.r = nil
	}
}

// mergeHeap orders cursors by the key of their current row. Rows of equal keys come out in no particular order
// of inputs, which regular and aggregate indexes do not need.
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
