package vexec

import (
	"math"
	"math/bits"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Math function kernels. See functions.go for how a family registers its kernels.
//
// The binder (sqlfront/functions_math.go) casts arguments to what the kernels take: ABS, SIGN, ROUND, TRUNCATE,
// FLOOR and CEILING get BIGINT, DOUBLE or DECIMAL and a BIGINT count of digits; pow, sqrt, exp and the
// logarithms get DOUBLE; greatest and least get arguments all of their result type. Results follow MySQL: exact
// arithmetic for BIGINT and DECIMAL (half away from zero), the C library's rint for DOUBLE, NULL for logarithms
// of numbers <= 0 and square roots of negative numbers, error 1690 for results out of range.
var mathKernels = map[string]kernelCompiler{
	"abs":      compileAbsSign,
	"sign":     compileAbsSign,
	"round":    compileRound,
	"truncate": compileRound,
	"floor":    compileFloorCeiling,
	"ceiling":  compileFloorCeiling,
	"sqrt":     compileFloatFunc,
	"exp":      compileFloatFunc,
	"ln":       compileFloatFunc,
	"log":      compileFloatFunc,
	"log2":     compileFloatFunc,
	"log10":    compileFloatFunc,
	"pow":      compileFloatFunc,
	"pi":       compilePi,
	"greatest": compileExtreme,
	"least":    compileExtreme,
}

// mathEval evaluates the arguments a kernel reads per batch (constant arguments are folded into the kernel when
// it is compiled) and hands the arrays to the kernel, one call per batch.
type mathEval struct {
	args   []evaluator
	kernel func(ec *evalCtx, args []arrow.Array, rows int) (arrow.Array, error)
}

func (m *mathEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	arrs, err := evalArgs(ec, m.args, b)
	if err != nil {
		return nil, err
	}
	defer releaseAll(arrs)
	return m.kernel(ec, arrs, int(b.NumRows()))
}

func mathTypeError(c *planner.Call) error {
	return sqlerr.New(sqlerr.Unknown, "no math kernel for %s of type %s", c.String(), c.T)
}

func mathOutOfRange(c *planner.Call, typ string) error {
	return sqlerr.New(sqlerr.DataOutOfRange, "%s value is out of range in '%s'", typ, c.String())
}

// mathConst reports whether an argument is a literal, and its value (nil for NULL).
func mathConst(ev evaluator) (scalar.Scalar, bool) {
	l, ok := ev.(*literalEval)
	if !ok {
		return nil, false
	}
	if !l.sc.IsValid() {
		return nil, true
	}
	return l.sc, true
}

// mathNullArray is an all-NULL array of type t.
func mathNullArray(ec *evalCtx, t sqltype.Type, rows int) arrow.Array {
	return array.MakeArrayOfNull(ec.mem, t.Arrow(), rows)
}

// ---- ABS, SIGN ----

func compileAbsSign(c *planner.Call, args []evaluator) (evaluator, error) {
	if len(args) != 1 {
		return nil, mathTypeError(c)
	}
	sign := c.Func == "sign"
	switch c.Args[0].Type().Kind {
	case sqltype.KindInt:
		return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
			x := a[0].(*array.Int64)
			xv := x.Int64Values()
			out := newInt64Out(ec.mem, arrow.PrimitiveTypes.Int64, rows)
			out.copyValidity(x)
			if sign {
				for i, v := range xv {
					out.vals[i] = int64(mathSign64(v))
				}
				return out.finish(), nil
			}
			for i, v := range xv {
				if v < 0 {
					if v == math.MinInt64 && out.isValid(i) {
						out.release()
						return nil, mathOutOfRange(c, "BIGINT")
					}
					v = -v
				}
				out.vals[i] = v
			}
			return out.finish(), nil
		}}, nil
	case sqltype.KindFloat:
		return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
			x := a[0].(*array.Float64)
			xv := x.Float64Values()
			if sign {
				out := newInt64Out(ec.mem, arrow.PrimitiveTypes.Int64, rows)
				out.copyValidity(x)
				for i, v := range xv {
					switch {
					case v < 0:
						out.vals[i] = -1
					case v > 0:
						out.vals[i] = 1
					default:
						out.vals[i] = 0
					}
				}
				return out.finish(), nil
			}
			out := newFloat64Out(ec.mem, rows)
			out.copyValidity(x)
			for i, v := range xv {
				out.vals[i] = math.Abs(v)
			}
			return out.finish(), nil
		}}, nil
	case sqltype.KindDecimal:
		return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
			x := a[0].(*array.Decimal128)
			xv := x.Values()
			if sign {
				out := newInt64Out(ec.mem, arrow.PrimitiveTypes.Int64, rows)
				out.copyValidity(x)
				for i, v := range xv {
					out.vals[i] = int64(v.Sign())
				}
				return out.finish(), nil
			}
			out := newDecimalOut(ec.mem, c.T.Arrow(), rows)
			out.copyValidity(x)
			for i, v := range xv {
				if v.Sign() < 0 {
					v = v.Negate()
				}
				out.vals[i] = v
			}
			return out.finish(), nil
		}}, nil
	}
	return nil, mathTypeError(c)
}

