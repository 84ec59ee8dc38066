package slt

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ParseError is malformed input, located at a line of a file.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ParseFile parses the sqllogictest file at path; records and errors are named by path.
func ParseFile(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(path, f)
}

// Parse parses sqllogictest records read from r; name is the file name records and errors carry.
// The first malformed line is returned as a *ParseError.
func Parse(name string, r io.Reader) ([]Record, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &parser{file: name, lines: splitLines(string(data))}
	return p.parse()
}

type parser struct {
	file  string
	lines []string
	pos   int // index of the next line to read; its line number is pos+1
}

func splitLines(s string) []string {
	lines := strings.Split(s, "\n")
	if n := len(lines); lines[n-1] == "" {
		lines = lines[:n-1] // the final newline ends the last line, it does not start another
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

func isBlank(line string) bool   { return strings.TrimSpace(line) == "" }
func isComment(line string) bool { return strings.HasPrefix(strings.TrimSpace(line), "#") }
func isDashes(line string) bool  { return strings.TrimSpace(line) == "----" }

func (p *parser) errorf(line int, format string, args ...any) error {
	return &ParseError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parse() ([]Record, error) {
	var recs []Record
	for p.pos < len(p.lines) {
		if line := p.lines[p.pos]; isBlank(line) || isComment(line) {
			p.pos++
			continue
		}
		rec, ok, err := p.record()
		if err != nil {
			return nil, err
		}
		if ok {
			recs = append(recs, rec)
		}
	}
	return recs, nil
}

// record parses the record starting at the current line, which is neither blank nor a comment: its conditions,
// then its header and body. It returns ok=false for directives that make no record (hash-threshold).
func (p *parser) record() (rec Record, ok bool, err error) {
	for {
		lineNo := p.pos + 1
		line := p.lines[p.pos]
		fields := strings.Fields(line)
		switch fields[0] {
		case "skipif", "onlyif":
			if len(fields) != 2 {
				return rec, false, p.errorf(lineNo, "%s takes exactly one target name", fields[0])
			}
			rec.Conditions = append(rec.Conditions, Condition{Only: fields[0] == "onlyif", Target: fields[1]})
			p.pos++
			for p.pos < len(p.lines) && isComment(p.lines[p.pos]) {
				p.pos++
			}
			if p.pos >= len(p.lines) || isBlank(p.lines[p.pos]) {
				return rec, false, p.errorf(lineNo, "%s is not followed by a record", fields[0])
			}
		case "hash-threshold":
			if len(rec.Conditions) > 0 {
				return rec, false, p.errorf(lineNo, "hash-threshold cannot have skipif or onlyif")
			}
			if n, err := strconv.Atoi(strings.Join(fields[1:], " ")); err != nil || n < 0 {
				return rec, false, p.errorf(lineNo, "hash-threshold takes one non-negative number")
			}
			p.pos++
			return rec, false, nil
		case "halt":
			if len(fields) != 1 {
				return rec, false, p.errorf(lineNo, "halt takes no arguments")
			}
			p.pos++
			rec.File, rec.Line, rec.Kind = p.file, lineNo, Halt
			return rec, true, nil
		case "statement":
			rec.File, rec.Line, rec.Kind = p.file, lineNo, Statement
			return rec, true, p.statement(&rec, fields)
		case "query":
			rec.File, rec.Line, rec.Kind = p.file, lineNo, Query
			return rec, true, p.query(&rec, fields)
		default:
			return rec, false, p.errorf(lineNo, "unknown record %q (want statement, query, skipif, onlyif, hash-threshold or halt)", fields[0])
		}
	}
}

func (p *parser) statement(rec *Record, fields []string) error {
	switch {
	case len(fields) == 2 && fields[1] == "ok":
	case len(fields) >= 2 && fields[1] == "error":
		if err := p.errorPattern(rec); err != nil {
			return err
		}
	default:
		return p.errorf(rec.Line, "want \"statement ok\" or \"statement error [pattern]\"")
	}
	p.pos++
	sql, dashes := p.sql()
	if dashes {
		return p.errorf(p.pos+1, "a statement has no results: \"----\" belongs to queries")
	}
	if sql == "" {
		return p.errorf(rec.Line, "statement has no SQL")
	}
	rec.SQL = sql
	return nil
}

func (p *parser) query(rec *Record, fields []string) error {
	if len(fields) < 2 {
		return p.errorf(rec.Line, "query needs column types (e.g. \"query IT\") or \"error\"")
	}
	if fields[1] == "error" {
		if err := p.errorPattern(rec); err != nil {
			return err
		}
		p.pos++
		sql, dashes := p.sql()
		if dashes {
			return p.errorf(p.pos+1, "a query expected to fail has no results")
		}
		if sql == "" {
			return p.errorf(rec.Line, "query has no SQL")
		}
		rec.SQL = sql
		return nil
	}

	rec.Types = fields[1]
	for _, c := range rec.Types {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return p.errorf(rec.Line, "column types %q: want one letter per column (I, R, T, ...)", rec.Types)
		}
	}
	if len(fields) > 2 {
		switch fields[2] {
		case "nosort":
			rec.Sort = NoSort
		case "rowsort":
			rec.Sort = RowSort
		case "valuesort":
			rec.Sort = ValueSort
		default:
			return p.errorf(rec.Line, "unknown sort mode %q (want nosort, rowsort or valuesort)", fields[2])
		}
	}
	if len(fields) > 3 {
		rec.Label = fields[3]
	}
	if len(fields) > 4 {
		return p.errorf(rec.Line, "query header has extra words after the label: %q", strings.Join(fields[4:], " "))
	}

	p.pos++
	sql, dashes := p.sql()
	if sql == "" {
		return p.errorf(rec.Line, "query has no SQL")
	}
	rec.SQL = sql
	if !dashes {
		return nil // no "----": the query must return no rows
	}
	p.pos++
	first := p.pos + 1
	var lines []string
	for p.pos < len(p.lines) && !isBlank(p.lines[p.pos]) {
		lines = append(lines, p.lines[p.pos])
		p.pos++
	}
	return p.results(rec, lines, first)
}

// errorPattern takes what follows "error" on the header line.
func (p *parser) errorPattern(rec *Record) error {
	header := strings.TrimSpace(p.lines[rec.Line-1])
	_, rest, _ := strings.Cut(header, "error")
	rec.ExpectError = true
	rec.ErrorPattern = strings.TrimSpace(rest)
	if rec.ErrorPattern == "" {
		return nil
	}
	number, pattern := splitErrorPattern(rec.ErrorPattern)
	if number != "" {
		if _, err := strconv.Atoi(number); err != nil {
			return p.errorf(rec.Line, "error number %s is out of range", number)
		}
	}
	if _, err := regexp.Compile(pattern); err != nil {
		return p.errorf(rec.Line, "error pattern: %v", err)
	}
	return nil
}

// sql reads SQL lines up to a blank line, the end of the file, or "----" (left unread, dashes reports it).
func (p *parser) sql() (sql string, dashes bool) {
	var lines []string
	for p.pos < len(p.lines) && !isBlank(p.lines[p.pos]) {
		if isDashes(p.lines[p.pos]) {
			dashes = true
			break
		}
		lines = append(lines, p.lines[p.pos])
		p.pos++
	}
	return strings.Join(lines, "\n"), dashes
}

var hashLine = regexp.MustCompile(`^\s*(\d+) values hashing to ([0-9a-fA-F]{32})\s*$`)

// results turns the lines after "----" into rows of len(rec.Types) values; first is the first line's number.
func (p *parser) results(rec *Record, lines []string, first int) error {
	ncols := len(rec.Types)
	if len(lines) == 1 {
		if m := hashLine.FindStringSubmatch(lines[0]); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil || n%ncols != 0 {
				return p.errorf(first, "%s values cannot fill %d columns", m[1], ncols)
			}
			rec.HashCount, rec.Hash = n, strings.ToLower(m[2])
			return nil
		}
	}

	rows := make([][]string, len(lines))
	oneEach := ncols > 1 // every line holds a single value: SQLite's one value per line
	for i, line := range lines {
		if hashLine.MatchString(line) {
			return p.errorf(first+i, "a hash line must be the only result line")
		}
		rows[i] = splitRow(line, ncols)
		oneEach = oneEach && len(rows[i]) == 1
	}
	if oneEach {
		if len(lines)%ncols != 0 {
			return p.errorf(first+len(lines)-1, "%d values, one per line, cannot fill rows of %d columns (types %s)", len(lines), ncols, rec.Types)
		}
		values := make([]string, len(rows))
		for i, r := range rows {
			values[i] = r[0]
		}
		rec.Rows = slices.Collect(slices.Chunk(values, ncols))
		return nil
	}
	for i, row := range rows {
		if len(row) != ncols {
			return p.errorf(first+i, "row has %d values, the query has %d columns (types %s); text values with spaces need TAB separators",
				len(row), ncols, rec.Types)
		}
	}
	rec.Rows = rows
	return nil
}

// splitRow applies the documented rule: TABs when the line has one, else single spaces for multi-column queries.
func splitRow(line string, ncols int) []string {
	var vals []string
	switch {
	case strings.Contains(line, "\t"):
		vals = strings.Split(line, "\t")
	case ncols > 1:
		vals = strings.Split(line, " ")
	default:
		vals = []string{line}
	}
	for i, v := range vals {
		if v == "" {
			vals[i] = emptyString // an empty field (a trailing TAB) is the empty string, as (empty) writes it
		}
	}
	return vals
}

func isErrorNumber(pattern string) bool {
	for _, c := range pattern {
		if c < '0' || c > '9' {
			return false
		}
	}
	return pattern != ""
}
