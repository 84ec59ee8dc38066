package vexec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/compute/exec"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// evalCtx carries what kernels need while a query runs.
type evalCtx struct {
	ctx context.Context // carries mem for arrow compute kernels
	mem memory.Allocator
}

func newEvalCtx(ctx context.Context, mem memory.Allocator) *evalCtx {
	return &evalCtx{ctx: exec.WithAllocator(ctx, mem), mem: mem}
}

// evaluator computes one expression over a batch. The returned array belongs to the caller, who releases it.
type evaluator interface {
	eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error)
}

// Compile turns a bound expression into an evaluator once per query.
func compile(e planner.Expr) (evaluator, error) {
	switch e := e.(type) {
	case *planner.ColumnRef:
		return &columnEval{index: e.Index}, nil
	case *planner.Literal:
		sc, err := literalScalar(e)
		if err != nil {
			return nil, err
		}
		return &literalEval{sc: sc}, nil
	case *planner.Call:
		args := make([]evaluator, len(e.Args))
		for i, a := range e.Args {
			ev, err := compile(a)
			if err != nil {
				return nil, err
			}
			args[i] = ev
		}
		return compileCall(e, args)
	}
	return nil, sqlerr.New(sqlerr.Unknown, "cannot evaluate expression %s", e.String())
}

type columnEval struct{ index int }

func (c *columnEval) eval(_ *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	col := b.Column(c.index)
	col.Retain()
	return col, nil
}

type literalEval struct{ sc scalar.Scalar }

func (l *literalEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	return scalar.MakeArrayFromScalar(l.sc, int(b.NumRows()), ec.mem)
}

func literalScalar(l *planner.Literal) (scalar.Scalar, error) {
	dt := l.T.Arrow()
	if l.Value == nil {
		return scalar.MakeNullScalar(dt), nil
	}
	switch v := l.Value.(type) {
	case bool:
		return scalar.NewBooleanScalar(v), nil
	case int64:
		if l.T.Kind == sqltype.KindTimestamp {
			return scalar.NewTimestampScalar(arrow.Timestamp(v), dt), nil
		}
		return scalar.NewInt64Scalar(v), nil
	case float64:
		return scalar.NewFloat64Scalar(v), nil
	case decimal128.Num:
		return scalar.NewDecimal128Scalar(v, dt), nil
	case string:
		return scalar.NewStringScalar(v), nil
	}
	return nil, fmt.Errorf("literal of unexpected Go type %T", l.Value)
}

// datum evaluates an argument for an arrow compute call, passing literals as scalars so the kernel broadcasts them.
func datum(ec *evalCtx, ev evaluator, b arrow.RecordBatch) (compute.Datum, error) {
	if l, ok := ev.(*literalEval); ok {
		return compute.NewDatum(l.sc), nil
	}
	a, err := ev.eval(ec, b)
	if err != nil {
		return nil, err
	}
	d := compute.NewDatum(a)
	a.Release()
	return d, nil
}

// computeEval applies an arrow compute function whose semantics match MySQL's for the operand types the binder
// guarantees (comparisons, three-valued AND/OR, NOT, IS NULL, checked integer arithmetic).
type computeEval struct {
	fn   string
	args []evaluator
	call *planner.Call
}

func (c *computeEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	ds := make([]compute.Datum, len(c.args))
	defer func() {
		for _, d := range ds {
			if d != nil {
				d.Release()
			}
		}
	}()
	allScalar := true
	for i, a := range c.args {
		d, err := datum(ec, a, b)
		if err != nil {
			return nil, err
		}
		ds[i] = d
		if d.Kind() != compute.KindScalar {
			allScalar = false
		}
	}
	out, err := compute.CallFunction(ec.ctx, c.fn, nil, ds...)
	if err != nil {
		if cause := ec.ctx.Err(); cause != nil {
			// The kernel stopped because the query did: its error is the interruption, not an overflow.
			return nil, sqlerr.Interrupted(cause)
		}
		return nil, c.mapError(err)
	}
	defer out.Release()
	if allScalar {
		return scalar.MakeArrayFromScalar(out.(*compute.ScalarDatum).Value, int(b.NumRows()), ec.mem)
	}
	return out.(*compute.ArrayDatum).MakeArray(), nil
}

