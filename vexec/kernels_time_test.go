package vexec

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Time kernel tests: every case runs over a whole batch and over a slice of a longer one, with a checked
// allocator (evalExprCases). Expected values are MySQL's (DATE_TRUNC and TO_TIMESTAMP: PostgreSQL's).

func tmtText(s string) *planner.Literal { return lit(text, s) }

// tmtTimes is the usual timestamp column: a weekday, NULL, the last microsecond before the epoch, a leap day,
// the last microsecond of a year, the first day of year 1 (a Monday) and the epoch (a Thursday).
var tmtTimes = inCol{tsT, []any{
	ts("2024-05-17 13:45:27.123456"), nil, ts("1969-12-31 23:59:59.999999"), ts("2024-02-29 23:59:59"),
	ts("2024-12-31 23:59:59.999999"), ts("0001-01-01 00:00:00"), ts("1970-01-01 00:00:00"),
}}

func TestTimeDateTruncUnits(t *testing.T) {
	x := colRef(0, tsT)
	trunc := func(unit string) planner.Expr { return call("date_trunc", tsT, tmtText(unit), x) }
	evalExprCases(t, []inCol{tmtTimes}, 0, []exprCase{
		{name: "microsecond", e: trunc("microsecond"), want: []string{"2024-05-17 13:45:27.123456", "NULL",
			"1969-12-31 23:59:59.999999", "2024-02-29 23:59:59", "2024-12-31 23:59:59.999999", "0001-01-01 00:00:00", "1970-01-01 00:00:00"}},
		{name: "millisecond", e: trunc("millisecond"), want: []string{"2024-05-17 13:45:27.123000", "NULL",
			"1969-12-31 23:59:59.999000", "2024-02-29 23:59:59", "2024-12-31 23:59:59.999000", "0001-01-01 00:00:00", "1970-01-01 00:00:00"}},
		{name: "second", e: trunc("second"), want: []string{"2024-05-17 13:45:27", "NULL",
			"1969-12-31 23:59:59", "2024-02-29 23:59:59", "2024-12-31 23:59:59", "0001-01-01 00:00:00", "1970-01-01 00:00:00"}},
		{name: "minute", e: trunc("minute"), want: []string{"2024-05-17 13:45:00", "NULL",
			"1969-12-31 23:59:00", "2024-02-29 23:59:00", "2024-12-31 23:59:00", "0001-01-01 00:00:00", "1970-01-01 00:00:00"}},
		{name: "hour", e: trunc("HOUR"), want: []string{"2024-05-17 13:00:00", "NULL",
			"1969-12-31 23:00:00", "2024-02-29 23:00:00", "2024-12-31 23:00:00", "0001-01-01 00:00:00", "1970-01-01 00:00:00"}},
		{name: "day", e: trunc("Day"), want: []string{"2024-05-17 00:00:00", "NULL",
			"1969-12-31 00:00:00", "2024-02-29 00:00:00", "2024-12-31 00:00:00", "0001-01-01 00:00:00", "1970-01-01 00:00:00"}},
		{name: "week starts on Monday", e: trunc("week"), want: []string{"2024-05-13 00:00:00", "NULL",
			"1969-12-29 00:00:00", "2024-02-26 00:00:00", "2024-12-30 00:00:00", "0001-01-01 00:00:00", "1969-12-29 00:00:00"}},
		{name: "month", e: trunc("month"), want: []string{"2024-05-01 00:00:00", "NULL",
			"1969-12-01 00:00:00", "2024-02-01 00:00:00", "2024-12-01 00:00:00", "0001-01-01 00:00:00", "1970-01-01 00:00:00"}},
		{name: "quarter", e: trunc("quarter"), want: []string{"2024-04-01 00:00:00", "NULL",
			"1969-10-01 00:00:00", "2024-01-01 00:00:00", "2024-10-01 00:00:00", "0001-01-01 00:00:00", "1970-01-01 00:00:00"}},
		{name: "year", e: trunc("YEAR"), want: []string{"2024-01-01 00:00:00", "NULL",
			"1969-01-01 00:00:00", "2024-01-01 00:00:00", "2024-01-01 00:00:00", "0001-01-01 00:00:00", "1970-01-01 00:00:00"}},
		{name: "date()", e: call("date", tsT, x), want: []string{"2024-05-17 00:00:00", "NULL",
			"1969-12-31 00:00:00", "2024-02-29 00:00:00", "2024-12-31 00:00:00", "0001-01-01 00:00:00", "1970-01-01 00:00:00"}},
		{name: "NULL unit", e: call("date_trunc", tsT, lit(text, nil), x), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "unknown unit", e: trunc("fortnight"), err: sqlerr.WrongArguments},
	})
}

