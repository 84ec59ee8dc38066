package differential

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/testsuite"
	"github.com/vcubedb/vcube/testsuite/slt"
)

func TestGeneratorIsDeterministic(t *testing.T) {
	ds := Generate()
	assert.Equal(t, Generate().Setup(true), ds.Setup(true), "the data does not depend on anything")
	a, b, c := NewGenerator(ds, 7), NewGenerator(ds, 7), NewGenerator(ds, 8)
	same := 0
	for range 50 {
		qa, qb, qc := a.Query().SQL(), b.Query().SQL(), c.Query().SQL()
		require.Equal(t, qa, qb)
		if qa == qc {
			same++
		}
	}
	assert.Less(t, same, 5, "another seed writes other queries")
}

func TestGeneratedQueriesAreWellFormed(t *testing.T) {
	g := NewGenerator(Generate(), 3)
	for range 500 {
		q := g.Query()
		sql := q.SQL()
		if q.Limit >= 0 {
			assert.True(t, q.Ordered(), "LIMIT without a total order: %s", sql)
		}
		if q.Ordered() {
			assert.Len(t, q.Order, len(q.Items), "ORDER BY names every select item: %s", sql)
			for _, e := range q.Items {
				assert.NotEqual(t, TFloat, e.T, "no ORDER BY with a DOUBLE item: %s", sql)
			}
		}
		for i, k := range q.GroupBy {
			assert.True(t, k.Subs != nil || !constantOnly([]*Expr{k}), "a group key is not a bare literal (a position): %s", sql)
			for _, other := range q.GroupBy[:i] {
				assert.NotEqual(t, other.SQL, k.SQL, "no key twice: %s", sql)
			}
			assert.NotContains(t, k.SQL, "SELECT", "no subquery in a group key: %s", sql)
		}
	}
}

// TestGeneratedQueriesRunOnVcube runs generated queries on vcube alone: what the generator writes is SQL vcube
// documents, so vcube answers every one of them.
func TestGeneratedQueriesRunOnVcube(t *testing.T) {
	ctx := context.Background()
	vc, err := openVcube(ctx, t.TempDir())
	require.NoError(t, err)
	defer vc.close()
	ds := Generate()
	require.NoError(t, load(ctx, vc, "d", ds, true))
	g := NewGenerator(ds, 1)
	n := 150
	if testing.Short() {
		n = 30
	}
	for range n {
		sql := g.Query().SQL()
		a := vc.query(ctx, sql)
		assert.NoError(t, a.Err, sql)
	}
}

func TestCompareNormalisesWhatIsDocumented(t *testing.T) {
	vc := Answer{Float: []bool{false, false, true}, Bool: []bool{true, false, false}, Time: []bool{false, true, false},
		Rows: [][]string{{"true", "2024-01-01 00:00:00", "0.30000000000000004"}, {"false", "2024-01-01 10:00:00.500000", "NULL"}}}
	mdb := Answer{Float: []bool{false, false, true}, Bool: []bool{false, false, false}, Time: []bool{false, true, false},
		Rows: [][]string{{"0", "2024-01-01 10:00:00.5", "NULL"}, {"1", "2024-01-01 00:00:00.000000", "0.3"}}}
	v, msg := Compare(vc, mdb, false)
	assert.Equal(t, Agree, v, msg)

	v, msg = Compare(vc, mdb, true)
	assert.Equal(t, ResultsDiffer, v, "in order, the rows differ")
	assert.Contains(t, msg, "row 1")

	// Not normalised: a DECIMAL's scale, text case, a float beyond 1e-9.
	for _, c := range []struct{ a, b string }{{"1.50", "1.5"}, {"a", "A"}} {
		v, _ := Compare(Answer{Float: []bool{false}, Rows: [][]string{{c.a}}}, Answer{Float: []bool{false}, Rows: [][]string{{c.b}}}, false)
		assert.Equal(t, ResultsDiffer, v, c)
	}
	v, _ = Compare(Answer{Float: []bool{true}, Rows: [][]string{{"1.000001"}}}, Answer{Float: []bool{false}, Rows: [][]string{{"1"}}}, false)
	assert.Equal(t, ResultsDiffer, v)
	v, _ = Compare(Answer{Float: []bool{true}, Rows: [][]string{{"1.0000000001"}}}, Answer{Float: []bool{false}, Rows: [][]string{{"1"}}}, false)
	assert.Equal(t, Agree, v, "DOUBLE on either side compares to 1e-9")

	v, _ = Compare(Answer{Float: []bool{false}, Rows: [][]string{{"1"}, {"1"}}}, Answer{Float: []bool{false}, Rows: [][]string{{"1"}}}, false)
	assert.Equal(t, ResultsDiffer, v, "multisets: duplicates count")

	boom := sqlerror.NewSQLError(sqlerror.ERNoSuchTable, "42S02", "no")
	v, _ = Compare(Answer{Err: boom}, Answer{Err: errors.New("x")}, false)
	assert.Equal(t, BothFail, v)
	v, _ = Compare(Answer{Err: boom}, mdb, false)
	assert.Equal(t, VcubeFails, v)
	v, _ = Compare(vc, Answer{Err: boom}, false)
	assert.Equal(t, MariaDBFails, v)
	assert.Equal(t, 1146, (&Answer{Err: boom}).Code())
}

