package vexec

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// aggCall types an aggregate as the binder does (sqlfront aggregateTypes): SUM of integers is BIGINT, SUM of
// DECIMAL(p,s) is DECIMAL(38,s), AVG of integers is DECIMAL(38,4), AVG of DECIMAL(p,s) is DECIMAL(38,s+4), AVG
// and SUM of DOUBLE are DOUBLE, MIN and MAX keep their argument's type. A nil arg is COUNT(*).
func aggCall(fn string, arg planner.Expr) *planner.AggCall {
	a := &planner.AggCall{Func: fn, Arg: arg, T: sqltype.BigInt}
	if arg == nil || fn == "count" {
		return a
	}
	t := arg.Type()
	switch fn {
	case "sum":
		switch t.Kind {
		case sqltype.KindDecimal:
			a.T = sqltype.Decimal(sqltype.MaxDecimalPrecision, t.Scale)
		case sqltype.KindFloat:
			a.T = sqltype.Double
		}
	case "avg":
		switch t.Kind {
		case sqltype.KindInt:
			a.T = sqltype.Decimal(sqltype.MaxDecimalPrecision, 4)
		case sqltype.KindDecimal:
			a.T = sqltype.Decimal(sqltype.MaxDecimalPrecision, min(t.Scale+4, sqltype.MaxDecimalScale))
		case sqltype.KindFloat:
			a.T = sqltype.Double
		}
	default:
		a.T = t
	}
	return a
}

// refAgg computes one aggregate over a group's argument values, in input order.
func refAgg(a *planner.AggCall, vals []any, rows int) any {
	if a.Arg == nil {
		return int64(rows)
	}
	var nonNull []any
	for _, v := range vals {
		if v != nil {
			nonNull = append(nonNull, v)
		}
	}
	if a.Func == "count" {
		return int64(len(nonNull))
	}
	if len(nonNull) == 0 {
		return nil
	}
	switch a.Func {
	case "min", "max":
		best := nonNull[0]
		for _, v := range nonNull[1:] {
			c := cmpValues(v, best)
			if f, ok := v.(float64); ok && c == 0 && f == 0 {
				// -0 and 0 tie: MIN shows -0 and MAX 0, whatever came first.
				c = cmp.Compare(b2i(!math.Signbit(f)), b2i(!math.Signbit(best.(float64))))
			}
			if a.Func == "min" && c < 0 || a.Func == "max" && c > 0 {
				best = v
			}
		}
		return best
	}
	// sum, avg
	switch first := nonNull[0].(type) {
	case float64:
		s := 0.0
		for _, v := range nonNull {
			s += v.(float64)
		}
		if a.Func == "avg" {
			return s / float64(len(nonNull))
		}
		return s
	case int64, decimal128.Num:
		s := new(big.Int)
		for _, v := range nonNull {
			if i, ok := v.(int64); ok {
				s.Add(s, big.NewInt(i))
			} else {
				s.Add(s, v.(decimal128.Num).BigInt())
			}
		}
		if a.Func == "sum" {
			if _, ok := first.(int64); ok {
				return s.Int64()
			}
			return decimal128.FromBigInt(s)
		}
		// avg: sum * 10^(result scale - argument scale) / count, rounded half away from zero.
		shift := a.T.Scale - a.Arg.Type().Scale
		s.Mul(s, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
		return decimal128.FromBigInt(refDivRound(s, big.NewInt(int64(len(nonNull)))))
	}
	panic("refAgg")
}

// refGroupBy groups rows by keys (functions of a row) and computes aggs, one output row per group: the keys,
// then the aggregates.
func refGroupBy(rows []row, keys []func(row) any, aggs []*planner.AggCall, argOf func(a *planner.AggCall, r row) any) []row {
	type group struct {
		key  row
		vals [][]any
		rows int
	}
	index := map[string]*group{}
	var order []*group
	for _, r := range rows {
		k := make(row, len(keys))
		id := ""
		for i, f := range keys {
			k[i] = f(r)
			if v, ok := k[i].(float64); ok && v == 0 {
				k[i] = 0.0 // a group's key shows -0 as 0
			}
			id += keyString(k[i]) + "\x00"
		}
		g, ok := index[id]
		if !ok {
			g = &group{key: k, vals: make([][]any, len(aggs))}
			index[id] = g
			order = append(order, g)
		}
		g.rows++
		for i, a := range aggs {
			if a.Arg != nil {
				g.vals[i] = append(g.vals[i], argOf(a, r))
			}
		}
	}
	if len(keys) == 0 && len(order) == 0 {
		order = append(order, &group{vals: make([][]any, len(aggs))})
	}
	out := make([]row, 0, len(order))
	for _, g := range order {
		o := slices.Clone(g.key)
		for i, a := range aggs {
			o = append(o, refAgg(a, g.vals[i], g.rows))
		}
		out = append(out, o)
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// factArg evaluates an aggregate's argument, a column of the standard table, over a row.
func factArg(a *planner.AggCall, r row) any { return r[a.Arg.(*planner.ColumnRef).Index] }

// everyAgg is every aggregate over every column kind of the standard table.
func everyAgg() []*planner.AggCall {
	aggs := []*planner.AggCall{aggCall("count", nil)}
	for _, c := range []int{cI, cF, cD, cW} {
		for _, fn := range []string{"count", "sum", "min", "max", "avg"} {
			aggs = append(aggs, aggCall(fn, factRef(c)))
		}
	}
	for _, c := range []int{cG, cS, cTS, cB, cK} {
		for _, fn := range []string{"count", "min", "max"} {
			aggs = append(aggs, aggCall(fn, factRef(c)))
		}
	}
	return aggs
}

// sortedFormatted renders rows and sorts them: groups come out in no promised order.
func sortedFormatted(res runResult, rows []row) []row {
	f := formatRows(res.schema, rows)
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case f[a] < f[b]:
			return -1
		case f[a] > f[b]:
			return 1
		}
		return 0
	})
	out := make([]row, len(rows))
	for i, j := range idx {
		out[i] = rows[j]
	}
	return out
}