func mathSign64(v int64) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// ---- ROUND, TRUNCATE, FLOOR, CEILING ----

// roundMode is how a number loses digits.
type roundMode uint8

const (
	roundHalfUp   roundMode = iota // ROUND of exact numbers: half away from zero
	roundTruncate                  // TRUNCATE: toward zero
	roundFloor                     // FLOOR: toward negative infinity
	roundCeiling                   // CEILING: toward positive infinity
)

// compileRound compiles ROUND(x, d) and TRUNCATE(x, d); the binder always passes d (ROUND(x) is ROUND(x, 0)).
// A constant d, the usual case, is read once here.
func compileRound(c *planner.Call, args []evaluator) (evaluator, error) {
	if len(args) != 2 {
		return nil, mathTypeError(c)
	}
	mode := roundHalfUp
	if c.Func == "truncate" {
		mode = roundTruncate
	}
	dConst, isConst := mathConst(args[1])
	var d int64
	if isConst {
		if dConst == nil {
			return mathNullEval(c.T), nil
		}
		d = dConst.(*scalar.Int64).Value
	}
	xt := c.Args[0].Type()
	switch {
	case xt.Kind == sqltype.KindInt && c.T.Kind == sqltype.KindInt:
		if isConst {
			return &mathEval{args: args[:1], kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
				return roundIntArray(ec, c, a[0].(*array.Int64), nil, d, mode, rows)
			}}, nil
		}
		return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
			return roundIntArray(ec, c, a[0].(*array.Int64), a[1].(*array.Int64), 0, mode, rows)
		}}, nil
	case xt.Kind == sqltype.KindFloat && c.T.Kind == sqltype.KindFloat:
		if isConst {
			return &mathEval{args: args[:1], kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
				return roundFloatArray(ec, a[0].(*array.Float64), nil, d, mode, rows), nil
			}}, nil
		}
		return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
			return roundFloatArray(ec, a[0].(*array.Float64), a[1].(*array.Int64), 0, mode, rows), nil
		}}, nil
	case xt.Kind == sqltype.KindDecimal && c.T.Kind == sqltype.KindDecimal:
		if isConst {
			return &mathEval{args: args[:1], kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
				return roundDecimalArray(ec, c, a[0].(*array.Decimal128), nil, d, mode, rows)
			}}, nil
		}
		return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
			return roundDecimalArray(ec, c, a[0].(*array.Decimal128), a[1].(*array.Int64), 0, mode, rows)
		}}, nil
	}
	return nil, mathTypeError(c)
}