func TestCandidatesShrinkOneStep(t *testing.T) {
	col := func(s string, ty Type) *Expr { return &Expr{SQL: s, T: ty} }
	a, b := col("f.qty", TInt), col("f.big", TInt)
	sum := binary(TInt, a, "+", b)
	key := col("f.note", TText)
	q := &Query{From: "facts", Alias: "f", Items: []*Expr{key, sum, {SQL: "COUNT(*)", T: TInt, Agg: true}},
		GroupBy: []*Expr{key, sum}, Where: []*Expr{col("(f.id > 1)", TBool)}, Limit: 3,
		Order: []OrderKey{{Pos: 3}, {Pos: 1, Desc: true}, {Pos: 2}}}
	assert.Equal(t, "SELECT f.note, (f.qty + f.big), COUNT(*) FROM facts f WHERE (f.id > 1) GROUP BY f.note, (f.qty + f.big) ORDER BY 3, 1 DESC, 2 LIMIT 3", q.SQL())
	var sqls []string
	for _, c := range candidates(q) {
		sqls = append(sqls, c.SQL())
	}
	assert.Contains(t, sqls, "SELECT f.note, (f.qty + f.big), COUNT(*) FROM facts f GROUP BY f.note, (f.qty + f.big) ORDER BY 3, 1 DESC, 2 LIMIT 3")
	assert.Contains(t, sqls, "SELECT (f.qty + f.big), COUNT(*) FROM facts f WHERE (f.id > 1) GROUP BY (f.qty + f.big) ORDER BY 2, 1 LIMIT 3",
		"a group key goes with the select item that repeats it, and ORDER BY is renumbered")
	assert.Contains(t, sqls, "SELECT f.note, f.qty, COUNT(*) FROM facts f WHERE (f.id > 1) GROUP BY f.note, f.qty ORDER BY 3, 1 DESC, 2 LIMIT 3",
		"an expression is replaced by an operand everywhere it appears")
	assert.Contains(t, sqls, "SELECT f.note, (f.qty + f.big), COUNT(*) FROM facts f WHERE (f.id > 1) GROUP BY f.note, (f.qty + f.big) ORDER BY 3, 1 DESC, 2")
	for _, s := range sqls {
		assert.NotEqual(t, q.SQL(), s)
	}
	assert.Nil(t, candidates(&Query{Raw: "SELECT 1"}), "a raw query is not rewritten")
}

// fakeEngine answers like vcube or MariaDB would, from a function of the query and the rows loaded.
type fakeEngine struct {
	nm     string
	data   *Dataset
	answer func(sql string, d *Dataset) Answer
	loads  int
}

func (f *fakeEngine) name() string                               { return f.nm }
func (f *fakeEngine) reset(context.Context, string) error        { f.data = &Dataset{}; f.loads++; return nil }
func (f *fakeEngine) query(_ context.Context, sql string) Answer { return f.answer(sql, f.data) }
func (f *fakeEngine) close() error                               { return nil }
func (f *fakeEngine) exec(_ context.Context, sql string) error {
	if rest, ok := strings.CutPrefix(sql, "CREATE TABLE "); ok {
		name, cols, _ := strings.Cut(rest, " (")
		cols, _, _ = strings.Cut(cols, ")")
		t := &Table{Name: name}
		for _, c := range strings.Split(cols, ", ") {
			n, _, _ := strings.Cut(c, " ")
			t.Columns = append(t.Columns, Column{Name: n})
		}
		f.data.Tables = append(f.data.Tables, t)
		return nil
	}
	if rest, ok := strings.CutPrefix(sql, "INSERT INTO "); ok {
		name, values, _ := strings.Cut(rest, " VALUES ")
		t := f.data.Table(name)
		for _, v := range strings.Split(strings.Trim(values, "()"), "), (") {
			t.Rows = append(t.Rows, Row{Values: strings.Split(v, ", ")})
		}
	}
	return nil
}

