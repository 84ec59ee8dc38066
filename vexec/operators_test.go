package vexec

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Operator tests: every plan reads real chunk files through Scan, runs at batch sizes 1, 7 and the default,
// twice, with a checked allocator, and is compared with a plain-Go reference over the same rows.

// tri is a SQL truth value.
type tri int8

const (
	tFalse tri = iota
	tTrue
	tNull
)

func triOf(b bool) tri {
	if b {
		return tTrue
	}
	return tFalse
}

func triAnd(a, b tri) tri {
	switch {
	case a == tFalse || b == tFalse:
		return tFalse
	case a == tNull || b == tNull:
		return tNull
	}
	return tTrue
}

func triOr(a, b tri) tri {
	switch {
	case a == tTrue || b == tTrue:
		return tTrue
	case a == tNull || b == tNull:
		return tNull
	}
	return tFalse
}

func triNot(a tri) tri {
	switch a {
	case tTrue:
		return tFalse
	case tFalse:
		return tTrue
	}
	return tNull
}

// cmpTri compares two values with a SQL comparison operator; NULL on either side is NULL.
func cmpTri(op string, a, b any) tri {
	if a == nil || b == nil {
		return tNull
	}
	c := cmpValues(a, b)
	switch op {
	case "=":
		return triOf(c == 0)
	case "<>":
		return triOf(c != 0)
	case "<":
		return triOf(c < 0)
	case "<=":
		return triOf(c <= 0)
	case ">":
		return triOf(c > 0)
	case ">=":
		return triOf(c >= 0)
	}
	panic(op)
}

// inTri is x IN (list) with MySQL's NULLs.
func inTri(x any, list ...any) tri {
	if x == nil {
		return tNull
	}
	sawNull := false
	for _, v := range list {
		switch cmpTri("=", x, v) {
		case tTrue:
			return tTrue
		case tNull:
			sawNull = true
		}
	}
	if sawNull {
		return tNull
	}
	return tFalse
}

func boolTri(v any) tri {
	if v == nil {
		return tNull
	}
	return triOf(v.(bool))
}

func likeTri(s any, pattern string, negate bool) tri {
	if s == nil {
		return tNull
	}
	return triOf(likeRef(pattern, '\\', s.(string)) != negate)
}

func TestScan(t *testing.T) {
	tt := newFactTable(t, 1)
	cases := []struct {
		name string
		proj []int
	}{
		{"all columns", nil},
		{"reordered subset", []int{cS, cK, cW}},
		{"one column", []int{cTS}},
		{"no column (a row count)", []int{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proj := tc.proj
			if proj == nil {
				proj = []int{cK, cG, cI, cF, cD, cTS, cB, cS, cW}
			}
			want := tt.project(proj...)
			runAll(t, tt.scan(proj...), tt.store, func(t *testing.T, res runResult) {
				equalRows(t, res.schema, res.rows, want)
			})
		})
	}
	t.Run("no chunks", func(t *testing.T) {
		s := tt.scan()
		s.Chunks = nil
		runAll(t, s, tt.store, func(t *testing.T, res runResult) {
			if len(res.rows) != 0 {
				t.Errorf("a scan of no chunks returned %d rows", len(res.rows))
			}
		})
	})
}

