package vexec

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// noKey is the code of a value a lookup has not seen, and of NULL in a lookup (a NULL join key matches nothing).
const noKey = ^uint32(0)

// keyCoder numbers the distinct values of one key column by MySQL's GROUP BY rules: NULL is 0, and the values
// are 1, 2, ... in order of first appearance, -0 and 0 one value, every NaN one value. Each kind has its typed
// loop.
type keyCoder struct {
	ints map[int64]uint32 // BIGINT, TIMESTAMP, BOOLEAN (0 and 1), DOUBLE (by its bits, -0 and NaN folded)
	decs map[decimal128.Num]uint32
	strs map[string]uint32 // text of more than 7 bytes
	// Text of up to 7 bytes (most dimension values) is coded by its bytes and length packed in a uint64,
	// without hashing while few values are seen: they are in short, at most maxFew of them, then in shorts.
	short  []uint64
	codes  []uint32 // the code of each value of short
	shorts map[uint64]uint32
	next   uint32
	// Dictionary arrays: the dictionary last seen (retained, so that its address is not reused while it is
	// compared with), its values, and the code of each entry, 0 until a row refers to it.
	dict      arrow.ArrayData
	dictVals  *array.String
	dictCodes []uint32
}

const maxFew = 8

// codeText codes a text column in one pass: text of up to 7 bytes by its packed form, matched against the few
// values seen in a branch-free scan or through a map; longer text through a map of strings, after a comparison
// with the row before, since sorted columns repeat their values.
func (c *keyCoder) codeText(a *array.String, codes []uint32, add bool) {
	offs := a.ValueOffsets()
	data := a.Data().Buffers()[2].Bytes()
	var prev []byte
	prevCode := noKey
	for i := range codes {
		lo, hi := offs[i], offs[i+1]
		n := hi - lo
		if n > 7 {
			v := data[lo:hi]
			if prevCode == noKey || !bytes.Equal(v, prev) {
				prev, prevCode = v, c.codeString(v, add)
			}
			codes[i] = prevCode
			continue
		}
		var k uint64
		if int(lo)+8 <= len(data) {
			k = binary.LittleEndian.Uint64(data[lo:])&(1<<(8*n)-1) | uint64(n)<<56
		} else {
			k = packTail(data, lo, hi)
		}
		if c.shorts == nil {
			code, few := noKey, c.codes[:len(c.short)]
			for j, s := range c.short {
				x := few[j]
				if s == k { // a conditional move: which value matches is random
					code = x
				}
			}
			if code != noKey {
				codes[i] = code
				continue
			}
		}
		codes[i] = c.codeShort(k, add)
	}
}

// packTail packs text [lo, hi) of at most 7 bytes of data, among data's last 8 bytes, byte by byte.
func packTail(data []byte, lo, hi int32) uint64 {
	var k uint64
	for j := hi - 1; j >= lo; j-- {
		k = k<<8 | uint64(data[j])
	}
	return k | uint64(hi-lo)<<56
}

// codeShort is the code of a packed short text.
func (c *keyCoder) codeShort(k uint64, add bool) uint32 {
	if c.shorts == nil {
		for i, s := range c.short {
			if s == k {
				return c.codes[i]
			}
		}
	} else if code, ok := c.shorts[k]; ok {
		return code
	}
	if !add {
		return noKey
	}
	code := c.next
	c.next++
	if c.shorts == nil && len(c.short) < maxFew {
		c.short, c.codes = append(c.short, k), append(c.codes, code)
		return code
	}
	if c.shorts == nil {
		c.shorts = make(map[uint64]uint32)
		for i, s := range c.short {
			c.shorts[s] = c.codes[i]
		}
	}
	c.shorts[k] = code
	return code
}

// codeString is the code of a text of more than 7 bytes.
func (c *keyCoder) codeString(v []byte, add bool) uint32 {
	if code, ok := c.strs[string(v)]; ok {
		return code
	}
	if !add {
		return noKey
	}
	code := c.next
	c.next++
	c.strs[string(v)] = code
	return code
}

func newKeyCoder(dt arrow.DataType) *keyCoder {
	c := &keyCoder{next: 1}
	switch dt.ID() {
	case arrow.DECIMAL128:
		c.decs = make(map[decimal128.Num]uint32)
	case arrow.STRING:
		c.strs = make(map[string]uint32)
	case arrow.INT64, arrow.TIMESTAMP, arrow.FLOAT64, arrow.BOOL:
		c.ints = make(map[int64]uint32)
	default:
		panic("vexec: cannot group by " + dt.String())
	}
	return c
}

