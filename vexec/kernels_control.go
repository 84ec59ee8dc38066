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
		// MySQL evaluates an argument only for the rows the ones before it left NULL: an error in another row
		// is not the query's.
		return c.lazy(ec, b)
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

// caseEval is CASE (and IF): arguments are condition, value pairs and an optional ELSE value; a row takes the
// value of its first true condition (NULL counts as false), else the ELSE value or NULL. Every argument is
// evaluated over the whole batch; when one fails, the batch is evaluated again branch by branch over only the
// rows each branch decides (lazy), as MySQL evaluates CASE row by row, so that an error in a branch no row
// takes (CASE WHEN x < 100 THEN x + 1 ELSE x END at the BIGINT limit) is not the query's.
type caseEval struct {
	args []evaluator
	t    sqltype.Type
}

func (c *caseEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	arrs, err := evalArgs(ec, c.args, b)
	if err != nil {
		return c.lazy(ec, b)
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

// lazy evaluates CASE branch by branch: each condition over the rows no earlier condition took, each value over
// the rows its condition took, ELSE over the rest.
func (c *caseEval) lazy(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	open, choice := lazyRows(int(b.NumRows()))
	var values []arrow.Array
	defer func() { releaseAll(values) }()
	take := func(e evaluator, rows []int32) error {
		v, err := evalOn(ec, e, b, rows)
		if err != nil {
			return err
		}
		values = append(values, v)
		for _, r := range rows {
			choice[r] = int32(len(values) - 1)
		}
		return nil
	}
	for p := 0; p+1 < len(c.args) && len(open) > 0; p += 2 {
		cond, err := evalSubset(ec, c.args[p], b, open)
		if err != nil {
			return nil, err
		}
		var hit, rest []int32
		bools, _ := cond.(*array.Boolean) // a NULL literal condition never matches
		for k, r := range open {
			if bools != nil && bools.IsValid(k) && bools.Value(k) {
				hit = append(hit, r)
			} else {
				rest = append(rest, r)
			}
		}
		cond.Release()
		if len(hit) > 0 {
			if err := take(c.args[p+1], hit); err != nil {
				return nil, err
			}
		}
		open = rest
	}
	if len(c.args)%2 == 1 && len(open) > 0 {
		if err := take(c.args[len(c.args)-1], open); err != nil {
			return nil, err
		}
	}
	return pick(ec.mem, c.t, choice, values), nil
}

// lazy evaluates COALESCE argument by argument, each over the rows the ones before it left NULL.
func (c *coalesceEval) lazy(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	open, choice := lazyRows(int(b.NumRows()))
	var values []arrow.Array
	defer func() { releaseAll(values) }()
	for _, arg := range c.args {
		if len(open) == 0 {
			break
		}
		v, err := evalOn(ec, arg, b, open)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		var rest []int32
		for _, r := range open {
			if v.IsValid(int(r)) {
				choice[r] = int32(len(values) - 1)
			} else {
				rest = append(rest, r)
			}
		}
		open = rest
	}
	return pick(ec.mem, c.t, choice, values), nil
}

// lazyRows starts a lazy evaluation of n rows: all of them still open (undecided), none with a chosen value.
func lazyRows(n int) (open, choice []int32) {
	open, choice = make([]int32, n), make([]int32, n)
	for i := range open {
		open[i], choice[i] = int32(i), -1
	}
	return open, choice
}

// evalSubset evaluates e over rows of b (ascending); the result has one value per row asked for.
func evalSubset(ec *evalCtx, e evaluator, b arrow.RecordBatch, rows []int32) (arrow.Array, error) {
	if len(rows) == int(b.NumRows()) {
		return e.eval(ec, b) // all of them, in order
	}
	sub, err := takeRows(ec, b, rows)
	if err != nil {
		return nil, err
	}
	defer sub.Release()
	return e.eval(ec, sub)
}

// evalOn evaluates e over rows of b (ascending) and returns b's length of values: e's at those rows, NULL
// elsewhere.
func evalOn(ec *evalCtx, e evaluator, b arrow.RecordBatch, rows []int32) (arrow.Array, error) {
	n := int(b.NumRows())
	if len(rows) == n {
		return e.eval(ec, b)
	}
	v, err := evalSubset(ec, e, b, rows)
	if err != nil {
		return nil, err
	}
	defer v.Release()
	pos := make([]int32, n)
	for i := range pos {
		pos[i] = -1
	}
	for k, r := range rows {
		pos[r] = int32(k)
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: v.DataType(), Nullable: true}}, nil)
	one := array.NewRecordBatch(schema, []arrow.Array{v}, int64(v.Len()))
	defer one.Release()
	out, err := takeRows(ec, one, pos)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	col := out.Column(0)
	col.Retain()
	return col, nil
}
