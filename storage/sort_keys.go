package storage

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Sorting an index's rows is most of what an import does besides encoding Parquet. A comparison sort over the
// key columns costs a closure call per column per comparison, about n log n of them; instead each key column
// becomes an order-preserving integer code (NULL 0, then the values in ascending order from 1), the codes of the
// leading key columns are packed side by side into one uint64 with the row number in its low bits, and those
// words are radix-sorted. Rollup data repeats few values per key column (categories, names, zip codes, hours),
// so the codes are narrow and the whole key usually fits. Key columns that do not fit break ties afterwards:
// the rows of each run of equal packed codes are sorted by the remaining columns with the comparators.

// sortedOrder returns the row numbers of b in key order (NULLs first, as MySQL orders them), for Take. Index rows
// with equal keys have no order to keep.
func sortedOrder(b arrow.RecordBatch, keyPos []int) []int32 {
	n := int(b.NumRows())
	if n <= 1 || len(keyPos) == 0 {
		return identityOrder(n)
	}
	rowBits := bits.Len(uint(n - 1))
	budget := 64 - rowBits
	packed := make([]uint64, n)
	fitted := 0
	for _, p := range keyPos {
		width, ok := packCodes(packed, b.Column(p), budget)
		if !ok {
			break
		}
		budget -= width
		fitted++
	}
	if fitted == 0 {
		return comparatorOrder(b, keyPos, identityOrder(n))
	}
	for i := range packed {
		packed[i] = packed[i]<<rowBits | uint64(i)
	}
	radixSort(packed, make([]uint64, n), rowBits, 64-budget)
	order := make([]int32, n)
	rowMask := uint64(1)<<rowBits - 1
	for i, k := range packed {
		order[i] = int32(k & rowMask)
	}
	if fitted == len(keyPos) {
		return order
	}
	// The packed columns agree within each run; the rest of the key orders the run.
	rest := keyComparator(b, keyPos[fitted:])
	for i := 0; i < n; {
		code := packed[i] >> rowBits
		j := i + 1
		for j < n && packed[j]>>rowBits == code {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(order[i:j], rest)
		}
		i = j
	}
	return order
}

func identityOrder(n int) []int32 {
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	return order
}

// comparatorOrder sorts order by the key columns with one typed comparator per column.
func comparatorOrder(b arrow.RecordBatch, keyPos []int, order []int32) []int32 {
	slices.SortFunc(order, keyComparator(b, keyPos))
	return order
}

func keyComparator(b arrow.RecordBatch, keyPos []int) func(i, j int32) int {
	cmps := make([]func(i, j int32) int, len(keyPos))
	for k, p := range keyPos {
		cmps[k] = rowComparator(b.Column(p))
	}
	if len(cmps) == 1 {
		return cmps[0]
	}
	return func(i, j int32) int {
		for _, c := range cmps {
			if r := c(i, j); r != 0 {
				return r
			}
		}
		return 0
	}
}

// packCodes shifts every packed[i] left by the width of a's codes and puts row i's code in the freed bits. It
// reports false, leaving packed as it was, when the codes would need more than budget bits.
func packCodes(packed []uint64, a arrow.Array, budget int) (width int, ok bool) {
	if budget <= 0 {
		return 0, false
	}
	switch a := a.(type) {
	case *array.Int64:
		return packIntegers(packed, a, a.Int64Values(), budget)
	case *array.Timestamp:
		return packIntegers(packed, a, a.TimestampValues(), budget)
	case *array.Decimal128:
		// Decimals whose values all fit 64 bits (every DECIMAL up to 18 digits) order as their unscaled integers.
		vals := a.Values()
		ints := make([]int64, len(vals))
		for i, v := range vals {
			if v.HighBits() != int64(v.LowBits())>>63 && a.IsValid(i) {
				return packRanks(packed, a, budget, func(i int) decimal128.Num { return vals[i] }, decimal128.Num.Cmp)
			}
			ints[i] = int64(v.LowBits())
		}
		return packIntegers(packed, a, ints, budget)
	case *array.String:
		ranks, distinct := stringRanks(a)
		if ranks == nil {
			return 0, false
		}
		return packRankCodes(packed, ranks, distinct, budget)
	case *array.Float64:
		// Ranked through a canonical bit pattern: -0 and +0 compare equal and so do all NaNs, which order first.
		vals := a.Float64Values()
		canon := func(i int) uint64 {
			v := vals[i]
			switch {
			case v != v:
				return math.Float64bits(math.NaN())
			case v == 0:
				return 0
			}
			return math.Float64bits(v)
		}
		return packRanks(packed, a, budget, canon, func(x, y uint64) int {
			return cmp.Compare(math.Float64frombits(x), math.Float64frombits(y))
		})
	case *array.Boolean:
		if budget < 2 {
			return 0, false
		}
		for i := range packed {
			var code uint64
			if a.IsValid(i) {
				code = 1
				if a.Value(i) {
					code = 2
				}
			}
			packed[i] = packed[i]<<2 | code
		}
		return 2, true
	}
	return 0, false
}