func TestFilter(t *testing.T) {
	tt := newFactTable(t, 2)
	i0 := lit(sqltype.BigInt, int64(0))
	cases := []struct {
		name string
		pred planner.Expr
		ref  func(r row) tri
	}{
		{"i > 0", boolCall(">", factRef(cI), i0), func(r row) tri { return cmpTri(">", r[cI], int64(0)) }},
		{"i > 0 AND f < 0",
			boolCall("and", boolCall(">", factRef(cI), i0), boolCall("<", factRef(cF), lit(sqltype.Double, 0.0))),
			func(r row) tri { return triAnd(cmpTri(">", r[cI], int64(0)), cmpTri("<", r[cF], 0.0)) }},
		{"g = 'a' OR b",
			boolCall("or", boolCall("=", factRef(cG), lit(sqltype.Text, "a")), factRef(cB)),
			func(r row) tri { return triOr(cmpTri("=", r[cG], "a"), boolTri(r[cB])) }},
		{"NOT b", boolCall("not", factRef(cB)), func(r row) tri { return triNot(boolTri(r[cB])) }},
		{"k IN (1, 3, NULL)",
			boolCall("in", factRef(cK), lit(sqltype.BigInt, int64(1)), lit(sqltype.BigInt, int64(3)), lit(sqltype.BigInt, nil)),
			func(r row) tri { return inTri(r[cK], int64(1), int64(3), nil) }},
		{"k NOT IN (1, 3)",
			&planner.Call{Func: "in", Negate: true, T: sqltype.Boolean,
				Args: []planner.Expr{factRef(cK), lit(sqltype.BigInt, int64(1)), lit(sqltype.BigInt, int64(3))}},
			func(r row) tri { return triNot(inTri(r[cK], int64(1), int64(3))) }},
		{"k IN (i % 5, 2)",
			boolCall("in", factRef(cK), call("%", sqltype.BigInt, factRef(cI), lit(sqltype.BigInt, int64(5))), lit(sqltype.BigInt, int64(2))),
			func(r row) tri {
				var m any
				if r[cI] != nil {
					m = r[cI].(int64) % 5
				}
				return inTri(r[cK], m, int64(2))
			}},
		{"s LIKE 'a%'", boolCall("like", factRef(cS), lit(sqltype.Text, "a%")),
			func(r row) tri { return likeTri(r[cS], "a%", false) }},
		{`s NOT LIKE '%\%%'`,
			&planner.Call{Func: "like", Negate: true, T: sqltype.Boolean, Args: []planner.Expr{factRef(cS), lit(sqltype.Text, `%\%%`)}},
			func(r row) tri { return likeTri(r[cS], `%\%%`, true) }},
		{"s LIKE '_é%'", boolCall("like", factRef(cS), lit(sqltype.Text, "_é%")),
			func(r row) tri { return likeTri(r[cS], "_é%", false) }},
		{"d >= 12.34", boolCall(">=", factRef(cD), lit(sqltype.Decimal(18, 2), dec("12.34", 2))),
			func(r row) tri { return cmpTri(">=", r[cD], dec("12.34", 2)) }},
		{"ts < TIMESTAMP '2000-01-01'", boolCall("<", factRef(cTS), lit(sqltype.Timestamp, ts("2000-01-01"))),
			func(r row) tri { return cmpTri("<", r[cTS], ts("2000-01-01")) }},
		{"w IS NULL", boolCall("is_null", factRef(cW)), func(r row) tri { return triOf(r[cW] == nil) }},
		{"i IS NULL OR d IS NOT NULL", boolCall("or", boolCall("is_null", factRef(cI)), boolCall("is_not_null", factRef(cD))),
			func(r row) tri { return triOf(r[cI] == nil || r[cD] != nil) }},
		{"ts IS NULL OR s IS NOT NULL", boolCall("or", boolCall("is_null", factRef(cTS)), boolCall("is_not_null", factRef(cS))),
			func(r row) tri { return triOf(r[cTS] == nil || r[cS] != nil) }},
		{"g IS NOT NULL AND g <> ''",
			boolCall("and", boolCall("is_not_null", factRef(cG)), boolCall("<>", factRef(cG), lit(sqltype.Text, ""))),
			func(r row) tri { return triAnd(triOf(r[cG] != nil), cmpTri("<>", r[cG], "")) }},
		{"f <=> NULL", boolCall("<=>", factRef(cF), lit(sqltype.Double, nil)), func(r row) tri { return triOf(r[cF] == nil) }},
		{"i % 3 = 0",
			boolCall("=", call("%", sqltype.BigInt, factRef(cI), lit(sqltype.BigInt, int64(3))), i0),
			func(r row) tri {
				if r[cI] == nil {
					return tNull
				}
				return triOf(r[cI].(int64)%3 == 0)
			}},
		{"coalesce(k, -1) = -1",
			boolCall("=", call("coalesce", sqltype.BigInt, factRef(cK), lit(sqltype.BigInt, int64(-1))), lit(sqltype.BigInt, int64(-1))),
			func(r row) tri { return triOf(r[cK] == nil || r[cK].(int64) == -1) }},
		{"TRUE", lit(sqltype.Boolean, true), func(row) tri { return tTrue }},
		{"FALSE", lit(sqltype.Boolean, false), func(row) tri { return tFalse }},
		{"NULL", lit(sqltype.Boolean, nil), func(row) tri { return tNull }},
		{"untyped NULL", lit(sqltype.Null, nil), func(row) tri { return tNull }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want []row
			for _, r := range tt.rows {
				if tc.ref(r) == tTrue {
					want = append(want, r)
				}
			}
			plan := &planner.Filter{Input: tt.scan(), Predicate: tc.pred}
			runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
				equalRows(t, res.schema, res.rows, want)
				if scanned := res.stats.Nodes[1].Rows; scanned != int64(len(tt.rows)) {
					t.Errorf("the scan under the filter produced %d rows, want %d", scanned, len(tt.rows))
				}
			})
		})
	}
}

