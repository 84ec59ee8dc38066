package bench

import (
	"math"
	"slices"
	"time"
)

// Percentile is the p-th percentile (0 <= p <= 100) of xs by the nearest-rank method: the smallest value that
// at least p% of the values are less than or equal to. It is 0 for no values.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return percentileSorted(s, p)
}

func percentileSorted(s []float64, p float64) float64 {
	if p <= 0 {
		return s[0]
	}
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// Median is the middle value of xs (the mean of the two middle ones for an even count); 0 for no values.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Timing is what the report says of one engine's timed runs of one query.
type Timing struct {
	Engine     string    `json:"engine"`
	RunsMS     []float64 `json:"runs_ms"`
	MinMS      float64   `json:"min_ms"`
	MedianMS   float64   `json:"median_ms"`
	P95MS      float64   `json:"p95_ms"`
	RowsPerSec float64   `json:"rows_per_sec"` // the table's rows over the median time
	// CPUMS is the CPU time the engine's process used per timed run (all its threads, in 10 ms ticks summed over
	// the runs): unlike the elapsed times it hardly depends on other work on the machine. 0 when unknown.
	CPUMS float64 `json:"cpu_ms,omitempty"`
	Error string  `json:"error,omitempty"`
}

// Summarize fills the figures of t from its runs; tableRows is the size of the table the query reads.
func (t *Timing) Summarize(tableRows int64) {
	if len(t.RunsMS) == 0 {
		return
	}
	t.MinMS = slices.Min(t.RunsMS)
	t.MedianMS = Median(t.RunsMS)
	t.P95MS = Percentile(t.RunsMS, 95)
	if t.MedianMS > 0 {
		t.RowsPerSec = float64(tableRows) / (t.MedianMS / 1000)
	}
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// Load is one engine's concurrent run of one query: clients each send the query again as soon as their previous
// one is answered, for a fixed time.
type Load struct {
	Engine  string  `json:"engine"`
	Clients int     `json:"clients"`
	Queries int     `json:"queries"`
	Errors  int     `json:"errors"`
	Seconds float64 `json:"seconds"`
	QPS     float64 `json:"qps"`
	P50MS   float64 `json:"p50_ms"`
	P99MS   float64 `json:"p99_ms"`
	MaxMS   float64 `json:"max_ms"`
	// CutOff counts the queries still running when the run was cut off, LoadGrace after its end; each counts in
	// the latencies with the time it had run, so that with cut-offs the percentiles are lower bounds.
	CutOff int `json:"cut_off,omitempty"`
	// FirstError is the first failure's message, when queries failed.
	FirstError string `json:"first_error,omitempty"`
}

// LoadGrace is how long a load run waits, after its time is up, for the queries still running before it
// cancels them: a query that slow has said what there is to say.
func LoadGrace(loadTime time.Duration) time.Duration { return max(10*time.Second, 2*loadTime) }

// Fill computes the figures of a load run from its latencies and wall time.
func (l *Load) Fill(latenciesMS []float64, wall time.Duration) {
	l.Queries = len(latenciesMS)
	l.Seconds = wall.Seconds()
	if l.Seconds > 0 {
		l.QPS = float64(l.Queries) / l.Seconds
	}
	if len(latenciesMS) == 0 {
		return
	}
	s := slices.Clone(latenciesMS)
	slices.Sort(s)
	l.P50MS = percentileSorted(s, 50)
	l.P99MS = percentileSorted(s, 99)
	l.MaxMS = s[len(s)-1]
}
