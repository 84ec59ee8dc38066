package vexec

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// The column kernels of simd_*.go, in the build's version (AVX-512 under GOEXPERIMENT=simd on a CPU that has
// it) and in plain Go, against plain reference loops: every length from 0 to 300 (the vector loops' tails),
// without NULLs, with some, and with all, at bitmap offsets 0 to 9, over ordinary and edge values.

// kernelCase is one column: its values and validity (valid nil: no NULL; row i at bit off+i).
type kernelCase[T any] struct {
	vals  []T
	valid []byte
	off   int
}

func (k kernelCase[T]) isValid(i int) bool {
	return k.valid == nil || k.valid[(k.off+i)>>3]>>((k.off+i)&7)&1 != 0
}

// kernelCases generates columns of every length up to 300 with values from gen, under every NULL pattern.
func kernelCases[T any](rng *rand.Rand, gen func() T) []kernelCase[T] {
	var out []kernelCase[T]
	for n := 0; n <= 300; n++ {
		vals := make([]T, n)
		for i := range vals {
			vals[i] = gen()
		}
		out = append(out, kernelCase[T]{vals: vals})
		for _, nullRate := range []float64{0, 0.3, 1} {
			off := rng.IntN(10)
			valid := make([]byte, (off+n+7)/8+rng.IntN(2))
			for i := range valid {
				valid[i] = byte(rng.Uint32()) // bits outside the rows are noise
			}
			for i := range n {
				p := off + i
				if rng.Float64() < nullRate {
					valid[p>>3] &^= 1 << (p & 7)
				} else {
					valid[p>>3] |= 1 << (p & 7)
				}
			}
			out = append(out, kernelCase[T]{vals: vals, valid: valid, off: off})
		}
	}
	return out
}

func int64Gen(rng *rand.Rand, edges bool) func() int64 {
	special := []int64{math.MinInt64, math.MaxInt64, math.MinInt64 + 1, math.MaxInt64 - 1, 0, -1, 1, math.MaxInt64 / 2, math.MinInt64 / 2}
	return func() int64 {
		if edges && rng.IntN(4) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.Int64N(2_000_001) - 1_000_000
	}
}

func float64Gen(rng *rand.Rand, edges, nan bool) func() float64 {
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1e308, -1e308}
	if nan {
		special = append(special, math.NaN())
	}
	return func() float64 {
		if edges && rng.IntN(4) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.NormFloat64() * 1e6
	}
}

// sameFloat is equality of float bits, with any NaN equal to any other.
func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

func TestKernelSumInt64(t *testing.T) {
	t.Logf("SIMD kernels: %s", simdKernels)
	rng := rand.New(rand.NewPCG(1, 1))
	for _, edges := range []bool{false, true} {
		for _, c := range kernelCases(rng, int64Gen(rng, edges)) {
			exact := new(big.Int)
			for i, v := range c.vals {
				if c.isValid(i) {
					exact.Add(exact, big.NewInt(v))
				}
			}
			wantOK := exact.IsInt64()
			for name, f := range map[string]func([]int64, []byte, int) (int64, bool){
				"build": sumInt64, "go": sumInt64Go, "wide": sumInt64Wide} {
				got, ok := f(c.vals, c.valid, c.off)
				require.Equal(t, wantOK, ok, "%s: fits, n=%d off=%d %v", name, len(c.vals), c.off, c.vals)
				if ok {
					require.Equal(t, exact.Int64(), got, "%s: n=%d off=%d %v", name, len(c.vals), c.off, c.vals)
				}
			}
		}
	}
	// A running sum that leaves the range and comes back still sums; one that ends outside does not.
	vals := []int64{math.MaxInt64, 1, -1, math.MaxInt64, -math.MaxInt64, 5, -5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	got, ok := sumInt64(vals, nil, 0)
	require.True(t, ok)
	require.Equal(t, int64(math.MaxInt64), got)
	vals = append(vals, 1)
	_, ok = sumInt64(vals, nil, 0)
	require.False(t, ok)
}

// refSumFloat64 is the order sumFloat64 promises, as a plain loop: row i into running sum i%floatLanes.
func refSumFloat64(c kernelCase[float64]) float64 {
	var lanes [floatLanes]float64
	for i, v := range c.vals {
		if c.isValid(i) {
			lanes[i%floatLanes] += v
		}
	}
	return reduceLanes(lanes)
}

func TestKernelSumFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, edges := range []bool{false, true} {
		for _, c := range kernelCases(rng, float64Gen(rng, edges, edges)) {
			want := refSumFloat64(c)
			var seq float64
			for i, v := range c.vals {
				if c.isValid(i) {
					seq += v
				}
			}
			for name, f := range map[string]func([]float64, []byte, int) float64{"build": sumFloat64, "go": sumFloat64Go} {
				got := f(c.vals, c.valid, c.off)
				require.True(t, sameFloat(want, got), "%s: got %v, want %v; n=%d off=%d", name, got, want, len(c.vals), c.off)
				if !edges {
					require.InEpsilon(t, seq+1e9, got+1e9, 1e-9, "%s: the sum in row order", name)
				}
			}
		}
	}
}

