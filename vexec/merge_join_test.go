package vexec

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// Columns of the merge join tables: every key kind, each with few values so that keys repeat on both sides, and
// the row's number.
const (
	mjK  = iota // BIGINT
	mjG         // TEXT, multi-byte and empty values
	mjF         // DOUBLE, with -0 and 0
	mjD         // DECIMAL(18,2)
	mjTS        // TIMESTAMP
	mjB         // BOOLEAN
	mjID        // BIGINT, the row's number, never NULL
)

var mjCols = []storage.Column{
	{Name: "k", Type: sqltype.BigInt},
	{Name: "g", Type: sqltype.Text},
	{Name: "f", Type: sqltype.Double},
	{Name: "d", Type: sqltype.Decimal(18, 2)},
	{Name: "ts", Type: sqltype.Timestamp},
	{Name: "b", Type: sqltype.Boolean},
	{Name: "id", Type: sqltype.BigInt},
}

// mjRows generates n rows whose keys fall in a window of values starting at from (so that the two sides of a
// join overlap in part), with about nullRate NULLs in every key column.
func mjRows(rng *rand.Rand, n, from int, nullRate float64, firstID int64) []row {
	floats := []float64{-1.5, math.Copysign(0, -1), 0, 2.25, 1e300, -7}
	rows := make([]row, n)
	for i := range rows {
		v := from + rng.IntN(6)
		r := row{
			int64(v - 2),
			groupNames[v%len(groupNames)],
			floats[v%len(floats)],
			decimal128.FromI64(int64(v*125 - 300)),
			int64(v)*86_400_000_000 + 1,
			v%2 == 0,
			firstID + int64(i),
		}
		for c := range mjID {
			if rng.Float64() < nullRate {
				r[c] = nil
			}
		}
		rows[i] = r
	}
	return rows
}

// mjReference joins left and right rows on the key columns by nested loops: NULL keys match nothing, a LEFT join
// keeps a left row without a match with NULLs.
func mjReference(left, right []row, rightWidth int, keys []int, typ planner.JoinType) []row {
	var out []row
	for _, l := range left {
		matched := false
		for _, r := range right {
			ok := true
			for _, k := range keys {
				if l[k] == nil || r[k] == nil || cmpValues(l[k], r[k]) != 0 {
					ok = false
					break
				}
			}
			if ok {
				matched = true
				out = append(out, append(slices.Clone(l), r...))
			}
		}
		if !matched && typ == planner.LeftJoin {
			out = append(out, append(slices.Clone(l), make(row, rightWidth)...))
		}
	}
	return out
}

