package vexec

import (
	"context"
	"encoding/binary"
	"math"
	"math/bits"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/compute/exec"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// accumulator keeps one aggregate's state for every group. update is called once per batch with the group ID of
// each row and runs a typed loop; nothing is called per row.
//
// A Partial aggregate emits each accumulator's state (the columns planner.AggCall.StateTypes names) instead of
// its value, and a Final aggregate merges such states, so that one aggregation can run in pieces (partitions,
// cores, later workers) and be finished in one place.
type accumulator interface {
	grow(groups int)
	update(ids []uint32, arg arrow.Array) error
	finish(mem memory.Allocator, groups int) (arrow.Array, error)
	state(mem memory.Allocator, groups int) ([]arrow.Array, error)
	merge(ids []uint32, states []arrow.Array) error
	// shift drops the first n groups: group n becomes group 0 (an inplace aggregate's emitted groups).
	shift(n int)
}

// shifted drops the first n elements of s, zeroing what it vacates (growTo relies on zeroed spare capacity).
func shifted[T any](s []T, n int) []T {
	if n >= len(s) {
		clear(s)
		return s[:0]
	}
	k := copy(s, s[n:])
	clear(s[k:])
	return s[:k]
}

func (c *countAcc) shift(n int)      { c.counts = shifted(c.counts, n) }
func (s *sumIntAcc) shift(n int)     { s.sums, s.seen = shifted(s.sums, n), shifted(s.seen, n) }
func (s *sumFloatAcc) shift(n int)   { s.sums, s.seen = shifted(s.sums, n), shifted(s.seen, n) }
func (s *sumDecimalAcc) shift(n int) { s.sums, s.seen = shifted(s.sums, n), shifted(s.seen, n) }
func (a *avgDecimalAcc) shift(n int) { a.sums, a.counts = shifted(a.sums, n), shifted(a.counts, n) }
func (a *avgFloatAcc) shift(n int)   { a.sums, a.counts = shifted(a.sums, n), shifted(a.counts, n) }
func (m *minMaxAcc) shift(n int) {
	m.seen = shifted(m.seen, n)
	m.ints, m.flts, m.decs, m.strs = shifted(m.ints, n), shifted(m.flts, n), shifted(m.decs, n), shifted(m.strs, n)
}

// The accumulators whose state is their value merge by updating with it: a SUM of sums, a MIN of minimums.

func (s *sumIntAcc) state(mem memory.Allocator, n int) ([]arrow.Array, error) {
	return one(s.finish(mem, n))
}
func (s *sumIntAcc) merge(ids []uint32, st []arrow.Array) error { return s.update(ids, st[0]) }
func (s *sumFloatAcc) state(mem memory.Allocator, n int) ([]arrow.Array, error) {
	return one(s.finish(mem, n))
}
func (s *sumFloatAcc) merge(ids []uint32, st []arrow.Array) error { return s.update(ids, st[0]) }
func (s *sumDecimalAcc) state(mem memory.Allocator, n int) ([]arrow.Array, error) {
	return one(s.finish(mem, n))
}
func (s *sumDecimalAcc) merge(ids []uint32, st []arrow.Array) error { return s.update(ids, st[0]) }
func (m *minMaxAcc) state(mem memory.Allocator, n int) ([]arrow.Array, error) {
	return one(m.finish(mem, n))
}
func (m *minMaxAcc) merge(ids []uint32, st []arrow.Array) error { return m.update(ids, st[0]) }
func (c *countAcc) state(mem memory.Allocator, n int) ([]arrow.Array, error) {
	return one(c.finish(mem, n))
}

func one(a arrow.Array, err error) ([]arrow.Array, error) {
	if err != nil {
		return nil, err
	}
	return []arrow.Array{a}, nil
}

func (c *countAcc) merge(ids []uint32, st []arrow.Array) error {
	counts := st[0].(*array.Int64).Int64Values()
	for i, g := range ids {
		c.counts[g] += counts[i]
	}
	return nil
}

func (a *avgDecimalAcc) state(mem memory.Allocator, n int) ([]arrow.Array, error) {
	sums := newDecimalOut(mem, sqltype.Decimal(sqltype.MaxDecimalPrecision, a.inScale).Arrow(), n)
	copy(sums.vals, a.sums[:n])
	counts := newInt64Out(mem, arrow.PrimitiveTypes.Int64, n)
	copy(counts.vals, a.counts[:n])
	return []arrow.Array{sums.finish(), counts.finish()}, nil
}

func (a *avgDecimalAcc) merge(ids []uint32, st []arrow.Array) error {
	sums, counts := st[0].(*array.Decimal128).Values(), st[1].(*array.Int64).Int64Values()
	for i, g := range ids {
		r := a.sums[g].Add(sums[i])
		if !r.FitsInPrecision(sqltype.MaxDecimalPrecision) {
			return sqlerr.New(sqlerr.DataOutOfRange, "DECIMAL value is out of range in '%s'", a.call.String())
		}
		a.sums[g] = r
		a.counts[g] += counts[i]
	}
	return nil
}

func (a *avgFloatAcc) state(mem memory.Allocator, n int) ([]arrow.Array, error) {
	sums := newFloat64Out(mem, n)
	copy(sums.vals, a.sums[:n])
	counts := newInt64Out(mem, arrow.PrimitiveTypes.Int64, n)
	copy(counts.vals, a.counts[:n])
	return []arrow.Array{sums.finish(), counts.finish()}, nil
}

func (a *avgFloatAcc) merge(ids []uint32, st []arrow.Array) error {
	sums, counts := st[0].(*array.Float64).Float64Values(), st[1].(*array.Int64).Int64Values()
	for i, g := range ids {
		a.sums[g] += sums[i]
		a.counts[g] += counts[i]
	}
	return nil
}

func newAccumulator(a *planner.AggCall, mem memory.Allocator) (accumulator, error) {
	if a.Distinct {
		plain := *a
		plain.Distinct = false
		inner, err := newAccumulator(&plain, mem)
		if err != nil {
			return nil, err
		}
		return &distinctAcc{inner: inner, call: a, mem: mem, seen: map[string]struct{}{}}, nil
	}
	if a.Func == "count" {
		return &countAcc{star: a.Arg == nil}, nil
	}
	in := a.Arg.Type()
	switch a.Func {
	case "sum":
		switch in.Kind {
		case sqltype.KindInt:
			return &sumIntAcc{call: a}, nil
		case sqltype.KindFloat:
			return &sumFloatAcc{}, nil
		case sqltype.KindDecimal:
			return &sumDecimalAcc{call: a, out: a.T}, nil
		}
	case "avg":
		switch in.Kind {
		case sqltype.KindInt, sqltype.KindDecimal:
			return &avgDecimalAcc{call: a, inScale: in.Scale, out: a.T}, nil
		case sqltype.KindFloat:
			return &avgFloatAcc{}, nil
		}
	case "min", "max":
		return newMinMaxAcc(a.Func == "max", in), nil
	}
	if isVariance(a.Func) && in.Kind == sqltype.KindFloat {
		return newVarianceAcc(a.Func), nil
	}
	return nil, sqlerr.New(sqlerr.Unknown, "no accumulator for %s over %s", a.Func, in)
}

type countAcc struct {
	star   bool
	counts []int64
}

func (c *countAcc) grow(n int) { c.counts = growTo(c.counts, n) }
func (c *countAcc) update(ids []uint32, arg arrow.Array) error {
	if c.star || arg.NullN() == 0 {
		for _, g := range ids {
			c.counts[g]++
		}
		return nil
	}
	bits, off := validity(arg)
	for i, g := range ids {
		if bitutil.BitIsSet(bits, off+i) {
			c.counts[g]++
		}
	}
	return nil
}
func (c *countAcc) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	out := newInt64Out(mem, arrow.PrimitiveTypes.Int64, n)
	copy(out.vals, c.counts[:n])
	return out.finish(), nil
}

