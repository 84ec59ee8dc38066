package vexec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

var controlKernels = map[string]kernelCompiler{
	"coalesce": func(c *planner.Call, args []evaluator) (evaluator, error) {
		return &coalesceEval{args: args, t: c.T}, nil
	},
	"case": func(c *planner.Call, args []evaluator) (evaluator, error) {
		return &caseEval{args: args, t: c.T}, nil
	},
}

// coalesceEval returns the first non-NULL argument per row; the binder casts all arguments to the result type.
type coalesceEval struct {
	args []evaluator
	t    sqltype.Type
}

func (c *coalesceEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	arrs, err := evalArgs(ec, c.args, b)
	if err != nil {
		return nil, err
	}
	defer releaseAll(arrs)
	choice := make([]int32, b.NumRows())
	for i := range choice {
		choice[i] = -1
	}
	// Fill from the last argument to the first, so the first non-NULL one is what stays.
	for j := len(arrs) - 1; j >= 0; j-- {
		a := arrs[j]
		if a.NullN() == 0 {
			for i := range choice {
				choice[i] = int32(j)
			}
			continue
		}
		for i := range choice {
			if a.IsValid(i) {
				choice[i] = int32(j)
			}
		}
	}
	return pick(ec.mem, c.t, choice, arrs), nil
}

// caseEval is CASE: arguments are condition, value pairs and an optional ELSE value; a row takes the value of
// its first true condition (NULL counts as false), else the ELSE value or NULL. Every argument is evaluated over
// the whole batch.
type caseEval struct {
	args []evaluator
	t    sqltype.Type
}

func (c *caseEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	arrs, err := evalArgs(ec, c.args, b)
	if err != nil {
		return nil, err
	}
	defer releaseAll(arrs)
	pairs := len(arrs) / 2
	values := make([]arrow.Array, 0, pairs+1)
	for p := 0; p < pairs; p++ {
		values = append(values, arrs[2*p+1])
	}
	def := int32(-1)
	if len(arrs)%2 == 1 {
		values = append(values, arrs[len(arrs)-1])
		def = int32(pairs)
	}
	choice := make([]int32, b.NumRows())
	for i := range choice {
		choice[i] = def
	}
	for p := pairs - 1; p >= 0; p-- {
		cond, ok := arrs[2*p].(*array.Boolean)
		if !ok { // a NULL literal condition never matches
			continue
		}
		for i := range choice {
			if cond.IsValid(i) && cond.Value(i) {
				choice[i] = int32(p)
			}
		}
	}
	return pick(ec.mem, c.t, choice, values), nil
}
