package sqlfront

import (
	"context"
	"strings"
	"time"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/vexec"
)

// Time functions. See functions.go for how a family registers its functions.
//
// vcube has one time type, TIMESTAMP (microseconds since the epoch, UTC, no zone), which stands for MySQL's
// DATETIME and DATE alike: functions that return a DATE in MySQL (DATE()) return the TIMESTAMP at midnight.
// Arguments where a timestamp is expected convert as CAST(x AS DATETIME) does (an unreadable string is NULL);
// units, zones and formats are text. The kernels are in vexec/kernels_time.go.
var timeFunctions = map[string]scalarFunction{
	// DATE_TRUNC(unit, ts) as PostgreSQL and Cube Store have it; weeks start on Monday.
	"date_trunc": {minArgs: 2, maxArgs: 2, bind: bindTimeCall(sqltype.Timestamp, sqltype.Text, sqltype.Timestamp)},
	"date":       {minArgs: 1, maxArgs: 1, bind: bindTimeCall(sqltype.Timestamp, sqltype.Timestamp)},
	"convert_tz": {minArgs: 3, maxArgs: 3, bind: bindTimeCall(sqltype.Timestamp, sqltype.Timestamp, sqltype.Text, sqltype.Text)},
	// DATE_ADD(ts, INTERVAL n unit), ADDDATE, ts + INTERVAL n unit and the DATE_SUB forms reach these with
	// the arguments (ts, n, unit), unit in lower case (see specialFunction).
	"date_add": {minArgs: 3, maxArgs: 3, bind: bindDateAdd},
	"date_sub": {minArgs: 3, maxArgs: 3, bind: bindDateAdd},
	// EXTRACT(unit FROM ts) arrives as extract(unit, ts).
	"extract":     {minArgs: 2, maxArgs: 2, bind: bindExtract},
	"year":        timeField,
	"quarter":     timeField,
	"month":       timeField,
	"day":         timeField,
	"dayofmonth":  timeField,
	"hour":        timeField,
	"minute":      timeField,
	"second":      timeField,
	"microsecond": timeField,
	"dayofweek":   timeField, // 1 = Sunday .. 7 = Saturday
	"dayofyear":   timeField,
	"weekday":     timeField, // 0 = Monday .. 6 = Sunday
	"week":        {minArgs: 1, maxArgs: 2, bind: bindTimeCall(sqltype.BigInt, sqltype.Timestamp, sqltype.BigInt)},
	"date_format": {minArgs: 2, maxArgs: 2, bind: bindTimeCall(sqltype.Text, sqltype.Timestamp, sqltype.Text)},
	"dayname":     {minArgs: 1, maxArgs: 1, bind: bindTimeName("%W")},
	"monthname":   {minArgs: 1, maxArgs: 1, bind: bindTimeName("%M")},
	// NOW(), CURRENT_TIMESTAMP, LOCALTIME, LOCALTIMESTAMP and SYSDATE() arrive as now().
	"now":            {minArgs: 0, maxArgs: 0, bind: bindNow},
	"unix_timestamp": {minArgs: 0, maxArgs: 1, bind: bindUnixTimestamp},
	"from_unixtime":  {minArgs: 1, maxArgs: 2, bind: bindFromUnixtime},
	"to_timestamp":   {minArgs: 1, maxArgs: 1, bind: bindToTimestamp},
}

// timeField is YEAR(ts), MONTH(ts) and the other functions of one calendar field: BIGINT.
var timeField = scalarFunction{minArgs: 1, maxArgs: 1, bind: bindTimeCall(sqltype.BigInt, sqltype.Timestamp)}

// bindTimeCall binds a call whose arguments convert to the types argTypes lists, in order, returning result.
func bindTimeCall(result sqltype.Type, argTypes ...sqltype.Type) func(string, []planner.Expr) (planner.Expr, error) {
	return func(name string, args []planner.Expr) (planner.Expr, error) {
		cast := make([]planner.Expr, len(args))
		for i, a := range args {
			cast[i] = castTo(a, argTypes[i])
		}
		return &planner.Call{Func: name, Args: cast, T: result}, nil
	}
}

// bindTimeName binds DAYNAME and MONTHNAME as DATE_FORMAT with one specifier.
func bindTimeName(spec string) func(string, []planner.Expr) (planner.Expr, error) {
	return func(_ string, args []planner.Expr) (planner.Expr, error) {
		return &planner.Call{Func: "date_format", Args: []planner.Expr{castTo(args[0], sqltype.Timestamp),
			&planner.Literal{T: sqltype.Text, Value: spec}}, T: sqltype.Text}, nil
	}
}

// timeUnitLiteral is the unit argument the special forms pass, a text literal.
func timeUnitLiteral(name string, arg planner.Expr) (string, error) {
	if lit, ok := arg.(*planner.Literal); ok {
		if s, ok := lit.Value.(string); ok {
			return strings.ToLower(s), nil
		}
	}
	return "", sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to %s: the unit must be a keyword", strings.ToUpper(name))
}