func TestShrinkerFindsTheSmallCase(t *testing.T) {
	ds := Generate()
	facts := ds.Table("facts")
	qtyCol := slices.IndexFunc(facts.Columns, func(c Column) bool { return c.Name == "qty" })
	bad := facts.Rows[41].Values[qtyCol] // the qty of the row with id 42
	require.NotEqual(t, "NULL", bad)
	// vcube miscounts when the query filters on qty and facts holds a row with that qty.
	count := func(bug bool) func(string, *Dataset) Answer {
		return func(sql string, d *Dataset) Answer {
			n := 0
			if t := d.Table("facts"); t != nil {
				n = len(t.Rows)
				if i := slices.Index(t.Columns, Column{Name: "qty"}); bug && i >= 0 && strings.Contains(sql, "f.qty") {
					for _, r := range t.Rows {
						if r.Values[i] == bad {
							n++
						}
					}
				}
			}
			return Answer{Float: []bool{false}, Bool: []bool{false}, Time: []bool{false}, Rows: [][]string{{fmt.Sprint(n)}}}
		}
	}
	vc := &fakeEngine{nm: "vcube", answer: count(true)}
	mdb := &fakeEngine{nm: "mariadb", answer: count(false)}
	col := func(s string, ty Type) *Expr { return &Expr{SQL: s, T: ty} }
	q := &Query{From: "facts", Alias: "f", Limit: -1,
		Items: []*Expr{{SQL: "COUNT(*)", T: TInt, Agg: true}, col("MAX(f.id)", TInt)},
		Where: []*Expr{col("(f.id > 0)", TBool), col("(f.qty > 0)", TBool), col("(f.big > 0)", TBool)},
		Joins: []Join{{Table: "regions", Alias: "r", On: []*Expr{col("f.region_id = r.region_id", TBool)}}}}
	s := &shrinker{vc: vc, mdb: mdb, schema: "s", want: ResultsDiffer, deadline: time.Now().Add(time.Minute), maxTries: 3000}
	c := &Case{Query: q, Data: ds, Cube: true}
	require.NoError(t, s.Shrink(context.Background(), c))
	assert.Equal(t, "SELECT MAX(f.id) FROM facts f WHERE (f.qty > 0)", c.Query.SQL())
	require.Equal(t, 1, c.Data.RowCount(), "one row is left: %v", c.Data.Setup(false))
	assert.False(t, c.Cube, "the fake engines disagree without Cube Store's clauses too")
	assert.Equal(t, []string{"id", "qty"}, columnNames(c.Data.Table("facts")), "only the columns the query names")
	assert.Equal(t, bad, c.Data.Table("facts").Rows[0].Values[1])
	assert.Len(t, c.Data.Tables, 1, "only the tables the query names")
}

func columnNames(t *Table) []string {
	var names []string
	for _, c := range t.Columns {
		names = append(names, c.Name)
	}
	return names
}

