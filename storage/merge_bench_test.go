package storage

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkMerge merges 8 sorted chunk files of 125,000 rows whose keys interleave, as compaction merges new
// chunks of an import, and reports rows merged per second.
func BenchmarkMerge(b *testing.B) {
	st, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	mem := memory.NewGoAllocator()
	const inputs, perInput = 8, 125_000
	var paths []string
	for c := 0; c < inputs; c++ {
		rows := make([][4]any, 0, perInput)
		for i := 0; i < perInput; i++ {
			k := i*inputs + c
			rows = append(rows, [4]any{fmt.Sprintf("city %04d", k%5000), k, i % 50, float64(k) / 4})
		}
		in := buildTestBatch(b, mem, rows)
		sorted, err := BuildIndexRows(context.Background(), mem, in, IndexLayout{Key: []int{0, 1}, Columns: []int{0, 1, 2, 3}})
		in.Release()
		if err != nil {
			b.Fatal(err)
		}
		info, err := st.WriteChunk(1, uint64(10+c), mergeCols, []arrow.RecordBatch{sorted})
		sorted.Release()
		if err != nil {
			b.Fatal(err)
		}
		paths = append(paths, info.Path)
	}
	next := uint64(1000)
	for b.Loop() {
		out, err := st.Merge(context.Background(), MergeSpec{TableID: 1, Inputs: paths, Cols: mergeCols, Key: []int{0, 1},
			MaxRows: 2_000_000, NextID: func() (uint64, error) { next++; return next, nil }, Mem: mem})
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range out {
			_ = st.Remove([]string{f.Path})
		}
	}
	b.ReportMetric(float64(inputs*perInput)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