func TestProjection(t *testing.T) {
	tt := newFactTable(t, 3)
	dec19 := sqltype.Decimal(19, 0)
	cases := []struct {
		name string
		expr planner.Expr
		ref  func(r row) any
	}{
		{"k + i", call("+", sqltype.BigInt, factRef(cK), factRef(cI)), func(r row) any {
			if r[cK] == nil || r[cI] == nil {
				return nil
			}
			return r[cK].(int64) + r[cI].(int64)
		}},
		{"f * 2", call("*", sqltype.Double, factRef(cF), lit(sqltype.Double, 2.0)), func(r row) any {
			if r[cF] == nil {
				return nil
			}
			return r[cF].(float64) * 2
		}},
		{"-f", call("neg", sqltype.Double, factRef(cF)), func(r row) any {
			if r[cF] == nil {
				return nil
			}
			return -r[cF].(float64)
		}},
		{"d + d", call("+", sqltype.Decimal(19, 2), factRef(cD), factRef(cD)), func(r row) any {
			if r[cD] == nil {
				return nil
			}
			return r[cD].(decimal128.Num).Add(r[cD].(decimal128.Num))
		}},
		{"-w", call("neg", sqltype.Decimal(38, 10), factRef(cW)), func(r row) any {
			if r[cW] == nil {
				return nil
			}
			return r[cW].(decimal128.Num).Negate()
		}},
		{"i / 3", call("/", sqltype.Decimal(23, 4), call("cast", dec19, factRef(cI)), lit(dec19, dec("3", 0))), func(r row) any {
			if r[cI] == nil {
				return nil
			}
			num := new(big.Int).Mul(big.NewInt(r[cI].(int64)), big.NewInt(10_000))
			return decimal128.FromBigInt(refDivRound(num, big.NewInt(3)))
		}},
		{"i DIV 7", call("div", sqltype.BigInt, factRef(cI), lit(sqltype.BigInt, int64(7))), func(r row) any {
			if r[cI] == nil {
				return nil
			}
			return r[cI].(int64) / 7
		}},
		{"CAST(i AS TEXT)", call("cast", sqltype.Text, factRef(cI)), func(r row) any {
			if r[cI] == nil {
				return nil
			}
			return strconv.FormatInt(r[cI].(int64), 10)
		}},
		{"coalesce(s, g)", call("coalesce", sqltype.Text, factRef(cS), factRef(cG)), func(r row) any {
			if r[cS] != nil {
				return r[cS]
			}
			return r[cG]
		}},
		{"b IS NULL", boolCall("is_null", factRef(cB)), func(r row) any { return r[cB] == nil }},
		{"k = 3", boolCall("=", factRef(cK), lit(sqltype.BigInt, int64(3))), func(r row) any {
			if r[cK] == nil {
				return nil
			}
			return r[cK].(int64) == 3
		}},
		{"'x'", lit(sqltype.Text, "x"), func(row) any { return "x" }},
		{"NULL", lit(sqltype.BigInt, nil), func(row) any { return nil }},
		{"ts", factRef(cTS), func(r row) any { return r[cTS] }},
	}
	// All expressions in one projection, and each alone.
	var exprs []planner.Expr
	var names []string
	for _, tc := range cases {
		exprs = append(exprs, tc.expr)
		names = append(names, tc.name)
	}
	want := make([]row, len(tt.rows))
	for i, r := range tt.rows {
		w := make(row, len(cases))
		for j, tc := range cases {
			w[j] = tc.ref(r)
		}
		want[i] = w
	}
	t.Run("all", func(t *testing.T) {
		plan := &planner.Projection{Input: tt.scan(), Exprs: exprs, Names: names}
		runAll(t, plan, tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, want) })
	})
	for j, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := &planner.Projection{Input: tt.scan(), Exprs: []planner.Expr{tc.expr}, Names: []string{tc.name}}
			one := make([]row, len(want))
			for i := range want {
				one[i] = row{want[i][j]}
			}
			runAll(t, plan, tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, one) })
		})
	}
}

