package vexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// countdownCtx is a context whose Err starts failing after a number of calls: it cancels a query at a chosen
// point inside the operators, deterministically.
type countdownCtx struct {
	context.Context
	left atomic.Int64
	err  error
}

func newCountdownCtx(calls int64, err error) *countdownCtx {
	c := &countdownCtx{Context: context.Background(), err: err}
	c.left.Store(calls)
	return c
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		return c.err
	}
	return nil
}

// cancelPlans are plans of every operator over the standard table; blocking operators (Sort, Aggregate) read
// their whole input inside one Next, so a cancellation there has to come from their child's Next.
func cancelPlans(tt *testTable) map[string]func() planner.Node {
	return map[string]func() planner.Node{
		"scan": func() planner.Node { return tt.scan() },
		"filter": func() planner.Node {
			return &planner.Filter{Input: tt.scan(), Predicate: boolCall(">", factRef(cI), lit(sqltype.BigInt, int64(0)))}
		},
		"projection": func() planner.Node {
			return &planner.Projection{Input: tt.scan(), Exprs: []planner.Expr{factRef(cS)}, Names: []string{"s"}}
		},
		"sort": func() planner.Node {
			return &planner.Sort{Input: tt.scan(), Keys: []planner.SortKey{mysqlKey(cF, false)}}
		},
		"aggregate": func() planner.Node {
			return &planner.Aggregate{Input: tt.scan(), GroupBy: []planner.Expr{factRef(cK)}, Names: []string{"k"},
				Aggs: []*planner.AggCall{aggCall("count", nil), aggCall("sum", factRef(cF))}}
		},
		"limit over offset": func() planner.Node {
			return &planner.GlobalLimit{Input: &planner.SkipRows{Input: tt.scan(), N: 5}, N: 400}
		},
		// The chunks are not sorted on k: the merge still interleaves them, which is all cancelling needs.
		"merge sort": func() planner.Node {
			return &planner.MergeSort{Input: tt.scan(), Keys: []planner.SortKey{mysqlKey(cK, false)}, Parallel: 2}
		},
		// Its inputs run under a context of their own: enough groups (all of them wanted) that it checks often.
		"aggregate top-k": func() planner.Node {
			return topKPlan(tt, topKSpec{groupBy: []int{cI}, aggs: []*planner.AggCall{aggCall("sum", factRef(cF)), aggCall("count", nil)},
				desc: true, limit: 1000})
		},
		"tail limit over merge sort": func() planner.Node {
			return &planner.TailLimit{Input: &planner.MergeSort{Input: tt.scan(), Keys: []planner.SortKey{mysqlKey(cK, false)}, Parallel: 2}, N: 50}
		},
	}
}

func TestCancellation(t *testing.T) {
	tt := newFactTable(t, 9)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	ctxs := []struct {
		name string
		ctx  func() context.Context
		code sqlerror.ErrorCode
	}{
		{"cancelled before the start", func() context.Context { return cancelled }, sqlerr.QueryInterrupted},
		{"deadline passed before the start", func() context.Context { return expired }, sqlerr.QueryTimeout},
		// 30 checks: a few batches in at batch size 7, deep inside the blocking operators' input at size 1.
		{"cancelled while running", func() context.Context { return newCountdownCtx(30, context.Canceled) }, sqlerr.QueryInterrupted},
		{"deadline while running", func() context.Context { return newCountdownCtx(30, context.DeadlineExceeded) }, sqlerr.QueryTimeout},
	}
	for name, mk := range cancelPlans(tt) {
		for _, c := range ctxs {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				plan := mk()
				planner.Number(plan)
				for _, bs := range []int{1, 7} {
					mem := newCheckedMem()
					_, err := runPlan(t, c.ctx(), plan, Config{Mem: mem, BatchSize: bs, Data: tt.store})
					requireErrNum(t, err, c.code)
					assertNoLeaks(t, mem)
				}
			})
		}
	}
}

