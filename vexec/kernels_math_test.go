package vexec

import (
	"context"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Math kernels, called as the binder (sqlfront/functions_math.go) types them.

func TestMathAbsSign(t *testing.T) {
	d83 := sqltype.Decimal(8, 3)
	i, f, d := colRef(0, bigint), colRef(1, double), colRef(2, d83)
	cols := []inCol{
		{bigint, []any{int64(-7), int64(0), nil, int64(5), int64(math.MaxInt64), int64(-math.MaxInt64)}},
		{double, []any{-1.5, 0.0, nil, 2.25, 1e300, math.Copysign(0, -1)}},
		{d83, []any{dec("-2.345", 3), dec("0", 3), nil, dec("0.001", 3), dec("99999.999", 3), dec("-99999.999", 3)}},
	}
	evalExprCases(t, cols, 0, []exprCase{
		{name: "abs bigint", e: call("abs", bigint, i), want: strs("7, 0, NULL, 5, 9223372036854775807, 9223372036854775807")},
		{name: "abs double", e: call("abs", double, f), want: strs("1.5, 0, NULL, 2.25, 1e300, 0")},
		{name: "abs decimal keeps the scale", e: call("abs", d83, d), want: strs("2.345, 0.000, NULL, 0.001, 99999.999, 99999.999")},
		{name: "sign bigint", e: call("sign", bigint, i), want: strs("-1, 0, NULL, 1, 1, -1")},
		{name: "sign double", e: call("sign", bigint, f), want: strs("-1, 0, NULL, 1, 1, 0")},
		{name: "sign decimal", e: call("sign", bigint, d), want: strs("-1, 0, NULL, 1, 1, -1")},
		{name: "abs literal", e: call("abs", bigint, i64(-3)), want: strs("3, 3, 3, 3, 3, 3")},
		{name: "abs NULL literal", e: call("abs", double, lit(double, nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
	})
	// ABS of the smallest BIGINT is out of range; in a NULL row the value slot is not looked at.
	evalExprCases(t, []inCol{{bigint, []any{int64(1), int64(math.MinInt64)}}}, 0, []exprCase{
		{name: "abs MinInt64", e: call("abs", bigint, colRef(0, bigint)), err: sqlerr.DataOutOfRange},
		{name: "abs literal MinInt64", e: call("abs", bigint, i64(math.MinInt64)), err: sqlerr.DataOutOfRange},
	})
}

func TestMathRoundBigint(t *testing.T) {
	x, n := colRef(0, bigint), colRef(1, bigint)
	cols := []inCol{
		{bigint, []any{int64(12345), int64(-12355), int64(15), int64(-15), nil, int64(4), int64(99)}},
		{bigint, []any{int64(-2), int64(-1), int64(-1), int64(-1), int64(0), nil, int64(-2)}},
	}
	round := func(d planner.Expr) *planner.Call { return call("round", bigint, x, d) }
	trunc := func(d planner.Expr) *planner.Call { return call("truncate", bigint, x, d) }
	evalExprCases(t, cols, 0, []exprCase{
		{name: "round(x, 0)", e: round(i64(0)), want: strs("12345, -12355, 15, -15, NULL, 4, 99")},
		{name: "round(x, 2)", e: round(i64(2)), want: strs("12345, -12355, 15, -15, NULL, 4, 99")},
		{name: "round(x, -1) half away from zero", e: round(i64(-1)), want: strs("12350, -12360, 20, -20, NULL, 0, 100")},
		{name: "round(x, -2)", e: round(i64(-2)), want: strs("12300, -12400, 0, 0, NULL, 0, 100")},
		{name: "round(x, -5)", e: round(i64(-5)), want: strs("0, 0, 0, 0, NULL, 0, 0")},
		{name: "round(x, -20)", e: round(i64(-20)), want: strs("0, 0, 0, 0, NULL, 0, 0")},
		{name: "round(x, MinInt64)", e: round(i64(math.MinInt64)), want: strs("0, 0, 0, 0, NULL, 0, 0")},
		{name: "round(x, n)", e: round(n), want: strs("12300, -12360, 20, -20, NULL, NULL, 100")},
		{name: "round(x, NULL)", e: round(lit(bigint, nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "truncate(x, -1)", e: trunc(i64(-1)), want: strs("12340, -12350, 10, -10, NULL, 0, 90")},
		{name: "truncate(x, n)", e: trunc(n), want: strs("12300, -12350, 10, -10, NULL, NULL, 0")},
		{name: "round(literal, -1)", e: call("round", bigint, i64(25), i64(-1)), want: strs("30, 30, 30, 30, 30, 30, 30")},
	})
	// The limits of BIGINT: rounding up past them is error 1690, as MySQL's Item_func_round::int_op has it.
	big := []inCol{{bigint, []any{int64(math.MaxInt64), int64(math.MinInt64), int64(-math.MaxInt64), nil}}}
	b := colRef(0, bigint)
	evalExprCases(t, big, 0, []exprCase{
		{name: "round(limits, -2)", e: call("round", bigint, b, i64(-2)), want: strs("9223372036854775800, -9223372036854775800, -9223372036854775800, NULL")},
		{name: "round(limits, -7)", e: call("round", bigint, b, i64(-7)), want: strs("9223372036850000000, -9223372036850000000, -9223372036850000000, NULL")},
		{name: "truncate(limits, -18)", e: call("truncate", bigint, b, i64(-18)), want: strs("9000000000000000000, -9000000000000000000, -9000000000000000000, NULL")},
		{name: "truncate(limits, -19)", e: call("truncate", bigint, b, i64(-19)), want: strs("0, 0, 0, NULL")},
		{name: "round(limits, -1) overflows", e: call("round", bigint, b, i64(-1)), err: sqlerr.DataOutOfRange},
		{name: "round(limits, -19) overflows", e: call("round", bigint, b, i64(-19)), err: sqlerr.DataOutOfRange},
	})
	evalExprCases(t, []inCol{{bigint, []any{nil, int64(math.MinInt64)}}, {bigint, []any{int64(-2), nil}}}, 0, []exprCase{
		{name: "NULL rows do not overflow", e: call("round", bigint, colRef(0, bigint), colRef(1, bigint)), want: strs("NULL, NULL")},
	})
}

func TestMathRoundDouble(t *testing.T) {
	x, n := colRef(0, double), colRef(1, bigint)
	cols := []inCol{
		{double, []any{2.5, -2.5, 3.5, 0.5, 1.005, 1234.5, nil, 1e300}},
		{bigint, []any{int64(0), int64(0), int64(1), int64(-1), int64(2), int64(-2), int64(1), nil}},
	}
	round := func(d planner.Expr) *planner.Call { return call("round", double, x, d) }
	trunc := func(d planner.Expr) *planner.Call { return call("truncate", double, x, d) }
	evalExprCases(t, cols, 0, []exprCase{
		// rint: halves go to the even neighbour.
		{name: "round(x, 0)", e: round(i64(0)), want: strs("2, -2, 4, 0, 1, 1234, NULL, 1e300")},
		// 1.005 is 1.00499999999999989..., 100.49999999999999 once scaled.
		{name: "round(x, 2)", e: round(i64(2)), want: strs("2.5, -2.5, 3.5, 0.5, 1, 1234.5, NULL, 1e300")},
		{name: "round(x, -2)", e: round(i64(-2)), want: strs("0, -0, 0, 0, 0, 1200, NULL, 1e300")},
		{name: "round(x, 400) keeps x", e: round(i64(400)), want: strs("2.5, -2.5, 3.5, 0.5, 1.005, 1234.5, NULL, 1e300")},
		{name: "round(x, -400) is 0", e: round(i64(-400)), want: strs("0, 0, 0, 0, 0, 0, NULL, 0")},
		{name: "round(x, n)", e: round(n), want: strs("2, -2, 3.5, 0, 1, 1200, NULL, NULL")},
		{name: "truncate(x, 0)", e: trunc(i64(0)), want: strs("2, -2, 3, 0, 1, 1234, NULL, 1e300")},
		{name: "truncate(x, n)", e: trunc(n), want: strs("2, -2, 3.5, 0, 1, 1200, NULL, NULL")},
		{name: "truncate(x, -3)", e: trunc(i64(-3)), want: strs("0, -0, 0, 0, 0, 1000, NULL, 1e300")},
	})
}

func TestMathRoundDecimal(t *testing.T) {
	d83 := sqltype.Decimal(8, 3)
	x, n := colRef(0, d83), colRef(1, bigint)
	cols := []inCol{
		{d83, []any{dec("2.345", 3), dec("-1.125", 3), dec("-0.5", 3), dec("99999.999", 3), nil, dec("0.05", 3)}},
		{bigint, []any{int64(2), int64(1), int64(-2), int64(0), int64(1), nil}},
	}
	round := func(t sqltype.Type, d planner.Expr) *planner.Call { return call("round", t, x, d) }
	trunc := func(t sqltype.Type, d planner.Expr) *planner.Call { return call("truncate", t, x, d) }
	evalExprCases(t, cols, 0, []exprCase{
		{name: "round(x, 0)", e: round(sqltype.Decimal(6, 0), i64(0)), want: strs("2, -1, -1, 100000, NULL, 0")},
		{name: "round(x, 2) half away from zero", e: round(sqltype.Decimal(8, 2), i64(2)), want: strs("2.35, -1.13, -0.50, 100000.00, NULL, 0.05")},
		{name: "round(x, 1)", e: round(sqltype.Decimal(7, 1), i64(1)), want: strs("2.3, -1.1, -0.5, 100000.0, NULL, 0.1")},
		{name: "round(x, -1)", e: round(sqltype.Decimal(6, 0), i64(-1)), want: strs("0, 0, 0, 100000, NULL, 0")},
		{name: "round(x, -3)", e: round(sqltype.Decimal(6, 0), i64(-3)), want: strs("0, 0, 0, 100000, NULL, 0")},
		{name: "round(x, -6)", e: round(sqltype.Decimal(6, 0), i64(-6)), want: strs("0, 0, 0, 0, NULL, 0")},
		{name: "round(x, -1000)", e: round(sqltype.Decimal(6, 0), i64(-1000)), want: strs("0, 0, 0, 0, NULL, 0")},
		{name: "round(x, 5) widens the scale", e: round(sqltype.Decimal(10, 5), i64(5)), want: strs("2.34500, -1.12500, -0.50000, 99999.99900, NULL, 0.05000")},
		{name: "round(x, n) keeps the scale", e: round(sqltype.Decimal(9, 3), n), want: strs("2.350, -1.100, 0.000, 100000.000, NULL, NULL")},
		{name: "truncate(x, 2)", e: trunc(sqltype.Decimal(7, 2), i64(2)), want: strs("2.34, -1.12, -0.50, 99999.99, NULL, 0.05")},
		{name: "truncate(x, 0)", e: trunc(sqltype.Decimal(5, 0), i64(0)), want: strs("2, -1, 0, 99999, NULL, 0")},
		{name: "truncate(x, -2)", e: trunc(sqltype.Decimal(5, 0), i64(-2)), want: strs("0, 0, 0, 99900, NULL, 0")},
		{name: "truncate(x, n)", e: trunc(sqltype.Decimal(9, 3), n), want: strs("2.340, -1.100, 0.000, 99999.000, NULL, NULL")},
		{name: "round(literal 2.5, 0)", e: call("round", sqltype.Decimal(2, 0), lit(sqltype.Decimal(2, 1), dec("2.5", 1)), i64(0)), want: strs("3, 3, 3, 3, 3, 3")},
	})
	// 38 digits: rounding divides in two 64-bit steps past 19 digits.
	d3810 := sqltype.Decimal(38, 10)
	w := colRef(0, d3810)
	evalExprCases(t, []inCol{{d3810, []any{
		dec("1234567890123456789012345678.1234567895", 10), dec("-9999999999999999999999999999.9999999999", 10),
		dec("5000000000000000000000000000", 10), nil,
	}}}, 0, []exprCase{
		{name: "round(w)", e: call("round", sqltype.Decimal(29, 0), w, i64(0)),
			want: strs("1234567890123456789012345678, -10000000000000000000000000000, 5000000000000000000000000000, NULL")},
		{name: "round(w, 9)", e: call("round", sqltype.Decimal(38, 9), w, i64(9)),
			want: strs("1234567890123456789012345678.123456790, -10000000000000000000000000000.000000000, 5000000000000000000000000000.000000000, NULL")},
		{name: "truncate(w, -20)", e: call("truncate", sqltype.Decimal(28, 0), w, i64(-20)),
			want: strs("1234567800000000000000000000, -9999999900000000000000000000, 5000000000000000000000000000, NULL")},
		{name: "round(w, -28)", e: call("round", sqltype.Decimal(29, 0), w, i64(-28)),
			want: strs("0, -10000000000000000000000000000, 10000000000000000000000000000, NULL")},
		{name: "round(w, -27)", e: call("round", sqltype.Decimal(29, 0), w, i64(-27)),
			want: strs("1000000000000000000000000000, -10000000000000000000000000000, 5000000000000000000000000000, NULL")},
	})
	// A result past 38 digits is error 1690.
	d380 := sqltype.Decimal(38, 0)
	evalExprCases(t, []inCol{{d380, []any{dec(strings.Repeat("9", 38), 0)}}}, 0, []exprCase{
		{name: "round(38 nines, -1)", e: call("round", d380, colRef(0, d380), i64(-1)), err: sqlerr.DataOutOfRange},
		{name: "truncate(38 nines, -1)", e: call("truncate", d380, colRef(0, d380), i64(-1)), want: strs(strings.Repeat("9", 37) + "0")},
	})
}

func TestMathFloorCeiling(t *testing.T) {
	d83, d3810 := sqltype.Decimal(8, 3), sqltype.Decimal(38, 10)
	i, f, d, w := colRef(0, bigint), colRef(1, double), colRef(2, d83), colRef(3, d3810)
	cols := []inCol{
		{bigint, []any{int64(7), int64(-7), nil, int64(math.MinInt64)}},
		{double, []any{1.5, -1.5, nil, -0.0}},
		{d83, []any{dec("5.5", 3), dec("-5.5", 3), nil, dec("-0.001", 3)}},
		{d3810, []any{dec("1234567890123456789012345678.0000000001", 10), dec("-0.5", 10), nil, dec("-12345678901234567890.0000000000", 10)}},
	}
	evalExprCases(t, cols, 0, []exprCase{
		{name: "floor bigint", e: call("floor", bigint, i), want: strs("7, -7, NULL, -9223372036854775808")},
		{name: "ceiling bigint", e: call("ceiling", bigint, i), want: strs("7, -7, NULL, -9223372036854775808")},
		{name: "floor double", e: call("floor", double, f), want: strs("1, -2, NULL, 0")},
		{name: "ceiling double", e: call("ceiling", double, f), want: strs("2, -1, NULL, 0")},
		{name: "floor decimal to bigint", e: call("floor", bigint, d), want: strs("5, -6, NULL, -1")},
		{name: "ceiling decimal to bigint", e: call("ceiling", bigint, d), want: strs("6, -5, NULL, 0")},
		{name: "floor wide decimal", e: call("floor", sqltype.Decimal(29, 0), w), want: strs("1234567890123456789012345678, -1, NULL, -12345678901234567890")},
		{name: "ceiling wide decimal", e: call("ceiling", sqltype.Decimal(29, 0), w), want: strs("1234567890123456789012345679, 0, NULL, -12345678901234567890")},
		{name: "floor literal", e: call("floor", bigint, lit(sqltype.Decimal(2, 1), dec("-0.5", 1))), want: strs("-1, -1, -1, -1")},
	})
}

func TestMathDoubleFunctions(t *testing.T) {
	x, y := colRef(0, double), colRef(1, double)
	cols := []inCol{
		{double, []any{16.0, 2.0, 0.0, -1.0, nil, 0.5, 1e-300}},
		{double, []any{0.5, 10.0, 3.0, 2.0, 1.0, nil, 1.0}},
	}
	fn := func(name string, args ...planner.Expr) *planner.Call { return call(name, double, args...) }
	evalExprCases(t, cols, 0, []exprCase{
		{name: "sqrt", e: fn("sqrt", x), want: strs("4, 1.4142135623730951, 0, NULL, NULL, 0.7071067811865476, 1e-150")},
		{name: "ln", e: fn("ln", x), want: strs("2.772588722239781, 0.6931471805599453, NULL, NULL, NULL, -0.6931471805599453, -690.7755278982137")},
		{name: "log", e: fn("log", x), want: strs("2.772588722239781, 0.6931471805599453, NULL, NULL, NULL, -0.6931471805599453, -690.7755278982137")},
		{name: "log2", e: fn("log2", x), want: strs("4, 1, NULL, NULL, NULL, -1, -996.5784284662087")},
		{name: "log10", e: fn("log10", x), want: strs("1.2041199826559248, 0.3010299956639812, NULL, NULL, NULL, -0.3010299956639812, -300")},
		{name: "exp", e: fn("exp", y), want: strs("1.6487212707001282, 22026.465794806718, 20.085536923187668, 7.38905609893065, 2.718281828459045, NULL, 2.718281828459045")},
		{name: "pow(x, y)", e: fn("pow", x, y), want: strs("4, 1024, 0, 1, NULL, NULL, 1e-300")},
		{name: "pow(x, 2)", e: fn("pow", x, lit(double, 2.0)), want: strs("256, 4, 0, 1, NULL, 0.25, 0")},
		{name: "pow(2, y)", e: fn("pow", lit(double, 2.0), y), want: strs("1.4142135623730951, 1024, 8, 4, 2, NULL, 2")},
		{name: "pow(x, NULL)", e: fn("pow", x, lit(double, nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		// LOG(b, x): NULL when b <= 0, b = 1 or x <= 0.
		{name: "log(x, 256)", e: fn("log", x, lit(double, 256.0)), want: strs("2, 8, NULL, NULL, NULL, -8, -0.0080274665510395")},
		// Go's math.Log(3) is one unit in the last place below the C library's, so this is 1.584962500721156 where
		// MySQL shows 1.5849625007211563.
		{name: "log(2, y)", e: fn("log", lit(double, 2.0), y), want: strs("-1, 3.3219280948873626, 1.584962500721156, 1, 0, NULL, 0")},
		{name: "log(y, x)", e: fn("log", y, x), want: strs("-4, 0.30102999566398114, NULL, NULL, NULL, NULL, NULL")},
		{name: "log(1, x)", e: fn("log", lit(double, 1.0), x), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "log(NULL, x)", e: fn("log", lit(double, nil), x), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
	})
	// Results that are not finite are error 1690, except in NULL rows.
	evalExprCases(t, []inCol{{double, []any{1.0, 750.0}}, {double, []any{nil, 1.0}}}, 0, []exprCase{
		{name: "exp(750)", e: fn("exp", x), err: sqlerr.DataOutOfRange},
		{name: "pow(10, 309)", e: fn("pow", lit(double, 10.0), lit(double, 309.0)), err: sqlerr.DataOutOfRange},
		{name: "pow(-8, 1/3) is NaN", e: fn("pow", lit(double, -8.0), lit(double, 1.0/3)), err: sqlerr.DataOutOfRange},
		{name: "pow(0, -1)", e: fn("pow", lit(double, 0.0), lit(double, -1.0)), err: sqlerr.DataOutOfRange},
	})
	evalExprCases(t, []inCol{{double, []any{nil, 2.0}}, {double, []any{1e6, 3.0}}}, 0, []exprCase{
		{name: "exp over a NULL row holding garbage", e: fn("exp", call("+", double, x, y)), want: strs("NULL, 148.4131591025766")},
	})
	// LOG10 is exact at powers of ten, as the C library's is.
	var pows []any
	var want []string
	for k := -300; k <= 300; k += 15 {
		pows = append(pows, mathPow10Of(k))
		want = append(want, sqltype.FormatFloat(float64(k)))
	}
	evalExprCases(t, []inCol{{double, pows}}, 0, []exprCase{{name: "log10(10^k)", e: fn("log10", x), want: want}})
}

func mathPow10Of(k int) float64 {
	if k >= 0 {
		return mathPow10f[k]
	}
	return mathPow10fNeg[-k]
}

func TestMathPi(t *testing.T) {
	evalExprCases(t, nil, 3, []exprCase{
		{name: "pi()", e: call("pi", double), want: strs("3.141592653589793, 3.141592653589793, 3.141592653589793")},
	})
	v, err := EvalConstant(context.Background(), call("pi", double))
	if err != nil || v != math.Pi {
		t.Errorf("EvalConstant(pi()) = %v, %v", v, err)
	}
}

func TestMathGreatestLeast(t *testing.T) {
	d52 := sqltype.Decimal(5, 2)
	types := []struct {
		name    string
		t       sqltype.Type
		a, b, c any // a < b < c
	}{
		{"bigint", bigint, int64(-5), int64(0), int64(7)},
		{"double", double, -1.5, 0.25, 1e300},
		{"decimal", d52, dec("-1.25", 2), dec("0.50", 2), dec("999.99", 2)},
		{"text", text, "B", "a", "é"},
		{"timestamp", tsT, ts("1969-12-31 23:59:59"), ts("2024-01-01"), ts("2024-01-01 00:00:01")},
		{"boolean", boolT, false, true, true},
	}
	for _, typ := range types {
		t.Run(typ.name, func(t *testing.T) {
			x, y, z := colRef(0, typ.t), colRef(1, typ.t), colRef(2, typ.t)
			cols := []inCol{
				{typ.t, []any{typ.a, typ.c, typ.b, nil, typ.a}},
				{typ.t, []any{typ.b, typ.a, typ.c, typ.a, typ.a}},
				{typ.t, []any{typ.c, typ.b, typ.a, typ.b, nil}},
			}
			a, b, c := plainLit(typ.t, typ.a), plainLit(typ.t, typ.b), plainLit(typ.t, typ.c)
			evalExprCases(t, cols, 0, []exprCase{
				{name: "greatest(x, y, z)", e: call("greatest", typ.t, x, y, z), want: []string{c, c, c, "NULL", "NULL"}},
				{name: "least(x, y, z)", e: call("least", typ.t, x, y, z), want: []string{a, a, a, "NULL", "NULL"}},
				{name: "greatest(x, y)", e: call("greatest", typ.t, x, y), want: []string{b, c, c, "NULL", a}},
				{name: "least(x, y)", e: call("least", typ.t, x, y), want: []string{a, a, b, "NULL", a}},
				{name: "greatest(x, literal b)", e: call("greatest", typ.t, x, lit(typ.t, typ.b)), want: []string{b, c, b, "NULL", b}},
				{name: "least(literal b, x)", e: call("least", typ.t, lit(typ.t, typ.b), x), want: []string{a, b, b, "NULL", a}},
				{name: "greatest(x, NULL)", e: call("greatest", typ.t, x, lit(typ.t, nil)), want: strs("NULL, NULL, NULL, NULL, NULL")},
			})
		})
	}
	t.Run("literals", func(t *testing.T) {
		evalExprCases(t, nil, 2, []exprCase{
			{name: "greatest(1, 3, 2)", e: call("greatest", bigint, i64(1), i64(3), i64(2)), want: strs("3, 3")},
			{name: "least('b', 'a')", e: call("least", text, lit(text, "b"), lit(text, "a")), want: strs("a, a")},
		})
	})
	t.Run("arguments of another type are refused", func(t *testing.T) {
		_, err := compile(call("greatest", bigint, colRef(0, bigint), colRef(1, double)))
		if err == nil {
			t.Fatal("greatest(bigint, double) typed bigint compiled")
		}
	})
}

// TestMathShiftDecimal checks the 128-bit division that rounds DECIMALs against math/big, for every mode and
// every shift of a 38-digit number.
func TestMathShiftDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	ten := big.NewInt(10)
	limit := new(big.Int).Exp(ten, big.NewInt(38), nil)
	values := []*big.Int{big.NewInt(0), big.NewInt(5), big.NewInt(-5), big.NewInt(15), big.NewInt(-25), new(big.Int).Sub(limit, big.NewInt(1))}
	values = append(values, new(big.Int).Neg(values[len(values)-1]))
	for range 300 {
		digits := make([]byte, 1+rng.IntN(38))
		for i := range digits {
			digits[i] = byte('0' + rng.IntN(10))
		}
		v, _ := new(big.Int).SetString(string(digits), 10)
		if rng.IntN(2) == 0 {
			v.Neg(v)
		}
		values = append(values, v)
		// Exact halves at a random position.
		k := 1 + rng.IntN(38)
		h := new(big.Int).Mul(big.NewInt(int64(1+rng.IntN(9))), new(big.Int).Exp(ten, big.NewInt(int64(k)), nil))
		h.Add(h, new(big.Int).Mul(big.NewInt(5), new(big.Int).Exp(ten, big.NewInt(int64(k-1)), nil)))
		if h.Cmp(limit) < 0 {
			values = append(values, h, new(big.Int).Neg(h))
		}
	}
	modes := map[roundMode]string{roundHalfUp: "round", roundTruncate: "truncate", roundFloor: "floor", roundCeiling: "ceiling"}
	for _, v := range values {
		n := decimal128.FromBigInt(v)
		for k := 0; k <= 45; k++ {
			p := new(big.Int).Exp(ten, big.NewInt(int64(k)), nil)
			for mode, name := range modes {
				want := bigShift(v, p, mode)
				if got := mathShiftDecimal(n, k, mode).BigInt(); got.Cmp(want) != 0 {
					t.Fatalf("%s(%s / 10^%d) = %s, want %s", name, v, k, got, want)
				}
			}
		}
	}
}

// bigShift divides v by p rounding as mode says, with math/big.
func bigShift(v, p *big.Int, mode roundMode) *big.Int {
	q, r := new(big.Int).QuoRem(v, p, new(big.Int)) // truncated
	if r.Sign() == 0 {
		return q
	}
	one := big.NewInt(int64(v.Sign()))
	switch mode {
	case roundHalfUp:
		if new(big.Int).Lsh(new(big.Int).Abs(r), 1).Cmp(p) >= 0 {
			q.Add(q, one)
		}
	case roundFloor:
		if v.Sign() < 0 {
			q.Add(q, one)
		}
	case roundCeiling:
		if v.Sign() > 0 {
			q.Add(q, one)
		}
	}
	return q
}