func TestHashAggregate(t *testing.T) {
	tt := newFactTable(t, 7)
	col := func(c int) func(row) any { return func(r row) any { return r[c] } }
	kMod3 := call("%", sqltype.BigInt, factRef(cK), lit(sqltype.BigInt, int64(3)))
	cases := []struct {
		name    string
		groupBy []planner.Expr
		keys    []func(row) any
	}{
		{"no keys", nil, nil},
		{"BIGINT key", []planner.Expr{factRef(cK)}, []func(row) any{col(cK)}},
		{"TEXT and BOOLEAN keys", []planner.Expr{factRef(cG), factRef(cB)}, []func(row) any{col(cG), col(cB)}},
		{"DOUBLE key (-0 with 0)", []planner.Expr{factRef(cF)}, []func(row) any{col(cF)}},
		{"DECIMAL key", []planner.Expr{factRef(cD)}, []func(row) any{col(cD)}},
		{"TIMESTAMP key", []planner.Expr{factRef(cTS)}, []func(row) any{col(cTS)}},
		{"wide DECIMAL and TEXT keys", []planner.Expr{factRef(cW), factRef(cS)}, []func(row) any{col(cW), col(cS)}},
		{"expression key k % 3", []planner.Expr{kMod3}, []func(row) any{func(r row) any {
			if r[cK] == nil {
				return nil
			}
			return r[cK].(int64) % 3
		}}},
	}
	aggs := everyAgg()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			names := make([]string, len(tc.groupBy))
			for i, g := range tc.groupBy {
				names[i] = g.String()
			}
			plan := &planner.Aggregate{Input: tt.scan(), Mode: planner.Full, Strategy: planner.Hash,
				GroupBy: tc.groupBy, Names: names, Aggs: aggs}
			want := refGroupBy(tt.rows, tc.keys, aggs, factArg)
			runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
				if len(tc.groupBy) == 0 && len(res.rows) != 1 {
					t.Fatalf("an aggregate without keys returned %d rows, want 1", len(res.rows))
				}
				equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, want))
			})
		})
	}
	// HAVING: a filter over the aggregate, which hands it slices of its result when groups pass the batch size.
	t.Run("HAVING count(*) > 1", func(t *testing.T) {
		keyAggs := []*planner.AggCall{aggCall("count", nil), aggCall("sum", factRef(cI))}
		agg := &planner.Aggregate{Input: tt.scan(), GroupBy: []planner.Expr{factRef(cTS)}, Names: []string{"ts"}, Aggs: keyAggs}
		plan := &planner.Filter{Input: agg, Predicate: boolCall(">", colRef(1, sqltype.BigInt), lit(sqltype.BigInt, int64(1)))}
		var want []row
		for _, r := range refGroupBy(tt.rows, []func(row) any{col(cTS)}, keyAggs, factArg) {
			if r[1].(int64) > 1 {
				want = append(want, r)
			}
		}
		if len(want) == 0 {
			t.Fatal("no group has two rows: the test data needs one")
		}
		runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
			equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, want))
		})
	})
}

