package slt

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, text string) []Record {
	t.Helper()
	recs, err := Parse("t.slt", strings.NewReader(text))
	require.NoError(t, err)
	return recs
}

func TestParseEveryRecordKind(t *testing.T) {
	recs := parse(t, `# a comment before anything
hash-threshold 8

statement ok
CREATE TABLE t (a INT,
  b TEXT)

statement error
DROP TABLE nope

statement error 1146
SELECT * FROM nope

statement error Table '.*' doesn't exist
SELECT * FROM nope

  # an indented comment
query IT rowsort lbl
SELECT a, b
FROM t
----
1	x
2	y

query error 1054
SELECT c FROM t

query I
SELECT a FROM t WHERE a > 9

halt
`)
	require.Len(t, recs, 8)

	want := []Record{
		{Line: 4, Kind: Statement, SQL: "CREATE TABLE t (a INT,\n  b TEXT)"},
		{Line: 8, Kind: Statement, SQL: "DROP TABLE nope", ExpectError: true},
		{Line: 11, Kind: Statement, SQL: "SELECT * FROM nope", ExpectError: true, ErrorPattern: "1146"},
		{Line: 14, Kind: Statement, SQL: "SELECT * FROM nope", ExpectError: true, ErrorPattern: "Table '.*' doesn't exist"},
		{Line: 18, Kind: Query, SQL: "SELECT a, b\nFROM t", Types: "IT", Sort: RowSort, Label: "lbl",
			Rows: [][]string{{"1", "x"}, {"2", "y"}}},
		{Line: 25, Kind: Query, SQL: "SELECT c FROM t", ExpectError: true, ErrorPattern: "1054"},
		{Line: 28, Kind: Query, SQL: "SELECT a FROM t WHERE a > 9", Types: "I"},
		{Line: 31, Kind: Halt},
	}
	for i := range want {
		want[i].File = "t.slt"
	}
	assert.Equal(t, want, recs)
}

func TestParseSortModes(t *testing.T) {
	recs := parse(t, "query I nosort\nSELECT 1\n----\n1\n\nquery I valuesort\nSELECT 1\n----\n1\n\nquery I\nSELECT 1\n----\n1\n")
	require.Len(t, recs, 3)
	assert.Equal(t, NoSort, recs[0].Sort)
	assert.Equal(t, ValueSort, recs[1].Sort)
	assert.Equal(t, NoSort, recs[2].Sort)
}

