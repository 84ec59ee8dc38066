package sqltype

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Values outside Arrow arrays (literals, INSERT values, CSV fields) are held as Go values whose type follows the
// Kind: KindNull nil, KindBool bool, KindInt int64, KindFloat float64, KindDecimal decimal128.Num (scaled by the
// type's scale), KindString string, KindTimestamp int64 microseconds since the epoch (UTC).

// Errors of the conversions; callers add the column and row a user needs to find the value.
var (
	ErrSyntax   = errors.New("not a valid value")
	ErrOverflow = errors.New("out of range")
)

// ParseInt reads a decimal integer as MySQL's strict mode accepts it: optional sign and surrounding spaces.
// A fractional part is rounded half away from zero, as MySQL rounds '2.5' into an INT column to 3.
func ParseInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	} else if errors.Is(err, strconv.ErrRange) {
		return 0, ErrOverflow
	}
	f, err := ParseFloat(s)
	if err != nil {
		return 0, ErrSyntax
	}
	return FloatToInt(f)
}

// FloatToInt rounds half away from zero and fails when the result does not fit an int64.
func FloatToInt(f float64) (int64, error) {
	r := math.Round(f)
	if math.IsNaN(r) || r < -9.223372036854775808e18 || r >= 9.223372036854775808e18 {
		return 0, ErrOverflow
	}
	return int64(r), nil
}

// ParseFloat reads a floating-point number (decimal or scientific notation, surrounding spaces allowed).
func ParseFloat(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrSyntax
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, ErrOverflow
		}
		return 0, ErrSyntax
	}
	return f, nil
}

// NumericPrefix returns the number a string starts with, as MySQL reads a string in a numeric context ('3abc' is
// 3, 'abc' is 0); exact reports whether the whole string (spaces aside) was the number.
func NumericPrefix(s string) (f float64, exact bool) {
	t := strings.TrimSpace(s)
	end := 0
	seenDigit, seenDot, seenExp := false, false, false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
			seenDigit = true
			end = i + 1
		case (c == '+' || c == '-') && (i == 0 || t[i-1] == 'e' || t[i-1] == 'E'):
		case c == '.' && !seenDot && !seenExp:
			seenDot = true
		case (c == 'e' || c == 'E') && seenDigit && !seenExp:
			seenExp = true
		default:
			i = len(t)
			continue
		}
	}
	if !seenDigit {
		return 0, false
	}
	v, err := strconv.ParseFloat(t[:end], 64)
	if err != nil {
		// "1e" and similar partial exponents: retry without the exponent.
		if k := strings.IndexAny(t[:end], "eE"); k > 0 {
			v, _ = strconv.ParseFloat(t[:k], 64)
		}
	}
	return v, end == len(t)
}

var pow10 = func() [39]*big.Int {
	var p [39]*big.Int
	for i := range p {
		p[i] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil)
	}
	return p
}()

// ParseDecimal reads a decimal number ("-12.345", "1e3", " 7 ") into an unscaled value at the given scale,
// rounding extra fractional digits half away from zero as MySQL does, and fails with ErrOverflow when the result
// has more than precision digits.
func ParseDecimal(s string, precision, scale int) (decimal128.Num, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal128.Num{}, ErrSyntax
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 1000 || e < -1000 {
			return decimal128.Num{}, ErrSyntax
		}
		mant, exp = s[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" {
		return decimal128.Num{}, ErrSyntax
	}
	digits := intPart + frac
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return decimal128.Num{}, ErrSyntax
		}
	}
	// digits * 10^(exp - len(frac)) rescaled to scale: shift = scale + exp - len(frac).
	shift := scale + exp - len(frac)
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return decimal128.Num{}, nil
	}
	if shift > 0 && len(digits)+shift > precision {
		return decimal128.Num{}, ErrOverflow
	}
	var n decimal128.Num
	if shift >= 0 && len(digits)+shift <= 18 {
		v, _ := strconv.ParseInt(digits, 10, 64)
		n = decimal128.FromI64(v).Mul(decimal128.GetScaleMultiplier(shift))
	} else {
		b, _ := new(big.Int).SetString(digits, 10)
		if shift >= 0 {
			if shift > 38 {
				return decimal128.Num{}, ErrOverflow
			}
			b.Mul(b, pow10[shift])
		} else {
			if -shift > len(digits) {
				return decimal128.Num{}, nil
			}
			q, r := new(big.Int).QuoRem(b, pow10[-shift], new(big.Int))
			if r.Mul(r, big.NewInt(2)).Cmp(pow10[-shift]) >= 0 {
				q.Add(q, big.NewInt(1))
			}
			b = q
		}
		if b.Cmp(pow10[precision]) >= 0 {
			return decimal128.Num{}, ErrOverflow
		}
		n = decimal128.FromBigInt(b)
	}
	if !n.FitsInPrecision(int32(precision)) {
		return decimal128.Num{}, ErrOverflow
	}
	if neg {
		n = n.Negate()
	}
	return n, nil
}

