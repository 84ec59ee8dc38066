package vexec

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/require"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Expression kernel tests: each case is evaluated over a batch of input columns, and again over the same rows
// as a slice that starts one row into a longer batch (operators above LIMIT, OFFSET, Sort and aggregates hand
// kernels such slices), with a checked allocator.

// inCol is one input column: its type and its values (nil is NULL).
type inCol struct {
	t    sqltype.Type
	vals []any
}

type exprCase struct {
	name string
	e    planner.Expr
	// want are the results as plainValue renders them ("NULL" for NULL); ignored when err is set.
	want []string
	err  sqlerror.ErrorCode // when not 0, the evaluation fails with this MySQL error
}

// plainValue renders a value of an array for comparison with a case's want: strings unquoted, decimals at the
// array's scale, timestamps as MySQL prints them.
func plainValue(a arrow.Array, i int) string {
	v := sqltype.ValueAt(a, i)
	if s, ok := v.(string); ok {
		return s
	}
	return formatValue(a.DataType(), v)
}

// evalExprCases runs cases over the rows of cols (or over n rows of no column when cols is empty).
func evalExprCases(t *testing.T, cols []inCol, n int, cases []exprCase) {
	t.Helper()
	if len(cols) > 0 {
		n = len(cols[0].vals)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == 0 && len(tc.want) != n {
				t.Fatalf("case has %d results for %d rows", len(tc.want), n)
			}
			for _, sliced := range []bool{false, true} {
				got, err := evalOnce(t, tc.e, cols, n, sliced)
				where := "whole batch"
				if sliced {
					where = "sliced batch"
				}
				if tc.err != 0 {
					requireErrNum(t, err, tc.err)
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if strings.Join(got, ", ") != strings.Join(tc.want, ", ") {
					t.Errorf("%s: %s\n got  [%s]\n want [%s]", where, tc.e, strings.Join(got, ", "), strings.Join(tc.want, ", "))
				}
			}
		})
	}
}

// evalOnce compiles e and evaluates it over one batch, returning its rendered values. The result's type must
// be the expression's, and no byte may be left allocated.
func evalOnce(t *testing.T, e planner.Expr, cols []inCol, n int, sliced bool) (_ []string, err error) {
	t.Helper()
	mem := newCheckedMem()
	defer assertNoLeaks(t, mem)
	defer func() {
		// Kernels run here without the operators' panic guard; a panic is a failure of the case, not of the run.
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: "c" + strconv.Itoa(i), Type: c.t.Arrow(), Nullable: true}
		vals := c.vals
		if sliced {
			// A leading row that must not show: its last value, or NULL when it has no value.
			var first any
			if len(vals) > 0 {
				first = vals[len(vals)-1]
			}
			vals = append([]any{first}, vals...)
		}
		arrs[i] = buildArray(t, mem, c.t, vals)
	}
	rows := int64(n)
	if sliced {
		rows++
	}
	full := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, rows)
	for _, a := range arrs {
		a.Release()
	}
	b := full
	if sliced {
		b = full.NewSlice(1, rows)
		full.Release()
	}
	defer b.Release()
	ev, err := compile(e)
	if err != nil {
		return nil, err
	}
	res, err := ev.eval(newEvalCtx(context.Background(), mem), b)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	if want := e.Type().Arrow(); e.Type().Kind != sqltype.KindNull && !arrow.TypeEqual(res.DataType(), want) {
		t.Errorf("%s: result is %s, the expression's type is %s", e, res.DataType(), want)
	}
	if res.Len() != n {
		t.Fatalf("%s: %d results for %d rows", e, res.Len(), n)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = plainValue(res, i)
	}
	return out, nil
}

var (
	bigint = sqltype.BigInt
	double = sqltype.Double
	text   = sqltype.Text
	boolT  = sqltype.Boolean
	tsT    = sqltype.Timestamp
)

func i64(v int64) *planner.Literal { return lit(bigint, v) }

// strs splits a comma-separated list of expected results.
func strs(s string) []string { return strings.Split(s, ", ") }

