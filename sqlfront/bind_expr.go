package sqlfront

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/vexec"
)

// scope is what column names resolve against: the columns of every relation in FROM, one after another.
type scope struct {
	fields []planner.Field
	rels   []scopeRel
	// hidden are columns that JOIN ... USING or NATURAL JOIN merged into another: unqualified names and * skip
	// them. starOrder, when set, is the order of an unqualified * (merged columns first).
	hidden    []int
	starOrder []int
}

// scopeRel is one relation of FROM: a table (schema and table set) or a derived table, and its columns'
// positions [start, end) in the scope.
type scopeRel struct {
	schema, table string
	alias         string // the name the query calls it by (its alias, or its name)
	start, end    int
}

// singleScope is the scope of one relation.
func singleScope(schema, table, alias string, fields []planner.Field) *scope {
	return &scope{fields: fields, rels: []scopeRel{{schema: schema, table: table, alias: alias, end: len(fields)}}}
}

// relOf is the alias of the relation whose column is at pos.
func (s *scope) relOf(pos int) string {
	for _, r := range s.rels {
		if pos >= r.start && pos < r.end {
			return r.alias
		}
	}
	return ""
}

// index returns the position of the column named name (in any case), or -1.
func (s *scope) index(name string) int {
	for i, f := range s.fields {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

func (s *scope) resolve(col *sqlparser.ColName, clause string) (*planner.ColumnRef, error) {
	name := col.Name.String()
	unknown := func() error {
		full := name
		if q := sqlparser.String(col.Qualifier); q != "" {
			full = col.Qualifier.Name.String() + "." + name
			if col.Qualifier.Qualifier.String() != "" {
				full = col.Qualifier.Qualifier.String() + "." + full
			}
		}
		return sqlerr.New(sqlerr.BadField, "Unknown column '%s' in '%s'", full, clause)
	}
	if s == nil {
		return nil, unknown()
	}
	q := col.Qualifier
	found := -1
	for _, rel := range s.rels {
		if !q.IsEmpty() {
			if q.Name.String() != rel.alias {
				continue
			}
			if db := q.Qualifier.String(); db != "" && (db != rel.schema || rel.alias != rel.table) {
				continue
			}
		}
		for i := rel.start; i < rel.end; i++ {
			if !strings.EqualFold(s.fields[i].Name, name) || q.IsEmpty() && slices.Contains(s.hidden, i) {
				continue
			}
			if found >= 0 {
				return nil, sqlerr.New(sqlerr.NonUniq, "Column '%s' in %s is ambiguous", name, clause)
			}
			found = i
			break
		}
	}
	if found < 0 {
		return nil, unknown()
	}
	f := s.fields[found]
	return &planner.ColumnRef{Index: found, Name: f.Name, T: f.Type}, nil
}

// aggScope is in force above a GROUP BY: expressions may use the group keys and aggregates, which become columns
// of the Aggregate node's output (keys first, then aggregates in order of first use).
type aggScope struct {
	groups []planner.Expr // bound against the table
	aggs   []*planner.AggCall
}

// exprBinder binds one clause's expressions.
type exprBinder struct {
	ctx    context.Context
	scope  *scope
	agg    *aggScope // nil below the aggregate
	clause string    // for messages: "field list", "where clause", "group statement", "having clause", "order clause"
	// aliases lets HAVING name select-list aliases: a name found here binds as the aliased expression.
	aliases map[string]sqlparser.Expr
}

func (b *exprBinder) bind(e sqlparser.Expr) (planner.Expr, error) {
	if b.agg != nil {
		return b.bindAbove(e)
	}
	return b.bindNode(e)
}

// bindAbove binds an expression over the aggregate's output: a group key or an aggregate becomes a column
// reference; a column that is neither is MySQL's ONLY_FULL_GROUP_BY error.
func (b *exprBinder) bindAbove(e sqlparser.Expr) (planner.Expr, error) {
	if col, ok := e.(*sqlparser.ColName); ok && b.aliases != nil && col.Qualifier.IsEmpty() {
		if aliased, ok := b.aliases[strings.ToLower(col.Name.String())]; ok {
			inner := *b
			inner.aliases = nil
			return inner.bindAbove(aliased)
		}
	}
	if isAggregate(b.ctx, e) {
		return b.bindAggregate(e)
	}
	if _, isLit := e.(*sqlparser.Literal); !isLit && !containsAggregation(b.ctx, e) {
		below := &exprBinder{ctx: b.ctx, scope: b.scope, clause: b.clause}
		if bound, err := below.bindNode(e); err == nil {
			key, shownKey := exprKey(bound), exprKey(shown(bound))
			for i, g := range b.agg.groups {
				if k := exprKey(g); k == key || k == shownKey {
					return &planner.ColumnRef{Index: i, Name: bound.String(), T: g.Type()}, nil
				}
			}
			if col, ok := e.(*sqlparser.ColName); ok {
				return nil, sqlerr.New(sqlerr.WrongFieldGroup, "'%s' isn't in GROUP BY", sqlparser.String(col))
			}
		}
	}
	return b.bindNode(e)
}

func isAggregate(ctx context.Context, e sqlparser.Expr) bool {
	switch e := e.(type) {
	case *sqlparser.CountStar, *sqlparser.Count, *sqlparser.Sum, *sqlparser.Min, *sqlparser.Max, *sqlparser.Avg,
		*sqlparser.Std, *sqlparser.StdDev, *sqlparser.StdPop, *sqlparser.StdSamp, *sqlparser.VarPop, *sqlparser.VarSamp,
		*sqlparser.Variance:
		return true
	case *sqlparser.FuncExpr:
		_, ok := measureOf(ctx, e.Name.String())
		return ok
	}
	return false
}

func (b *exprBinder) bindAggregate(e sqlparser.Expr) (planner.Expr, error) {
	if b.agg == nil {
		return nil, sqlerr.New(sqlerr.InvalidGroupFunc, "Invalid use of group function")
	}
	var fn string
	var arg sqlparser.Expr
	distinct := false
	switch a := e.(type) {
	case *sqlparser.CountStar:
		fn = "count"
	case *sqlparser.Count:
		fn, distinct = "count", a.Distinct
		if len(a.Args) != 1 {
			return nil, notSupported("COUNT over several expressions")
		}
		arg = a.Args[0]
	case *sqlparser.Sum:
		fn, arg, distinct = "sum", a.Arg, a.Distinct
	case *sqlparser.Min:
		fn, arg = "min", a.Arg
	case *sqlparser.Max:
		fn, arg = "max", a.Arg
	case *sqlparser.Avg:
		fn, arg, distinct = "avg", a.Arg, a.Distinct
	case *sqlparser.FuncExpr:
		return b.bindMeasure(a)
	default:
		var over *sqlparser.OverClause
		fn, arg, over = varianceOf(e)
		if over != nil {
			return nil, notSupported("window functions (" + strings.ToUpper(fn) + " ... OVER)")
		}
	}
	// MIN and MAX of distinct values are MIN and MAX.
	call := &planner.AggCall{Func: fn, T: sqltype.BigInt, Distinct: distinct && fn != "min" && fn != "max"}
	if arg != nil {
		if containsAggregation(b.ctx, arg) {
			return nil, sqlerr.New(sqlerr.InvalidGroupFunc, "Invalid use of group function")
		}
		below := &exprBinder{ctx: b.ctx, scope: b.scope, clause: b.clause}
		bound, err := below.bindNode(arg)
		if err != nil {
			return nil, err
		}
		call.Arg, call.T = aggregateTypes(fn, bound)
	}
	key := exprKey(call)
	i := slices.IndexFunc(b.agg.aggs, func(a *planner.AggCall) bool { return exprKey(a) == key })
	if i < 0 {
		b.agg.aggs = append(b.agg.aggs, call)
		i = len(b.agg.aggs) - 1
	}
	return &planner.ColumnRef{Index: len(b.agg.groups) + i, Name: call.String(), T: b.agg.aggs[i].T}, nil
}

// bindMeasure binds a call of a plugin measure: an aggregate like SUM, whose states the plugin keeps.
func (b *exprBinder) bindMeasure(f *sqlparser.FuncExpr) (planner.Expr, error) {
	m, _ := measureOf(b.ctx, f.Name.String())
	if len(f.Exprs) != 1 || len(m.fn.Args) != 1 {
		return nil, sqlerr.New(sqlerr.WrongParamCount, "Incorrect parameter count in the call to '%s': it takes one argument (plugin %s declares %d)", m.fn.Name, m.plugin, len(m.fn.Args))
	}
	if containsAggregation(b.ctx, f.Exprs[0]) {
		return nil, sqlerr.New(sqlerr.InvalidGroupFunc, "Invalid use of group function")
	}
	below := &exprBinder{ctx: b.ctx, scope: b.scope, clause: b.clause}
	arg, err := below.bindNode(f.Exprs[0])
	if err != nil {
		return nil, err
	}
	want := m.fn.Args[0]
	switch at := arg.Type(); {
	case want.Kind == sqltype.KindDecimal && want.Precision == 0: // any DECIMAL
		if at.Kind != sqltype.KindDecimal {
			want = sqltype.Decimal(sqltype.MaxDecimalPrecision, 10)
			if isExact(at.Kind) {
				want = asDecimal(at)
			}
		} else {
			want = at.Shown()
		}
	case want.Kind == sqltype.KindString:
		want = sqltype.Text
	}
	call := &planner.AggCall{Func: m.fn.Name, Plugin: m.plugin, Arg: castTo(arg, want), T: m.fn.Returns}
	key := exprKey(call)
	i := slices.IndexFunc(b.agg.aggs, func(a *planner.AggCall) bool { return exprKey(a) == key })
	if i < 0 {
		b.agg.aggs = append(b.agg.aggs, call)
		i = len(b.agg.aggs) - 1
	}
	return &planner.ColumnRef{Index: len(b.agg.groups) + i, Name: call.String(), T: call.T}, nil
}

// varianceOf names the aggregate of a variance or standard deviation call, as the executor knows it (STD,
// STDDEV and STDDEV_POP are one function, VARIANCE and VAR_POP another), with its argument and window.
func varianceOf(e sqlparser.Expr) (string, sqlparser.Expr, *sqlparser.OverClause) {
	switch a := e.(type) {
	case *sqlparser.Std:
		return "stddev_pop", a.Arg, a.OverClause
	case *sqlparser.StdDev:
		return "stddev_pop", a.Arg, a.OverClause
	case *sqlparser.StdPop:
		return "stddev_pop", a.Arg, a.OverClause
	case *sqlparser.StdSamp:
		return "stddev_samp", a.Arg, a.OverClause
	case *sqlparser.VarPop:
		return "var_pop", a.Arg, a.OverClause
	case *sqlparser.Variance:
		return "var_pop", a.Arg, a.OverClause
	case *sqlparser.VarSamp:
		return "var_samp", a.Arg, a.OverClause
	}
	panic("sqlfront: " + sqlparser.String(e) + " is not an aggregate")
}

// aggregateTypes coerces an aggregate's argument and gives its result type, as MySQL types them (AVG of exact
// numbers is DECIMAL with four more digits of scale) except that SUM of integers is BIGINT (see docs/RATIONALE.md).
func aggregateTypes(fn string, arg planner.Expr) (planner.Expr, sqltype.Type) {
	t := arg.Type()
	switch fn {
	case "count":
		return arg, sqltype.BigInt
	case "sum":
		switch t.Kind {
		case sqltype.KindInt, sqltype.KindBool:
			return castTo(arg, sqltype.BigInt), sqltype.BigInt
		case sqltype.KindDecimal:
			sum := sqltype.Decimal(sqltype.MaxDecimalPrecision, t.Scale)
			sum.Extra = t.Extra
			return arg, sum
		}
		return castTo(arg, sqltype.Double), sqltype.Double
	case "avg":
		switch t.Kind {
		// The sum divided by the count, held and shown as the / operator holds and shows a quotient; an average
		// needs no more integer digits than its argument.
		case sqltype.KindInt, sqltype.KindBool:
			return castTo(arg, sqltype.BigInt), heldDecimal(19, sqltype.QuotientScale(0, 0), divPrecisionIncrement)
		case sqltype.KindDecimal:
			shown := min(t.ShownScale()+divPrecisionIncrement, sqltype.MaxDecimalScale)
			return arg, heldDecimal(t.Precision-t.Scale, sqltype.QuotientScale(t.Scale, 0), shown)
		}
		return castTo(arg, sqltype.Double), sqltype.Double
	case "var_pop", "var_samp", "stddev_pop", "stddev_samp":
		// MySQL computes variances in DOUBLE whatever the argument's type.
		return castTo(arg, sqltype.Double), sqltype.Double
	}
	// min, max
	if t.Kind == sqltype.KindNull {
		return castTo(arg, sqltype.BigInt), sqltype.BigInt
	}
	return arg, t
}

func (b *exprBinder) bindNode(e sqlparser.Expr) (planner.Expr, error) {
	switch n := e.(type) {
	case *sqlparser.Literal:
		return bindLiteral(n)
	case *sqlparser.NullVal:
		return &planner.Literal{T: sqltype.Null}, nil
	case sqlparser.BoolVal:
		return &planner.Literal{T: sqltype.Boolean, Value: bool(n)}, nil
	case *sqlparser.ColName:
		return b.scope.resolve(n, b.clause)
	case *sqlparser.Variable:
		return systemVariable(n)
	case *sqlparser.CountStar, *sqlparser.Count, *sqlparser.Sum, *sqlparser.Min, *sqlparser.Max, *sqlparser.Avg,
		*sqlparser.Std, *sqlparser.StdDev, *sqlparser.StdPop, *sqlparser.StdSamp, *sqlparser.VarPop, *sqlparser.VarSamp,
		*sqlparser.Variance:
		return b.bindAggregate(n)
	case *sqlparser.AndExpr:
		return b.logical("and", n.Left, n.Right)
	case *sqlparser.OrExpr:
		return b.logical("or", n.Left, n.Right)
	case *sqlparser.XorExpr:
		l, r, err := b.bindPair(n.Left, n.Right)
		if err != nil {
			return nil, err
		}
		return b.fold(&planner.Call{Func: "<>", Args: []planner.Expr{toBool(l), toBool(r)}, T: sqltype.Boolean})
	case *sqlparser.NotExpr:
		x, err := b.bind(n.Expr)
		if err != nil {
			return nil, err
		}
		return b.fold(&planner.Call{Func: "not", Args: []planner.Expr{toBool(x)}, T: sqltype.Boolean})
	case *sqlparser.ComparisonExpr:
		return b.comparison(n)
	case *sqlparser.BetweenExpr:
		return b.between(n)
	case *sqlparser.IsExpr:
		return b.is(n)
	case *sqlparser.BinaryExpr:
		return b.arithmetic(n)
	case *sqlparser.UnaryExpr:
		return b.unary(n)
	case *sqlparser.CastExpr:
		return b.cast(n.Expr, n.Type)
	case *sqlparser.ConvertExpr:
		return b.cast(n.Expr, n.Type)
	case *sqlparser.FuncExpr:
		return b.function(n)
	case *sqlparser.SubstrExpr, *sqlparser.TrimFuncExpr, *sqlparser.ExtractFuncExpr, *sqlparser.IntervalDateExpr,
		*sqlparser.CurTimeFuncExpr, *sqlparser.CaseExpr, *sqlparser.LocateExpr:
		return b.specialFunction(n)
	case sqlparser.ValTuple:
		return nil, sqlerr.New(sqlerr.OperandColumns, "Operand should contain 1 column(s)")
	case *sqlparser.Subquery:
		return b.scalarSubquery(n)
	case *sqlparser.ExistsExpr:
		return b.exists(n)
	case *sqlparser.IntroducerExpr:
		return b.bind(n.Expr)
	}
	return nil, notSupported(sqlparser.String(e))
}

func (b *exprBinder) bindPair(l, r sqlparser.Expr) (planner.Expr, planner.Expr, error) {
	le, err := b.bind(l)
	if err != nil {
		return nil, nil, err
	}
	re, err := b.bind(r)
	if err != nil {
		return nil, nil, err
	}
	return le, re, nil
}

func (b *exprBinder) logical(fn string, l, r sqlparser.Expr) (planner.Expr, error) {
	le, re, err := b.bindPair(l, r)
	if err != nil {
		return nil, err
	}
	return b.fold(&planner.Call{Func: fn, Args: []planner.Expr{toBool(le), toBool(re)}, T: sqltype.Boolean})
}

var comparisonOps = map[sqlparser.ComparisonExprOperator]string{
	sqlparser.EqualOp: "=", sqlparser.NotEqualOp: "<>", sqlparser.LessThanOp: "<", sqlparser.LessEqualOp: "<=",
	sqlparser.GreaterThanOp: ">", sqlparser.GreaterEqualOp: ">=", sqlparser.NullSafeEqualOp: "<=>",
}

func (b *exprBinder) comparison(n *sqlparser.ComparisonExpr) (planner.Expr, error) {
	if n.Modifier != 0 {
		return nil, notSupported("ANY / ALL")
	}
	switch n.Operator {
	case sqlparser.InOp, sqlparser.NotInOp:
		return b.in(n)
	case sqlparser.LikeOp, sqlparser.NotLikeOp:
		return b.like(n)
	}
	op, ok := comparisonOps[n.Operator]
	if !ok {
		return nil, notSupported(n.Operator.ToString())
	}
	l, r, err := b.bindPair(n.Left, n.Right)
	if err != nil {
		return nil, err
	}
	return b.compare(op, l, r)
}

func (b *exprBinder) compare(op string, l, r planner.Expr) (planner.Expr, error) {
	l, r = shown(l), shown(r)
	t := comparisonType(l.Type(), r.Type())
	return b.fold(&planner.Call{Func: op, Args: []planner.Expr{castTo(l, t), castTo(r, t)}, T: sqltype.Boolean})
}

func (b *exprBinder) in(n *sqlparser.ComparisonExpr) (planner.Expr, error) {
	if sub, ok := n.Right.(*sqlparser.Subquery); ok {
		return b.inSubquery(n, sub)
	}
	tuple, ok := n.Right.(sqlparser.ValTuple)
	if !ok {
		return nil, notSupported("IN over " + sqlparser.String(n.Right))
	}
	x, err := b.bind(n.Left)
	if err != nil {
		return nil, err
	}
	x = shown(x)
	items := make([]planner.Expr, len(tuple))
	t := x.Type()
	for i, it := range tuple {
		if items[i], err = b.bind(it); err != nil {
			return nil, err
		}
		items[i] = shown(items[i])
		t = comparisonType(t, items[i].Type())
	}
	args := []planner.Expr{castTo(x, t)}
	for _, it := range items {
		args = append(args, castTo(it, t))
	}
	return b.fold(&planner.Call{Func: "in", Args: args, T: sqltype.Boolean, Negate: n.Operator == sqlparser.NotInOp})
}

func (b *exprBinder) like(n *sqlparser.ComparisonExpr) (planner.Expr, error) {
	right, ilike := n.Right, false
	if c, ok := right.(*sqlparser.CollateExpr); ok && c.Collation == collateILike {
		right, ilike = c.Expr, true // ILIKE: LIKE over both sides in lower case
	}
	l, r, err := b.bindPair(n.Left, right)
	if err != nil {
		return nil, err
	}
	args := []planner.Expr{castTo(l, sqltype.Text), castTo(r, sqltype.Text)}
	if ilike {
		for i, a := range args {
			lower, err := b.callFunction("lower", []planner.Expr{a})
			if err != nil {
				return nil, err
			}
			args[i] = lower
		}
	}
	if n.Escape != nil {
		esc, err := b.bind(n.Escape)
		if err != nil {
			return nil, err
		}
		lit, ok := esc.(*planner.Literal)
		if !ok {
			return nil, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to ESCAPE")
		}
		args = append(args, lit)
	}
	return b.fold(&planner.Call{Func: "like", Args: args, T: sqltype.Boolean, Negate: n.Operator == sqlparser.NotLikeOp})
}

func (b *exprBinder) between(n *sqlparser.BetweenExpr) (planner.Expr, error) {
	x, err := b.bind(n.Left)
	if err != nil {
		return nil, err
	}
	lo, hi, err := b.bindPair(n.From, n.To)
	if err != nil {
		return nil, err
	}
	if n.IsBetween {
		ge, err := b.compare(">=", x, lo)
		if err != nil {
			return nil, err
		}
		le, err := b.compare("<=", x, hi)
		if err != nil {
			return nil, err
		}
		return b.fold(&planner.Call{Func: "and", Args: []planner.Expr{ge, le}, T: sqltype.Boolean})
	}
	lt, err := b.compare("<", x, lo)
	if err != nil {
		return nil, err
	}
	gt, err := b.compare(">", x, hi)
	if err != nil {
		return nil, err
	}
	return b.fold(&planner.Call{Func: "or", Args: []planner.Expr{lt, gt}, T: sqltype.Boolean})
}

func (b *exprBinder) is(n *sqlparser.IsExpr) (planner.Expr, error) {
	x, err := b.bind(n.Left)
	if err != nil {
		return nil, err
	}
	if x.Type().Kind == sqltype.KindNull {
		x = castTo(x, sqltype.BigInt) // kernels see typed NULLs only
	}
	f := sqltype.Boolean
	falseLit := &planner.Literal{T: f, Value: false}
	var out planner.Expr
	switch n.Right {
	case sqlparser.IsNullOp:
		out = &planner.Call{Func: "is_null", Args: []planner.Expr{x}, T: f}
	case sqlparser.IsNotNullOp:
		out = &planner.Call{Func: "is_not_null", Args: []planner.Expr{x}, T: f}
	case sqlparser.IsTrueOp, sqlparser.IsNotTrueOp:
		out = &planner.Call{Func: "coalesce", Args: []planner.Expr{toBool(x), falseLit}, T: f}
		if n.Right == sqlparser.IsNotTrueOp {
			out = &planner.Call{Func: "not", Args: []planner.Expr{out}, T: f}
		}
	case sqlparser.IsFalseOp, sqlparser.IsNotFalseOp:
		not := &planner.Call{Func: "not", Args: []planner.Expr{toBool(x)}, T: f}
		out = &planner.Call{Func: "coalesce", Args: []planner.Expr{not, falseLit}, T: f}
		if n.Right == sqlparser.IsNotFalseOp {
			out = &planner.Call{Func: "not", Args: []planner.Expr{out}, T: f}
		}
	}
	return b.fold(out)
}

var arithmeticOps = map[sqlparser.BinaryExprOperator]string{
	sqlparser.PlusOp: "+", sqlparser.MinusOp: "-", sqlparser.MultOp: "*", sqlparser.DivOp: "/",
	sqlparser.IntDivOp: "div", sqlparser.ModOp: "%",
}

func (b *exprBinder) arithmetic(n *sqlparser.BinaryExpr) (planner.Expr, error) {
	op, ok := arithmeticOps[n.Operator]
	if !ok {
		return nil, notSupported(n.Operator.ToString())
	}
	l, r, err := b.bindPair(n.Left, n.Right)
	if err != nil {
		return nil, err
	}
	operand, result := arithmeticTypes(op, l.Type(), r.Type())
	lt, rt := operand, operand
	if operand.Kind == sqltype.KindDecimal {
		// Exact operands keep their own scale: the kernels align them, which keeps digits MySQL keeps. Others
		// (DOUBLE and strings, under DIV) take the operand type's scale: 7.9e0 DIV 2 divides 7.9, not 8.
		if isExact(l.Type().Kind) {
			lt = asDecimal(l.Type())
		}
		if isExact(r.Type().Kind) {
			rt = asDecimal(r.Type())
		}
	}
	call := &planner.Call{Func: op, Args: []planner.Expr{castTo(l, lt), castTo(r, rt)}, T: result}
	if op == "div" && operand.Kind != sqltype.KindInt {
		call.T = sqltype.Decimal(sqltype.MaxDecimalPrecision, 0)
		return b.fold(castTo(call, sqltype.BigInt))
	}
	return b.fold(call)
}

func (b *exprBinder) unary(n *sqlparser.UnaryExpr) (planner.Expr, error) {
	x, err := b.bind(n.Expr)
	if err != nil {
		return nil, err
	}
	switch n.Operator {
	case sqlparser.UPlusOp:
		return x, nil
	case sqlparser.UMinusOp:
		if lit, ok := x.(*planner.Literal); ok && lit.T.Kind == sqltype.KindDecimal && lit.T.Scale == 0 {
			// -9223372036854775808 is the smallest BIGINT, as in MySQL, though its digits alone are a DECIMAL.
			if d, ok := lit.Value.(decimal128.Num); ok && d == decimal128.FromU64(1<<63) {
				return &planner.Literal{T: sqltype.BigInt, Value: int64(math.MinInt64)}, nil
			}
		}
		t := x.Type()
		switch t.Kind {
		case sqltype.KindInt, sqltype.KindBool:
			t = sqltype.BigInt
		case sqltype.KindDecimal:
		case sqltype.KindNull:
			return x, nil
		default:
			t = sqltype.Double
		}
		return b.fold(&planner.Call{Func: "neg", Args: []planner.Expr{castTo(x, t)}, T: t})
	case sqlparser.BangOp:
		return b.fold(&planner.Call{Func: "not", Args: []planner.Expr{toBool(x)}, T: sqltype.Boolean})
	}
	return nil, notSupported(n.Operator.ToString())
}

func (b *exprBinder) cast(e sqlparser.Expr, ct *sqlparser.ConvertType) (planner.Expr, error) {
	x, err := b.bind(e)
	if err != nil {
		return nil, err
	}
	var t sqltype.Type
	switch strings.ToLower(ct.Type) {
	case "signed", "signed integer", "integer", "int", "bigint":
		t = sqltype.BigInt
	case "decimal":
		var args []int
		if ct.Length != nil {
			args = append(args, *ct.Length)
			if ct.Scale != nil {
				args = append(args, *ct.Scale)
			}
		} else {
			args = []int{10, 0} // MySQL's CAST(x AS DECIMAL) is DECIMAL(10,0)
		}
		if t, err = sqltype.Declare("decimal", args...); err != nil {
			return nil, sqlerr.New(typeErrorCode(err), "%s", err)
		}
	case "char", "nchar", "varchar", "binary", "text":
		t = sqltype.Text
	case "datetime", "timestamp":
		t = sqltype.Timestamp
	case "double", "float", "real":
		t = sqltype.Double
	case "boolean", "bool":
		t = sqltype.Boolean
	default:
		return nil, notSupported("CAST AS " + strings.ToUpper(ct.Type))
	}
	if x.Type().Kind == sqltype.KindNull {
		return &planner.Literal{T: t}, nil
	}
	if t.Kind == sqltype.KindString {
		x = shown(x)
	}
	return b.fold(&planner.Call{Func: "cast", Args: []planner.Expr{x}, T: t})
}

// fold evaluates a call whose arguments are all constants once, at bind time, so kernels see literals.
func (b *exprBinder) fold(e planner.Expr) (planner.Expr, error) {
	c, ok := e.(*planner.Call)
	if !ok {
		return e, nil
	}
	for _, a := range c.Args {
		if _, lit := a.(*planner.Literal); !lit {
			return e, nil
		}
	}
	v, err := vexec.EvalConstant(b.ctx, c)
	if err != nil {
		// Left to run: its error is the query's only if a row needs the value (CASE WHEN TRUE THEN 1 ELSE
		// 9223372036854775807 + 1 END is 1, as in MySQL).
		return e, nil
	}
	return &planner.Literal{T: c.T, Value: v}, nil
}

// castTo converts an expression to t, if it is not of t already. Casts of literals are folded by the caller's
// fold, or here for bare literals.
func castTo(e planner.Expr, t sqltype.Type) planner.Expr {
	et := e.Type()
	if et.Kind == t.Kind && (t.Kind != sqltype.KindDecimal || et.Precision == t.Precision && et.Scale == t.Scale && et.Extra == t.Extra) {
		return e
	}
	if t.Kind == sqltype.KindString {
		e = shown(e) // CONCAT(1/3) is '0.3333'
	}
	if lit, ok := e.(*planner.Literal); ok {
		if lit.Value == nil {
			return &planner.Literal{T: t}
		}
		if v, err := vexec.EvalConstant(context.Background(), &planner.Call{Func: "cast", Args: []planner.Expr{e}, T: t}); err == nil {
			return &planner.Literal{T: t, Value: v}
		}
	}
	return &planner.Call{Func: "cast", Args: []planner.Expr{e}, T: t}
}

// shown rounds a DECIMAL that holds more digits than it shows to what it shows (sqltype.Type.Extra), as MySQL
// does where a value is compared or turned into text: 1/3 = 0.3333 is true.
func shown(e planner.Expr) planner.Expr {
	if e.Type().Extra == 0 {
		return e
	}
	return castTo(e, e.Type().Shown())
}

// toBool is MySQL's truth test: numbers are true when not zero, strings by their numeric value.
func toBool(e planner.Expr) planner.Expr { return castTo(e, sqltype.Boolean) }

// asDecimal is the exact type an operand takes in DECIMAL arithmetic.
func asDecimal(t sqltype.Type) sqltype.Type {
	switch t.Kind {
	case sqltype.KindDecimal:
		return t
	case sqltype.KindBool:
		return sqltype.Decimal(1, 0)
	}
	return sqltype.Decimal(19, 0)
}

func isExact(k sqltype.Kind) bool {
	return k == sqltype.KindInt || k == sqltype.KindBool || k == sqltype.KindDecimal || k == sqltype.KindNull
}

// arithmeticTypes gives the type operands are cast to and the result type of a binary arithmetic operator.
func arithmeticTypes(op string, a, b sqltype.Type) (operand, result sqltype.Type) {
	if a.Kind == sqltype.KindNull {
		a = b
	}
	if b.Kind == sqltype.KindNull {
		b = a
	}
	if a.Kind == sqltype.KindNull {
		a, b = sqltype.BigInt, sqltype.BigInt
	}
	if !isExact(a.Kind) || !isExact(b.Kind) {
		if op == "div" {
			return sqltype.Decimal(sqltype.MaxDecimalPrecision, 10), sqltype.BigInt
		}
		return sqltype.Double, sqltype.Double
	}
	if a.Kind != sqltype.KindDecimal && b.Kind != sqltype.KindDecimal && op != "/" {
		return sqltype.BigInt, sqltype.BigInt
	}
	// Digits are counted as values hold them (Scale) and as they show (ShownScale): see sqltype.Type.Extra.
	da, db := asDecimal(a), asDecimal(b)
	ia, ib := da.Precision-da.Scale, db.Precision-db.Scale
	sa, sb := da.ShownScale(), db.ShownScale()
	switch op {
	case "+", "-":
		return da, heldDecimal(max(ia, ib)+1, max(da.Scale, db.Scale), max(sa, sb))
	case "*":
		return da, heldDecimal(ia+ib, min(da.Scale+db.Scale, sqltype.MaxDecimalScale), min(sa+sb, sqltype.MaxDecimalScale))
	case "/":
		return da, heldDecimal(ia+db.Scale, sqltype.QuotientScale(da.Scale, db.Scale), min(sa+divPrecisionIncrement, sqltype.MaxDecimalScale))
	case "%":
		return da, heldDecimal(max(ia, ib), max(da.Scale, db.Scale), max(sa, sb))
	}
	return da, sqltype.BigInt // div
}

// divPrecisionIncrement is how many digits a quotient shows beyond its dividend's.
const divPrecisionIncrement = sqltype.DivPrecisionIncrement

// heldDecimal is the DECIMAL type of a result with intDigits integer digits that holds held digits after the
// point and shows shown of them. When they do not fit in 38 digits, integer digits give way first, down to the 19
// of a BIGINT (values that need more overflow, with an error), then held digits beyond the shown ones.
func heldDecimal(intDigits, held, shown int) sqltype.Type {
	const maxP = sqltype.MaxDecimalPrecision
	if intDigits+held > maxP {
		intDigits = max(maxP-held, min(intDigits, 19))
		held = max(shown, min(held, maxP-intDigits))
	}
	t := sqltype.Decimal(max(min(intDigits+held, maxP), 1), held)
	t.Extra = held - shown
	return t
}

// comparisonType is the type both sides of a comparison are cast to, following MySQL: numbers compare as exact
// numbers when both are exact, strings with numbers compare as doubles, timestamps with strings as timestamps.
func comparisonType(a, b sqltype.Type) sqltype.Type {
	if a.Kind == sqltype.KindNull {
		a = b
	}
	if b.Kind == sqltype.KindNull {
		b = a
	}
	switch {
	case a.Kind == sqltype.KindNull:
		return sqltype.BigInt
	case a.Kind == b.Kind && a.Kind != sqltype.KindDecimal:
		switch a.Kind {
		case sqltype.KindInt:
			return sqltype.BigInt
		case sqltype.KindString:
			return sqltype.Text
		case sqltype.KindFloat:
			return sqltype.Double
		}
		return a
	case a.Kind == sqltype.KindTimestamp && b.Kind == sqltype.KindString,
		b.Kind == sqltype.KindTimestamp && a.Kind == sqltype.KindString:
		return sqltype.Timestamp
	case (a.Kind == sqltype.KindInt || a.Kind == sqltype.KindBool) && (b.Kind == sqltype.KindInt || b.Kind == sqltype.KindBool):
		return sqltype.BigInt
	case isExact(a.Kind) && isExact(b.Kind):
		// Compared as shown: MySQL compares 1/3 (holding 0.333333333) equal to 0.3333.
		da, db := asDecimal(a), asDecimal(b)
		s := max(da.ShownScale(), db.ShownScale())
		i := max(da.Precision-da.Scale, db.Precision-db.Scale)
		if i+s <= sqltype.MaxDecimalPrecision {
			return sqltype.Decimal(i+s, s)
		}
	}
	return sqltype.Double
}

// unionType is the type of a value that may come from either of two expressions (COALESCE and the like).
func unionType(a, b sqltype.Type) sqltype.Type {
	switch {
	case a.Kind == sqltype.KindNull:
		return b
	case b.Kind == sqltype.KindNull:
		return a
	case a.Kind == b.Kind && a.Kind != sqltype.KindDecimal:
		if a.Kind == sqltype.KindInt {
			return sqltype.BigInt
		}
		if a.Kind == sqltype.KindString {
			return sqltype.Text
		}
		return a
	case isExact(a.Kind) && isExact(b.Kind):
		if a.Kind != sqltype.KindDecimal && b.Kind != sqltype.KindDecimal {
			return sqltype.BigInt
		}
		// A value passed on keeps the digits it holds: COALESCE(1/3)*3 is 1.0000, as (1/3)*3.
		da, db := asDecimal(a), asDecimal(b)
		i := max(da.Precision-da.Scale, db.Precision-db.Scale)
		s := max(da.ShownScale(), db.ShownScale())
		if i+s > sqltype.MaxDecimalPrecision {
			return sqltype.Double
		}
		return heldDecimal(i, max(da.Scale, db.Scale), s)
	case a.IsNumeric() && b.IsNumeric():
		return sqltype.Double
	}
	return sqltype.Text
}

// bindLiteral types a literal as MySQL does: 12 is BIGINT (DECIMAL past 64 bits), 1.50 is DECIMAL(3,2), 1e3 is
// DOUBLE, 'x' is text, TIMESTAMP '...' and DATE '...' are timestamps.
func bindLiteral(l *sqlparser.Literal) (planner.Expr, error) {
	switch l.Type {
	case sqlparser.StrVal:
		return &planner.Literal{T: sqltype.Text, Value: l.Val}, nil
	case sqlparser.IntVal:
		if v, err := strconv.ParseInt(l.Val, 10, 64); err == nil {
			return &planner.Literal{T: sqltype.BigInt, Value: v}, nil
		}
		digits := len(strings.TrimLeft(l.Val, "0"))
		if digits > sqltype.MaxDecimalPrecision {
			return &planner.Literal{T: sqltype.Double, Value: mustFloat(l.Val)}, nil
		}
		d, err := sqltype.ParseDecimal(l.Val, digits, 0)
		if err != nil {
			return nil, sqlerr.New(sqlerr.Parse, "bad number %s", l.Val)
		}
		return &planner.Literal{T: sqltype.Decimal(digits, 0), Value: d}, nil
	case sqlparser.DecimalVal:
		intPart, frac, _ := strings.Cut(l.Val, ".")
		intDigits := len(strings.TrimLeft(intPart, "0"))
		scale := len(frac)
		if intDigits+scale > sqltype.MaxDecimalPrecision || scale > sqltype.MaxDecimalScale {
			return &planner.Literal{T: sqltype.Double, Value: mustFloat(l.Val)}, nil
		}
		p := max(intDigits+scale, 1)
		d, err := sqltype.ParseDecimal(l.Val, p, scale)
		if err != nil {
			return nil, sqlerr.New(sqlerr.Parse, "bad number %s", l.Val)
		}
		return &planner.Literal{T: sqltype.Decimal(p, scale), Value: d}, nil
	case sqlparser.FloatVal:
		f, err := sqltype.ParseFloat(l.Val)
		if err != nil {
			return nil, sqlerr.New(sqlerr.Parse, "bad number %s", l.Val)
		}
		return &planner.Literal{T: sqltype.Double, Value: f}, nil
	case sqlparser.HexNum:
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(l.Val), "0x"), 16, 63)
		if err != nil {
			return nil, notSupported("hexadecimal literals past 63 bits")
		}
		return &planner.Literal{T: sqltype.BigInt, Value: int64(v)}, nil
	case sqlparser.DateVal, sqlparser.TimestampVal:
		ts, err := sqltype.ParseTimestamp(l.Val)
		if err != nil {
			return nil, sqlerr.New(sqlerr.TruncatedValue, "Incorrect DATETIME value: '%s'", l.Val)
		}
		return &planner.Literal{T: sqltype.Timestamp, Value: ts}, nil
	}
	return nil, notSupported("literal " + sqlparser.String(l))
}

func mustFloat(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0
	}
	return f
}

// exprKey identifies a bound expression for matching (a select item against a group key, an aggregate used
// twice): its text with every column written by position, since two tables of a join may have columns of one name.
func exprKey(e planner.Expr) string {
	switch e := e.(type) {
	case *planner.ColumnRef:
		return "#" + strconv.Itoa(e.Index)
	case *planner.Call:
		var b strings.Builder
		b.WriteString(e.Func)
		if e.Negate {
			b.WriteString(" not")
		}
		b.WriteString("(")
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(exprKey(a))
		}
		b.WriteString("):" + e.T.String())
		return b.String()
	case *planner.AggCall:
		arg := "*"
		if e.Arg != nil {
			arg = exprKey(e.Arg)
		}
		if e.Distinct {
			arg = "distinct " + arg
		}
		return e.Func + "(" + arg + ")"
	}
	return e.String()
}
