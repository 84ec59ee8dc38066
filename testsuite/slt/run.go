package slt

import (
	"context"
	"fmt"
)

// Target is a database the records run against: vcube in-process, a vcube server over HTTP or the MySQL wire
// protocol, or MariaDB. Errors carrying a MySQL error number (see matchError) can satisfy numeric error patterns.
type Target interface {
	// Name is what skipif and onlyif lines name: "vcube" for vcube however reached, "mysql" for a MySQL-family
	// server.
	Name() string
	// Exec runs a statement whose result, if any, is not checked.
	Exec(ctx context.Context, sql string) error
	// Query returns the rows as text, NULL as "NULL"; how other values are spelled (booleans, floats, times) is the
	// target's choice. The runner only shows the empty string as (empty).
	Query(ctx context.Context, sql string) (rows [][]string, err error)
}

// Traits are further names a target may answer to in skipif and onlyif lines, beside its Name. "fresh": every
// file runs on a new, empty server, so catalog IDs (which EXPLAIN prints) are the same on every run.
type Traits interface {
	Traits() []string
}

// TargetNames returns the names t answers to: its Name, then its Traits.
func TargetNames(t Target) []string {
	names := []string{t.Name()}
	if tr, ok := t.(Traits); ok {
		names = append(names, tr.Traits()...)
	}
	return names
}

// Result counts the outcome of a file's statements and queries; halt records are not counted.
type Result struct {
	File                    string
	Passed, Failed, Skipped int
	Failures                []Failure
}

// Failure is a record that did not pass.
type Failure struct {
	File    string
	Line    int
	SQL     string
	Message string // what was expected and what happened; for results, the first differing lines of each
}

// RunFile parses the file at path and runs its records against t. The error is for a file that cannot be read
// or parsed; failing records are in the Result.
func RunFile(ctx context.Context, t Target, path string) (Result, error) {
	recs, err := ParseFile(path)
	if err != nil {
		return Result{File: path}, err
	}
	res := Run(ctx, t, recs)
	res.File = path
	return res, nil
}

// Run runs the records against t in order. A failed record does not stop the run; a halt that applies to t does,
// and the records after it count as skipped. A cancelled ctx stops the run with one failure saying so.
func Run(ctx context.Context, t Target, records []Record) Result {
	var res Result
	if len(records) > 0 {
		res.File = records[0].File
	}
	r := runner{target: t, labels: map[string]labelled{}}
	names := TargetNames(t)
	for i := range records {
		rec := &records[i]
		if err := ctx.Err(); err != nil {
			res.fail(rec, fmt.Sprintf("run stopped: %v; %d records not run", err, countTests(records[i:])))
			break
		}
		if !rec.RunsOn(names...) {
			if rec.Kind != Halt {
				res.Skipped++
			}
			continue
		}
		if rec.Kind == Halt {
			res.Skipped += countTests(records[i+1:])
			break
		}
		if msg := r.run(ctx, rec); msg != "" {
			res.fail(rec, msg)
		} else {
			res.Passed++
		}
	}
	return res
}

func (res *Result) fail(rec *Record, msg string) {
	res.Failed++
	res.Failures = append(res.Failures, Failure{File: rec.File, Line: rec.Line, SQL: rec.SQL, Message: msg})
}

func countTests(recs []Record) int {
	n := 0
	for i := range recs {
		if recs[i].Kind != Halt {
			n++
		}
	}
	return n
}

// runner holds what lives across the records of one run.
type runner struct {
	target Target
	labels map[string]labelled // label -> the first query's results, which later queries with the label must match
}

type labelled struct {
	file  string
	line  int
	count int
	hash  string
}

// run runs one record and returns why it failed, or "" when it passed.
func (r *runner) run(ctx context.Context, rec *Record) string {
	switch rec.Kind {
	case Statement:
		err := r.target.Exec(ctx, rec.SQL)
		switch {
		case rec.ExpectError && err == nil:
			return "statement succeeded; expected " + describePattern(rec.ErrorPattern)
		case rec.ExpectError:
			return matchError(rec.ErrorPattern, err)
		case err != nil:
			return "statement failed: " + err.Error()
		}
		return ""
	case Query:
		rows, err := r.target.Query(ctx, rec.SQL)
		switch {
		case rec.ExpectError && err == nil:
			return fmt.Sprintf("query returned %d rows; expected %s", len(rows), describePattern(rec.ErrorPattern))
		case rec.ExpectError:
			return matchError(rec.ErrorPattern, err)
		case err != nil:
			return "query failed: " + err.Error()
		}
		return r.checkRows(rec, rows)
	}
	return fmt.Sprintf("cannot run a %v record", rec.Kind)
}