func TestTimeDateTruncPerRowUnit(t *testing.T) {
	u, x := colRef(0, text), colRef(1, tsT)
	evalExprCases(t, []inCol{
		{text, []any{"day", "MONTH", nil, "week", "year", "day"}},
		{tsT, []any{ts("2024-05-17 13:45:27"), ts("2024-05-17 13:45:27"), ts("2024-05-17 13:45:27"), nil,
			ts("1969-07-20 20:17:40"), ts("1969-07-20 20:17:40")}},
	}, 0, []exprCase{
		{name: "unit column", e: call("date_trunc", tsT, u, x), want: strs("2024-05-17 00:00:00, 2024-05-01 00:00:00, NULL, NULL, 1969-01-01 00:00:00, 1969-07-20 00:00:00")},
	})
	evalExprCases(t, []inCol{{text, []any{"day", "eon"}}}, 0, []exprCase{
		{name: "unknown unit in a row", e: call("date_trunc", tsT, u, lit(tsT, ts("2024-01-01"))), err: sqlerr.WrongArguments},
	})
}

func TestTimeConstantArguments(t *testing.T) {
	// Every argument a literal: what the binder folds through EvalConstant.
	evalExprCases(t, nil, 2, []exprCase{
		{name: "date_trunc", e: call("date_trunc", tsT, tmtText("month"), lit(tsT, ts("2024-02-29 12:00:00"))), want: strs("2024-02-01 00:00:00, 2024-02-01 00:00:00")},
		{name: "extract", e: call("extract", bigint, tmtText("day"), lit(tsT, ts("2024-02-29 12:00:00"))), want: strs("29, 29")},
		{name: "date_add", e: call("date_add", tsT, lit(tsT, ts("2024-01-31")), i64(1), tmtText("month")), want: strs("2024-02-29 00:00:00, 2024-02-29 00:00:00")},
		{name: "convert_tz", e: call("convert_tz", tsT, lit(tsT, ts("2024-07-01 12:00:00")), tmtText("UTC"), tmtText("Europe/Paris")), want: strs("2024-07-01 14:00:00, 2024-07-01 14:00:00")},
		{name: "date_format", e: call("date_format", text, lit(tsT, ts("2024-07-01 12:00:00")), tmtText("%d.%m.%Y")), want: strs("01.07.2024, 01.07.2024")},
		{name: "NULL timestamp", e: call("year", bigint, lit(tsT, nil)), want: strs("NULL, NULL")},
	})
}

func TestTimeFields(t *testing.T) {
	x := colRef(0, tsT)
	field := func(name string) planner.Expr { return call(name, bigint, x) }
	extract := func(unit string) planner.Expr { return call("extract", bigint, tmtText(unit), x) }
	// 2024-05-17 (Friday), NULL, 1969-12-31 (Wednesday), 2024-02-29 (Thursday), 2024-12-31 (Tuesday),
	// 0001-01-01 (Monday), 1970-01-01 (Thursday).
	evalExprCases(t, []inCol{tmtTimes}, 0, []exprCase{
		{name: "year", e: field("year"), want: strs("2024, NULL, 1969, 2024, 2024, 1, 1970")},
		{name: "quarter", e: field("quarter"), want: strs("2, NULL, 4, 1, 4, 1, 1")},
		{name: "month", e: field("month"), want: strs("5, NULL, 12, 2, 12, 1, 1")},
		{name: "day", e: field("day"), want: strs("17, NULL, 31, 29, 31, 1, 1")},
		{name: "dayofmonth", e: field("dayofmonth"), want: strs("17, NULL, 31, 29, 31, 1, 1")},
		{name: "hour", e: field("hour"), want: strs("13, NULL, 23, 23, 23, 0, 0")},
		{name: "minute", e: field("minute"), want: strs("45, NULL, 59, 59, 59, 0, 0")},
		{name: "second", e: field("second"), want: strs("27, NULL, 59, 59, 59, 0, 0")},
		{name: "microsecond", e: field("microsecond"), want: strs("123456, NULL, 999999, 0, 999999, 0, 0")},
		{name: "dayofweek (1 = Sunday)", e: field("dayofweek"), want: strs("6, NULL, 4, 5, 3, 2, 5")},
		{name: "weekday (0 = Monday)", e: field("weekday"), want: strs("4, NULL, 2, 3, 1, 0, 3")},
		{name: "dayofyear", e: field("dayofyear"), want: strs("138, NULL, 365, 60, 366, 1, 1")},
		{name: "week", e: call("week", bigint, x), want: strs("19, NULL, 52, 8, 52, 0, 0")},
		{name: "extract year", e: extract("year"), want: strs("2024, NULL, 1969, 2024, 2024, 1, 1970")},
		{name: "extract week", e: extract("week"), want: strs("19, NULL, 52, 8, 52, 0, 0")},
		{name: "extract microsecond", e: extract("microsecond"), want: strs("123456, NULL, 999999, 0, 999999, 0, 0")},
		{name: "extract year_month", e: extract("year_month"), want: strs("202405, NULL, 196912, 202402, 202412, 101, 197001")},
		{name: "extract day_hour", e: extract("day_hour"), want: strs("1713, NULL, 3123, 2923, 3123, 100, 100")},
		{name: "extract day_minute", e: extract("day_minute"), want: strs("171345, NULL, 312359, 292359, 312359, 10000, 10000")},
		{name: "extract day_second", e: extract("day_second"), want: strs("17134527, NULL, 31235959, 29235959, 31235959, 1000000, 1000000")},
		{name: "extract day_microsecond", e: extract("day_microsecond"), want: strs("17134527123456, NULL, 31235959999999, 29235959000000, 31235959999999, 1000000000000, 1000000000000")},
		{name: "extract hour_minute", e: extract("hour_minute"), want: strs("1345, NULL, 2359, 2359, 2359, 0, 0")},
		{name: "extract hour_second", e: extract("hour_second"), want: strs("134527, NULL, 235959, 235959, 235959, 0, 0")},
		{name: "extract hour_microsecond", e: extract("hour_microsecond"), want: strs("134527123456, NULL, 235959999999, 235959000000, 235959999999, 0, 0")},
		{name: "extract minute_second", e: extract("minute_second"), want: strs("4527, NULL, 5959, 5959, 5959, 0, 0")},
		{name: "extract minute_microsecond", e: extract("minute_microsecond"), want: strs("4527123456, NULL, 5959999999, 5959000000, 5959999999, 0, 0")},
		{name: "extract second_microsecond", e: extract("second_microsecond"), want: strs("27123456, NULL, 59999999, 59000000, 59999999, 0, 0")},
		{name: "extract unknown unit", e: extract("fortnight"), err: sqlerr.NotSupportedYet},
	})
}

