package sqlfront

import (
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Math functions. See functions.go for how a family registers its functions.
//
// They take MySQL's result types: ABS, SIGN, ROUND, TRUNCATE, FLOOR and CEILING keep BIGINT and DECIMAL arguments
// exact (DECIMAL rounds half away from zero) and compute DOUBLE for DOUBLE and string arguments (rint, halves to
// even); POWER, SQRT, EXP and the logarithms are DOUBLE; MOD is the % operator; GREATEST and LEAST compare their
// arguments in the type that holds them all (mixed numbers and strings compare as strings, as MySQL 8 does).
var mathFunctions = map[string]scalarFunction{
	"abs":      {minArgs: 1, maxArgs: 1, bind: bindAbs},
	"sign":     {minArgs: 1, maxArgs: 1, bind: bindSign},
	"round":    {minArgs: 1, maxArgs: 2, bind: bindRound},
	"truncate": {minArgs: 2, maxArgs: 2, bind: bindRound},
	"floor":    {minArgs: 1, maxArgs: 1, bind: bindFloorCeiling},
	"ceil":     {minArgs: 1, maxArgs: 1, bind: bindFloorCeiling},
	"ceiling":  {minArgs: 1, maxArgs: 1, bind: bindFloorCeiling},
	"mod":      {minArgs: 2, maxArgs: 2, bind: bindMod},
	"pow":      {minArgs: 2, maxArgs: 2, bind: bindDouble},
	"power":    {minArgs: 2, maxArgs: 2, bind: bindDouble},
	"sqrt":     {minArgs: 1, maxArgs: 1, bind: bindDouble},
	"exp":      {minArgs: 1, maxArgs: 1, bind: bindDouble},
	"ln":       {minArgs: 1, maxArgs: 1, bind: bindDouble},
	"log":      {minArgs: 1, maxArgs: 2, bind: bindDouble},
	"log2":     {minArgs: 1, maxArgs: 1, bind: bindDouble},
	"log10":    {minArgs: 1, maxArgs: 1, bind: bindDouble},
	"pi":       {minArgs: 0, maxArgs: 0, bind: bindDouble},
	"greatest": {minArgs: 2, maxArgs: -1, bind: bindExtreme},
	"least":    {minArgs: 2, maxArgs: -1, bind: bindExtreme},
}

// kernelNames maps SQL spellings to the one Func name vexec registers (MySQL's own name for the function).
var kernelNames = map[string]string{"ceil": "ceiling", "power": "pow"}

func kernelName(name string) string {
	if k, ok := kernelNames[name]; ok {
		return k
	}
	return name
}

// numericArg converts an argument to the type a numeric function computes in, as MySQL reads it in a numeric
// context: integers and booleans as BIGINT, DECIMAL as itself, strings (by their numeric prefix) and NULL as
// DOUBLE, timestamps as their number YYYYMMDDHHMMSS.
func numericArg(e planner.Expr) planner.Expr {
	switch e.Type().Kind {
	case sqltype.KindInt, sqltype.KindBool, sqltype.KindTimestamp:
		return castTo(e, sqltype.BigInt)
	case sqltype.KindDecimal:
		return e
	}
	return castTo(e, sqltype.Double)
}

// numericType is the result type of a function that keeps its (numericArg) argument's type.
func numericType(t sqltype.Type) sqltype.Type {
	if t.Kind == sqltype.KindInt {
		return sqltype.BigInt
	}
	return t
}

func bindAbs(name string, args []planner.Expr) (planner.Expr, error) {
	x := numericArg(args[0])
	return &planner.Call{Func: name, Args: []planner.Expr{x}, T: numericType(x.Type())}, nil
}

func bindSign(name string, args []planner.Expr) (planner.Expr, error) {
	return &planner.Call{Func: name, Args: []planner.Expr{numericArg(args[0])}, T: sqltype.BigInt}, nil
}

// bindRound binds ROUND(x[, d]) and TRUNCATE(x, d) with the types of MySQL's Item_func_round::resolve_type:
//   - DOUBLE (and strings) give DOUBLE;
//   - BIGINT gives BIGINT when d is a constant, DOUBLE when d varies;
//   - DECIMAL(p,s) with a constant d gives DECIMAL with scale max(d,0) (at most 30), which may be more digits
//     than s: ROUND(1.5, 3) is 1.500; with a d that varies it keeps scale s and one more digit of precision.
//
// vcube holds 38 digits where MySQL holds 65: a scale that would take the result past 38 digits is cut down.
func bindRound(name string, args []planner.Expr) (planner.Expr, error) {
	x := numericArg(args[0])
	var d planner.Expr = &planner.Literal{T: sqltype.BigInt, Value: int64(0)} // ROUND(x) is ROUND(x, 0)
	if len(args) > 1 {
		d = castTo(args[1], sqltype.BigInt)
	}
	xt := x.Type()
	lit, constD := d.(*planner.Literal)
	if constD && lit.Value == nil {
		return &planner.Literal{T: numericType(xt)}, nil
	}
	var t sqltype.Type
	switch xt.Kind {
	case sqltype.KindInt:
		t = sqltype.BigInt
		if !constD {
			x, t = castTo(x, sqltype.Double), sqltype.Double
		} else if lit.Value.(int64) >= 0 {
			return x, nil // integers have no digits after the point
		}
	case sqltype.KindDecimal:
		t = roundDecimalType(xt, d, name == "truncate")
		if constD && lit.Value.(int64) >= int64(xt.Scale) && t == xt {
			return x, nil // no digit to drop or add
		}
	default:
		t = sqltype.Double
	}
	return &planner.Call{Func: name, Args: []planner.Expr{x, d}, T: t}, nil
}

func roundDecimalType(xt sqltype.Type, d planner.Expr, truncate bool) sqltype.Type {
	intDigits := xt.Precision - xt.Scale
	lit, constD := d.(*planner.Literal)
	if !constD {
		return sqltype.Decimal(min(xt.Precision+1, sqltype.MaxDecimalPrecision), xt.Scale)
	}
	scale := int(min(max(lit.Value.(int64), 0), sqltype.MaxDecimalScale))
	scale = min(scale, sqltype.MaxDecimalPrecision-intDigits)
	carry := 0 // rounding may carry into a new digit: 9.5 -> 10
	if !truncate && scale < xt.Scale {
		carry = 1
	}
	return sqltype.Decimal(min(max(intDigits+carry+scale, 1), sqltype.MaxDecimalPrecision), scale)
}

// bindFloorCeiling: BIGINT stays BIGINT, DOUBLE and strings give DOUBLE, DECIMAL(p,s) gives an integer of
// p-s digits (one more when s > 0): BIGINT up to 18 digits, else DECIMAL with scale 0.
func bindFloorCeiling(name string, args []planner.Expr) (planner.Expr, error) {
	x := numericArg(args[0])
	xt := x.Type()
	t := sqltype.Double
	switch xt.Kind {
	case sqltype.KindInt:
		return x, nil
	case sqltype.KindDecimal:
		if xt.Scale == 0 && xt.Precision <= 18 {
			return castTo(x, sqltype.BigInt), nil
		}
		p := xt.Precision - xt.Scale
		if xt.Scale > 0 {
			p++
		}
		t = sqltype.BigInt
		if p > 18 {
			t = sqltype.Decimal(p, 0)
		}
	}
	return &planner.Call{Func: kernelName(name), Args: []planner.Expr{x}, T: t}, nil
}

// bindMod binds MOD(a, b) as the % operator, with the operand and result types of arithmetic().
func bindMod(_ string, args []planner.Expr) (planner.Expr, error) {
	l, r := args[0], args[1]
	operand, result := arithmeticTypes("%", l.Type(), r.Type())
	lt, rt := operand, operand
	if operand.Kind == sqltype.KindDecimal {
		lt, rt = asDecimal(l.Type()), asDecimal(r.Type())
	}
	return &planner.Call{Func: "%", Args: []planner.Expr{castTo(l, lt), castTo(r, rt)}, T: result}, nil
}

// bindDouble binds the functions of DOUBLE arguments with a DOUBLE result: POW, SQRT, EXP, LN, LOG, LOG2, LOG10
// and PI.
func bindDouble(name string, args []planner.Expr) (planner.Expr, error) {
	cast := make([]planner.Expr, len(args))
	for i, a := range args {
		cast[i] = castTo(a, sqltype.Double)
	}
	return &planner.Call{Func: kernelName(name), Args: cast, T: sqltype.Double}, nil
}

// bindExtreme binds GREATEST and LEAST: the arguments are cast to the type that holds them all (unionType: exact
// numbers stay exact, any DOUBLE makes DOUBLE, numbers with strings make strings, compared by bytes as vcube's
// strings are), and any NULL argument makes the result NULL.
func bindExtreme(name string, args []planner.Expr) (planner.Expr, error) {
	t := sqltype.Null
	for _, a := range args {
		t = unionType(t, a.Type())
	}
	for _, a := range args {
		if lit, ok := a.(*planner.Literal); ok && lit.Value == nil {
			return &planner.Literal{T: t}, nil
		}
	}
	cast := make([]planner.Expr, len(args))
	for i, a := range args {
		cast[i] = castTo(a, t)
	}
	return &planner.Call{Func: name, Args: cast, T: t}, nil
}