// TestAggregateEmptyInput: without keys, one row (COUNT 0, everything else NULL); with keys, no row.
func TestAggregateEmptyInput(t *testing.T) {
	tt := newFactTable(t, 8)
	aggs := everyAgg()
	noRows := refGroupBy(nil, nil, aggs, factArg)[0]
	for i, a := range aggs {
		want := any(nil)
		if a.Func == "count" {
			want = int64(0)
		}
		if noRows[i] != want {
			t.Fatalf("reference: %s over nothing = %v", a, noRows[i])
		}
	}
	inputs := []struct {
		name  string
		input func() planner.Node
	}{
		{"scan of no chunk", func() planner.Node { s := tt.scan(); s.Chunks = nil; return s }},
		{"filter that keeps nothing", func() planner.Node {
			return &planner.Filter{Input: tt.scan(), Predicate: boolCall("<", factRef(cK), lit(sqltype.BigInt, int64(-100)))}
		}},
	}
	for _, in := range inputs {
		t.Run(in.name+", no keys", func(t *testing.T) {
			plan := &planner.Aggregate{Input: in.input(), Aggs: aggs}
			runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
				equalRows(t, res.schema, res.rows, []row{noRows})
			})
		})
		t.Run(in.name+", with keys", func(t *testing.T) {
			plan := &planner.Aggregate{Input: in.input(), GroupBy: []planner.Expr{factRef(cG)}, Names: []string{"g"}, Aggs: aggs}
			runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
				if len(res.rows) != 0 {
					t.Errorf("grouping nothing gave %d rows", len(res.rows))
				}
			})
		})
	}
}

// oneColumnTable writes values of one type as a table with a group key column: rows (key, value).
func oneColumnTable(t *testing.T, typ sqltype.Type, keys []int64, vals []any) *testTable {
	t.Helper()
	cols := []storage.Column{{Name: "k", Type: sqltype.BigInt}, {Name: "v", Type: typ}}
	rows := make([]row, len(vals))
	for i, v := range vals {
		rows[i] = row{keys[i], v}
	}
	return newTestTable(t, cols, rows, 3)
}

