package vexec

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// TestHashJoin joins two random tables with NULLs on one and on two keys, inner and left, with and without a
// residual condition, and as a cross join, against a nested-loop reference, at every batch size.
func TestHashJoin(t *testing.T) {
	// Both sides are chunks of one table (a plan reads one store): the first two of 40 rows, and the rest.
	rng := rand.New(rand.NewPCG(3, 4))
	tt := newTestTable(t, factCols, factRows(rng, 150, 0.2), 40)
	leftRows, rightRows := tt.rows[:80], tt.rows[80:]
	side := func(chunks []planner.Chunk) *planner.Scan { s := tt.scan(); s.Chunks = chunks; return s }
	leftScan := func() *planner.Scan { return side(tt.chunks[:2]) }
	rightScan := func() *planner.Scan { return side(tt.chunks[2:]) }
	width := len(factCols)
	// residual: left.i < right.i, over the output (left columns, then right columns).
	residual := boolCall("<", colRef(cI, sqltype.BigInt), colRef(width+cI, sqltype.BigInt))
	cases := []struct {
		name     string
		keys     []int
		typ      planner.JoinType
		residual planner.Expr
	}{
		{"inner on k", []int{cK}, planner.InnerJoin, nil},
		{"left on k", []int{cK}, planner.LeftJoin, nil},
		{"inner on g and b", []int{cG, cB}, planner.InnerJoin, nil},
		{"left on g and b", []int{cG, cB}, planner.LeftJoin, nil},
		{"inner on k with residual", []int{cK}, planner.InnerJoin, residual},
		{"left on k with residual", []int{cK}, planner.LeftJoin, residual},
		{"left on decimal d", []int{cD}, planner.LeftJoin, nil},
		{"right on k", []int{cK}, planner.RightJoin, nil},
		{"right on g and b with residual", []int{cG, cB}, planner.RightJoin, residual},
		{"inner on text g", []int{cG}, planner.InnerJoin, nil},
		{"cross with residual", nil, planner.InnerJoin, boolCall("=", colRef(cK, sqltype.BigInt), colRef(width+cK, sqltype.BigInt))},
	}
	for _, tc := range cases {
		for _, buildLeft := range []bool{false, true} {
			// An outer join streams the input whose unmatched rows it keeps.
			if tc.typ == planner.LeftJoin && buildLeft || tc.typ == planner.RightJoin && !buildLeft {
				continue
			}
			name := tc.name
			if buildLeft {
				name += ", left built"
			}
			t.Run(name, func(t *testing.T) {
				plan := &planner.HashJoin{Left: leftScan(), Right: rightScan(), Type: tc.typ, LeftKeys: tc.keys, RightKeys: tc.keys,
					Residual: tc.residual, BuildLeft: buildLeft}
				var want []row
				rightMatched := make([]bool, len(rightRows))
				for _, l := range leftRows {
					matched := false
					for ri, r := range rightRows {
						ok := true
						for _, k := range tc.keys {
							if l[k] == nil || r[k] == nil || cmpValues(l[k], r[k]) != 0 {
								ok = false
							}
						}
						if ok && tc.residual != nil {
							if tc.keys == nil { // the cross join's residual is the same k = k
								ok = l[cK] != nil && r[cK] != nil && l[cK].(int64) == r[cK].(int64)
							} else {
								ok = l[cI] != nil && r[cI] != nil && l[cI].(int64) < r[cI].(int64)
							}
						}
						if ok {
							matched, rightMatched[ri] = true, true
							want = append(want, append(slices.Clone(l), r...))
						}
					}
					if !matched && tc.typ == planner.LeftJoin {
						want = append(want, append(slices.Clone(l), make(row, width)...))
					}
				}
				for ri, r := range rightRows {
					if !rightMatched[ri] && tc.typ == planner.RightJoin {
						want = append(want, append(make(row, width), r...))
					}
				}
				if len(want) == 0 {
					t.Fatal("the reference join is empty: the test data needs matches")
				}
				runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
					equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, want))
				})
			})
		}
	}
	t.Run("union of both", func(t *testing.T) {
		plan := &planner.Union{Inputs: []planner.Node{leftScan(), rightScan()}}
		want := append(slices.Clone(leftRows), rightRows...)
		runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
			if len(res.rows) != len(want) {
				t.Fatalf("%d rows, want %d", len(res.rows), len(want))
			}
			equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, want))
		})
	})
}

// gatherRows slices a run of rows in order and copies anything else; both give the rows asked for.
func TestGatherRows(t *testing.T) {
	mem := newCheckedMem()
	ec := newEvalCtx(context.Background(), mem)
	b := array.NewInt64Builder(mem)
	for i := range 10 {
		b.Append(int64(i * 10))
	}
	col := b.NewArray()
	b.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{col}, 10)
	col.Release()
	defer batch.Release()
	for _, idx := range [][]int32{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 4, 5}, {3, 5, 6}, {2, 2}, {4, -1}, {9}} {
		got, err := gatherRows(ec, batch, idx)
		require.NoError(t, err)
		var want []string
		for _, i := range idx {
			if i < 0 {
				want = append(want, "(null)")
			} else {
				want = append(want, strconv.Itoa(int(i)*10))
			}
		}
		var vals []string
		c := got.Column(0).(*array.Int64)
		for i := 0; i < c.Len(); i++ {
			if c.IsNull(i) {
				vals = append(vals, "(null)")
			} else {
				vals = append(vals, strconv.FormatInt(c.Value(i), 10))
			}
		}
		assert.Equal(t, want, vals, "rows %v", idx)
		got.Release()
	}
}
