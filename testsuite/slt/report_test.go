package slt

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureTarget answers the queries of testdata/report.slt: one passes, one is skipped on "vcube", one fails.
func fixtureTarget() *cannedTarget {
	return &cannedTarget{name: "vcube", rows: map[string][][]string{
		"SELECT 1 + 1":           {{"2"}},
		"SELECT 3":               {{"3"}},
		"SELECT 6 * 7, 'answer'": {{"42", "answer"}},
	}}
}

func traceFixture(t *testing.T) FileRun {
	t.Helper()
	fr := TraceFile(context.Background(), fixtureTarget(), "testdata/report.slt", "testdata/report.slt")
	require.NoError(t, fr.Err)
	return fr
}

func TestTraceMatchesRunAndKeepsEachRecordsFate(t *testing.T) {
	fr := traceFixture(t)
	res, err := RunFile(context.Background(), fixtureTarget(), "testdata/report.slt")
	require.NoError(t, err)
	assert.Equal(t, res, fr.Result, "Trace must count what Run counts")
	assert.Equal(t, Result{File: "testdata/report.slt", Passed: 1, Failed: 1, Skipped: 1, Failures: fr.Failures}, fr.Result)

	require.Len(t, fr.Outcomes, 3)
	assert.Equal(t, Passed, fr.Outcomes[0].Status)
	assert.Equal(t, [][]string{{"2"}}, fr.Outcomes[0].Rows)
	assert.Equal(t, Skipped, fr.Outcomes[1].Status)
	assert.Nil(t, fr.Outcomes[1].Rows, "a skipped record must not be sent")
	assert.Equal(t, Failed, fr.Outcomes[2].Status)
	assert.Equal(t, [][]string{{"42", "answer"}}, fr.Outcomes[2].Rows)
	assert.Equal(t, fr.Failures[0].Message, fr.Outcomes[2].Message)
	assert.Equal(t, 15, fr.Failures[0].Line)
}

func TestTraceHaltAndErrors(t *testing.T) {
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{"Q": {{"1"}}}, errs: map[string]error{"BAD": errNoTable}}
	recs, err := Parse("h.slt", strings.NewReader("statement error 1146\nBAD\n\nstatement ok\nBAD\n\nonlyif mysql\nhalt\n\nquery I\nQ\n----\n1\n\nhalt\n\nquery I\nQ\n----\n1\n"))
	require.NoError(t, err)
	fr := Trace(context.Background(), target, recs)
	var got []Status
	for _, o := range fr.Outcomes {
		got = append(got, o.Status)
	}
	assert.Equal(t, []Status{Passed, Failed, NotRun, Passed, NotRun, Skipped}, got)
	assert.Equal(t, errNoTable, fr.Outcomes[1].Err)
	assert.Equal(t, Result{File: "h.slt", Passed: 2, Failed: 1, Skipped: 1, Failures: fr.Failures}, fr.Result)
}

func TestTraceFileThatDoesNotParse(t *testing.T) {
	fr := TraceFile(context.Background(), fixtureTarget(), "testdata/nosuch.slt", "nosuch.slt")
	assert.Error(t, fr.Err)
	assert.True(t, fr.Failing())
	assert.Equal(t, "nosuch.slt", fr.File)
}

func TestWriteJSON(t *testing.T) {
	broken := FileRun{Result: Result{File: "broken.slt"}, Err: &ParseError{File: "broken.slt", Line: 3, Msg: "unknown record"}}
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, "inprocess", []FileRun{traceFixture(t), broken}, []Rewritten{{File: "x.slt", Line: 4}}))

	var doc JSONReport
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc), buf.String())
	assert.Equal(t, "inprocess", doc.Target)
	assert.Equal(t, JSONTotal{Files: 2, Errors: 1, Passed: 1, Failed: 1, Skipped: 1, OK: false}, doc.Total)
	require.Len(t, doc.Files, 2)
	f := doc.Files[0]
	assert.Equal(t, "testdata/report.slt", f.File)
	assert.Equal(t, []int{1, 1, 1}, []int{f.Passed, f.Failed, f.Skipped})
	require.Len(t, f.Failures, 1)
	assert.Equal(t, "testdata/report.slt", f.Failures[0].File)
	assert.Equal(t, 15, f.Failures[0].Line)
	assert.Equal(t, "SELECT 6 * 7, 'answer'", f.Failures[0].SQL)
	assert.Contains(t, f.Failures[0].Message, "results differ at row 1")
	assert.Contains(t, f.Failures[0].Message, "42\tanswer")
	assert.Equal(t, "broken.slt:3: unknown record", doc.Files[1].Error)
	assert.NotNil(t, doc.Files[1].Failures, "failures is a list, even empty")
	assert.Equal(t, []JSONRewritten{{File: "x.slt", Line: 4}}, doc.Rewritten)

	// All passing: ok.
	buf.Reset()
	require.NoError(t, WriteJSON(&buf, "t", []FileRun{{Result: Result{File: "a.slt", Passed: 3}}}, nil))
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	assert.True(t, doc.Total.OK)
	assert.NotContains(t, buf.String(), "rewritten")
}

