package sqlfront

import (
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Control-flow functions: COALESCE, IFNULL, IF, NULLIF, and CASE (bound from its own syntax). They compile to
// "coalesce" and "case" calls; a "case" call's arguments are condition, value pairs and an optional ELSE value,
// all values cast to the result type.
var controlFunctions = map[string]scalarFunction{
	"coalesce": {minArgs: 1, maxArgs: -1, bind: bindCoalesce},
	"ifnull":   {minArgs: 2, maxArgs: 2, bind: bindCoalesce},
	"if": {minArgs: 3, maxArgs: 3, bind: func(_ string, args []planner.Expr) (planner.Expr, error) {
		return caseCall([]planner.Expr{toBool(args[0])}, args[1:2], args[2]), nil
	}},
	"nullif": {minArgs: 2, maxArgs: 2, bind: func(_ string, args []planner.Expr) (planner.Expr, error) {
		t := args[0].Type()
		if t.Kind == sqltype.KindNull {
			return args[0], nil
		}
		eq := compareCall("=", args[0], args[1])
		return &planner.Call{Func: "case", Args: []planner.Expr{eq, &planner.Literal{T: t}, args[0]}, T: t}, nil
	}},
}

func bindCoalesce(_ string, args []planner.Expr) (planner.Expr, error) {
	t := args[0].Type()
	for _, a := range args[1:] {
		t = unionType(t, a.Type())
	}
	cast := make([]planner.Expr, len(args))
	for i := range args {
		cast[i] = castTo(args[i], t)
	}
	return &planner.Call{Func: "coalesce", Args: cast, T: t}, nil
}

// compareCall is the comparison op of l and r with MySQL's coercions, unfolded.
func compareCall(op string, l, r planner.Expr) planner.Expr {
	l, r = shown(l), shown(r)
	t := comparisonType(l.Type(), r.Type())
	return &planner.Call{Func: op, Args: []planner.Expr{castTo(l, t), castTo(r, t)}, T: sqltype.Boolean}
}

// caseCall builds the "case" call of conditions and their values, with els (nil: NULL) for no match.
func caseCall(conds, vals []planner.Expr, els planner.Expr) planner.Expr {
	t := sqltype.Null
	for _, v := range vals {
		t = unionType(t, v.Type())
	}
	if els != nil {
		t = unionType(t, els.Type())
	}
	if t.Kind == sqltype.KindNull {
		return &planner.Literal{T: sqltype.Null}
	}
	var args []planner.Expr
	for i := range conds {
		args = append(args, conds[i], castTo(vals[i], t))
	}
	if els != nil {
		args = append(args, castTo(els, t))
	}
	return &planner.Call{Func: "case", Args: args, T: t}
}

// caseExpr binds both forms of CASE: searched (WHEN condition) and simple (CASE x WHEN value, compared with =).
func (b *exprBinder) caseExpr(n *sqlparser.CaseExpr) (planner.Expr, error) {
	var conds, vals []planner.Expr
	for _, w := range n.Whens {
		cond := w.Cond
		if n.Expr != nil {
			cond = &sqlparser.ComparisonExpr{Operator: sqlparser.EqualOp, Left: n.Expr, Right: w.Cond}
		}
		c, err := b.bind(cond)
		if err != nil {
			return nil, err
		}
		v, err := b.bind(w.Val)
		if err != nil {
			return nil, err
		}
		conds, vals = append(conds, toBool(c)), append(vals, v)
	}
	var els planner.Expr
	if n.Else != nil {
		e, err := b.bind(n.Else)
		if err != nil {
			return nil, err
		}
		els = e
	}
	return b.fold(caseCall(conds, vals, els))
}