// refDivRound divides rounding half away from zero, as MySQL rounds DECIMAL results.
func refDivRound(num, den *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(new(big.Int).Abs(den)) >= 0 {
		if num.Sign()*den.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// lessRows orders rows by sort keys as MySQL does: NULL placement as each key says, then values.
func lessRows(keys []planner.SortKey) func(a, b row) bool {
	return func(a, b row) bool {
		for _, k := range keys {
			x, y := a[k.Column], b[k.Column]
			switch {
			case x == nil && y == nil:
				continue
			case x == nil:
				return k.NullsFirst
			case y == nil:
				return !k.NullsFirst
			}
			c := cmpValues(x, y)
			if c == 0 {
				continue
			}
			if k.Desc {
				c = -c
			}
			return c < 0
		}
		return false
	}
}

// mysqlKey is an ORDER BY key with MySQL's default NULL placement: first ascending, last descending.
func mysqlKey(col int, desc bool) planner.SortKey {
	return planner.SortKey{Column: col, Desc: desc, NullsFirst: !desc}
}

func sortedRows(rows []row, keys []planner.SortKey) []row {
	out := slices.Clone(rows)
	less := lessRows(keys)
	sort.SliceStable(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}

func TestSort(t *testing.T) {
	tt := newFactTable(t, 4)
	cases := []struct {
		name string
		keys []planner.SortKey
	}{
		{"k", []planner.SortKey{mysqlKey(cK, false)}},
		{"k DESC", []planner.SortKey{mysqlKey(cK, true)}},
		{"f, i DESC", []planner.SortKey{mysqlKey(cF, false), mysqlKey(cI, true)}},
		{"g NULLS LAST", []planner.SortKey{{Column: cG}}},
		{"d DESC NULLS FIRST", []planner.SortKey{{Column: cD, Desc: true, NullsFirst: true}}},
		{"ts", []planner.SortKey{mysqlKey(cTS, false)}},
		{"s DESC, k", []planner.SortKey{mysqlKey(cS, true), mysqlKey(cK, false)}},
		{"b, w DESC", []planner.SortKey{mysqlKey(cB, false), mysqlKey(cW, true)}},
		{"w", []planner.SortKey{mysqlKey(cW, false)}},
		{"g, b DESC, k, i", []planner.SortKey{mysqlKey(cG, false), mysqlKey(cB, true), mysqlKey(cK, false), mysqlKey(cI, false)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := sortedRows(tt.rows, tc.keys)
			plan := &planner.Sort{Input: tt.scan(), Keys: tc.keys}
			runAll(t, plan, tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, want) })
			// With a limit well under the input, the top-k heap gives the first rows of the full sort.
			for _, k := range []int{1, 7, 100} {
				top := &planner.Sort{Input: tt.scan(), Keys: tc.keys, Limit: int64(k)}
				runAll(t, top, tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, want[:k]) })
			}
		})
	}
	t.Run("empty input", func(t *testing.T) {
		plan := &planner.Sort{Input: &planner.Filter{Input: tt.scan(), Predicate: lit(sqltype.Boolean, false)},
			Keys: []planner.SortKey{mysqlKey(cK, false)}}
		runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
			if len(res.rows) != 0 {
				t.Errorf("sorting nothing gave %d rows", len(res.rows))
			}
		})
	})
	t.Run("after a filter and a projection", func(t *testing.T) {
		// Projection [s, k * 2] over rows with k > 2, sorted by the projected k * 2 descending then s.
		pred := boolCall(">", factRef(cK), lit(sqltype.BigInt, int64(2)))
		proj := &planner.Projection{
			Input: &planner.Filter{Input: tt.scan(), Predicate: pred},
			Exprs: []planner.Expr{factRef(cS), call("*", sqltype.BigInt, factRef(cK), lit(sqltype.BigInt, int64(2)))},
			Names: []string{"s", "k2"},
		}
		keys := []planner.SortKey{mysqlKey(1, true), mysqlKey(0, false)}
		var in []row
		for _, r := range tt.rows {
			if r[cK] != nil && r[cK].(int64) > 2 {
				in = append(in, row{r[cS], r[cK].(int64) * 2})
			}
		}
		want := sortedRows(in, keys)
		runAll(t, &planner.Sort{Input: proj, Keys: keys}, tt.store, func(t *testing.T, res runResult) {
			equalRows(t, res.schema, res.rows, want)
		})
	})
}

