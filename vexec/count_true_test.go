package vexec

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// countTrue counts the rows that are true and not NULL, word by word, at any length and bitmap offset.
func TestCountTrue(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(3, 9))
	var scratch []byte
	for n := range 200 {
		for _, nullRate := range []int{0, 3} {
			b := array.NewBooleanBuilder(mem)
			for range n + 13 {
				if nullRate > 0 && rng.IntN(nullRate) == 0 {
					b.AppendNull()
				} else {
					b.Append(rng.IntN(2) == 0)
				}
			}
			full := b.NewBooleanArray()
			b.Release()
			off := rng.IntN(13)
			m := array.NewSlice(full, int64(off), int64(off+n)).(*array.Boolean)
			want := 0
			for i := range m.Len() {
				if m.IsValid(i) && m.Value(i) {
					want++
				}
			}
			if got := countTrue(m, &scratch); got != want {
				t.Fatalf("n=%d offset=%d nulls=%v: countTrue %d, want %d", n, off, nullRate > 0, got, want)
			}
			m.Release()
			full.Release()
		}
	}
}
