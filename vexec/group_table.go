package vexec

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// groupTable maps group keys to dense group IDs (0, 1, 2, ... in order of first appearance) and keeps each
// group's key values for the output. One BIGINT key, the common rollup case, uses a map of int64. Any other key
// list is coded column by column: each column's values are numbered by a keyCoder in a typed loop, then the
// numbers are paired off, the first column's with the second's, that pair's with the third's, each pair
// numbered by a pairTable, and the last numbers lead to the groups (through final, a slice).
type groupTable struct {
	types    []arrow.DataType
	builders []array.Builder
	groups   int

	ints      map[int64]uint32 // single BIGINT key
	nullGroup int64            // group of the NULL key for ints; -1 until seen

	coders []*keyCoder  // a coder per key column
	pairs  []*pairTable // pairs[k] numbers (number of columns 0..k, code of column k+1)
	final  []int32      // the group of each number of all the columns; -1 until seen
	codes  [][]uint32   // scratch: each column's codes for a batch
	ids    []uint32
	found  []int32 // lookup's result
}

func newGroupTable(mem memory.Allocator, types []arrow.DataType) *groupTable {
	t := &groupTable{types: types, nullGroup: -1}
	for _, dt := range types {
		t.builders = append(t.builders, array.NewBuilder(mem, dt))
	}
	switch {
	case len(types) == 1 && types[0].ID() == arrow.INT64:
		t.ints = make(map[int64]uint32)
	case len(types) == 0: // one group
	default:
		for _, dt := range types {
			t.coders = append(t.coders, newKeyCoder(dt))
		}
		t.pairs = make([]*pairTable, len(types)-1)
		for i := range t.pairs {
			t.pairs[i] = &pairTable{m: make(map[uint64]uint32)}
		}
		t.codes = make([][]uint32, len(types))
	}
	return t
}

// assign returns the group ID of every row; the slice is reused by the next call.
func (t *groupTable) assign(keys []arrow.Array, rows int) []uint32 {
	if cap(t.ids) < rows {
		t.ids = make([]uint32, rows)
	}
	ids := t.ids[:rows]
	if len(keys) == 0 {
		if t.groups == 0 {
			t.groups = 1
		}
		for i := range ids {
			ids[i] = 0
		}
		return ids
	}
	if t.ints != nil {
		k := keys[0].(*array.Int64)
		vals := k.Int64Values()
		for i, v := range vals {
			if k.IsNull(i) {
				if t.nullGroup < 0 {
					t.nullGroup = int64(t.newGroup(keys, i))
				}
				ids[i] = uint32(t.nullGroup)
				continue
			}
			id, ok := t.ints[v]
			if !ok {
				id = t.newGroup(keys, i)
				t.ints[v] = id
			}
			ids[i] = id
		}
		return ids
	}
	nums := t.number(keys, rows, true)
	for i, n := range nums {
		if int(n) >= len(t.final) {
			t.final = growFinal(t.final, int(n)+1)
		}
		g := t.final[n]
		if g < 0 {
			g = int32(t.newGroup(keys, i))
			t.final[n] = g
		}
		ids[i] = uint32(g)
	}
	return ids
}

// number codes every row's keys into one number per distinct key list (dense, in order of first appearance),
// in t.codes[0]. Without add, a key list not seen before is noKey.
func (t *groupTable) number(keys []arrow.Array, rows int, add bool) []uint32 {
	for c, k := range keys {
		t.codes[c] = growTo(t.codes[c][:0], rows)
		t.coders[c].code(k, t.codes[c], add)
	}
	acc := t.codes[0]
	for c := 1; c < len(keys); c++ {
		t.pairs[c-1].number(acc, t.codes[c], add)
	}
	return acc
}

// pairTable numbers pairs of codes densely, in order of first appearance: pairs of small codes through a flat
// table (the common case of low-cardinality columns), others through a map.
type pairTable struct {
	small []uint32 // (a<<smallBits | b) -> number, noKey when unseen; made on first use
	m     map[uint64]uint32
	n     uint32
}

const smallBits = 8

// number replaces acc[i] by the number of the pair (acc[i], codes[i]); a pair with a noKey, or unseen without
// add, is noKey.
func (p *pairTable) number(acc, codes []uint32, add bool) {
	if p.small == nil {
		p.small = make([]uint32, 1<<(2*smallBits))
		for i := range p.small {
			p.small[i] = noKey
		}
	}
	for i, a := range acc {
		b := codes[i]
		if (a|b)>>smallBits == 0 {
			n := p.small[a<<smallBits|b]
			if n == noKey && add {
				n = p.n
				p.n++
				p.small[a<<smallBits|b] = n
			}
			acc[i] = n
			continue
		}
		if a == noKey || b == noKey {
			acc[i] = noKey
			continue
		}
		pair := uint64(a)<<32 | uint64(b)
		n, ok := p.m[pair]
		if !ok {
			if !add {
				acc[i] = noKey
				continue
			}
			n = p.n
			p.n++
			p.m[pair] = n
		}
		acc[i] = n
	}
}

