package vexec

import (
	"math"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // named zones for CONVERT_TZ on machines without a tz database

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Time function kernels. See functions.go for how a family registers its kernels.
//
// Timestamps are int64 microseconds since the epoch (UTC). Calendar fields come from integer civil-date
// arithmetic (days since the epoch to year, month, day and back), never from time.Time per row, so the hot
// kernels (DATE_TRUNC, EXTRACT and the field functions, DATE_ADD) are allocation-free loops over the Arrow
// buffers. The binder (sqlfront/functions_time.go) casts every argument to the type the kernel reads:
// timestamps to TIMESTAMP, units, zones and formats to TEXT.
var timeKernels = map[string]kernelCompiler{
	"date_trunc":     compileDateTrunc,
	"date":           compileDateOnly,
	"convert_tz":     compileConvertTZ,
	"date_add":       compileDateAdd,
	"date_sub":       compileDateAdd,
	"extract":        compileExtract,
	"year":           tmFieldKernel(tmFieldYear),
	"quarter":        tmFieldKernel(tmFieldQuarter),
	"month":          tmFieldKernel(tmFieldMonth),
	"day":            tmFieldKernel(tmFieldDay),
	"dayofmonth":     tmFieldKernel(tmFieldDay),
	"hour":           tmFieldKernel(tmFieldHour),
	"minute":         tmFieldKernel(tmFieldMinute),
	"second":         tmFieldKernel(tmFieldSecond),
	"microsecond":    tmFieldKernel(tmFieldMicrosecond),
	"dayofweek":      tmFieldKernel(tmFieldDayOfWeek),
	"dayofyear":      tmFieldKernel(tmFieldDayOfYear),
	"weekday":        tmFieldKernel(tmFieldWeekday),
	"week":           compileWeek,
	"date_format":    compileDateFormat,
	"unix_timestamp": compileUnixTimestamp,
	"from_unixtime":  compileFromUnixtime,
	"to_timestamp":   compileToTimestamp,
}

// ---- civil-date arithmetic ----

const (
	tmUsPerSec  = int64(1_000_000)
	tmUsPerMin  = 60 * tmUsPerSec
	tmUsPerHour = 60 * tmUsPerMin
	tmUsPerDay  = 24 * tmUsPerHour
	tmUsPerWeek = 7 * tmUsPerDay
	// tmMondayUs is 1970-01-05 00:00, a Monday: weeks are counted from it.
	tmMondayUs = 4 * tmUsPerDay
)

// The values MySQL's DATETIME holds: 0000-01-01 00:00:00 to 9999-12-31 23:59:59.999999. Arithmetic that leaves
// this range gives NULL, as MySQL's DATE_ADD does ("datetime field overflow").
var (
	tmMinUs = tmDaysFromCivil(0, 1, 1) * tmUsPerDay
	tmMaxUs = tmDaysFromCivil(10000, 1, 1)*tmUsPerDay - 1
)

// tmFloorDiv is a / b rounded toward negative infinity (b > 0).
func tmFloorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// tmFloorMod is a mod b in [0, b) (b > 0).
func tmFloorMod(a, b int64) int64 {
	r := a % b
	if r < 0 {
		r += b
	}
	return r
}

// tmCivil returns the proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
// civil_from_days).
func tmCivil(days int64) (y, m, d int64) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
		y++
	}
	return y, m, d
}