func TestLimitAndSkip(t *testing.T) {
	tt := newFactTable(t, 5)
	n := len(tt.rows)
	sortKeys := []planner.SortKey{mysqlKey(cI, false), mysqlKey(cK, true)}
	sorted := sortedRows(tt.rows, sortKeys)
	part := func(rows []row, from, to int) []row {
		from, to = min(from, len(rows)), min(to, len(rows))
		return rows[from:to]
	}
	cases := []struct {
		name string
		plan func() planner.Node
		want []row
	}{
		{"LIMIT 10", func() planner.Node { return &planner.GlobalLimit{Input: tt.scan(), N: 10} }, part(tt.rows, 0, 10)},
		{"LIMIT 0", func() planner.Node { return &planner.GlobalLimit{Input: tt.scan(), N: 0} }, nil},
		{"LIMIT 1", func() planner.Node { return &planner.GlobalLimit{Input: tt.scan(), N: 1} }, part(tt.rows, 0, 1)},
		{"LIMIT past the end", func() planner.Node { return &planner.GlobalLimit{Input: tt.scan(), N: int64(n) + 100} }, tt.rows},
		{"LIMIT exactly all", func() planner.Node { return &planner.GlobalLimit{Input: tt.scan(), N: int64(n)} }, tt.rows},
		{"OFFSET 13", func() planner.Node { return &planner.SkipRows{Input: tt.scan(), N: 13} }, part(tt.rows, 13, n)},
		{"OFFSET 0", func() planner.Node { return &planner.SkipRows{Input: tt.scan(), N: 0} }, tt.rows},
		{"OFFSET 200 (a chunk boundary)", func() planner.Node { return &planner.SkipRows{Input: tt.scan(), N: 200} }, part(tt.rows, 200, n)},
		{"OFFSET past the end", func() planner.Node { return &planner.SkipRows{Input: tt.scan(), N: int64(n) + 1} }, nil},
		{"ORDER BY LIMIT 20 OFFSET 5", func() planner.Node {
			return &planner.GlobalLimit{Input: &planner.SkipRows{Input: &planner.Sort{Input: tt.scan(), Keys: sortKeys}, N: 5}, N: 20}
		}, part(sorted, 5, 25)},
		{"LIMIT 30 then OFFSET 25", func() planner.Node {
			return &planner.SkipRows{Input: &planner.GlobalLimit{Input: tt.scan(), N: 30}, N: 25}
		}, part(tt.rows, 25, 30)},
		{"projection over OFFSET (sliced input)", func() planner.Node {
			return &planner.Projection{
				Input: &planner.SkipRows{Input: tt.scan(), N: 3},
				Exprs: []planner.Expr{call("+", sqltype.BigInt, factRef(cK), lit(sqltype.BigInt, int64(1))), factRef(cS)},
				Names: []string{"k1", "s"},
			}
		}, func() []row {
			var out []row
			for _, r := range tt.rows[3:] {
				var k any
				if r[cK] != nil {
					k = r[cK].(int64) + 1
				}
				out = append(out, row{k, r[cS]})
			}
			return out
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runAll(t, tc.plan(), tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, tc.want) })
		})
	}
	// A limit stops reading its input: the scan under LIMIT 10 reads no batch past the one that holds row 10.
	t.Run("LIMIT stops the scan", func(t *testing.T) {
		plan := &planner.GlobalLimit{Input: tt.scan(), N: 10}
		runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
			scanned := res.stats.Nodes[1].Rows
			if hi := min(10+int64(res.batchSize)-1, 200); scanned < 10 || scanned > hi {
				t.Errorf("the scan under LIMIT 10 read %d rows, want 10..%d", scanned, hi)
			}
		})
	})
}