func TestRegressionFileIsASuiteFile(t *testing.T) {
	ds := Generate()
	d := unusedColumnsDropped(ds, "SELECT f.qty, f.note FROM facts f", true)
	d.Tables[0].Rows = d.Tables[0].Rows[:3]
	d.Tables[0].Rows[1].Values[len(d.Tables[0].Columns)-1] = "'x'"
	c := &Case{
		Query:   &Query{Raw: "SELECT f.qty, f.note, 0.1e0 FROM facts f ORDER BY 1, 2"},
		Data:    d,
		Cube:    true,
		Verdict: ResultsDiffer, Detail: "row 1 differs",
		Vcube:   Answer{Float: []bool{false, false, true}, Types: []string{"bigint", "text", "double"}, Rows: [][]string{{"1", "true", "0.1"}}},
		MariaDB: Answer{Float: []bool{false, false, true}, Types: []string{"int", "text", "double"}, Rows: [][]string{{"1", "", "0.1"}, {"2", "a b", "NULL"}}},
	}
	name, text := RegressionFile(c, "seed 1, query 2")
	assert.Regexp(t, `^d[0-9a-f]{10}\.slt$`, name)
	recs, err := slt.Parse(name, strings.NewReader(text))
	require.NoError(t, err, text)
	last := recs[len(recs)-1]
	assert.Equal(t, []slt.Condition{{Target: "vcube"}}, last.Conditions, "the query waits for a review on vcube")
	assert.Equal(t, "TTR", last.Types)
	assert.Equal(t, slt.NoSort, last.Sort)
	assert.Equal(t, [][]string{{"1", "(empty)", "0.1"}, {"2", "a b", "NULL"}}, last.Rows, "MariaDB's answer is expected")
	assert.Contains(t, text, "skipif mysql\n# mariadb-differences: cube-store-ddl\nstatement ok\nCREATE TABLE facts (region_id int, product_id int, qty int, amount decimal(12,2), price double, note text) AGGREGATIONS",
		"the columns the query names and those Cube Store's clauses name")
	assert.Contains(t, text, "onlyif mysql\n# mariadb-differences: cube-store-ddl\nstatement ok\nCREATE TABLE facts (region_id int, product_id int, qty int, amount decimal(12,2), price double, note text)\n")
	assert.Contains(t, text, `#   ("1", "true", "0.1")`, "vcube's answer is in the comments")

	// The traceability check of the suite accepts the file.
	path := t.TempDir() + "/" + name
	require.NoError(t, writeString(path, text))
	diffs, err := testsuite.MySQLDifferences(path)
	require.NoError(t, err)
	entries, err := testsuite.ReadDifferences("../" + testsuite.DifferencesFile)
	require.NoError(t, err)
	for _, d := range diffs {
		assert.Empty(t, d.Problem(entries), "%s:%d", d.File, d.Line)
	}

	// Values the format cannot list are hashed; an error is expected as an error.
	c.MariaDB.Rows = [][]string{{"1", "  ", "0.1"}}
	_, text = RegressionFile(c, "x")
	recs, err = slt.Parse(name, strings.NewReader(text))
	require.NoError(t, err, text)
	assert.Equal(t, 3, recs[len(recs)-1].HashCount)
	c.MariaDB = Answer{Err: sqlerror.NewSQLError(sqlerror.ERNoSuchTable, "42S02", "no")}
	_, text = RegressionFile(c, "x")
	recs, err = slt.Parse(name, strings.NewReader(text))
	require.NoError(t, err, text)
	assert.True(t, recs[len(recs)-1].ExpectError)
	assert.Equal(t, "1146", recs[len(recs)-1].ErrorPattern)
}

func TestCompareMatchesNearlyEqualDoubles(t *testing.T) {
	// Every value is within 1e-9 of the next one: only pairing in order matches them all.
	vc := Answer{Float: []bool{true}, Rows: [][]string{{"-99.99999823589509"}, {"-99.99999837130873"}, {"-99.9999985"}}}
	mdb := Answer{Float: []bool{true}, Rows: [][]string{{"-99.9999985000000001"}, {"-99.99999823589508"}, {"-99.99999837130874"}}}
	v, msg := Compare(vc, mdb, false)
	assert.Equal(t, Agree, v, msg)
	mdb.Rows[0][0] = "-99.9999990"
	v, _ = Compare(vc, mdb, false)
	assert.Equal(t, ResultsDiffer, v)
}

func TestGeneratorWritesUnionsAndDerivedTables(t *testing.T) {
	g := NewGenerator(Generate(), 11)
	seen := map[string]int{}
	for range 1000 {
		q := g.Query()
		sql := q.SQL()
		require.True(t, q.wellFormed(), sql)
		for _, u := range q.Union {
			seen["union"]++
			assert.Len(t, u.Items, len(q.Items), "every select of a UNION has as many items: %s", sql)
			for i, e := range u.Items {
				assert.Equal(t, q.Items[i].T, e.T, "of the same types: %s", sql)
			}
			assert.Empty(t, u.Order, sql)
			assert.Equal(t, -1, u.Limit, "a select of a UNION has no LIMIT of its own: %s", sql)
		}
		if d := q.Derived; d != nil {
			seen["derived"]++
			assert.Len(t, d.Names, len(d.Items), "a derived table's items are named: %s", sql)
			if d.Limit >= 0 {
				assert.Len(t, d.Order, len(d.Items), "its LIMIT cuts a total order: %s", sql)
			}
			if len(d.GroupBy) > 0 {
				seen["grouped derived"]++
			}
			for _, k := range q.GroupBy {
				assert.False(t, mixesDerived(k), "no key naming d and another table: %s", sql)
			}
		}
		for _, e := range q.Items {
			if strings.Contains(e.SQL, "(SELECT ") {
				seen["scalar subquery item"]++
			}
		}
		for _, s := range []string{"CONVERT_TZ(", "'Europe/Paris'", "AS DATETIME)", "AS DATETIME(6))", "AS DECIMAL(", "AS SIGNED)", "AS DOUBLE)", "AS CHAR)", "NOT IN (SELECT "} {
			if strings.Contains(sql, s) {
				seen[s]++
			}
		}
		assert.NotContains(t, sql, "AS CHAR(", "vcube does not cut CHAR(n) yet: %s", sql)
	}
	for _, s := range []string{"union", "derived", "grouped derived", "scalar subquery item", "CONVERT_TZ(", "'Europe/Paris'", "AS DATETIME)",
		"AS DATETIME(6))", "AS DECIMAL(", "AS SIGNED)", "AS DOUBLE)", "AS CHAR)", "NOT IN (SELECT "} {
		assert.Positive(t, seen[s], "the generator writes %s", s)
	}

	g = NewGenerator(Generate(), 11, "named-time-zones")
	for range 1000 {
		q := g.Query()
		sql := q.SQL()
		for _, z := range tzNames {
			assert.NotContains(t, sql, "'"+z+"'", "offsets only: %s", sql)
		}
	}
}

