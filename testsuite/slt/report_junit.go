package slt

import (
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// JUnit XML, the report format CI systems read: a <testsuite> per file and a <testcase> per record that ran or
// was skipped, with <failure> (the runner's message) or <skipped>. A file that could not be read or parsed is a
// suite with one <error> case.

// JUnitSuites is the document WriteJUnit writes.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one file.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitProperty is a name and value attached to a suite (the target).
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one record.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitMessage `xml:"failure,omitempty"`
	Error     *JUnitMessage `xml:"error,omitempty"`
	Skipped   *JUnitMessage `xml:"skipped,omitempty"`
}

// JUnitMessage is a failure, error or skip: a one-line message and the full text.
type JUnitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the runs as JUnit XML.
func WriteJUnit(w io.Writer, target string, runs []FileRun) error {
	doc := JUnitSuites{Name: "vcube conformance (" + target + ")"}
	var total time.Duration
	for i := range runs {
		s := junitSuite(target, &runs[i])
		doc.Suites = append(doc.Suites, s)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		total += runs[i].Elapsed
	}
	doc.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitSuite(target string, fr *FileRun) JUnitSuite {
	class := strings.ReplaceAll(strings.TrimSuffix(filepath.ToSlash(fr.File), ".slt"), "/", ".")
	s := JUnitSuite{Name: fr.File, Time: seconds(fr.Elapsed), Properties: []JUnitProperty{{Name: "target", Value: target}}}
	if fr.Err != nil {
		s.Tests, s.Errors = 1, 1
		s.Cases = []JUnitCase{{Name: "read and parse", Classname: class, File: fr.File, Time: seconds(0),
			Error: &JUnitMessage{Message: fr.Err.Error(), Type: "parse", Text: fr.Err.Error()}}}
		return s
	}
	s.Tests, s.Failures, s.Skipped = fr.Passed+fr.Failed+fr.Skipped, fr.Failed, fr.Skipped
	for i := range fr.Records {
		r, out := &fr.Records[i], &fr.Outcomes[i]
		if out.Status == NotRun {
			continue
		}
		c := JUnitCase{Name: caseName(r), Classname: class, File: r.File, Line: r.Line, Time: seconds(out.Elapsed)}
		switch out.Status {
		case Failed:
			f := Failure{File: r.File, Line: r.Line, SQL: r.SQL, Message: out.Message}
			first, _, _ := strings.Cut(out.Message, "\n")
			c.Failure = &JUnitMessage{Message: first, Type: r.Kind.String(), Text: f.String()}
		case Skipped:
			c.Skipped = &JUnitMessage{Message: "not run on this target (skipif/onlyif, or after a halt)"}
		}
		s.Cases = append(s.Cases, c)
	}
	return s
}

// caseName is "line N: " and the start of the record's SQL, so that cases read well and stay unique in a file.
func caseName(r *Record) string {
	sql, _, more := strings.Cut(r.SQL, "\n")
	const most = 80
	if len(sql) > most {
		n := most
		for n > 0 && !utf8.RuneStart(sql[n]) {
			n--
		}
		sql, more = sql[:n], true
	}
	if more {
		sql += " ..."
	}
	return fmt.Sprintf("line %d: %s", r.Line, sql)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
