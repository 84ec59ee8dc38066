package vexec

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// castEval converts values between kinds with MySQL's rules for expressions: strings read as numbers use their
// numeric prefix ('3abc' is 3), unreadable timestamps become NULL, numbers that do not fit the target fail with
// error 1690. (INSERT converts with the stricter rules of a column, in the front end.)
type castEval struct {
	arg      evaluator
	from, to sqltype.Type
	call     *planner.Call
}

func (c *castEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	in, err := c.arg.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	return castArray(ec, in, c.from, c.to, c.call)
}

func castArray(ec *evalCtx, in arrow.Array, from, to sqltype.Type, call *planner.Call) (arrow.Array, error) {
	rows := in.Len()
	if from.Kind == to.Kind && arrow.TypeEqual(in.DataType(), to.Arrow()) {
		in.Retain()
		return in, nil
	}
	bld := array.NewBuilder(ec.mem, to.Arrow())
	defer bld.Release()
	bld.Reserve(rows)
	if from.Kind == sqltype.KindNull || in.DataType().ID() == arrow.NULL {
		bld.AppendNulls(rows)
		return bld.NewArray(), nil
	}
	overflow := func() error {
		return sqlerr.New(sqlerr.DataOutOfRange, "%s value is out of range in '%s'", strings.ToUpper(to.String()), call.String())
	}
	get := valueReader(in, from)
	var put func(i int) error
	switch to.Kind {
	case sqltype.KindInt:
		ib := bld.(*array.Int64Builder)
		put = func(i int) error {
			v, ok, err := toInt(get(i))
			if err != nil {
				return overflow()
			}
			if !ok {
				ib.AppendNull()
				return nil
			}
			ib.Append(v)
			return nil
		}
	case sqltype.KindFloat:
		fb := bld.(*array.Float64Builder)
		put = func(i int) error {
			fb.Append(toFloat(get(i)))
			return nil
		}
	case sqltype.KindDecimal:
		db := bld.(*array.Decimal128Builder)
		put = func(i int) error {
			v, err := toDecimal(get(i), to.Precision, to.Scale)
			if err != nil {
				return overflow()
			}
			db.Append(v)
			return nil
		}
	case sqltype.KindString:
		sb := bld.(*array.StringBuilder)
		put = func(i int) error {
			sb.Append(toText(get(i)))
			return nil
		}
	case sqltype.KindTimestamp:
		tb := bld.(*array.TimestampBuilder)
		put = func(i int) error {
			v, ok := toTimestamp(get(i))
			if !ok {
				tb.AppendNull()
				return nil
			}
			tb.Append(arrow.Timestamp(v))
			return nil
		}
	case sqltype.KindBool:
		bb := bld.(*array.BooleanBuilder)
		put = func(i int) error {
			bb.Append(toFloat(get(i)) != 0)
			return nil
		}
	default:
		return nil, sqlerr.New(sqlerr.Unknown, "cannot cast %s to %s", from, to)
	}
	for i := 0; i < rows; i++ {
		if in.IsNull(i) {
			bld.AppendNull()
			continue
		}
		if err := put(i); err != nil {
			return nil, err
		}
	}
	return bld.NewArray(), nil
}

// castValue is a value being converted: its source kind and its Go value.
type castValue struct {
	kind  sqltype.Kind
	scale int
	i     int64
	f     float64
	d     decimal128.Num
	s     string
	b     bool
}

func valueReader(in arrow.Array, from sqltype.Type) func(i int) castValue {
	switch a := in.(type) {
	case *array.Int64:
		return func(i int) castValue { return castValue{kind: sqltype.KindInt, i: a.Value(i)} }
	case *array.Float64:
		return func(i int) castValue { return castValue{kind: sqltype.KindFloat, f: a.Value(i)} }
	case *array.Decimal128:
		return func(i int) castValue { return castValue{kind: sqltype.KindDecimal, d: a.Value(i), scale: from.Scale} }
	case *array.String:
		return func(i int) castValue { return castValue{kind: sqltype.KindString, s: a.Value(i)} }
	case *array.Timestamp:
		return func(i int) castValue { return castValue{kind: sqltype.KindTimestamp, i: int64(a.Value(i))} }
	case *array.Boolean:
		return func(i int) castValue { return castValue{kind: sqltype.KindBool, b: a.Value(i)} }
	}
	panic("vexec: cannot cast from " + in.DataType().String())
}

// timestampNumber is MySQL's numeric form of a timestamp: YYYYMMDDHHMMSS.
func timestampNumber(micros int64) int64 {
	t := time.UnixMicro(micros).UTC()
	return int64(t.Year())*1e10 + int64(t.Month())*1e8 + int64(t.Day())*1e6 + int64(t.Hour())*1e4 +
		int64(t.Minute())*100 + int64(t.Second())
}

