package vexec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqlerr"
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
	return Value(a, 0), nil
}

// Value returns row i of an array as a Go value (nil for NULL).
func Value(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	}
	return nil
}