func TestTimeWeekModes(t *testing.T) {
	x, m := colRef(0, tsT), colRef(1, bigint)
	// 2024-12-31 (Tuesday) and 2021-01-01 (Friday) under modes 0..7, and a NULL mode (mode 0, as MySQL reads it).
	evalExprCases(t, []inCol{
		{tsT, []any{ts("2024-12-31"), ts("2024-12-31"), ts("2024-12-31"), ts("2024-12-31"), ts("2024-12-31"),
			ts("2024-12-31"), ts("2024-12-31"), ts("2024-12-31"), ts("2021-01-01"), ts("2021-01-01"),
			ts("2021-01-01"), ts("2021-01-01"), ts("2024-01-02"), nil}},
		{bigint, []any{int64(0), int64(1), int64(2), int64(3), int64(4), int64(5), int64(6), int64(7),
			int64(0), int64(2), int64(3), int64(6), nil, int64(3)}},
	}, 0, []exprCase{
		{name: "mode column", e: call("week", bigint, x, m), want: strs("52, 53, 52, 1, 53, 53, 1, 53, 0, 52, 53, 53, 0, NULL")},
		{name: "constant mode 3", e: call("week", bigint, x, i64(3)), want: strs("1, 1, 1, 1, 1, 1, 1, 1, 53, 53, 53, 53, 1, NULL")},
		{name: "NULL mode", e: call("week", bigint, x, lit(bigint, nil)), want: strs("52, 52, 52, 52, 52, 52, 52, 52, 0, 0, 0, 0, 0, NULL")},
	})
}

