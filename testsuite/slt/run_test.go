package slt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"vitess.io/vitess/go/mysql/sqlerror"
)

// cannedTarget answers from maps keyed by SQL text: the runner, not a database, is under test here.
type cannedTarget struct {
	name  string
	rows  map[string][][]string
	errs  map[string]error
	calls []string // every SQL text received, in order
}

func (c *cannedTarget) Name() string { return c.name }

func (c *cannedTarget) Exec(_ context.Context, sql string) error {
	c.calls = append(c.calls, sql)
	return c.errs[sql]
}

func (c *cannedTarget) Query(_ context.Context, sql string) ([][]string, error) {
	c.calls = append(c.calls, sql)
	if err, ok := c.errs[sql]; ok {
		return nil, err
	}
	rows, ok := c.rows[sql]
	if !ok {
		return nil, fmt.Errorf("no canned result for %q", sql)
	}
	return rows, nil
}

// numberedErr is a target's own error type carrying a MySQL error number.
type numberedErr struct{ n int }

func (e numberedErr) Error() string       { return fmt.Sprintf("remote error %d", e.n) }
func (e numberedErr) SQLErrorNumber() int { return e.n }

var errNoTable = sqlerror.NewSQLError(sqlerror.ERNoSuchTable, "42S02", "Table 'db.nope' doesn't exist")

func runText(t *testing.T, target *cannedTarget, text string) Result {
	t.Helper()
	recs, err := Parse("case.slt", strings.NewReader(text))
	require.NoError(t, err)
	return Run(context.Background(), target, recs)
}

// outcome runs a one-record file and returns "" when it passed, otherwise the failure message.
func outcome(t *testing.T, target *cannedTarget, text string) string {
	t.Helper()
	res := runText(t, target, text)
	require.Equal(t, 1, res.Passed+res.Failed, "the record must run: %s", res)
	if res.Failed == 0 {
		return ""
	}
	require.Len(t, res.Failures, 1)
	return res.Failures[0].Message
}

func TestRunCountsAndOrder(t *testing.T) {
	target := &cannedTarget{
		name: "vcube",
		rows: map[string][][]string{"SELECT a FROM t": {{"1"}, {"2"}}},
		errs: map[string]error{"BROKEN": errors.New("boom")},
	}
	res := runText(t, target, `statement ok
CREATE TABLE t (a INT)

statement ok
BROKEN

skipif vcube
statement ok
SKIPPED BY SKIPIF

onlyif mariadb
statement ok
SKIPPED BY ONLYIF

onlyif vcube
query I
SELECT a FROM t
----
1
2

query I
SELECT a FROM t
----
1
3
`)
	assert.Equal(t, 2, res.Passed)
	assert.Equal(t, 2, res.Failed)
	assert.Equal(t, 2, res.Skipped)
	assert.Equal(t, "case.slt", res.File)
	// A failure does not stop the file, and skipped records never reach the target.
	assert.Equal(t, []string{"CREATE TABLE t (a INT)", "BROKEN", "SELECT a FROM t", "SELECT a FROM t"}, target.calls)
	require.Len(t, res.Failures, 2)
	assert.Equal(t, Failure{File: "case.slt", Line: 4, SQL: "BROKEN", Message: "statement failed: boom"}, res.Failures[0])
	assert.Equal(t, 22, res.Failures[1].Line)
}

func TestRunHalt(t *testing.T) {
	target := &cannedTarget{name: "vcube"}
	res := runText(t, target, `statement ok
ONE

onlyif mariadb
halt

statement ok
TWO

halt

statement ok
THREE

query I
FOUR
`)
	assert.Equal(t, Result{File: "case.slt", Passed: 2, Skipped: 2}, res)
	assert.Equal(t, []string{"ONE", "TWO"}, target.calls)
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	recs, err := Parse("case.slt", strings.NewReader("statement ok\nONE\n\nstatement ok\nTWO\n"))
	require.NoError(t, err)
	target := &cannedTarget{name: "vcube"}
	res := Run(ctx, target, recs)
	assert.Empty(t, target.calls)
	assert.Equal(t, 1, res.Failed)
	require.Len(t, res.Failures, 1)
	assert.Contains(t, res.Failures[0].Message, "context canceled; 2 records not run")
}