func TestAggregateOverflowAndScales(t *testing.T) {
	v := func(typ sqltype.Type) *planner.ColumnRef { return colRef(1, typ) }
	k := colRef(0, sqltype.BigInt)
	t.Run("SUM BIGINT overflow is 1690", func(t *testing.T) {
		tt := oneColumnTable(t, sqltype.BigInt, []int64{1, 2, 1, 2}, []any{int64(math.MaxInt64), int64(5), nil, int64(-1)})
		// Group 1 overflows only when the third value of the key arrives.
		tt2 := oneColumnTable(t, sqltype.BigInt, []int64{1, 2, 1}, []any{int64(math.MaxInt64 - 1), int64(5), int64(2)})
		tt3 := oneColumnTable(t, sqltype.BigInt, []int64{1, 1}, []any{int64(math.MinInt64), int64(-1)})
		for _, tab := range []*testTable{tt2, tt3} {
			runAllError(t, &planner.Aggregate{Input: tab.scan(), GroupBy: []planner.Expr{k}, Names: []string{"k"},
				Aggs: []*planner.AggCall{aggCall("sum", v(sqltype.BigInt))}}, tab.store, sqlerr.DataOutOfRange)
			runAllError(t, &planner.Aggregate{Input: tab.scan(),
				Aggs: []*planner.AggCall{aggCall("sum", v(sqltype.BigInt))}}, tab.store, sqlerr.DataOutOfRange)
		}
		// MAX + 5 overflows across groups only when summed without keys.
		plan := &planner.Aggregate{Input: tt.scan(), GroupBy: []planner.Expr{k}, Names: []string{"k"},
			Aggs: []*planner.AggCall{aggCall("sum", v(sqltype.BigInt))}}
		runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
			equalRows(t, res.schema, sortedFormatted(res, res.rows), []row{{int64(1), int64(math.MaxInt64)}, {int64(2), int64(4)}})
		})
		runAllError(t, &planner.Aggregate{Input: tt.scan(), Aggs: []*planner.AggCall{aggCall("sum", v(sqltype.BigInt))}},
			tt.store, sqlerr.DataOutOfRange)
	})
	t.Run("SUM DECIMAL overflow is 1690", func(t *testing.T) {
		d380 := sqltype.Decimal(38, 0)
		nineE37 := dec("9"+strings.Repeat("0", 37), 0)
		tt := oneColumnTable(t, d380, []int64{1, 1}, []any{nineE37, nineE37})
		runAllError(t, &planner.Aggregate{Input: tt.scan(), Aggs: []*planner.AggCall{aggCall("sum", v(d380))}},
			tt.store, sqlerr.DataOutOfRange)
		runAllError(t, &planner.Aggregate{Input: tt.scan(), Aggs: []*planner.AggCall{aggCall("avg", v(d380))}},
			tt.store, sqlerr.DataOutOfRange)
	})
	t.Run("AVG of BIGINT is DECIMAL(38,4), rounded half away from zero", func(t *testing.T) {
		tt := oneColumnTable(t, sqltype.BigInt,
			[]int64{1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5},
			[]any{int64(1), int64(2), int64(1), int64(1), int64(2), int64(2), int64(2), int64(1), int64(-2), int64(-2), int64(-1), nil})
		avg := aggCall("avg", v(sqltype.BigInt))
		if avg.T != sqltype.Decimal(38, 4) {
			t.Fatalf("aggCall typed AVG(BIGINT) as %s", avg.T)
		}
		plan := &planner.Aggregate{Input: tt.scan(), GroupBy: []planner.Expr{k}, Names: []string{"k"}, Aggs: []*planner.AggCall{avg}}
		want := []row{
			{int64(1), dec("1.5", 4)},
			{int64(2), dec("1.3333", 4)},
			{int64(3), dec("1.6667", 4)},
			{int64(4), dec("-1.6667", 4)},
			{int64(5), nil},
		}
		runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
			if got := res.schema.Field(1).Type.String(); got != "decimal(38, 4)" {
				t.Errorf("AVG(BIGINT) column is %s, want decimal(38, 4)", got)
			}
			equalRows(t, res.schema, sortedFormatted(res, res.rows), want)
		})
	})
	t.Run("AVG and SUM of DECIMAL(5,2)", func(t *testing.T) {
		d52 := sqltype.Decimal(5, 2)
		tt := oneColumnTable(t, d52, []int64{1, 1, 1, 2}, []any{dec("1.00", 2), dec("2.00", 2), dec("2.00", 2), dec("-0.01", 2)})
		aggs := []*planner.AggCall{aggCall("avg", v(d52)), aggCall("sum", v(d52))}
		plan := &planner.Aggregate{Input: tt.scan(), GroupBy: []planner.Expr{k}, Names: []string{"k"}, Aggs: aggs}
		want := []row{{int64(1), dec("1.666667", 6), dec("5.00", 2)}, {int64(2), dec("-0.01", 6), dec("-0.01", 2)}}
		runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
			if got := formatRows(res.schema, want); got[0] != "1 | 1.666667 | 5.00" {
				t.Fatalf("want renders as %q", got[0])
			}
			equalRows(t, res.schema, sortedFormatted(res, res.rows), want)
		})
	})
}