// TestMergeJoin joins two sides of sorted chunks (merged by a MergeSort, or one chunk read as it is) on keys of
// every kind and on several columns, with NULLs and repeated keys on both sides, inner and left, at every batch
// size: against a nested-loop reference, against the HashJoin of the same inputs, and checking that the output
// keeps the left input's order.
func TestMergeJoin(t *testing.T) {
	cases := []struct {
		name string
		keys []int
	}{
		{"[k]", []int{mjK}},
		{"[g]", []int{mjG}},
		{"[f]", []int{mjF}},
		{"[d]", []int{mjD}},
		{"[ts]", []int{mjTS}},
		{"[b]", []int{mjB}},
		{"[k g]", []int{mjK, mjG}},
		{"[g b k]", []int{mjG, mjB, mjK}},
	}
	for ci, tc := range cases {
		rng := rand.New(rand.NewPCG(uint64(ci), 0x601))
		left := mjRows(rng, 110, 0, 0.15, 0)
		right := mjRows(rng, 120, 2, 0.15, 1000)
		sortKeys := make([]planner.SortKey, len(tc.keys))
		for i, k := range tc.keys {
			sortKeys[i] = planner.SortKey{Column: k, NullsFirst: true}
		}
		// Left: chunks of 60, 1 and 49 rows; right: one chunk of 120 rows.
		tt := sortedChunksTable(t, mjCols, slices.Concat(left, right), []int{60, 1, 49, 120}, sortKeys)
		side := func(chunks []planner.Chunk, merged bool) planner.Node {
			s := tt.scan()
			s.Chunks = chunks
			if !merged {
				return s
			}
			return &planner.MergeSort{Input: s, Keys: sortKeys, Parallel: 2}
		}
		for _, typ := range []planner.JoinType{planner.InnerJoin, planner.LeftJoin} {
			t.Run(fmt.Sprintf("%s %s", typ, tc.name), func(t *testing.T) {
				want := mjReference(left, right, len(mjCols), tc.keys, typ)
				if len(want) == 0 || typ == planner.InnerJoin && len(want) < len(left) {
					t.Fatalf("the reference join has %d rows: the test data needs matches and repeats", len(want))
				}
				hash := &planner.HashJoin{Left: side(tt.chunks[:3], true), Right: side(tt.chunks[3:], false), Type: typ,
					LeftKeys: tc.keys, RightKeys: tc.keys}
				var hashRows []row
				runAll(t, hash, tt.store, func(t *testing.T, res runResult) { hashRows = res.rows })
				merge := &planner.MergeJoin{Left: side(tt.chunks[:3], true), Right: side(tt.chunks[3:], false), Type: typ,
					LeftKeys: tc.keys, RightKeys: tc.keys}
				runAll(t, merge, tt.store, func(t *testing.T, res runResult) {
					got := sortedFormatted(res, res.rows)
					equalRows(t, res.schema, got, sortedFormatted(res, want))
					equalRows(t, res.schema, got, sortedFormatted(res, hashRows))
					less := lessRows(sortKeys)
					for i := 1; i < len(res.rows); i++ {
						if less(res.rows[i], res.rows[i-1]) {
							t.Fatalf("row %d comes before row %d in the left input's order", i, i-1)
						}
					}
				})
			})
		}
	}
}

// TestMergeJoinEmptyAndDisjoint: an empty side, sides without a common key, and a side of NULL keys only.
func TestMergeJoinEmptyAndDisjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 0x602))
	low := mjRows(rng, 40, 0, 0.1, 0)
	high := mjRows(rng, 30, 20, 0.1, 100)
	nulls := mjRows(rng, 20, 0, 1, 200)
	sortKeys := []planner.SortKey{{Column: mjK, NullsFirst: true}}
	tt := sortedChunksTable(t, mjCols, slices.Concat(low, high, nulls), []int{40, 30, 20}, sortKeys)
	side := func(c int) planner.Node {
		s := tt.scan()
		if c >= 0 {
			s.Chunks = tt.chunks[c : c+1]
		} else {
			s.Chunks = nil
		}
		return s
	}
	rowsOf := func(c int) []row {
		switch c {
		case 0:
			return low
		case 1:
			return high
		case 2:
			return nulls
		}
		return nil
	}
	for _, pair := range [][2]int{{0, 1}, {1, 0}, {0, -1}, {-1, 0}, {2, 0}, {0, 2}, {2, 2}} {
		for _, typ := range []planner.JoinType{planner.InnerJoin, planner.LeftJoin} {
			t.Run(fmt.Sprintf("%s %d-%d", typ, pair[0], pair[1]), func(t *testing.T) {
				plan := &planner.MergeJoin{Left: side(pair[0]), Right: side(pair[1]), Type: typ, LeftKeys: []int{mjK}, RightKeys: []int{mjK}}
				want := mjReference(rowsOf(pair[0]), rowsOf(pair[1]), len(mjCols), []int{mjK}, typ)
				runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
					equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, want))
				})
			})
		}
	}
}

// sliceSource passes on slices of one batch, of the given sizes in turn: the batch boundaries fall where a test
// wants them (inside long runs of one key), whatever the batch size of the operator above.
type sliceSource struct {
	b     arrow.RecordBatch
	sizes []int
	pos   int
	next  int
	out   output
}

