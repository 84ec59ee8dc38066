package vexec

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Arithmetic follows MySQL: integer + - * fail on overflow (error 1690); / and % by zero give NULL; / of exact
// operands is DECIMAL with four more digits of scale; DECIMAL keeps exact digits up to 38.

func compileArith(c *planner.Call, args []evaluator) (evaluator, error) {
	t := c.T
	switch {
	case c.Func == "neg" && t.Kind == sqltype.KindInt:
		return &computeEval{fn: "negate", args: args, call: c}, nil
	case t.Kind == sqltype.KindInt && (c.Func == "+" || c.Func == "-" || c.Func == "*"):
		fn := map[string]string{"+": "add", "-": "subtract", "*": "multiply"}[c.Func]
		return &computeEval{fn: fn, args: args, call: c}, nil
	case t.Kind == sqltype.KindInt && (c.Func == "div" || c.Func == "%"):
		return &binaryEval{args: args, call: c, kernel: intDivMod}, nil
	case t.Kind == sqltype.KindFloat:
		return &binaryEval{args: args, call: c, kernel: floatArith}, nil
	case t.Kind == sqltype.KindDecimal:
		return &binaryEval{args: args, call: c, kernel: decimalArith}, nil
	}
	return nil, sqlerr.New(sqlerr.Unknown, "no arithmetic kernel for %s of type %s", c.String(), t)
}

// binaryEval evaluates its arguments and hands the arrays to a typed kernel (one call per batch).
type binaryEval struct {
	args   []evaluator
	call   *planner.Call
	kernel func(ec *evalCtx, c *planner.Call, args []arrow.Array, rows int) (arrow.Array, error)
}

func (e *binaryEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	arrs := make([]arrow.Array, 0, len(e.args))
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	for _, ev := range e.args {
		a, err := ev.eval(ec, b)
		if err != nil {
			return nil, err
		}
		arrs = append(arrs, a)
	}
	return e.kernel(ec, e.call, arrs, int(b.NumRows()))
}

func intDivMod(ec *evalCtx, c *planner.Call, args []arrow.Array, rows int) (arrow.Array, error) {
	x, y := args[0].(*array.Int64), args[1].(*array.Int64)
	xv, yv := x.Int64Values(), y.Int64Values()
	out := newInt64Out(ec.mem, arrow.PrimitiveTypes.Int64, rows)
	out.copyValidity(x)
	for i := 0; i < rows; i++ {
		if y.IsNull(i) || yv[i] == 0 {
			out.setNull(i)
			continue
		}
		if c.Func == "div" {
			if xv[i] == math.MinInt64 && yv[i] == -1 {
				out.release()
				return nil, sqlerr.New(sqlerr.DataOutOfRange, "BIGINT value is out of range in '%s'", c.String())
			}
			out.vals[i] = xv[i] / yv[i]
		} else if yv[i] == -1 {
			out.vals[i] = 0
		} else {
			out.vals[i] = xv[i] % yv[i]
		}
	}
	return out.finish(), nil
}

