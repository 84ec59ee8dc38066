package vexec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// Dictionary-encoded text: plans whose text columns Build reads as dictionaries give the rows they give read
// plainly, over files whose text chunks are dictionaries throughout, over files whose dictionaries fall back to
// plain pages within a chunk, and through the column cache.

// dictStores returns the standard table's rows (2,000, with NULLs) written three ways: row groups of 500 rows
// (dictionaries throughout), with a dictionary limit so small that s (many distinct values) falls back to
// plain pages within its chunks, and the first through a column cache.
func dictStores(t testing.TB) (rows []row, chunks []planner.Chunk, stores map[string]*storage.Store, fbChunks []planner.Chunk) {
	t.Helper()
	rng := rand.New(rand.NewPCG(41, 0x5eed))
	rows = factRows(rng, 2000, 0.2)
	write := func(opts ...storage.Option) (*storage.Store, []planner.Chunk) {
		st, err := storage.Open(t.TempDir(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		mem := memory.NewGoAllocator()
		var out []planner.Chunk
		for start, id := 0, uint64(1); start < len(rows); start, id = start+800, id+1 {
			end := min(start+800, len(rows))
			b := buildBatch(t, mem, factCols, rows[start:end])
			info, err := st.WriteChunk(7, id, factCols, []arrow.RecordBatch{b})
			b.Release()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, planner.Chunk{ID: id, File: info.Path, Rows: info.Rows})
		}
		return st, out
	}
	plain, chunks := write(storage.WithRowGroupRows(500), storage.WithPageBytes(1<<10))
	fallback, fbChunks := write(storage.WithRowGroupRows(500), storage.WithPageBytes(1<<10), storage.WithDictionaryBytes(200))
	cached, err := storage.Open(plain.Dir(), storage.WithColumnCache(storage.NewColumnCache(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	return rows, chunks, map[string]*storage.Store{"dictionaries": plain, "fallback": fallback, "cache": cached}, fbChunks
}

// dictProj are the columns of the standard table the dictionary tests read.
var dictProj = []int{cK, cG, cI, cF, cB, cS}

// dictScan is a Scan of the columns dictProj of the standard table.
func dictScan(chunks []planner.Chunk) *planner.Scan {
	fields := make([]planner.Field, len(factCols))
	for i, c := range factCols {
		fields[i] = planner.Field{Name: c.Name, Type: c.Type}
	}
	return &planner.Scan{Schema: "test", Table: "facts", TableID: 7, IndexID: 1, IndexName: "default",
		TableColumns: fields, Projection: dictProj, Chunks: chunks}
}

// dref is column c of the standard table in a dictScan's output.
func dref(c int) *planner.ColumnRef {
	return &planner.ColumnRef{Index: slices.Index(dictProj, c), Name: factCols[c].Name, T: factCols[c].Type}
}

// dictArg evaluates an aggregate's argument, a column of a dictScan, over a row of the standard table.
func dictArg(a *planner.AggCall, r row) any { return r[dictProj[a.Arg.(*planner.ColumnRef).Index]] }

// runBothWays runs plan at every batch size with text read plainly and then as dictionaries, with a checked
// allocator that must end empty, checks that the dictionary runs used dictionaries (when dict is set) and
// give the plain runs' rows (sorted, when sorted is set), and hands the plain rows to check.
func runBothWays(t *testing.T, plan planner.Node, data *storage.Store, dict, sorted bool, check func(t *testing.T, res runResult)) {
	t.Helper()
	planner.Number(plan)
	for _, bs := range batchSizes {
		t.Run(fmt.Sprintf("batch=%d", bs), func(t *testing.T) {
			run := func(plain bool) runResult {
				plainText.Store(plain)
				defer plainText.Store(false)
				mem := newCheckedMem()
				before := dictionariesUsed.Load()
				res, err := runPlan(t, context.Background(), plan, Config{Mem: mem, BatchSize: bs, Data: data})
				if err != nil {
					t.Fatalf("plain=%t: %v", plain, err)
				}
				assertNoLeaks(t, mem)
				used := dictionariesUsed.Load() - before
				if plain && used != 0 || !plain && dict && used == 0 {
					t.Errorf("plain=%t: %d dictionaries used", plain, used)
				}
				if !dict && used != 0 {
					t.Errorf("a plan that cannot use dictionaries used %d", used)
				}
				return res
			}
			plainRes := run(true)
			dictRes := run(false)
			got, want := dictRes.rows, plainRes.rows
			if sorted {
				got, want = sortedFormatted(dictRes, got), sortedFormatted(plainRes, want)
			}
			equalRows(t, plainRes.schema, got, want)
			if check != nil {
				check(t, plainRes)
			}
		})
	}
}

func textLit(s string) *planner.Literal { return lit(sqltype.Text, s) }

func negated(c *planner.Call) *planner.Call { c.Negate = true; return c }

// TestDictFilter: predicates over text read as dictionaries keep the rows they keep over plain strings, and
// the rows a Go reference keeps.
func TestDictFilter(t *testing.T) {
	rows, chunks, stores, fbChunks := dictStores(t)
	g, s := dref(cG), dref(cS)
	nullText := lit(sqltype.Text, nil)
	cases := []struct {
		name string
		pred planner.Expr
		ref  func(r row) tri // nil: compared with the plain run only
	}{
		{"g = 'a'", boolCall("=", g, textLit("a")), func(r row) tri { return cmpTri("=", r[cG], "a") }},
		{"g = ''", boolCall("=", g, textLit("")), func(r row) tri { return cmpTri("=", r[cG], "") }},
		{"'a' = g", boolCall("=", textLit("a"), g), func(r row) tri { return cmpTri("=", r[cG], "a") }},
		{"g <> 'a'", boolCall("<>", g, textLit("a")), func(r row) tri { return cmpTri("<>", r[cG], "a") }},
		{"g < 'b'", boolCall("<", g, textLit("b")), func(r row) tri { return cmpTri("<", r[cG], "b") }},
		{"g <= 'ab'", boolCall("<=", g, textLit("ab")), func(r row) tri { return cmpTri("<=", r[cG], "ab") }},
		{"g > 'Zürich'", boolCall(">", g, textLit("Zürich")), func(r row) tri { return cmpTri(">", r[cG], "Zürich") }},
		{"g >= ''", boolCall(">=", g, textLit("")), func(r row) tri { return cmpTri(">=", r[cG], "") }},
		{"g = NULL", boolCall("=", g, nullText), func(r row) tri { return tNull }},
		{"g IN ('a', '東京', NULL)", boolCall("in", g, textLit("a"), textLit("東京"), nullText),
			func(r row) tri { return inTri(r[cG], "a", "東京", nil) }},
		{"g NOT IN ('a', '')", negated(boolCall("in", g, textLit("a"), textLit(""))),
			func(r row) tri { return triNot(inTri(r[cG], "a", "")) }},
		{"g IS NULL", boolCall("is_null", g), func(r row) tri { return triOf(r[cG] == nil) }},
		{"g IS NOT NULL", boolCall("is_not_null", g), func(r row) tri { return triOf(r[cG] != nil) }},
		{"g LIKE 'a%'", boolCall("like", g, textLit("a%")), func(r row) tri { return likeTri(r[cG], "a%", false) }},
		{"g NOT LIKE '%b'", negated(boolCall("like", g, textLit("%b"))), func(r row) tri { return likeTri(r[cG], "%b", true) }},
		{"g ILIKE 'zü%'", boolCall("like", call("lower", sqltype.Text, g), textLit("zü%")), nil},
		{"UPPER(g) = 'AB'", boolCall("=", call("upper", sqltype.Text, g), textLit("AB")), nil},
		{"g <=> NULL", boolCall("<=>", g, nullText), func(r row) tri { return triOf(r[cG] == nil) }},
		{"g <=> 'b'", boolCall("<=>", g, textLit("b")), func(r row) tri { return triOf(r[cG] == "b") }},
		{"NOT (g = 'a')", boolCall("not", boolCall("=", g, textLit("a"))), func(r row) tri { return triNot(cmpTri("=", r[cG], "a")) }},
		{"g BETWEEN 'a' AND 'b'", boolCall("and", boolCall(">=", g, textLit("a")), boolCall("<=", g, textLit("b"))),
			func(r row) tri { return triAnd(cmpTri(">=", r[cG], "a"), cmpTri("<=", r[cG], "b")) }},
		{"(g = 'a' OR g = 'b') AND i > 0",
			boolCall("and", boolCall("or", boolCall("=", g, textLit("a")), boolCall("=", g, textLit("b"))),
				boolCall(">", dref(cI), lit(sqltype.BigInt, int64(0)))),
			func(r row) tri {
				return triAnd(triOr(cmpTri("=", r[cG], "a"), cmpTri("=", r[cG], "b")), cmpTri(">", r[cI], int64(0)))
			}},
		{"s = 'a'", boolCall("=", s, textLit("a")), func(r row) tri { return cmpTri("=", r[cS], "a") }},
		{"s > 'b'", boolCall(">", s, textLit("b")), func(r row) tri { return cmpTri(">", r[cS], "b") }},
		{`s LIKE '%\%%'`, boolCall("like", s, textLit(`%\%%`)), func(r row) tri { return likeTri(r[cS], `%\%%`, false) }},
		{"s IN ('a', 'ab', 'é日')", boolCall("in", s, textLit("a"), textLit("ab"), textLit("é日")),
			func(r row) tri { return inTri(r[cS], "a", "ab", "é日") }},
		{"s IS NULL OR g = 'ab'", boolCall("or", boolCall("is_null", s), boolCall("=", g, textLit("ab"))),
			func(r row) tri { return triOr(triOf(r[cS] == nil), cmpTri("=", r[cG], "ab")) }},
	}
	for i, tc := range cases {
		for _, name := range []string{"dictionaries", "fallback", "cache"} {
			if name != "dictionaries" && i%2 == 1 {
				continue // every other predicate suffices to cover the other stores
			}
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				ch := chunks
				if name == "fallback" {
					ch = fbChunks
				}
				var want []row
				for _, r := range rows {
					if tc.ref != nil && tc.ref(r) == tTrue {
						want = append(want, row{r[cK], r[cI]})
					}
				}
				// The text columns end at the projection: read as dictionaries.
				plan := &planner.Projection{Input: &planner.Filter{Input: dictScan(ch), Predicate: tc.pred},
					Exprs: []planner.Expr{dref(cK), dref(cI)}, Names: []string{"k", "i"}}
				runBothWays(t, plan, stores[name], true, false, func(t *testing.T, res runResult) {
					if tc.ref != nil {
						equalRows(t, res.schema, res.rows, want)
					}
				})
			})
		}
	}
}

// TestDictGroupBy: hash aggregates grouping by text read as dictionaries give the groups they give over plain
// strings, and those of a Go reference, with and without filters below, in one stage or split over a Merge.
func TestDictGroupBy(t *testing.T) {
	rows, chunks, stores, fbChunks := dictStores(t)
	aggs := []*planner.AggCall{aggCall("count", nil), aggCall("sum", dref(cI)), aggCall("max", dref(cK)),
		aggCall("count", dref(cF))}
	col := func(c int) func(row) any { return func(r row) any { return r[c] } }
	cases := []struct {
		name   string
		keys   []int
		filter planner.Expr
		keep   func(r row) bool
	}{
		{"g", []int{cG}, nil, nil},
		{"s", []int{cS}, nil, nil},
		{"g, k", []int{cG, cK}, nil, nil},
		{"k, g", []int{cK, cG}, nil, nil},
		{"g, s", []int{cG, cS}, nil, nil},
		{"s, b", []int{cS, cB}, nil, nil},
		{"g where g <> 'a' and s like 'a%'", []int{cG},
			boolCall("and", boolCall("<>", dref(cG), textLit("a")), boolCall("like", dref(cS), textLit("a%"))),
			func(r row) bool {
				return triAnd(cmpTri("<>", r[cG], "a"), likeTri(r[cS], "a%", false)) == tTrue
			}},
		{"s where g in ('', 'ab')", []int{cS}, boolCall("in", dref(cG), textLit(""), textLit("ab")),
			func(r row) bool { return inTri(r[cG], "", "ab") == tTrue }},
	}
	for _, tc := range cases {
		var groupBy []planner.Expr
		var names []string
		var ref []func(row) any
		for _, c := range tc.keys {
			groupBy = append(groupBy, dref(c))
			names = append(names, factCols[c].Name)
			ref = append(ref, col(c))
		}
		var kept []row
		for _, r := range rows {
			if tc.keep == nil || tc.keep(r) {
				kept = append(kept, r)
			}
		}
		want := refGroupBy(kept, ref, aggs, dictArg)
		for _, name := range []string{"dictionaries", "fallback", "cache"} {
			ch := chunks
			if name == "fallback" {
				ch = fbChunks
			}
			input := func() planner.Node {
				var in planner.Node = dictScan(ch)
				if tc.filter != nil {
					in = &planner.Filter{Input: in, Predicate: tc.filter}
				}
				return in
			}
			full := func() *planner.Aggregate {
				return &planner.Aggregate{Input: input(), Mode: planner.Full, Strategy: planner.Hash, GroupBy: groupBy,
					Names: names, Aggs: aggs}
			}
			plans := map[string]func() planner.Node{
				"full": func() planner.Node { return full() },
				"partial per chunk, merge, final": func() planner.Node {
					p, f := planner.SplitAggregate(full())
					f.Input = &planner.Merge{Input: p, Parallel: 2}
					return f
				},
			}
			for pname, plan := range plans {
				t.Run(tc.name+"/"+name+"/"+pname, func(t *testing.T) {
					runBothWays(t, plan(), stores[name], true, true, func(t *testing.T, res runResult) {
						equalRows(t, res.schema, sortedFormatted(res, res.rows), sortedFormatted(res, want))
					})
				})
			}
		}
	}
}

// TestDictKeyCoderAcrossForms: one key coder given a column as plain strings, as dictionaries (two of them,
// sharing values) and plainly again numbers each value once.
func TestDictKeyCoderAcrossForms(t *testing.T) {
	mem := newCheckedMem()
	defer assertNoLeaks(t, mem)
	plainA := buildArray(t, mem, sqltype.Text, []any{"x", nil, "a longer value", ""})
	defer plainA.Release()
	dictA := dictArray(t, mem, []any{"", "a longer value", "y", nil, "x"}, []string{"x", "", "a longer value", "y"})
	defer dictA.Release()
	dictB := dictArray(t, mem, []any{"y", "z", "x", nil}, []string{"z", "y", "x", "unused"})
	defer dictB.Release()
	c := newKeyCoder(arrow.BinaryTypes.String)
	defer c.release()
	code := func(a arrow.Array, add bool) []uint32 {
		codes := make([]uint32, a.Len())
		c.code(a, codes, add)
		return codes
	}
	got := fmt.Sprint(code(plainA, true), code(dictA, true), code(dictB, true), code(plainA, true), code(dictB, false))
	// x=1 NULL=0 ""=2 (a NULL row is coded as the empty string before its code is set) "a longer value"=3 y=4 z=5
	if want := "[1 0 3 2] [2 3 4 0 1] [4 5 1 0] [1 0 3 2] [4 5 1 4294967295]"; got != want {
		t.Errorf("codes %s, want %s", got, want)
	}
}

// dictArray builds a dictionary array of the strings vals (nil is NULL) over the dictionary dict.
func dictArray(t testing.TB, mem memory.Allocator, vals []any, dict []string) arrow.Array {
	t.Helper()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	b := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	defer b.Release()
	values := buildArray(t, mem, sqltype.Text, anyStrings(dict))
	defer values.Release()
	if err := b.InsertStringDictValues(values.(*array.String)); err != nil {
		t.Fatal(err)
	}
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		if err := b.AppendString(v.(string)); err != nil {
			t.Fatal(err)
		}
	}
	return b.NewArray()
}

func anyStrings(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// TestDictionaryColumns: Build reads a text column as a dictionary only when every use of it takes one.
func TestDictionaryColumns(t *testing.T) {
	tt := newFactTable(t, 43)
	g := factRef(cG)
	gIsA := boolCall("=", g, textLit("a"))
	project := func(in planner.Node, exprs ...planner.Expr) *planner.Projection {
		names := make([]string, len(exprs))
		for i, e := range exprs {
			names[i] = e.String()
		}
		return &planner.Projection{Input: in, Exprs: exprs, Names: names}
	}
	agg := func(in planner.Node, s planner.AggregateStrategy, keys []planner.Expr, aggs ...*planner.AggCall) *planner.Aggregate {
		names := make([]string, len(keys))
		for i, e := range keys {
			names[i] = e.String()
		}
		return &planner.Aggregate{Input: in, Mode: planner.Full, Strategy: s, GroupBy: keys, Names: names, Aggs: aggs}
	}
	filter := func(in planner.Node, p planner.Expr) *planner.Filter { return &planner.Filter{Input: in, Predicate: p} }
	keyRanged := tt.scan()
	keyRanged.KeyRanges = []planner.ColumnRange{{Column: cG, Range: sqltype.Range{Values: []any{"a"}}}}
	cases := []struct {
		name string
		plan func(scan *planner.Scan) planner.Node
		want string // the scan's text columns read as dictionaries
	}{
		{"a filter at the root", func(s *planner.Scan) planner.Node { return filter(s, gIsA) }, "[]"},
		{"a projection of other columns over a filter",
			func(s *planner.Scan) planner.Node { return project(filter(s, gIsA), factRef(cK)) }, "[g s]"},
		{"a projection of g", func(s *planner.Scan) planner.Node { return project(filter(s, gIsA), g) }, "[s]"},
		{"g = 'a' AND k > 1", func(s *planner.Scan) planner.Node {
			return project(filter(s, boolCall("and", gIsA, boolCall(">", factRef(cK), lit(sqltype.BigInt, int64(1))))), factRef(cK))
		}, "[g s]"},
		{"COALESCE(g, 'x') = 'a'", func(s *planner.Scan) planner.Node {
			return project(filter(s, boolCall("=", call("coalesce", sqltype.Text, g, textLit("x")), textLit("a"))), factRef(cK))
		}, "[s]"},
		{"g = s", func(s *planner.Scan) planner.Node {
			return project(filter(s, boolCall("=", g, factRef(cS))), factRef(cK))
		}, "[]"},
		{"hash GROUP BY g", func(s *planner.Scan) planner.Node {
			return agg(s, planner.Hash, []planner.Expr{g}, aggCall("count", nil))
		}, "[g s]"},
		{"hash GROUP BY g, MIN(s)", func(s *planner.Scan) planner.Node {
			return agg(s, planner.Hash, []planner.Expr{g}, aggCall("min", factRef(cS)))
		}, "[g]"},
		{"hash GROUP BY LOWER(g)", func(s *planner.Scan) planner.Node {
			return agg(s, planner.Hash, []planner.Expr{call("lower", sqltype.Text, g)}, aggCall("count", nil))
		}, "[s]"},
		{"inplace GROUP BY g", func(s *planner.Scan) planner.Node {
			return agg(s, planner.Inplace, []planner.Expr{g}, aggCall("count", nil))
		}, "[s]"},
		{"inplace GROUP BY k over a filter on g", func(s *planner.Scan) planner.Node {
			return agg(filter(s, gIsA), planner.Inplace, []planner.Expr{factRef(cK)}, aggCall("count", nil))
		}, "[g s]"},
		{"a sort", func(s *planner.Scan) planner.Node {
			return project(&planner.Sort{Input: s, Keys: []planner.SortKey{{Column: cK}}}, factRef(cK))
		}, "[]"},
		{"a limit", func(s *planner.Scan) planner.Node {
			return project(&planner.GlobalLimit{Input: s, N: 3}, factRef(cK))
		}, "[]"},
		{"under a merge", func(s *planner.Scan) planner.Node {
			p, f := planner.SplitAggregate(agg(filter(s, gIsA), planner.Hash, []planner.Expr{factRef(cS)}, aggCall("count", nil)))
			f.Input = &planner.Merge{Input: p}
			return f
		}, "[g s]"},
		{"a key range on g", func(*planner.Scan) planner.Node {
			return agg(keyRanged, planner.Hash, []planner.Expr{g}, aggCall("count", nil))
		}, "[s]"},
		{"last row by unique key", func(s *planner.Scan) planner.Node {
			return agg(&planner.LastRowByUniqueKey{Input: s, Key: []int{cK}, Prefix: 1, Seq: -1}, planner.Hash,
				[]planner.Expr{g}, aggCall("count", nil))
		}, "[]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := tc.plan(tt.scan())
			var names []string
			for s, flags := range dictionaryColumns(plan) {
				for j, d := range flags {
					if d {
						names = append(names, s.TableColumns[s.Projection[j]].Name)
					}
				}
			}
			if got := fmt.Sprint(names); got != tc.want {
				t.Errorf("dictionary columns %s, want %s\n%s", got, tc.want, planner.Explain(plan, nil))
			}
		})
	}
}

// TestDictStringsStayPlainAtTheRoot: a filter whose text columns are part of the result reads them plainly.
func TestDictStringsStayPlainAtTheRoot(t *testing.T) {
	_, chunks, stores, _ := dictStores(t)
	plan := &planner.Filter{Input: dictScan(chunks), Predicate: boolCall("like", dref(cG), textLit("%b%"))}
	runBothWays(t, plan, stores["cache"], false, false, func(t *testing.T, res runResult) {
		for _, f := range res.schema.Fields() {
			if strings.HasPrefix(f.Type.String(), "dictionary") {
				t.Errorf("result column %s is %s", f.Name, f.Type)
			}
		}
	})
}

// TestDictNullIndexes: NULL rows of a dictionary array may hold any index, out of the dictionary's range
// too; predicates and key codes of such arrays, sliced at odd offsets, are those of the plain strings.
func TestDictNullIndexes(t *testing.T) {
	mem := newCheckedMem()
	defer assertNoLeaks(t, mem)
	dict := buildArray(t, mem, sqltype.Text, []any{"a", "", "a long value", "b"})
	defer dict.Release()
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 300
	vals := make([]int32, n)
	valid := make([]bool, n)
	strs := make([]any, n)
	for i := range vals {
		vals[i], valid[i] = int32(rng.IntN(4)), rng.IntN(5) != 0
		if valid[i] {
			strs[i] = dict.(*array.String).Value(int(vals[i]))
		} else if rng.IntN(2) == 0 {
			vals[i] = int32(rng.IntN(1000)) - 500 // NULLs' indexes are undefined
		}
	}
	ib := array.NewInt32Builder(mem)
	ib.AppendValues(vals, valid)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	whole := array.NewDictionaryArray(dt, idx, dict)
	defer whole.Release()
	plainWhole := buildArray(t, mem, sqltype.Text, strs)
	defer plainWhole.Release()

	preds := []planner.Expr{
		boolCall("=", colRef(0, sqltype.Text), textLit("a")),
		boolCall("is_null", colRef(0, sqltype.Text)),
		boolCall("in", colRef(0, sqltype.Text), textLit(""), lit(sqltype.Text, nil)),
		boolCall("not", boolCall("like", colRef(0, sqltype.Text), textLit("a%"))),
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "t", Type: dt, Nullable: true}}, nil)
	plainSchema := arrow.NewSchema([]arrow.Field{{Name: "t", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	ec := newEvalCtx(context.Background(), mem)
	for _, off := range []int64{0, 3, 8, 13} {
		d := array.NewSlice(whole, off, n-off/2)
		p := array.NewSlice(plainWhole, off, n-off/2)
		db := array.NewRecordBatch(schema, []arrow.Array{d}, int64(d.Len()))
		pb := array.NewRecordBatch(plainSchema, []arrow.Array{p}, int64(p.Len()))
		for _, pred := range preds {
			var evs []*dictPredEval
			ev, err := compilePredicate(pred, []bool{true}, &evs)
			if err != nil || len(evs) != 1 {
				t.Fatalf("%s: %v, %d dictionary evaluators", pred, err, len(evs))
			}
			got, err := ev.eval(ec, db)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ev.eval(ec, pb)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := fmt.Sprint(got), fmt.Sprint(want); g != w {
				t.Errorf("offset %d, %s:\n got  %s\n want %s", off, pred, g, w)
			}
			got.Release()
			want.Release()
			releaseDictEvals(evs)
		}
		c := newKeyCoder(arrow.BinaryTypes.String)
		dc := make([]uint32, d.Len())
		pc := make([]uint32, p.Len())
		c.code(p, pc, true)
		c.code(d, dc, true)
		if fmt.Sprint(dc) != fmt.Sprint(pc) {
			t.Errorf("offset %d: codes %v, want %v", off, dc, pc)
		}
		c.release()
		db.Release()
		pb.Release()
		d.Release()
		p.Release()
	}
}