func TestRunSortModes(t *testing.T) {
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{
		"Q": {{"2", "b"}, {"1", "z"}, {"1", "a"}},
	}}
	cases := []struct {
		name, text string
		pass       bool
	}{
		{"nosort in returned order", "query IT nosort\nQ\n----\n2 b\n1 z\n1 a\n", true},
		{"nosort rejects another order", "query IT\nQ\n----\n1 a\n1 z\n2 b\n", false},
		{"rowsort sorts both sides", "query IT rowsort\nQ\n----\n1 z\n2 b\n1 a\n", true},
		{"rowsort keeps rows together", "query IT rowsort\nQ\n----\n1 b\n1 z\n2 a\n", false},
		{"valuesort compares values only", "query IT valuesort\nQ\n----\n1 b\n1 z\n2 a\n", true},
		{"valuesort one value per line", "query IT valuesort\nQ\n----\n1\n1\n2\na\nb\nz\n", true},
		{"valuesort still counts values", "query IT valuesort\nQ\n----\n1 b\n1 z\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := outcome(t, target, c.text)
			if c.pass {
				assert.Empty(t, msg)
			} else {
				assert.NotEmpty(t, msg)
			}
		})
	}
}

func TestRunFloatTolerance(t *testing.T) {
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{
		"Q": {{"0.30000000000000004", "1.0", "0.1"}},
		"V": {{"3.0000000001e10", "2.5"}},
	}}
	cases := []struct {
		name, text string
		pass       bool
	}{
		{"R within 1e-9 relative", "query RRT\nQ\n----\n0.3 1 0.1\n", true},
		{"R beyond the tolerance", "query RRT\nQ\n----\n0.3001 1 0.1\n", false},
		{"I compares as text", "query RIT\nQ\n----\n0.3 1 0.1\n", false},
		{"T compares as text", "query RRT\nQ\n----\n0.3 1 0.10\n", false},
		{"R against text that is no number", "query RRT\nQ\n----\nabc 1 0.1\n", false},
		{"valuesort of all-R columns tolerates", "query RR valuesort\nV\n----\n2.5\n30000000001.000002\n", true},
		{"valuesort with a text column does not", "query RT valuesort\nV\n----\n2.5\n30000000001.000002\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := outcome(t, target, c.text)
			if c.pass {
				assert.Empty(t, msg)
			} else {
				assert.NotEmpty(t, msg)
			}
		})
	}
}

func TestRunNullAndEmpty(t *testing.T) {
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{"Q": {{"NULL", ""}}}}
	assert.Empty(t, outcome(t, target, "query TT\nQ\n----\nNULL\t(empty)\n"))
	assert.Empty(t, outcome(t, target, "query TT\nQ\n----\nNULL\t\n"))
	assert.Contains(t, outcome(t, target, "query TT\nQ\n----\n(empty)\tNULL\n"), "actual:\n    NULL\t(empty)")
}

