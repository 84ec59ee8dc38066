package vexec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// memoryScanOp emits the rows a MemoryScan carries, in batches.
type memoryScanOp struct {
	node *planner.MemoryScan
	cfg  Config
	pos  int
	out  output
}

func (m *memoryScanOp) Open(context.Context) error { return nil }

func (m *memoryScanOp) Next(context.Context) (arrow.RecordBatch, error) {
	if m.pos >= len(m.node.Rows) {
		return nil, io.EOF
	}
	end := min(m.pos+m.cfg.BatchSize, len(m.node.Rows))
	b := array.NewRecordBuilder(m.cfg.Mem, planner.Schema(m.node))
	defer b.Release()
	for _, row := range m.node.Rows[m.pos:end] {
		for c, v := range row {
			sqltype.AppendValue(b.Field(c), v)
		}
	}
	m.pos = end
	return m.out.set(b.NewRecordBatch()), nil
}

func (m *memoryScanOp) Close() error { m.out.release(); return nil }