// TestDistinctAggregates checks COUNT, SUM and AVG of DISTINCT values per group against a reference that
// deduplicates each group's values first, over every kind of value.
func TestDistinctAggregates(t *testing.T) {
	tt := newFactTable(t, 12)
	var aggs []*planner.AggCall
	for _, c := range []int{cK, cG, cI, cF, cD, cTS, cB, cS, cW} {
		a := aggCall("count", factRef(c))
		a.Distinct = true
		aggs = append(aggs, a)
	}
	for _, c := range []int{cK, cD} {
		for _, fn := range []string{"sum", "avg"} {
			a := aggCall(fn, factRef(c))
			a.Distinct = true
			aggs = append(aggs, a)
		}
	}
	key := func(r row) any { return r[cG] }
	// The reference: per group and aggregate, the distinct non-NULL values, then the plain aggregate over them.
	type group struct {
		key  any
		vals [][]any
		seen []map[string]bool
	}
	groups := map[string]*group{}
	var order []*group
	for _, r := range tt.rows {
		k := keyString(key(r))
		g := groups[k]
		if g == nil {
			g = &group{key: key(r), vals: make([][]any, len(aggs)), seen: make([]map[string]bool, len(aggs))}
			for i := range g.seen {
				g.seen[i] = map[string]bool{}
			}
			groups[k] = g
			order = append(order, g)
		}
		for i, a := range aggs {
			v := factArg(a, r)
			if v == nil {
				continue
			}
			vk := keyString(v)
			if f, ok := v.(float64); ok && f == 0 {
				vk = keyString(0.0) // -0 is 0
			}
			if g.seen[i][vk] {
				continue
			}
			g.seen[i][vk] = true
			g.vals[i] = append(g.vals[i], v)
		}
	}
	var want []row
	for _, g := range order {
		r := row{g.key}
		for i, a := range aggs {
			plain := *a
			plain.Distinct = false
			r = append(r, refAgg(&plain, g.vals[i], len(g.vals[i])))
		}
		want = append(want, r)
	}
	plan := &planner.Aggregate{Input: tt.scan(), GroupBy: []planner.Expr{factRef(cG)}, Names: []string{"g"}, Aggs: aggs}
	runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
		equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, want))
	})
	// BIGINT and text DISTINCT aggregates split: each chunk's distinct values per group, serialised, merged once.
	t.Run("partial per chunk in parallel, final", func(t *testing.T) {
		var split []int
		for i, a := range aggs {
			if a.DistinctSplits() {
				split = append(split, i)
			}
		}
		if len(split) < 4 {
			t.Fatalf("only %d aggregates split: the test needs BIGINT and text ones", len(split))
		}
		var sAggs []*planner.AggCall
		var sWant []row
		for _, i := range split {
			sAggs = append(sAggs, aggs[i])
		}
		for _, r := range want {
			w := row{r[0]}
			for _, i := range split {
				w = append(w, r[1+i])
			}
			sWant = append(sWant, w)
		}
		full := &planner.Aggregate{Input: tt.scan(), GroupBy: []planner.Expr{factRef(cG)}, Names: []string{"g"}, Aggs: sAggs}
		p, f := planner.SplitAggregate(full)
		f.Input = &planner.Merge{Input: p, Parallel: 2}
		runAll(t, f, tt.store, func(t *testing.T, res runResult) {
			equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, sWant))
		})
	})
	t.Run("not inplace", func(t *testing.T) {
		p := &planner.Aggregate{Input: tt.scan(), Strategy: planner.Inplace, GroupBy: []planner.Expr{factRef(cG)}, Names: []string{"g"}, Aggs: aggs}
		planner.Number(p)
		_, _, err := Build(p, Config{Mem: newCheckedMem()})
		if err == nil {
			t.Fatal("an inplace aggregate accepted COUNT(DISTINCT)")
		}
	})
}

// TestAggregateManyGroups has more groups than a batch holds, so the result is emitted as several slices.
func TestAggregateManyGroups(t *testing.T) {
	n := 3*7 + 5
	keys := make([]int64, 0, 4*n)
	vals := make([]any, 0, 4*n)
	for rep := range 4 {
		for g := range n {
			keys = append(keys, int64(g))
			if rep == 3 && g%5 == 0 {
				vals = append(vals, nil)
			} else {
				vals = append(vals, int64(g*10+rep))
			}
		}
	}
	tt := oneColumnTable(t, sqltype.BigInt, keys, vals)
	aggs := []*planner.AggCall{aggCall("count", nil), aggCall("sum", colRef(1, sqltype.BigInt)), aggCall("max", colRef(1, sqltype.BigInt))}
	plan := &planner.Aggregate{Input: tt.scan(), GroupBy: []planner.Expr{colRef(0, sqltype.BigInt)}, Names: []string{"k"}, Aggs: aggs}
	want := refGroupBy(tt.rows, []func(row) any{func(r row) any { return r[0] }}, aggs, func(a *planner.AggCall, r row) any { return r[1] })
	runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
		equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, want))
	})
}

