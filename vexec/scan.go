package vexec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

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
	cols   []storage.Column
	ranges []storage.ColumnRange
	next   int // next chunk to open
	reader chunkReader
}

// chunkReader is what scanOp reads from: one chunk file, or several merged.
type chunkReader interface {
	Next() (arrow.RecordBatch, error)
	Stats() storage.ReadStats
	Close() error
}

func (s *scanOp) Open(context.Context) error {
	s.cols = make([]storage.Column, len(s.node.TableColumns))
	for i, f := range s.node.TableColumns {
		s.cols[i] = storage.Column{Name: f.Name, Type: f.Type}
	}
	for _, r := range s.node.Ranges {
		s.ranges = append(s.ranges, storage.ColumnRange{Column: r.Column, Range: r.Range})
	}
	return nil
}

func (s *scanOp) Next(context.Context) (arrow.RecordBatch, error) {
	for {
		if s.reader == nil {
			if s.next == len(s.node.Chunks) {
				return nil, io.EOF
			}
			opts := storage.ScanOptions{Columns: s.node.Projection, BatchSize: s.cfg.BatchSize, Mem: s.cfg.Mem, Ranges: s.ranges}
			if s.unique != nil {
				paths := make([]string, len(s.node.Chunks))
				for i, c := range s.node.Chunks {
					paths[i] = c.File
				}
				r, err := s.cfg.Data.OpenMerged(paths, s.cols, opts, s.unique.Key,
					&storage.UniqueSpec{Prefix: s.unique.Prefix, Seq: s.unique.Seq})
				if err != nil {
					return nil, err
				}
				s.next, s.reader = len(paths), r
				s.stats.Files += int64(len(paths))
				continue
			}
			r, err := s.cfg.Data.OpenChunk(s.node.Chunks[s.next].File, s.cols, opts)
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
		return b, err
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

func (s *scanOp) Close() error { return s.closeReader() }

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
