package testsuite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/testsuite/slt"
)

// HTTP runs records against a running vcube server through its HTTP API (docs/http-api.md): each record is
// one POST /v1/sql. Answers are asked for as CSV, whose values are rendered exactly as the in-process target
// renders them (the JSON answer turns doubles into JSON numbers, which would print differently); error answers
// become *sqlerror.SQLError with the server's number, SQLSTATE and message, as the engine's own errors are, so
// error records match on number and message alike.
//
// The API keeps no session between requests, so the target keeps one: a successful USE s sends ?schema=s
// with the statements that follow, until the file ends.
//
// A server outlives a file: see EndFile.
type HTTP struct {
	base    string // scheme://host:port[/prefix], without a trailing slash
	client  *http.Client
	schema  string
	scratch scratch
}

// AddressError is a target address that cannot be used (a usage error), as opposed to a server that cannot be
// reached.
type AddressError struct{ Msg string }

func (e *AddressError) Error() string { return e.Msg }

func addressError(format string, args ...any) error {
	return &AddressError{Msg: fmt.Sprintf(format, args...)}
}

// NewHTTP returns a target for the server at baseURL (http://host:port); it does not connect.
func NewHTTP(baseURL string) (*HTTP, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, addressError("target %q: %v", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, addressError("target %q: want http://host:port", baseURL)
	}
	return &HTTP{base: strings.TrimSuffix(u.String(), "/"), client: &http.Client{}}, nil
}

// Name is the target name skipif/onlyif lines use: a vcube server is vcube, as the in-process engine is.
func (t *HTTP) Name() string { return "vcube" }

// String is the server's address.
func (t *HTTP) String() string { return t.base }

// Ping checks that the server answers GET /healthz.
func (t *HTTP) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s/healthz answered %s", t.base, resp.Status)
	}
	return nil
}

// Exec runs a statement.
func (t *HTTP) Exec(ctx context.Context, sql string) error {
	_, err := t.Query(ctx, sql)
	return err
}

// Query runs a statement and returns its rows as text, NULL as "NULL". As in-process, a value spanning several
// lines in a one-column result (an EXPLAIN plan) becomes one row per line.
func (t *HTTP) Query(ctx context.Context, sql string) ([][]string, error) {
	rows, err := t.post(ctx, sql)
	t.scratch.observe(sql, err)
	if err == nil {
		if schema, ok := useSchema(sql); ok {
			t.schema = schema
		}
	}
	return rows, err
}

// EndFile makes the server ready for the next file: see scratch.end. The USE schema is forgotten too.
func (t *HTTP) EndFile(ctx context.Context, fr *slt.FileRun) error {
	t.schema = ""
	return t.scratch.end(ctx, fr, func(sql string) error { _, err := t.post(ctx, sql); return err })
}

// errorAnswer is the body of an error answer.
type errorAnswer struct {
	Error *struct {
		Code     int    `json:"code"`
		SQLState string `json:"sqlstate"`
		Message  string `json:"message"`
	} `json:"error"`
}

func (t *HTTP) post(ctx context.Context, sql string) ([][]string, error) {
	q := url.Values{"format": {"csv"}}
	if t.schema != "" {
		q.Set("schema", t.schema)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+"/v1/sql?"+q.Encode(), strings.NewReader(sql))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var a errorAnswer
		if json.Unmarshal(body, &a) == nil && a.Error != nil {
			return nil, sqlerror.NewSQLError(sqlerror.ErrorCode(a.Error.Code), a.Error.SQLState, a.Error.Message)
		}
		const most = 500
		if len(body) > most {
			body = append(body[:most], "..."...)
		}
		return nil, fmt.Errorf("%s answered %s: %s", t.base, resp.Status, bytes.TrimSpace(body))
	}
	header, rows, err := readCSV(body)
	if err != nil {
		return nil, fmt.Errorf("%s answered malformed CSV: %w", t.base, err)
	}
	if len(header) == 1 {
		rows = splitMultiline(rows)
	}
	return rows, nil
}

