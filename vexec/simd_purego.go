package vexec

import (
	"math"
	"math/bits"
)

// The kernels of aggregates without GROUP BY reduce a whole column to one value. They are provided twice: in
// plain Go here, in every build, and with AVX-512 in simd_amd64.go when vcube is built with GOEXPERIMENT=simd
// (simd_generic.go binds the names to the plain ones otherwise). Both give the same result bit for bit, so a
// query's answer does not depend on the build or the CPU: integer sums are exact, float sums add in a fixed
// order of floatLanes running sums, and MIN and MAX take their ties and NaNs from the plain loop.
//
// Every kernel takes the values of a column and its validity bitmap (valid, with the column's first row at bit
// off; nil when no row is NULL) and skips NULL rows.

// floatLanes is how many running sums a float sum keeps: row i is added to sum i%floatLanes, and the sums are
// added pairwise at the end (reduceLanes). Independent sums let both builds add several rows at a time, where
// one running sum waits for each addition to finish before the next.
const floatLanes = 8

// validMask64 is all ones when bit p of valid is set and zero when it is not.
func validMask64(valid []byte, p int) uint64 {
	return -uint64(valid[p>>3] >> (p & 7) & 1)
}

// validByte returns the validity bits of rows p to p+7 (row p+j in bit j), which must all be rows of valid.
func validByte(valid []byte, p int) uint8 {
	k, sh := p>>3, uint(p&7)
	b := valid[k] >> sh
	if sh != 0 {
		b |= valid[k+1] << (8 - sh)
	}
	return b
}

// sumInt64Go returns the sum of the valid values, and false when that sum does not fit in a BIGINT. It adds
// into one running sum, noting without a branch whether any addition wrapped; only then does it add again in
// 128 bits, so that a batch whose running sum leaves the range on the way but ends inside it still sums.
func sumInt64Go(vals []int64, valid []byte, off int) (int64, bool) {
	var sum, wrapped int64
	if valid == nil {
		for _, v := range vals {
			r := sum + v
			wrapped |= (sum ^ r) & (v ^ r) // both operands of one sign and the result of the other
			sum = r
		}
	} else {
		i := 0
		for ; i+8 <= len(vals); i += 8 {
			b := validByte(valid, off+i)
			for j, v := range vals[i : i+8 : i+8] {
				v &= -int64(b >> j & 1)
				r := sum + v
				wrapped |= (sum ^ r) & (v ^ r)
				sum = r
			}
		}
		for ; i < len(vals); i++ {
			v := vals[i] & int64(validMask64(valid, off+i))
			r := sum + v
			wrapped |= (sum ^ r) & (v ^ r)
			sum = r
		}
	}
	if wrapped >= 0 {
		return sum, true
	}
	return sumInt64Wide(vals, valid, off)
}

// sumInt64Wide is sumInt64Go in 128 bits: the exact sum, and whether it fits in a BIGINT.
func sumInt64Wide(vals []int64, valid []byte, off int) (int64, bool) {
	var w wideSum
	for i, v := range vals {
		if valid == nil || validMask64(valid, off+i) != 0 {
			w.add(v)
		}
	}
	return w.int64()
}

// wideSum is a 128-bit two's complement sum of BIGINTs: hi*2^64 + lo.
type wideSum struct {
	hi int64
	lo uint64
}

func (w *wideSum) add(v int64) {
	var carry uint64
	w.lo, carry = bits.Add64(w.lo, uint64(v), 0)
	w.hi += v>>63 + int64(carry) // v sign-extended to 128 bits
}

// int64 returns the sum and whether it fits in a BIGINT.
func (w wideSum) int64() (int64, bool) {
	return int64(w.lo), w.hi == int64(w.lo)>>63
}

// sumFloat64Go returns the sum of the valid values, in floatLanes running sums. A NULL row adds +0 to its sum,
// which leaves it unchanged: a running sum that starts at +0 never becomes -0.
func sumFloat64Go(vals []float64, valid []byte, off int) float64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	i := 0
	if valid == nil {
		for ; i+floatLanes <= len(vals); i += floatLanes {
			v := vals[i : i+floatLanes : i+floatLanes]
			s0 += v[0]
			s1 += v[1]
			s2 += v[2]
			s3 += v[3]
			s4 += v[4]
			s5 += v[5]
			s6 += v[6]
			s7 += v[7]
		}
	} else {
		for ; i+floatLanes <= len(vals); i += floatLanes {
			v := vals[i : i+floatLanes : i+floatLanes]
			b := uint64(validByte(valid, off+i))
			s0 += math.Float64frombits(math.Float64bits(v[0]) & -(b & 1))
			s1 += math.Float64frombits(math.Float64bits(v[1]) & -(b >> 1 & 1))
			s2 += math.Float64frombits(math.Float64bits(v[2]) & -(b >> 2 & 1))
			s3 += math.Float64frombits(math.Float64bits(v[3]) & -(b >> 3 & 1))
			s4 += math.Float64frombits(math.Float64bits(v[4]) & -(b >> 4 & 1))
			s5 += math.Float64frombits(math.Float64bits(v[5]) & -(b >> 5 & 1))
			s6 += math.Float64frombits(math.Float64bits(v[6]) & -(b >> 6 & 1))
			s7 += math.Float64frombits(math.Float64bits(v[7]) & -(b >> 7 & 1))
		}
	}
	s := [floatLanes]float64{s0, s1, s2, s3, s4, s5, s6, s7}
	for j := 0; i < len(vals); i, j = i+1, j+1 {
		if valid == nil || validMask64(valid, off+i) != 0 {
			s[j] += vals[i]
		}
	}
	return reduceLanes(s)
}