func floatArith(ec *evalCtx, c *planner.Call, args []arrow.Array, rows int) (arrow.Array, error) {
	if c.Func == "neg" {
		x := args[0].(*array.Float64)
		out := newFloat64Out(ec.mem, rows)
		out.copyValidity(x)
		for i, v := range x.Float64Values() {
			out.vals[i] = -v
		}
		return out.finish(), nil
	}
	x, y := args[0].(*array.Float64), args[1].(*array.Float64)
	xv, yv := x.Float64Values(), y.Float64Values()
	out := newFloat64Out(ec.mem, rows)
	out.copyValidity(x)
	if y.NullN() > 0 {
		for i := 0; i < rows; i++ {
			if y.IsNull(i) {
				out.setNull(i)
			}
		}
	}
	switch c.Func {
	case "+":
		for i := range out.vals {
			out.vals[i] = xv[i] + yv[i]
		}
	case "-":
		for i := range out.vals {
			out.vals[i] = xv[i] - yv[i]
		}
	case "*":
		for i := range out.vals {
			out.vals[i] = xv[i] * yv[i]
		}
	case "/":
		for i := range out.vals {
			if yv[i] == 0 {
				out.setNull(i)
				continue
			}
			out.vals[i] = xv[i] / yv[i]
		}
	case "%":
		for i := range out.vals {
			if yv[i] == 0 {
				out.setNull(i)
				continue
			}
			out.vals[i] = math.Mod(xv[i], yv[i])
		}
	case "div":
		// The binder types DIV as BIGINT; a float DIV reaches here only through a cast, never directly.
		out.release()
		return nil, sqlerr.New(sqlerr.Unknown, "DIV over DOUBLE must be cast to BIGINT")
	}
	for i, v := range out.vals {
		if math.IsInf(v, 0) && out.isValid(i) {
			out.release()
			return nil, sqlerr.New(sqlerr.DataOutOfRange, "DOUBLE value is out of range in '%s'", c.String())
		}
	}
	return out.finish(), nil
}

// decimalArith computes exact DECIMAL arithmetic. Operands arrive at their own scales; the result scale is c.T's.
func decimalArith(ec *evalCtx, c *planner.Call, args []arrow.Array, rows int) (arrow.Array, error) {
	rt := c.T
	out := newDecimalOut(ec.mem, rt.Arrow(), rows)
	overflow := func() (arrow.Array, error) {
		out.release()
		return nil, sqlerr.New(sqlerr.DataOutOfRange, "DECIMAL value is out of range in '%s'", c.String())
	}
	x := args[0].(*array.Decimal128)
	xs := int(x.DataType().(*arrow.Decimal128Type).Scale)
	xv := x.Values()
	out.copyValidity(x)
	if c.Func == "neg" {
		for i := range out.vals {
			out.vals[i] = xv[i].Negate()
		}
		return out.finish(), nil
	}
	y := args[1].(*array.Decimal128)
	ys := int(y.DataType().(*arrow.Decimal128Type).Scale)
	yv := y.Values()
	for i := 0; i < rows; i++ {
		if y.IsNull(i) {
			out.setNull(i)
		}
	}
	maxP := int32(sqltype.MaxDecimalPrecision)
	switch c.Func {
	case "+", "-":
		xm := decimal128.GetScaleMultiplier(rt.Scale - xs)
		ym := decimal128.GetScaleMultiplier(rt.Scale - ys)
		// Aligning scales must not push an operand past 38 digits, or the 128-bit product would wrap.
		xFit, yFit := maxP-int32(rt.Scale-xs), maxP-int32(rt.Scale-ys)
		for i := range out.vals {
			if !out.isValid(i) {
				continue
			}
			if !xv[i].FitsInPrecision(xFit) || !yv[i].FitsInPrecision(yFit) {
				return overflow()
			}
			a, b := xv[i].Mul(xm), yv[i].Mul(ym)
			var r decimal128.Num
			if c.Func == "+" {
				r = a.Add(b)
			} else {
				r = a.Sub(b)
			}
			if !r.FitsInPrecision(maxP) {
				return overflow()
			}
			out.vals[i] = r
		}
	case "*":
		drop := xs + ys - rt.Scale
		for i := range out.vals {
			if !out.isValid(i) {
				continue
			}
			r, ok := mulDecimal(xv[i], yv[i], drop)
			if !ok {
				return overflow()
			}
			out.vals[i] = r
		}
	case "/", "%", "div":
		cut := cutsQuotient(xs, ys, rt.Scale)
		for i := range out.vals {
			if !out.isValid(i) {
				continue
			}
			if yv[i].Sign() == 0 {
				out.setNull(i)
				continue
			}
			r, ok := divDecimal(c.Func, xv[i], xs, yv[i], ys, rt.Scale, cut)
			if !ok {
				return overflow()
			}
			out.vals[i] = r
		}
	}
	return out.finish(), nil
}

