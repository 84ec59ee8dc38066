package vexec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// EvalConstant evaluates an expression that reads no column and returns its value the way internal/sqltype holds
// values outside arrays (nil for NULL). The front end uses it to fold constants once at bind time.
func EvalConstant(ctx context.Context, e planner.Expr) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, sqlerr.New(sqlerr.Unknown, "internal error evaluating %s: %v", e.String(), r)
		}
	}()
	ev, err := compile(e)
	if err != nil {
		return nil, err
	}
	mem := memory.DefaultAllocator
	b := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer b.Release()
	a, err := ev.eval(newEvalCtx(ctx, mem), b)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return sqltype.ValueAt(a, 0), nil
}