func TestArithBigint(t *testing.T) {
	x, y := colRef(0, bigint), colRef(1, bigint)
	cols := []inCol{
		{bigint, []any{int64(7), int64(-7), int64(0), nil, int64(5), int64(100), int64(-100)}},
		{bigint, []any{int64(2), int64(2), int64(0), int64(3), nil, int64(-3), int64(-3)}},
	}
	evalExprCases(t, cols, 0, []exprCase{
		{name: "x + y", e: call("+", bigint, x, y), want: strs("9, -5, 0, NULL, NULL, 97, -103")},
		{name: "x - y", e: call("-", bigint, x, y), want: strs("5, -9, 0, NULL, NULL, 103, -97")},
		{name: "x * y", e: call("*", bigint, x, y), want: strs("14, -14, 0, NULL, NULL, -300, 300")},
		{name: "x DIV y", e: call("div", bigint, x, y), want: strs("3, -3, NULL, NULL, NULL, -33, 33")},
		{name: "x % y", e: call("%", bigint, x, y), want: strs("1, -1, NULL, NULL, NULL, 1, -1")},
		{name: "-x", e: call("neg", bigint, x), want: strs("-7, 7, 0, NULL, -5, -100, 100")},
		{name: "x + 1", e: call("+", bigint, x, i64(1)), want: strs("8, -6, 1, NULL, 6, 101, -99")},
		{name: "1 - x", e: call("-", bigint, i64(1), x), want: strs("-6, 8, 1, NULL, -4, -99, 101")},
		{name: "x + NULL", e: call("+", bigint, x, lit(bigint, nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "2 * 3", e: call("*", bigint, i64(2), i64(3)), want: strs("6, 6, 6, 6, 6, 6, 6")},
		{name: "x DIV 0", e: call("div", bigint, x, i64(0)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "x % 0", e: call("%", bigint, x, i64(0)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "(x + y) * 2 - x", e: call("-", bigint, call("*", bigint, call("+", bigint, x, y), i64(2)), x),
			want: strs("11, -3, 0, NULL, NULL, 94, -106")},
	})
}

func TestArithBigintOverflow(t *testing.T) {
	x, y := colRef(0, bigint), colRef(1, bigint)
	cols := []inCol{
		{bigint, []any{int64(math.MaxInt64), int64(math.MinInt64), nil}},
		{bigint, []any{int64(1), int64(-1), nil}},
	}
	const outOfRange = sqlerr.DataOutOfRange // 1690
	evalExprCases(t, cols, 0, []exprCase{
		{name: "MAX + 1", e: call("+", bigint, x, y), err: outOfRange},
		{name: "MIN - 1", e: call("-", bigint, x, i64(1)), err: outOfRange},
		{name: "x - y fits", e: call("-", bigint, x, y), want: strs("9223372036854775806, -9223372036854775807, NULL")},
		{name: "MIN * -1", e: call("*", bigint, x, y), err: outOfRange},
		{name: "x * 2", e: call("*", bigint, x, i64(2)), err: outOfRange},
		{name: "-MIN", e: call("neg", bigint, x), err: outOfRange},
		{name: "MIN DIV -1", e: call("div", bigint, x, y), err: outOfRange},
		{name: "MIN % -1", e: call("%", bigint, x, y), want: strs("0, 0, NULL")},
		{name: "literals MIN - 1", e: call("-", bigint, i64(math.MinInt64), i64(1)), err: outOfRange},
	})
}

// TestArithInterrupted: an arithmetic kernel that stops because its query was cancelled or timed out reports
// the interruption (1317, 3024), not an overflow.
func TestArithInterrupted(t *testing.T) {
	mem := newCheckedMem()
	defer assertNoLeaks(t, mem)
	x := buildArray(t, mem, bigint, []any{int64(1), int64(2), nil})
	defer x.Release()
	b := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: bigint.Arrow(), Nullable: true}}, nil), []arrow.Array{x}, 3)
	defer b.Release()
	ev, err := compile(call("+", bigint, colRef(0, bigint), colRef(0, bigint)))
	require.NoError(t, err)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, stop := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer stop()
	for ctx, code := range map[context.Context]sqlerror.ErrorCode{cancelled: sqlerr.QueryInterrupted, expired: sqlerr.QueryTimeout} {
		_, err := ev.eval(newEvalCtx(ctx, mem), b)
		requireErrNum(t, err, code)
	}
}