func bindExtract(name string, args []planner.Expr) (planner.Expr, error) {
	unit, err := timeUnitLiteral(name, args[0])
	if err != nil {
		return nil, err
	}
	if !vexec.ExtractUnitKnown(unit) {
		return nil, notSupported("EXTRACT(" + strings.ToUpper(unit) + " FROM ...)")
	}
	return &planner.Call{Func: "extract", Args: []planner.Expr{&planner.Literal{T: sqltype.Text, Value: unit},
		castTo(args[1], sqltype.Timestamp)}, T: sqltype.BigInt}, nil
}

// bindDateAdd types the interval value as MySQL reads it: a count of units is an integer (1.5 DAY rounds to
// 2 days), except that SECOND keeps a fraction to the microsecond (1.5 SECOND); the value of a compound unit
// (DAY_HOUR, HOUR_MINUTE, ...) is read as a string of numbers ('1 12' DAY_HOUR).
func bindDateAdd(name string, args []planner.Expr) (planner.Expr, error) {
	unit, err := timeUnitLiteral(name, args[2])
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(unit, "[unknown") {
		unit = "day" // ADDDATE(ts, n) and SUBDATE(ts, n) count days
	}
	n := args[1]
	switch vexec.IntervalUnitKind(unit) {
	case "":
		return nil, notSupported("INTERVAL unit " + strings.ToUpper(unit))
	case "string":
		n = castTo(n, sqltype.Text)
	default:
		switch t := n.Type(); {
		case unit == "second" && t.Kind == sqltype.KindDecimal:
			n = castTo(n, sqltype.Decimal(min(max(t.Precision-t.Scale, 1)+6, sqltype.MaxDecimalPrecision), 6))
		case unit == "second" && (t.Kind == sqltype.KindFloat || t.Kind == sqltype.KindString):
			n = castTo(n, sqltype.Decimal(sqltype.MaxDecimalPrecision, 6))
		default:
			n = castTo(n, sqltype.BigInt)
		}
	}
	return &planner.Call{Func: name, Args: []planner.Expr{castTo(args[0], sqltype.Timestamp), n,
		&planner.Literal{T: sqltype.Text, Value: unit}}, T: sqltype.Timestamp}, nil
}

// bindNow is the time the statement is bound, to the microsecond. (MySQL's NOW() without an argument has
// whole seconds; vcube does not track fractional-second precision and keeps microseconds.)
func bindNow(string, []planner.Expr) (planner.Expr, error) {
	return &planner.Literal{T: sqltype.Timestamp, Value: time.Now().UnixMicro()}, nil
}

// bindUnixTimestamp: UNIX_TIMESTAMP() is the current time and UNIX_TIMESTAMP(ts) the time of ts, in whole
// seconds since the epoch. vcube returns BIGINT and drops fractions where MySQL returns a DECIMAL for a value
// with fractional seconds.
func bindUnixTimestamp(name string, args []planner.Expr) (planner.Expr, error) {
	if len(args) == 0 {
		return &planner.Literal{T: sqltype.BigInt, Value: time.Now().Unix()}, nil
	}
	return &planner.Call{Func: name, Args: []planner.Expr{castTo(args[0], sqltype.Timestamp)}, T: sqltype.BigInt}, nil
}

// bindFromUnixtime: FROM_UNIXTIME(n) reads integers as seconds, decimals and doubles with their fraction to
// the microsecond; FROM_UNIXTIME(n, format) is DATE_FORMAT(FROM_UNIXTIME(n), format).
func bindFromUnixtime(name string, args []planner.Expr) (planner.Expr, error) {
	n := args[0]
	switch t := n.Type(); t.Kind {
	case sqltype.KindInt, sqltype.KindBool, sqltype.KindNull:
		n = castTo(n, sqltype.BigInt)
	case sqltype.KindDecimal:
		if t.Scale > 6 {
			n = castTo(n, sqltype.Decimal(min(t.Precision-t.Scale+6, sqltype.MaxDecimalPrecision), 6))
		}
	default:
		n = castTo(n, sqltype.Double)
	}
	var e planner.Expr = &planner.Call{Func: "from_unixtime", Args: []planner.Expr{n}, T: sqltype.Timestamp}
	if len(args) == 2 {
		if _, ok := n.(*planner.Literal); ok {
			// Fold the inner call here: the registry folds only the call bind returns.
			v, err := vexec.EvalConstant(context.Background(), e)
			if err != nil {
				return nil, err
			}
			e = &planner.Literal{T: sqltype.Timestamp, Value: v}
		}
		e = &planner.Call{Func: "date_format", Args: []planner.Expr{e, castTo(args[1], sqltype.Text)}, T: sqltype.Text}
	}
	return e, nil
}

// bindToTimestamp is Cube Store's TO_TIMESTAMP(text): ISO 8601 text to a UTC timestamp, NULL if unreadable.
func bindToTimestamp(name string, args []planner.Expr) (planner.Expr, error) {
	if args[0].Type().Kind == sqltype.KindTimestamp {
		return args[0], nil
	}
	return &planner.Call{Func: name, Args: []planner.Expr{castTo(args[0], sqltype.Text)}, T: sqltype.Timestamp}, nil
}