// roundIntArray rounds x to d digits (dCol's per row when dCol is not nil).
func roundIntArray(ec *evalCtx, c *planner.Call, x, dCol *array.Int64, d int64, mode roundMode, rows int) (arrow.Array, error) {
	out := newInt64Out(ec.mem, arrow.PrimitiveTypes.Int64, rows)
	out.copyValidity(x)
	xv := x.Int64Values()
	if dCol == nil {
		if d >= 0 {
			copy(out.vals, xv) // integers have no digits after the point
			return out.finish(), nil
		}
		for i, v := range xv {
			r, ok := mathRoundInt(v, d, mode)
			if !ok && out.isValid(i) {
				out.release()
				return nil, mathOutOfRange(c, "BIGINT")
			}
			out.vals[i] = r
		}
		return out.finish(), nil
	}
	out.copyValidity(dCol)
	dv := dCol.Int64Values()
	for i, v := range xv {
		r, ok := mathRoundInt(v, dv[i], mode)
		if !ok && out.isValid(i) {
			out.release()
			return nil, mathOutOfRange(c, "BIGINT")
		}
		out.vals[i] = r
	}
	return out.finish(), nil
}

// mathPow10u are the powers of ten an uint64 holds.
var mathPow10u = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// mathRoundInt rounds v to d digits after the point (d < 0: left of it), as MySQL's Item_func_round::int_op;
// ok is false when the result does not fit a BIGINT.
func mathRoundInt(v, d int64, mode roundMode) (int64, bool) {
	if d >= 0 {
		return v, true
	}
	if d < -19 {
		return 0, true
	}
	p := mathPow10u[-d]
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u
	}
	q := u / p * p
	var up bool
	switch mode {
	case roundHalfUp:
		up = u-q >= p/2
	case roundFloor:
		up = neg && u != q
	case roundCeiling:
		up = !neg && u != q
	}
	if up {
		if q > math.MaxUint64-p {
			return 0, false
		}
		q += p
	}
	if neg {
		if q > 1<<63 {
			return 0, false
		}
		return int64(-q), true // -(1<<63) wraps to MinInt64, which is right
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

// mathPow10f are the doubles nearest to 10^0 .. 10^308, as the C library's table of MySQL has them.
var mathPow10f = func() (p [309]float64) {
	for i := range p {
		p[i], _ = strconv.ParseFloat("1e"+strconv.Itoa(i), 64)
	}
	return p
}()

// mathRoundFloat is MySQL's my_double_round: it scales by 10^d, rounds to an integer (rint, so halves go to even,
// or toward zero for TRUNCATE) and scales back.
func mathRoundFloat(v float64, d int64, mode roundMode) float64 {
	if d <= -int64(len(mathPow10f)) {
		return 0
	}
	abs := d
	if d < 0 {
		abs = -d
	}
	tmp := math.Inf(1)
	if abs < int64(len(mathPow10f)) {
		tmp = mathPow10f[abs]
	}
	mul := v * tmp
	if d >= 0 && (math.IsInf(mul, 0) || math.IsNaN(mul)) {
		return v
	}
	div := v / tmp
	if mode == roundTruncate {
		if v >= 0 {
			if d < 0 {
				return math.Floor(div) * tmp
			}
			return math.Floor(mul) / tmp
		}
		if d < 0 {
			return math.Ceil(div) * tmp
		}
		return math.Ceil(mul) / tmp
	}
	if d < 0 {
		return math.RoundToEven(div) * tmp
	}
	return math.RoundToEven(mul) / tmp
}

func roundFloatArray(ec *evalCtx, x *array.Float64, dCol *array.Int64, d int64, mode roundMode, rows int) arrow.Array {
	out := newFloat64Out(ec.mem, rows)
	out.copyValidity(x)
	xv := x.Float64Values()
	if dCol != nil {
		out.copyValidity(dCol)
		dv := dCol.Int64Values()
		for i, v := range xv {
			out.vals[i] = mathRoundFloat(v, dv[i], mode)
		}
		return out.finish()
	}
	if d < 0 || d >= int64(len(mathPow10f)) {
		for i, v := range xv {
			out.vals[i] = mathRoundFloat(v, d, mode)
		}
		return out.finish()
	}
	// The common case, a constant d >= 0, inlined: scale, round, scale back.
	tmp := mathPow10f[d]
	for i, v := range xv {
		mul := v * tmp
		switch {
		case math.IsInf(mul, 0) || math.IsNaN(mul):
			out.vals[i] = v
		case mode == roundTruncate:
			out.vals[i] = math.Trunc(mul) / tmp
		default:
			out.vals[i] = math.RoundToEven(mul) / tmp
		}
	}
	return out.finish()
}

// roundDecimalArray rounds DECIMAL x to d digits after the point (dCol's per row when not nil) and returns it at
// the result's scale. MySQL rounds at most to the result's scale (dec = min(dec, decimals)).
func roundDecimalArray(ec *evalCtx, c *planner.Call, x *array.Decimal128, dCol *array.Int64, d int64, mode roundMode, rows int) (arrow.Array, error) {
	s := c.Args[0].Type().Scale
	rs := c.T.Scale
	out := newDecimalOut(ec.mem, c.T.Arrow(), rows)
	out.copyValidity(x)
	xv := x.Values()
	var dv []int64
	if dCol != nil {
		out.copyValidity(dCol)
		dv = dCol.Int64Values()
	}
	for i, v := range xv {
		if dv != nil {
			d = dv[i]
		}
		r, ok := mathRoundDecimal(v, s, rs, d, mode)
		if !ok && out.isValid(i) {
			out.release()
			return nil, mathOutOfRange(c, "DECIMAL")
		}
		out.vals[i] = r
	}
	return out.finish(), nil
}

// mathRoundDecimal rounds the unscaled v (scale s) to d digits after the point and returns it at scale rs; ok is false
// when the result has more than 38 digits.
func mathRoundDecimal(v decimal128.Num, s, rs int, d int64, mode roundMode) (decimal128.Num, bool) {
	if d > int64(rs) {
		d = int64(rs)
	}
	if d >= int64(s) {
		return mathMulPow10(v, rs-s)
	}
	if d < -2*sqltype.MaxDecimalPrecision {
		d = -2 * sqltype.MaxDecimalPrecision // every digit is gone either way
	}
	q := mathShiftDecimal(v, s-int(d), mode)
	return mathMulPow10(q, rs-int(d))
}

// mathShiftDecimal divides the unscaled v by 10^k (k >= 0), rounding as mode says. It works on the 128-bit
// magnitude with 64-bit divisions, allocating nothing.
func mathShiftDecimal(v decimal128.Num, k int, mode roundMode) decimal128.Num {
	if k == 0 {
		return v
	}
	neg := v.Sign() < 0
	if neg {
		v = v.Negate()
	}
	hi, lo := uint64(v.HighBits()), v.LowBits()
	qhi, qlo, rest := mathDivPow10(hi, lo, k)
	var up bool
	switch mode {
	case roundHalfUp:
		up = rest == restHalfOrMore
	case roundFloor:
		up = neg && rest != restNone
	case roundCeiling:
		up = !neg && rest != restNone
	}
	if up {
		qlo++
		if qlo == 0 {
			qhi++
		}
	}
	q := decimal128.New(int64(qhi), qlo)
	if neg {
		q = q.Negate()
	}
	return q
}

// What a division drops: nothing, less than half the divisor, or half of it or more.
const (
	restNone = iota
	restBelowHalf
	restHalfOrMore
)

// mathDivPow10 divides the non-negative 128-bit hi:lo (below 2^127) by 10^k, k >= 1.
func mathDivPow10(hi, lo uint64, k int) (qhi, qlo uint64, rest int) {
	if k > 38 {
		// The magnitude is below 2^127 < 10^39 / 2, so below half of 10^k.
		if hi == 0 && lo == 0 {
			return 0, 0, restNone
		}
		return 0, 0, restBelowHalf
	}
	if k <= 19 {
		p := mathPow10u[k]
		qhi = hi / p
		var r uint64
		qlo, r = bits.Div64(hi%p, lo, p)
		switch {
		case r == 0:
			rest = restNone
		case r >= p/2:
			rest = restHalfOrMore
		default:
			rest = restBelowHalf
		}
		return qhi, qlo, rest
	}
	// Two steps: by 10^19, then by 10^(k-19). The remainder r2*10^19 + r1 reaches half of 10^k = 5*10^(k-20)*10^19
	// exactly when r2 reaches 5*10^(k-20).
	p1, p2 := mathPow10u[19], mathPow10u[k-19]
	h1 := hi / p1
	l1, r1 := bits.Div64(hi%p1, lo, p1)
	qhi = h1 / p2
	var r2 uint64
	qlo, r2 = bits.Div64(h1%p2, l1, p2)
	switch {
	case r1 == 0 && r2 == 0:
		rest = restNone
	case r2 >= 5*mathPow10u[k-20]:
		rest = restHalfOrMore
	default:
		rest = restBelowHalf
	}
	return qhi, qlo, rest
}

// mathMulPow10 multiplies the unscaled v by 10^m (m >= 0); ok is false past 38 digits.
func mathMulPow10(v decimal128.Num, m int) (decimal128.Num, bool) {
	if m == 0 || v == (decimal128.Num{}) {
		return v, true
	}
	if m > sqltype.MaxDecimalPrecision || !v.FitsInPrecision(int32(sqltype.MaxDecimalPrecision-m)) {
		return decimal128.Num{}, false
	}
	return v.Mul(decimal128.GetScaleMultiplier(m)), true
}

// compileFloorCeiling compiles FLOOR and CEILING of DOUBLE (DOUBLE), BIGINT (unchanged) and DECIMAL, which gives
// BIGINT or DECIMAL with scale 0 as the binder typed it.
func compileFloorCeiling(c *planner.Call, args []evaluator) (evaluator, error) {
	if len(args) != 1 {
		return nil, mathTypeError(c)
	}
	mode := roundFloor
	if c.Func == "ceiling" {
		mode = roundCeiling
	}
	xt := c.Args[0].Type()
	switch xt.Kind {
	case sqltype.KindInt:
		return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
			x := a[0].(*array.Int64)
			out := newInt64Out(ec.mem, arrow.PrimitiveTypes.Int64, rows)
			out.copyValidity(x)
			copy(out.vals, x.Int64Values())
			return out.finish(), nil
		}}, nil
	case sqltype.KindFloat:
		return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
			x := a[0].(*array.Float64)
			out := newFloat64Out(ec.mem, rows)
			out.copyValidity(x)
			if mode == roundFloor {
				for i, v := range x.Float64Values() {
					out.vals[i] = math.Floor(v)
				}
			} else {
				for i, v := range x.Float64Values() {
					out.vals[i] = math.Ceil(v)
				}
			}
			return out.finish(), nil
		}}, nil
	case sqltype.KindDecimal:
		s := xt.Scale
		switch c.T.Kind {
		case sqltype.KindInt:
			return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
				x := a[0].(*array.Decimal128)
				out := newInt64Out(ec.mem, arrow.PrimitiveTypes.Int64, rows)
				out.copyValidity(x)
				for i, v := range x.Values() {
					q := mathShiftDecimal(v, s, mode)
					if !fitsInt64(q) {
						if out.isValid(i) {
							out.release()
							return nil, mathOutOfRange(c, "BIGINT")
						}
						continue
					}
					out.vals[i] = int64(q.LowBits())
				}
				return out.finish(), nil
			}}, nil
		case sqltype.KindDecimal:
			return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
				x := a[0].(*array.Decimal128)
				out := newDecimalOut(ec.mem, c.T.Arrow(), rows)
				out.copyValidity(x)
				for i, v := range x.Values() {
					out.vals[i] = mathShiftDecimal(v, s, mode)
				}
				return out.finish(), nil
			}}, nil
		}
	}
	return nil, mathTypeError(c)
}

