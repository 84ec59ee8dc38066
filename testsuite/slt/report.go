package slt

import (
	"fmt"
	"strings"
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
