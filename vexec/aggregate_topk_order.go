package vexec

import (
	"cmp"
	"math"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// The order in which one AggregateTopK input streams its groups: section after section (NULL bound keys, shared
// keys, its own keys); within each, by the ordering state as ORDER BY orders values, NULL states first or last. A reader that
// stops early wants only the first few rows, so the order is made lazily: each block is the best rows left,
// selected in linear time and only then sorted; after a few blocks, the rest is sorted at once.

// runOrder hands out a run's rows in stream order, part after part.
type runOrder struct {
	parts    []orderPart
	sections []int // the first part of each section (each has two)
}

// first returns the first row section s hands out, if it has rows left.
func (o *runOrder) first(s int) (int32, bool) {
	for _, p := range o.parts[o.sections[s] : o.sections[s]+2] {
		if r, ok := p.first(); ok {
			return r, true
		}
	}
	return 0, false
}

// orderPart is a piece of the stream: rows of NULL states, in any order (they tie), or rows ordered lazily.
type orderPart interface {
	// next appends the next at most n rows of the part to out; rest appends all the rows left, in any order.
	next(n int, out []int32) []int32
	rest(out []int32) []int32
	// first returns the row next would give first, if the part has rows left.
	first() (int32, bool)
}

// newRunOrder lays out the rows of all, a run's groups: sections of rows, in order, each ordered by the state
// column's values, its NULL states first or last.
func newRunOrder(all arrow.RecordBatch, sections [][]int32, state int, desc, nullsFirst bool) *runOrder {
	o := &runOrder{}
	col := all.Column(state)
	for _, sec := range sections {
		o.sections = append(o.sections, len(o.parts))
		values, nulls := sec, []int32(nil)
		if valid, off := validity(col); valid != nil {
			nulls, values = split(sec, valid, off)
		}
		ordered := lazyPart(col, values, desc)
		if nullsFirst {
			o.parts = append(o.parts, &rowList{rows: nulls}, ordered)
		} else {
			o.parts = append(o.parts, ordered, &rowList{rows: nulls})
		}
	}
	return o
}

// split divides rows into those whose bit in valid is clear (NULL) and the others, keeping their order.
func split(rows []int32, valid []byte, off int) (nulls, rest []int32) {
	for _, r := range rows {
		if bitutil.BitIsSet(valid, off+int(r)) {
			rest = append(rest, r)
		} else {
			nulls = append(nulls, r)
		}
	}
	return nulls, rest
}

// next returns the next at most n rows of the stream, reusing out.
func (o *runOrder) next(n int, out []int32) []int32 {
	out = out[:0]
	for _, p := range o.parts {
		if len(out) == n {
			break
		}
		out = p.next(n-len(out), out)
	}
	return out
}

// rest returns every row not handed out yet, in no particular order, reusing out.
func (o *runOrder) rest(out []int32) []int32 {
	out = out[:0]
	for _, p := range o.parts {
		out = p.rest(out)
	}
	return out
}

type rowList struct {
	rows []int32
	pos  int
}

func (l *rowList) next(n int, out []int32) []int32 {
	n = min(n, len(l.rows)-l.pos)
	out = append(out, l.rows[l.pos:l.pos+n]...)
	l.pos += n
	return out
}

func (l *rowList) rest(out []int32) []int32 { return l.next(len(l.rows)-l.pos, out) }

func (l *rowList) first() (int32, bool) {
	if l.pos == len(l.rows) {
		return 0, false
	}
	return l.rows[l.pos], true
}

// lazyPart orders rows (none of them NULL in col) by col's values, ascending or descending: BIGINT, TIMESTAMP
// and DOUBLE values as unsigned keys of the same order, DECIMAL as two of them, text as itself.
func lazyPart(col arrow.Array, rows []int32, desc bool) orderPart {
	switch a := col.(type) {
	case *array.Int64, *array.Timestamp:
		vals := int64Values(a)
		return newLazy(rows, func(r int32) uint64 { return orderedKey(uint64(vals[r])^1<<63, desc) }, lessUint64)
	case *array.Float64:
		vals := a.Float64Values()
		return newLazy(rows, func(r int32) uint64 { return orderedKey(floatKey(vals[r]), desc) }, lessUint64)
	case *array.Decimal128:
		vals := a.Values()
		return newLazy(rows, func(r int32) [2]uint64 {
			return [2]uint64{orderedKey(uint64(vals[r].HighBits())^1<<63, desc), orderedKey(vals[r].LowBits(), desc)}
		}, func(x, y [2]uint64) bool { return x[0] < y[0] || x[0] == y[0] && x[1] < y[1] })
	case *array.String:
		value := func(r int32) string { return a.Value(int(r)) }
		if desc {
			return newLazy(rows, value, func(x, y string) bool { return x > y })
		}
		return newLazy(rows, value, func(x, y string) bool { return x < y })
	}
	return &rowList{rows: rows} // a column of NULLs only: no values to order
}

// orderedKey flips a key of ascending order into one of descending order.
func orderedKey(k uint64, desc bool) uint64 {
	if desc {
		return ^k
	}
	return k
}

// floatKey maps a double to an unsigned key of the same order (-0 just below 0; they tie as values, and rows
// of tied values may come in any order).
func floatKey(f float64) uint64 {
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

func lessUint64(x, y uint64) bool { return x < y }

// keyRow is one row and the key it is ordered by.
type keyRow[K any] struct {
	k K
	r int32
}

// lazyOrder hands out its rows in key order, ordering only the blocks asked for.
type lazyOrder[K any] struct {
	rs     []keyRow[K]
	less   func(x, y K) bool
	pos    int
	blocks int
	sorted bool // rs[pos:] is in order
}

func newLazy[K any](rows []int32, key func(int32) K, less func(x, y K) bool) *lazyOrder[K] {
	rs := make([]keyRow[K], len(rows))
	for i, r := range rows {
		rs[i] = keyRow[K]{key(r), r}
	}
	return &lazyOrder[K]{rs: rs, less: less}
}

func (o *lazyOrder[K]) first() (int32, bool) {
	rest := o.rs[o.pos:]
	if len(rest) == 0 {
		return 0, false
	}
	if o.sorted {
		return rest[0].r, true
	}
	best := 0
	for i := range rest {
		if o.less(rest[i].k, rest[best].k) {
			best = i
		}
	}
	return rest[best].r, true
}

func (o *lazyOrder[K]) rest(out []int32) []int32 {
	for _, kr := range o.rs[o.pos:] {
		out = append(out, kr.r)
	}
	o.pos = len(o.rs)
	return out
}

// lazyBlocks is how many blocks are selected before the rest is sorted at once: a reader that has come this far
// is likely to read it all, and selecting block after block would cost the rows left each time.
const lazyBlocks = 8

func (o *lazyOrder[K]) next(n int, out []int32) []int32 {
	rest := o.rs[o.pos:]
	n = min(n, len(rest))
	o.blocks++
	if u, ok := any(rest).([]keyRow[uint64]); ok && !o.sorted {
		radixSort(u) // all of them: a few passes over the rows cost less than selecting a block or two
		o.sorted = true
	}
	switch {
	case o.sorted:
	case n == len(rest) || o.blocks > lazyBlocks:
		o.sort(rest) // the rest, once for all
		o.sorted = true
	default:
		selectFirst(rest, n, o.less)
		o.sort(rest[:n])
	}
	for _, kr := range rest[:n] {
		out = append(out, kr.r)
	}
	o.pos += n
	return out
}

func (o *lazyOrder[K]) sort(rs []keyRow[K]) {
	slices.SortFunc(rs, func(a, b keyRow[K]) int {
		switch {
		case o.less(a.k, b.k):
			return -1
		case o.less(b.k, a.k):
			return 1
		}
		return 0
	})
}

// selectFirst moves the n least rows of a (by less) to a[:n], in no order: a three-way quickselect, which keeps
// runs of equal keys cheap, falling back to a sort if the pivots keep choosing badly.
func selectFirst[K any](a []keyRow[K], n int, less func(x, y K) bool) {
	lo, hi := 0, len(a)
	depth := 2 * bits.Len(uint(len(a)))
	for hi-lo > 12 {
		if depth == 0 {
			slices.SortFunc(a[lo:hi], func(x, y keyRow[K]) int {
				switch {
				case less(x.k, y.k):
					return -1
				case less(y.k, x.k):
					return 1
				}
				return 0
			})
			return
		}
		depth--
		p := median3(a[lo].k, a[lo+(hi-lo)/2].k, a[hi-1].k, less)
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch {
			case less(a[i].k, p):
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case less(p, a[i].k):
				gt--
				a[i], a[gt] = a[gt], a[i]
			default:
				i++
			}
		}
		// [lo, lt) < p, [lt, gt) == p, [gt, hi) > p
		switch {
		case n < lt:
			hi = lt
		case n <= gt:
			return
		default:
			lo = gt
		}
	}
	for i := lo + 1; i < hi; i++ { // insertion sort of the few left
		for j := i; j > lo && less(a[j].k, a[j-1].k); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func median3[K any](x, y, z K, less func(a, b K) bool) K {
	if less(y, x) {
		x, y = y, x
	}
	if less(z, y) {
		y = z
		if less(y, x) {
			y = x
		}
	}
	return y
}

// radixSort orders rows by their unsigned keys, a byte at a time from the least significant, skipping the bytes
// every key shares (the high bytes of small numbers): O(n) per byte, with no comparison.
func radixSort(rs []keyRow[uint64]) {
	n := len(rs)
	if n < 256 {
		slices.SortFunc(rs, func(a, b keyRow[uint64]) int { return cmp.Compare(a.k, b.k) })
		return
	}
	var counts [8][256]int
	for _, r := range rs {
		k := r.k
		for b := range 8 {
			counts[b][byte(k>>(8*b))]++
		}
	}
	src, dst := rs, make([]keyRow[uint64], n)
	for b := range 8 {
		c := &counts[b]
		if c[byte(src[0].k>>(8*b))] == n {
			continue // every key has this byte
		}
		sum := 0
		for d, x := range c {
			c[d], sum = sum, sum+x
		}
		shift := 8 * b
		for _, r := range src {
			d := byte(r.k >> shift)
			dst[c[d]] = r
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &rs[0] {
		copy(rs, src)
	}
}
