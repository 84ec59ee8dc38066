package vexec

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// varianceAcc computes VAR_POP, VAR_SAMP, STDDEV_POP and STDDEV_SAMP of DOUBLE values. Each group keeps its
// count, mean and sum of squared deviations from the mean (m2), updated value by value as Welford does, which
// stays accurate where a sum of squares minus a squared sum would cancel; states of two parts merge by the
// formula of Chan, Golub and LeVeque. The population variance is m2/n, the sample variance m2/(n-1) (NULL for
// fewer than two values), a standard deviation its square root.
type varianceAcc struct {
	sample, root bool
	counts       []int64
	means, m2s   []float64
}

func newVarianceAcc(fn string) *varianceAcc {
	return &varianceAcc{sample: fn == "var_samp" || fn == "stddev_samp", root: fn == "stddev_pop" || fn == "stddev_samp"}
}

func (v *varianceAcc) grow(n int) {
	v.counts, v.means, v.m2s = growTo(v.counts, n), growTo(v.means, n), growTo(v.m2s, n)
}

func (v *varianceAcc) shift(n int) {
	v.counts, v.means, v.m2s = shifted(v.counts, n), shifted(v.means, n), shifted(v.m2s, n)
}

func (v *varianceAcc) update(ids []uint32, arg arrow.Array) error {
	vals := arg.(*array.Float64).Float64Values()
	bits, off := validity(arg)
	for i, g := range ids {
		if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
			continue
		}
		x := vals[i]
		n := v.counts[g] + 1
		d := x - v.means[g]
		mean := v.means[g] + d/float64(n)
		v.m2s[g] += d * (x - mean)
		v.counts[g], v.means[g] = n, mean
	}
	return nil
}

// updateRun folds a run of one group in registers.
func (v *varianceAcc) updateRun(g int, arg arrow.Array, lo, hi int) error {
	bits, off, valid := runValid(arg, lo, hi)
	if valid == 0 {
		return nil
	}
	n, mean, m2 := v.counts[g], v.means[g], v.m2s[g]
	for i, x := range arg.(*array.Float64).Float64Values()[lo:hi] {
		if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
			continue
		}
		n++
		d := x - mean
		mean += d / float64(n)
		m2 += d * (x - mean)
	}
	v.counts[g], v.means[g], v.m2s[g] = n, mean, m2
	return nil
}

func (v *varianceAcc) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	out := newFloat64Out(mem, n)
	for g := range n {
		c := v.counts[g]
		if c == 0 || v.sample && c == 1 {
			out.setNull(g)
			continue
		}
		div := float64(c)
		if v.sample {
			div--
		}
		r := v.m2s[g] / div
		if v.root {
			r = math.Sqrt(r)
		}
		out.vals[g] = r
	}
	return out.finish(), nil
}

func (v *varianceAcc) state(mem memory.Allocator, n int) ([]arrow.Array, error) {
	counts := newInt64Out(mem, arrow.PrimitiveTypes.Int64, n)
	copy(counts.vals, v.counts[:n])
	means, m2s := newFloat64Out(mem, n), newFloat64Out(mem, n)
	copy(means.vals, v.means[:n])
	copy(m2s.vals, v.m2s[:n])
	return []arrow.Array{counts.finish(), means.finish(), m2s.finish()}, nil
}

func (v *varianceAcc) merge(ids []uint32, st []arrow.Array) error {
	counts := st[0].(*array.Int64).Int64Values()
	means, m2s := st[1].(*array.Float64).Float64Values(), st[2].(*array.Float64).Float64Values()
	for i, g := range ids {
		nb := counts[i]
		if nb == 0 {
			continue
		}
		na := v.counts[g]
		n := na + nb
		d := means[i] - v.means[g]
		v.means[g] += d * float64(nb) / float64(n)
		v.m2s[g] += m2s[i] + d*d*float64(na)*float64(nb)/float64(n)
		v.counts[g] = n
	}
	return nil
}

// isVariance reports whether fn is one of the aggregates varianceAcc computes.
func isVariance(fn string) bool {
	switch fn {
	case "var_pop", "var_samp", "stddev_pop", "stddev_samp":
		return true
	}
	return false
}
