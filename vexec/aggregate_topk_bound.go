package vexec

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// The arithmetic of AggregateTopK's threshold: values of the ordering aggregate, the order ORDER BY puts them in,
// and the best value a group can still reach given what the input streams have left.

// topkKind is how AggregateTopK holds a value of the ordering aggregate or of its bound key.
type topkKind uint8

const (
	kindInt   topkKind = iota // BIGINT, TIMESTAMP
	kindFloat                 // DOUBLE
	kindDec                   // DECIMAL, unscaled at the column's scale
	kindStr                   // text (MIN and MAX only)
)

func topkKindOf(t sqltype.Type) (topkKind, bool) {
	switch t.Kind {
	case sqltype.KindInt, sqltype.KindTimestamp:
		return kindInt, true
	case sqltype.KindFloat:
		return kindFloat, true
	case sqltype.KindDecimal:
		return kindDec, true
	case sqltype.KindString:
		return kindStr, true
	}
	return 0, false
}

// tval is one value of a topkKind, or NULL.
type tval struct {
	null bool
	i    int64
	f    float64
	d    decimal128.Num
	s    string
}

// tvalOf converts a value in internal/sqltype's Go representation.
func tvalOf(k topkKind, v any) (tval, bool) {
	if v == nil {
		return tval{null: true}, true
	}
	switch k {
	case kindInt:
		i, ok := v.(int64)
		return tval{i: i}, ok
	case kindFloat:
		f, ok := v.(float64)
		return tval{f: f}, ok
	case kindDec:
		d, ok := v.(decimal128.Num)
		return tval{d: d}, ok
	case kindStr:
		s, ok := v.(string)
		return tval{s: s}, ok
	}
	return tval{}, false
}

// colView is a column of a batch read through typed slices and its validity bits: no interface call per row.
type colView struct {
	sortColumn
	valid []byte
	off   int
}

func newColView(a arrow.Array) colView {
	v := colView{sortColumn: newSortColumn(a)}
	v.valid, v.off = validity(a)
	return v
}

func (c *colView) null(i int) bool {
	return c.kind == arrow.NULL || c.valid != nil && bitutil.BitIsNotSet(c.valid, c.off+i)
}

// tvalAt reads row i of a column.
func tvalAt(c *colView, i int) tval {
	if c.null(i) {
		return tval{null: true}
	}
	switch c.kind {
	case arrow.INT64:
		return tval{i: c.i64[i]}
	case arrow.FLOAT64:
		return tval{f: c.f64[i]}
	case arrow.DECIMAL128:
		return tval{d: c.dec[i]}
	case arrow.STRING:
		return tval{s: c.str.Value(i)}
	}
	panic("vexec: AggregateTopK cannot order by " + c.arr.DataType().String())
}

// natural orders two non-NULL values ascending.
func (k topkKind) natural(a, b tval) int {
	switch k {
	case kindInt:
		return cmp.Compare(a.i, b.i)
	case kindFloat:
		return cmp.Compare(a.f, b.f)
	case kindDec:
		return a.d.Cmp(b.d)
	}
	return strings.Compare(a.s, b.s)
}

// add sums two non-NULL numbers; ok is false when the sum leaves the kind's range (never for DOUBLE).
func (k topkKind) add(a, b tval) (tval, bool) {
	switch k {
	case kindInt:
		r := a.i + b.i
		return tval{i: r}, (a.i^r)&(b.i^r) >= 0
	case kindFloat:
		return tval{f: a.f + b.f}, true
	case kindDec:
		r, ok := add128(a.d, b.d)
		return tval{d: r}, ok
	}
	panic("vexec: AggregateTopK cannot add text")
}

// topkOrder is the order ORDER BY gives the ordering aggregate's values: cmp < 0 when a comes first.
type topkOrder struct {
	kind       topkKind
	fn         string // sum, count, min or max
	desc       bool
	nullsFirst bool
}

func (o *topkOrder) cmp(a, b tval) int {
	if a.null || b.null {
		switch {
		case a.null && b.null:
			return 0
		case a.null == o.nullsFirst:
			return -1
		}
		return 1
	}
	c := o.kind.natural(a, b)
	if o.desc {
		return -c
	}
	return c
}