// packIntegers codes integers as their offset from the smallest value (plus one, NULL being 0) when that span
// is narrow, and by rank among the distinct values when it is wide (hours as microseconds span 40 bits and more,
// yet a rollup holds a few thousand of them), or as offsets still if ranking gives up and the span fits.
func packIntegers[T ~int64](packed []uint64, a arrow.Array, vals []T, budget int) (int, bool) {
	nulls := hasNulls(a, 0, a.Len())
	lo, hi, seen := T(0), T(0), false
	for i, v := range vals {
		if nulls && a.IsNull(i) {
			continue
		}
		if !seen {
			lo, hi, seen = v, v, true
			continue
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	if !seen {
		return packRankCodes(packed, nil, 0, budget)
	}
	width := 65
	if span := uint64(hi) - uint64(lo); span < math.MaxUint64 { // the distance, wrapping right for any int64s
		width = bits.Len64(span + 1)
	}
	if width > narrowSpanBits {
		if w, ok := packRanks(packed, a, budget, func(i int) T { return vals[i] }, cmp.Compare[T]); ok {
			return w, true
		}
	}
	if width > budget {
		return 0, false
	}
	base := uint64(lo) - 1 // the smallest value codes as 1
	for i, v := range vals {
		code := uint64(v) - base
		if nulls && a.IsNull(i) {
			code = 0
		}
		packed[i] = packed[i]<<width | code
	}
	return width, true
}

// narrowSpanBits is the widest span of integer values coded by offset without trying ranks first.
const narrowSpanBits = 20

// packRanks codes values by their rank among the distinct values of a (the first rank is 1, NULL is 0). It gives
// up when the values are mostly distinct: ranking them costs more than comparing them.
func packRanks[K comparable](packed []uint64, a arrow.Array, budget int, key func(i int) K, compare func(x, y K) int) (int, bool) {
	n := len(packed)
	limit := max(n/4, 1024)
	nulls := hasNulls(a, 0, a.Len())
	codes := make(map[K]int32)
	ranks := make([]int32, n)
	var distinct []K
	for i := range n {
		if nulls && a.IsNull(i) {
			ranks[i] = -1
			continue
		}
		k := key(i)
		c, ok := codes[k]
		if !ok {
			if len(distinct) == limit {
				return 0, false
			}
			c = int32(len(distinct))
			codes[k] = c
			distinct = append(distinct, k)
		}
		ranks[i] = c
	}
	rankOf := firstSeenToRank(len(distinct), func(x, y int32) int { return compare(distinct[x], distinct[y]) })
	for i, c := range ranks {
		if c >= 0 {
			ranks[i] = rankOf[c]
		}
	}
	return packRankCodes(packed, ranks, len(distinct), budget)
}

// packRankCodes packs ranks (-1 for NULL, else 0..distinct-1) as codes 0 (NULL) and 1..distinct. A nil ranks
// means every row is NULL.
func packRankCodes(packed []uint64, ranks []int32, distinct, budget int) (int, bool) {
	width := bits.Len(uint(distinct))
	if width > budget {
		return 0, false
	}
	if ranks == nil {
		for i := range packed {
			packed[i] <<= width
		}
		return width, true
	}
	for i, r := range ranks {
		packed[i] = packed[i]<<width | uint64(r+1)
	}
	return width, true
}

// firstSeenToRank maps codes numbered in first-seen order to their rank in value order.
func firstSeenToRank(n int, compare func(x, y int32) int) []int32 {
	byValue := identityOrder(n)
	slices.SortFunc(byValue, compare)
	rankOf := make([]int32, n)
	for r, c := range byValue {
		rankOf[c] = int32(r)
	}
	return rankOf
}

// stringRanks returns, for each row of a, the rank of its value among a's distinct values in byte order (NULL
// ranks -1), and how many distinct values there are. It gives up, returning nil, when the values are mostly
// distinct, where ranking costs more than it saves.
func stringRanks(a *array.String) ([]int32, int) {
	n := a.Len()
	limit := max(n/4, 1024)
	codes := make(map[string]int32)
	ranks := make([]int32, n)
	var distinct []string
	nulls := hasNulls(a, 0, a.Len())
	for i := range n {
		if nulls && a.IsNull(i) {
			ranks[i] = -1
			continue
		}
		v := a.Value(i)
		c, ok := codes[v]
		if !ok {
			if len(distinct) == limit {
				return nil, 0
			}
			c = int32(len(distinct))
			codes[v] = c
			distinct = append(distinct, v)
		}
		ranks[i] = c
	}
	rankOf := firstSeenToRank(len(distinct), func(x, y int32) int { return strings.Compare(distinct[x], distinct[y]) })
	for i, c := range ranks {
		if c >= 0 {
			ranks[i] = rankOf[c]
		}
	}
	return ranks, len(distinct)
}

// radixSort sorts keys by their bits from bit low up to bit high (exclusive; no key has a bit set above it) in a
// least-significant-digit radix sort of 8-bit digits, using scratch (as long as keys) as the other buffer. Each
// pass is stable, so keys equal in those bits keep their order: sortedOrder leaves the row numbers in the low
// bits, already ascending, out of the sort. Digits on which all keys agree are skipped.
func radixSort(keys, scratch []uint64, low, high int) {
	const digitBits = 8
	passes := (high - low + digitBits - 1) / digitBits
	if passes == 0 || len(keys) == 0 {
		return
	}
	var counts [8][256]int
	for _, k := range keys {
		k >>= uint(low)
		for p := range passes {
			counts[p][byte(k>>(p*digitBits))]++
		}
	}
	src, dst := keys, scratch
	n := len(keys)
	for p := range passes {
		shift := uint(low + p*digitBits)
		c := &counts[p]
		if c[byte(src[0]>>shift)] == n {
			continue // every key has the same digit here
		}
		sum := 0
		for d := range c {
			c[d], sum = sum, sum+c[d]
		}
		for _, k := range src {
			d := byte(k >> shift)
			dst[c[d]] = k
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}