func TestKernelMinMaxInt64(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, edges := range []bool{false, true} {
		for _, c := range kernelCases(rng, int64Gen(rng, edges)) {
			lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
			for i, v := range c.vals {
				if c.isValid(i) {
					if v < lo {
						lo = v
					}
					if v > hi {
						hi = v
					}
				}
			}
			require.Equal(t, lo, minInt64(c.vals, c.valid, c.off), "min n=%d off=%d", len(c.vals), c.off)
			require.Equal(t, lo, minInt64Go(c.vals, c.valid, c.off))
			require.Equal(t, hi, maxInt64(c.vals, c.valid, c.off), "max n=%d off=%d", len(c.vals), c.off)
			require.Equal(t, hi, maxInt64Go(c.vals, c.valid, c.off))
		}
	}
}

// refMinMaxFloat64 is MIN or MAX in row order as updateOrdered takes it: ties of the two zeros go to -0 (MIN)
// or 0 (MAX); false when a valid value is NaN.
func refMinMaxFloat64(c kernelCase[float64], largest bool) (float64, bool) {
	best := math.Inf(1)
	if largest {
		best = math.Inf(-1)
	}
	for i, v := range c.vals {
		if !c.isValid(i) {
			continue
		}
		if math.IsNaN(v) {
			return 0, false
		}
		switch {
		case largest && v > best, !largest && v < best:
			best = v
		case v == 0 && best == 0:
			best = tieZero(best, v, largest)
		}
	}
	return best, true
}

func TestKernelMinMaxFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, gen := range []func() float64{float64Gen(rng, false, false), float64Gen(rng, true, false), float64Gen(rng, true, true),
		func() float64 { return []float64{0, math.Copysign(0, -1), 1, -1}[rng.IntN(4)] }} {
		for _, c := range kernelCases(rng, gen) {
			for _, largest := range []bool{false, true} {
				want, wantOK := refMinMaxFloat64(c, largest)
				fs := map[string]func([]float64, []byte, int) (float64, bool){"build": minFloat64, "go": minFloat64Go}
				if largest {
					fs = map[string]func([]float64, []byte, int) (float64, bool){"build": maxFloat64, "go": maxFloat64Go}
				}
				for name, f := range fs {
					got, ok := f(c.vals, c.valid, c.off)
					require.Equal(t, wantOK, ok, "%s max=%v: NaN, n=%d off=%d %v", name, largest, len(c.vals), c.off, c.vals)
					if ok {
						require.True(t, sameFloat(want, got), "%s max=%v: got %v want %v, n=%d off=%d %v", name, largest, got, want, len(c.vals), c.off, c.vals)
					}
				}
			}
		}
	}
}

// TestUpdateWholeMatchesRows folds sliced batches with NULLs, zeros of both signs and NaNs into SUM, MIN and
// MAX accumulators through updateWhole (the column kernels) and through update with every row in group 0,
// and compares the results.
func TestUpdateWholeMatchesRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(5, 5))
	ints := int64Gen(rng, false)
	flts := func() float64 { // zeros of both signs among ordinary values: no sum overflows
		return []float64{0, math.Copysign(0, -1), rng.NormFloat64(), rng.NormFloat64()}[rng.IntN(4)]
	}
	for _, typ := range []sqltype.Type{sqltype.BigInt, sqltype.Double, sqltype.Timestamp} {
		for _, nan := range []bool{false, true} {
			var batches []arrow.Array
			for range 6 {
				n := rng.IntN(300)
				var b array.Builder
				switch typ.Kind {
				case sqltype.KindFloat:
					fb := array.NewFloat64Builder(mem)
					for range n {
						switch {
						case rng.IntN(5) == 0:
							fb.AppendNull()
						case nan && rng.IntN(50) == 0:
							fb.Append(math.NaN())
						default:
							fb.Append(flts())
						}
					}
					b = fb
				default:
					ib := array.NewBuilder(mem, typ.Arrow())
					for range n {
						if rng.IntN(5) == 0 {
							ib.AppendNull()
							continue
						}
						if tb, ok := ib.(*array.TimestampBuilder); ok {
							tb.Append(arrow.Timestamp(ints()))
						} else {
							ib.(*array.Int64Builder).Append(ints())
						}
					}
					b = ib
				}
				a := b.NewArray()
				b.Release()
				lo := rng.IntN(a.Len()/2 + 1)
				batches = append(batches, array.NewSlice(a, int64(lo), int64(a.Len())))
				a.Release()
			}
			for _, fn := range []string{"sum", "min", "max"} {
				if fn == "sum" && typ.Kind == sqltype.KindTimestamp {
					continue
				}
				call := aggCall(fn, &planner.ColumnRef{Name: "x", T: typ})
				whole, err := newAccumulator(call, mem)
				require.NoError(t, err)
				rows, err := newAccumulator(call, mem)
				require.NoError(t, err)
				rows.grow(1)
				for _, a := range batches {
					whole.grow(1)
					require.NoError(t, whole.(runUpdater).updateRun(0, a, 0, a.Len()))
					require.NoError(t, rows.update(make([]uint32, a.Len()), a))
				}
				got, err := whole.finish(mem, 1)
				require.NoError(t, err)
				want, err := rows.finish(mem, 1)
				require.NoError(t, err)
				if fn == "sum" && typ.Kind == sqltype.KindFloat {
					g, w := got.(*array.Float64).Value(0), want.(*array.Float64).Value(0)
					require.True(t, sameFloat(g, w) || math.Abs(g-w) <= 1e-9*math.Max(math.Abs(g), math.Abs(w)), "%s(%s): %v, rows %v", fn, typ, g, w)
				} else {
					require.Equal(t, formatValue(want.DataType(), sqltype.ValueAt(want, 0)), formatValue(got.DataType(), sqltype.ValueAt(got, 0)), "%s(%s) nan=%v", fn, typ, nan)
				}
				got.Release()
				want.Release()
			}
			for _, a := range batches {
				a.Release()
			}
		}
	}
}