type sumIntAcc struct {
	call *planner.AggCall
	sums []int64
	seen []bool
}

func (s *sumIntAcc) grow(n int) { s.sums, s.seen = growTo(s.sums, n), growTo(s.seen, n) }
func (s *sumIntAcc) update(ids []uint32, arg arrow.Array) error {
	vals := arg.(*array.Int64).Int64Values()
	bits, off := validity(arg)
	for i, g := range ids {
		if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
			continue
		}
		sum, v := s.sums[g], vals[i]
		r := sum + v
		// Overflow when both operands have the same sign and the result's sign differs.
		if (sum^r)&(v^r) < 0 {
			return sqlerr.New(sqlerr.DataOutOfRange, "BIGINT value is out of range in '%s'", s.call.String())
		}
		s.sums[g] = r
		s.seen[g] = true
	}
	return nil
}
func (s *sumIntAcc) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	out := newInt64Out(mem, arrow.PrimitiveTypes.Int64, n)
	copy(out.vals, s.sums[:n])
	for g := 0; g < n; g++ {
		if !s.seen[g] {
			out.setNull(g)
		}
	}
	return out.finish(), nil
}

type sumFloatAcc struct {
	sums []float64
	seen []bool
}

func (s *sumFloatAcc) grow(n int) { s.sums, s.seen = growTo(s.sums, n), growTo(s.seen, n) }
func (s *sumFloatAcc) update(ids []uint32, arg arrow.Array) error {
	vals := arg.(*array.Float64).Float64Values()
	bits, off := validity(arg)
	for i, g := range ids {
		if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
			continue
		}
		s.sums[g] += vals[i]
		s.seen[g] = true
	}
	return nil
}
func (s *sumFloatAcc) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	out := newFloat64Out(mem, n)
	copy(out.vals, s.sums[:n])
	for g := 0; g < n; g++ {
		if !s.seen[g] {
			out.setNull(g)
		}
	}
	return out.finish(), nil
}