func TestEmpty(t *testing.T) {
	three := call("+", sqltype.BigInt, lit(sqltype.BigInt, int64(1)), lit(sqltype.BigInt, int64(2)))
	proj := func(rows int) planner.Node {
		return &planner.Projection{
			Input: &planner.Empty{Rows: rows},
			Exprs: []planner.Expr{three, lit(sqltype.Text, "x"), lit(sqltype.Null, nil), lit(sqltype.Decimal(4, 2), dec("1.5", 2))},
			Names: []string{"three", "x", "n", "d"},
		}
	}
	rowOf := row{int64(3), "x", nil, dec("1.5", 2)}
	cases := []struct {
		name string
		plan planner.Node
		want []row
	}{
		{"SELECT 1+2, 'x', NULL, 1.50", proj(1), []row{rowOf}},
		{"three rows", proj(3), []row{rowOf, rowOf, rowOf}},
		{"no rows", proj(0), nil},
		{"WHERE FALSE", &planner.Projection{
			Input: &planner.Filter{Input: &planner.Empty{Rows: 1}, Predicate: lit(sqltype.Boolean, false)},
			Exprs: []planner.Expr{three}, Names: []string{"three"}}, nil},
		{"WHERE TRUE", &planner.Projection{
			Input: &planner.Filter{Input: &planner.Empty{Rows: 1}, Predicate: lit(sqltype.Boolean, true)},
			Exprs: []planner.Expr{three}, Names: []string{"three"}}, []row{{int64(3)}}},
		{"COUNT(*) of three rows", &planner.Aggregate{Input: &planner.Empty{Rows: 3},
			Aggs: []*planner.AggCall{{Func: "count", T: sqltype.BigInt}}}, []row{{int64(3)}}},
		{"LIMIT 1 of three rows", &planner.GlobalLimit{Input: proj(3), N: 1}, []row{rowOf}},
		{"OFFSET 2 of three rows", &planner.SkipRows{Input: proj(3), N: 2}, []row{rowOf}},
		{"bare Empty", &planner.Empty{Rows: 2}, []row{{}, {}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runAll(t, tc.plan, nil, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, tc.want) })
		})
	}
}

func TestStatsAndExplainAnalyze(t *testing.T) {
	tt := newFactTable(t, 6)
	pred := boolCall(">", factRef(cI), lit(sqltype.BigInt, int64(0)))
	plan := &planner.Filter{Input: tt.scan(), Predicate: pred}
	matched := 0
	for _, r := range tt.rows {
		if cmpTri(">", r[cI], int64(0)) == tTrue {
			matched++
		}
	}
	runAll(t, plan, tt.store, func(t *testing.T, res runResult) {
		f, s := res.stats.Nodes[0], res.stats.Nodes[1]
		if f.Rows != int64(matched) || s.Rows != int64(len(tt.rows)) {
			t.Errorf("rows: filter %d scan %d, want %d and %d", f.Rows, s.Rows, matched, len(tt.rows))
		}
		if s.Files != int64(len(tt.chunks)) {
			t.Errorf("scan files = %d, want %d", s.Files, len(tt.chunks))
		}
		if s.BytesRead <= 0 {
			t.Errorf("scan bytes read = %d, want more than 0", s.BytesRead)
		}
		if s.Batches < f.Batches || s.Batches == 0 {
			t.Errorf("batches: scan %d, filter %d", s.Batches, f.Batches)
		}
		if f.Time < s.Time {
			t.Errorf("a node's time includes its children's: filter %v < scan %v", f.Time, s.Time)
		}
		text := planner.Explain(plan, res.stats.Annotate)
		lines := strings.Split(text, "\n")
		if len(lines) != 2 {
			t.Fatalf("EXPLAIN ANALYZE has %d lines, want 2:\n%s", len(lines), text)
		}
		if !strings.HasPrefix(lines[0], "Filter, predicate: ") || !strings.Contains(lines[0], fmt.Sprintf("[rows=%d batches=%d time=", matched, f.Batches)) {
			t.Errorf("filter line: %s", lines[0])
		}
		wantScan := fmt.Sprintf("[rows=%d batches=%d time=", len(tt.rows), s.Batches)
		if !strings.HasPrefix(lines[1], "  Scan, ") || !strings.Contains(lines[1], wantScan) ||
			!strings.Contains(lines[1], fmt.Sprintf(" bytes=%d files=%d/%d row_groups=%d/%d]", s.BytesRead, len(tt.chunks), len(tt.chunks),
				s.RowGroups, s.RowGroups+s.RowGroupsPruned)) || s.RowGroups == 0 {
			t.Errorf("scan line: %s", lines[1])
		}
	})
	// The scan's batch count follows the batch size: chunks of 200, 200 and 100 rows at 7 rows a batch.
	mem := newCheckedMem()
	planner.Number(plan)
	res, err := runPlan(t, t.Context(), plan, Config{Mem: mem, BatchSize: 7, Data: tt.store})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.stats.Nodes[1].Batches, int64(29+29+15); got != want {
		t.Errorf("scan batches at size 7 = %d, want %d", got, want)
	}
	assertNoLeaks(t, mem)
}