// readCSV reads the API's CSV answer: a header line, then one line per row. Unlike encoding/csv it tells NULL
// (an empty field) from the empty string (""). A header that is one empty unquoted field is a result without
// columns (a statement's answer).
func readCSV(data []byte) (header []string, rows [][]string, err error) {
	type field struct {
		v      string
		quoted bool
	}
	var records [][]field
	var rec []field
	for i := 0; i < len(data); {
		var f field
		if data[i] == '"' {
			f.quoted = true
			var v []byte
			for i++; ; i++ {
				if i >= len(data) {
					return nil, nil, errors.New("a quoted field does not end")
				}
				if data[i] == '"' {
					if i+1 < len(data) && data[i+1] == '"' {
						v = append(v, '"')
						i++
						continue
					}
					i++
					break
				}
				v = append(v, data[i])
			}
			f.v = string(v)
		} else {
			j := i
			for j < len(data) && data[j] != ',' && data[j] != '\r' && data[j] != '\n' {
				j++
			}
			f.v, i = string(data[i:j]), j
		}
		rec = append(rec, f)
		if i >= len(data) {
			break
		}
		switch data[i] {
		case ',':
			i++
			if i == len(data) {
				rec = append(rec, field{})
			}
		case '\r', '\n':
			if data[i] == '\r' {
				i++
			}
			if i < len(data) && data[i] == '\n' {
				i++
			}
			records = append(records, rec)
			rec = nil
		default:
			return nil, nil, fmt.Errorf("unexpected %q after a quoted field", data[i])
		}
	}
	if rec != nil {
		records = append(records, rec)
	}
	if len(records) == 0 {
		return nil, nil, nil
	}
	for _, f := range records[0] {
		header = append(header, f.v)
	}
	if len(records[0]) == 1 && records[0][0] == (field{}) {
		header = nil
	}
	for n, r := range records[1:] {
		if len(r) != len(header) {
			return nil, nil, fmt.Errorf("row %d has %d fields, the header %d", n+1, len(r), len(header))
		}
		row := make([]string, len(r))
		for j, f := range r {
			row[j] = f.v
			if f.v == "" && !f.quoted {
				row[j] = "NULL"
			}
		}
		rows = append(rows, row)
	}
	return header, rows, nil
}

// splitMultiline makes each line of a one-column result's values a row of its own, as InProcess does.
func splitMultiline(rows [][]string) [][]string {
	var out [][]string
	for _, r := range rows {
		for _, line := range strings.Split(r[0], "\n") {
			out = append(out, []string{line})
		}
	}
	return out
}

// Statements the server targets watch for.
var (
	createSchemaSQL = regexp.MustCompile("(?is)^\\s*create\\s+(?:schema|database)\\s+(if\\s+not\\s+exists\\s+)?(`[^`]+`|[a-z0-9_$]+)\\s*;?\\s*$")
	useSQL          = regexp.MustCompile("(?is)^\\s*use\\s+(`[^`]+`|[a-z0-9_$]+)\\s*;?\\s*$")
)

func unquoteName(s string) string { return strings.Trim(s, "`") }

func quoteName(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// useSchema returns the schema a USE statement names.
func useSchema(sql string) (string, bool) {
	if m := useSQL.FindStringSubmatch(sql); m != nil {
		return unquoteName(m[1]), true
	}
	return "", false
}

// scratch is what a server target, which keeps its data from one file to the next, does between files.
// The files create their own schemas (CREATE SCHEMA s) and expect a server without them: the in-process target
// starts each file on a new, empty node, but a server runs the files one after another. So the target notes
// the schemas each file's CREATE SCHEMA statements create, and drops them, and only them, when the file ends.
// A CREATE SCHEMA failing with error 1007 for a schema the file had not created means the server held it
// before the file started: left by an earlier, interrupted run, or not a scratch server. Its failure says so.
type scratch struct {
	created []string          // schemas the file created, in order
	existed map[string]string // SQL of a CREATE SCHEMA that found its schema there -> the schema
}

// observe notes what a statement did to the server's schemas.
func (s *scratch) observe(sql string, err error) {
	m := createSchemaSQL.FindStringSubmatch(sql)
	if m == nil {
		return
	}
	name := unquoteName(m[2])
	var se *sqlerror.SQLError
	switch {
	case err == nil && m[1] == "":
		if !slices.Contains(s.created, name) {
			s.created = append(s.created, name)
		}
	case errors.As(err, &se) && se.Number() == sqlerror.ERDbCreateExists && !slices.Contains(s.created, name):
		if s.existed == nil {
			s.existed = map[string]string{}
		}
		s.existed[sql] = name
	}
}

// end adds the note about schemas that existed before the file to the failures of their CREATE SCHEMA, then
// drops the schemas the file created, with exec.
func (s *scratch) end(ctx context.Context, fr *slt.FileRun, exec func(sql string) error) error {
	note := func(sql, msg string) string {
		if name, ok := s.existed[sql]; ok {
			return msg + fmt.Sprintf("\nschema %s was on the server before this file ran (left by an earlier run?): "+
				"the files create their own schemas, so run them against a scratch server, or DROP SCHEMA %s first", name, name)
		}
		return msg
	}
	if fr != nil {
		for i := range fr.Failures {
			fr.Failures[i].Message = note(fr.Failures[i].SQL, fr.Failures[i].Message)
		}
		for i := range fr.Outcomes {
			if fr.Outcomes[i].Status == slt.Failed {
				fr.Outcomes[i].Message = note(fr.Records[i].SQL, fr.Outcomes[i].Message)
			}
		}
	}
	var errs []error
	for i := len(s.created) - 1; i >= 0; i-- {
		if err := exec("DROP SCHEMA IF EXISTS " + quoteName(s.created[i])); err != nil {
			errs = append(errs, fmt.Errorf("dropping schema %s after the file: %w", s.created[i], err))
		}
	}
	*s = scratch{}
	return errors.Join(errs...)
}