// sumDecimalAcc sums exactly at the argument's scale; the result type keeps that scale with 38 digits.
type sumDecimalAcc struct {
	call *planner.AggCall
	out  sqltype.Type
	sums []decimal128.Num
	seen []bool
}

func (s *sumDecimalAcc) grow(n int) { s.sums, s.seen = growTo(s.sums, n), growTo(s.seen, n) }
func (s *sumDecimalAcc) update(ids []uint32, arg arrow.Array) error {
	vals := arg.(*array.Decimal128).Values()
	bits, off := validity(arg)
	for i, g := range ids {
		if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
			continue
		}
		r, ok := add128(s.sums[g], vals[i])
		if !ok {
			return s.outOfRange()
		}
		s.sums[g] = r
		s.seen[g] = true
	}
	return nil
}

// add128 adds two 128-bit integers, reporting false when the sum wraps. Running sums may pass 38 digits on the
// way (MySQL's sums have 65); only a result is held to 38 (checkSums).
func add128(a, b decimal128.Num) (decimal128.Num, bool) {
	lo, carry := bits.Add64(a.LowBits(), b.LowBits(), 0)
	ah, bh := a.HighBits(), b.HighBits()
	hi := ah + bh + int64(carry)
	// Wrapped when both addends have one sign and the sum the other.
	return decimal128.New(hi, lo), (ah^hi)&(bh^hi) >= 0
}

func (s *sumDecimalAcc) outOfRange() error {
	return sqlerr.New(sqlerr.DataOutOfRange, "DECIMAL value is out of range in '%s'", s.call.String())
}

// checkSums holds the sums of groups [0, n) to 38 digits, as they leave the accumulator.
func (s *sumDecimalAcc) checkSums(n int) error {
	for _, v := range s.sums[:n] {
		if !v.FitsInPrecision(sqltype.MaxDecimalPrecision) {
			return s.outOfRange()
		}
	}
	return nil
}

func (s *sumDecimalAcc) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	if err := s.checkSums(n); err != nil {
		return nil, err
	}
	out := newDecimalOut(mem, s.out.Arrow(), n)
	copy(out.vals, s.sums[:n])
	for g := 0; g < n; g++ {
		if !s.seen[g] {
			out.setNull(g)
		}
	}
	return out.finish(), nil
}

// avgDecimalAcc averages BIGINT and DECIMAL exactly, as MySQL does: the result has four more digits of scale.
type avgDecimalAcc struct {
	call    *planner.AggCall
	inScale int
	out     sqltype.Type
	sums    []decimal128.Num
	counts  []int64
}