func (s *sliceSource) Open(context.Context) error { s.pos, s.next = 0, 0; return nil }
func (s *sliceSource) Close() error               { s.out.release(); return nil }
func (s *sliceSource) Next(context.Context) (arrow.RecordBatch, error) {
	n := int(s.b.NumRows())
	if s.pos == n {
		return nil, io.EOF
	}
	end := min(s.pos+s.sizes[s.next%len(s.sizes)], n)
	s.next++
	b := s.b.NewSlice(int64(s.pos), int64(end))
	s.pos = end
	return s.out.set(b), nil
}

// keyBatch builds a batch (k BIGINT, id BIGINT) of the given keys in order (nil: NULL), ids from firstID on.
func keyBatch(t testing.TB, mem memory.Allocator, keys []any, firstID int64) arrow.RecordBatch {
	rows := make([]row, len(keys))
	for i, k := range keys {
		rows[i] = row{k, firstID + int64(i)}
	}
	return buildBatch(t, mem, []storage.Column{{Name: "k", Type: sqltype.BigInt}, {Name: "id", Type: sqltype.BigInt}}, rows)
}

// repeatKeys lists key k n times for each (k, n) pair; a nil k is NULL.
func repeatKeys(pairs ...any) []any {
	var out []any
	for i := 0; i < len(pairs); i += 2 {
		for range pairs[i+1].(int) {
			out = append(out, pairs[i])
		}
	}
	return out
}

func keyNode() *planner.Scan {
	return &planner.Scan{TableColumns: []planner.Field{{Name: "k", Type: sqltype.BigInt}, {Name: "id", Type: sqltype.BigInt}},
		Projection: []int{0, 1}}
}

// drainOp runs an operator to its end, checking each batch's size, and returns its rows.
func drainOp(t *testing.T, ctx context.Context, op Operator, batchSize int) ([]row, error) {
	t.Helper()
	defer op.Close()
	if err := op.Open(ctx); err != nil {
		return nil, err
	}
	var rows []row
	for {
		b, err := op.Next(ctx)
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		if b.NumRows() == 0 || b.NumRows() > int64(batchSize) {
			t.Fatalf("a batch of %d rows at batch size %d", b.NumRows(), batchSize)
		}
		rows = append(rows, batchRows(b)...)
	}
}

// TestMergeJoinLongRuns: runs of one key longer than several input batches and than an output batch, on either
// side and on both (a product of 300 by 250 rows), with the inputs' batches cut inside the runs.
func TestMergeJoinLongRuns(t *testing.T) {
	leftKeys := repeatKeys(nil, 4, int64(0), 3, int64(1), 3, int64(2), 2, int64(5), 300, int64(6), 1, int64(9), 20)
	rightKeys := repeatKeys(nil, 3, int64(1), 20000, int64(2), 1, int64(3), 10, int64(5), 250, int64(6), 9000, int64(8), 2)
	for _, typ := range []planner.JoinType{planner.InnerJoin, planner.LeftJoin} {
		for _, bs := range batchSizes {
			for _, cuts := range [][]int{{1, 7, 4096, 13, 8192, 3}, {20000}, {3}} {
				t.Run(fmt.Sprintf("%s batch=%d cuts=%v", typ, bs, cuts), func(t *testing.T) {
					mem := newCheckedMem()
					lb, rb := keyBatch(t, mem, leftKeys, 0), keyBatch(t, mem, rightKeys, 100000)
					node := &planner.MergeJoin{Left: keyNode(), Right: keyNode(), Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}}
					st := &NodeStats{}
					op, err := newMergeJoinOp(node, &sliceSource{b: lb, sizes: cuts}, &sliceSource{b: rb, sizes: reversed(cuts)}, Config{Mem: mem, BatchSize: bs}, st)
					if err != nil {
						t.Fatal(err)
					}
					got, err := drainOp(t, context.Background(), op, bs)
					if err != nil {
						t.Fatal(err)
					}
					lb.Release()
					rb.Release()
					assertNoLeaks(t, mem)
					// Compare (left id, right id) pairs.
					pairs := func(rows []row) []string {
						out := make([]string, len(rows))
						for i, r := range rows {
							out[i] = fmt.Sprint(r[1], r[3])
						}
						slices.Sort(out)
						return out
					}
					var l, r []row
					for i, k := range leftKeys {
						l = append(l, row{k, int64(i)})
					}
					for i, k := range rightKeys {
						r = append(r, row{k, int64(100000 + i)})
					}
					want := mjReference(l, r, 2, []int{0}, typ)
					if g, w := pairs(got), pairs(want); !slices.Equal(g, w) {
						t.Fatalf("%d pairs, want %d", len(g), len(w))
					}
					if st.RunRows != 20000 {
						t.Errorf("max_run=%d, want 20000", st.RunRows)
					}
				})
			}
		}
	}
}