// ---- DOUBLE functions ----

// compileFloatFunc compiles the DOUBLE functions of one or two DOUBLE arguments: sqrt, exp, ln, log (x, or
// base and x), log2, log10 and pow.
func compileFloatFunc(c *planner.Call, args []evaluator) (evaluator, error) {
	for _, a := range c.Args {
		if a.Type().Kind != sqltype.KindFloat {
			return nil, mathTypeError(c)
		}
	}
	switch {
	case len(args) == 1 && c.Func != "pow":
		return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
			return mathFloatUnary(ec, c, a[0].(*array.Float64), rows)
		}}, nil
	case len(args) == 2 && (c.Func == "pow" || c.Func == "log"):
		// A constant second argument (POW(x, 2)) or base (LOG(2, x)) is read once.
		if sc, ok := mathConst(args[0]); ok {
			if sc == nil {
				return mathNullEval(c.T), nil
			}
			k := sc.(*scalar.Float64).Value
			return &mathEval{args: args[1:], kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
				return mathFloatBinary(ec, c, nil, a[0].(*array.Float64), k, 0, rows)
			}}, nil
		}
		if sc, ok := mathConst(args[1]); ok {
			if sc == nil {
				return mathNullEval(c.T), nil
			}
			k := sc.(*scalar.Float64).Value
			return &mathEval{args: args[:1], kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
				return mathFloatBinary(ec, c, a[0].(*array.Float64), nil, 0, k, rows)
			}}, nil
		}
		return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
			return mathFloatBinary(ec, c, a[0].(*array.Float64), a[1].(*array.Float64), 0, 0, rows)
		}}, nil
	}
	return nil, mathTypeError(c)
}

