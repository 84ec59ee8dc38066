package plugins

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// measureCase is a measure with a reference implementation over one group's non-NULL values.
type measureCase struct {
	plugin, measure string
	text            bool                             // the argument is text (the doubles' decimal form)
	want            func(vals []float64) (any, bool) // the group's result, or false for NULL
	tolerance       float64                          // relative
	slack           float64                          // absolute
}

var measureCases = []measureCase{
	{"median", "median", false, func(v []float64) (any, bool) {
		if len(v) == 0 {
			return nil, false
		}
		s := slices.Sorted(slices.Values(v))
		if len(s)%2 == 1 {
			return s[len(s)/2], true
		}
		return s[len(s)/2-1]/2 + s[len(s)/2]/2, true
	}, 0, 0},
	{"sumsq", "sumsq", false, func(v []float64) (any, bool) {
		s := 0.0
		for _, x := range v {
			s += x * x
		}
		return s, len(v) > 0
	}, 1e-9, 0},
	{"csum", "fast_sum", false, func(v []float64) (any, bool) {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s, len(v) > 0
	}, 1e-9, 0},
	{"approxdistinct", "approx_distinct", true, func(v []float64) (any, bool) {
		return int64(len(slices.Compact(slices.Sorted(slices.Values(v))))), true
	}, 0.03, 2}, // two values sharing a register count once
}

// batch is rows of a test: a value (NULL when null), and a group.
type batch struct {
	vals   []float64
	nulls  []int
	groups []uint32
}