func TestArithDouble(t *testing.T) {
	x, y := colRef(0, double), colRef(1, double)
	cols := []inCol{
		{double, []any{0.1, -5.5, 1.0, nil, 7.0, 1e308}},
		{double, []any{0.2, 2.0, 0.0, 3.0, nil, 1.0}},
	}
	evalExprCases(t, cols, 0, []exprCase{
		{name: "x + y", e: call("+", double, x, y), want: strs("0.30000000000000004, -3.5, 1, NULL, NULL, 1e308")},
		{name: "x - y", e: call("-", double, x, y), want: strs("-0.1, -7.5, 1, NULL, NULL, 1e308")},
		{name: "x * y", e: call("*", double, x, y), want: strs("0.020000000000000004, -11, 0, NULL, NULL, 1e308")},
		{name: "x / y", e: call("/", double, x, y), want: strs("0.5, -2.75, NULL, NULL, NULL, 1e308")},
		{name: "x % y", e: call("%", double, x, y), want: strs("0.1, -1.5, NULL, NULL, NULL, 0")},
		{name: "-x", e: call("neg", double, x), want: strs("-0.1, 5.5, -1, NULL, -7, -1e308")},
		{name: "x / 0", e: call("/", double, x, lit(double, 0.0)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "x * 10 overflows", e: call("*", double, x, lit(double, 10.0)), err: sqlerr.DataOutOfRange},
		{name: "x * NULL", e: call("*", double, x, lit(double, nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
	})
	// A NULL row's value slot holds whatever the kernel computed there; it must not raise an overflow.
	a, b := colRef(0, double), colRef(1, double)
	evalExprCases(t, []inCol{{double, []any{nil, 2.0}}, {double, []any{1e308, 3.0}}}, 0, []exprCase{
		{name: "(NULL + 1e308) * 10", e: call("*", double, call("+", double, a, b), lit(double, 10.0)),
			want: strs("NULL, 50")},
		{name: "(NULL + 1e308) / 0.1", e: call("/", double, call("+", double, a, b), lit(double, 0.1)),
			want: strs("NULL, 50")},
	})
}

func TestArithDecimal(t *testing.T) {
	d102, d51 := sqltype.Decimal(10, 2), sqltype.Decimal(5, 1)
	x, y := colRef(0, d102), colRef(1, d51)
	cols := []inCol{
		{d102, []any{dec("1.25", 2), dec("-7.50", 2), dec("0", 2), nil, dec("3.33", 2), dec("100", 2)}},
		{d51, []any{dec("2.5", 1), dec("2", 1), dec("0", 1), dec("1", 1), nil, dec("-3", 1)}},
	}
	evalExprCases(t, cols, 0, []exprCase{
		{name: "x + y", e: call("+", sqltype.Decimal(11, 2), x, y), want: strs("3.75, -5.50, 0.00, NULL, NULL, 97.00")},
		{name: "x - y", e: call("-", sqltype.Decimal(11, 2), x, y), want: strs("-1.25, -9.50, 0.00, NULL, NULL, 103.00")},
		{name: "x * y", e: call("*", sqltype.Decimal(15, 3), x, y), want: strs("3.125, -15.000, 0.000, NULL, NULL, -300.000")},
		{name: "x / y", e: call("/", sqltype.Decimal(15, 6), x, y), want: strs("0.500000, -3.750000, NULL, NULL, NULL, -33.333333")},
		{name: "x % y", e: call("%", sqltype.Decimal(10, 2), x, y), want: strs("1.25, -1.50, NULL, NULL, NULL, 1.00")},
		{name: "x DIV y", e: call("div", sqltype.Decimal(38, 0), x, y), want: strs("0, -3, NULL, NULL, NULL, -33")},
		{name: "-x", e: call("neg", d102, x), want: strs("-1.25, 7.50, 0.00, NULL, -3.33, -100.00")},
		{name: "x / 3", e: call("/", sqltype.Decimal(15, 6), x, lit(sqltype.Decimal(1, 0), dec("3", 0))),
			want: strs("0.416667, -2.500000, 0.000000, NULL, 1.110000, 33.333333")},
		{name: "x + NULL", e: call("+", sqltype.Decimal(11, 2), x, lit(d51, nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
	})
	// Division rounds half away from zero at the result's scale (4 more digits than the dividend).
	d10, d20 := sqltype.Decimal(1, 0), sqltype.Decimal(2, 0)
	evalExprCases(t, []inCol{
		{d10, []any{dec("1", 0), dec("-1", 0), dec("5", 0), dec("2", 0)}},
		{d20, []any{dec("32", 0), dec("32", 0), dec("3", 0), dec("-3", 0)}},
	}, 0, []exprCase{
		{name: "rounding", e: call("/", sqltype.Decimal(7, 4), colRef(0, d10), colRef(1, d20)), want: strs("0.0313, -0.0313, 1.6667, -0.6667")},
	})
	// 38 digits is the limit.
	d380, d3830 := sqltype.Decimal(38, 0), sqltype.Decimal(38, 30)
	nines := strings.Repeat("9", 38)
	evalExprCases(t, []inCol{
		{d380, []any{dec(nines, 0), dec("1"+strings.Repeat("0", 37), 0)}},
		{sqltype.Decimal(3, 0), []any{dec("1", 0), dec("100", 0)}},
	}, 0, []exprCase{
		{name: "38 nines + 1", e: call("+", d380, colRef(0, d380), colRef(1, sqltype.Decimal(3, 0))), err: sqlerr.DataOutOfRange},
		{name: "1e37 * 100", e: call("*", d380, colRef(0, d380), colRef(1, sqltype.Decimal(3, 0))), err: sqlerr.DataOutOfRange},
		{name: "x - x", e: call("-", d380, colRef(0, d380), colRef(0, d380)), want: strs("0, 0")},
	})
	// Aligning scales can overflow 128 bits before the sum is taken: 10^9 at scale 30 needs 40 digits.
	evalExprCases(t, []inCol{
		{d380, []any{dec("1000000000", 0)}},
		{d3830, []any{dec("0", 30)}},
	}, 0, []exprCase{
		{name: "10^9 + 0.000...0 at scale 30", e: call("+", d3830, colRef(0, d380), colRef(1, d3830)), err: sqlerr.DataOutOfRange},
	})
}

// cmpCols are x and y for comparisons: the rows are (a,b), (b,b), (b,a), (NULL,a), (b,NULL), (NULL,NULL).
func cmpCols(t sqltype.Type, a, b any) []inCol {
	return []inCol{{t, []any{a, b, b, nil, b, nil}}, {t, []any{b, b, a, a, nil, nil}}}
}

func TestComparisons(t *testing.T) {
	types := []struct {
		name string
		t    sqltype.Type
		a, b any // a < b
	}{
		{"bigint", bigint, int64(-1), int64(2)},
		{"double", double, -0.5, 0.25},
		{"decimal", sqltype.Decimal(10, 3), dec("-1.5", 3), dec("1.25", 3)},
		{"text bytes", text, "B", "a"},
		{"text multibyte", text, "é", "日"},
		{"text prefix", text, "ab", "abc"},
		{"timestamp", tsT, ts("1969-12-31 23:59:59.5"), ts("2024-01-01")},
		{"boolean", boolT, false, true},
	}
	for _, typ := range types {
		t.Run(typ.name, func(t *testing.T) {
			x, y := colRef(0, typ.t), colRef(1, typ.t)
			evalExprCases(t, cmpCols(typ.t, typ.a, typ.b), 0, []exprCase{
				{name: "=", e: boolCall("=", x, y), want: strs("false, true, false, NULL, NULL, NULL")},
				{name: "<>", e: boolCall("<>", x, y), want: strs("true, false, true, NULL, NULL, NULL")},
				{name: "<", e: boolCall("<", x, y), want: strs("true, false, false, NULL, NULL, NULL")},
				{name: "<=", e: boolCall("<=", x, y), want: strs("true, true, false, NULL, NULL, NULL")},
				{name: ">", e: boolCall(">", x, y), want: strs("false, false, true, NULL, NULL, NULL")},
				{name: ">=", e: boolCall(">=", x, y), want: strs("false, true, true, NULL, NULL, NULL")},
				{name: "<=>", e: boolCall("<=>", x, y), want: strs("false, true, false, false, false, true")},
				{name: "x = literal b", e: boolCall("=", x, lit(typ.t, typ.b)), want: strs("false, true, true, NULL, true, NULL")},
				{name: "x <=> NULL", e: boolCall("<=>", x, lit(typ.t, nil)), want: strs("false, false, false, true, false, true")},
				{name: "x < NULL", e: boolCall("<", x, lit(typ.t, nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
			})
		})
	}
	t.Run("-0 = 0", func(t *testing.T) {
		evalExprCases(t, []inCol{{double, []any{math.Copysign(0, -1)}}, {double, []any{0.0}}}, 0, []exprCase{
			{name: "=", e: boolCall("=", colRef(0, double), colRef(1, double)), want: strs("true")},
			{name: "<=>", e: boolCall("<=>", colRef(0, double), colRef(1, double)), want: strs("true")},
		})
	})
	t.Run("literals", func(t *testing.T) {
		evalExprCases(t, nil, 2, []exprCase{
			{name: "1 < 2", e: boolCall("<", i64(1), i64(2)), want: strs("true, true")},
			{name: "NULL <=> NULL", e: boolCall("<=>", lit(bigint, nil), lit(bigint, nil)), want: strs("true, true")},
			{name: "'a' = NULL", e: boolCall("=", lit(text, "a"), lit(text, nil)), want: strs("NULL, NULL")},
		})
	})
}

func TestLogic(t *testing.T) {
	x, y := colRef(0, boolT), colRef(1, boolT)
	cols := []inCol{
		{boolT, []any{true, true, true, false, false, false, nil, nil, nil}},
		{boolT, []any{true, false, nil, true, false, nil, true, false, nil}},
	}
	evalExprCases(t, cols, 0, []exprCase{
		{name: "AND", e: boolCall("and", x, y), want: strs("true, false, NULL, false, false, false, NULL, false, NULL")},
		{name: "OR", e: boolCall("or", x, y), want: strs("true, true, true, true, false, NULL, true, NULL, NULL")},
		{name: "NOT", e: boolCall("not", x), want: strs("false, false, false, true, true, true, NULL, NULL, NULL")},
		{name: "NOT (x AND y) = NOT x OR NOT y", e: boolCall("<=>", boolCall("not", boolCall("and", x, y)), boolCall("or", boolCall("not", x), boolCall("not", y))),
			want: strs("true, true, true, true, true, true, true, true, true")},
		{name: "IS NULL", e: boolCall("is_null", x), want: strs("false, false, false, false, false, false, true, true, true")},
		{name: "IS NOT NULL", e: boolCall("is_not_null", y), want: strs("true, true, false, true, true, false, true, true, false")},
		{name: "x AND TRUE", e: boolCall("and", x, lit(boolT, true)), want: strs("true, true, true, false, false, false, NULL, NULL, NULL")},
		{name: "x AND NULL", e: boolCall("and", x, lit(boolT, nil)), want: strs("NULL, NULL, NULL, false, false, false, NULL, NULL, NULL")},
		{name: "x OR NULL", e: boolCall("or", x, lit(boolT, nil)), want: strs("true, true, true, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "FALSE AND NULL", e: boolCall("and", lit(boolT, false), lit(boolT, nil)), want: strs("false, false, false, false, false, false, false, false, false")},
	})
}

// TestIsNullEveryType checks IS NULL and IS NOT NULL over a column of every kind.
func TestIsNullEveryType(t *testing.T) {
	types := []struct {
		t    sqltype.Type
		v    any
		name string
	}{
		{bigint, int64(1), "bigint"},
		{double, 1.5, "double"},
		{text, "x", "text"},
		{tsT, ts("2024-01-01"), "timestamp"},
		{boolT, true, "boolean"},
		{sqltype.Decimal(10, 2), dec("1.5", 2), "decimal"},
	}
	for _, typ := range types {
		t.Run(typ.name, func(t *testing.T) {
			x := colRef(0, typ.t)
			evalExprCases(t, []inCol{{typ.t, []any{typ.v, nil}}}, 0, []exprCase{
				{name: "IS NULL", e: boolCall("is_null", x), want: strs("false, true")},
				{name: "IS NOT NULL", e: boolCall("is_not_null", x), want: strs("true, false")},
			})
		})
	}
}

func inCall(negate bool, args ...planner.Expr) *planner.Call {
	return &planner.Call{Func: "in", Args: args, T: boolT, Negate: negate}
}

func TestIn(t *testing.T) {
	x, y := colRef(0, bigint), colRef(1, bigint)
	cols := []inCol{
		{bigint, []any{int64(1), int64(2), nil, int64(3), int64(4)}},
		{bigint, []any{int64(1), nil, int64(1), int64(4), int64(4)}},
	}
	null := lit(bigint, nil)
	evalExprCases(t, cols, 0, []exprCase{
		{name: "x IN (1, NULL)", e: inCall(false, x, i64(1), null), want: strs("true, NULL, NULL, NULL, NULL")},
		{name: "x NOT IN (1, NULL)", e: inCall(true, x, i64(1), null), want: strs("false, NULL, NULL, NULL, NULL")},
		{name: "x IN (1, 3)", e: inCall(false, x, i64(1), i64(3)), want: strs("true, false, NULL, true, false")},
		{name: "x NOT IN (1, 3)", e: inCall(true, x, i64(1), i64(3)), want: strs("false, true, NULL, false, true")},
		{name: "x IN (NULL)", e: inCall(false, x, null), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "x IN (3)", e: inCall(false, x, i64(3)), want: strs("false, false, NULL, true, false")},
		{name: "x IN (y, 5)", e: inCall(false, x, y, i64(5)), want: strs("true, NULL, NULL, false, true")},
		{name: "x NOT IN (y, 5)", e: inCall(true, x, y, i64(5)), want: strs("false, NULL, NULL, true, false")},
		{name: "x IN (y, NULL)", e: inCall(false, x, y, null), want: strs("true, NULL, NULL, NULL, true")},
		{name: "x IN (y + 1, 2)", e: inCall(false, x, call("+", bigint, y, i64(1)), i64(2)), want: strs("false, true, NULL, false, false")},
		{name: "2 IN (1, 2)", e: inCall(false, i64(2), i64(1), i64(2)), want: strs("true, true, true, true, true")},
		{name: "NULL IN (1)", e: inCall(false, null, i64(1)), want: strs("NULL, NULL, NULL, NULL, NULL")},
	})
	others := []struct {
		name    string
		t       sqltype.Type
		in, out any
	}{
		{"text", text, "日本", "日"},
		{"double", double, 2.5, 2.25},
		{"decimal", sqltype.Decimal(10, 2), dec("2.50", 2), dec("2.49", 2)},
		{"timestamp", tsT, ts("2024-02-29 12:00:00"), ts("2024-02-29 12:00:01")},
		{"boolean", boolT, true, false},
	}
	for _, o := range others {
		t.Run(o.name, func(t *testing.T) {
			x := colRef(0, o.t)
			evalExprCases(t, []inCol{{o.t, []any{o.in, o.out, nil}}}, 0, []exprCase{
				{name: "const list", e: inCall(false, x, lit(o.t, o.in)), want: strs("true, false, NULL")},
				{name: "const list with NULL", e: inCall(false, x, lit(o.t, nil), lit(o.t, o.in)), want: strs("true, NULL, NULL")},
				{name: "NOT IN", e: inCall(true, x, lit(o.t, o.in)), want: strs("false, true, NULL")},
				{name: "column list", e: inCall(false, x, x, lit(o.t, o.in)), want: strs("true, true, NULL")},
			})
		})
	}
}

func likeCall(negate bool, args ...planner.Expr) *planner.Call {
	return &planner.Call{Func: "like", Args: args, T: boolT, Negate: negate}
}

func TestLike(t *testing.T) {
	s, p := colRef(0, text), colRef(1, text)
	cols := []inCol{
		{text, []any{"abc", "ABC", "a%c", "", nil, "日本語", "a\nc", "abc"}},
		{text, []any{"a%", "a%", `a\%c`, "%", "a", "__語", "a_c", nil}},
	}
	pat := func(v string) *planner.Literal { return lit(text, v) }
	evalExprCases(t, cols, 0, []exprCase{
		{name: "LIKE 'a%'", e: likeCall(false, s, pat("a%")), want: strs("true, false, true, false, NULL, false, true, true")},
		{name: "LIKE '%c'", e: likeCall(false, s, pat("%c")), want: strs("true, false, true, false, NULL, false, true, true")},
		{name: "LIKE 'a_c'", e: likeCall(false, s, pat("a_c")), want: strs("true, false, true, false, NULL, false, true, true")},
		{name: "LIKE '%b%'", e: likeCall(false, s, pat("%b%")), want: strs("true, false, false, false, NULL, false, false, true")},
		{name: "LIKE 'abc'", e: likeCall(false, s, pat("abc")), want: strs("true, false, false, false, NULL, false, false, true")},
		{name: `LIKE 'a\%c'`, e: likeCall(false, s, pat(`a\%c`)), want: strs("false, false, true, false, NULL, false, false, false")},
		{name: "LIKE '日%'", e: likeCall(false, s, pat("日%")), want: strs("false, false, false, false, NULL, true, false, false")},
		{name: "LIKE '%'", e: likeCall(false, s, pat("%")), want: strs("true, true, true, true, NULL, true, true, true")},
		{name: "NOT LIKE 'a%'", e: likeCall(true, s, pat("a%")), want: strs("false, true, false, true, NULL, true, false, false")},
		{name: "LIKE column", e: likeCall(false, s, p), want: strs("true, false, true, true, NULL, true, true, NULL")},
		{name: "NOT LIKE column", e: likeCall(true, s, p), want: strs("false, true, false, false, NULL, false, false, NULL")},
		{name: "LIKE NULL", e: likeCall(false, s, lit(text, nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "ESCAPE '!'", e: likeCall(false, s, pat("a!%c"), lit(text, "!")), want: strs("false, false, true, false, NULL, false, false, false")},
		{name: "ESCAPE '!' keeps backslash literal", e: likeCall(false, s, pat(`a\%c`), lit(text, "!")), want: strs("false, false, false, false, NULL, false, false, false")},
		{name: "'abc' LIKE 'a%'", e: likeCall(false, pat("abc"), pat("a%")), want: strs("true, true, true, true, true, true, true, true")},
	})
	t.Run("ESCAPE must be one character", func(t *testing.T) {
		_, err := compile(likeCall(false, s, pat("a%"), lit(text, "ab")))
		requireErrNum(t, err, sqlerr.WrongArguments)
	})
	t.Run("ESCAPE that is not a literal", func(t *testing.T) {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("compile panicked: %v", r)
				}
			}()
			_, err = compile(likeCall(false, s, pat("a%"), colRef(1, text)))
		}()
		requireErrNum(t, err, sqlerr.WrongArguments)
	})
	t.Run("ESCAPE ''", func(t *testing.T) {
		// MySQL documents an empty ESCAPE as "no escape character": the backslash is then an ordinary character.
		m := compileLikePattern(`a\%c`, -1)
		for str, want := range map[string]bool{`a\c`: true, `a\xyzc`: true, `a%c`: false, `a\%c`: true} {
			if got := m(str); got != want {
				t.Errorf("%q LIKE %q ESCAPE '' = %v, want %v", str, `a\%c`, got, want)
			}
		}
		ev, err := compile(likeCall(false, s, pat(`a\%c`), lit(text, "")))
		if err != nil {
			t.Fatal(err)
		}
		if esc := ev.(*likeEval).escape; esc != -1 {
			t.Fatalf("ESCAPE '' compiled to escape %q, want none", esc)
		}
	})
}

func castCall(to sqltype.Type, x planner.Expr) *planner.Call { return call("cast", to, x) }

func TestCast(t *testing.T) {
	d102 := sqltype.Decimal(10, 2)
	groups := []struct {
		name  string
		from  sqltype.Type
		vals  []any
		cases []exprCase // e is built from the case's T by castCall over column 0
	}{
		{"from bigint", bigint, []any{int64(42), int64(-7), int64(0), nil, int64(20240131)}, []exprCase{
			{name: "double", e: castCall(double, nil), want: strs("42, -7, 0, NULL, 20240131")},
			{name: "decimal(10,2)", e: castCall(d102, nil), want: strs("42.00, -7.00, 0.00, NULL, 20240131.00")},
			{name: "text", e: castCall(text, nil), want: strs("42, -7, 0, NULL, 20240131")},
			{name: "boolean", e: castCall(boolT, nil), want: strs("true, true, false, NULL, true")},
			{name: "timestamp", e: castCall(tsT, nil), want: strs("NULL, NULL, NULL, NULL, 2024-01-31 00:00:00")},
			{name: "bigint", e: castCall(bigint, nil), want: strs("42, -7, 0, NULL, 20240131")},
			{name: "decimal(4,2) overflows", e: castCall(sqltype.Decimal(4, 2), nil), err: sqlerr.DataOutOfRange},
		}},
		{"from double", double, []any{2.5, -2.5, 0.1, nil, 1.4999, 20240131.0}, []exprCase{
			{name: "bigint rounds half to even", e: castCall(bigint, nil), want: strs("2, -2, 0, NULL, 1, 20240131")},
			{name: "decimal(11,3)", e: castCall(sqltype.Decimal(11, 3), nil), want: strs("2.500, -2.500, 0.100, NULL, 1.500, 20240131.000")},
			{name: "text", e: castCall(text, nil), want: strs("2.5, -2.5, 0.1, NULL, 1.4999, 20240131")},
			{name: "boolean", e: castCall(boolT, nil), want: strs("true, true, true, NULL, true, true")},
			{name: "timestamp", e: castCall(tsT, nil), want: strs("NULL, NULL, NULL, NULL, NULL, 2024-01-31 00:00:00")},
		}},
		{"from big double", double, []any{1e20, -1e-7}, []exprCase{
			{name: "bigint overflows", e: castCall(bigint, nil), err: sqlerr.DataOutOfRange},
			{name: "text", e: castCall(text, nil), want: strs("1e20, -1e-7")},
			{name: "decimal(5,2) overflows", e: castCall(sqltype.Decimal(5, 2), nil), err: sqlerr.DataOutOfRange},
		}},
		{"from decimal", d102, []any{dec("2.50", 2), dec("-2.50", 2), dec("0.49", 2), nil, dec("12345678.99", 2), dec("0", 2)}, []exprCase{
			{name: "bigint rounds half away from zero", e: castCall(bigint, nil), want: strs("3, -3, 0, NULL, 12345679, 0")},
			{name: "double", e: castCall(double, nil), want: strs("2.5, -2.5, 0.49, NULL, 12345678.99, 0")},
			{name: "text", e: castCall(text, nil), want: strs("2.50, -2.50, 0.49, NULL, 12345678.99, 0.00")},
			{name: "decimal(12,1) rounds", e: castCall(sqltype.Decimal(12, 1), nil), want: strs("2.5, -2.5, 0.5, NULL, 12345679.0, 0.0")},
			{name: "decimal(14,4)", e: castCall(sqltype.Decimal(14, 4), nil), want: strs("2.5000, -2.5000, 0.4900, NULL, 12345678.9900, 0.0000")},
			{name: "boolean", e: castCall(boolT, nil), want: strs("true, true, true, NULL, true, false")},
			{name: "decimal(5,1) overflows", e: castCall(sqltype.Decimal(5, 1), nil), err: sqlerr.DataOutOfRange},
		}},
		{"from text", text, []any{"42", " -7 ", "3abc", "abc", nil, "1.5e3x", "2024-01-31 12:34:56.5", "", "0.0"}, []exprCase{
			{name: "bigint reads the numeric prefix", e: castCall(bigint, nil), want: strs("42, -7, 3, 0, NULL, 1, 2024, 0, 0")},
			{name: "double reads the numeric prefix", e: castCall(double, nil), want: strs("42, -7, 3, 0, NULL, 1500, 2024, 0, 0")},
			{name: "decimal(10,2)", e: castCall(d102, nil), want: strs("42.00, -7.00, 3.00, 0.00, NULL, 1500.00, 2024.00, 0.00, 0.00")},
			{name: "timestamp", e: castCall(tsT, nil), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, 2024-01-31 12:34:56.500000, NULL, NULL")},
			{name: "boolean", e: castCall(boolT, nil), want: strs("true, true, true, false, NULL, true, true, false, false")},
			{name: "text", e: castCall(text, nil), want: []string{"42", " -7 ", "3abc", "abc", "NULL", "1.5e3x", "2024-01-31 12:34:56.5", "", "0.0"}},
		}},
		{"from text out of range", text, []any{"99999999999999999999"}, []exprCase{
			{name: "bigint", e: castCall(bigint, nil), err: sqlerr.DataOutOfRange},
			{name: "decimal(5,0)", e: castCall(sqltype.Decimal(5, 0), nil), err: sqlerr.DataOutOfRange},
			{name: "double", e: castCall(double, nil), want: strs("1e20")},
		}},
		{"from timestamp", tsT, []any{ts("2024-01-31 12:34:56"), ts("1969-12-31 23:59:59.5"), nil}, []exprCase{
			{name: "bigint", e: castCall(bigint, nil), want: strs("20240131123456, 19691231235959, NULL")},
			{name: "double", e: castCall(double, nil), want: strs("20240131123456, 19691231235959.5, NULL")},
			{name: "text", e: castCall(text, nil), want: strs("2024-01-31 12:34:56, 1969-12-31 23:59:59.500000, NULL")},
			{name: "boolean", e: castCall(boolT, nil), want: strs("true, true, NULL")},
			{name: "decimal(20,2)", e: castCall(sqltype.Decimal(20, 2), nil), want: strs("20240131123456.00, 19691231235959.50, NULL")},
		}},
		{"from boolean", boolT, []any{true, false, nil}, []exprCase{
			{name: "bigint", e: castCall(bigint, nil), want: strs("1, 0, NULL")},
			{name: "double", e: castCall(double, nil), want: strs("1, 0, NULL")},
			{name: "decimal(3,1)", e: castCall(sqltype.Decimal(3, 1), nil), want: strs("1.0, 0.0, NULL")},
			{name: "text", e: castCall(text, nil), want: strs("1, 0, NULL")},
			{name: "timestamp", e: castCall(tsT, nil), want: strs("NULL, NULL, NULL")},
		}},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for i := range g.cases {
				g.cases[i].e.(*planner.Call).Args = []planner.Expr{colRef(0, g.from)}
			}
			evalExprCases(t, []inCol{{g.from, g.vals}}, 0, g.cases)
		})
	}
	t.Run("from NULL", func(t *testing.T) {
		var cases []exprCase
		for _, to := range []sqltype.Type{bigint, double, d102, text, tsT, boolT} {
			cases = append(cases, exprCase{name: to.String(), e: castCall(to, lit(sqltype.Null, nil)), want: strs("NULL, NULL")})
		}
		evalExprCases(t, nil, 2, cases)
	})
}

// A branch or argument a row does not need is not evaluated for it: the error it would raise elsewhere (BIGINT
// overflow at the limit) is not the query's, and the rows that need it still get it.
func TestControlEvaluatesLazily(t *testing.T) {
	x := colRef(0, bigint)
	plusOne := call("+", bigint, x, i64(1))
	lessThanMax := boolCall("<", x, i64(math.MaxInt64))
	evalExprCases(t, []inCol{{bigint, []any{int64(1), int64(math.MaxInt64), nil, int64(-5)}}}, 0, []exprCase{
		{name: "case when x < max then x + 1 else x", e: call("case", bigint, lessThanMax, plusOne, x),
			want: strs("2, 9223372036854775807, NULL, -4")},
		{name: "case when x < max then x + 1 (no else)", e: call("case", bigint, lessThanMax, plusOne),
			want: strs("2, NULL, NULL, -4")},
		{name: "coalesce(case when x < max then NULL else x, x + 1)",
			e:    call("coalesce", bigint, call("case", bigint, lessThanMax, lit(bigint, nil), x), plusOne),
			want: strs("2, 9223372036854775807, NULL, -4")},
		{name: "case when x = max then x + 1: the row that needs it fails", e: call("case", bigint, boolCall("=", x, i64(math.MaxInt64)), plusOne, x),
			err: sqlerr.DataOutOfRange},
	})
}

func TestCoalesce(t *testing.T) {
	x, y := colRef(0, bigint), colRef(1, bigint)
	evalExprCases(t, []inCol{
		{bigint, []any{nil, int64(1), nil, nil}},
		{bigint, []any{int64(2), int64(3), nil, nil}},
	}, 0, []exprCase{
		{name: "coalesce(x, y, 9)", e: call("coalesce", bigint, x, y, i64(9)), want: strs("2, 1, 9, 9")},
		{name: "coalesce(x, y)", e: call("coalesce", bigint, x, y), want: strs("2, 1, NULL, NULL")},
		{name: "coalesce(NULL, x)", e: call("coalesce", bigint, lit(bigint, nil), x), want: strs("NULL, 1, NULL, NULL")},
		{name: "coalesce(y)", e: call("coalesce", bigint, y), want: strs("2, 3, NULL, NULL")},
	})
	others := []struct {
		t    sqltype.Type
		v, d any
	}{
		{text, "a", "z"},
		{double, 1.5, -2.0},
		{sqltype.Decimal(10, 2), dec("1.5", 2), dec("-2", 2)},
		{tsT, ts("2024-01-01"), ts("1970-01-01")},
		{boolT, false, true},
	}
	for _, o := range others {
		t.Run(o.t.String(), func(t *testing.T) {
			x := colRef(0, o.t)
			want := []string{plainLit(o.t, o.v), plainLit(o.t, o.d)}
			evalExprCases(t, []inCol{{o.t, []any{o.v, nil}}}, 0, []exprCase{
				{name: "coalesce(x, d)", e: call("coalesce", o.t, x, lit(o.t, o.d)), want: want},
			})
		})
	}
}

// plainLit renders a value of type t as plainValue renders it from an array.
func plainLit(t sqltype.Type, v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return formatValue(t.Arrow(), v)
}

func TestEvalConstant(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		e    planner.Expr
		want any
		err  sqlerror.ErrorCode
	}{
		{"1 + 2", call("+", bigint, i64(1), i64(2)), int64(3), 0},
		{"NULL", lit(bigint, nil), nil, 0},
		{"7 DIV 0", call("div", bigint, i64(7), i64(0)), nil, 0},
		{"CAST('1.5' AS DECIMAL(4,2))", castCall(sqltype.Decimal(4, 2), lit(text, "1.5")), dec("1.5", 2), 0},
		{"CAST('2024-01-31' AS TIMESTAMP)", castCall(tsT, lit(text, "2024-01-31")), ts("2024-01-31"), 0},
		{"'abc' LIKE 'a%'", likeCall(false, lit(text, "abc"), lit(text, "a%")), true, 0},
		{"1 IN (2, NULL)", inCall(false, i64(1), i64(2), lit(bigint, nil)), nil, 0},
		{"coalesce(NULL, 'x')", call("coalesce", text, lit(text, nil), lit(text, "x")), "x", 0},
		{"0.1e0 * 3", call("*", double, lit(double, 0.1), lit(double, 3.0)), 0.30000000000000004, 0},
		{"NOT (1 = 1)", boolCall("not", boolCall("=", i64(1), i64(1))), false, 0},
		{"MAX + 1", call("+", bigint, i64(math.MaxInt64), i64(1)), nil, sqlerr.DataOutOfRange},
		{"no such function", call("nope", bigint, i64(1)), nil, sqlerr.NoSuchFunction},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EvalConstant(ctx, tc.e)
			if tc.err != 0 {
				requireErrNum(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("EvalConstant(%s) = %#v, want %#v", tc.e, got, tc.want)
			}
		})
	}
}

// TestKernelOutputsReleaseValidity checks that fixedOut and boolOut give back the validity buffer of an output
// that has NULLs when the array is released.
func TestKernelOutputsReleaseValidity(t *testing.T) {
	for _, e := range []planner.Expr{
		call("/", double, colRef(0, double), lit(double, 0.0)), // fixedOut
		boolCall("<=>", colRef(0, double), lit(double, 1.0)),   // boolOut, no NULLs: fine
		boolCall("like", castCall(text, colRef(0, double)), lit(text, "1%")),
	} {
		mem := newCheckedMem()
		ev, err := compile(e)
		if err != nil {
			t.Fatal(err)
		}
		in := buildArray(t, mem, double, []any{1.0, nil})
		b := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: in.DataType(), Nullable: true}}, nil), []arrow.Array{in}, 2)
		in.Release()
		res, err := ev.eval(newEvalCtx(context.Background(), mem), b)
		if err != nil {
			t.Fatal(err)
		}
		res.Release()
		b.Release()
		if n := mem.CurrentAlloc(); n != 0 {
			t.Errorf("%s: %d bytes left after releasing the result", e, n)
		}
	}
}

// TestInErrorReleasesOutput: when comparing the probe with a list item fails, the output already allocated must
// be given back. (The binder casts items to the probe's type, so only a malformed plan gets here.)
func TestInErrorReleasesOutput(t *testing.T) {
	mem := newCheckedMem()
	x := buildArray(t, mem, bigint, []any{int64(1), nil})
	y := buildArray(t, mem, text, []any{"a", "b"})
	b := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "x", Type: x.DataType()}, {Name: "y", Type: y.DataType()}}, nil),
		[]arrow.Array{x, y}, 2)
	x.Release()
	y.Release()
	ev, err := compile(inCall(false, colRef(0, bigint), colRef(1, text)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ev.eval(newEvalCtx(context.Background(), mem), b); err == nil {
		t.Fatal("comparing BIGINT with TEXT succeeded")
	}
	b.Release()
	if n := mem.CurrentAlloc(); n != 0 {
		t.Errorf("%d bytes left after a failed IN", n)
	}
}

// TestEvalConstantDecimalIsNull: the binder folds `1.50 IS NULL` with EvalConstant, which has no panic guard
// of its own, so IS NULL over a DECIMAL literal must not panic.
func TestEvalConstantDecimalIsNull(t *testing.T) {
	var got any
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("EvalConstant panicked: %v", r)
			}
		}()
		got, err = EvalConstant(context.Background(), boolCall("is_null", lit(sqltype.Decimal(3, 2), dec("1.5", 2))))
	}()
	if err != nil || got != false {
		t.Errorf("1.50 IS NULL = %v, %v; want false", got, err)
	}
}
