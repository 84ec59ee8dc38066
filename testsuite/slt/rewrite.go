package slt

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Rewriting records new cases: run a file whose queries have placeholder (or outdated) results, and let the
// target's answers replace them. The result is meant to be read by a person before it is committed: a
// rewritten record passes by construction, whether or not the answer is right.

// Rewritten is a record whose expected results RewriteFile replaced.
type Rewritten struct {
	File string
	Line int
}

// NotRewritten is a failed record RewriteFile left alone, and why.
type NotRewritten struct {
	File   string
	Line   int
	Reason string
}

// RewriteFile replaces, in the file at path, the expected results of every query of fr that failed only
// because its results differed (not statements, not errors, not a column count or label mismatch) with the
// rows the target returned. Everything else stays byte for byte: comments, blank lines, headers, SQL, other
// records, line endings. A result given as "N values hashing to <md5>" stays a hash; rows keep the record's
// separator (TABs, or single spaces when the file used them and no value has a space), and a rowsort query's
// rows are written sorted. The file is checked to parse with every rewritten record passing before it replaces
// the original; fr must come from running the file as it is now.
func RewriteFile(path string, fr *FileRun) ([]Rewritten, []NotRewritten, error) {
	if fr.Err != nil || fr.Failed == 0 {
		return nil, nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if err := sameRecords(fr, string(data)); err != nil {
		return nil, nil, fmt.Errorf("%s: not rewritten: %w", fr.File, err)
	}
	lines := strings.Split(string(data), "\n")
	var done []Rewritten
	var left []NotRewritten
	for i := len(fr.Records) - 1; i >= 0; i-- {
		rec, out := &fr.Records[i], &fr.Outcomes[i]
		if out.Status != Failed {
			continue
		}
		if reason := rewritable(rec, out); reason != "" {
			left = append(left, NotRewritten{File: rec.File, Line: rec.Line, Reason: reason})
			continue
		}
		var reason string
		lines, reason = rewriteRecord(lines, rec, out.Rows)
		if reason != "" {
			left = append(left, NotRewritten{File: rec.File, Line: rec.Line, Reason: reason})
			continue
		}
		done = append(done, Rewritten{File: rec.File, Line: rec.Line})
	}
	slices.Reverse(done)
	slices.Reverse(left)
	if len(done) == 0 {
		return nil, left, nil
	}
	text := strings.Join(lines, "\n")
	if err := checkRewrite(fr, text, done); err != nil {
		return nil, nil, fmt.Errorf("%s: not rewritten: %w", fr.File, err)
	}
	if err := replaceFile(path, []byte(text)); err != nil {
		return nil, nil, err
	}
	return done, left, nil
}

// rewritable says why a failed record's results cannot be replaced, or "" when they can.
func rewritable(rec *Record, out *Outcome) string {
	switch {
	case rec.Kind != Query:
		return "a statement: only query results are rewritten"
	case rec.ExpectError:
		return "expects an error: only query results are rewritten"
	case out.Err != nil:
		return "the query failed: only results are rewritten, not errors"
	case strings.HasPrefix(out.Message, "results differ from the query labelled"):
		return "its results differ from another query with the same label"
	case strings.HasPrefix(out.Message, "results differ at ") || strings.HasPrefix(out.Message, "results differ\n"):
		return ""
	case strings.HasPrefix(out.Message, "row ") && strings.Contains(out.Message, " values; the query declares "):
		return "the number of columns differs: fix the types by hand"
	}
	return "the failure is not a difference in results"
}

// rewriteRecord replaces the result lines of rec (the lines after "----" up to a blank line, adding "----" when
// the record had none) with rows, or says why it cannot.
func rewriteRecord(lines []string, rec *Record, rows [][]string) ([]string, string) {
	h := rec.Line - 1
	if h >= len(lines) || !strings.HasPrefix(strings.TrimSpace(lines[h]), "query") {
		return lines, "its header is not where the run saw it"
	}
	eol := ""
	if strings.HasSuffix(lines[h], "\r") {
		eol = "\r"
	}
	end := h + 1
	for end < len(lines) && !isBlank(lines[end]) && !isDashes(lines[end]) {
		end++
	}
	var old []string
	start, dashes := end, end < len(lines) && isDashes(lines[end])
	if dashes {
		start = end + 1
		end = start
		for end < len(lines) && !isBlank(lines[end]) {
			end++
		}
		old = lines[start:end]
	}
	results, reason := renderResults(rec, old, rows)
	if reason != "" {
		return lines, reason
	}
	if !dashes {
		results = append([]string{"----"}, results...) // the record expected no rows: it gets its "----"
	}
	for i := range results {
		results[i] += eol
	}
	return slices.Concat(lines[:start], results, lines[end:]), ""
}

// renderResults writes rows the way the record's results were written.
func renderResults(rec *Record, old []string, rows [][]string) ([]string, string) {
	ncols := len(rec.Types)
	actual := make([][]string, len(rows))
	for i, row := range rows {
		actual[i] = make([]string, len(row))
		for j, v := range row {
			if v == "" {
				v = emptyString
			}
			if strings.ContainsAny(v, "\t\r\n") {
				return nil, "a value holds a TAB or a line break, which results cannot show"
			}
			actual[i][j] = v
		}
	}
	if rec.Hash != "" {
		count, hash := hashValues(arrange(actual, rec.Sort))
		return []string{fmt.Sprintf("%d values hashing to %s", count, hash)}, ""
	}
	if rec.Sort == RowSort {
		actual = arrange(actual, RowSort)
	}
	spaced := false // a value with a space needs TAB separators
	for _, row := range actual {
		spaced = spaced || slices.ContainsFunc(row, func(v string) bool { return strings.Contains(v, " ") })
	}
	tabs, oneEach := true, false
	if ncols > 1 && len(old) > 0 && !spaced {
		tabs = slices.ContainsFunc(old, func(l string) bool { return strings.Contains(l, "\t") })
		oneEach = !tabs && !slices.ContainsFunc(old, func(l string) bool { return strings.Contains(l, " ") })
	}
	var out []string
	for _, row := range actual {
		switch {
		case oneEach:
			out = append(out, row...)
		case tabs:
			out = append(out, strings.Join(row, "\t"))
		default:
			out = append(out, strings.Join(row, " "))
		}
	}
	for _, l := range out {
		if isBlank(l) || hashLine.MatchString(l) {
			return nil, fmt.Sprintf("the result line %q cannot be written in a file", l)
		}
	}
	return out, ""
}

// sameRecords checks that the file's text still holds the records fr ran.
func sameRecords(fr *FileRun, text string) error {
	recs, err := Parse(fr.File, strings.NewReader(text))
	if err != nil {
		return err
	}
	if len(recs) != len(fr.Records) {
		return fmt.Errorf("the file changed since it ran (%d records, %d ran)", len(recs), len(fr.Records))
	}
	for i := range recs {
		if recs[i].Line != fr.Records[i].Line || recs[i].SQL != fr.Records[i].SQL {
			return fmt.Errorf("the file changed since it ran (line %d)", fr.Records[i].Line)
		}
	}
	return nil
}

// checkRewrite parses the new text and checks that it holds the same records, each rewritten one passing with
// the rows the target returned.
func checkRewrite(fr *FileRun, text string, done []Rewritten) error {
	recs, err := Parse(fr.File, strings.NewReader(text))
	if err != nil {
		return fmt.Errorf("the rewritten file would not parse: %w", err)
	}
	if len(recs) != len(fr.Records) {
		return fmt.Errorf("the rewritten file would hold %d records instead of %d", len(recs), len(fr.Records))
	}
	rewritten := map[int]bool{}
	for _, d := range done {
		rewritten[d.Line] = true
	}
	for i := range recs {
		old := &fr.Records[i]
		if recs[i].SQL != old.SQL || recs[i].Kind != old.Kind || recs[i].Types != old.Types {
			return fmt.Errorf("the rewritten file would change the record at line %d", old.Line)
		}
		if !rewritten[old.Line] {
			continue
		}
		r := runner{labels: map[string]labelled{}}
		if msg := r.checkRows(&recs[i], fr.Outcomes[i].Rows); msg != "" {
			return fmt.Errorf("the rewritten record at line %d would still fail: %s", old.Line, msg)
		}
	}
	return nil
}

// replaceFile writes data to a new file beside path and renames it over path, keeping path's permissions.
func replaceFile(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