// TestSlicedInputs runs kernels over the slices that OFFSET and Sort hand their parents (arrays with an offset),
// comparing with the same expressions over rows that were never sliced.
func TestSlicedInputs(t *testing.T) {
	tt := newFactTable(t, 13)
	d := func(s string) *planner.Literal { return lit(sqltype.Decimal(18, 2), dec(s, 2)) }
	var someD []any
	for _, r := range tt.rows[20:40] {
		if r[cD] != nil {
			someD = append(someD, r[cD])
		}
	}
	cases := []struct {
		name string
		expr planner.Expr
		ref  func(r row) tri
	}{
		{"NOT b", boolCall("not", factRef(cB)), func(r row) tri { return triNot(boolTri(r[cB])) }},
		{"b IS NOT NULL", boolCall("is_not_null", factRef(cB)), func(r row) tri { return triOf(r[cB] != nil) }},
		{"s IS NOT NULL", boolCall("is_not_null", factRef(cS)), func(r row) tri { return triOf(r[cS] != nil) }},
		{"b IN (TRUE)", inCall(false, factRef(cB), lit(sqltype.Boolean, true)), func(r row) tri { return inTri(r[cB], true) }},
		{"d IN (some values)", inCall(false, factRef(cD), d(sqltype.FormatDecimal(someD[0].(decimal128.Num), 2)),
			d(sqltype.FormatDecimal(someD[1].(decimal128.Num), 2))), func(r row) tri { return inTri(r[cD], someD[0], someD[1]) }},
		{"k IN (1, 2)", inCall(false, factRef(cK), lit(sqltype.BigInt, int64(1)), lit(sqltype.BigInt, int64(2))),
			func(r row) tri { return inTri(r[cK], int64(1), int64(2)) }},
		{"b AND k > 3", boolCall("and", factRef(cB), boolCall(">", factRef(cK), lit(sqltype.BigInt, int64(3)))),
			func(r row) tri { return triAnd(boolTri(r[cB]), cmpTri(">", r[cK], int64(3))) }},
	}
	triValue := func(v tri) any {
		if v == tNull {
			return nil
		}
		return v == tTrue
	}
	sortKeys := []planner.SortKey{mysqlKey(cI, false)}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("projection over OFFSET", func(t *testing.T) {
				plan := &planner.Projection{Input: &planner.SkipRows{Input: tt.scan(), N: 3},
					Exprs: []planner.Expr{tc.expr}, Names: []string{"x"}}
				var want []row
				for _, r := range tt.rows[3:] {
					want = append(want, row{triValue(tc.ref(r))})
				}
				runAll(t, plan, tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, want) })
			})
			t.Run("filter over ORDER BY", func(t *testing.T) {
				plan := &planner.Filter{Input: &planner.Sort{Input: tt.scan(), Keys: sortKeys}, Predicate: tc.expr}
				var want []row
				for _, r := range sortedRows(tt.rows, sortKeys) {
					if tc.ref(r) == tTrue {
						want = append(want, r)
					}
				}
				runAll(t, plan, tt.store, func(t *testing.T, res runResult) { equalRows(t, res.schema, res.rows, want) })
			})
		})
	}
}

// TestSortReleasesScratch checks that a sort gives back the sort kernel's scratch buffer.
// TestTopKAcrossShrinks sorts with a limit more rows than the top-k keeps before shrinking them, so kept rows
// and new ones are merged several times; the result is the full sort's first rows, ties in input order.
func TestTopKAcrossShrinks(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	tt := newTestTable(t, factCols, factRows(rng, 30000, 0.1), 7000)
	keys := []planner.SortKey{mysqlKey(cK, false), mysqlKey(cG, true)}
	want := sortedRows(tt.rows, keys)
	for _, k := range []int{1, 10, 9000} {
		plan := &planner.Sort{Input: tt.scan(), Keys: keys, Limit: int64(k)}
		planner.Number(plan)
		for _, bs := range []int{500, 8192} {
			mem := newCheckedMem()
			res, err := runPlan(t, t.Context(), plan, Config{Mem: mem, BatchSize: bs, Data: tt.store})
			if err != nil {
				t.Fatal(err)
			}
			equalRows(t, res.schema, res.rows, want[:k])
			assertNoLeaks(t, mem)
		}
	}
}