func (c *computeEval) mapError(err error) error {
	switch c.fn {
	case "add", "subtract", "multiply", "negate":
		return sqlerr.New(sqlerr.DataOutOfRange, "BIGINT value is out of range in '%s'", c.call.String())
	}
	return sqlerr.New(sqlerr.Unknown, "%s: %v", c.call.String(), err)
}

var computeNames = map[string]string{
	"=": "equal", "<>": "not_equal", "<": "less", "<=": "less_equal", ">": "greater", ">=": "greater_equal",
	"and": "and_kleene", "or": "or_kleene",
}

func compileCall(c *planner.Call, args []evaluator) (evaluator, error) {
	if c.Fn != nil {
		return &batchFuncEval{arg: args[0], call: c}, nil
	}
	if fn, ok := computeNames[c.Func]; ok {
		switch c.Func {
		case "<", "<=", ">", ">=":
			// arrow has no ordering kernels for BOOLEAN; MySQL orders FALSE before TRUE, as 0 and 1.
			for i, a := range c.Args {
				if a.Type().Kind == sqltype.KindBool {
					args[i] = &castEval{arg: args[i], from: a.Type(), to: sqltype.BigInt, call: c}
				}
			}
		}
		return &computeEval{fn: fn, args: args, call: c}, nil
	}
	switch c.Func {
	case "not", "is_null", "is_not_null":
		return &unaryBoolEval{fn: c.Func, arg: args[0]}, nil
	case "+", "-", "*", "/", "div", "%", "neg":
		return compileArith(c, args)
	case "<=>":
		return &nullSafeEqualEval{eq: &computeEval{fn: "equal", args: args, call: c}, args: args}, nil
	case "cast":
		return &castEval{arg: args[0], from: c.Args[0].Type(), to: c.T, call: c}, nil
	case "like":
		return compileLike(c, args)
	case "in":
		return compileIn(c, args)
	}
	if k, ok := lookupKernel(c.Func); ok {
		return k(c, args)
	}
	return nil, sqlerr.New(sqlerr.NoSuchFunction, "FUNCTION %s does not exist", c.Func)
}

// nullSafeEqualEval is MySQL's <=>: true when both sides are NULL, false when one is, else =.
type nullSafeEqualEval struct {
	eq   evaluator
	args []evaluator
}

func (n *nullSafeEqualEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	eq, err := n.eq.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer eq.Release()
	l, err := n.args[0].eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	r, err := n.args[1].eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	eqb := eq.(*array.Boolean)
	rows := int(b.NumRows())
	out := newBoolOut(ec.mem, rows)
	for i := 0; i < rows; i++ {
		ln, rn := l.IsNull(i), r.IsNull(i)
		switch {
		case ln || rn:
			out.set(i, ln && rn)
		default:
			out.set(i, eqb.Value(i))
		}
	}
	return out.finish(), nil
}

// unaryBoolEval is NOT (three-valued), IS NULL and IS NOT NULL. They are vcube's loops because arrow-go's
// kernels for them ignore the offset of sliced arrays (and is_null panics on DECIMAL).
type unaryBoolEval struct {
	fn  string
	arg evaluator
}

func (u *unaryBoolEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	a, err := u.arg.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	n := a.Len()
	out := newBoolOut(ec.mem, n)
	switch u.fn {
	case "is_null", "is_not_null":
		want := u.fn == "is_null"
		for i := 0; i < n; i++ {
			out.set(i, a.IsNull(i) == want)
		}
	default:
		bo, ok := a.(*array.Boolean)
		if !ok {
			out.release()
			return nil, fmt.Errorf("NOT over %s", a.DataType())
		}
		for i := 0; i < n; i++ {
			if bo.IsNull(i) {
				out.setNull(i)
				continue
			}
			out.set(i, !bo.Value(i))
		}
	}
	return out.finish(), nil
}

// evalBool evaluates a boolean expression (the binder guarantees the type); NULL literals become NULL booleans.
func evalBool(ec *evalCtx, ev evaluator, b arrow.RecordBatch) (*array.Boolean, error) {
	a, err := ev.eval(ec, b)
	if err != nil {
		return nil, err
	}
	if bo, ok := a.(*array.Boolean); ok {
		return bo, nil
	}
	defer a.Release()
	if a.DataType().ID() == arrow.NULL {
		out := newBoolOut(ec.mem, a.Len())
		for i := 0; i < a.Len(); i++ {
			out.setNull(i)
		}
		return out.finish().(*array.Boolean), nil
	}
	return nil, fmt.Errorf("predicate is %s, not boolean", a.DataType())
}