func mathNullEval(t sqltype.Type) evaluator {
	return &mathEval{kernel: func(ec *evalCtx, _ []arrow.Array, rows int) (arrow.Array, error) {
		return mathNullArray(ec, t, rows), nil
	}}
}

func mathFloatUnary(ec *evalCtx, c *planner.Call, x *array.Float64, rows int) (arrow.Array, error) {
	out := newFloat64Out(ec.mem, rows)
	out.copyValidity(x)
	xv := x.Float64Values()
	switch c.Func {
	case "sqrt":
		for i, v := range xv {
			if v < 0 {
				out.setNull(i)
				continue
			}
			out.vals[i] = math.Sqrt(v)
		}
	case "exp":
		for i, v := range xv {
			out.vals[i] = math.Exp(v)
		}
	case "ln", "log":
		for i, v := range xv {
			if v <= 0 {
				out.setNull(i)
				continue
			}
			out.vals[i] = mathLn(v)
		}
	case "log2":
		for i, v := range xv {
			if v <= 0 {
				out.setNull(i)
				continue
			}
			out.vals[i] = math.Log2(v)
		}
	case "log10":
		for i, v := range xv {
			if v <= 0 {
				out.setNull(i)
				continue
			}
			out.vals[i] = mathLog10(v)
		}
	default:
		out.release()
		return nil, mathTypeError(c)
	}
	if err := mathCheckFinite(c, out); err != nil {
		return nil, err
	}
	return out.finish(), nil
}

