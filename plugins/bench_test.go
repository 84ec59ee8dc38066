package plugins

import (
	"context"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The benchmarks report plugin costs as ratios against a native Go peer timed in the same iterations
// (x-native), so that they read the same on any machine:
//
//	go test ./plugins/ -run '^$' -bench . -benchtime 5x

const (
	benchRows  = 10_000_000
	benchBatch = 8192 // vexec.DefaultBatchSize: what operators hand an accumulator
)

// benchBatches returns 10 million random doubles as the engine's batches: all distinct (80 MB, so they come
// from memory, not the caches), or, when hot, 4 batches repeated (256 KB, in the CPU's caches, as a batch
// is when a scan has just decoded it).
func benchBatches(b *testing.B, hot bool) []arrow.Array {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var batches []arrow.Array
	for lo := 0; lo < benchRows; lo += benchBatch {
		if hot && len(batches) >= 4 {
			batches = append(batches, batches[len(batches)%4])
			continue
		}
		vals := make([]float64, min(benchBatch, benchRows-lo))
		for i := range vals {
			vals[i] = rng.Float64()*200 - 100
		}
		bld := array.NewFloat64Builder(memory.DefaultAllocator)
		bld.AppendValues(vals, nil)
		batches = append(batches, bld.NewArray())
	}
	return batches
}

// BenchmarkMeasureVsNative aggregates 10 million doubles in batches (one group, as a global aggregate does)
// with a plugin measure and with the same loop in native Go, under a context with a deadline as a query has;
// the batches come from memory (cold) or from the CPU's caches (hot).
// Each iteration runs the plugin three ways: as vcube runs it (loops instrumented for interruption,
// interrupt.go), without the loop checks (not safe: the floor the checks add to), and with wazero's own
// interruption (WithCloseOnContextDone); x-native is each one's time over the native loop's in the same
// iterations.
func BenchmarkMeasureVsNative(b *testing.B) {
	cold, hot := benchBatches(b, false), benchBatches(b, true)
	native := map[string]func([]float64, float64) float64{
		"sumsq": func(vals []float64, s float64) float64 {
			for _, v := range vals {
				s += v * v
			}
			return s
		},
		"fast_sum": func(vals []float64, s float64) float64 {
			for _, v := range vals {
				s += v
			}
			return s
		},
	}
	variants := []struct {
		name string
		cfg  Config
	}{
		{"vcube", Config{}},
		{"unchecked", Config{uninstrumented: true}},
		{"wazero", Config{wazeroInterrupt: true}},
	}
	for _, c := range []struct{ plugin, measure, data string }{
		{"sumsq", "sumsq", "cold"}, {"sumsq", "sumsq", "hot"}, {"csum", "fast_sum", "cold"}, {"csum", "fast_sum", "hot"},
	} {
		batches := cold
		if c.data == "hot" {
			batches = hot
		}
		b.Run(c.measure+"/"+c.data, func(b *testing.B) {
			measures := make([]*Measure, len(variants))
			for i, v := range variants {
				m, err := load(b, newHost(b, v.cfg), c.plugin).Measure(c.measure)
				if err != nil {
					b.Fatal(err)
				}
				measures[i] = m
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			spent := make([]time.Duration, len(variants))
			var tNative time.Duration
			for b.Loop() {
				start := time.Now()
				s := 0.0
				for _, batch := range batches {
					s = native[c.measure](batch.(*array.Float64).Float64Values(), s)
				}
				tNative += time.Since(start)
				for i, m := range measures {
					start := time.Now()
					got := aggregate(b, ctx, m, batches)
					spent[i] += time.Since(start)
					if got != s && c.measure == "fast_sum" {
						b.Fatalf("%s: plugin sum %v, native %v", variants[i].name, got, s)
					}
				}
			}
			b.ReportMetric(float64(tNative.Nanoseconds())/float64(b.N)/benchRows, "native-ns/row")
			for i, v := range variants {
				b.ReportMetric(float64(spent[i].Nanoseconds())/float64(b.N)/benchRows, v.name+"-ns/row")
				b.ReportMetric(float64(spent[i])/float64(tNative), v.name+"-x-native")
			}
		})
	}
}

// aggregate runs a measure over batches in one group, as an operator does, and returns the result.
func aggregate(b *testing.B, ctx context.Context, m *Measure, batches []arrow.Array) float64 {
	acc, err := m.NewAccumulator(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer acc.Release()
	for _, batch := range batches {
		if err := acc.UpdateGroup(ctx, 0, batch); err != nil {
			b.Fatal(err)
		}
	}
	res, err := acc.Finalize(ctx, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	return res.(*array.Float64).Value(0)
}

// BenchmarkQueryOverhead is what a query pays to use a plugin beyond the work on its rows: take a pooled
// instance, create a table of states, update one row, finalise one group, give the instance back (a
// measure); or one call of a cast on one row.
func BenchmarkQueryOverhead(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	h := newHost(b, Config{})
	row := float64s([]float64{1.5})
	for _, plugin := range []string{"sumsq", "csum"} {
		p := load(b, h, plugin)
		m, err := p.Measure(p.Functions()[0].Name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("measure/"+plugin, func(b *testing.B) {
			for b.Loop() {
				acc, err := m.NewAccumulator(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := acc.UpdateGroup(ctx, 0, row); err != nil {
					b.Fatal(err)
				}
				if _, err := acc.Finalize(ctx, 0, 1); err != nil {
					b.Fatal(err)
				}
				acc.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "us/query")
		})
	}
	cast, err := load(b, h, "fixed").Cast("fixed", 2)
	if err != nil {
		b.Fatal(err)
	}
	in := strings_([]string{"12.345"})
	b.Run("cast/fixed", func(b *testing.B) {
		for b.Loop() {
			if _, err := cast.Call(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "us/call")
	})
}

// BenchmarkLoad loads a plugin (instrument, compile, instantiate, read and check the metadata) into a new
// host: cold (an empty compilation cache directory) and from a compilation cache directory filled before.
// cpu-ms/load is the process's CPU time per load, which a busy machine disturbs less than the wall clock
// (a cold compile runs on several goroutines, so it can exceed ms/load).
func BenchmarkLoad(b *testing.B) {
	for _, plugin := range []string{"fixed", "csum"} {
		wasm := module(b, plugin)
		b.Run(plugin+"/cold", func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				h := newHost(b, Config{CacheDir: b.TempDir()})
				if _, err := h.Load(context.Background(), plugin, wasm); err != nil {
					b.Fatal(err)
				}
				h.Close(context.Background())
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/load")
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/load")
		})
		b.Run(plugin+"/cached", func(b *testing.B) {
			dir := b.TempDir()
			warm := newHost(b, Config{CacheDir: dir})
			if _, err := warm.Load(context.Background(), plugin, wasm); err != nil {
				b.Fatal(err)
			}
			warm.Close(context.Background())
			cpu := cpuTime()
			for b.Loop() {
				h := newHost(b, Config{CacheDir: dir})
				if _, err := h.Load(context.Background(), plugin, wasm); err != nil {
					b.Fatal(err)
				}
				h.Close(context.Background())
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/load")
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/load")
		})
	}
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