// tbound is the best ordering value a group can still reach: a value (maybe NULL), or inf, a value better than
// any (a stream whose remaining values are not bounded), or none, when no group can exist there at all.
type tbound struct {
	none bool
	inf  bool
	v    tval
}

// worse reports whether every group within bound b comes after a group whose final value is kth: strictly,
// since a tie could come first by its keys.
func (o *topkOrder) worse(b tbound, kth tval) bool {
	switch {
	case b.none:
		return true
	case b.inf:
		// Better than any value, not better than NULL where NULL comes first.
		return kth.null && o.nullsFirst
	}
	return o.cmp(b.v, kth) > 0
}

// headOpt is what one input may still add to a group: nothing, or a state no better than v, the next value of
// the input's stream (unbounded: any state at all).
type headOpt struct {
	unbounded bool
	v         tval
}

// bound returns the best value a group can reach whose states so far make s (seen) or which no input has shown
// yet (!seen: it is in at least one of the inputs of heads), when each input of heads may add one more state or
// none. A group absent from an input gets nothing from it, which a negative next value does not bound: a SUM
// adds only the next values better than zero (or, if it has no value yet, at least one of them: the best).
// MIN and MAX keep one of their states: a group's value moves towards the better ones only for MAX descending
// and MIN ascending.
func (o *topkOrder) bound(s tval, seen bool, heads []headOpt) tbound {
	null := tbound{v: tval{null: true}}
	if seen && s.null && o.nullsFirst {
		return null // it may get nothing more: NULL, which comes first
	}
	if !seen && len(heads) == 0 {
		return tbound{none: true}
	}
	has := seen && !s.null
	extreme := o.fn == "min" || o.fn == "max"
	toward := extreme && (o.fn == "max") == o.desc // more states move the value towards the better end
	if has && extreme && !toward {
		return tbound{v: s} // more states can only make it worse
	}
	unbounded := false
	for _, h := range heads {
		// NULL states come first in a stream ordered NULLs first: after one, any state may follow.
		unbounded = unbounded || h.unbounded || h.v.null && o.nullsFirst
	}
	switch {
	case unbounded && !seen && o.nullsFirst:
		return null // the group may hold only a NULL state
	case unbounded:
		return tbound{inf: true}
	}
	var best tval
	caps := 0
	for _, h := range heads {
		if h.v.null {
			continue // only NULL states left: they add nothing
		}
		if caps == 0 || o.cmp(h.v, best) < 0 {
			best = h.v
		}
		caps++
	}
	if extreme {
		switch {
		case has && caps > 0 && o.cmp(best, s) < 0:
			return tbound{v: best} // towards the better end
		case has:
			return tbound{v: s}
		case caps == 0:
			return null
		}
		return tbound{v: best}
	}
	// SUM, COUNT: add every next value better than zero.
	zero := tval{}
	sum, gains, ok := zero, 0, true
	mag := 0.0 // for DOUBLE: the magnitude of the terms, which bounds the rounding of any order of adding them
	if has {
		sum, mag = s, math.Abs(s.f)
	}
	for _, h := range heads {
		if h.v.null || o.cmp(h.v, zero) >= 0 {
			continue
		}
		var fits bool
		if sum, fits = o.kind.add(sum, h.v); !fits {
			ok = false
		}
		mag += math.Abs(h.v.f)
		gains++
	}
	switch {
	case !ok:
		return tbound{inf: true} // past the kind's range: a bound no value beats
	case !has && caps == 0:
		return null
	case !has && gains == 0:
		return tbound{v: best} // one state, itself no better than zero: the least bad of the next values
	}
	if o.kind == kindFloat {
		// Sums of doubles depend on the order of adding; widen by the largest rounding error of n terms.
		margin := float64(gains+3)*0x1p-52*mag + math.SmallestNonzeroFloat64
		if o.desc {
			sum.f += margin
		} else {
			sum.f -= margin
		}
	}
	return tbound{v: sum}
}