// mulDecimal multiplies two unscaled decimals and drops digits of scale, rounding half away from zero.
func mulDecimal(a, b decimal128.Num, drop int) (decimal128.Num, bool) {
	if fitsInt64(a) && fitsInt64(b) {
		r := sqltype.RoundDecimal(mul64(int64(a.LowBits()), int64(b.LowBits())), drop)
		return r, r.FitsInPrecision(sqltype.MaxDecimalPrecision)
	}
	p := new(big.Int).Mul(a.BigInt(), b.BigInt())
	return bigToDecimal(roundBig(p, drop))
}

// cutsQuotient reports whether a quotient of operands at scales as and bs, held at scale rs, is cut there: it
// holds every digit MySQL holds of it (sqltype.QuotientScale), and MySQL cuts, not rounds; a quotient whose type
// holds fewer digits (to fit 38) is rounded instead.
func cutsQuotient(as, bs, rs int) bool { return rs >= sqltype.QuotientScale(as, bs) }

// divDecimal computes a/b or a%b at scale rs, or a DIV b (scale 0); cut says how a quotient ends (cutsQuotient).
func divDecimal(op string, a decimal128.Num, as int, b decimal128.Num, bs int, rs int, cut bool) (decimal128.Num, bool) {
	ab, bb := a.BigInt(), b.BigInt()
	switch op {
	case "/":
		// a/10^as / (b/10^bs) * 10^rs = a * 10^(bs+rs-as) / b
		shift := bs + rs - as
		num := new(big.Int).Set(ab)
		den := new(big.Int).Set(bb)
		if shift >= 0 {
			num.Mul(num, pow10(shift))
		} else {
			den.Mul(den, pow10(-shift))
		}
		if cut {
			return bigToDecimal(num.Quo(num, den))
		}
		return bigToDecimal(divRound(num, den))
	case "%":
		// Bring both to scale rs (= max(as, bs)), then take the remainder with the dividend's sign.
		num := new(big.Int).Mul(ab, pow10(rs-as))
		den := new(big.Int).Mul(bb, pow10(rs-bs))
		return bigToDecimal(new(big.Int).Rem(num, den))
	default: // div: truncated quotient
		num := new(big.Int).Mul(ab, pow10(bs))
		den := new(big.Int).Mul(bb, pow10(as))
		return bigToDecimal(new(big.Int).Quo(num, den))
	}
}

func fitsInt64(n decimal128.Num) bool {
	v := int64(n.LowBits())
	return n.HighBits() == 0 && v >= 0 || n.HighBits() == -1 && v < 0
}

// mul64 returns the exact product of two int64 (at most 2^126 in magnitude, so it always fits).
func mul64(a, b int64) decimal128.Num {
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = -ua
	}
	if b < 0 {
		ub = -ub
	}
	hi, lo := bits.Mul64(ua, ub)
	n := decimal128.New(int64(hi), lo)
	if (a < 0) != (b < 0) {
		n = n.Negate()
	}
	return n
}

var pow10Cache = func() []*big.Int {
	p := make([]*big.Int, 80)
	for i := range p {
		p[i] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil)
	}
	return p
}()

func pow10(n int) *big.Int {
	if n < len(pow10Cache) {
		return pow10Cache[n]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

func roundBig(v *big.Int, drop int) *big.Int {
	if drop <= 0 {
		return v
	}
	return divRound(v, pow10(drop))
}

// divRound divides rounding half away from zero.
func divRound(num, den *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(new(big.Int).Abs(den)) >= 0 {
		if (num.Sign() < 0) != (den.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

var maxDecimal = pow10(sqltype.MaxDecimalPrecision)

func bigToDecimal(v *big.Int) (decimal128.Num, bool) {
	if new(big.Int).Abs(v).Cmp(maxDecimal) >= 0 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(v), true
}