// mathLn is math.Log, right for subnormal numbers too: Go's assembly Log on amd64 answers -709.09 for 5e-324
// (the C library, and MySQL, -744.44), so those are scaled into the normal range first.
func mathLn(v float64) float64 {
	if v < 0x1p-1022 && v > 0 {
		return math.Log(v*0x1p54) - 54*math.Ln2
	}
	return math.Log(v)
}

// mathLog10 is math.Log10 made exact at powers of ten (Go computes log2(x)*log10(2), which gives
// 14.999999999999998 for 1e15, where the C library MySQL uses gives 15), and right for subnormal numbers.
func mathLog10(v float64) float64 {
	if v < 0x1p-1022 && v > 0 {
		return mathLn(v) / math.Ln10
	}
	r := math.Log10(v)
	n := math.Round(r)
	if math.Abs(r-n) < 1e-9 {
		switch {
		case n >= 0 && n < float64(len(mathPow10f)) && mathPow10f[int(n)] == v:
			return n
		case n < 0 && -n < float64(len(mathPow10fNeg)) && mathPow10fNeg[int(-n)] == v:
			return n
		}
	}
	return r
}

// mathPow10fNeg are the doubles nearest to 10^-0 .. 10^-323.
var mathPow10fNeg = func() (p [324]float64) {
	for i := range p {
		p[i], _ = strconv.ParseFloat("1e-"+strconv.Itoa(i), 64)
	}
	return p
}()

