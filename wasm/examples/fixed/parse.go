package main

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/vcubedb/vcube/wasm/sdk"
)

// limit is 10^38, the first magnitude DECIMAL(38,s) cannot hold, as a 128-bit integer.
var limit = u128{hi: 0x4B3B4CA85A86C47A, lo: 0x098A224000000000}

// u128 is an unsigned 128-bit magnitude.
type u128 struct{ hi, lo uint64 }

// mulAdd returns a*10 + d and whether it is still below 10^38. a is below 10^38, so a*10+d fits in 128 bits.
func (a u128) mulAdd(d uint64) (u128, bool) {
	hi, lo := bits.Mul64(a.lo, 10)
	lo, carry := bits.Add64(lo, d, 0)
	r := u128{hi: a.hi*10 + hi + carry, lo: lo}
	return r, r.hi < limit.hi || r.hi == limit.hi && r.lo < limit.lo
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseFixed reads [+-]digits[.digits] (surrounding spaces allowed; either side of the point may be empty but
// not both) as the unscaled value of a DECIMAL(38,scale).
func parseFixed(s string, scale int) (sdk.Decimal, error) {
	t := strings.TrimSpace(s)
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	whole, frac, _ := strings.Cut(t, ".")
	if whole == "" && frac == "" || !digitsOnly(whole) || !digitsOnly(frac) {
		return sdk.Decimal{}, fmt.Errorf("cannot read %q as a decimal number", s)
	}
	var m u128
	ok := true
	add := func(d uint64) {
		if ok {
			m, ok = m.mulAdd(d)
		}
	}
	for i := 0; i < len(whole); i++ {
		add(uint64(whole[i] - '0'))
	}
	for i := 0; i < scale; i++ {
		if i < len(frac) {
			add(uint64(frac[i] - '0'))
		} else {
			add(0)
		}
	}
	if ok && len(frac) > scale && frac[scale] >= '5' {
		// Round half away from zero: add one unit of the last kept digit.
		var carry uint64
		m.lo, carry = bits.Add64(m.lo, 1, 0)
		m.hi += carry
		ok = m.hi < limit.hi || m.hi == limit.hi && m.lo < limit.lo
	}
	if !ok {
		return sdk.Decimal{}, fmt.Errorf("%q does not fit DECIMAL(38,%d)", s, scale)
	}
	d := sdk.Decimal{Lo: m.lo, Hi: int64(m.hi)}
	if neg {
		d = d.Neg()
	}
	return d, nil
}