// FormatDecimal prints an unscaled decimal with exactly scale digits after the point ("12.50", "-0.05", "7").
func FormatDecimal(n decimal128.Num, scale int) string {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	var digits string
	if n.HighBits() == 0 && n.LowBits() < 1<<63 {
		digits = strconv.FormatUint(n.LowBits(), 10)
	} else {
		digits = n.BigInt().String()
	}
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// RescaleDecimal changes the scale of an unscaled decimal, rounding half away from zero when the scale shrinks,
// and fails with ErrOverflow when the result has more than precision digits.
func RescaleDecimal(n decimal128.Num, from, to, precision int) (decimal128.Num, error) {
	switch {
	case to > from:
		if to-from > 38 {
			return decimal128.Num{}, ErrOverflow
		}
		b := new(big.Int).Mul(n.BigInt(), pow10[to-from])
		if new(big.Int).Abs(b).Cmp(pow10[precision]) >= 0 {
			return decimal128.Num{}, ErrOverflow
		}
		return decimal128.FromBigInt(b), nil
	case to < from:
		n = RoundDecimal(n, from-to)
	}
	if !n.FitsInPrecision(int32(precision)) {
		return decimal128.Num{}, ErrOverflow
	}
	return n, nil
}

// RoundDecimal divides an unscaled decimal by 10^drop, rounding half away from zero.
func RoundDecimal(n decimal128.Num, drop int) decimal128.Num {
	if drop <= 0 {
		return n
	}
	if drop > 38 {
		return decimal128.Num{}
	}
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	q, r := n.Div(decimal128.GetScaleMultiplier(drop))
	if r.GreaterEqual(decimal128.GetHalfScaleMultiplier(drop)) {
		q = q.Add(decimal128.FromU64(1))
	}
	if neg {
		q = q.Negate()
	}
	return q
}

// DecimalToFloat converts an unscaled decimal to the nearest float64.
func DecimalToFloat(n decimal128.Num, scale int) float64 {
	if v := int64(n.LowBits()); (n.HighBits() == 0 && v >= 0 || n.HighBits() == -1 && v < 0) && v > -(1<<53) && v < 1<<53 {
		return float64(v) / math.Pow10(scale)
	}
	f, _ := strconv.ParseFloat(FormatDecimal(n, scale), 64)
	return f
}

// FloatToDecimal converts a float to an unscaled decimal at the given scale, rounding half away from zero.
func FloatToDecimal(f float64, precision, scale int) (decimal128.Num, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimal128.Num{}, ErrOverflow
	}
	return ParseDecimal(strconv.FormatFloat(f, 'g', -1, 64), precision, scale)
}