func TestTimeDateAdd(t *testing.T) {
	x, n := colRef(0, tsT), colRef(1, bigint)
	add := func(fn, unit string) planner.Expr { return call(fn, tsT, x, n, tmtText(unit)) }
	evalExprCases(t, []inCol{
		{tsT, []any{ts("2024-01-31 10:00:00"), nil, ts("2023-01-31"), ts("1969-12-31 23:59:59"), ts("2024-02-29"), ts("9999-12-15")}},
		{bigint, []any{int64(1), int64(1), nil, int64(2), int64(12), int64(1)}},
	}, 0, []exprCase{
		{name: "month clamps the day", e: add("date_add", "month"), want: strs("2024-02-29 10:00:00, NULL, NULL, 1970-02-28 23:59:59, 2025-02-28 00:00:00, NULL")},
		{name: "date_sub month", e: add("date_sub", "month"), want: strs("2023-12-31 10:00:00, NULL, NULL, 1969-10-31 23:59:59, 2023-02-28 00:00:00, 9999-11-15 00:00:00")},
		{name: "quarter", e: add("date_add", "quarter"), want: strs("2024-04-30 10:00:00, NULL, NULL, 1970-06-30 23:59:59, 2027-02-28 00:00:00, NULL")},
		{name: "year", e: add("date_add", "year"), want: strs("2025-01-31 10:00:00, NULL, NULL, 1971-12-31 23:59:59, 2036-02-29 00:00:00, NULL")},
		{name: "day", e: add("date_add", "day"), want: strs("2024-02-01 10:00:00, NULL, NULL, 1970-01-02 23:59:59, 2024-03-12 00:00:00, 9999-12-16 00:00:00")},
		{name: "week", e: add("date_add", "week"), want: strs("2024-02-07 10:00:00, NULL, NULL, 1970-01-14 23:59:59, 2024-05-23 00:00:00, 9999-12-22 00:00:00")},
		{name: "hour", e: add("date_sub", "hour"), want: strs("2024-01-31 09:00:00, NULL, NULL, 1969-12-31 21:59:59, 2024-02-28 12:00:00, 9999-12-14 23:00:00")},
		{name: "minute", e: add("date_add", "minute"), want: strs("2024-01-31 10:01:00, NULL, NULL, 1970-01-01 00:01:59, 2024-02-29 00:12:00, 9999-12-15 00:01:00")},
		{name: "second", e: add("date_add", "second"), want: strs("2024-01-31 10:00:01, NULL, NULL, 1970-01-01 00:00:01, 2024-02-29 00:00:12, 9999-12-15 00:00:01")},
		{name: "microsecond", e: add("date_sub", "microsecond"), want: strs("2024-01-31 09:59:59.999999, NULL, NULL, 1969-12-31 23:59:58.999998, 2024-02-28 23:59:59.999988, 9999-12-14 23:59:59.999999")},
		{name: "constant interval", e: call("date_add", tsT, x, i64(-1), tmtText("year")), want: strs("2023-01-31 10:00:00, NULL, 2022-01-31 00:00:00, 1968-12-31 23:59:59, 2023-02-28 00:00:00, 9998-12-15 00:00:00")},
		{name: "NULL interval", e: call("date_add", tsT, x, lit(bigint, nil), tmtText("day")), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "unknown unit", e: call("date_add", tsT, x, n, tmtText("fortnight")), err: sqlerr.NotSupportedYet},
	})
}

func TestTimeDateAddRange(t *testing.T) {
	x, n := colRef(0, tsT), colRef(1, bigint)
	evalExprCases(t, []inCol{
		{tsT, []any{ts("9999-12-31 23:59:59.999999"), ts("0000-01-01 00:00:00"), ts("2024-01-01"), ts("2024-01-01"), ts("2024-01-01")}},
		{bigint, []any{int64(1), int64(-1), int64(9223372036854775807), int64(-9223372036854775808), int64(2913894)}},
	}, 0, []exprCase{
		{name: "microseconds past the range", e: call("date_add", tsT, x, n, tmtText("microsecond")), want: strs("NULL, NULL, NULL, NULL, 2024-01-01 00:00:02.913894")},
		{name: "days past the range", e: call("date_add", tsT, x, n, tmtText("day")), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "months past the range", e: call("date_add", tsT, x, n, tmtText("month")), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "months back", e: call("date_sub", tsT, x, n, tmtText("month")), want: strs("9999-11-30 23:59:59.999999, 0000-02-01 00:00:00, NULL, NULL, NULL")},
	})
}

func TestTimeDateAddFractionalSeconds(t *testing.T) {
	d6 := sqltype.Decimal(20, 6)
	x := colRef(0, tsT)
	evalExprCases(t, []inCol{
		{tsT, []any{ts("2024-01-01"), nil, ts("1970-01-01"), ts("2024-01-01")}},
		{d6, []any{dec("1.5", 6), dec("1", 6), dec("-0.000001", 6), nil}},
	}, 0, []exprCase{
		{name: "second with a fraction", e: call("date_add", tsT, x, colRef(1, d6), tmtText("second")), want: strs("2024-01-01 00:00:01.500000, NULL, 1969-12-31 23:59:59.999999, NULL")},
		{name: "date_sub", e: call("date_sub", tsT, x, colRef(1, d6), tmtText("second")), want: strs("2023-12-31 23:59:58.500000, NULL, 1970-01-01 00:00:00.000001, NULL")},
	})
}