func TestCandidatesShrinkUnionsAndDerivedTables(t *testing.T) {
	col := func(s string, ty Type) *Expr { return &Expr{SQL: s, T: ty} }
	u := &Query{From: "products", Alias: "p", Limit: -1, Items: []*Expr{col("p.product_id", TInt), col("p.name", TText)},
		Where: []*Expr{col("(p.cost > 1)", TBool)}}
	q := &Query{From: "facts", Alias: "f", Limit: 2, Items: []*Expr{col("f.qty", TInt), col("f.note", TText)},
		Union: []*Query{u}, UnionAll: []bool{true}, Order: []OrderKey{{Pos: 2}, {Pos: 1, Desc: true}}}
	assert.Equal(t, "SELECT f.qty, f.note FROM facts f UNION ALL SELECT p.product_id, p.name FROM products p WHERE (p.cost > 1) ORDER BY 2, 1 DESC LIMIT 2", q.SQL())
	var sqls []string
	for _, c := range candidates(q) {
		require.True(t, c.wellFormed(), c.SQL())
		sqls = append(sqls, c.SQL())
	}
	assert.Contains(t, sqls, "SELECT f.qty, f.note FROM facts f ORDER BY 2, 1 DESC LIMIT 2", "a select dropped")
	assert.Contains(t, sqls, "SELECT p.product_id, p.name FROM products p WHERE (p.cost > 1) ORDER BY 2, 1 DESC LIMIT 2", "the first select dropped")
	assert.Contains(t, sqls, "SELECT f.note FROM facts f UNION ALL SELECT p.name FROM products p WHERE (p.cost > 1) ORDER BY 1 LIMIT 2", "an item dropped from every select")
	assert.Contains(t, sqls, "SELECT f.qty, f.note FROM facts f UNION ALL SELECT p.product_id, p.name FROM products p ORDER BY 2, 1 DESC LIMIT 2", "a select shrunk")
	assert.Equal(t, "SELECT f.qty, f.note FROM facts f UNION ALL SELECT p.product_id, p.name FROM products p WHERE (p.cost > 1) ORDER BY 2, 1 DESC LIMIT 2", q.SQL(), "q itself is left alone")

	inner := &Query{From: "facts", Alias: "f", Limit: -1, Items: []*Expr{col("f.region_id", TInt), col("f.qty", TInt), col("SUM(f.amount)", TDec)},
		Names: []string{"c1", "c2", "c3"}, GroupBy: []*Expr{col("f.region_id", TInt), col("f.qty", TInt)}}
	q = &Query{Derived: inner, Alias: "d", Limit: -1, Items: []*Expr{col("d.c3", TDec)}, Where: []*Expr{col("(d.c1 > 2)", TBool)}}
	assert.Equal(t, "SELECT d.c3 FROM (SELECT f.region_id AS c1, f.qty AS c2, SUM(f.amount) AS c3 FROM facts f GROUP BY f.region_id, f.qty) AS d WHERE (d.c1 > 2)", q.SQL())
	sqls = nil
	for _, c := range candidates(q) {
		sqls = append(sqls, c.SQL())
	}
	assert.Contains(t, sqls, "SELECT d.c3 FROM (SELECT f.region_id AS c1, SUM(f.amount) AS c3 FROM facts f GROUP BY f.region_id) AS d WHERE (d.c1 > 2)",
		"a column the outer query does not name goes, with its group key")
	assert.Contains(t, sqls, "SELECT d.c3 FROM (SELECT f.region_id AS c1, f.qty AS c2, SUM(f.amount) AS c3 FROM facts f GROUP BY f.region_id, f.qty) AS d")
	for _, s := range sqls {
		assert.Contains(t, s, " AS c3 ", "d.c3 stays: %s", s)
		if strings.Contains(s, "(d.c1 > 2)") {
			assert.Contains(t, s, " AS c1,", "d.c1 stays while the WHERE names it: %s", s)
		}
	}
}