func (a *avgDecimalAcc) grow(n int) { a.sums, a.counts = growTo(a.sums, n), growTo(a.counts, n) }
func (a *avgDecimalAcc) update(ids []uint32, arg arrow.Array) error {
	bits, off := validity(arg)
	switch arr := arg.(type) {
	case *array.Int64:
		vals := arr.Int64Values()
		for i, g := range ids {
			if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
				continue
			}
			a.sums[g] = a.sums[g].Add(decimal128.FromI64(vals[i]))
			a.counts[g]++
		}
	case *array.Decimal128:
		vals := arr.Values()
		for i, g := range ids {
			if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
				continue
			}
			r := a.sums[g].Add(vals[i])
			if !r.FitsInPrecision(sqltype.MaxDecimalPrecision) {
				return sqlerr.New(sqlerr.DataOutOfRange, "DECIMAL value is out of range in '%s'", a.call.String())
			}
			a.sums[g] = r
			a.counts[g]++
		}
	}
	return nil
}
func (a *avgDecimalAcc) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	out := newDecimalOut(mem, a.out.Arrow(), n)
	cut := cutsQuotient(a.inScale, 0, a.out.Scale)
	for g := 0; g < n; g++ {
		if a.counts[g] == 0 {
			out.setNull(g)
			continue
		}
		r, ok := divDecimal("/", a.sums[g], a.inScale, decimal128.FromI64(a.counts[g]), 0, a.out.Scale, cut)
		if !ok {
			out.release()
			return nil, sqlerr.New(sqlerr.DataOutOfRange, "DECIMAL value is out of range in '%s'", a.call.String())
		}
		out.vals[g] = r
	}
	return out.finish(), nil
}

type avgFloatAcc struct {
	sums   []float64
	counts []int64
}

func (a *avgFloatAcc) grow(n int) { a.sums, a.counts = growTo(a.sums, n), growTo(a.counts, n) }
func (a *avgFloatAcc) update(ids []uint32, arg arrow.Array) error {
	vals := arg.(*array.Float64).Float64Values()
	bits, off := validity(arg)
	for i, g := range ids {
		if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
			continue
		}
		a.sums[g] += vals[i]
		a.counts[g]++
	}
	return nil
}
func (a *avgFloatAcc) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	out := newFloat64Out(mem, n)
	for g := 0; g < n; g++ {
		if a.counts[g] == 0 {
			out.setNull(g)
			continue
		}
		out.vals[g] = a.sums[g] / float64(a.counts[g])
	}
	return out.finish(), nil
}

// minMaxAcc keeps the smallest or largest value per group for every kind.
type minMaxAcc struct {
	max  bool
	t    sqltype.Type
	seen []bool
	ints []int64 // BIGINT, TIMESTAMP, BOOLEAN (as 0/1)
	flts []float64
	decs []decimal128.Num
	strs []string
}

func newMinMaxAcc(max bool, t sqltype.Type) *minMaxAcc { return &minMaxAcc{max: max, t: t} }

func (m *minMaxAcc) grow(n int) {
	m.seen = growTo(m.seen, n)
	switch m.t.Kind {
	case sqltype.KindFloat:
		m.flts = growTo(m.flts, n)
	case sqltype.KindDecimal:
		m.decs = growTo(m.decs, n)
	case sqltype.KindString:
		m.strs = growTo(m.strs, n)
	default:
		m.ints = growTo(m.ints, n)
	}
}

func (m *minMaxAcc) update(ids []uint32, arg arrow.Array) error {
	bits, off := validity(arg)
	switch arr := arg.(type) {
	case *array.Int64, *array.Timestamp:
		updateOrdered(m.ints, m.seen, ids, int64Values(arr), bits, off, m.max)
	case *array.Float64:
		updateOrdered(m.flts, m.seen, ids, arr.Float64Values(), bits, off, m.max)
	case *array.Boolean:
		for i, g := range ids {
			if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
				continue
			}
			v := int64(0)
			if arr.Value(i) {
				v = 1
			}
			if !m.seen[g] || (m.max && v > m.ints[g]) || (!m.max && v < m.ints[g]) {
				m.ints[g], m.seen[g] = v, true
			}
		}
	case *array.Decimal128:
		vals := arr.Values()
		for i, g := range ids {
			if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
				continue
			}
			c := vals[i].Cmp(m.decs[g])
			if !m.seen[g] || (m.max && c > 0) || (!m.max && c < 0) {
				m.decs[g], m.seen[g] = vals[i], true
			}
		}
	case *array.String:
		for i, g := range ids {
			if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
				continue
			}
			v := arr.Value(i)
			if !m.seen[g] || (m.max && v > m.strs[g]) || (!m.max && v < m.strs[g]) {
				m.strs[g], m.seen[g] = strings.Clone(v), true
			}
		}
	}
	return nil
}

