package vexec

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/plugins"
)

// batchFuncEval runs a function the binder resolved outside the built-ins (a plugin's cast) over the whole
// column of a batch in one call.
type batchFuncEval struct {
	arg  evaluator
	call *planner.Call
}

func (f *batchFuncEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	in, err := f.arg.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	out, err := f.call.Fn.Call(ec.ctx, in)
	if err != nil {
		return nil, batchFuncError(f.call, in, err)
	}
	if !arrow.TypeEqual(out.DataType(), f.call.T.Arrow()) || out.Len() != in.Len() {
		defer out.Release()
		return nil, sqlerr.New(sqlerr.Unknown, "%s returned %d values of type %s for %d of type %s",
			f.call.String(), out.Len(), out.DataType(), in.Len(), f.call.T.Arrow())
	}
	return out, nil
}

// batchFuncError reports the failure of a call as a MySQL error naming the call and, when the plugin named the
// row it refused, that row's value; a cancelled or timed-out query stays an interruption.
func batchFuncError(call *planner.Call, in arrow.Array, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return interrupted(err)
	}
	var pe *plugins.Error
	if !errors.As(err, &pe) {
		return err
	}
	if pe.Row >= 0 && pe.Row < in.Len() {
		return sqlerr.New(sqlerr.WrongValueForField, "Incorrect value '%s' for %s: %s", in.ValueStr(pe.Row), call.String(), pe.Error())
	}
	return sqlerr.New(sqlerr.Unknown, "%s: %s", call.String(), pe.Error())
}