func TestTimeDateAddCompound(t *testing.T) {
	x, s := colRef(0, tsT), colRef(1, text)
	base := ts("2024-01-31 00:00:00")
	evalExprCases(t, []inCol{
		{tsT, []any{base, base, base, base, base, nil, base}},
		{text, []any{"1 2", "-1 2", "2", "1 2 3", "", "1 1", nil}},
	}, 0, []exprCase{
		{name: "day_hour", e: call("date_add", tsT, x, s, tmtText("day_hour")),
			want: strs("2024-02-01 02:00:00, 2024-01-29 22:00:00, 2024-01-31 02:00:00, NULL, 2024-01-31 00:00:00, NULL, NULL")},
		{name: "year_month clamps", e: call("date_add", tsT, x, s, tmtText("year_month")),
			want: strs("2025-03-31 00:00:00, 2022-11-30 00:00:00, 2024-03-31 00:00:00, NULL, 2024-01-31 00:00:00, NULL, NULL")},
		{name: "date_sub minute_second", e: call("date_sub", tsT, x, s, tmtText("minute_second")),
			want: strs("2024-01-30 23:58:58, 2024-01-31 00:01:02, 2024-01-30 23:59:58, NULL, 2024-01-31 00:00:00, NULL, NULL")},
	})
	evalExprCases(t, []inCol{{tsT, []any{base, nil}}}, 0, []exprCase{
		{name: "constant day_microsecond", e: call("date_add", tsT, x, tmtText("1 01:02:03.5"), tmtText("day_microsecond")),
			want: strs("2024-02-01 01:02:03.500000, NULL")},
		{name: "constant second_microsecond, one number", e: call("date_add", tsT, x, tmtText("5"), tmtText("second_microsecond")),
			want: strs("2024-01-31 00:00:00.500000, NULL")},
		{name: "constant hour_microsecond, seven digits", e: call("date_add", tsT, x, tmtText("1:00:00.1234567"), tmtText("hour_microsecond")),
			want: strs("2024-01-31 01:00:00.123456, NULL")},
		{name: "invalid constant", e: call("date_add", tsT, x, tmtText("1:2:3:4"), tmtText("hour_second")), want: strs("NULL, NULL")},
	})
}

func TestTimeParseCompoundInterval(t *testing.T) {
	cases := []struct {
		s, parts string
		want     tmInterval
		ok       bool
	}{
		{"1 2", "dh", tmInterval{us: tmUsPerDay + 2*tmUsPerHour}, true},
		{"  -1 2", "dh", tmInterval{us: -(tmUsPerDay + 2*tmUsPerHour)}, true},
		{"2", "dh", tmInterval{us: 2 * tmUsPerHour}, true},
		{"1 2 3", "dh", tmInterval{}, false},
		{"2-3", "YM", tmInterval{months: 27}, true},
		{"1.5", "su", tmInterval{us: 1_500_000}, true},
		{"1.000002", "su", tmInterval{us: 1_000_002}, true},
		{"x1x2x", "ms", tmInterval{us: tmUsPerMin + 2*tmUsPerSec}, true},
		{"99999999999999999999", "ms", tmInterval{}, false},
	}
	for _, c := range cases {
		got, ok := tmParseCompoundInterval(c.s, c.parts)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("tmParseCompoundInterval(%q, %q) = %+v, %v; want %+v, %v", c.s, c.parts, got, ok, c.want, c.ok)
		}
	}
}