func (b batch) array(text bool) arrow.Array {
	if !text {
		return float64s(b.vals, b.nulls...)
	}
	s := make([]string, len(b.vals))
	for i, v := range b.vals {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings_(s, b.nulls...)
}

// randomBatches makes rows over groups groups; sorted makes each batch's groups ascending (streaming
// aggregation over sorted input), otherwise they interleave (hash aggregation).
func randomBatches(rng *rand.Rand, batches, rows, groups int, sorted bool) []batch {
	var out []batch
	for range batches {
		var b batch
		for i := range rows {
			b.vals = append(b.vals, math.Round(rng.NormFloat64()*1000)/8)
			if rng.IntN(10) == 0 {
				b.nulls = append(b.nulls, i)
			}
			b.groups = append(b.groups, uint32(rng.IntN(groups)))
		}
		if sorted {
			slices.Sort(b.groups)
		}
		out = append(out, b)
	}
	return out
}

// expected returns each group's result from the reference.
func (c measureCase) expected(batches []batch, groups int) []string {
	vals := make([][]float64, groups)
	for _, b := range batches {
		for i, v := range b.vals {
			if !contains(b.nulls, i) {
				vals[b.groups[i]] = append(vals[b.groups[i]], v)
			}
		}
	}
	out := make([]string, groups)
	for g := range out {
		v, ok := c.want(vals[g])
		out[g] = "NULL"
		if ok {
			out[g] = strconv.FormatFloat(toFloat(v), 'g', -1, 64)
		}
	}
	return out
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	panic(v)
}

// results reads a Finalize result as strings like expected's.
func results(a arrow.Array) []string {
	out := make([]string, a.Len())
	for i := range out {
		switch {
		case a.IsNull(i):
			out[i] = "NULL"
		case a.DataType().ID() == arrow.FLOAT64:
			out[i] = strconv.FormatFloat(a.(*array.Float64).Value(i), 'g', -1, 64)
		default:
			out[i] = strconv.FormatInt(a.(*array.Int64).Value(i), 10)
		}
	}
	return out
}

func (c measureCase) check(t *testing.T, what string, got arrow.Array, want []string) {
	t.Helper()
	res := results(got)
	if len(res) != len(want) {
		t.Fatalf("%s: %d results, want %d", what, len(res), len(want))
	}
	for g := range want {
		if res[g] == want[g] {
			continue
		}
		a, errA := strconv.ParseFloat(res[g], 64)
		b, errB := strconv.ParseFloat(want[g], 64)
		if errA != nil || errB != nil || math.Abs(a-b) > c.tolerance*math.Abs(b)+c.slack {
			t.Errorf("%s: group %d is %s, want %s", what, g, res[g], want[g])
		}
	}
}

// TestMeasures runs every example measure over hash-aggregation batches (groups interleaved), sorted
// batches (runs of one group) and a global aggregate, directly and split into Partial aggregates whose
// states a Final aggregate merges, and compares with a reference computed in Go.
func TestMeasures(t *testing.T) {
	h := newHost(t, Config{})
	ctx := context.Background()
	for _, c := range measureCases {
		t.Run(c.measure, func(t *testing.T) {
			m, err := load(t, h, c.plugin).Measure(c.measure)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(7, uint64(len(c.measure))))
			for _, shape := range []struct {
				name          string
				groups, rows  int
				sorted, whole bool
			}{
				{"hash", 300, 2000, false, false},
				{"sorted", 40, 3000, true, false},
				{"global", 1, 5000, false, true},
				{"tiny batches", 7, 3, false, false},
			} {
				batches := randomBatches(rng, 5, shape.rows, shape.groups, shape.sorted)
				groups := 0
				for _, b := range batches {
					groups = max(groups, int(slices.Max(b.groups))+1)
				}
				want := c.expected(batches, groups)

				// One accumulator over everything.
				acc, err := m.NewAccumulator(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range batches {
					if shape.whole {
						err = acc.UpdateGroup(ctx, 0, b.array(c.text))
					} else {
						err = acc.Update(ctx, b.groups, b.array(c.text))
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				if acc.Groups() != groups {
					t.Errorf("%s: Groups() = %d, want %d", shape.name, acc.Groups(), groups)
				}
				got, err := acc.Finalize(ctx, 0, groups)
				if err != nil {
					t.Fatal(err)
				}
				c.check(t, shape.name, got, want)
				acc.Release()

				// Partial aggregates, one per batch, with their own group numbering (reversed), merged by a
				// Final aggregate.
				final, err := m.NewAccumulator(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range batches {
					partial, err := m.NewAccumulator(ctx)
					if err != nil {
						t.Fatal(err)
					}
					local := make([]uint32, len(b.groups))
					for i, g := range b.groups {
						local[i] = uint32(groups-1) - g
					}
					if err := partial.Update(ctx, local, b.array(c.text)); err != nil {
						t.Fatal(err)
					}
					// All groups: those the batch did not have are in the initial state, which merges as nothing.
					states, err := partial.States(ctx, 0, groups)
					if err != nil {
						t.Fatal(err)
					}
					partial.Release()
					if states.Len() != groups || states.DataType().ID() != arrow.BINARY {
						t.Fatalf("%s: States gives %d rows of %s, want %d binary rows", shape.name, states.Len(), states.DataType(), groups)
					}
					into := make([]uint32, states.Len())
					for i := range into {
						into[i] = uint32(groups-1) - uint32(i)
					}
					if err := final.Merge(ctx, into, states); err != nil {
						t.Fatal(err)
					}
				}
				got, err = final.Finalize(ctx, 0, groups)
				if err != nil {
					t.Fatal(err)
				}
				c.check(t, shape.name+" partial/final", got, want)
				// A range of groups, as a streaming aggregate finalises the groups it has closed.
				if groups > 3 {
					part, err := final.Finalize(ctx, 1, 2)
					if err != nil {
						t.Fatal(err)
					}
					c.check(t, shape.name+" groups 1..2", part, want[1:3])
				}
				final.Release()
			}
		})
	}
}

// TestAccumulatorLifecycle: groups never updated are in the initial state, Reset empties the table, a
// released accumulator refuses calls, and its instance goes back to the pool for the next one.
func TestAccumulatorLifecycle(t *testing.T) {
	h := newHost(t, Config{})
	ctx := context.Background()
	p := load(t, h, "sumsq")
	m, _ := p.Measure("sumsq")
	acc, err := m.NewAccumulator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.Update(ctx, []uint32{2, 0, 2}, float64s([]float64{1, 2, 3})); err != nil {
		t.Fatal(err)
	}
	got, err := acc.Finalize(ctx, 0, 4)
	if err != nil || render(got) != "[4 (null) 10 (null)]" {
		t.Fatalf("Finalize = %v, %v", got, err)
	}
	if err := acc.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if acc.Groups() != 0 {
		t.Errorf("Groups() after Reset = %d", acc.Groups())
	}
	if err := acc.UpdateGroup(ctx, 1, float64s([]float64{5, 0}, 1)); err != nil {
		t.Fatal(err)
	}
	if got, err := acc.Finalize(ctx, 0, acc.Groups()); err != nil || render(got) != "[(null) 25]" {
		t.Errorf("Finalize after Reset = %v, %v", got, err)
	}
	// Arguments that do not fit are the caller's mistakes.
	for _, bad := range []func() error{
		func() error { return acc.Update(ctx, []uint32{0}, float64s([]float64{1, 2})) },
		func() error { return acc.Update(ctx, nil, float64s([]float64{1, 2})) },
		func() error { return acc.Merge(ctx, []uint32{0, 1}, strings_(nil)) },
		func() error { return acc.Update(ctx, []uint32{0}) },
		func() error { return acc.Update(ctx, []uint32{0}, strings_([]string{"x"})) },
		func() error { return acc.Merge(ctx, []uint32{0}, float64s([]float64{1})) },
	} {
		var e *Error
		if err := bad(); !errors.As(err, &e) || e.Trap {
			t.Errorf("a bad call gives %v; want an *Error that keeps the instance", err)
		}
	}
	// A state the measure cannot read names its row.
	b := array.NewBinaryBuilder(memory.DefaultAllocator, arrow.BinaryTypes.Binary)
	b.AppendValues([][]byte{make([]byte, 16), []byte("short")}, nil)
	err = acc.Merge(ctx, []uint32{0, 1}, b.NewArray())
	var e *Error
	if !errors.As(err, &e) || e.Row != 1 || e.Trap || !strings.Contains(err.Error(), "a sumsq state is 16 bytes, got 5") {
		t.Errorf("merging a bad state: %v", err)
	}
	acc.Release()
	acc.Release() // twice is harmless
	if err := acc.UpdateGroup(ctx, 0, float64s([]float64{1})); err == nil || !strings.Contains(err.Error(), "released") {
		t.Errorf("Update after Release: %v", err)
	}
	if len(p.idle) != 1 {
		t.Errorf("after Release the pool holds %d instances, want 1", len(p.idle))
	}
	// The next accumulator reuses the instance and starts empty.
	acc2, err := m.NewAccumulator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer acc2.Release()
	if got, err := acc2.Finalize(ctx, 0, 2); err != nil || render(got) != "[(null) (null)]" {
		t.Errorf("a new accumulator's groups: %v, %v", got, err)
	}
}