func growFinal(f []int32, n int) []int32 {
	old := len(f)
	f = growTo(f, max(n, 2*old))
	for i := old; i < len(f); i++ {
		f[i] = -1
	}
	return f
}

func (t *groupTable) newGroup(keys []arrow.Array, row int) uint32 {
	for c, k := range keys {
		if k.IsNull(row) {
			t.builders[c].AppendNull()
			continue
		}
		appendGroupKey(t.builders[c], k, row)
	}
	t.groups++
	return uint32(t.groups - 1)
}

// appendGroupKey appends row i of key column a to b as a group's key: -0 is shown as 0, the group's canonical
// value whichever row came first (so that parallel runs agree).
func appendGroupKey(b array.Builder, a arrow.Array, i int) {
	switch a := a.(type) {
	case *array.String:
		if a.IsValid(i) {
			// Builders copy bytes, so the key outlives the input batch.
			b.(*array.StringBuilder).Append(strings.Clone(a.Value(i)))
			return
		}
	case *array.Float64:
		if a.IsValid(i) && a.Value(i) == 0 {
			b.(*array.Float64Builder).Append(0)
			return
		}
	case *array.Dictionary:
		// Group keys are output as plain strings.
		if a.IsValid(i) {
			b.(*array.StringBuilder).Append(a.Dictionary().(*array.String).Value(a.GetValueIndex(i)))
		} else {
			b.AppendNull()
		}
		return
	}
	sqltype.AppendFrom(b, a, i)
}

// keys returns the key columns of all groups, in group ID order.
func (t *groupTable) keys() []arrow.Array {
	out := make([]arrow.Array, len(t.builders))
	for i, b := range t.builders {
		out[i] = b.NewArray()
	}
	return out
}

func (t *groupTable) release() {
	for _, b := range t.builders {
		b.Release()
	}
	for _, c := range t.coders {
		c.release()
	}
}

// appendKey encodes row i of a key column so that equal keys (by MySQL's GROUP BY rules: NULLs together, -0 and
// 0 together) have equal bytes and different keys differ.
func appendKey(buf []byte, a arrow.Array, i int) []byte {
	if a.IsNull(i) {
		return append(buf, 0)
	}
	buf = append(buf, 1)
	switch a := a.(type) {
	case *array.Int64:
		return binary.LittleEndian.AppendUint64(buf, uint64(a.Value(i)))
	case *array.Timestamp:
		return binary.LittleEndian.AppendUint64(buf, uint64(a.Value(i)))
	case *array.Float64:
		v := a.Value(i)
		if v == 0 {
			v = 0 // folds -0 into 0
		}
		if math.IsNaN(v) {
			v = math.NaN()
		}
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
	case *array.Decimal128:
		v := a.Value(i)
		buf = binary.LittleEndian.AppendUint64(buf, v.LowBits())
		return binary.LittleEndian.AppendUint64(buf, uint64(v.HighBits()))
	case *array.String:
		s := a.Value(i)
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		return append(buf, s...)
	case *array.Dictionary:
		s := a.Dictionary().(*array.String).Value(a.GetValueIndex(i))
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		return append(buf, s...)
	case *array.Boolean:
		if a.Value(i) {
			return append(buf, 1)
		}
		return append(buf, 0)
	}
	panic("vexec: cannot group by " + a.DataType().String())
}

// lookup returns the group of every row's key without adding groups: -1 where the key has no group or holds a
// NULL (a join key that is NULL matches nothing). The slice is reused by the next call.
func (t *groupTable) lookup(keys []arrow.Array, rows int) []int32 {
	if cap(t.found) < rows {
		t.found = make([]int32, rows)
	}
	out := t.found[:rows]
	if t.ints != nil {
		k := keys[0].(*array.Int64)
		vals := k.Int64Values()
		nulls := k.NullN() > 0
		for i, v := range vals {
			id, ok := t.ints[v]
			if !ok || nulls && k.IsNull(i) {
				out[i] = -1
				continue
			}
			out[i] = int32(id)
		}
		return out
	}
	for i, n := range t.number(keys, rows, false) {
		out[i] = -1
		if n != noKey && int(n) < len(t.final) {
			out[i] = t.final[n]
		}
	}
	return out
}
