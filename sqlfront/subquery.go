package sqlfront

import (
	"context"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/vexec"
)

// Subqueries in expressions (scalar, IN and EXISTS) that do not refer to the outer query run once, while the
// outer query is planned, on the same snapshot: their answer becomes constants of the outer plan. A subquery
// that names a column of the outer query fails to bind (correlated subqueries are not supported).

// maxSubqueryRows bounds the values an IN subquery may return, which all become one constant set.
const maxSubqueryRows = 1 << 20

type subqueryKey struct{}

// subqueryEnv is what a statement's subqueries run with.
type subqueryEnv struct {
	e    *Engine
	sess *Session
	snap *etcdmeta.Snapshot
}

func withSubqueries(ctx context.Context, env *subqueryEnv) context.Context {
	return context.WithValue(ctx, subqueryKey{}, env)
}

// runSubquery plans and runs a subquery, returning its columns and rows (values as internal/sqltype holds them).
func runSubquery(ctx context.Context, sub *sqlparser.Subquery, maxRows int) ([]planner.Field, [][]any, error) {
	env, _ := ctx.Value(subqueryKey{}).(*subqueryEnv)
	if env == nil {
		return nil, nil, notSupported("subqueries here")
	}
	plan, err := env.e.bindQuery(ctx, env.sess, env.snap, sub.Select)
	if err != nil {
		return nil, nil, err
	}
	planner.Number(plan)
	batches, _, err := vexec.Run(ctx, plan, env.e.execConfig())
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	var rows [][]any
	for _, b := range batches {
		for i := 0; i < int(b.NumRows()); i++ {
			if len(rows) == maxRows {
				if maxRows == 1 {
					return nil, nil, sqlerr.New(sqlerr.SubqueryNo1Row, "Subquery returns more than 1 row")
				}
				return nil, nil, sqlerr.New(sqlerr.NotSupportedYet, "an IN subquery of more than %d rows", maxRows)
			}
			row := make([]any, b.NumCols())
			for c := range row {
				row[c] = sqltype.ValueAt(b.Column(c), i)
			}
			rows = append(rows, row)
		}
	}
	note(ctx, "subquery", "(%s) does not refer to the outer query: ran once, %d row(s), bound as constants", sqlparser.String(sub.Select), len(rows))
	return plan.Fields(), rows, nil
}

// scalarSubquery binds (SELECT ...) used as a value: one column, at most one row (none is NULL).
func (b *exprBinder) scalarSubquery(sub *sqlparser.Subquery) (planner.Expr, error) {
	fields, rows, err := runSubquery(b.ctx, sub, 1)
	if err != nil {
		return nil, err
	}
	if len(fields) != 1 {
		return nil, sqlerr.New(sqlerr.OperandColumns, "Operand should contain 1 column(s)")
	}
	if len(rows) == 0 {
		return &planner.Literal{T: fields[0].Type}, nil
	}
	return &planner.Literal{T: fields[0].Type, Value: rows[0][0]}, nil
}

// inSubquery binds x [NOT] IN (SELECT ...) as x [NOT] IN (its values).
func (b *exprBinder) inSubquery(n *sqlparser.ComparisonExpr, sub *sqlparser.Subquery) (planner.Expr, error) {
	x, err := b.bind(n.Left)
	if err != nil {
		return nil, err
	}
	fields, rows, err := runSubquery(b.ctx, sub, maxSubqueryRows)
	if err != nil {
		return nil, err
	}
	if len(fields) != 1 {
		return nil, sqlerr.New(sqlerr.OperandColumns, "Operand should contain 1 column(s)")
	}
	x = shown(x)
	t := comparisonType(x.Type(), fields[0].Type.Shown())
	args := []planner.Expr{castTo(x, t)}
	for _, r := range rows {
		args = append(args, castTo(shown(&planner.Literal{T: fields[0].Type, Value: r[0]}), t))
	}
	if len(rows) == 0 {
		// Nothing is IN an empty set, not even NULL: IN is false, NOT IN true.
		return &planner.Literal{T: sqltype.Boolean, Value: n.Operator == sqlparser.NotInOp}, nil
	}
	for i, a := range args[1:] {
		if c, ok := a.(*planner.Call); ok {
			folded, err := b.fold(c)
			if err != nil {
				return nil, err
			}
			args[i+1] = folded
		}
	}
	return b.fold(&planner.Call{Func: "in", Args: args, T: sqltype.Boolean, Negate: n.Operator == sqlparser.NotInOp})
}

// exists binds [NOT] EXISTS (SELECT ...).
func (b *exprBinder) exists(n *sqlparser.ExistsExpr) (planner.Expr, error) {
	_, rows, err := runSubquery(b.ctx, n.Subquery, maxSubqueryRows)
	if err != nil {
		return nil, err
	}
	return &planner.Literal{T: sqltype.Boolean, Value: len(rows) > 0}, nil
}

// containsAggregation reports whether e uses an aggregate function of the query it belongs to: aggregates
// inside its subqueries belong to them.
func containsAggregation(ctx context.Context, e sqlparser.SQLNode) bool {
	found := false
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		switch n := n.(type) {
		case *sqlparser.Subquery:
			return false, nil
		case sqlparser.AggrFunc:
			found = true
			return false, nil
		case *sqlparser.FuncExpr:
			if _, ok := measureOf(ctx, n.Name.String()); ok {
				found = true
				return false, nil
			}
		}
		return !found, nil
	}, e)
	return found
}