// mathFloatBinary computes pow(x, y) or log(base x, y) row by row; a nil array stands for the constant kx or ky.
func mathFloatBinary(ec *evalCtx, c *planner.Call, x, y *array.Float64, kx, ky float64, rows int) (arrow.Array, error) {
	out := newFloat64Out(ec.mem, rows)
	var xv, yv []float64
	if x != nil {
		out.copyValidity(x)
		xv = x.Float64Values()
	}
	if y != nil {
		out.copyValidity(y)
		yv = y.Float64Values()
	}
	a, b := kx, ky
	switch c.Func {
	case "pow":
		for i := range out.vals {
			if xv != nil {
				a = xv[i]
			}
			if yv != nil {
				b = yv[i]
			}
			out.vals[i] = math.Pow(a, b)
		}
	case "log":
		// LOG(b, x) is ln(x)/ln(b), NULL when b <= 0, b = 1 or x <= 0.
		lnB := mathLn(kx)
		for i := range out.vals {
			if xv != nil {
				a = xv[i]
				lnB = mathLn(a)
			}
			if yv != nil {
				b = yv[i]
			}
			if a <= 0 || a == 1 || b <= 0 {
				out.setNull(i)
				continue
			}
			out.vals[i] = mathLn(b) / lnB
		}
	default:
		out.release()
		return nil, mathTypeError(c)
	}
	if err := mathCheckFinite(c, out); err != nil {
		return nil, err
	}
	return out.finish(), nil
}

// mathCheckFinite raises MySQL's overflow error for an infinite or NaN result in a row that is not NULL (EXP(750),
// POW(10, 309), POW(-8, 1/3)); it releases the output when it fails.
func mathCheckFinite(c *planner.Call, out *fixedOut[float64]) error {
	for i, v := range out.vals {
		if (math.IsInf(v, 0) || math.IsNaN(v)) && out.isValid(i) {
			out.release()
			return mathOutOfRange(c, "DOUBLE")
		}
	}
	return nil
}

func compilePi(c *planner.Call, args []evaluator) (evaluator, error) {
	if len(args) != 0 {
		return nil, mathTypeError(c)
	}
	return &mathEval{kernel: func(ec *evalCtx, _ []arrow.Array, rows int) (arrow.Array, error) {
		out := newFloat64Out(ec.mem, rows)
		for i := range out.vals {
			out.vals[i] = math.Pi
		}
		return out.finish(), nil
	}}, nil
}

// ---- GREATEST, LEAST ----