func TestRunErrorMatching(t *testing.T) {
	target := &cannedTarget{name: "vcube",
		rows: map[string][][]string{"GOOD": {{"1"}}},
		errs: map[string]error{
			"NOPE":    errNoTable,
			"WRAPPED": fmt.Errorf("http target: %w", errNoTable),
			"OWN":     numberedErr{1054},
			"PLAIN":   errors.New("connection refused"),
			"GOOD":    nil,
		},
	}
	delete(target.errs, "GOOD")
	cases := []struct {
		name, text, fail string // fail: "" when the record passes, else part of the message
	}{
		{"any error", "statement error\nNOPE\n", ""},
		{"number of a vitess SQLError", "statement error 1146\nNOPE\n", ""},
		{"number through a wrapper", "statement error 1146\nWRAPPED\n", ""},
		{"number from SQLErrorNumber", "query error 1054\nOWN\n", ""},
		{"wrong number", "statement error 1050\nNOPE\n", "expected error 1050, got error 1146: Table 'db.nope' doesn't exist"},
		{"number wanted, none given", "statement error 1146\nPLAIN\n", "got an error without a number: connection refused"},
		{"regex on the message", "statement error Table '.*' doesn't exist\nNOPE\n", ""},
		{"anchored regex sees the message without errno", "statement error ^Table 'db\\.nope' doesn't exist$\nWRAPPED\n", ""},
		{"regex on a plain error", "query error refused\nPLAIN\n", ""},
		{"regex that does not match", "statement error Unknown column\nNOPE\n", "does not match /Unknown column/"},
		{"number and regex", "statement error 1146 ^Table 'db\\.nope'\nNOPE\n", ""},
		{"number and regex, wrong number", "statement error 1050 ^Table\nNOPE\n", "expected error 1050, got error 1146"},
		{"number and regex, wrong message", "statement error 1146 Unknown\nNOPE\n", "does not match /Unknown/"},
		{"number and regex expected, statement succeeds", "statement error 1146 nope\nGOOD\n", "expected error 1146 matching /nope/"},
		{"statement that should fail succeeds", "statement error 1146\nGOOD\n", "statement succeeded; expected error 1146"},
		{"query that should fail succeeds", "query error oops\nGOOD\n", "query returned 1 rows; expected an error matching /oops/"},
		{"statement ok that fails", "statement ok\nNOPE\n", "statement failed: Table 'db.nope' doesn't exist (errno 1146)"},
		{"query that fails", "query I\nPLAIN\n----\n1\n", "query failed: connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := outcome(t, target, c.text)
			if c.fail == "" {
				assert.Empty(t, msg)
			} else {
				assert.Contains(t, msg, c.fail)
			}
		})
	}
}

func TestRunHash(t *testing.T) {
	// The hashes were computed outside Go: printf 'a\n1\nb\n2\n' | md5sum, and likewise for the others.
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{
		"Q":    {{"b", "2"}, {"a", "1"}},
		"NUMS": {{"1"}, {"2"}, {"3"}},
	}}
	cases := []struct {
		name, text, fail string
	}{
		{"rowsort hash", "query TI rowsort\nQ\n----\n4 values hashing to 93d1846d89622cb0a0d4881ac7e145c5\n", ""},
		{"valuesort hash", "query TI valuesort\nQ\n----\n4 values hashing to d4a59fc154c4bba3dd6aa3f5a81de972\n", ""},
		{"single column", "query I\nNUMS\n----\n3 values hashing to c0710d6b4f15dfa88f600b0e6b624077\n", ""},
		{"nosort order changes the hash", "query TI\nQ\n----\n4 values hashing to 93d1846d89622cb0a0d4881ac7e145c5\n",
			"actual:   4 values hashing to"},
		{"count differs", "query TI rowsort\nQ\n----\n6 values hashing to 93d1846d89622cb0a0d4881ac7e145c5\n",
			"expected: 6 values hashing to 93d1846d89622cb0a0d4881ac7e145c5\nactual:   4 values hashing to 93d1846d89622cb0a0d4881ac7e145c5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := outcome(t, target, c.text)
			if c.fail == "" {
				assert.Empty(t, msg)
			} else {
				assert.Contains(t, msg, c.fail)
			}
		})
	}
}

func TestRunLabels(t *testing.T) {
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{
		"A": {{"1"}, {"2"}}, "B": {{"2"}, {"1"}}, "C": {{"3"}},
	}}
	res := runText(t, target, `query I rowsort same
A
----
1
2

query I rowsort same
B
----
2 values hashing to 6ddb4095eb719e2a9f0a3f95677d24e0

query I rowsort same
C
----
3
`)
	assert.Equal(t, 2, res.Passed)
	require.Len(t, res.Failures, 1)
	assert.Equal(t, 12, res.Failures[0].Line)
	assert.Contains(t, res.Failures[0].Message, `differ from the query labelled "same" at case.slt:1`)
}

