//go:build goexperiment.simd && amd64

package vexec

// AVX-512 kernels (simd/archsimd), used when the CPU has AVX-512; the plain ones of simd_purego.go otherwise.
//
// What was tried, and what decided it. The profile of BenchmarkAggregateStrategies/cached, BenchmarkFilter and
// BenchmarkHashAggregate (go test -cpuprofile) put the time in: the grouped SUM(DOUBLE) update (17%), the
// whole-column float sum (11%), the group table's Go map of BIGINT keys (mapaccess 14-18%, assign 19% cum),
// COUNT's grouped update (2%); in Filter, arrow-go's comparison kernels are AVX2 assembly already (2-3%), the
// rest is countTrue's row loop (16%), arrow's take (18%) and allocation. So:
//   - SUM, MIN and MAX over a whole BIGINT, TIMESTAMP or DOUBLE column (aggregates without GROUP BY): kept.
//   - Comparison filters: not tried; arrow's AVX2 kernels leave nothing for SIMD to win in a filter's time.
//   - The hash of BIGINT group keys: not tried; the keys go to Go's map, whose hash and group match the runtime
//     owns (and vectorises). A table of vcube's own is a change of design, not a kernel.
//   - Grouped updates: not tried; a scatter into per-group sums, where lanes of one vector may hit one group.
//
// BenchmarkColumnKernels, GOEXPERIMENT=simd go test ./vexec -run XXX -bench ColumnKernels -benchtime 0.2s
// -count 5 on a Turin-class virtual CPU (2 cores, shared), medians in ms per call, AVX-512 / plain Go in the same run
// (no NULL; one row in ten NULL):
//
//	            1M          1M NULLs      10M          10M NULLs
//	sumInt64    0.11/0.64   0.17/1.06     2.8/5.3      2.6/10.6
//	sumFloat64  0.10/0.16   0.12/0.87     1.9/2.1      2.1/6.2
//	minInt64    0.13/0.88   0.20/1.16     2.3/9.0      2.3/13.6
//	minFloat64  0.14/1.13   0.17/2.44     2.2/10.6     2.2/25.4
//
// Every kernel wins by 2-14x but the float sum of 10M values without NULLs (9%: both are bound by memory
// there); it is kept for the 36% it wins on the 1M values the cache holds, as a query's 8K-row batches are.
// End to end, SUM(DOUBLE) over 8M cached rows on one core (BenchmarkAggregateStrategies/cached/sum-merge-1,
// the three builds' test binaries interleaved, medians of 5): 15.9 ms before the kernels, 9.5 ms with the
// plain Go ones, 6.1 ms with AVX-512. The MAX kernels share the MIN kernels' code.

import (
	"math"
	"simd/archsimd"
)

// useAVX512 is whether the CPU runs the AVX-512 kernels (AVX512F, CD, BW, DQ and VL).
var useAVX512 = archsimd.X86.AVX512()

// simdKernels names the instruction set the kernels use on this CPU.
var simdKernels = func() string {
	if useAVX512 {
		return "avx512"
	}
	return "none"
}()

func sumInt64(vals []int64, valid []byte, off int) (int64, bool) {
	if useAVX512 {
		return sumInt64AVX512(vals, valid, off)
	}
	return sumInt64Go(vals, valid, off)
}

func sumFloat64(vals []float64, valid []byte, off int) float64 {
	if useAVX512 {
		return sumFloat64AVX512(vals, valid, off)
	}
	return sumFloat64Go(vals, valid, off)
}

func minInt64(vals []int64, valid []byte, off int) int64 {
	if useAVX512 {
		return minMaxInt64AVX512(vals, valid, off, false)
	}
	return minInt64Go(vals, valid, off)
}

func maxInt64(vals []int64, valid []byte, off int) int64 {
	if useAVX512 {
		return minMaxInt64AVX512(vals, valid, off, true)
	}
	return maxInt64Go(vals, valid, off)
}

func minFloat64(vals []float64, valid []byte, off int) (float64, bool) {
	if useAVX512 {
		return minMaxFloat64AVX512(vals, valid, off, false)
	}
	return minFloat64Go(vals, valid, off)
}

func maxFloat64(vals []float64, valid []byte, off int) (float64, bool) {
	if useAVX512 {
		return minMaxFloat64AVX512(vals, valid, off, true)
	}
	return maxFloat64Go(vals, valid, off)
}

// sumInt64AVX512 is sumInt64Go eight rows at a time: eight running sums that note whether any addition
// wrapped. When none did, the eight are exact and are added in 128 bits; when one did, the batch is added again
// in 128 bits.
func sumInt64AVX512(vals []int64, valid []byte, off int) (int64, bool) {
	acc, wrapped := archsimd.BroadcastInt64x8(0), archsimd.BroadcastInt64x8(0)
	i := 0
	if valid == nil {
		for ; i+8 <= len(vals); i += 8 {
			v := archsimd.LoadInt64x8Slice(vals[i : i+8])
			r := acc.Add(v)
			wrapped = wrapped.Or(acc.Xor(r).And(v.Xor(r)))
			acc = r
		}
	} else {
		for ; i+8 <= len(vals); i += 8 {
			v := archsimd.LoadInt64x8Slice(vals[i : i+8]).Masked(archsimd.Mask64x8FromBits(validByte(valid, off+i)))
			r := acc.Add(v)
			wrapped = wrapped.Or(acc.Xor(r).And(v.Xor(r)))
			acc = r
		}
	}
	var lanes [8]int64
	acc.Store(&lanes)
	overflow := wrapped.Less(archsimd.BroadcastInt64x8(0)).ToBits() != 0
	archsimd.ClearAVXUpperBits()
	if overflow {
		return sumInt64Wide(vals, valid, off)
	}
	var w wideSum
	for _, l := range lanes {
		w.add(l)
	}
	for ; i < len(vals); i++ {
		if valid == nil || validMask64(valid, off+i) != 0 {
			w.add(vals[i])
		}
	}
	return w.int64()
}