// TestAggregateStrategiesAgree runs every aggregate over every key kind as Partial then Final hash aggregates,
// and as inplace aggregates (Full, and Partial under a Final) over input sorted on the keys: each must give what
// the reference gives, at every batch size (inplace groups then span batches and flushes).
func TestAggregateStrategiesAgree(t *testing.T) {
	tt := newFactTable(t, 11)
	col := func(c int) func(row) any { return func(r row) any { return r[c] } }
	aggs := everyAgg()
	for _, keys := range [][]int{{cK}, {cG, cB}, {cF}, {cD}, {cTS}, {cW, cS}} {
		var groupBy []planner.Expr
		var names []string
		var ref []func(row) any
		var sortKeys []planner.SortKey
		for _, c := range keys {
			groupBy = append(groupBy, factRef(c))
			names = append(names, factRef(c).String())
			ref = append(ref, col(c))
			sortKeys = append(sortKeys, planner.SortKey{Column: c, NullsFirst: true})
		}
		want := refGroupBy(tt.rows, ref, aggs, factArg)
		full := func(input planner.Node, s planner.AggregateStrategy) *planner.Aggregate {
			return &planner.Aggregate{Input: input, Mode: planner.Full, Strategy: s, GroupBy: groupBy, Names: names, Aggs: aggs}
		}
		sorted := func() planner.Node { return &planner.Sort{Input: tt.scan(), Keys: sortKeys} }
		plans := map[string]func() planner.Node{
			"partial and final hash": func() planner.Node { _, f := planner.SplitAggregate(full(tt.scan(), planner.Hash)); return f },
			"full inplace":           func() planner.Node { return full(sorted(), planner.Inplace) },
			"partial hash per chunk in parallel, final hash": func() planner.Node {
				p, f := planner.SplitAggregate(full(tt.scan(), planner.Hash))
				f.Input = &planner.Merge{Input: p, Parallel: 2}
				return f
			},
			"partial inplace, final hash": func() planner.Node {
				_, f := planner.SplitAggregate(full(sorted(), planner.Inplace))
				return f
			},
		}
		for name, plan := range plans {
			t.Run(fmt.Sprintf("%s by %v", name, names), func(t *testing.T) {
				runAll(t, plan(), tt.store, func(t *testing.T, res runResult) {
					equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, want))
				})
			})
		}
	}
}

// SUM of DECIMAL runs past 38 digits on the way (as MySQL's 65-digit sums do) and is held to 38 only as a
// result; a 128-bit wrap is an error at once.
func TestSumDecimalRange(t *testing.T) {
	half := decimal128.FromBigInt(new(big.Int).Mul(big.NewInt(5), new(big.Int).Exp(big.NewInt(10), big.NewInt(37), nil))) // 38 digits
	_, ok := add128(half, half)
	assert.True(t, ok, "10^38, 39 digits, fits 128 bits")
	maxI := decimal128.New(math.MaxInt64, math.MaxUint64)
	_, ok = add128(maxI, decimal128.FromI64(1))
	assert.False(t, ok, "wraps")
	_, ok = add128(maxI.Negate(), decimal128.FromI64(-2))
	assert.False(t, ok, "wraps below")
	_, ok = add128(maxI, maxI.Negate())
	assert.True(t, ok, "opposite signs never wrap")

	call := &planner.AggCall{Func: "sum", Arg: &planner.ColumnRef{Name: "d", T: sqltype.Decimal(38, 0)}, T: sqltype.Decimal(38, 0)}
	mem := memory.NewGoAllocator()
	run := func(vals ...decimal128.Num) (arrow.Array, error) {
		b := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 38, Scale: 0})
		defer b.Release()
		b.AppendValues(vals, nil)
		arg := b.NewArray()
		defer arg.Release()
		acc, err := newAccumulator(call, mem)
		require.NoError(t, err)
		acc.grow(1)
		require.NoError(t, acc.update(make([]uint32, len(vals)), arg))
		return acc.finish(mem, 1)
	}
	out, err := run(half, half, half.Negate(), half.Negate(), decimal128.FromI64(7))
	require.NoError(t, err)
	assert.Equal(t, "7", out.(*array.Decimal128).Value(0).ToString(0))
	out.Release()
	_, err = run(half, half)
	require.Error(t, err, "a result past 38 digits")
	assert.Contains(t, err.Error(), "out of range")
}
