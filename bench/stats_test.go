package bench

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	xs := []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}
	assert.Equal(t, 1.0, Percentile(xs, 0))
	assert.Equal(t, 1.0, Percentile(xs, 10))
	assert.Equal(t, 2.0, Percentile(xs, 11))
	assert.Equal(t, 5.0, Percentile(xs, 50))
	assert.Equal(t, 10.0, Percentile(xs, 95))
	assert.Equal(t, 10.0, Percentile(xs, 100))
	assert.Equal(t, 10.0, xs[0], "the input is left as it was")
	assert.Equal(t, 0.0, Percentile(nil, 50))
	assert.Equal(t, 7.0, Percentile([]float64{7}, 99))

	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(100 - i)
	}
	assert.Equal(t, 99.0, Percentile(hundred, 99))
	assert.Equal(t, 95.0, Percentile(hundred, 95))
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 3.0, Median([]float64{5, 1, 3}))
	assert.Equal(t, 2.5, Median([]float64{4, 1, 3, 2}))
	assert.Equal(t, 0.0, Median(nil))
}

func TestSummarize(t *testing.T) {
	tm := Timing{Engine: Vcube, RunsMS: []float64{40, 10, 20, 30, 50}}
	tm.Summarize(1_000_000)
	assert.Equal(t, 10.0, tm.MinMS)
	assert.Equal(t, 30.0, tm.MedianMS)
	assert.Equal(t, 50.0, tm.P95MS)
	assert.InDelta(t, 1_000_000/0.030, tm.RowsPerSec, 1e-6)

	empty := Timing{}
	empty.Summarize(10)
	assert.Zero(t, empty.MedianMS)
}

func TestLoadFill(t *testing.T) {
	lat := make([]float64, 200)
	for i := range lat {
		lat[i] = float64(i + 1)
	}
	var l Load
	l.Fill(lat, 2*time.Second)
	assert.Equal(t, 200, l.Queries)
	assert.Equal(t, 100.0, l.QPS)
	assert.Equal(t, 100.0, l.P50MS)
	assert.Equal(t, 198.0, l.P99MS)
	assert.Equal(t, 200.0, l.MaxMS)

	var none Load
	none.Fill(nil, time.Second)
	assert.Zero(t, none.QPS)
	assert.Zero(t, none.P99MS)
}

func TestProcFigures(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	before, ok := procCPU(os.Getpid())
	require.True(t, ok)
	// Burn CPU until the 10 ms ticks move.
	x := 0.0
	for i := 0; ; i++ {
		x += math.Sqrt(float64(i))
		if i%1_000_000 == 0 {
			if now, _ := procCPU(os.Getpid()); now > before {
				break
			}
		}
	}
	assert.Greater(t, x, 0.0)
	assert.Greater(t, peakRSS(os.Getpid()), int64(1<<20))
	_, ok = procCPU(1 << 30)
	assert.False(t, ok, "no such process")
	assert.Zero(t, peakRSS(1<<30))
}