func updateOrdered[T int64 | float64](state []T, seen []bool, ids []uint32, vals []T, bits []byte, off int, max bool) {
	for i, g := range ids {
		if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
			continue
		}
		v := vals[i]
		if !seen[g] || (max && v > state[g]) || (!max && v < state[g]) {
			state[g], seen[g] = v, true
		} else if v == 0 && v == state[g] {
			// -0 and 0 are equal; MIN keeps -0 and MAX 0 whatever order they came in.
			state[g] = tieZero(state[g], v, max)
		}
	}
}

func tieZero[T int64 | float64](a, b T, max bool) T {
	x, y := float64(a), float64(b)
	if math.Signbit(x) == math.Signbit(y) || math.Signbit(x) != max {
		return a
	}
	return b
}

func (m *minMaxAcc) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	switch m.t.Kind {
	case sqltype.KindFloat:
		out := newFloat64Out(mem, n)
		copy(out.vals, m.flts[:n])
		return m.nulls(n, out), nil
	case sqltype.KindDecimal:
		out := newDecimalOut(mem, m.t.Arrow(), n)
		copy(out.vals, m.decs[:n])
		return m.nulls(n, out), nil
	case sqltype.KindString:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for g := 0; g < n; g++ {
			if m.seen[g] {
				b.Append(m.strs[g])
			} else {
				b.AppendNull()
			}
		}
		return b.NewArray(), nil
	case sqltype.KindBool:
		out := newBoolOut(mem, n)
		for g := 0; g < n; g++ {
			if !m.seen[g] {
				out.setNull(g)
			}
			out.set(g, m.ints[g] != 0)
		}
		return out.finish(), nil
	}
	out := newInt64Out(mem, m.t.Arrow(), n)
	copy(out.vals, m.ints[:n])
	return m.nulls(n, out), nil
}

func (m *minMaxAcc) nulls(n int, out interface {
	setNull(int)
	finish() arrow.Array
}) arrow.Array {
	for g, seen := range m.seen[:n] {
		if !seen {
			out.setNull(g)
		}
	}
	return out.finish()
}

// runUpdater is an accumulator that folds a run of rows of one group in one call, in registers and through the
// column kernels, instead of scattering row by row by group ID: the one group of an aggregate without GROUP BY
// (the whole batch is a run), or one key's rows of an Inplace aggregate over sorted input.
type runUpdater interface {
	// updateRun folds rows [lo, hi) of arg into group g, which the accumulator has grown to hold.
	updateRun(g int, arg arrow.Array, lo, hi int) error
}

// runValid returns the validity bitmap of rows [lo, hi) of a (nil when none of a's rows is NULL), the bit of row
// lo, and how many of the rows are not NULL.
func runValid(a arrow.Array, lo, hi int) (bits []byte, off, valid int) {
	bits, off = validity(a)
	if bits == nil {
		if a.NullN() > 0 { // an array of type NULL has no bitmap
			return nil, 0, 0
		}
		return nil, 0, hi - lo
	}
	return bits, off + lo, bitutil.CountSetBits(bits, off+lo, hi-lo)
}

// updateRun adds the run's sum (sumFloat64: in a fixed order of running sums, not row by row).
func (s *sumFloatAcc) updateRun(g int, arg arrow.Array, lo, hi int) error {
	bits, off, valid := runValid(arg, lo, hi)
	if valid == 0 {
		return nil
	}
	s.sums[g] += sumFloat64(arg.(*array.Float64).Float64Values()[lo:hi], bits, off)
	s.seen[g] = true
	return nil
}

// updateRun adds the run's exact sum: a run is out of range when its sum, or the running sum with it, is, not
// when its rows' running sum leaves the range on the way and comes back.
func (s *sumIntAcc) updateRun(g int, arg arrow.Array, lo, hi int) error {
	bits, off, valid := runValid(arg, lo, hi)
	if valid == 0 {
		return nil
	}
	v, ok := sumInt64(arg.(*array.Int64).Int64Values()[lo:hi], bits, off)
	sum := s.sums[g]
	r := sum + v
	if !ok || (sum^r)&(v^r) < 0 {
		return sqlerr.New(sqlerr.DataOutOfRange, "BIGINT value is out of range in '%s'", s.call.String())
	}
	s.sums[g], s.seen[g] = r, true
	return nil
}