// code writes the code of every row of a to codes. With add, unseen values get new codes; without, unseen
// values and NULLs are noKey.
func (c *keyCoder) code(a arrow.Array, codes []uint32, add bool) {
	switch a := a.(type) {
	case *array.Int64:
		codeInts(c, a.Int64Values(), codes, add)
	case *array.Timestamp:
		codeInts(c, a.TimestampValues(), codes, add)
	case *array.Decimal128:
		for i, v := range a.Values() {
			codes[i] = codeOf(c, c.decs, v, add)
		}
	case *array.Float64:
		vals := a.Float64Values()
		for i, v := range vals {
			if v == 0 {
				v = 0 // folds -0 into 0
			} else if math.IsNaN(v) {
				v = math.NaN()
			}
			codes[i] = codeOf(c, c.ints, int64(math.Float64bits(v)), add)
		}
	case *array.Boolean:
		for i := range codes {
			v := int64(0)
			if a.Value(i) {
				v = 1
			}
			codes[i] = codeOf(c, c.ints, v, add)
		}
	case *array.String:
		c.codeText(a, codes, add)
	case *array.Dictionary:
		c.codeDict(a, codes, add)
	default:
		panic("vexec: cannot group by " + a.DataType().String())
	}
	if a.NullN() == 0 {
		return
	}
	null := uint32(0)
	if !add {
		null = noKey
	}
	bits, off := validity(a)
	for i := range codes {
		if bitutil.BitIsNotSet(bits, off+i) {
			codes[i] = null
		}
	}
}

func codeInts[T ~int64](c *keyCoder, vals []T, codes []uint32, add bool) {
	for i, v := range vals {
		codes[i] = codeOf(c, c.ints, int64(v), add)
	}
}

// codeOf is the code of v in m, added when unseen and add is set.
func codeOf[K comparable](c *keyCoder, m map[K]uint32, v K, add bool) uint32 {
	code, ok := m[v]
	if ok {
		return code
	}
	if !add {
		return noKey
	}
	code = c.next
	c.next++
	m[v] = code
	return code
}

// codeDict codes a dictionary-encoded text column by its indexes: each dictionary entry is coded as codeText
// codes its value, once, the first time a row refers to it (a filtered batch may use few of a large
// dictionary's entries), and every row then takes its entry's code. The codes are those of the values, so
// dictionary and plain batches of one column agree.
func (c *keyCoder) codeDict(a *array.Dictionary, codes []uint32, add bool) {
	if dd := a.Data().Dictionary(); dd != c.dict {
		c.setDict(dd)
	}
	idx := a.Indices().(*array.Int32).Int32Values()
	dc := c.dictCodes
	if len(dc) == 0 {
		return // an empty dictionary: every row is NULL, and code sets NULLs' codes
	}
	// NULL rows may hold any index: indexes are clamped into the dictionary, and a NULL row's code, set
	// after, replaces the code of whichever entry it took (which costs a code, not a group).
	last := uint32(len(dc) - 1)
	for i, x := range idx {
		e := min(uint32(x), last)
		code := dc[e]
		if code == 0 {
			code = c.codeEntry(int32(e), add)
		}
		codes[i] = code
	}
}

// codeEntry codes dictionary entry x by its value, remembering the code unless the value is unseen and not
// added (noKey: a later call that adds must still code it).
func (c *keyCoder) codeEntry(x int32, add bool) uint32 {
	v := c.dictVals.ValueBytes()
	offs := c.dictVals.ValueOffsets()
	lo, hi := offs[x], offs[x+1]
	var code uint32
	if hi-lo > 7 {
		code = c.codeString(v[lo:hi], add)
	} else {
		code = c.codeShort(packTail(v, lo, hi), add)
	}
	if code != noKey {
		c.dictCodes[x] = code
	}
	return code
}

// setDict makes dd the dictionary whose entries dictCodes codes.
func (c *keyCoder) setDict(dd arrow.ArrayData) {
	c.release()
	dd.Retain()
	c.dict = dd
	c.dictVals = array.NewStringData(dd)
	c.dictCodes = growTo(c.dictCodes[:0], dd.Len())
	clear(c.dictCodes)
	dictionariesUsed.Add(1)
}

// release drops the dictionary the coder holds.
func (c *keyCoder) release() {
	if c.dict != nil {
		c.dictVals.Release()
		c.dict.Release()
		c.dict, c.dictVals = nil, nil
	}
}