// ParseTimestamp reads 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS[.ffffff]]' (or with a T, and an optional Z or
// +HH:MM offset) as microseconds since the epoch, UTC.
func ParseTimestamp(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if len(s) < 8 {
		return 0, ErrSyntax
	}
	date, clock, hasClock := strings.Cut(s, " ")
	if !hasClock {
		date, clock, hasClock = strings.Cut(s, "T")
	}
	y, m, d, ok := parseDate(date)
	if !ok {
		return 0, ErrSyntax
	}
	var hh, mm, ss, micros int
	offset := 0
	if hasClock {
		clock = strings.TrimSpace(clock)
		if strings.HasSuffix(clock, "Z") {
			clock = clock[:len(clock)-1]
		} else if i := strings.LastIndexAny(clock, "+-"); i > 0 {
			oh, om, ok2 := parseClockHM(clock[i+1:])
			if !ok2 {
				return 0, ErrSyntax
			}
			offset = (oh*60 + om) * 60
			if clock[i] == '-' {
				offset = -offset
			}
			clock = clock[:i]
		}
		var ok2 bool
		hh, mm, ss, micros, ok2 = parseClock(clock)
		if !ok2 {
			return 0, ErrSyntax
		}
	}
	t := time.Date(y, time.Month(m), d, hh, mm, ss, 0, time.UTC)
	if t.Day() != d || t.Month() != time.Month(m) {
		return 0, ErrSyntax // 2024-02-30 and the like
	}
	return (t.Unix()-int64(offset))*1_000_000 + int64(micros), nil
}

func parseDate(s string) (y, m, d int, ok bool) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 || len(parts[0]) != 4 {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	y, err1 = strconv.Atoi(parts[0])
	m, err2 = strconv.Atoi(parts[1])
	d, err3 = strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || len(parts[1]) > 2 || len(parts[2]) > 2 || m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func parseClockHM(s string) (h, m int, ok bool) {
	hs, ms, _ := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hs)
	if ms == "" {
		ms = "0"
	}
	m, err2 := strconv.Atoi(ms)
	return h, m, err1 == nil && err2 == nil && h < 24 && m < 60
}

func parseClock(s string) (hh, mm, ss, micros int, ok bool) {
	main, frac, hasFrac := strings.Cut(s, ".")
	parts := strings.Split(main, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, 0, false
	}
	vals := [3]int{}
	for i, p := range parts {
		if len(p) == 0 || len(p) > 2 {
			return 0, 0, 0, 0, false
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return 0, 0, 0, 0, false
		}
		vals[i] = v
	}
	if vals[0] > 23 || vals[1] > 59 || vals[2] > 59 {
		return 0, 0, 0, 0, false
	}
	if hasFrac {
		if len(frac) == 0 || len(frac) > 9 {
			return 0, 0, 0, 0, false
		}
		for len(frac) < 6 {
			frac += "0"
		}
		v, err := strconv.Atoi(frac[:6])
		if err != nil || v < 0 {
			return 0, 0, 0, 0, false
		}
		micros = v
	}
	return vals[0], vals[1], vals[2], micros, true
}

// FormatTimestamp prints microseconds since the epoch as 'YYYY-MM-DD HH:MM:SS', with '.ffffff' only when the
// fraction is not zero.
func FormatTimestamp(micros int64) string {
	sec, us := micros/1_000_000, micros%1_000_000
	if us < 0 {
		sec, us = sec-1, us+1_000_000
	}
	t := time.Unix(sec, 0).UTC()
	buf := make([]byte, 0, 26)
	buf = t.AppendFormat(buf, "2006-01-02 15:04:05")
	if us != 0 {
		buf = append(buf, '.')
		frac := strconv.AppendInt(nil, us+1_000_000, 10)
		buf = append(buf, frac[1:]...)
	}
	return string(buf)
}

// FormatFloat prints a double as MySQL's text protocol does: integers below 1e15 without an exponent, otherwise the
// shortest representation that reads back exactly, with exponents written 1e20 and 1e-5.
func FormatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "inf"
	}
	if math.IsInf(f, -1) {
		return "-inf"
	}
	if math.IsNaN(f) {
		return "nan"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	abs := math.Abs(f)
	if abs >= 1e-4 && abs < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	sign := ""
	if exp[0] == '-' {
		sign = "-"
	}
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + sign + exp
}