// tmDaysFromCivil is the day, counted from 1970-01-01, of a proleptic Gregorian date (days_from_civil).
func tmDaysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := m - 3
	if m <= 2 {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func tmIsLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func tmDaysInYear(y int64) int64 {
	if tmIsLeap(y) {
		return 366
	}
	return 365
}

var tmMonthDays = [13]int64{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func tmDaysInMonth(y, m int64) int64 {
	if m == 2 && tmIsLeap(y) {
		return 29
	}
	return tmMonthDays[m]
}

// tmWeekday is the day of the week of a day counted from 1970-01-01 (a Thursday): 0 = Monday .. 6 = Sunday.
func tmWeekday(days int64) int64 { return tmFloorMod(days+3, 7) }

// tmParts is a timestamp broken into its calendar fields.
type tmParts struct {
	days                  int64 // since 1970-01-01
	y, m, d               int64
	hh, mi, ss, us, dayUs int64 // dayUs: microseconds since midnight
}

func tmSplit(v int64) tmParts {
	var p tmParts
	p.days = tmFloorDiv(v, tmUsPerDay)
	p.dayUs = v - p.days*tmUsPerDay
	p.y, p.m, p.d = tmCivil(p.days)
	p.hh = p.dayUs / tmUsPerHour
	p.mi = p.dayUs / tmUsPerMin % 60
	p.ss = p.dayUs / tmUsPerSec % 60
	p.us = p.dayUs % tmUsPerSec
	return p
}

// tmCalcWeek is MySQL's calc_week: the week number of a date under a week behaviour (bit 1: weeks start on
// Monday; bit 2: the week belongs to the year that has most of it, so the result is 1..53; bit 4: week 1 is
// the first week with a first weekday in the year, not the first with four days or more), and the year the
// week belongs to.
func tmCalcWeek(p *tmParts, behaviour int64) (week, year int64) {
	mondayFirst := behaviour&1 != 0
	weekYear := behaviour&2 != 0
	firstWeekday := behaviour&4 != 0
	firstDay := tmDaysFromCivil(p.y, 1, 1)
	weekday := tmWeekday(firstDay) // 0 = Monday
	if !mondayFirst {
		weekday = (weekday + 1) % 7 // 0 = Sunday
	}
	year = p.y
	if p.m == 1 && p.d <= 7-weekday {
		if !weekYear && (firstWeekday && weekday != 0 || !firstWeekday && weekday >= 4) {
			return 0, year
		}
		weekYear = true
		year--
		n := tmDaysInYear(year)
		firstDay -= n
		weekday = (weekday + 53*7 - n) % 7
	}
	var days int64
	if firstWeekday && weekday != 0 || !firstWeekday && weekday >= 4 {
		days = p.days - (firstDay + (7 - weekday))
	} else {
		days = p.days - (firstDay - weekday)
	}
	if weekYear && days >= 52*7 {
		weekday = (weekday + tmDaysInYear(year)) % 7
		if !firstWeekday && weekday < 4 || firstWeekday && weekday == 0 {
			return 1, year + 1
		}
	}
	return days/7 + 1, year
}

// tmWeekMode turns the mode argument of WEEK() into a calc_week behaviour, as MySQL's week_mode does.
func tmWeekMode(mode int64) int64 {
	b := mode & 7
	if b&1 == 0 {
		b ^= 4
	}
	return b
}

// ---- constant arguments ----

// tmConstText reports whether argument i of c is a constant, and its text (null when it is NULL).
func tmConstText(c *planner.Call, i int) (s string, null, ok bool) {
	lit, isLit := c.Args[i].(*planner.Literal)
	if !isLit {
		return "", false, false
	}
	if lit.Value == nil {
		return "", true, true
	}
	s, isStr := lit.Value.(string)
	if !isStr {
		return "", false, false
	}
	return s, false, true
}

// tmNullEval is an expression that is NULL on every row (a function over a constant NULL).
type tmNullEval struct{ t sqltype.Type }

func (e *tmNullEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	return array.MakeArrayOfNull(ec.mem, e.t.Arrow(), int(b.NumRows())), nil
}

func tmStrings(a arrow.Array) *array.String {
	s, _ := a.(*array.String)
	return s
}

// ---- DATE_TRUNC and DATE ----

// tmTruncUnit is a unit of DATE_TRUNC, as PostgreSQL and Cube Store name them.
type tmTruncUnit uint8

const (
	tmTruncMicrosecond tmTruncUnit = iota
	tmTruncMillisecond
	tmTruncSecond
	tmTruncMinute
	tmTruncHour
	tmTruncDay
	tmTruncWeek
	tmTruncMonth
	tmTruncQuarter
	tmTruncYear
)

var tmTruncUnits = map[string]tmTruncUnit{
	"microsecond": tmTruncMicrosecond, "millisecond": tmTruncMillisecond, "second": tmTruncSecond,
	"minute": tmTruncMinute, "hour": tmTruncHour, "day": tmTruncDay, "week": tmTruncWeek,
	"month": tmTruncMonth, "quarter": tmTruncQuarter, "year": tmTruncYear,
}

// tmParseTruncUnit reads a DATE_TRUNC unit in any case.
func tmParseTruncUnit(s string) (tmTruncUnit, error) {
	u, ok := tmTruncUnits[s]
	if !ok {
		u, ok = tmTruncUnits[strings.ToLower(s)]
	}
	if !ok {
		return 0, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to DATE_TRUNC: unit '%s' is not one of "+
			"microsecond, millisecond, second, minute, hour, day, week, month, quarter, year", s)
	}
	return u, nil
}

func compileDateTrunc(c *planner.Call, args []evaluator) (evaluator, error) {
	e := &dateTruncEval{unit: args[0], ts: args[1], constUnit: -1}
	if s, null, ok := tmConstText(c, 0); ok {
		if null {
			return &tmNullEval{t: sqltype.Timestamp}, nil
		}
		u, err := tmParseTruncUnit(s)
		if err != nil {
			return nil, err
		}
		e.constUnit = int(u)
	}
	return e, nil
}

func compileDateOnly(c *planner.Call, args []evaluator) (evaluator, error) {
	return &dateTruncEval{ts: args[0], constUnit: int(tmTruncDay)}, nil
}

// dateTruncEval is DATE_TRUNC(unit, ts): ts rounded down to the start of its unit; weeks start on Monday.
type dateTruncEval struct {
	unit, ts  evaluator
	constUnit int // the unit when it is a constant, else -1
}

func (e *dateTruncEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	ts, in, out, err := int64Input(ec, e.ts, b, sqltype.Timestamp.Arrow())
	if err != nil {
		return nil, err
	}
	defer ts.Release()
	n := ts.Len()
	if e.constUnit >= 0 {
		tmTruncLoop(tmTruncUnit(e.constUnit), in, out.vals)
		return out.finish(), nil
	}
	units, err := e.unit.eval(ec, b)
	if err != nil {
		out.release()
		return nil, err
	}
	defer units.Release()
	strs := tmStrings(units)
	last, lastUnit := "", tmTruncUnit(0)
	have := false
	for i := 0; i < n; i++ {
		if strs == nil || units.IsNull(i) {
			out.setNull(i)
			continue
		}
		if !out.isValid(i) {
			continue
		}
		if s := strs.Value(i); !have || s != last {
			u, err := tmParseTruncUnit(s)
			if err != nil {
				out.release()
				return nil, err
			}
			last, lastUnit, have = s, u, true
		}
		tmTruncLoop(lastUnit, in[i:i+1], out.vals[i:i+1])
	}
	return out.finish(), nil
}

// tmTruncLoop truncates every value of in to unit u into out. Units up to a week are one floor operation;
// months, quarters and years keep the bucket of the previous row, so sorted input (the usual case) computes a
// calendar date only when the bucket changes.
func tmTruncLoop(u tmTruncUnit, in, out []int64) {
	var step int64
	switch u {
	case tmTruncMicrosecond:
		copy(out, in)
		return
	case tmTruncMillisecond:
		step = 1000
	case tmTruncSecond:
		step = tmUsPerSec
	case tmTruncMinute:
		step = tmUsPerMin
	case tmTruncHour:
		step = tmUsPerHour
	case tmTruncDay:
		step = tmUsPerDay
	case tmTruncWeek:
		for i, v := range in {
			r := (v - tmMondayUs) % tmUsPerWeek
			if r < 0 {
				r += tmUsPerWeek
			}
			out[i] = v - r
		}
		return
	default:
		tmTruncMonths(u, in, out)
		return
	}
	for i, v := range in {
		r := v % step
		if r < 0 {
			r += step
		}
		out[i] = v - r
	}
}

func tmTruncMonths(u tmTruncUnit, in, out []int64) {
	months := int64(1)
	switch u {
	case tmTruncQuarter:
		months = 3
	case tmTruncYear:
		months = 12
	}
	lo, hi := int64(1), int64(0) // the current bucket [lo, hi), empty at first
	for i, v := range in {
		if v >= lo && v < hi {
			out[i] = lo
			continue
		}
		y, m, _ := tmCivil(tmFloorDiv(v, tmUsPerDay))
		m = (m-1)/months*months + 1
		lo = tmDaysFromCivil(y, m, 1) * tmUsPerDay
		ny, nm := y, m+months
		if nm > 12 {
			ny, nm = ny+1, nm-12
		}
		hi = tmDaysFromCivil(ny, nm, 1) * tmUsPerDay
		out[i] = lo
	}
}

// ---- EXTRACT and the field functions ----

// tmField is a calendar field EXTRACT, YEAR(), MONTH() and the like return.
type tmField uint8

const (
	tmFieldYear tmField = iota
	tmFieldQuarter
	tmFieldMonth
	tmFieldWeek // WEEK mode 0, as EXTRACT(WEEK) uses (default_week_format 0)
	tmFieldDay
	tmFieldHour
	tmFieldMinute
	tmFieldSecond
	tmFieldMicrosecond
	tmFieldDayOfWeek // 1 = Sunday .. 7 = Saturday
	tmFieldDayOfYear
	tmFieldWeekday // 0 = Monday .. 6 = Sunday
	tmFieldYearMonth
	tmFieldDayHour
	tmFieldDayMinute
	tmFieldDaySecond
	tmFieldDayMicrosecond
	tmFieldHourMinute
	tmFieldHourSecond
	tmFieldHourMicrosecond
	tmFieldMinuteSecond
	tmFieldMinuteMicrosecond
	tmFieldSecondMicrosecond
)

// tmExtractUnits are the units of EXTRACT(unit FROM ts), as the binder spells them (lower case).
var tmExtractUnits = map[string]tmField{
	"year": tmFieldYear, "quarter": tmFieldQuarter, "month": tmFieldMonth, "week": tmFieldWeek,
	"day": tmFieldDay, "hour": tmFieldHour, "minute": tmFieldMinute, "second": tmFieldSecond,
	"microsecond": tmFieldMicrosecond, "year_month": tmFieldYearMonth, "day_hour": tmFieldDayHour,
	"day_minute": tmFieldDayMinute, "day_second": tmFieldDaySecond, "day_microsecond": tmFieldDayMicrosecond,
	"hour_minute": tmFieldHourMinute, "hour_second": tmFieldHourSecond,
	"hour_microsecond": tmFieldHourMicrosecond, "minute_second": tmFieldMinuteSecond,
	"minute_microsecond": tmFieldMinuteMicrosecond, "second_microsecond": tmFieldSecondMicrosecond,
}

// ExtractUnitKnown reports whether EXTRACT supports a unit (lower case); the binder checks units with it.
func ExtractUnitKnown(unit string) bool {
	_, ok := tmExtractUnits[unit]
	return ok
}

func tmFieldKernel(f tmField) kernelCompiler {
	return func(c *planner.Call, args []evaluator) (evaluator, error) {
		return &tmFieldEval{ts: args[0], field: f}, nil
	}
}

func compileExtract(c *planner.Call, args []evaluator) (evaluator, error) {
	s, null, ok := tmConstText(c, 0)
	if !ok || null {
		return nil, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to EXTRACT: the unit must be a keyword")
	}
	f, known := tmExtractUnits[strings.ToLower(s)]
	if !known {
		return nil, sqlerr.New(sqlerr.NotSupportedYet, "EXTRACT(%s FROM ...) is not supported", strings.ToUpper(s))
	}
	return &tmFieldEval{ts: args[1], field: f}, nil
}

// tmFieldEval computes one calendar field of a timestamp, as BIGINT.
type tmFieldEval struct {
	ts    evaluator
	field tmField
}

func (e *tmFieldEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	ts, in, out, err := int64Input(ec, e.ts, b, arrow.PrimitiveTypes.Int64)
	if err != nil {
		return nil, err
	}
	defer ts.Release()
	tmFieldLoop(e.field, in, out.vals)
	return out.finish(), nil
}

// tmFieldLoop computes field f of every value. Time-of-day fields are integer divisions; date fields convert
// the day to a date only when it differs from the previous row's.
func tmFieldLoop(f tmField, in, out []int64) {
	switch f {
	case tmFieldHour:
		for i, v := range in {
			out[i] = tmFloorMod(v, tmUsPerDay) / tmUsPerHour
		}
		return
	case tmFieldMinute:
		for i, v := range in {
			out[i] = tmFloorMod(v, tmUsPerHour) / tmUsPerMin
		}
		return
	case tmFieldSecond:
		for i, v := range in {
			out[i] = tmFloorMod(v, tmUsPerMin) / tmUsPerSec
		}
		return
	case tmFieldMicrosecond:
		for i, v := range in {
			out[i] = tmFloorMod(v, tmUsPerSec)
		}
		return
	case tmFieldDayOfWeek:
		for i, v := range in {
			out[i] = (tmWeekday(tmFloorDiv(v, tmUsPerDay))+1)%7 + 1
		}
		return
	case tmFieldWeekday:
		for i, v := range in {
			out[i] = tmWeekday(tmFloorDiv(v, tmUsPerDay))
		}
		return
	case tmFieldYear, tmFieldQuarter, tmFieldMonth, tmFieldDay, tmFieldDayOfYear:
		lastDay, lastVal := int64(math.MinInt64), int64(0)
		for i, v := range in {
			days := tmFloorDiv(v, tmUsPerDay)
			if days != lastDay {
				y, m, d := tmCivil(days)
				switch f {
				case tmFieldYear:
					lastVal = y
				case tmFieldQuarter:
					lastVal = (m + 2) / 3
				case tmFieldMonth:
					lastVal = m
				case tmFieldDay:
					lastVal = d
				default:
					lastVal = days - tmDaysFromCivil(y, 1, 1) + 1
				}
				lastDay = days
			}
			out[i] = lastVal
		}
		return
	}
	for i, v := range in {
		out[i] = tmFieldOf(f, v)
	}
}

// tmFieldOf is field f of one timestamp, for the fields no loop of tmFieldLoop handles (EXTRACT's compound
// units and WEEK), with MySQL's formulas.
func tmFieldOf(f tmField, v int64) int64 {
	p := tmSplit(v)
	switch f {
	case tmFieldWeek:
		w, _ := tmCalcWeek(&p, tmWeekMode(0))
		return w
	case tmFieldYearMonth:
		return p.y*100 + p.m
	case tmFieldDayHour:
		return p.d*100 + p.hh
	case tmFieldDayMinute:
		return p.d*10000 + p.hh*100 + p.mi
	case tmFieldDaySecond:
		return p.d*1000000 + p.hh*10000 + p.mi*100 + p.ss
	case tmFieldDayMicrosecond:
		return ((p.d*10000+p.hh*100+p.mi)*100+p.ss)*1000000 + p.us
	case tmFieldHourMinute:
		return p.hh*100 + p.mi
	case tmFieldHourSecond:
		return p.hh*10000 + p.mi*100 + p.ss
	case tmFieldHourMicrosecond:
		return (p.hh*10000+p.mi*100+p.ss)*1000000 + p.us
	case tmFieldMinuteSecond:
		return p.mi*100 + p.ss
	case tmFieldMinuteMicrosecond:
		return (p.mi*100+p.ss)*1000000 + p.us
	case tmFieldSecondMicrosecond:
		return p.ss*1000000 + p.us
	}
	return 0
}

// ---- WEEK(ts[, mode]) ----

func compileWeek(c *planner.Call, args []evaluator) (evaluator, error) {
	e := &tmWeekEval{ts: args[0], constMode: tmWeekMode(0)} // WEEK(ts) is mode 0, the default_week_format
	if len(args) > 1 {
		e.mode, e.constMode = args[1], -1
		if lit, ok := c.Args[1].(*planner.Literal); ok {
			m, _ := lit.Value.(int64) // a NULL mode is mode 0, as MySQL reads it
			e.constMode = tmWeekMode(m)
		}
	}
	return e, nil
}

// tmWeekEval is MySQL's WEEK(ts, mode): the week number under one of the eight modes.
type tmWeekEval struct {
	ts, mode  evaluator
	constMode int64 // the calc_week behaviour when the mode is constant, else -1
}

func (e *tmWeekEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	ts, in, out, err := int64Input(ec, e.ts, b, arrow.PrimitiveTypes.Int64)
	if err != nil {
		return nil, err
	}
	defer ts.Release()
	var ma arrow.Array
	var modes []int64
	if e.constMode < 0 {
		if ma, err = e.mode.eval(ec, b); err != nil {
			out.release()
			return nil, err
		}
		defer ma.Release()
		modes = int64Values(ma)
	}
	for i, v := range in {
		if !out.isValid(i) {
			continue
		}
		behaviour := e.constMode
		if modes != nil {
			var mode int64 // a NULL mode is mode 0, as MySQL reads it
			if ma.IsValid(i) {
				mode = modes[i]
			}
			behaviour = tmWeekMode(mode)
		}
		p := tmSplit(v)
		out.vals[i], _ = tmCalcWeek(&p, behaviour)
	}
	return out.finish(), nil
}

// ---- DATE_ADD and DATE_SUB ----

// tmIntervalUnit is the unit of an INTERVAL: a fixed number of microseconds, a number of months, or a
// compound unit whose value is a string of several numbers.
type tmIntervalUnit struct {
	us     int64 // microseconds per unit, for simple units up to WEEK
	months int64 // months per unit, for MONTH, QUARTER and YEAR
	// parts lists, for compound units, what each number of the string is: 'Y' years, 'M' months, 'd' days,
	// 'h' hours, 'm' minutes, 's' seconds, 'u' microseconds.
	parts string
}

var tmIntervalUnits = map[string]tmIntervalUnit{
	"microsecond": {us: 1},
	"second":      {us: tmUsPerSec},
	"minute":      {us: tmUsPerMin},
	"hour":        {us: tmUsPerHour},
	"day":         {us: tmUsPerDay},
	"week":        {us: tmUsPerWeek},
	"month":       {months: 1},
	"quarter":     {months: 3},
	"year":        {months: 12},

	"year_month":         {parts: "YM"},
	"day_hour":           {parts: "dh"},
	"day_minute":         {parts: "dhm"},
	"day_second":         {parts: "dhms"},
	"day_microsecond":    {parts: "dhmsu"},
	"hour_minute":        {parts: "hm"},
	"hour_second":        {parts: "hms"},
	"hour_microsecond":   {parts: "hmsu"},
	"minute_second":      {parts: "ms"},
	"minute_microsecond": {parts: "msu"},
	"second_microsecond": {parts: "su"},
}

// IntervalUnitKind tells the binder how DATE_ADD reads the interval value of a unit (lower case): "int" for
// a count of units, "string" for a compound unit's 'D hh:mm:ss' string, "" for an unknown unit.
func IntervalUnitKind(unit string) string {
	u, ok := tmIntervalUnits[unit]
	switch {
	case !ok:
		return ""
	case u.parts != "":
		return "string"
	}
	return "int"
}

// tmMaxAbsUs bounds interval arithmetic: a shift larger than this leaves the DATETIME range from anywhere in it.
const tmMaxAbsUs = int64(1) << 59

func compileDateAdd(c *planner.Call, args []evaluator) (evaluator, error) {
	unit, null, ok := tmConstText(c, 2)
	if !ok || null {
		return nil, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to %s: the unit must be a keyword", strings.ToUpper(c.Func))
	}
	u, known := tmIntervalUnits[unit]
	if !known {
		return nil, sqlerr.New(sqlerr.NotSupportedYet, "INTERVAL unit %s is not supported", strings.ToUpper(unit))
	}
	e := &dateAddEval{ts: args[0], n: args[1], unit: u, sub: c.Func == "date_sub"}
	switch t := c.Args[1].Type(); {
	case u.parts != "":
		if t.Kind != sqltype.KindString {
			return nil, sqlerr.New(sqlerr.Unknown, "%s: a %s interval must be text", c.String(), unit)
		}
		if s, null, ok := tmConstText(c, 1); ok && !null {
			iv, valid := tmParseCompoundInterval(s, u.parts)
			e.constIv, e.constValid, e.isConst = iv, valid, true
		}
	case t.Kind == sqltype.KindDecimal:
		if u.us != tmUsPerSec || t.Scale != 6 {
			return nil, sqlerr.New(sqlerr.Unknown, "%s: a decimal interval must be seconds at scale 6", c.String())
		}
	case t.Kind != sqltype.KindInt:
		return nil, sqlerr.New(sqlerr.Unknown, "%s: the interval must be BIGINT", c.String())
	}
	if lit, ok := c.Args[1].(*planner.Literal); ok && lit.Value == nil {
		return &tmNullEval{t: sqltype.Timestamp}, nil
	}
	return e, nil
}

// tmInterval is an interval value: months and microseconds, either of which may be negative.
type tmInterval struct{ months, us int64 }

// tmParseCompoundInterval reads the string of a compound INTERVAL unit as MySQL's get_interval_info does: an
// optional leading '-' negates the whole interval; numbers are separated by any non-digits; fewer numbers
// than the unit has fill its smallest parts; a microsecond part is a fraction (".5" is 500000). More numbers
// than the unit has make the value invalid (NULL).
func tmParseCompoundInterval(s, parts string) (tmInterval, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	neg := false
	if i < len(s) && s[i] == '-' {
		neg, i = true, i+1
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i < len(s) && !isDigit(s[i]) {
		i++
	}
	count := len(parts)
	var vals [5]int64
	got, lastLen := 0, 0
	for got < count {
		start := i
		var v int64
		for i < len(s) && isDigit(s[i]) {
			if v > (math.MaxInt64-10)/10 {
				return tmInterval{}, false
			}
			v = v*10 + int64(s[i]-'0')
			i++
		}
		lastLen = i - start
		vals[got] = v
		got++
		for i < len(s) && !isDigit(s[i]) {
			i++
		}
		if i == len(s) {
			break
		}
	}
	if i != len(s) {
		return tmInterval{}, false
	}
	// Right-align: the numbers given are the smallest parts.
	shift := count - got
	copy(vals[shift:count], vals[:got])
	for k := 0; k < shift; k++ {
		vals[k] = 0
	}
	if parts[count-1] == 'u' && lastLen > 0 {
		switch {
		case lastLen < 6:
			for k := lastLen; k < 6; k++ {
				vals[count-1] *= 10
			}
		case lastLen > 6:
			for k := 6; k < lastLen; k++ {
				vals[count-1] /= 10
			}
		}
	}
	var iv tmInterval
	for k := 0; k < count; k++ {
		v := vals[k]
		var per int64
		switch parts[k] {
		case 'Y':
			if v > 1e6 {
				return tmInterval{}, false
			}
			iv.months += v * 12
			continue
		case 'M':
			if v > 1e7 {
				return tmInterval{}, false
			}
			iv.months += v
			continue
		case 'd':
			per = tmUsPerDay
		case 'h':
			per = tmUsPerHour
		case 'm':
			per = tmUsPerMin
		case 's':
			per = tmUsPerSec
		case 'u':
			per = 1
		}
		if v > tmMaxAbsUs/per || iv.us > tmMaxAbsUs {
			return tmInterval{}, false
		}
		iv.us += v * per
	}
	if neg {
		iv.months, iv.us = -iv.months, -iv.us
	}
	return iv, true
}

// tmAddMonths adds months to a timestamp, keeping its time of day and clamping its day to the last day of
// the month it lands in (2024-01-31 + 1 month is 2024-02-29), as MySQL does.
func tmAddMonths(v, months int64) (int64, bool) {
	if months > 120000 || months < -120000 {
		return 0, false
	}
	days := tmFloorDiv(v, tmUsPerDay)
	tod := v - days*tmUsPerDay
	y, m, d := tmCivil(days)
	total := y*12 + m - 1 + months
	if total < 0 || total >= 10000*12 {
		return 0, false
	}
	y, m = total/12, total%12+1
	if dim := tmDaysInMonth(y, m); d > dim {
		d = dim
	}
	return tmDaysFromCivil(y, m, d)*tmUsPerDay + tod, true
}

// dateAddEval is DATE_ADD / DATE_SUB (and ts ± INTERVAL): ts moved by n units; NULL when the result leaves
// the DATETIME range or a compound interval string is invalid.
type dateAddEval struct {
	ts, n evaluator
	unit  tmIntervalUnit
	sub   bool
	// a constant compound interval, parsed once
	isConst, constValid bool
	constIv             tmInterval
}

func (e *dateAddEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	ts, in, out, err := int64Input(ec, e.ts, b, sqltype.Timestamp.Arrow())
	if err != nil {
		return nil, err
	}
	defer ts.Release()
	if e.isConst {
		e.addInterval(out, in, e.constIv, e.constValid)
		return out.finish(), nil
	}
	na, err := e.n.eval(ec, b)
	if err != nil {
		out.release()
		return nil, err
	}
	defer na.Release()
	out.copyValidity(na)
	switch na := na.(type) {
	case *array.Int64:
		e.addCounts(out, in, na.Int64Values())
	case *array.Decimal128:
		// Seconds with a fraction, at scale 6: the unscaled value is microseconds.
		vals := na.Values()
		for i, v := range in {
			if !out.isValid(i) {
				continue
			}
			d := vals[i]
			if !fitsInt64(d) {
				out.setNull(i)
				continue
			}
			e.addUs(out, i, v, int64(d.LowBits()))
		}
	case *array.String:
		var last string
		var lastIv tmInterval
		lastValid, have := false, false
		for i, v := range in {
			if !out.isValid(i) {
				continue
			}
			if s := na.Value(i); !have || s != last {
				last, have = s, true
				lastIv, lastValid = tmParseCompoundInterval(s, e.unit.parts)
			}
			e.addInterval1(out, i, v, lastIv, lastValid)
		}
	default:
		out.release()
		return nil, sqlerr.New(sqlerr.Unknown, "DATE_ADD over %s", na.DataType())
	}
	return out.finish(), nil
}

// addCounts adds counts of a simple unit: the hot path of ts ± INTERVAL n unit.
func (e *dateAddEval) addCounts(out *fixedOut[int64], in, counts []int64) {
	if e.unit.months != 0 {
		for i, v := range in {
			if !out.isValid(i) {
				continue
			}
			n := counts[i]
			if e.sub {
				n = -n
			}
			if n > 120000 || n < -120000 || v < tmMinUs || v > tmMaxUs {
				out.setNull(i)
				continue
			}
			r, ok := tmAddMonths(v, n*e.unit.months)
			if !ok {
				out.setNull(i)
				continue
			}
			out.vals[i] = r
		}
		return
	}
	limit := tmMaxAbsUs / e.unit.us
	for i, v := range in {
		n := counts[i]
		if n > limit || n < -limit {
			out.setNull(i)
			continue
		}
		e.addUs(out, i, v, n*e.unit.us)
	}
}

// addUs sets row i to v plus (or, for DATE_SUB, minus) us microseconds, or NULL out of range.
func (e *dateAddEval) addUs(out *fixedOut[int64], i int, v, us int64) {
	if e.sub {
		us = -us
	}
	if v < tmMinUs || v > tmMaxUs || us > tmMaxAbsUs || us < -tmMaxAbsUs {
		out.setNull(i)
		return
	}
	r := v + us
	if r < tmMinUs || r > tmMaxUs {
		out.setNull(i)
		return
	}
	out.vals[i] = r
}

func (e *dateAddEval) addInterval(out *fixedOut[int64], in []int64, iv tmInterval, valid bool) {
	for i, v := range in {
		if out.isValid(i) {
			e.addInterval1(out, i, v, iv, valid)
		}
	}
}

func (e *dateAddEval) addInterval1(out *fixedOut[int64], i int, v int64, iv tmInterval, valid bool) {
	if !valid {
		out.setNull(i)
		return
	}
	if iv.months != 0 {
		m := iv.months
		if e.sub {
			m = -m
		}
		r, ok := tmAddMonths(v, m)
		if !ok {
			out.setNull(i)
			return
		}
		v = r
	}
	e.addUs(out, i, v, iv.us)
}

// ---- CONVERT_TZ ----

// tmZone is a time zone of CONVERT_TZ: a fixed offset or a named zone of the tz database.
type tmZone struct {
	offset int64 // seconds east of UTC, for a fixed zone
	loc    *time.Location
}

// tmZones keeps the zones loaded by name (nil for names that are not zones), since loading one reads the
// embedded tz database; it stops growing at tmZonesMax names, as zone columns may hold anything.
var tmZones = struct {
	sync.Mutex
	byName map[string]*tmZone
}{byName: map[string]*tmZone{}}

const tmZonesMax = 4096

// tmParseZone reads a zone as MySQL names them: '+hh:mm' or '-hh:mm' within -13:59..+14:00, 'SYSTEM' (vcube
// runs in UTC), or a tz database name in any case. ok is false for anything else (CONVERT_TZ gives NULL).
func tmParseZone(s string) (*tmZone, bool) {
	if s == "" {
		return nil, false
	}
	if s[0] == '+' || s[0] == '-' {
		return tmParseOffsetZone(s)
	}
	if strings.EqualFold(s, "SYSTEM") {
		return &tmZone{}, true
	}
	tmZones.Lock()
	zone, seen := tmZones.byName[s]
	tmZones.Unlock()
	if seen {
		return zone, zone != nil
	}
	if !strings.EqualFold(s, "local") {
		for _, name := range []string{s, tmCanonicalZoneName(s), strings.ToUpper(s)} {
			if loc, err := time.LoadLocation(name); err == nil {
				zone = &tmZone{loc: loc}
				break
			}
		}
	}
	tmZones.Lock()
	if len(tmZones.byName) < tmZonesMax {
		tmZones.byName[s] = zone
	}
	tmZones.Unlock()
	return zone, zone != nil
}

// tmCanonicalZoneName capitalizes a zone name as the tz database spells most of them: "america/los_angeles"
// is "America/Los_Angeles". (MySQL looks zone names up case-insensitively.)
func tmCanonicalZoneName(s string) string {
	b := []byte(strings.ToLower(s))
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '/' || c == '_' || c == '-'
	}
	return string(b)
}

func tmParseOffsetZone(s string) (*tmZone, bool) {
	h, m, colon := int64(0), int64(0), false
	hd, md := 0, 0
	for _, c := range s[1:] {
		switch {
		case c == ':' && !colon:
			colon = true
		case c >= '0' && c <= '9' && !colon:
			h, hd = h*10+int64(c-'0'), hd+1
		case c >= '0' && c <= '9' && colon:
			m, md = m*10+int64(c-'0'), md+1
		default:
			return nil, false
		}
	}
	if !colon || hd == 0 || hd > 2 || md == 0 || md > 2 || m > 59 {
		return nil, false
	}
	off := (h*60 + m) * 60
	if s[0] == '-' {
		off = -off
	}
	if off > 14*3600 || off < -(13*3600+59*60) {
		return nil, false
	}
	return &tmZone{offset: off}, true
}

// tmZoneSpan caches the offset of a named zone over the span [lo, hi) of UTC seconds it holds in.
type tmZoneSpan struct {
	lo, hi, offset int64
}

// offsetAt returns the zone's offset at UTC second u.
func (z *tmZone) offsetAt(u int64, span *tmZoneSpan) int64 {
	if z.loc == nil {
		return z.offset
	}
	if u >= span.lo && u < span.hi {
		return span.offset
	}
	t := time.Unix(u, 0).In(z.loc)
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	span.lo, span.hi, span.offset = math.MinInt64, math.MaxInt64, int64(off)
	if !start.IsZero() {
		span.lo = start.Unix()
	}
	if !end.IsZero() {
		span.hi = end.Unix()
	}
	return span.offset
}

// toUTC reads local wall-clock seconds in the zone as UTC seconds, as MySQL's TIME_to_gmt_sec does: of two
// readings (when clocks go back) the earlier instant; in the gap when clocks go forward, the instant the gap
// starts.
func (z *tmZone) toUTC(local int64, span *tmZoneSpan) int64 {
	if z.loc == nil {
		return local - z.offset
	}
	before := z.offsetAt(local-86400, span)
	after := z.offsetAt(local+86400, span)
	if before == after {
		return local - before
	}
	u1, u2 := local-before, local-after
	ok1, ok2 := z.offsetAt(u1, span) == before, z.offsetAt(u2, span) == after
	switch {
	case ok1 && ok2:
		return min(u1, u2)
	case ok1:
		return u1
	case ok2:
		return u2
	}
	// In the gap: u1 lies after the transition, whose instant starts the span holding u1.
	z.offsetAt(u1, span)
	return span.lo
}

// tmConvertMin and tmConvertMax bound the UTC seconds MySQL converts (its TIMESTAMP range, extended in
// MySQL 8.0.28 to 3001-01-18 23:59:59 UTC); a value outside is returned unconverted, as MySQL returns it.
const (
	tmConvertMin = int64(1)
	tmConvertMax = int64(32536771199)
)

func compileConvertTZ(c *planner.Call, args []evaluator) (evaluator, error) {
	e := &convertTZEval{ts: args[0], from: args[1], to: args[2]}
	for k, z := range []**tmZone{&e.fromZone, &e.toZone} {
		s, null, ok := tmConstText(c, k+1)
		if !ok {
			continue
		}
		zone, valid := tmParseZone(s)
		if null || !valid {
			return &tmNullEval{t: sqltype.Timestamp}, nil
		}
		*z = zone
	}
	return e, nil
}

// convertTZEval is CONVERT_TZ(ts, from, to): ts read as a wall-clock time in zone from, re-expressed in zone
// to; NULL when a zone is unknown.
type convertTZEval struct {
	ts, from, to     evaluator
	fromZone, toZone *tmZone // the zones when they are constants
}

func (e *convertTZEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	ts, in, out, err := int64Input(ec, e.ts, b, sqltype.Timestamp.Arrow())
	if err != nil {
		return nil, err
	}
	defer ts.Release()
	var zoneCols [2]*array.String
	for k, ev := range []evaluator{e.from, e.to} {
		if (k == 0 && e.fromZone != nil) || (k == 1 && e.toZone != nil) {
			continue
		}
		a, err := ev.eval(ec, b)
		if err != nil {
			out.release()
			return nil, err
		}
		defer a.Release()
		out.copyValidity(a)
		zoneCols[k] = tmStrings(a)
	}
	var fromSpan, toSpan tmZoneSpan
	from, to := e.fromZone, e.toZone
	var lastFrom, lastTo string
	for i, v := range in {
		if !out.isValid(i) {
			continue
		}
		if zoneCols[0] != nil {
			if s := zoneCols[0].Value(i); from == nil || s != lastFrom {
				from, lastFrom, fromSpan = nil, s, tmZoneSpan{}
				if z, ok := tmParseZone(s); ok {
					from = z
				}
			}
		}
		if zoneCols[1] != nil {
			if s := zoneCols[1].Value(i); to == nil || s != lastTo {
				to, lastTo, toSpan = nil, s, tmZoneSpan{}
				if z, ok := tmParseZone(s); ok {
					to = z
				}
			}
		}
		if from == nil || to == nil {
			out.setNull(i)
			continue
		}
		sec := tmFloorDiv(v, tmUsPerSec)
		frac := v - sec*tmUsPerSec
		u := from.toUTC(sec, &fromSpan)
		if u < tmConvertMin || u > tmConvertMax {
			out.vals[i] = v
			continue
		}
		out.vals[i] = (u+to.offsetAt(u, &toSpan))*tmUsPerSec + frac
	}
	return out.finish(), nil
}

// ---- DATE_FORMAT ----

// tmFormatOp is one piece of a DATE_FORMAT format: a specifier letter, or literal text when spec is 0.
type tmFormatOp struct {
	spec byte
	text string
}

// tmCompileFormat splits a format into literal text and MySQL's % specifiers. A % before any other character
// stands for that character, and a trailing % for itself, as in MySQL.
func tmCompileFormat(f string) []tmFormatOp {
	var ops []tmFormatOp
	lit := strings.Builder{}
	flush := func() {
		if lit.Len() > 0 {
			ops = append(ops, tmFormatOp{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 == len(f) {
			lit.WriteByte(c)
			continue
		}
		i++
		switch s := f[i]; s {
		case 'a', 'b', 'c', 'D', 'd', 'e', 'f', 'H', 'h', 'I', 'i', 'j', 'k', 'l', 'M', 'm', 'p', 'r', 'S', 's',
			'T', 'U', 'u', 'V', 'v', 'W', 'w', 'X', 'x', 'Y', 'y':
			flush()
			ops = append(ops, tmFormatOp{spec: s})
		default:
			lit.WriteByte(s)
		}
	}
	flush()
	return ops
}

var (
	tmMonthNames = [13]string{"", "January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December"}
	tmDayNames = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

// tmPad appends v in decimal, left-padded with zeros to width digits.
func tmPad(buf []byte, v int64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	if v < 0 {
		buf = append(buf, '-')
		v = -v
	}
	for v > 0 || i == len(tmp) {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	for k := len(tmp) - i; k < width; k++ {
		buf = append(buf, '0')
	}
	return append(buf, tmp[i:]...)
}

// tmAppendFormat appends the timestamp v formatted by ops, with English names (lc_time_names en_US).
func tmAppendFormat(buf []byte, ops []tmFormatOp, v int64) []byte {
	p := tmSplit(v)
	hour12 := p.hh % 12
	if hour12 == 0 {
		hour12 = 12
	}
	ampm := "AM"
	if p.hh >= 12 {
		ampm = "PM"
	}
	for _, op := range ops {
		switch op.spec {
		case 0:
			buf = append(buf, op.text...)
		case 'a':
			buf = append(buf, tmDayNames[tmWeekday(p.days)][:3]...)
		case 'b':
			buf = append(buf, tmMonthNames[p.m][:3]...)
		case 'c':
			buf = tmPad(buf, p.m, 1)
		case 'D':
			buf = tmPad(buf, p.d, 1)
			switch {
			case p.d >= 11 && p.d <= 13:
				buf = append(buf, "th"...)
			case p.d%10 == 1:
				buf = append(buf, "st"...)
			case p.d%10 == 2:
				buf = append(buf, "nd"...)
			case p.d%10 == 3:
				buf = append(buf, "rd"...)
			default:
				buf = append(buf, "th"...)
			}
		case 'd':
			buf = tmPad(buf, p.d, 2)
		case 'e':
			buf = tmPad(buf, p.d, 1)
		case 'f':
			buf = tmPad(buf, p.us, 6)
		case 'H':
			buf = tmPad(buf, p.hh, 2)
		case 'h', 'I':
			buf = tmPad(buf, hour12, 2)
		case 'i':
			buf = tmPad(buf, p.mi, 2)
		case 'j':
			buf = tmPad(buf, p.days-tmDaysFromCivil(p.y, 1, 1)+1, 3)
		case 'k':
			buf = tmPad(buf, p.hh, 1)
		case 'l':
			buf = tmPad(buf, hour12, 1)
		case 'M':
			buf = append(buf, tmMonthNames[p.m]...)
		case 'm':
			buf = tmPad(buf, p.m, 2)
		case 'p':
			buf = append(buf, ampm...)
		case 'r':
			buf = tmPad(buf, hour12, 2)
			buf = append(buf, ':')
			buf = tmPad(buf, p.mi, 2)
			buf = append(buf, ':')
			buf = tmPad(buf, p.ss, 2)
			buf = append(buf, ' ')
			buf = append(buf, ampm...)
		case 'S', 's':
			buf = tmPad(buf, p.ss, 2)
		case 'T':
			buf = tmPad(buf, p.hh, 2)
			buf = append(buf, ':')
			buf = tmPad(buf, p.mi, 2)
			buf = append(buf, ':')
			buf = tmPad(buf, p.ss, 2)
		case 'U':
			w, _ := tmCalcWeek(&p, 4)
			buf = tmPad(buf, w, 2)
		case 'u':
			w, _ := tmCalcWeek(&p, 1)
			buf = tmPad(buf, w, 2)
		case 'V':
			w, _ := tmCalcWeek(&p, 6)
			buf = tmPad(buf, w, 2)
		case 'v':
			w, _ := tmCalcWeek(&p, 3)
			buf = tmPad(buf, w, 2)
		case 'W':
			buf = append(buf, tmDayNames[tmWeekday(p.days)]...)
		case 'w':
			buf = tmPad(buf, (tmWeekday(p.days)+1)%7, 1)
		case 'X':
			_, y := tmCalcWeek(&p, 6)
			buf = tmPad(buf, y, 4)
		case 'x':
			_, y := tmCalcWeek(&p, 3)
			buf = tmPad(buf, y, 4)
		case 'Y':
			buf = tmPad(buf, p.y, 4)
		case 'y':
			buf = tmPad(buf, tmFloorMod(p.y, 100), 2)
		}
	}
	return buf
}

func compileDateFormat(c *planner.Call, args []evaluator) (evaluator, error) {
	e := &dateFormatEval{ts: args[0], format: args[1]}
	if s, null, ok := tmConstText(c, 1); ok {
		if null {
			return &tmNullEval{t: sqltype.Text}, nil
		}
		e.ops, e.constant = tmCompileFormat(s), true
	}
	return e, nil
}

// dateFormatEval is DATE_FORMAT(ts, format), as TEXT.
type dateFormatEval struct {
	ts, format evaluator
	ops        []tmFormatOp // the compiled format when it is a constant
	constant   bool
}

func (e *dateFormatEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	ts, err := e.ts.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer ts.Release()
	var formats *array.String
	var fa arrow.Array
	if !e.constant {
		if fa, err = e.format.eval(ec, b); err != nil {
			return nil, err
		}
		defer fa.Release()
		formats = tmStrings(fa)
	}
	return tmBuildStrings(ec, ts, func(i int) bool {
		return fa == nil || (formats != nil && fa.IsValid(i))
	}, e.ops, formats), nil
}

// tmBuildStrings formats every valid row of ts (ok(i) false: NULL) with ops, or with the format of row i of
// formats when ops is nil.
func tmBuildStrings(ec *evalCtx, ts arrow.Array, ok func(i int) bool, ops []tmFormatOp, formats *array.String) arrow.Array {
	rows := ts.Len()
	in := int64Values(ts)
	bld := array.NewStringBuilder(ec.mem)
	defer bld.Release()
	bld.Reserve(rows)
	bld.ReserveData(rows * 19)
	var buf []byte
	var lastFormat string
	lastOps := ops
	for i := 0; i < rows; i++ {
		if ts.IsNull(i) || !ok(i) {
			bld.AppendNull()
			continue
		}
		if formats != nil {
			if f := formats.Value(i); lastOps == nil || f != lastFormat {
				lastFormat, lastOps = f, tmCompileFormat(f)
				if lastOps == nil {
					lastOps = []tmFormatOp{}
				}
			}
		}
		buf = tmAppendFormat(buf[:0], lastOps, in[i])
		bld.BinaryBuilder.Append(buf)
	}
	return bld.NewArray()
}

// ---- UNIX_TIMESTAMP, FROM_UNIXTIME, TO_TIMESTAMP ----

func compileUnixTimestamp(c *planner.Call, args []evaluator) (evaluator, error) {
	return &tmMapEval{arg: args[0], dt: arrow.PrimitiveTypes.Int64, fn: func(in []int64, out *fixedOut[int64]) {
		for i, v := range in {
			s := v / tmUsPerSec
			if v < 0 || s > tmConvertMax {
				s = 0 // MySQL returns 0 for a value outside the TIMESTAMP range
			}
			out.vals[i] = s
		}
	}}, nil
}

// tmMapEval applies fn to the 64-bit values of its one argument; rows NULL in the argument are NULL.
type tmMapEval struct {
	arg evaluator
	dt  arrow.DataType
	fn  func(in []int64, out *fixedOut[int64])
}

func (e *tmMapEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	a, err := e.arg.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	out := newInt64Out(ec.mem, e.dt, a.Len())
	out.copyValidity(a)
	e.fn(int64Values(a), out)
	return out.finish(), nil
}

// tmFromUnixMax is the largest FROM_UNIXTIME accepts (MySQL 8.0.28 on 64-bit platforms), in microseconds.
const tmFromUnixMax = (tmConvertMax+1)*tmUsPerSec - 1

func compileFromUnixtime(c *planner.Call, args []evaluator) (evaluator, error) {
	return &fromUnixtimeEval{arg: args[0], t: c.Args[0].Type()}, nil
}

// fromUnixtimeEval is FROM_UNIXTIME(n): the timestamp n seconds after the epoch, fractions kept to the
// microsecond; NULL for negative n or past tmFromUnixMax.
type fromUnixtimeEval struct {
	arg evaluator
	t   sqltype.Type
}

func (e *fromUnixtimeEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	a, err := e.arg.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	rows := a.Len()
	out := newInt64Out(ec.mem, sqltype.Timestamp.Arrow(), rows)
	out.copyValidity(a)
	set := func(i int, us int64, ok bool) {
		if !ok || us < 0 || us > tmFromUnixMax {
			out.setNull(i)
			return
		}
		out.vals[i] = us
	}
	switch a := a.(type) {
	case *array.Int64:
		for i, v := range a.Int64Values() {
			set(i, v*tmUsPerSec, v >= 0 && v <= tmConvertMax)
		}
	case *array.Decimal128:
		// The binder gives a scale of at most 6: rescale to microseconds.
		mul := decimal128.GetScaleMultiplier(6 - int(e.t.Scale))
		for i, v := range a.Values() {
			if !out.isValid(i) {
				continue
			}
			if v.Sign() < 0 || v.Greater(decimal128.FromI64(tmFromUnixMax)) {
				out.setNull(i)
				continue
			}
			us := v.Mul(mul)
			set(i, int64(us.LowBits()), fitsInt64(us))
		}
	case *array.Float64:
		for i, f := range a.Float64Values() {
			us := math.Round(f * 1e6)
			set(i, int64(us), us >= 0 && us <= float64(tmFromUnixMax))
		}
	default:
		out.release()
		return nil, sqlerr.New(sqlerr.Unknown, "FROM_UNIXTIME over %s", a.DataType())
	}
	return out.finish(), nil
}

func compileToTimestamp(c *planner.Call, args []evaluator) (evaluator, error) {
	return &toTimestampEval{arg: args[0]}, nil
}

// toTimestampEval is Cube Store's TO_TIMESTAMP(text): ISO 8601 / RFC 3339 text ('2024-01-02T03:04:05Z',
// '2024-01-02 03:04:05.123', with a Z or a +hh:mm, +hhmm or +hh offset, or none for UTC) as a UTC timestamp;
// NULL when the text is not one.
type toTimestampEval struct{ arg evaluator }

func (e *toTimestampEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	a, err := e.arg.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	rows := a.Len()
	out := newInt64Out(ec.mem, sqltype.Timestamp.Arrow(), rows)
	out.copyValidity(a)
	strs := tmStrings(a)
	for i := 0; i < rows; i++ {
		if !out.isValid(i) {
			continue
		}
		if strs == nil {
			out.setNull(i)
			continue
		}
		v, ok := tmParseISO(strs.Value(i))
		if !ok {
			out.setNull(i)
			continue
		}
		out.vals[i] = v
	}
	return out.finish(), nil
}

// tmParseISO parses an ISO 8601 timestamp: what sqltype.ParseTimestamp reads, plus a lower-case t or z and
// offsets written +hhmm.
func tmParseISO(s string) (int64, bool) {
	if v, err := sqltype.ParseTimestamp(s); err == nil {
		return v, true
	}
	t := strings.TrimSpace(s)
	if len(t) > 10 && t[10] == 't' {
		t = t[:10] + "T" + t[11:]
	}
	if strings.HasSuffix(t, "z") {
		t = t[:len(t)-1] + "Z"
	}
	// +hhmm: the last sign of the clock part followed by four digits.
	if len(t) > 16 {
		if k := strings.LastIndexAny(t[11:], "+-"); k >= 0 {
			k += 11
			off := t[k+1:]
			if len(off) == 4 && tmAllDigits(off) {
				t = t[:k+1] + off[:2] + ":" + off[2:]
			}
		}
	}
	v, err := sqltype.ParseTimestamp(t)
	return v, err == nil
}

func tmAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// int64Input evaluates a BIGINT or TIMESTAMP argument and starts an output of type dt carrying its NULLs: how the
// time kernels begin. The caller releases the argument and finishes (or releases) the output.
func int64Input(ec *evalCtx, ev evaluator, b arrow.RecordBatch, dt arrow.DataType) (arrow.Array, []int64, *fixedOut[int64], error) {
	a, err := ev.eval(ec, b)
	if err != nil {
		return nil, nil, nil, err
	}
	out := newInt64Out(ec.mem, dt, a.Len())
	out.copyValidity(a)
	return a, int64Values(a), out, nil
}