// compileExtreme compiles GREATEST and LEAST over arguments the binder cast to the result type: a row is NULL
// when any argument is, else it takes the largest (smallest) argument, compared as values of that type.
func compileExtreme(c *planner.Call, args []evaluator) (evaluator, error) {
	if len(args) == 0 {
		return nil, mathTypeError(c)
	}
	for _, a := range c.Args {
		if k := a.Type().Kind; k != c.T.Kind || k == sqltype.KindDecimal && a.Type().Scale != c.T.Scale {
			return nil, sqlerr.New(sqlerr.Unknown, "%s: argument %s is %s, not %s", c.String(), a.String(), a.Type(), c.T)
		}
	}
	greatest := c.Func == "greatest"
	return &mathEval{args: args, kernel: func(ec *evalCtx, a []arrow.Array, rows int) (arrow.Array, error) {
		if c.T.Kind == sqltype.KindNull {
			return array.NewNull(rows), nil
		}
		return extremeArray(ec, c.T, a, rows, greatest), nil
	}}, nil
}

func extremeArray(ec *evalCtx, t sqltype.Type, arrs []arrow.Array, rows int, greatest bool) arrow.Array {
	switch t.Kind {
	case sqltype.KindInt, sqltype.KindTimestamp:
		out := newInt64Out(ec.mem, t.Arrow(), rows)
		vals := make([][]int64, len(arrs))
		for j, a := range arrs {
			vals[j] = int64Values(a)
		}
		extremeOrdered(out, arrs, vals, greatest)
		return out.finish()
	case sqltype.KindFloat:
		out := newFloat64Out(ec.mem, rows)
		vals := make([][]float64, len(arrs))
		for j, a := range arrs {
			vals[j] = a.(*array.Float64).Float64Values()
		}
		extremeOrdered(out, arrs, vals, greatest)
		return out.finish()
	case sqltype.KindDecimal:
		out := newDecimalOut(ec.mem, t.Arrow(), rows)
		copy(out.vals, arrs[0].(*array.Decimal128).Values())
		for j, a := range arrs {
			out.copyValidity(a)
			if j == 0 {
				continue
			}
			for i, v := range a.(*array.Decimal128).Values() {
				if greatest && v.Greater(out.vals[i]) || !greatest && v.Less(out.vals[i]) {
					out.vals[i] = v
				}
			}
		}
		return out.finish()
	case sqltype.KindString:
		choice := make([]int32, rows)
		strs := make([]*array.String, len(arrs))
		for j, a := range arrs {
			strs[j] = a.(*array.String)
		}
		for j := 1; j < len(strs); j++ {
			s := strs[j]
			for i := range choice {
				v, best := s.Value(i), strs[choice[i]].Value(i)
				if greatest && v > best || !greatest && v < best {
					choice[i] = int32(j)
				}
			}
		}
		extremeNullChoices(choice, arrs)
		return pick(ec.mem, t, choice, arrs)
	case sqltype.KindBool:
		// FALSE < TRUE: GREATEST is true when any argument is, LEAST when all are.
		choice := make([]int32, rows)
		for j := 1; j < len(arrs); j++ {
			bo := arrs[j].(*array.Boolean)
			for i := range choice {
				if bo.Value(i) == greatest {
					choice[i] = int32(j)
				}
			}
		}
		extremeNullChoices(choice, arrs)
		return pick(ec.mem, t, choice, arrs)
	}
	return array.NewNull(rows)
}

// extremeNullChoices marks the rows where any argument is NULL.
func extremeNullChoices(choice []int32, arrs []arrow.Array) {
	for _, a := range arrs {
		if a.NullN() == 0 {
			continue
		}
		for i := range choice {
			if a.IsNull(i) {
				choice[i] = -1
			}
		}
	}
}

func extremeOrdered[T int64 | float64](out *fixedOut[T], arrs []arrow.Array, vals [][]T, greatest bool) {
	copy(out.vals, vals[0])
	for j, a := range arrs {
		out.copyValidity(a)
		if j == 0 {
			continue
		}
		v := vals[j]
		if greatest {
			for i, x := range v {
				if x > out.vals[i] {
					out.vals[i] = x
				}
			}
		} else {
			for i, x := range v {
				if x < out.vals[i] {
					out.vals[i] = x
				}
			}
		}
	}
}