func TestSortReleasesScratch(t *testing.T) {
	tt := newFactTable(t, 14)
	for _, keys := range [][]planner.SortKey{
		{mysqlKey(cK, false)},                     // one key with NULLs
		{mysqlKey(cK, false), mysqlKey(cI, true)}, // several keys
	} {
		plan := &planner.Sort{Input: tt.scan(), Keys: keys}
		planner.Number(plan)
		mem := newCheckedMem()
		if _, err := runPlan(t, t.Context(), plan, Config{Mem: mem, BatchSize: 7, Data: tt.store}); err != nil {
			t.Fatal(err)
		}
		if n := mem.CurrentAlloc(); n != 0 {
			t.Errorf("sort by %v: %d bytes still allocated after the run", keys, n)
		}
	}
}

// TestConcurrentRuns runs one plan on several goroutines at once, as a plan may be (plans are immutable and
// shared; operators and figures belong to one run). Under -race this also checks that runs share no state.
func TestConcurrentRuns(t *testing.T) {
	tt := newFactTable(t, 15)
	aggs := []*planner.AggCall{aggCall("count", nil), aggCall("sum", factRef(cD)), aggCall("max", factRef(cS))}
	agg := &planner.Aggregate{
		Input:   &planner.Filter{Input: tt.scan(), Predicate: inCall(false, factRef(cK), lit(sqltype.BigInt, int64(1)), lit(sqltype.BigInt, int64(2)), lit(sqltype.BigInt, int64(5)))},
		GroupBy: []planner.Expr{factRef(cG)}, Names: []string{"g"}, Aggs: aggs,
	}
	plan := &planner.GlobalLimit{Input: &planner.Sort{Input: agg, Keys: []planner.SortKey{mysqlKey(0, false)}}, N: 4}
	planner.Number(plan)
	var in []row
	for _, r := range tt.rows {
		if inTri(r[cK], int64(1), int64(2), int64(5)) == tTrue {
			in = append(in, r)
		}
	}
	want := sortedRows(refGroupBy(in, []func(row) any{func(r row) any { return r[cG] }}, aggs, factArg), []planner.SortKey{mysqlKey(0, false)})[:4]
	const workers = 4
	errs := make(chan error, workers)
	results := make([]runResult, workers)
	mems := make([]*memory.CheckedAllocator, workers)
	var wg sync.WaitGroup
	for w := range workers {
		mems[w] = newCheckedMem()
		wg.Go(func() {
			res, err := runPlan(t, t.Context(), plan, Config{Mem: mems[w], BatchSize: 1 + 3*w, Data: tt.store})
			results[w] = res
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for w := range workers {
		equalRows(t, results[w].schema, results[w].rows, want)
		assertNoLeaks(t, mems[w])
	}
}

// memoryScan is the standard table's rows carried in the plan, as system tables are.
func memoryScan(rows []row) *planner.MemoryScan {
	fields := make([]planner.Field, len(factCols))
	for i, c := range factCols {
		fields[i] = planner.Field{Name: c.Name, Type: c.Type}
	}
	ms := &planner.MemoryScan{Table: "facts", Cols: fields}
	for _, r := range rows {
		ms.Rows = append(ms.Rows, []any(r))
	}
	return ms
}

func TestMemoryScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 17))
	rows := factRows(rng, 300, 0.2)
	sortKeys := []planner.SortKey{mysqlKey(cG, false), mysqlKey(cF, true)}
	aggs := everyAgg()
	cases := []struct {
		name  string
		plan  func() planner.Node
		want  []row
		multi bool // rows in no promised order
	}{
		{"all rows", func() planner.Node { return memoryScan(rows) }, rows, false},
		{"no rows", func() planner.Node { return memoryScan(nil) }, nil, false},
		{"sorted", func() planner.Node { return &planner.Sort{Input: memoryScan(rows), Keys: sortKeys} }, sortedRows(rows, sortKeys), false},
		{"grouped", func() planner.Node {
			return &planner.Aggregate{Input: memoryScan(rows), GroupBy: []planner.Expr{factRef(cK)}, Names: []string{"k"}, Aggs: aggs}
		}, refGroupBy(rows, []func(row) any{func(r row) any { return r[cK] }}, aggs, factArg), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runAll(t, tc.plan(), nil, func(t *testing.T, res runResult) {
				if tc.multi {
					equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, tc.want))
					return
				}
				equalRows(t, res.schema, res.rows, tc.want)
			})
		})
	}
}