// reduceLanes adds the running sums of a float sum pairwise, in the order the AVX-512 kernel adds its lanes:
// halves first (lane k and k+4), then quarters.
func reduceLanes(s [floatLanes]float64) float64 {
	a0, a1, a2, a3 := s[0]+s[4], s[1]+s[5], s[2]+s[6], s[3]+s[7]
	b0, b1 := a0+a2, a1+a3
	return b0 + b1
}

// minInt64Go returns the smallest valid value, or MaxInt64 when no value is valid.
func minInt64Go(vals []int64, valid []byte, off int) int64 {
	return minValid(vals, valid, off, math.MaxInt64)
}

// maxInt64Go returns the largest valid value, or MinInt64 when no value is valid.
func maxInt64Go(vals []int64, valid []byte, off int) int64 {
	return maxValid(vals, valid, off, math.MinInt64)
}

// minFloat64Go returns the smallest valid value (+Inf when no value is valid), -0 when both zeros are among the
// smallest, as MIN shows it; false when a value is NaN, whose place in the order depends on the rows around it
// (the accumulator's row loop decides).
func minFloat64Go(vals []float64, valid []byte, off int) (float64, bool) {
	return extremeFloat64Go(vals, valid, off, false)
}

// maxFloat64Go is minFloat64Go for the largest value (-Inf when no value is valid, 0 above -0).
func maxFloat64Go(vals []float64, valid []byte, off int) (float64, bool) {
	return extremeFloat64Go(vals, valid, off, true)
}

// extremeFloat64Go is minFloat64Go or maxFloat64Go: a compare whose branch is seldom taken (an extreme seldom
// changes) instead of Go's min and max, whose NaN and zero rules cost on every value; a zero result takes its
// sign from a second pass.
func extremeFloat64Go(vals []float64, valid []byte, off int, largest bool) (float64, bool) {
	m, nan := math.Inf(1), false
	if largest {
		m = math.Inf(-1)
	}
	step := func(v float64) {
		if largest && v > m || !largest && v < m {
			m = v
		}
		if v != v {
			nan = true
		}
	}
	i := 0
	if valid != nil {
		for ; i+8 <= len(vals); i += 8 {
			b := validByte(valid, off+i)
			for j, v := range vals[i : i+8 : i+8] {
				if b>>j&1 != 0 {
					step(v)
				}
			}
		}
		for ; i < len(vals); i++ {
			if validMask64(valid, off+i) != 0 {
				step(vals[i])
			}
		}
	} else {
		for _, v := range vals {
			step(v)
		}
	}
	if nan {
		return math.NaN(), false
	}
	if m == 0 {
		m = math.Copysign(0, -1) // MIN shows -0 if any zero is -0, MAX 0 if any is 0
		if largest {
			m = 0
		}
		if !hasFloatBits(vals, valid, off, math.Float64bits(m)) {
			m = -m
		}
	}
	return m, true
}

// hasFloatBits reports whether a valid value has the bits b.
func hasFloatBits(vals []float64, valid []byte, off int, b uint64) bool {
	for i, v := range vals {
		if math.Float64bits(v) == b && (valid == nil || validMask64(valid, off+i) != 0) {
			return true
		}
	}
	return false
}

// minValid returns the smallest of acc and the valid values; runs of eight valid rows skip the bit tests.
func minValid(vals []int64, valid []byte, off int, acc int64) int64 {
	if valid == nil {
		for _, v := range vals {
			acc = min(acc, v)
		}
		return acc
	}
	i := 0
	for ; i+8 <= len(vals); i += 8 {
		b := validByte(valid, off+i)
		if b == 0xff {
			for _, v := range vals[i : i+8 : i+8] {
				acc = min(acc, v)
			}
			continue
		}
		for j, v := range vals[i : i+8 : i+8] {
			if b>>j&1 != 0 {
				acc = min(acc, v)
			}
		}
	}
	for ; i < len(vals); i++ {
		if validMask64(valid, off+i) != 0 {
			acc = min(acc, vals[i])
		}
	}
	return acc
}

// maxValid is minValid for the largest value.
func maxValid(vals []int64, valid []byte, off int, acc int64) int64 {
	if valid == nil {
		for _, v := range vals {
			acc = max(acc, v)
		}
		return acc
	}
	i := 0
	for ; i+8 <= len(vals); i += 8 {
		b := validByte(valid, off+i)
		if b == 0xff {
			for _, v := range vals[i : i+8 : i+8] {
				acc = max(acc, v)
			}
			continue
		}
		for j, v := range vals[i : i+8 : i+8] {
			if b>>j&1 != 0 {
				acc = max(acc, v)
			}
		}
	}
	for ; i < len(vals); i++ {
		if validMask64(valid, off+i) != 0 {
			acc = max(acc, vals[i])
		}
	}
	return acc
}
