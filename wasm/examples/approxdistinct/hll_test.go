package main

import (
	"math"
	"strconv"
	"testing"
)

func TestSketchEstimateAndMerge(t *testing.T) {
	for _, n := range []int{0, 1, 100, 2000, 50_000, 300_000} {
		var whole sketch
		parts := make([]sketch, 4)
		for i := range n {
			v := "user-" + strconv.Itoa(i)
			whole.Update([]string{v, v}) // duplicates do not count
			parts[i%4].Update([]string{v})
		}
		var merged sketch
		for _, p := range parts {
			var back sketch
			if err := back.Unmarshal(p.Marshal(nil)); err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			merged.Merge(&back)
		}
		got, _ := whole.Finalize()
		fromParts, _ := merged.Finalize()
		if got != fromParts {
			t.Errorf("n=%d: the merged partitions estimate %d, the whole %d", n, fromParts, got)
		}
		if err := math.Abs(float64(got)-float64(n)) / math.Max(float64(n), 1); err > 0.03 {
			t.Errorf("n=%d: estimate %d is %.1f%% off", n, got, 100*err)
		}
	}
}

func TestSketchRejectsGarbage(t *testing.T) {
	for _, data := range [][]byte{nil, {9}, {formatSparse, 1, 2}, {formatDense, 0}} {
		var s sketch
		if err := s.Unmarshal(data); err == nil {
			t.Errorf("Unmarshal(%v) accepted garbage", data)
		}
	}
}
