package vexec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// scanOp reads a scan's chunks one after another.
type scanOp struct {
	node   *planner.Scan
	cfg    Config
	stats  *NodeStats
	cols   []storage.Column
	ranges []storage.ColumnRange
	next   int // next chunk to open
	reader *storage.Reader
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
			r, err := s.cfg.Data.OpenChunk(s.node.Chunks[s.next].File, s.cols, storage.ScanOptions{
				Columns: s.node.Projection, BatchSize: s.cfg.BatchSize, Mem: s.cfg.Mem, Ranges: s.ranges,
			})
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