// toInt converts to BIGINT; ok is false for a NULL result, err reports overflow.
func toInt(v castValue) (int64, bool, error) {
	switch v.kind {
	case sqltype.KindInt:
		return v.i, true, nil
	case sqltype.KindBool:
		if v.b {
			return 1, true, nil
		}
		return 0, true, nil
	case sqltype.KindFloat:
		// CAST rounds a DOUBLE half to even, as MySQL's rint() does (2.5e0 is 2); a value stored into an
		// integer column rounds half away from zero instead (sqltype.FloatToInt, MySQL's "Rounding Behavior").
		r, err := sqltype.FloatToInt(math.RoundToEven(v.f))
		return r, true, err
	case sqltype.KindDecimal:
		r := sqltype.RoundDecimal(v.d, v.scale)
		if !fitsInt64(r) {
			return 0, false, sqltype.ErrOverflow
		}
		return int64(r.LowBits()), true, nil
	case sqltype.KindTimestamp:
		return timestampNumber(v.i), true, nil
	case sqltype.KindString:
		s := strings.TrimSpace(v.s)
		end := 0
		for end < len(s) && (s[end] >= '0' && s[end] <= '9' || end == 0 && (s[end] == '-' || s[end] == '+')) {
			end++
		}
		n, err := strconv.ParseInt(s[:end], 10, 64)
		if err != nil {
			if end > 1 && strings.Contains(err.Error(), "range") {
				return 0, false, sqltype.ErrOverflow
			}
			return 0, true, nil
		}
		return n, true, nil
	}
	return 0, false, nil
}

func toFloat(v castValue) float64 {
	switch v.kind {
	case sqltype.KindInt:
		return float64(v.i)
	case sqltype.KindBool:
		if v.b {
			return 1
		}
		return 0
	case sqltype.KindFloat:
		return v.f
	case sqltype.KindDecimal:
		return sqltype.DecimalToFloat(v.d, v.scale)
	case sqltype.KindTimestamp:
		return float64(timestampNumber(v.i)) + float64(((v.i%1e6)+1e6)%1e6)/1e6
	case sqltype.KindString:
		f, _ := sqltype.NumericPrefix(v.s)
		return f
	}
	return 0
}

func toDecimal(v castValue, precision, scale int) (decimal128.Num, error) {
	switch v.kind {
	case sqltype.KindTimestamp:
		// YYYYMMDDHHMMSS.ffffff, as MySQL reads a timestamp as a number.
		micros := ((v.i % 1e6) + 1e6) % 1e6
		n := decimal128.FromI64(timestampNumber(v.i)).Mul(decimal128.FromI64(1e6)).Add(decimal128.FromI64(micros))
		return sqltype.RescaleDecimal(n, 6, scale, precision)
	case sqltype.KindInt, sqltype.KindBool:
		n, _, _ := toInt(v)
		return sqltype.RescaleDecimal(decimal128.FromI64(n), 0, scale, precision)
	case sqltype.KindFloat:
		return sqltype.FloatToDecimal(v.f, precision, scale)
	case sqltype.KindDecimal:
		return sqltype.RescaleDecimal(v.d, v.scale, scale, precision)
	case sqltype.KindString:
		d, err := sqltype.ParseDecimal(v.s, precision, scale)
		if err == sqltype.ErrSyntax {
			f, _ := sqltype.NumericPrefix(v.s)
			return sqltype.FloatToDecimal(f, precision, scale)
		}
		return d, err
	}
	return decimal128.Num{}, nil
}

func toText(v castValue) string {
	switch v.kind {
	case sqltype.KindInt:
		return strconv.FormatInt(v.i, 10)
	case sqltype.KindBool:
		if v.b {
			return "1"
		}
		return "0"
	case sqltype.KindFloat:
		return sqltype.FormatFloat(v.f)
	case sqltype.KindDecimal:
		return sqltype.FormatDecimal(v.d, v.scale)
	case sqltype.KindTimestamp:
		return sqltype.FormatTimestamp(v.i)
	}
	return v.s
}

func toTimestamp(v castValue) (int64, bool) {
	switch v.kind {
	case sqltype.KindTimestamp:
		return v.i, true
	case sqltype.KindString:
		t, err := sqltype.ParseTimestamp(v.s)
		return t, err == nil
	}
	// Numbers such as 20240131 read as dates, as MySQL reads them.
	n, ok, err := toInt(v)
	if !ok || err != nil {
		return 0, false
	}
	s := strconv.FormatInt(n, 10)
	switch len(s) {
	case 8:
		s = s[0:4] + "-" + s[4:6] + "-" + s[6:8]
	case 14:
		s = s[0:4] + "-" + s[4:6] + "-" + s[6:8] + " " + s[8:10] + ":" + s[10:12] + ":" + s[12:14]
	default:
		return 0, false
	}
	t, err := sqltype.ParseTimestamp(s)
	return t, err == nil
}