// updateRun adds the run in registers.
func (s *sumDecimalAcc) updateRun(g int, arg arrow.Array, lo, hi int) error {
	bits, off, valid := runValid(arg, lo, hi)
	if valid == 0 {
		return nil
	}
	vals := arg.(*array.Decimal128).Values()[lo:hi]
	sum := s.sums[g]
	var ok bool
	if bits == nil {
		for _, v := range vals {
			if sum, ok = add128(sum, v); !ok {
				return s.outOfRange()
			}
		}
	} else {
		for i, v := range vals {
			if bitutil.BitIsNotSet(bits, off+i) {
				continue
			}
			if sum, ok = add128(sum, v); !ok {
				return s.outOfRange()
			}
		}
	}
	s.sums[g], s.seen[g] = sum, true
	return nil
}

func (c *countAcc) updateRun(g int, arg arrow.Array, lo, hi int) error {
	if c.star || arg == nil {
		c.counts[g] += int64(hi - lo)
		return nil
	}
	_, _, valid := runValid(arg, lo, hi)
	c.counts[g] += int64(valid)
	return nil
}

func (a *avgFloatAcc) updateRun(g int, arg arrow.Array, lo, hi int) error {
	bits, off, valid := runValid(arg, lo, hi)
	if valid == 0 {
		return nil
	}
	a.sums[g] += sumFloat64(arg.(*array.Float64).Float64Values()[lo:hi], bits, off)
	a.counts[g] += int64(valid)
	return nil
}

// updateRun adds a run in registers: a BIGINT run through the sum kernel (row by row if its sum overflows), a
// DECIMAL one with 128-bit adds.
func (a *avgDecimalAcc) updateRun(g int, arg arrow.Array, lo, hi int) error {
	bits, off, valid := runValid(arg, lo, hi)
	if valid == 0 {
		return nil
	}
	d, ok := arg.(*array.Decimal128)
	if !ok {
		v, ok := sumInt64(arg.(*array.Int64).Int64Values()[lo:hi], bits, off)
		if !ok {
			return updateRunByRows(a, g, arg, lo, hi)
		}
		a.sums[g] = a.sums[g].Add(decimal128.FromI64(v))
		a.counts[g] += int64(valid)
		return nil
	}
	sum := a.sums[g]
	for i, v := range d.Values()[lo:hi] {
		if bits != nil && bitutil.BitIsNotSet(bits, off+i) {
			continue
		}
		var fits bool
		if sum, fits = add128(sum, v); !fits {
			return sqlerr.New(sqlerr.DataOutOfRange, "DECIMAL value is out of range in '%s'", a.call.String())
		}
	}
	if !sum.FitsInPrecision(sqltype.MaxDecimalPrecision) {
		return sqlerr.New(sqlerr.DataOutOfRange, "DECIMAL value is out of range in '%s'", a.call.String())
	}
	a.sums[g] = sum
	a.counts[g] += int64(valid)
	return nil
}

// updateRun folds the run's smallest or largest value into group g: BIGINT, TIMESTAMP and DOUBLE through the
// column kernels, other types, and DOUBLE runs holding a NaN, through update's row loop.
func (m *minMaxAcc) updateRun(g int, arg arrow.Array, lo, hi int) error {
	bits, off, valid := runValid(arg, lo, hi)
	if valid == 0 {
		return nil
	}
	one := [1]uint32{uint32(g)}
	switch arr := arg.(type) {
	case *array.Int64, *array.Timestamp:
		var v int64
		if vals := int64Values(arr)[lo:hi]; m.max {
			v = maxInt64(vals, bits, off)
		} else {
			v = minInt64(vals, bits, off)
		}
		val := [1]int64{v}
		updateOrdered(m.ints, m.seen, one[:], val[:], nil, 0, m.max)
		return nil
	case *array.Float64:
		var v float64
		var ok bool
		if vals := arr.Float64Values()[lo:hi]; m.max {
			v, ok = maxFloat64(vals, bits, off)
		} else {
			v, ok = minFloat64(vals, bits, off)
		}
		if ok {
			val := [1]float64{v}
			updateOrdered(m.flts, m.seen, one[:], val[:], nil, 0, m.max)
			return nil
		}
	}
	return updateRunByRows(m, g, arg, lo, hi)
}