// orderView reads the ordering aggregate's merged value of any group from its accumulator's typed slices.
type orderView struct {
	kind topkKind
	seen []bool // nil: never NULL (COUNT)
	i64  []int64
	f64  []float64
	dec  []decimal128.Num
	str  []string
}

// refresh points the view at acc's slices, which growing the accumulator may have moved.
func (v *orderView) refresh(acc accumulator) {
	switch a := acc.(type) {
	case *countAcc:
		v.seen, v.i64 = nil, a.counts
	case *sumIntAcc:
		v.seen, v.i64 = a.seen, a.sums
	case *sumFloatAcc:
		v.seen, v.f64 = a.seen, a.sums
	case *sumDecimalAcc:
		v.seen, v.dec = a.seen, a.sums
	case *minMaxAcc:
		v.seen, v.i64, v.f64, v.dec, v.str = a.seen, a.ints, a.flts, a.decs, a.strs
	}
}

func checkOrderAcc(acc accumulator, call *planner.AggCall) error {
	switch acc.(type) {
	case *countAcc, *sumIntAcc, *sumFloatAcc, *sumDecimalAcc, *minMaxAcc:
		return nil
	}
	return fmt.Errorf("vexec: AggregateTopK cannot order by %s", call.String())
}

func (v *orderView) at(g uint32) tval {
	if v.seen != nil && !v.seen[g] {
		return tval{null: true}
	}
	switch v.kind {
	case kindInt:
		return tval{i: v.i64[g]}
	case kindFloat:
		return tval{f: v.f64[g]}
	case kindDec:
		return tval{d: v.dec[g]}
	}
	return tval{s: v.str[g]}
}

// keyColumn keeps one group key of every group AggregateTopK has seen, in typed slices, to break ties.
type keyColumn struct {
	col   int // the input column
	kind  arrow.Type
	nulls []bool
	i64   []int64
	f64   []float64
	dec   []decimal128.Num
	str   []string
	bools []bool
}

// add appends row r of v, a typed view of the key column, as the next group's key.
func (k *keyColumn) add(v *colView, r int) {
	null := v.null(r)
	k.nulls = append(k.nulls, null)
	switch k.kind {
	case arrow.INT64:
		x := int64(0)
		if !null {
			x = v.i64[r]
		}
		k.i64 = append(k.i64, x)
	case arrow.FLOAT64:
		x := 0.0
		if !null {
			x = v.f64[r]
		}
		k.f64 = append(k.f64, x)
	case arrow.DECIMAL128:
		var x decimal128.Num
		if !null {
			x = v.dec[r]
		}
		k.dec = append(k.dec, x)
	case arrow.STRING:
		x := ""
		if !null {
			x = strings.Clone(v.str.Value(r))
		}
		k.str = append(k.str, x)
	case arrow.BOOL:
		k.bools = append(k.bools, !null && v.bools.Value(r))
	}
}

// cmp orders groups a and b by the key ascending, NULL first, as an index sorts it.
func (k *keyColumn) cmp(a, b uint32) int {
	if na, nb := k.nulls[a], k.nulls[b]; na || nb {
		switch {
		case na && nb:
			return 0
		case na:
			return -1
		}
		return 1
	}
	switch k.kind {
	case arrow.INT64:
		return cmp.Compare(k.i64[a], k.i64[b])
	case arrow.FLOAT64:
		return cmp.Compare(k.f64[a], k.f64[b])
	case arrow.DECIMAL128:
		return k.dec[a].Cmp(k.dec[b])
	case arrow.STRING:
		return strings.Compare(k.str[a], k.str[b])
	case arrow.BOOL:
		return cmp.Compare(b2int(k.bools[a]), b2int(k.bools[b]))
	}
	return 0
}

func b2int(b bool) int {
	if b {
		return 1
	}
	return 0
}

// keyKind is the kind a sortColumn gives an Arrow type.
func keyKind(dt arrow.DataType) arrow.Type {
	switch dt.ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		return arrow.INT64
	case arrow.FLOAT64, arrow.DECIMAL128, arrow.STRING, arrow.BOOL:
		return dt.ID()
	}
	return arrow.NULL
}
