package vexec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Scalar functions compile through one registry, family by family (strings, math, time, control flow), each in
// its own file, keyed by the planner.Call's Func name as sqlfront binds it.

// kernelCompiler compiles a call of one function, whose arguments are already compiled, into an evaluator.
type kernelCompiler func(c *planner.Call, args []evaluator) (evaluator, error)

var kernelFamilies = []map[string]kernelCompiler{stringKernels, mathKernels, timeKernels, controlKernels}

func lookupKernel(name string) (kernelCompiler, bool) {
	for _, fam := range kernelFamilies {
		if k, ok := fam[name]; ok {
			return k, true
		}
	}
	return nil, false
}

// evalArgs evaluates every argument over b; the caller releases the arrays (releaseAll).
func evalArgs(ec *evalCtx, args []evaluator, b arrow.RecordBatch) ([]arrow.Array, error) {
	out := make([]arrow.Array, 0, len(args))
	for _, a := range args {
		arr, err := a.eval(ec, b)
		if err != nil {
			releaseAll(out)
			return nil, err
		}
		out = append(out, arr)
	}
	return out, nil
}

func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// pick builds an array of type t whose row i is row i of from[choice[i]], or NULL where choice[i] < 0; every
// array of from is of type t. It runs one typed loop per kind.
func pick(mem memory.Allocator, t sqltype.Type, choice []int32, from []arrow.Array) arrow.Array {
	n := len(choice)
	switch t.Kind {
	case sqltype.KindInt, sqltype.KindTimestamp:
		out := newInt64Out(mem, t.Arrow(), n)
		vals := make([][]int64, len(from))
		for j, a := range from {
			vals[j] = int64Values(a)
		}
		pickFixed(out, choice, from, vals)
		return out.finish()
	case sqltype.KindFloat:
		out := newFloat64Out(mem, n)
		vals := make([][]float64, len(from))
		for j, a := range from {
			vals[j] = a.(*array.Float64).Float64Values()
		}
		pickFixed(out, choice, from, vals)
		return out.finish()
	case sqltype.KindDecimal:
		out := newDecimalOut(mem, t.Arrow(), n)
		vals := make([][]decimal128.Num, len(from))
		for j, a := range from {
			vals[j] = a.(*array.Decimal128).Values()
		}
		pickFixed(out, choice, from, vals)
		return out.finish()
	case sqltype.KindBool:
		out := newBoolOut(mem, n)
		for i, c := range choice {
			if c < 0 || from[c].IsNull(i) {
				out.setNull(i)
				continue
			}
			out.set(i, from[c].(*array.Boolean).Value(i))
		}
		return out.finish()
	case sqltype.KindString:
		bld := array.NewStringBuilder(mem)
		defer bld.Release()
		bld.Reserve(n)
		for i, c := range choice {
			if c < 0 || from[c].IsNull(i) {
				bld.AppendNull()
				continue
			}
			bld.Append(from[c].(*array.String).Value(i))
		}
		return bld.NewArray()
	}
	// KindNull: every row NULL.
	return array.NewNull(n)
}

func pickFixed[T any](out *fixedOut[T], choice []int32, from []arrow.Array, vals [][]T) {
	for i, c := range choice {
		if c < 0 || from[c].IsNull(i) {
			out.setNull(i)
			continue
		}
		out.vals[i] = vals[c][i]
	}
}
