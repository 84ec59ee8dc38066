package vexec

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// scanOp reads a scan's chunks one after another; under a LastRowByUniqueKey (unique set) it reads them all at
// once, merged in key order with one row per unique key.
type scanOp struct {
	node   *planner.Scan
	cfg    Config
	stats  *NodeStats
	unique *planner.LastRowByUniqueKey
	chunks []planner.Chunk  // the node's chunks, or the part a Merge run reads
	cols   []storage.Column // the files' columns
	proj   []int            // file positions of the columns read
	key    []int            // unique reads: file positions of the index key
	seq    int              // unique reads: file position of __seq, or -1
	ranges []storage.ColumnRange
	dict   []int // file positions of the columns read as dictionaries
	next   int   // next chunk to open
	reader chunkReader
	// keys are the node's KeyRanges on the columns the scan returns (a prefix of them): each batch is cut to
	// the run of rows they accept.
	keys  []keyBound
	slice arrow.RecordBatch // the run returned last, released on the next call
}

// keyBound is one leading key column's range, over the scan's output column col.
type keyBound struct {
	col            int
	lo, hi         any // nil: unbounded
	loIncl, hiIncl bool
}

// chunkReader is what scanOp reads from: one chunk file, or several merged.
type chunkReader interface {
	Next() (arrow.RecordBatch, error)
	Stats() storage.ReadStats
	Close() error
}

func (s *scanOp) Open(context.Context) error {
	// Files hold the index's columns: table column positions map to file positions.
	filePos := make([]int, len(s.node.TableColumns))
	for i := range filePos {
		filePos[i] = -1
	}
	stored := s.node.IndexColumns
	if stored == nil {
		stored = make([]int, len(s.node.TableColumns))
		for i := range stored {
			stored[i] = i
		}
	}
	for i, c := range stored {
		f := s.node.TableColumns[c]
		s.cols = append(s.cols, storage.Column{Name: f.Name, Type: f.Type})
		filePos[c] = i
	}
	mapped := func(c int) (int, error) {
		if c < 0 || c >= len(filePos) || filePos[c] < 0 {
			return 0, fmt.Errorf("vexec: %s reads column %d, which index %s does not store", s.node.Explain(), c, s.node.IndexName)
		}
		return filePos[c], nil
	}
	for _, c := range s.node.Projection {
		p, err := mapped(c)
		if err != nil {
			return err
		}
		s.proj = append(s.proj, p)
	}
	// Text columns that Build found used only in ways that take dictionaries are read as such.
	for j, d := range s.cfg.dict[s.node] {
		if d && s.unique == nil {
			s.dict = append(s.dict, s.proj[j])
		}
	}
	for _, r := range s.node.Ranges {
		p, err := mapped(r.Column)
		if err != nil {
			return err
		}
		s.ranges = append(s.ranges, storage.ColumnRange{Column: p, Range: r.Range})
	}
	// Key ranges bisect the batches: they need their columns among the ones the scan returns.
	for _, r := range s.node.KeyRanges {
		out := slices.Index(s.node.Projection, r.Column)
		if out < 0 {
			break
		}
		k := keyBound{col: out, lo: r.Range.Lo, hi: r.Range.Hi, loIncl: r.Range.LoIncl, hiIncl: r.Range.HiIncl}
		if vs := r.Range.Values; len(vs) > 0 { // = or IN: the smallest to the largest value
			k.lo, k.hi, k.loIncl, k.hiIncl = vs[0], vs[0], true, true
			for _, v := range vs[1:] {
				if sqltype.Compare(v, k.lo) < 0 {
					k.lo = v
				}
				if sqltype.Compare(v, k.hi) > 0 {
					k.hi = v
				}
			}
		}
		s.keys = append(s.keys, k)
		if len(r.Range.Values) != 1 {
			break
		}
	}
	if s.unique != nil {
		for _, c := range s.unique.Key {
			p, err := mapped(c)
			if err != nil {
				return err
			}
			s.key = append(s.key, p)
		}
		s.seq = -1
		if s.unique.Seq >= 0 {
			p, err := mapped(s.unique.Seq)
			if err != nil {
				return err
			}
			s.seq = p
		}
	}
	return nil
}

