package vexec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// TestVariance computes the four variance aggregates of doubles away from zero with a small spread (where a sum
// of squares minus a squared sum loses digits), with NULLs and groups of zero, one and many values, by every plan shape: one hash
// aggregate, Partial hash aggregates per chunk merged by a Final one (Chan's merge of states), and an Inplace
// aggregate over sorted input (runs); each at every batch size, against a two-pass reference.
func TestVariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	var rows []row
	for g := range int64(12) {
		n := []int{0, 1, 2, 3, 50, 400}[g%6]
		for range n {
			var v any
			if rng.IntN(8) > 0 {
				v = 1e4 + float64(g) + rng.NormFloat64()
			}
			rows = append(rows, row{g, v})
		}
		if n == 0 {
			rows = append(rows, row{g, nil})
		}
	}
	cols := []storage.Column{{Name: "g", Type: sqltype.BigInt}, {Name: "v", Type: sqltype.Double}}
	tt := newTestTable(t, cols, rows, 97)
	fns := []string{"var_pop", "var_samp", "stddev_pop", "stddev_samp"}
	var aggs []*planner.AggCall
	for _, fn := range fns {
		aggs = append(aggs, &planner.AggCall{Func: fn, Arg: colRef(1, sqltype.Double), T: sqltype.Double})
	}
	want := map[int64][]any{}
	groups := map[int64][]float64{}
	for _, r := range rows {
		g := r[0].(int64)
		if _, ok := groups[g]; !ok {
			groups[g] = nil
		}
		if r[1] != nil {
			groups[g] = append(groups[g], r[1].(float64))
		}
	}
	for g, vals := range groups {
		mean := 0.0
		for _, v := range vals {
			mean += v
		}
		mean /= float64(len(vals))
		m2 := 0.0
		for _, v := range vals {
			m2 += (v - mean) * (v - mean)
		}
		n := float64(len(vals))
		pop, samp := any(nil), any(nil)
		if len(vals) > 0 {
			pop = m2 / n
		}
		if len(vals) > 1 {
			samp = m2 / (n - 1)
		}
		sqrt := func(v any) any {
			if v == nil {
				return nil
			}
			return math.Sqrt(v.(float64))
		}
		want[g] = []any{pop, samp, sqrt(pop), sqrt(samp)}
	}
	key := []planner.Expr{colRef(0, sqltype.BigInt)}
	full := func(in planner.Node, s planner.AggregateStrategy) *planner.Aggregate {
		return &planner.Aggregate{Input: in, Strategy: s, GroupBy: key, Names: []string{"g"}, Aggs: aggs}
	}
	plans := map[string]func() planner.Node{
		"hash": func() planner.Node { return full(tt.scan(), planner.Hash) },
		"partial and final": func() planner.Node {
			p, f := planner.SplitAggregate(full(tt.scan(), planner.Hash))
			f.Input = &planner.Merge{Input: p, Parallel: 2}
			return f
		},
		"inplace": func() planner.Node { return full(tt.scan(), planner.Inplace) }, // chunks are read in turn, in g order
	}
	for name, plan := range plans {
		t.Run(name, func(t *testing.T) {
			runAll(t, plan(), tt.store, func(t *testing.T, res runResult) {
				require.Len(t, res.rows, len(want))
				for _, r := range res.rows {
					w := want[r[0].(int64)]
					for i, fn := range fns {
						if w[i] == nil {
							require.Nil(t, r[1+i], "%s of group %v", fn, r[0])
							continue
						}
						require.NotNil(t, r[1+i], "%s of group %v", fn, r[0])
						got, exp := r[1+i].(float64), w[i].(float64)
						require.InDelta(t, exp, got, 1e-9*math.Max(1, exp), "%s of group %v", fn, r[0])
					}
				}
			})
		})
	}
}