// TestCancelBetweenBatches drives the operators by hand: a batch, then the context is cancelled, then Next
// fails with 1317 and Close leaves nothing allocated.
func TestCancelBetweenBatches(t *testing.T) {
	tt := newFactTable(t, 10)
	for name, mk := range cancelPlans(tt) {
		t.Run(name, func(t *testing.T) {
			plan := mk()
			planner.Number(plan)
			mem := newCheckedMem()
			op, _, err := Build(plan, Config{Mem: mem, BatchSize: 1, Data: tt.store})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			if err := op.Open(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := op.Next(ctx); err != nil {
				t.Fatalf("first Next: %v", err)
			}
			cancel()
			_, err = op.Next(ctx)
			requireErrNum(t, err, sqlerr.QueryInterrupted)
			if err := op.Close(); err != nil {
				t.Fatal(err)
			}
			assertNoLeaks(t, mem)
		})
	}
}

// TestPanicBecomesError: a panic inside an operator (here a column reference past the end of the batch) comes
// out of Next as MySQL error 1105 naming the node, and nothing leaks.
func TestPanicBecomesError(t *testing.T) {
	tt := newFactTable(t, 11)
	bad := &planner.ColumnRef{Index: 99, Name: "nowhere", T: sqltype.Boolean}
	plans := map[string]planner.Node{
		"Filter":     &planner.Filter{Input: tt.scan(), Predicate: bad},
		"Projection": &planner.Projection{Input: tt.scan(), Exprs: []planner.Expr{bad}, Names: []string{"x"}},
		"FullHashAggregate": &planner.Aggregate{Input: tt.scan(), GroupBy: []planner.Expr{bad}, Names: []string{"x"},
			Aggs: []*planner.AggCall{aggCall("count", nil)}},
	}
	for name, plan := range plans {
		t.Run(name, func(t *testing.T) {
			planner.Number(plan)
			for _, bs := range batchSizes {
				mem := newCheckedMem()
				_, err := runPlan(t, context.Background(), plan, Config{Mem: mem, BatchSize: bs, Data: tt.store})
				requireErrNum(t, err, sqlerr.Unknown)
				if !strings.Contains(err.Error(), "internal error in "+name) {
					t.Errorf("error does not name the node: %.200s", err)
				}
				assertNoLeaks(t, mem)
			}
		})
	}
}

// unknownNode is a plan node the executor has no operator for.
type unknownNode struct{ planner.Empty }

func (*unknownNode) Explain() string { return "Mystery" }

func TestBuildErrors(t *testing.T) {
	mem := newCheckedMem()
	cases := []struct {
		name string
		plan planner.Node
		cfg  Config
		code sqlerror.ErrorCode // 0: any error that is not a MySQL error is fine
	}{
		{"no allocator", &planner.Empty{Rows: 1}, Config{}, 0},
		{"no operator for the node", &unknownNode{}, Config{Mem: mem}, sqlerr.NotSupportedYet},
		{"unknown function", &planner.Projection{Input: &planner.Empty{Rows: 1},
			Exprs: []planner.Expr{call("frobnicate", sqltype.BigInt)}, Names: []string{"x"}}, Config{Mem: mem}, sqlerr.NoSuchFunction},
		{"bad ESCAPE", &planner.Filter{Input: &planner.Empty{Rows: 1},
			Predicate: likeCall(false, lit(sqltype.Text, "a"), lit(sqltype.Text, "a"), lit(sqltype.Text, "xy"))}, Config{Mem: mem}, sqlerr.WrongArguments},
		{"unsupported child under a good parent", &planner.GlobalLimit{Input: &unknownNode{}, N: 1}, Config{Mem: mem}, sqlerr.NotSupportedYet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			planner.Number(tc.plan)
			op, stats, err := Build(tc.plan, tc.cfg)
			if err == nil {
				op.Close()
				t.Fatalf("Build succeeded")
			}
			if op != nil || stats != nil {
				t.Errorf("Build failed but returned an operator or stats")
			}
			if tc.code != 0 {
				requireErrNum(t, err, tc.code)
			}
		})
	}
	assertNoLeaks(t, mem)
}

// TestOperatorContract checks what Operator promises its consumers: io.EOF ends the stream and keeps ending
// it, and a batch a consumer Retains survives the next Next and Close.
func TestOperatorContract(t *testing.T) {
	tt := newFactTable(t, 12)
	for name, mk := range cancelPlans(tt) {
		t.Run(name, func(t *testing.T) {
			plan := mk()
			planner.Number(plan)
			mem := newCheckedMem()
			op, _, err := Build(plan, Config{Mem: mem, BatchSize: 7, Data: tt.store})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := op.Open(ctx); err != nil {
				t.Fatal(err)
			}
			first, err := op.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			first.Retain()
			before := fmt.Sprint(formatRows(first.Schema(), batchRows(first)))
			for {
				_, err := op.Next(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			for range 2 {
				if _, err := op.Next(ctx); err != io.EOF {
					t.Fatalf("Next after the end = %v, want io.EOF", err)
				}
			}
			if err := op.Close(); err != nil {
				t.Fatal(err)
			}
			if after := fmt.Sprint(formatRows(first.Schema(), batchRows(first))); after != before {
				t.Errorf("a retained batch changed after Close:\n before %s\n after  %s", before, after)
			}
			first.Release()
			assertNoLeaks(t, mem)
		})
	}
}