func TestWriteJUnit(t *testing.T) {
	broken := FileRun{Result: Result{File: "broken.slt"}, Err: &ParseError{File: "broken.slt", Line: 3, Msg: "unknown record <&>"}}
	var buf bytes.Buffer
	require.NoError(t, WriteJUnit(&buf, "http://127.0.0.1:1", []FileRun{traceFixture(t), broken}))
	out := buf.String()
	require.True(t, strings.HasPrefix(out, "<?xml"), out)

	var doc JUnitSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc), out)
	assert.Equal(t, []int{4, 1, 1, 1}, []int{doc.Tests, doc.Failures, doc.Errors, doc.Skipped})
	require.Len(t, doc.Suites, 2)

	s := doc.Suites[0]
	assert.Equal(t, "testdata/report.slt", s.Name)
	assert.Equal(t, []int{3, 1, 0, 1}, []int{s.Tests, s.Failures, s.Errors, s.Skipped})
	assert.Equal(t, []JUnitProperty{{Name: "target", Value: "http://127.0.0.1:1"}}, s.Properties)
	require.Len(t, s.Cases, 3, "a testcase per record that ran or was skipped")
	pass, skip, fail := s.Cases[0], s.Cases[1], s.Cases[2]
	assert.Equal(t, "line 3: SELECT 1 + 1", pass.Name)
	assert.Equal(t, "testdata.report", pass.Classname)
	assert.Nil(t, pass.Failure)
	assert.Nil(t, pass.Skipped)
	assert.NotNil(t, skip.Skipped)
	assert.Nil(t, skip.Failure)
	assert.Equal(t, 9, skip.Line)
	require.NotNil(t, fail.Failure)
	assert.Equal(t, 15, fail.Line)
	assert.Equal(t, "results differ at row 1 (expected 1 rows, got 1)", fail.Failure.Message)
	assert.Contains(t, fail.Failure.Text, "testdata/report.slt:15: results differ")
	assert.Contains(t, fail.Failure.Text, "SELECT 6 * 7")

	b := doc.Suites[1]
	assert.Equal(t, []int{1, 0, 1, 0}, []int{b.Tests, b.Failures, b.Errors, b.Skipped})
	require.Len(t, b.Cases, 1)
	require.NotNil(t, b.Cases[0].Error)
	assert.Equal(t, "broken.slt:3: unknown record <&>", b.Cases[0].Error.Message)
}

func TestCaseNameIsShortAndValidUTF8(t *testing.T) {
	r := &Record{Line: 7, SQL: strings.Repeat("é", 100) + "\nFROM t"}
	name := caseName(r)
	assert.True(t, strings.HasPrefix(name, "line 7: é"))
	assert.True(t, strings.HasSuffix(name, " ..."))
	assert.Less(t, len(name), 100)
	assert.True(t, strings.ToValidUTF8(name, "?") == name)
}

func TestTableWriter(t *testing.T) {
	fr := traceFixture(t)
	ok := FileRun{Result: Result{File: "testdata/ok.slt", Passed: 5}}
	var buf bytes.Buffer
	tw := NewTableWriter(&buf, []string{fr.File, ok.File})
	tw.File(&fr)
	tw.File(&ok)
	tw.Finish([]FileRun{fr, ok})
	out := buf.String()
	lines := strings.Split(out, "\n")
	assert.Regexp(t, `^file +passed +failed +skipped$`, lines[0])
	assert.Regexp(t, `^testdata/report.slt +1 +1 +1$`, lines[1])
	assert.Regexp(t, `^testdata/ok.slt +5 +0 +0$`, lines[2])
	assert.Regexp(t, `^total \(2 files\) +6 +1 +1$`, lines[3])
	assert.Contains(t, out, "testdata/report.slt:15: results differ at row 1")
	assert.True(t, strings.HasSuffix(out, "\nFAIL: 1 of 7 records failed (1 skipped)\n"), out)

	buf.Reset()
	tw = NewTableWriter(&buf, []string{ok.File})
	tw.File(&ok)
	tw.Finish([]FileRun{ok})
	assert.True(t, strings.HasSuffix(buf.String(), "\nPASS: 5 records passed, 0 skipped\n"), buf.String())
}

func TestTraceCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	recs, err := Parse("c.slt", strings.NewReader("skipif vcube\nquery I\nQ\n----\n1\n\nquery I\nQ\n----\n1\n"))
	require.NoError(t, err)
	fr := Trace(ctx, fixtureTarget(), recs)
	assert.Equal(t, 1, fr.Failed)
	assert.Equal(t, []Status{Failed, NotRun}, []Status{fr.Outcomes[0].Status, fr.Outcomes[1].Status})
	assert.Contains(t, fr.Outcomes[0].Message, "run stopped")
}