// BenchmarkColumnKernels times the column kernels over 1M and 10M values, without NULLs and with one row in
// ten NULL, in one run: the build's kernel (simd: AVX-512 under GOEXPERIMENT=simd; skipped in other builds),
// the plain Go one (go), and the loop the accumulator ran before the kernels (rows: one running value, row by
// row). SIMD against plain Go decides which kernels simd_amd64.go keeps.
func BenchmarkColumnKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	const most = 10_000_000
	ints, flts := make([]int64, most), make([]float64, most)
	for i := range most {
		ints[i] = rng.Int64N(1_000_000)
		flts[i] = rng.NormFloat64()
	}
	valid := make([]byte, most/8)
	for i := range most {
		if rng.IntN(10) != 0 {
			valid[i>>3] |= 1 << (i & 7)
		}
	}
	group0s := make([]uint32, most)
	clear(group0s) // touches every page before timing
	type kernel struct {
		name            string
		simd, go_, rows func(n int, valid []byte) any
	}
	kernels := []kernel{
		{"sumInt64",
			func(n int, v []byte) any { s, _ := sumInt64(ints[:n], v, 0); return s },
			func(n int, v []byte) any { s, _ := sumInt64Go(ints[:n], v, 0); return s },
			func(n int, v []byte) any { return rowSumInt64(ints[:n], v) }},
		{"sumFloat64",
			func(n int, v []byte) any { return sumFloat64(flts[:n], v, 0) },
			func(n int, v []byte) any { return sumFloat64Go(flts[:n], v, 0) },
			func(n int, v []byte) any { return rowSumFloat64(flts[:n], v) }},
		{"minInt64",
			func(n int, v []byte) any { return minInt64(ints[:n], v, 0) },
			func(n int, v []byte) any { return minInt64Go(ints[:n], v, 0) },
			func(n int, v []byte) any { return rowMin(ints[:n], v, group0s[:n]) }},
		{"minFloat64",
			func(n int, v []byte) any { m, _ := minFloat64(flts[:n], v, 0); return m },
			func(n int, v []byte) any { m, _ := minFloat64Go(flts[:n], v, 0); return m },
			func(n int, v []byte) any { return rowMin(flts[:n], v, group0s[:n]) }},
	}
	for _, k := range kernels {
		for _, n := range []int{1_000_000, most} {
			for _, nulls := range []bool{false, true} {
				var v []byte
				name := k.name + "/" + strconv.Itoa(n/1_000_000) + "M"
				if nulls {
					v, name = valid, name+"/nulls"
				}
				for _, path := range []struct {
					name string
					f    func(int, []byte) any
				}{{"simd", k.simd}, {"go", k.go_}, {"rows", k.rows}} {
					b.Run(name+"/"+path.name, func(b *testing.B) {
						if path.name == "simd" && simdKernels == "none" {
							b.Skip("no SIMD kernels in this build")
						}
						b.SetBytes(int64(n) * 8)
						for b.Loop() {
							benchSink = path.f(n, v)
						}
					})
				}
			}
		}
	}
}

var benchSink any

// rowSumInt64 is SUM(BIGINT)'s row loop before the kernels: one running sum, checked at every row.
func rowSumInt64(vals []int64, valid []byte) int64 {
	var sum int64
	for i, v := range vals {
		if valid != nil && valid[i>>3]>>(i&7)&1 == 0 {
			continue
		}
		r := sum + v
		if (sum^r)&(v^r) < 0 {
			return 0
		}
		sum = r
	}
	return sum
}

// rowSumFloat64 is SUM(DOUBLE)'s row loop before the kernels: one running sum, in row order.
func rowSumFloat64(vals []float64, valid []byte) float64 {
	var sum float64
	for i, v := range vals {
		if valid == nil || valid[i>>3]>>(i&7)&1 != 0 {
			sum += v
		}
	}
	return sum
}

// rowMin is MIN's row loop (updateOrdered) over one group.
func rowMin[T int64 | float64](vals []T, valid []byte, ids []uint32) T {
	state, seen := make([]T, 1), make([]bool, 1)
	updateOrdered(state, seen, ids, vals, valid, 0, false)
	return state[0]
}