func TestRunColumnCount(t *testing.T) {
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{"Q": {{"1", "2"}}}}
	assert.Contains(t, outcome(t, target, "query I\nQ\n----\n1\n"), "row 1 has 2 values; the query declares 1 columns (types I)")
}

func TestFailureMessageShowsLocationAndBothSides(t *testing.T) {
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{
		"SELECT id, name\nFROM people": {{"1", "ann"}, {"2", "bobby"}, {"3", "cy"}},
	}}
	res := runText(t, target, `statement ok
SETUP

query IT
SELECT id, name
FROM people
----
1	ann
2	bob
3	cy
4	dee
`)
	require.Len(t, res.Failures, 1)
	f := res.Failures[0]
	assert.Equal(t, "case.slt", f.File)
	assert.Equal(t, 4, f.Line)
	assert.Equal(t, "results differ at row 2 (expected 4 rows, got 3)\nexpected:\n    2\tbob\n    3\tcy\n    4\tdee\nactual:\n    2\tbobby\n    3\tcy", f.Message)

	report := res.String()
	assert.True(t, strings.HasPrefix(report, "case.slt: 1 passed, 1 failed, 0 skipped\ncase.slt:4: results differ at row 2"), report)
	assert.Contains(t, report, "\n    expected:\n        2\tbob\n")
	assert.Contains(t, report, "\n    sql:\n        SELECT id, name\n        FROM people")
}

func TestFailureMessageMissingRows(t *testing.T) {
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{"Q": {{"1"}}, "NONE": nil}}
	assert.Equal(t, "results differ at row 2 (expected 1 rows, got 2)\nexpected: (nothing)\nactual:\n    2",
		outcome(t, &cannedTarget{name: "vcube", rows: map[string][][]string{"Q": {{"1"}, {"2"}}}}, "query I\nQ\n----\n1\n"))
	assert.Contains(t, outcome(t, target, "query I\nNONE\n----\n1\n"), "actual: (nothing)")
	assert.Contains(t, outcome(t, target, "query I\nQ\n"), "expected: (nothing)") // no "----": no rows expected
	assert.Empty(t, outcome(t, target, "query I\nNONE\n"))
}

func TestFailureMessageTruncatesLongResults(t *testing.T) {
	var rows [][]string
	var want strings.Builder
	for i := range 20 {
		rows = append(rows, []string{fmt.Sprint(i)})
		fmt.Fprintf(&want, "%d\n", i+100)
	}
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{"Q": rows}}
	msg := outcome(t, target, "query I\nQ\n----\n"+want.String())
	assert.Contains(t, msg, "results differ at row 1 (expected 20 rows, got 20)")
	assert.Contains(t, msg, "    4\n    ... 15 more")
	assert.NotContains(t, msg, "    5\n")
}