func reversed(s []int) []int {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestMergeJoinMemoryLimit: a right run that outgrows the query's memory limit while it is read fails the query
// with error 1037, and everything is released.
func TestMergeJoinMemoryLimit(t *testing.T) {
	for _, bs := range batchSizes {
		t.Run(fmt.Sprintf("batch=%d", bs), func(t *testing.T) {
			data := newCheckedMem()
			lb := keyBatch(t, data, repeatKeys(int64(1), 2), 0)
			rb := keyBatch(t, data, repeatKeys(int64(1), 200000), 10)
			mem := newCheckedMem()
			limited := NewLimitAllocator(mem, 256<<10)
			node := &planner.MergeJoin{Left: keyNode(), Right: keyNode(), Type: planner.InnerJoin, LeftKeys: []int{0}, RightKeys: []int{0}}
			op, err := newMergeJoinOp(node, &sliceSource{b: lb, sizes: []int{1}}, &sliceSource{b: rb, sizes: []int{1000}}, Config{Mem: limited, BatchSize: bs}, &NodeStats{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = drainOp(t, context.Background(), op, bs)
			requireErrNum(t, err, sqlerr.OutOfMemory)
			assertNoLeaks(t, mem)
			lb.Release()
			rb.Release()
			assertNoLeaks(t, data)
		})
	}
}

// TestMergeJoinCancellation: a query cancelled while the join reads its inputs, or while it pairs a long run
// without reading, fails with 1317 (a deadline with 3024) and releases everything.
func TestMergeJoinCancellation(t *testing.T) {
	for _, c := range []struct {
		name  string
		calls int64
		err   error
		code  sqlerror.ErrorCode
	}{
		{"cancelled at the start", 0, context.Canceled, sqlerr.QueryInterrupted},
		{"cancelled while reading", 40, context.Canceled, sqlerr.QueryInterrupted},
		{"deadline while pairing", 400, context.DeadlineExceeded, sqlerr.QueryTimeout},
	} {
		t.Run(c.name, func(t *testing.T) {
			mem := newCheckedMem()
			lb := keyBatch(t, mem, repeatKeys(int64(1), 100, int64(2), 50), 0)
			rb := keyBatch(t, mem, repeatKeys(int64(0), 500, int64(1), 100), 1000)
			node := &planner.MergeJoin{Left: keyNode(), Right: keyNode(), Type: planner.LeftJoin, LeftKeys: []int{0}, RightKeys: []int{0}}
			op, err := newMergeJoinOp(node, &sliceSource{b: lb, sizes: []int{3}}, &sliceSource{b: rb, sizes: []int{2}}, Config{Mem: mem, BatchSize: 7}, &NodeStats{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = drainOp(t, newCountdownCtx(c.calls, c.err), op, 7)
			requireErrNum(t, err, c.code)
			lb.Release()
			rb.Release()
			assertNoLeaks(t, mem)
		})
	}
}

// TestMergeJoinExplainAnalyze: the node's line and its figures, the longest right run among them.
func TestMergeJoinExplainAnalyze(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 0x603))
	rows := mjRows(rng, 80, 0, 0, 0)
	sortKeys := []planner.SortKey{{Column: mjK, NullsFirst: true}}
	tt := sortedChunksTable(t, mjCols, rows, []int{40, 40}, sortKeys)
	left, right := tt.scan(), tt.scan()
	left.Chunks, right.Chunks = tt.chunks[:1], tt.chunks[1:]
	plan := &planner.MergeJoin{Left: left, Right: right, Type: planner.InnerJoin, LeftKeys: []int{mjK}, RightKeys: []int{mjK},
		On: []string{"a.k = b.k"}}
	longest := int64(0)
	for i := 0; i < 40; {
		j := i
		for j < 40 && cmpValues(tt.rows[40+j][mjK], tt.rows[40+i][mjK]) == 0 {
			j++
		}
		longest = max(longest, int64(j-i))
		i = j
	}
	runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
		line := planner.Explain(plan, res.stats.Annotate)
		want := fmt.Sprintf("MergeJoin, type: inner, on: [a.k = b.k] [rows=%d batches=", len(res.rows))
		if !strings.HasPrefix(line, want) || !strings.Contains(line, fmt.Sprintf(" max_run=%d]", longest)) {
			t.Errorf("EXPLAIN ANALYZE:\n%s\nwant a first line starting %q with max_run=%d", line, want, longest)
		}
		if got := res.stats.Figures(plan)["max_run_rows"]; got != longest {
			t.Errorf("figures max_run_rows = %v, want %d", got, longest)
		}
	})
}

// BenchmarkMergeJoin joins the same sorted inputs, held in memory, with MergeJoin and with HashJoin (building
// the right input): a fact side of about a million rows on 100,000 keys against a dimension of one row per key
// (many to one), and two sides of a million distinct keys each, half of them shared (one to one).
func BenchmarkMergeJoin(b *testing.B) {
	const rows = 1 << 20
	mem := memory.NewGoAllocator()
	batches := func(keys func(i int) int64, n int) []arrow.RecordBatch {
		var out []arrow.RecordBatch
		for start := 0; start < n; start += DefaultBatchSize {
			m := min(DefaultBatchSize, n-start)
			kb, vb := array.NewInt64Builder(mem), array.NewFloat64Builder(mem)
			for i := start; i < start+m; i++ {
				kb.Append(keys(i))
				vb.Append(float64(i))
			}
			k, v := kb.NewArray(), vb.NewArray()
			schema := arrow.NewSchema([]arrow.Field{
				{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
				{Name: "v", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			}, nil)
			out = append(out, array.NewRecordBatch(schema, []arrow.Array{k, v}, int64(m)))
			k.Release()
			v.Release()
			kb.Release()
			vb.Release()
		}
		return out
	}
	shapes := []struct {
		name        string
		left, right []arrow.RecordBatch
		out         int64
	}{
		{"many-to-one", batches(func(i int) int64 { return int64(i / 10) }, rows), batches(func(i int) int64 { return int64(i) }, rows/10+1), rows},
		{"one-to-one", batches(func(i int) int64 { return int64(2 * i) }, rows), batches(func(i int) int64 { return int64(i) }, rows), rows / 2},
	}
	for _, sh := range shapes {
		for _, kind := range []string{"merge", "hash"} {
			b.Run(sh.name+"/"+kind, func(b *testing.B) {
				cfg := Config{Mem: memory.NewGoAllocator(), BatchSize: DefaultBatchSize}
				scan := func() planner.Node { return benchScanNode() }
				b.ReportAllocs()
				for b.Loop() {
					left, right := &memSource{batches: sh.left}, &memSource{batches: sh.right}
					var op Operator
					var err error
					if kind == "merge" {
						op, err = newMergeJoinOp(&planner.MergeJoin{Left: scan(), Right: scan(), Type: planner.InnerJoin,
							LeftKeys: []int{0}, RightKeys: []int{0}}, left, right, cfg, &NodeStats{})
					} else {
						op, err = newHashJoinOp(&planner.HashJoin{Left: scan(), Right: scan(), Type: planner.InnerJoin,
							LeftKeys: []int{0}, RightKeys: []int{0}}, left, right, cfg)
					}
					if err != nil {
						b.Fatal(err)
					}
					if got := drain(b, op); got != sh.out {
						b.Fatalf("%d rows, want %d", got, sh.out)
					}
				}
				reportRows(b, rows)
			})
		}
	}
}