// sumFloat64AVX512 is sumFloat64Go with its floatLanes running sums in one vector; a NULL row's lane adds +0.
func sumFloat64AVX512(vals []float64, valid []byte, off int) float64 {
	acc := archsimd.BroadcastFloat64x8(0)
	i := 0
	if valid == nil {
		for ; i+8 <= len(vals); i += 8 {
			acc = acc.Add(archsimd.LoadFloat64x8Slice(vals[i : i+8]))
		}
	} else {
		for ; i+8 <= len(vals); i += 8 {
			v := archsimd.LoadFloat64x8Slice(vals[i : i+8]).Masked(archsimd.Mask64x8FromBits(validByte(valid, off+i)))
			acc = acc.Add(v)
		}
	}
	// The last rows go to their lanes one by one: LoadFloat64x8SlicePart converts the short slice to an array
	// pointer, which the race detector's pointer checks reject in Go 1.26 (golang/go#78413).
	var lanes [floatLanes]float64
	acc.Store(&lanes)
	archsimd.ClearAVXUpperBits()
	for j := 0; i < len(vals); i, j = i+1, j+1 {
		if valid == nil || validMask64(valid, off+i) != 0 {
			lanes[j] += vals[i]
		}
	}
	return reduceLanes(lanes)
}

// minMaxInt64AVX512 is minInt64Go (or maxInt64Go) eight rows at a time; NULL rows count as the identity.
func minMaxInt64AVX512(vals []int64, valid []byte, off int, largest bool) int64 {
	id := int64(math.MaxInt64)
	if largest {
		id = math.MinInt64
	}
	ident := archsimd.BroadcastInt64x8(id)
	acc := ident
	i := 0
	for ; i+8 <= len(vals); i += 8 {
		v := archsimd.LoadInt64x8Slice(vals[i : i+8])
		if valid != nil {
			v = v.Merge(ident, archsimd.Mask64x8FromBits(validByte(valid, off+i)))
		}
		if largest {
			acc = acc.Max(v)
		} else {
			acc = acc.Min(v)
		}
	}
	var lanes [8]int64
	acc.Store(&lanes)
	archsimd.ClearAVXUpperBits()
	m := id
	for _, l := range lanes {
		m = pickInt64(m, l, largest)
	}
	for ; i < len(vals); i++ {
		if valid == nil || validMask64(valid, off+i) != 0 {
			m = pickInt64(m, vals[i], largest)
		}
	}
	return m
}

func pickInt64(a, b int64, largest bool) int64 {
	if largest {
		return max(a, b)
	}
	return min(a, b)
}

// minMaxFloat64AVX512 is minFloat64Go (or maxFloat64Go) eight rows at a time. The vector instructions order
// neither NaN nor the two zeros as MIN and MAX do, so a batch holding a NaN, or whose result is a zero, is
// left to the plain loop.
func minMaxFloat64AVX512(vals []float64, valid []byte, off int, largest bool) (float64, bool) {
	id := math.Inf(1)
	if largest {
		id = math.Inf(-1)
	}
	ident := archsimd.BroadcastFloat64x8(id)
	acc := ident
	nan := archsimd.Mask64x8FromBits(0)
	i := 0
	for ; i+8 <= len(vals); i += 8 {
		v := archsimd.LoadFloat64x8Slice(vals[i : i+8])
		if valid != nil {
			v = v.Merge(ident, archsimd.Mask64x8FromBits(validByte(valid, off+i)))
		}
		nan = nan.Or(v.IsNaN())
		if largest {
			acc = acc.Max(v)
		} else {
			acc = acc.Min(v)
		}
	}
	var lanes [8]float64
	acc.Store(&lanes)
	sawNaN := nan.ToBits() != 0
	archsimd.ClearAVXUpperBits()
	m := id
	for _, l := range lanes {
		m = pickFloat(m, l, largest)
	}
	for ; i < len(vals); i++ {
		if valid == nil || validMask64(valid, off+i) != 0 {
			m = pickFloat(m, vals[i], largest)
		}
	}
	if sawNaN || m == 0 || math.IsNaN(m) {
		if largest {
			return maxFloat64Go(vals, valid, off)
		}
		return minFloat64Go(vals, valid, off)
	}
	return m, true
}

// pickFloat is min or max, NaN when either is.
func pickFloat(a, b float64, largest bool) float64 {
	if largest {
		return max(a, b)
	}
	return min(a, b)
}