// runIDs is a list of one group ID, refilled for each run that goes through an accumulator's row loop.
var runIDs = sync.Pool{New: func() any { return new([]uint32) }}

// updateRunByRows folds a run through acc's row loop, every row in group g.
func updateRunByRows(acc accumulator, g int, arg arrow.Array, lo, hi int) error {
	p := runIDs.Get().(*[]uint32)
	defer runIDs.Put(p)
	ids := growTo((*p)[:0], hi-lo)
	for i := range ids {
		ids[i] = uint32(g)
	}
	*p = ids
	part := arg
	if lo > 0 || hi < arg.Len() {
		part = array.NewSlice(arg, int64(lo), int64(hi))
		defer part.Release()
	}
	return acc.update(ids, part)
}

// validity returns a's validity bitmap and the bit of its first row, or nil when a has no NULL: loops test bits
// directly instead of calling IsNull through the interface per row.
func validity(a arrow.Array) ([]byte, int) {
	if a.NullN() == 0 {
		return nil, 0
	}
	return a.NullBitmapBytes(), a.Data().Offset()
}

// growTo extends s with zero values to length n, doubling capacity so growth is amortised.
func growTo[T any](s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	if n <= cap(s) {
		return s[:n]
	}
	c := max(n, 2*cap(s), 64)
	grown := make([]T, n, c)
	copy(grown, s)
	return grown
}

// distinctAcc feeds its inner accumulator only the values each group has not seen yet (COUNT(DISTINCT x),
// SUM(DISTINCT x), AVG(DISTINCT x)). A group's values are remembered by group and encoded value in one set. It
// runs only as a Full hash aggregate: a group's distinct values must all be in one place.
type distinctAcc struct {
	inner accumulator
	call  *planner.AggCall
	mem   memory.Allocator
	// The values seen, per group: BIGINT and TIMESTAMP values in maps of int64, text in maps of strings (looked
	// up without copying, copied once when new), other types encoded with their group into seen.
	ints []int64Set
	strs []map[string]struct{}
	seen map[string]struct{}
	buf  []byte
	keep []int64
	ids  []uint32
}

func (d *distinctAcc) grow(n int) {
	d.inner.grow(n)
	for len(d.ints) < n {
		d.ints = append(d.ints, int64Set{})
	}
	for len(d.strs) < n {
		d.strs = append(d.strs, nil)
	}
}

// distinctEntryBytes is what one remembered value costs beside its own bytes (map entry and overhead).
const distinctEntryBytes = 48

func (d *distinctAcc) update(ids []uint32, arg arrow.Array) error {
	d.keep, d.ids = d.keep[:0], d.ids[:0]
	nulls := arg.NullN() > 0
	var charged int64
	switch a := arg.(type) {
	case *array.Int64:
		for i, v := range a.Int64Values() {
			if nulls && a.IsNull(i) {
				continue
			}
			g := ids[i]
			if int(g) >= len(d.ints) {
				d.grow(int(g) + 1)
			}
			if !d.ints[g].add(v) {
				continue
			}
			charged += distinctEntryBytes
			d.keep, d.ids = append(d.keep, int64(i)), append(d.ids, g)
		}
	case *array.String:
		for i, g := range ids {
			if nulls && a.IsNull(i) {
				continue
			}
			if int(g) >= len(d.strs) {
				d.grow(int(g) + 1)
			}
			set := d.strs[g]
			if set == nil {
				set = make(map[string]struct{})
				d.strs[g] = set
			}
			v := a.Value(i)
			if _, dup := set[v]; dup {
				continue
			}
			set[strings.Clone(v)] = struct{}{}
			charged += int64(len(v)) + distinctEntryBytes
			d.keep, d.ids = append(d.keep, int64(i)), append(d.ids, g)
		}
	default:
		for i, g := range ids {
			if nulls && arg.IsNull(i) {
				continue
			}
			d.buf = binary.LittleEndian.AppendUint32(d.buf[:0], g)
			d.buf = appendKey(d.buf, arg, i)
			if _, dup := d.seen[string(d.buf)]; dup {
				continue
			}
			d.seen[string(d.buf)] = struct{}{}
			charged += int64(len(d.buf)) + distinctEntryBytes
			d.keep, d.ids = append(d.keep, int64(i)), append(d.ids, g)
		}
	}
	charge(d.mem, charged)
	if len(d.keep) == 0 {
		return nil
	}
	idx := array.NewInt64Data(array.NewData(arrow.PrimitiveTypes.Int64, len(d.keep),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(d.keep))}, nil, 0, 0))
	defer idx.Release()
	ctx := exec.WithAllocator(context.Background(), d.mem)
	taken, err := compute.TakeArray(ctx, arg, idx)
	if err != nil {
		return err
	}
	defer taken.Release()
	return d.inner.update(d.ids, taken)
}

