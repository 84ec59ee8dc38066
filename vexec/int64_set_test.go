package vexec

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// int64Set agrees with a map on dense values (bitmap), values that grow the bitmap both ways, sparse and extreme
// values (the switch to a map, overflow at the ends of the range), and lists its values exactly once.
func TestInt64Set(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	cases := map[string]func() int64{
		"dense":    func() int64 { return 10000 + rng.Int64N(40000) },
		"negative": func() int64 { return -rng.Int64N(3000) },
		"sparse":   func() int64 { return rng.Int64() - math.MaxInt64/2 },
		"extremes": func() int64 {
			return []int64{math.MinInt64, math.MaxInt64, 0, -1, 1, math.MinInt64 + 1, math.MaxInt64 - 1}[rng.IntN(7)]
		},
		"dense then far":      nil,
		"dense at the top":    func() int64 { return math.MaxInt64 - rng.Int64N(3000) },
		"dense at the bottom": func() int64 { return math.MinInt64 + rng.Int64N(3000) },
	}
	for name, gen := range cases {
		t.Run(name, func(t *testing.T) {
			var s int64Set
			ref := map[int64]bool{}
			for i := range 20000 {
				var v int64
				if gen == nil {
					v = int64(rng.IntN(500))
					if i > 15000 {
						v = 1 << 40
					}
				} else {
					v = gen()
				}
				if got, want := s.add(v), !ref[v]; got != want {
					t.Fatalf("add(%d) = %v, want %v", v, got, want)
				}
				ref[v] = true
			}
			// The representation each case must end in: dense values in a bitmap, the others in a map.
			if want := strings.HasPrefix(name, "dense") && name != "dense then far" || name == "negative"; s.isBitmap != want {
				t.Fatalf("bitmap %v, want %v", s.isBitmap, want)
			}
			var listed []int64
			s.each(func(v int64) { listed = append(listed, v) })
			slices.Sort(listed)
			var want []int64
			for v := range ref {
				want = append(want, v)
			}
			slices.Sort(want)
			if !slices.Equal(listed, want) || s.n != len(want) {
				t.Fatalf("the set lists %d values (n=%d), want %d", len(listed), s.n, len(want))
			}
		})
	}
}