func TestRunFileAndFiles(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "b.slt", "statement ok\nGOOD\n")
	writeFile(t, root, "a/z.slt", "query I\nQ\n----\n2\n")
	writeFile(t, root, "a/notes.txt", "not a test")
	writeFile(t, root, "bad.slt", "statement ok\nGOOD\n\nnonsense\n")

	files, err := Files(root)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(root, "a/z.slt"), filepath.Join(root, "b.slt"), filepath.Join(root, "bad.slt")}, files)

	target := &cannedTarget{name: "vcube", rows: map[string][][]string{"Q": {{"1"}}}}
	res, err := RunFile(context.Background(), target, files[0])
	require.NoError(t, err)
	assert.Equal(t, files[0], res.File)
	assert.Equal(t, 1, res.Failed)
	assert.Contains(t, res.String(), files[0]+":1: results differ at row 1")

	res, err = RunFile(context.Background(), target, files[1])
	require.NoError(t, err)
	assert.Equal(t, Result{File: files[1], Passed: 1}, res)

	_, err = RunFile(context.Background(), target, files[2])
	assert.ErrorContains(t, err, files[2]+":4: unknown record")

	_, err = Files(filepath.Join(root, "missing"))
	assert.Error(t, err)
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// Records built in Go rather than parsed get the same checks the parser would have made, as failures.
func TestRunHandBuiltRecords(t *testing.T) {
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{"Q": {{"1"}}}, errs: map[string]error{"NOPE": errNoTable}}
	recs := []Record{
		{File: "go", Line: 1, Kind: Query, SQL: "Q", Types: "I", Rows: [][]string{{"1", "extra"}}},
		{File: "go", Line: 2, Kind: Statement, SQL: "NOPE", ExpectError: true, ErrorPattern: "([a-"},
		{File: "go", Line: 3, Kind: Statement, SQL: "NOPE", ExpectError: true, ErrorPattern: "99999999999999999999"},
		{File: "go", Line: 4, Kind: Kind(9), SQL: "Q"},
		{File: "go", Line: 5, Kind: Statement, SQL: "Q", ExpectError: true},
	}
	res := Run(context.Background(), target, recs)
	assert.Equal(t, 5, res.Failed)
	var msgs []string
	for _, f := range res.Failures {
		msgs = append(msgs, f.Message)
	}
	require.Len(t, msgs, 5)
	assert.Contains(t, msgs[0], "results differ at row 1")
	assert.Contains(t, msgs[1], `bad error pattern "([a-"`)
	assert.Contains(t, msgs[2], "bad error number 99999999999999999999")
	assert.Equal(t, "cannot run a kind(9) record", msgs[3])
	assert.Equal(t, "statement succeeded; expected an error", msgs[4])
}

func TestNames(t *testing.T) {
	assert.Equal(t, []string{"statement", "query", "halt", "kind(0)"},
		[]string{Statement.String(), Query.String(), Halt.String(), Kind(0).String()})
	assert.Equal(t, []string{"nosort", "rowsort", "valuesort", "sortmode(7)"},
		[]string{NoSort.String(), RowSort.String(), ValueSort.String(), SortMode(7).String()})
}

// The expected hash is SQLite's own, from its select1.test ("SELECT a, b FROM t1 ORDER BY 1,2"), so files written
// for SQLite and DuckDB keep passing; the rows are what that file's INSERTs leave in t1.
func TestRunHashMatchesSQLite(t *testing.T) {
	rows := [][]string{{"104", "100"}, {"107", "105"}, {"111", "112"}, {"115", "118"}, {"121", "124"}, {"127", "129"},
		{"131", "130"}, {"138", "139"}, {"142", "143"}, {"149", "145"}, {"153", "151"}, {"159", "158"}, {"163", "160"},
		{"168", "167"}, {"174", "170"}, {"179", "175"}, {"182", "181"}, {"188", "186"}, {"191", "194"}, {"199", "198"},
		{"201", "200"}, {"205", "206"}, {"213", "211"}, {"216", "218"}, {"220", "223"}, {"229", "228"}, {"234", "232"},
		{"239", "236"}, {"243", "240"}, {"245", "249"}}
	reversed := slices.Clone(rows)
	slices.Reverse(reversed)
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{"ORDERED": rows, "REVERSED": reversed}}
	const hash = "60 values hashing to f88a6f6656b30fc5b3c4ede940008ff2"
	assert.Empty(t, outcome(t, target, "query II nosort\nORDERED\n----\n"+hash+"\n"))
	assert.Empty(t, outcome(t, target, "query II rowsort\nREVERSED\n----\n"+hash+"\n"))
	assert.NotEmpty(t, outcome(t, target, "query II nosort\nREVERSED\n----\n"+hash+"\n"))
}