func (d *distinctAcc) finish(mem memory.Allocator, n int) (arrow.Array, error) {
	return d.inner.finish(mem, n)
}

// state serialises each group's distinct values (BIGINT: 8 bytes each; text: a uvarint length and the bytes),
// for a Final stage to merge.
func (d *distinctAcc) state(mem memory.Allocator, n int) ([]arrow.Array, error) {
	if !d.call.DistinctSplits() {
		return nil, sqlerr.New(sqlerr.Unknown, "%s cannot run as a Partial aggregate", d.call.String())
	}
	d.grow(n)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var buf []byte
	for g := range n {
		buf = buf[:0]
		if d.call.Arg.Type().Kind == sqltype.KindInt {
			d.ints[g].each(func(v int64) { buf = binary.LittleEndian.AppendUint64(buf, uint64(v)) })
		} else {
			for v := range d.strs[g] {
				buf = binary.AppendUvarint(buf, uint64(len(v)))
				buf = append(buf, v...)
			}
		}
		b.BinaryBuilder.Append(buf)
	}
	return []arrow.Array{b.NewArray()}, nil
}

// merge adds the values of serialised states to their groups; the values a group had not seen go on to the
// inner aggregate.
func (d *distinctAcc) merge(ids []uint32, states []arrow.Array) error {
	st := states[0].(*array.String)
	isInt := d.call.Arg.Type().Kind == sqltype.KindInt
	var newIDs []uint32
	var ints []int64
	var strs []string
	var charged int64
	for i, g := range ids {
		if st.IsNull(i) {
			continue
		}
		if int(g) >= len(d.ints) {
			d.grow(int(g) + 1)
		}
		blob := st.Value(i)
		if isInt {
			if len(blob)%8 != 0 {
				return sqlerr.New(sqlerr.Unknown, "%s: a state of %d bytes is not a list of BIGINTs", d.call.String(), len(blob))
			}
			set := &d.ints[g]
			for p := 0; p < len(blob); p += 8 {
				v := int64(binary.LittleEndian.Uint64([]byte(blob[p : p+8])))
				if !set.add(v) {
					continue
				}
				charged += distinctEntryBytes
				ints, newIDs = append(ints, v), append(newIDs, g)
			}
			continue
		}
		set := d.strs[g]
		if set == nil {
			set = make(map[string]struct{})
			d.strs[g] = set
		}
		for len(blob) > 0 {
			n, w := binary.Uvarint([]byte(blob[:min(len(blob), binary.MaxVarintLen64)]))
			if w <= 0 || uint64(len(blob)-w) < n {
				return sqlerr.New(sqlerr.Unknown, "%s: a truncated state", d.call.String())
			}
			v := blob[w : w+int(n)]
			blob = blob[w+int(n):]
			if _, dup := set[v]; dup {
				continue
			}
			v = strings.Clone(v)
			set[v] = struct{}{}
			charged += int64(len(v)) + distinctEntryBytes
			strs, newIDs = append(strs, v), append(newIDs, g)
		}
	}
	charge(d.mem, charged)
	if len(newIDs) == 0 {
		return nil
	}
	var vals arrow.Array
	if isInt {
		b := array.NewInt64Builder(d.mem)
		b.AppendValues(ints, nil)
		vals = b.NewArray()
		b.Release()
	} else {
		b := array.NewStringBuilder(d.mem)
		b.AppendValues(strs, nil)
		vals = b.NewArray()
		b.Release()
	}
	defer vals.Release()
	return d.inner.update(newIDs, vals)
}

func (d *distinctAcc) shift(int) { panic("vexec: " + d.call.String() + " cannot run inplace") }
