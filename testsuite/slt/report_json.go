package slt

import (
	"encoding/json"
	"io"
)

// JSONReport is the document WriteJSON writes: the target, each file's counts and failures, and the totals.
type JSONReport struct {
	Target    string          `json:"target"`
	Files     []JSONFile      `json:"files"`
	Total     JSONTotal       `json:"total"`
	Rewritten []JSONRewritten `json:"rewritten,omitempty"`
}

// JSONFile is one file of a JSONReport. Error is set when the file could not be read or parsed.
type JSONFile struct {
	File     string        `json:"file"`
	Passed   int           `json:"passed"`
	Failed   int           `json:"failed"`
	Skipped  int           `json:"skipped"`
	Seconds  float64       `json:"seconds"`
	Error    string        `json:"error,omitempty"`
	Failures []JSONFailure `json:"failures"`
}

// JSONFailure is a failed record: where it is, its SQL, and the runner's message.
type JSONFailure struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	SQL     string `json:"sql"`
	Message string `json:"message"`
}

// JSONTotal sums the files; Errors counts files that could not be read or parsed. OK is true when nothing
// failed.
type JSONTotal struct {
	Files   int  `json:"files"`
	Errors  int  `json:"errors"`
	Passed  int  `json:"passed"`
	Failed  int  `json:"failed"`
	Skipped int  `json:"skipped"`
	OK      bool `json:"ok"`
}

// JSONRewritten is a record whose expected results Rewrite replaced.
type JSONRewritten struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// WriteJSON writes the runs as one JSONReport document, followed by a newline.
func WriteJSON(w io.Writer, target string, runs []FileRun, rewritten []Rewritten) error {
	t := Sum(runs)
	doc := JSONReport{
		Target: target,
		Files:  make([]JSONFile, len(runs)),
		Total: JSONTotal{Files: t.Files, Errors: t.Errors, Passed: t.Passed, Failed: t.Failed, Skipped: t.Skipped,
			OK: t.Failed == 0 && t.Errors == 0},
	}
	for i := range runs {
		fr := &runs[i]
		f := JSONFile{File: fr.File, Passed: fr.Passed, Failed: fr.Failed, Skipped: fr.Skipped,
			Seconds: fr.Elapsed.Seconds(), Failures: []JSONFailure{}}
		if fr.Err != nil {
			f.Error = fr.Err.Error()
		}
		for _, fl := range fr.Failures {
			f.Failures = append(f.Failures, JSONFailure{File: fl.File, Line: fl.Line, SQL: fl.SQL, Message: fl.Message})
		}
		doc.Files[i] = f
	}
	for _, r := range rewritten {
		doc.Rewritten = append(doc.Rewritten, JSONRewritten{File: r.File, Line: r.Line})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