func (s *scanOp) Next(context.Context) (arrow.RecordBatch, error) {
	for {
		if s.reader == nil {
			if s.next == len(s.chunks) {
				return nil, io.EOF
			}
			opts := storage.ScanOptions{Columns: s.proj, BatchSize: s.cfg.BatchSize, Mem: s.cfg.Mem, Ranges: s.ranges,
				Dictionary: s.dict}
			if s.unique != nil {
				opts.Dictionary = nil // the merge takes plain columns
				paths := make([]string, len(s.chunks))
				for i, c := range s.chunks {
					paths[i] = c.File
				}
				r, err := s.cfg.Data.OpenMerged(paths, s.cols, opts, s.key,
					&storage.UniqueSpec{Prefix: s.unique.Prefix, Seq: s.seq})
				if err != nil {
					return nil, err
				}
				s.next, s.reader = len(paths), r
				s.stats.Files += int64(len(paths))
				continue
			}
			r, err := s.cfg.Data.OpenChunk(s.chunks[s.next].File, s.cols, opts)
			if err != nil {
				return nil, err
			}
			s.next++
			s.reader = r
			s.stats.Files++
		}
		b, err := s.reader.Next()
		if err == io.EOF {
			if err := s.closeReader(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil || len(s.keys) == 0 || s.unique != nil {
			return b, err
		}
		lo, hi, past := s.keyRun(b)
		if lo == 0 && hi == int(b.NumRows()) {
			return b, nil
		}
		s.releaseSlice()
		if lo < hi {
			s.slice = b.NewSlice(int64(lo), int64(hi)) // holds its columns: the reader may go
		}
		if past {
			// The file's rows after this run are beyond the key ranges too: the next file is read instead.
			if err := s.closeReader(); err != nil {
				return nil, err
			}
		}
		if s.slice != nil {
			return s.slice, nil
		}
	}
}

// keyRun returns the run [lo, hi) of b's rows that the key ranges accept (b is sorted by the index key, NULLs
// first), and whether rows after it are beyond the ranges' end, so the rest of the file is too. A few dozen
// comparisons a batch: values are read boxed, which costs nothing against the rows a run saves filtering.
func (s *scanOp) keyRun(b arrow.RecordBatch) (lo, hi int, past bool) {
	n := int(b.NumRows())
	// atLeastLow: row i's key prefix is at or above the ranges' start; aboveHigh: past their end.
	atLeastLow := func(i int) bool {
		for j, k := range s.keys {
			col := b.Column(k.col)
			if col.IsNull(i) {
				return false // NULLs sort first, below any bound
			}
			if k.lo == nil {
				return true
			}
			c := sqltype.Compare(sqltype.ValueAt(col, i), k.lo)
			if c != 0 || j == len(s.keys)-1 {
				return c > 0 || c == 0 && k.loIncl
			}
		}
		return true
	}
	aboveHigh := func(i int) bool {
		for j, k := range s.keys {
			col := b.Column(k.col)
			if col.IsNull(i) {
				return false
			}
			if k.hi == nil {
				return false
			}
			c := sqltype.Compare(sqltype.ValueAt(col, i), k.hi)
			if c != 0 || j == len(s.keys)-1 {
				return c > 0 || c == 0 && !k.hiIncl
			}
		}
		return false
	}
	lo = sort.Search(n, atLeastLow)
	hi = lo + sort.Search(n-lo, func(i int) bool { return aboveHigh(lo + i) })
	return lo, hi, hi < n
}

func (s *scanOp) releaseSlice() {
	if s.slice != nil {
		s.slice.Release()
		s.slice = nil
	}
}

func (s *scanOp) closeReader() error {
	if s.reader == nil {
		return nil
	}
	rs := s.reader.Stats()
	s.stats.BytesRead += rs.BytesRead
	s.stats.RowGroups += int64(rs.RowGroups)
	s.stats.RowGroupsPruned += int64(rs.RowGroupsPruned)
	err := s.reader.Close()
	s.reader = nil
	return err
}

func (s *scanOp) Close() error {
	s.releaseSlice()
	return s.closeReader()
}

// emptyOp produces one batch of rows with no columns (SELECT without FROM).
type emptyOp struct {
	rows int
	done bool
	out  output
}

func (e *emptyOp) Open(context.Context) error { return nil }
func (e *emptyOp) Next(context.Context) (arrow.RecordBatch, error) {
	if e.done {
		return nil, io.EOF
	}
	e.done = true
	return e.out.set(newBatch(arrow.NewSchema(nil, nil), nil, int64(e.rows))), nil
}
func (e *emptyOp) Close() error { e.out.release(); return nil }
