package slt

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// String is the failure as "file:line: message", followed by the SQL, indented.
func (f Failure) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: %s", f.File, f.Line, strings.ReplaceAll(f.Message, "\n", "\n"+resultIndent))
	if f.SQL != "" {
		b.WriteString("\n" + resultIndent + "sql:\n" + resultIndent + resultIndent)
		b.WriteString(strings.ReplaceAll(f.SQL, "\n", "\n"+resultIndent+resultIndent))
	}
	return b.String()
}

// String is the report of one file: "file: N passed, N failed, N skipped", then each failure.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d passed, %d failed, %d skipped", r.File, r.Passed, r.Failed, r.Skipped)
	for _, f := range r.Failures {
		b.WriteString("\n")
		b.WriteString(f.String())
	}
	return b.String()
}

// Status is what became of one record in a traced run.
type Status uint8

const (
	NotRun  Status = iota // halt records, and records a cancelled run did not reach
	Passed                // ran and passed
	Failed                // ran (or was reached by a cancelled run) and failed
	Skipped               // skipif/onlyif left it out, or an earlier halt stopped the file
)

func (s Status) String() string {
	switch s {
	case NotRun:
		return "not run"
	case Passed:
		return "passed"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// Outcome is what became of one record: its status, why it failed, and what the target answered.
type Outcome struct {
	Status  Status
	Message string        // the failure message when Failed
	Rows    [][]string    // a query's rows as the target returned them, when it returned rows
	Err     error         // the target's error, when it returned one
	Elapsed time.Duration // time spent in the target
}

// FileRun is one file's run with the fate of every record: its Result (the counts and failures Run reports),
// the records, and their outcomes (Outcomes[i] is Records[i]'s). Reports that list records (JUnit) and Rewrite
// work from it. Err is set, and Records empty, when the file could not be read or parsed.
type FileRun struct {
	Result
	Records  []Record
	Outcomes []Outcome
	Elapsed  time.Duration
	Err      error
}

// Failing reports whether the file failed: a record failed or the file could not be read or parsed.
func (fr *FileRun) Failing() bool { return fr.Failed > 0 || fr.Err != nil }

// TraceFile is RunFile keeping every record's outcome. name is what the records and the report call the file
// (the path as the user gave it); path is where it is read from.
func TraceFile(ctx context.Context, t Target, path, name string) FileRun {
	f, err := os.Open(path)
	if err != nil {
		return FileRun{Result: Result{File: name}, Err: err}
	}
	defer f.Close()
	recs, err := Parse(name, f)
	if err != nil {
		return FileRun{Result: Result{File: name}, Err: err}
	}
	fr := Trace(ctx, t, recs)
	fr.File = name
	return fr
}

// Trace is Run keeping every record's outcome. It runs the records through Run, recording what the target
// answered, then matches Run's failures and the target's answers to the records: Run calls the target once per
// record it runs, in order.
func Trace(ctx context.Context, t Target, records []Record) FileRun {
	rec := &recordingTarget{Target: t}
	start := time.Now()
	fr := FileRun{Result: Run(ctx, rec, records), Records: records, Outcomes: make([]Outcome, len(records))}
	fr.Elapsed = time.Since(start)
	names := TargetNames(t)
	call, failure, halted := 0, 0, false
	for i := range records {
		r, out := &records[i], &fr.Outcomes[i]
		// A cancelled run fails the record it stopped at, whatever it is.
		failed := failure < len(fr.Failures) && fr.Failures[failure].Line == r.Line && fr.Failures[failure].File == r.File
		if failed {
			out.Status, out.Message = Failed, fr.Failures[failure].Message
			failure++
		}
		switch {
		case r.Kind == Halt:
			halted = halted || r.RunsOn(names...)
			continue
		case halted || !r.RunsOn(names...):
			if !failed {
				out.Status = Skipped
			}
			continue
		}
		if call < len(rec.calls) && rec.calls[call].sql == r.SQL {
			c := rec.calls[call]
			out.Rows, out.Err, out.Elapsed = c.rows, c.err, c.elapsed
			call++
			if !failed {
				out.Status = Passed
			}
		}
	}
	return fr
}

// Traits are the wrapped target's, so that records run on the same targets through the recorder.
func (r *recordingTarget) Traits() []string { return TargetNames(r.Target)[1:] }

// recordingTarget passes calls through to a target, keeping each call's SQL and answer.
type recordingTarget struct {
	Target
	calls []targetCall
}

type targetCall struct {
	sql     string
	rows    [][]string
	err     error
	elapsed time.Duration
}

func (r *recordingTarget) Exec(ctx context.Context, sql string) error {
	start := time.Now()
	err := r.Target.Exec(ctx, sql)
	r.calls = append(r.calls, targetCall{sql: sql, err: err, elapsed: time.Since(start)})
	return err
}

func (r *recordingTarget) Query(ctx context.Context, sql string) ([][]string, error) {
	start := time.Now()
	rows, err := r.Target.Query(ctx, sql)
	r.calls = append(r.calls, targetCall{sql: sql, rows: rows, err: err, elapsed: time.Since(start)})
	return rows, err
}

// Totals adds up the counts of several files; Errors counts the files that could not be read or parsed.
type Totals struct {
	Files, Errors           int
	Passed, Failed, Skipped int
}

// Sum adds up runs.
func Sum(runs []FileRun) Totals {
	t := Totals{Files: len(runs)}
	for i := range runs {
		t.Passed += runs[i].Passed
		t.Failed += runs[i].Failed
		t.Skipped += runs[i].Skipped
		if runs[i].Err != nil {
			t.Errors++
		}
	}
	return t
}

// TableWriter writes the text report: a row per file as each file finishes (passed, failed, skipped), then a
// total row, every failure with its file:line and first differences (Failure.String), and a last line saying
// whether the run passed.
type TableWriter struct {
	w     io.Writer
	width int
}

// NewTableWriter writes the table's header, sized for the file names to come.
func NewTableWriter(w io.Writer, names []string) *TableWriter {
	tw := &TableWriter{w: w, width: len("total (000 files)")}
	for _, n := range names {
		tw.width = max(tw.width, len(n))
	}
	tw.row("file", "passed", "failed", "skipped")
	return tw
}

func (tw *TableWriter) row(name string, counts ...any) {
	fmt.Fprintf(tw.w, "%-*s  %7v  %7v  %7v\n", tw.width, name, counts[0], counts[1], counts[2])
}

// File writes a file's row; a file that could not be read or parsed shows its error instead of counts.
func (tw *TableWriter) File(fr *FileRun) {
	if fr.Err != nil {
		fmt.Fprintf(tw.w, "%-*s  error: %v\n", tw.width, fr.File, fr.Err)
		return
	}
	tw.row(fr.File, fr.Passed, fr.Failed, fr.Skipped)
}

// Finish writes the total row, the failures and the verdict.
func (tw *TableWriter) Finish(runs []FileRun) {
	t := Sum(runs)
	tw.row(fmt.Sprintf("total (%d files)", t.Files), t.Passed, t.Failed, t.Skipped)
	for i := range runs {
		for _, f := range runs[i].Failures {
			fmt.Fprintf(tw.w, "\n%s\n", f)
		}
	}
	for i := range runs {
		if runs[i].Err != nil {
			fmt.Fprintf(tw.w, "\n%v\n", runs[i].Err)
		}
	}
	switch {
	case t.Failed == 0 && t.Errors == 0:
		fmt.Fprintf(tw.w, "\nPASS: %d records passed, %d skipped\n", t.Passed, t.Skipped)
	case t.Errors == 0:
		fmt.Fprintf(tw.w, "\nFAIL: %d of %d records failed (%d skipped)\n", t.Failed, t.Passed+t.Failed, t.Skipped)
	default:
		fmt.Fprintf(tw.w, "\nFAIL: %d of %d records failed (%d skipped); %d files could not be read or parsed\n",
			t.Failed, t.Passed+t.Failed, t.Skipped, t.Errors)
	}
}