func TestParseRowSplitting(t *testing.T) {
	cases := []struct {
		name, types, results string
		want                 [][]string
	}{
		{"spaces split multi-column rows", "IT", "1 x\n2 y", [][]string{{"1", "x"}, {"2", "y"}}},
		{"tabs keep spaces inside values", "TT", "a b\tc d", [][]string{{"a b", "c d"}}},
		{"one column keeps the whole line", "T", "hello big world", [][]string{{"hello big world"}}},
		{"one value per line, as SQLite writes", "IT", "1\nx\n2\ny", [][]string{{"1", "x"}, {"2", "y"}}},
		{"NULL and (empty) are kept as written", "TT", "NULL\t(empty)", [][]string{{"NULL", "(empty)"}}},
		{"an empty TAB field is the empty string", "IT", "1\t", [][]string{{"1", "(empty)"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs := parse(t, "query "+c.types+"\nSELECT\n----\n"+c.results+"\n")
			require.Len(t, recs, 1)
			assert.Equal(t, c.want, recs[0].Rows)
		})
	}
}

func TestParseHashLine(t *testing.T) {
	recs := parse(t, "query IT\nSELECT a, b FROM t\n----\n6 values hashing to 93D1846D89622CB0A0D4881AC7E145C5\n")
	require.Len(t, recs, 1)
	assert.Equal(t, 6, recs[0].HashCount)
	assert.Equal(t, "93d1846d89622cb0a0d4881ac7e145c5", recs[0].Hash)
	assert.Nil(t, recs[0].Rows)
}

func TestParseConditions(t *testing.T) {
	recs := parse(t, `skipif mariadb
onlyif vcube
# comments may sit between conditions and their record
statement ok
SELECT 1

onlyif mariadb
halt
`)
	require.Len(t, recs, 2)
	assert.Equal(t, []Condition{{Target: "mariadb"}, {Only: true, Target: "vcube"}}, recs[0].Conditions)
	assert.Equal(t, 4, recs[0].Line)
	assert.True(t, recs[0].RunsOn("vcube"))
	assert.False(t, recs[0].RunsOn("mariadb"))
	assert.False(t, recs[0].RunsOn("http"))
	assert.Equal(t, Halt, recs[1].Kind)
	assert.True(t, recs[1].RunsOn("mariadb"))
	assert.True(t, recs[0].RunsOn("vcube", "fresh"), "a target answers to any of its names")
	assert.False(t, recs[1].RunsOn("vcube", "fresh"))
	assert.False(t, recs[1].RunsOn("vcube"))
}

func TestParseCRLF(t *testing.T) {
	recs := parse(t, "query IT\r\nSELECT 1, 'x'\r\n----\r\n1\tx\r\n\r\nstatement ok\r\nSELECT 2\r\n")
	require.Len(t, recs, 2)
	assert.Equal(t, "SELECT 1, 'x'", recs[0].SQL)
	assert.Equal(t, [][]string{{"1", "x"}}, recs[0].Rows)
	assert.Equal(t, "SELECT 2", recs[1].SQL)
}

func TestParseMalformed(t *testing.T) {
	cases := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"unknown directive", "statement ok\nSELECT 1\n\nloop i 0 10\n", 4, "unknown record"},
		{"statement without ok or error", "statement maybe\nSELECT 1\n", 1, "statement ok"},
		{"statement without SQL", "statement ok\n\nquery I\nSELECT 1\n", 1, "no SQL"},
		{"statement with results", "statement ok\nSELECT 1\n----\n1\n", 3, "belongs to queries"},
		{"query without types", "query\nSELECT 1\n", 1, "column types"},
		{"types that are not letters", "query I2\nSELECT 1\n", 1, "one letter per column"},
		{"unknown sort mode", "query I sorted\nSELECT 1\n", 1, "unknown sort mode"},
		{"extra header words", "query I nosort lbl more\nSELECT 1\n", 1, "extra words"},
		{"query without SQL", "query I\n----\n1\n", 1, "no SQL"},
		{"query error with results", "query error\nSELECT 1\n----\n1\n", 3, "no results"},
		{"row with too many values", "query II\nSELECT 1, 2\n----\n1 2\n1 2 3\n", 5, "row has 3 values"},
		{"row with too few values", "query III\nSELECT 1, 2, 3\n----\n1\t2\n", 4, "need TAB"},
		{"values per line that do not fill rows", "query II\nSELECT\n----\n1\n2\n3\n", 6, "cannot fill"},
		{"hash count that does not fill rows", "query II\nSELECT\n----\n3 values hashing to 93d1846d89622cb0a0d4881ac7e145c5\n", 4, "cannot fill"},
		{"hash line among rows", "query I\nSELECT\n----\n1\n1 values hashing to 93d1846d89622cb0a0d4881ac7e145c5\n", 5, "only result line"},
		{"bad regex", "statement ok\nSELECT 1\n\nstatement error ([a-\nSELECT 2\n", 4, "error pattern"},
		{"error number out of range", "statement error 99999999999999999999\nSELECT 1\n", 1, "out of range"},
		{"skipif without target", "skipif\nstatement ok\nSELECT 1\n", 1, "one target name"},
		{"skipif before a blank line", "skipif vcube\n\nstatement ok\nSELECT 1\n", 1, "not followed by a record"},
		{"onlyif at the end", "statement ok\nSELECT 1\n\nonlyif vcube\n", 4, "not followed by a record"},
		{"hash-threshold without a number", "hash-threshold many\n", 1, "hash-threshold"},
		{"halt with arguments", "halt now\n", 1, "no arguments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs, err := Parse("bad.slt", strings.NewReader(c.text))
			require.Error(t, err)
			assert.Nil(t, recs)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "error %v is not a *ParseError", err)
			assert.Equal(t, c.line, pe.Line, "error: %v", err)
			assert.Contains(t, err.Error(), c.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "bad.slt:"), "error %q does not name the file", err)
		})
	}
}

func TestParseFile(t *testing.T) {
	path := writeFile(t, t.TempDir(), "one.slt", "statement ok\nSELECT 1\n")
	recs, err := ParseFile(path)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, path, recs[0].File)
	assert.Equal(t, 1, recs[0].Line)

	_, err = ParseFile(path + ".missing")
	assert.Error(t, err)
}
