package vexec

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// A scan with key ranges returns exactly the rows of its files that the ranges accept (the Filter above it is
// left out here, so nothing else decides), over files sorted by (a, b) with NULLs, at every batch size: equality
// and IN on the first key column, an interval on the second after an equality, open and closed bounds.
func TestScanKeyRanges(t *testing.T) {
	cols := []storage.Column{{Name: "a", Type: sqltype.Text}, {Name: "b", Type: sqltype.BigInt}, {Name: "v", Type: sqltype.Double}}
	rng := rand.New(rand.NewPCG(11, 12))
	var rows []row
	for i := range 600 {
		r := row{nil, nil, float64(i)}
		if rng.IntN(10) > 0 {
			r[0] = []string{"ant", "bee", "cat", "dog"}[rng.IntN(4)]
		}
		if rng.IntN(10) > 0 {
			r[1] = int64(rng.IntN(50))
		}
		rows = append(rows, r)
	}
	// Each chunk sorted by (a, b), NULLs first, as an index stores it.
	const chunk = 250
	for s := 0; s < len(rows); s += chunk {
		part := rows[s:min(s+chunk, len(rows))]
		slices.SortStableFunc(part, func(x, y row) int {
			for c := range 2 {
				switch {
				case x[c] == nil && y[c] == nil:
				case x[c] == nil:
					return -1
				case y[c] == nil:
					return 1
				default:
					if r := sqltype.Compare(x[c], y[c]); r != 0 {
						return r
					}
				}
			}
			return 0
		})
	}
	tt := newTestTable(t, cols, rows, chunk)
	eq := func(c int, vs ...any) planner.ColumnRange {
		return planner.ColumnRange{Column: c, Range: sqltype.Range{Values: vs}}
	}
	between := func(c int, lo, hi any, loIncl, hiIncl bool) planner.ColumnRange {
		return planner.ColumnRange{Column: c, Range: sqltype.Range{Lo: lo, Hi: hi, LoIncl: loIncl, HiIncl: hiIncl}}
	}
	for name, ranges := range map[string][]planner.ColumnRange{
		"a = cat":                 {eq(0, "cat")},
		"a IN (ant, dog)":         {eq(0, "ant", "dog")},
		"a = bee, 10 <= b < 20":   {eq(0, "bee"), between(1, int64(10), int64(20), true, false)},
		"a = dog, b > 45":         {eq(0, "dog"), between(1, int64(45), nil, false, false)},
		"a = ant, b <= 3":         {eq(0, "ant"), between(1, nil, int64(3), false, true)},
		"a = cat, b = 7":          {eq(0, "cat"), eq(1, int64(7))},
		"a > cat":                 {between(0, "cat", nil, false, false)},
		"a = zebra (nothing)":     {eq(0, "zebra")},
		"a < ant (nothing, NULL)": {between(0, nil, "ant", false, false)},
	} {
		t.Run(name, func(t *testing.T) {
			var want []row
			for _, r := range tt.rows {
				if keyRangesAccept(ranges, r) {
					want = append(want, r)
				}
			}
			scan := tt.scan()
			scan.KeyRanges = ranges
			runAll(t, scan, tt.store, func(t *testing.T, res runResult) {
				assert.ElementsMatch(t, want, res.rows, "batch size %d", res.batchSize)
			})
		})
	}
}

// keyRangesAccept reports whether the ranges accept a row, value by value: the reference for the bisection.
func keyRangesAccept(ranges []planner.ColumnRange, r row) bool {
	for i, kr := range ranges {
		v := r[kr.Column]
		if v == nil {
			return false
		}
		rg := kr.Range
		if len(rg.Values) > 0 {
			if i == len(ranges)-1 && len(rg.Values) > 1 {
				// IN: the bisection keeps the run from the smallest to the largest value.
				lo, hi := slices.MinFunc(rg.Values, sqltype.Compare), slices.MaxFunc(rg.Values, sqltype.Compare)
				if sqltype.Compare(v, lo) < 0 || sqltype.Compare(v, hi) > 0 {
					return false
				}
				continue
			}
			if sqltype.Compare(v, rg.Values[0]) != 0 {
				return false
			}
			continue
		}
		if rg.Lo != nil {
			if c := sqltype.Compare(v, rg.Lo); c < 0 || c == 0 && !rg.LoIncl {
				return false
			}
		}
		if rg.Hi != nil {
			if c := sqltype.Compare(v, rg.Hi); c > 0 || c == 0 && !rg.HiIncl {
				return false
			}
		}
	}
	return true
}