func TestTimeConvertTZ(t *testing.T) {
	x := colRef(0, tsT)
	conv := func(from, to string) planner.Expr { return call("convert_tz", tsT, x, tmtText(from), tmtText(to)) }
	evalExprCases(t, []inCol{{tsT, []any{
		ts("2024-03-31 00:59:59"), ts("2024-03-31 01:00:00"), ts("2024-10-27 00:59:59"), ts("2024-10-27 01:00:00"),
		nil, ts("2024-07-01 12:00:00.250000"), ts("1960-01-01 00:00:00"),
	}}}, 0, []exprCase{
		// Paris goes from +01:00 to +02:00 at 01:00 UTC on 2024-03-31 and back at 01:00 UTC on 2024-10-27.
		{name: "UTC to Paris across both transitions", e: conv("UTC", "Europe/Paris"), want: strs("2024-03-31 01:59:59, 2024-03-31 03:00:00, " +
			"2024-10-27 02:59:59, 2024-10-27 02:00:00, NULL, 2024-07-01 14:00:00.250000, 1960-01-01 00:00:00")},
		{name: "fixed offsets", e: conv("+05:30", "-08:00"), want: strs("2024-03-30 11:29:59, 2024-03-30 11:30:00, " +
			"2024-10-26 11:29:59, 2024-10-26 11:30:00, NULL, 2024-06-30 22:30:00.250000, 1960-01-01 00:00:00")},
		{name: "unknown zone", e: conv("UTC", "Atlantis/Capital"), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "offset out of range", e: conv("+14:01", "UTC"), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "NULL zone", e: call("convert_tz", tsT, x, lit(text, nil), tmtText("UTC")), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
	})
	// Wall-clock times in Paris: in the spring gap (02:00-03:00 on 2024-03-31) a time reads as the instant
	// the gap starts; in the autumn overlap (02:00-03:00 on 2024-10-27) as the earlier of its two instants.
	evalExprCases(t, []inCol{{tsT, []any{
		ts("2024-03-31 01:59:59"), ts("2024-03-31 02:00:00"), ts("2024-03-31 02:30:45.5"), ts("2024-03-31 03:00:00"),
		ts("2024-10-27 01:59:59"), ts("2024-10-27 02:30:00"), ts("2024-10-27 03:00:00"), ts("1970-01-01 01:00:00"),
	}}}, 0, []exprCase{
		{name: "Paris to UTC", e: conv("Europe/Paris", "UTC"), want: strs("2024-03-31 00:59:59, 2024-03-31 01:00:00, " +
			"2024-03-31 01:00:00.500000, 2024-03-31 01:00:00, 2024-10-26 23:59:59, 2024-10-27 00:30:00, 2024-10-27 02:00:00, " +
			"1970-01-01 01:00:00")},
		{name: "Paris to Los Angeles", e: conv("europe/paris", "America/Los_Angeles"), want: strs("2024-03-30 17:59:59, 2024-03-30 18:00:00, " +
			"2024-03-30 18:00:00.500000, 2024-03-30 18:00:00, 2024-10-26 16:59:59, 2024-10-26 17:30:00, 2024-10-26 19:00:00, " +
			"1970-01-01 01:00:00")},
	})
}

func TestTimeConvertTZPerRowZones(t *testing.T) {
	x, from, to := colRef(0, tsT), colRef(1, text), colRef(2, text)
	evalExprCases(t, []inCol{
		{tsT, []any{ts("2024-07-01 12:00:00"), ts("2024-07-01 12:00:00"), ts("2024-07-01 12:00:00"), ts("2024-07-01 12:00:00"), nil, ts("2024-01-01 12:00:00")}},
		{text, []any{"UTC", "UTC", "America/New_York", "nowhere", "UTC", "SYSTEM"}},
		{text, []any{"Asia/Tokyo", nil, "+00:00", "UTC", "UTC", "Australia/Sydney"}},
	}, 0, []exprCase{
		{name: "zones per row", e: call("convert_tz", tsT, x, from, to), want: strs("2024-07-01 21:00:00, NULL, 2024-07-01 16:00:00, NULL, NULL, 2024-01-01 23:00:00")},
	})
}

func TestTimeDateFormat(t *testing.T) {
	x := colRef(0, tsT)
	format := func(f string) planner.Expr { return call("date_format", text, x, tmtText(f)) }
	evalExprCases(t, []inCol{{tsT, []any{ts("2024-03-05 07:08:09.012345"), nil, ts("1969-12-31 23:59:59"), ts("0999-01-01 12:00:00")}}}, 0, []exprCase{
		{name: "numeric", e: format("%Y-%m-%d %H:%i:%s.%f"), want: []string{"2024-03-05 07:08:09.012345", "NULL", "1969-12-31 23:59:59.000000", "0999-01-01 12:00:00.000000"}},
		{name: "unpadded", e: format("%y %c %e %k %l"), want: []string{"24 3 5 7 7", "NULL", "69 12 31 23 11", "99 1 1 12 12"}},
		{name: "12-hour", e: format("%h %I %p %r"), want: []string{"07 07 AM 07:08:09 AM", "NULL", "11 11 PM 11:59:59 PM", "12 12 PM 12:00:00 PM"}},
		{name: "names", e: format("%W %a %M %b %D %w"), want: []string{"Tuesday Tue March Mar 5th 2", "NULL", "Wednesday Wed December Dec 31st 3", "Tuesday Tue January Jan 1st 2"}},
		{name: "day of year and weeks", e: format("%j %U %u %V %v %X %x"), want: []string{"065 09 10 09 10 2024 2024", "NULL", "365 52 53 52 01 1969 1970", "001 00 01 52 01 0998 0999"}},
		{name: "literals and stray %", e: format("%T|%%|%Q|%"), want: []string{"07:08:09|%|Q|%", "NULL", "23:59:59|%|Q|%", "12:00:00|%|Q|%"}},
		{name: "empty format", e: format(""), want: []string{"", "NULL", "", ""}},
		{name: "NULL format", e: call("date_format", text, x, lit(text, nil)), want: strs("NULL, NULL, NULL, NULL")},
	})
	evalExprCases(t, []inCol{
		{tsT, []any{ts("2024-03-05 07:08:09"), ts("2024-03-05 07:08:09"), ts("2024-03-05 07:08:09"), nil}},
		{text, []any{"%Y", nil, "%d/%m", "%Y"}},
	}, 0, []exprCase{
		{name: "format column", e: call("date_format", text, x, colRef(1, text)), want: strs("2024, NULL, 05/03, NULL")},
	})
}

func TestTimeUnixTimestamps(t *testing.T) {
	x := colRef(0, tsT)
	evalExprCases(t, []inCol{{tsT, []any{ts("2024-01-01 00:00:00"), ts("2024-01-01 00:00:00.999999"), nil, ts("1969-12-31 23:59:59"), ts("1970-01-01")}}}, 0, []exprCase{
		{name: "unix_timestamp", e: call("unix_timestamp", bigint, x), want: strs("1704067200, 1704067200, NULL, 0, 0")},
	})
	n := colRef(0, bigint)
	evalExprCases(t, []inCol{{bigint, []any{int64(0), int64(1704067200), int64(-1), nil, int64(32536771199), int64(32536771200)}}}, 0, []exprCase{
		{name: "from_unixtime bigint", e: call("from_unixtime", tsT, n), want: strs("1970-01-01 00:00:00, 2024-01-01 00:00:00, NULL, NULL, 3001-01-18 23:59:59, NULL")},
	})
	d3 := sqltype.Decimal(15, 3)
	evalExprCases(t, []inCol{{d3, []any{dec("1.5", 3), dec("-0.001", 3), nil, dec("1704067200.123", 3)}}}, 0, []exprCase{
		{name: "from_unixtime decimal", e: call("from_unixtime", tsT, colRef(0, d3)), want: strs("1970-01-01 00:00:01.500000, NULL, NULL, 2024-01-01 00:00:00.123000")},
	})
	evalExprCases(t, []inCol{{double, []any{1.5, -1.0, nil, 1704067200.25, 1e300}}}, 0, []exprCase{
		{name: "from_unixtime double", e: call("from_unixtime", tsT, colRef(0, double)), want: strs("1970-01-01 00:00:01.500000, NULL, NULL, 2024-01-01 00:00:00.250000, NULL")},
	})
}

func TestTimeToTimestamp(t *testing.T) {
	s := colRef(0, text)
	evalExprCases(t, []inCol{{text, []any{
		"2024-01-02T03:04:05Z", "2024-01-02 03:04:05.123", "2024-01-02T03:04:05+05:30", "2024-01-02T03:04:05-0800",
		"2024-01-02", nil, "not a time", "2024-02-30T00:00:00Z", "1969-12-31t23:59:59.5z",
	}}}, 0, []exprCase{
		{name: "to_timestamp", e: call("to_timestamp", tsT, s), want: []string{"2024-01-02 03:04:05", "2024-01-02 03:04:05.123000",
			"2024-01-01 21:34:05", "2024-01-02 11:04:05", "2024-01-02 00:00:00", "NULL", "NULL", "NULL", "1969-12-31 23:59:59.500000"}},
	})
}

// TestTimeCivilMatchesGo checks the integer calendar against the time package over a wide range of days and
// microseconds, before 1970 and after.
func TestTimeCivilMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	lo, hi := tmDaysFromCivil(0, 1, 1), tmDaysFromCivil(10000, 1, 1)
	for range 20000 {
		days := lo + rng.Int64N(hi-lo)
		tt := time.Unix(days*86400, 0).UTC()
		y, m, d := tmCivil(days)
		if y != int64(tt.Year()) || m != int64(tt.Month()) || d != int64(tt.Day()) {
			t.Fatalf("tmCivil(%d) = %d-%d-%d, want %s", days, y, m, d, tt.Format("2006-01-02"))
		}
		if back := tmDaysFromCivil(y, m, d); back != days {
			t.Fatalf("tmDaysFromCivil(%d, %d, %d) = %d, want %d", y, m, d, back, days)
		}
		if wd := tmWeekday(days); wd != (int64(tt.Weekday())+6)%7 {
			t.Fatalf("tmWeekday(%d) = %d, want %d (%s)", days, wd, (int64(tt.Weekday())+6)%7, tt.Weekday())
		}
	}
	// Truncation and fields of random microseconds against time.Time.
	in := make([]int64, 5000)
	for i := range in {
		in[i] = tmMinUs + rng.Int64N(tmMaxUs-tmMinUs)
	}
	if len(in) > 100 {
		// Sorted runs exercise the bucket caches.
		for i := 1; i < 100; i++ {
			in[i] = in[i-1] + rng.Int64N(tmUsPerDay)
		}
	}
	out := make([]int64, len(in))
	for _, u := range []tmTruncUnit{tmTruncSecond, tmTruncDay, tmTruncWeek, tmTruncMonth, tmTruncQuarter, tmTruncYear} {
		tmTruncLoop(u, in, out)
		for i, v := range in {
			tt := time.UnixMicro(v).UTC()
			var want time.Time
			switch u {
			case tmTruncSecond:
				want = tt.Truncate(time.Second)
			case tmTruncDay:
				want = time.Date(tt.Year(), tt.Month(), tt.Day(), 0, 0, 0, 0, time.UTC)
			case tmTruncWeek:
				want = time.Date(tt.Year(), tt.Month(), tt.Day()-(int(tt.Weekday())+6)%7, 0, 0, 0, 0, time.UTC)
			case tmTruncMonth:
				want = time.Date(tt.Year(), tt.Month(), 1, 0, 0, 0, 0, time.UTC)
			case tmTruncQuarter:
				want = time.Date(tt.Year(), (tt.Month()-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
			case tmTruncYear:
				want = time.Date(tt.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
			}
			if out[i] != want.UnixMicro() {
				t.Fatalf("truncating %s to unit %d: got %s, want %s", sqltype.FormatTimestamp(v), u,
					sqltype.FormatTimestamp(out[i]), sqltype.FormatTimestamp(want.UnixMicro()))
			}
		}
	}
	fields := map[tmField]func(time.Time) int64{
		tmFieldYear:      func(t time.Time) int64 { return int64(t.Year()) },
		tmFieldMonth:     func(t time.Time) int64 { return int64(t.Month()) },
		tmFieldDay:       func(t time.Time) int64 { return int64(t.Day()) },
		tmFieldDayOfYear: func(t time.Time) int64 { return int64(t.YearDay()) },
		tmFieldHour:      func(t time.Time) int64 { return int64(t.Hour()) },
		tmFieldMinute:    func(t time.Time) int64 { return int64(t.Minute()) },
		tmFieldSecond:    func(t time.Time) int64 { return int64(t.Second()) },
		tmFieldDayOfWeek: func(t time.Time) int64 { return int64(t.Weekday()) + 1 },
	}
	for f, ref := range fields {
		tmFieldLoop(f, in, out)
		for i, v := range in {
			if want := ref(time.UnixMicro(v).UTC()); out[i] != want {
				t.Fatalf("field %d of %s: got %d, want %d", f, sqltype.FormatTimestamp(v), out[i], want)
			}
		}
	}
}

// TestTimeHotLoopsDoNotAllocate: DATE_TRUNC, the field functions and DATE_ADD's inner loops allocate nothing
// per batch beyond their output.
func TestTimeHotLoopsDoNotAllocate(t *testing.T) {
	in := make([]int64, 4096)
	for i := range in {
		in[i] = ts("2024-01-01") + int64(i)*7919*tmUsPerSec*60
	}
	out := make([]int64, len(in))
	for _, u := range []tmTruncUnit{tmTruncHour, tmTruncDay, tmTruncWeek, tmTruncMonth, tmTruncYear} {
		if n := testing.AllocsPerRun(10, func() { tmTruncLoop(u, in, out) }); n != 0 {
			t.Errorf("tmTruncLoop(%d) allocates %v times", u, n)
		}
	}
	for _, f := range []tmField{tmFieldYear, tmFieldMonth, tmFieldHour, tmFieldDayOfWeek, tmFieldWeek} {
		if n := testing.AllocsPerRun(10, func() { tmFieldLoop(f, in, out) }); n != 0 {
			t.Errorf("tmFieldLoop(%d) allocates %v times", f, n)
		}
	}
	for i := range in {
		if r, ok := tmAddMonths(in[i], 1); !ok || r <= in[i] {
			t.Fatalf("tmAddMonths(%s, 1) = %s, %v", sqltype.FormatTimestamp(in[i]), sqltype.FormatTimestamp(r), ok)
		}
	}
	if n := testing.AllocsPerRun(10, func() {
		for i := range in {
			out[i], _ = tmAddMonths(in[i], 3)
		}
	}); n != 0 {
		t.Errorf("tmAddMonths allocates %v times", n)
	}
}

func BenchmarkTimeDateTrunc(b *testing.B) {
	in := make([]int64, DefaultBatchSize)
	start := ts("2024-01-01")
	for i := range in {
		in[i] = start + int64(i)*37*tmUsPerSec
	}
	out := make([]int64, len(in))
	for _, u := range []struct {
		name string
		unit tmTruncUnit
	}{{"day", tmTruncDay}, {"week", tmTruncWeek}, {"month", tmTruncMonth}} {
		b.Run(u.name, func(b *testing.B) {
			b.SetBytes(int64(8 * len(in)))
			for b.Loop() {
				tmTruncLoop(u.unit, in, out)
			}
		})
	}
}
