package vexec

import (
	"math"
	"math/bits"
)

// int64Set is the set of one group's distinct BIGINT (or TIMESTAMP) values: a map, which becomes a bitmap over
// the values' span once the values seen show they are dense enough. Dimension values (zip codes, ids, days)
// usually fill a narrow range, where setting a bit in a few kilobytes that stay in the cache beats a map's probe
// of scattered memory. A bitmap never takes more than bitmapBytesPerValue bytes a value (a map entry takes about
// 48), beyond a first bitmapMinBytes; a value that would make it sparser turns it back into a map.
type int64Set struct {
	n        int // values in the set
	m        map[int64]struct{}
	lo, hi   int64    // the map's smallest and largest value
	nextTry  int      // the set size at which a map next considers becoming a bitmap
	base     int64    // bitmap: the value of bit 0, a multiple of 64
	words    []uint64 // bitmap: bit i set when base+i is in the set
	isBitmap bool
}

const (
	bitmapBytesPerValue = 64
	bitmapMinBytes      = 4 << 10
	bitmapFirstTry      = 128
)

// add puts v in the set and reports whether it was new.
func (s *int64Set) add(v int64) bool {
	if s.isBitmap {
		off := uint64(v) - uint64(s.base) // wraps below base: out of range
		if v >= s.base && off < uint64(len(s.words))*64 {
			w, b := off/64, off%64
			if s.words[w]&(1<<b) != 0 {
				return false
			}
			s.words[w] |= 1 << b
			s.n++
			return true
		}
		if !s.widen(v) {
			s.toMap()
		}
		return s.add(v)
	}
	if s.m == nil {
		s.m = make(map[int64]struct{})
		s.lo, s.hi, s.nextTry = v, v, bitmapFirstTry
	}
	if _, dup := s.m[v]; dup {
		return false
	}
	s.m[v] = struct{}{}
	s.n++
	s.lo, s.hi = min(s.lo, v), max(s.hi, v)
	if s.n >= s.nextTry {
		s.nextTry *= 2
		s.tryBitmap()
	}
	return true
}

// dense reports whether a bitmap over [lo, hi] (64-aligned) suits n values.
func dense(lo, hi int64, n int) (base int64, words int, ok bool) {
	base = lo &^ 63
	span := uint64(hi&^63) - uint64(base) + 64 // 0 when it wraps: the whole int64 range
	if span == 0 || span/8 > max(bitmapMinBytes, uint64(n)*bitmapBytesPerValue) {
		return 0, 0, false
	}
	return base, int(span / 64), true
}

// tryBitmap turns the map into a bitmap when its values are dense enough.
func (s *int64Set) tryBitmap() {
	base, n, ok := dense(s.lo, s.hi, s.n)
	if !ok {
		return
	}
	s.base, s.words = base, make([]uint64, n)
	for v := range s.m {
		off := uint64(v) - uint64(base)
		s.words[off/64] |= 1 << (off % 64)
	}
	s.m, s.isBitmap = nil, true
}

// widen extends the bitmap to hold v, at least doubling it towards v, unless that makes it too sparse.
func (s *int64Set) widen(v int64) bool {
	lo, hi := s.base, s.base+int64(len(s.words))*64-1
	grow := int64(len(s.words)) * 64
	if v < lo {
		lo = min(v, lo-grow)
		if lo > v { // wrapped below the smallest int64
			lo = v
		}
	} else {
		hi = max(v, hi+grow)
		if hi < v { // wrapped above the largest int64
			hi = v
		}
	}
	base, n, ok := dense(lo, hi, s.n+1)
	if !ok {
		return false
	}
	words := make([]uint64, n)
	copy(words[(uint64(s.base)-uint64(base))/64:], s.words)
	s.base, s.words = base, words
	return true
}

// toMap turns the bitmap back into a map, for values too sparse for it.
func (s *int64Set) toMap() {
	m := make(map[int64]struct{}, s.n)
	s.lo, s.hi = math.MaxInt64, math.MinInt64
	s.each(func(v int64) {
		m[v] = struct{}{}
		s.lo, s.hi = min(s.lo, v), max(s.hi, v)
	})
	s.m, s.words, s.isBitmap = m, nil, false
	s.nextTry = 2 * max(s.n, bitmapFirstTry)
}

// each calls f with every value of the set.
func (s *int64Set) each(f func(int64)) {
	if !s.isBitmap {
		for v := range s.m {
			f(v)
		}
		return
	}
	for i, w := range s.words {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			f(s.base + int64(i)*64 + int64(b))
			w &= w - 1
		}
	}
}
