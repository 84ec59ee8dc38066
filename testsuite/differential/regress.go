package differential

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// RegressionFile renders a shrunk case as a sqllogictest file and returns it with its name (d<hash>.slt, the
// hash of the case's SQL, so the same case found twice is one file).
//
// The file creates its own schema, the case's tables and rows, and runs the query. Which engine is right is for
// a person to decide, so the file takes neither side: the expected result is MariaDB's answer (rows, or its
// error), the query is marked "skipif vcube", and both answers are in the comments. Whoever reviews it either
// fixes vcube and removes "skipif vcube", or, when vcube is right by MySQL's semantics and MariaDB departs from
// them, writes vcube's answer as the expected result and marks the query "skipif mysql" with the entry of
// testsuite/mariadb-differences.md that explains it. The vcube answer is never written as the expected result
// here: that would hide a vcube bug.
func RegressionFile(c *Case, origin string) (name, text string) {
	setup := c.Data.Setup(c.Cube)
	sql := c.Query.SQL()
	h := sha256.New()
	for _, s := range setup {
		h.Write([]byte(s + "\n"))
	}
	h.Write([]byte(sql))
	sum := hex.EncodeToString(h.Sum(nil))[:10]
	name = "d" + sum + ".slt"
	schema := "reg_" + sum

	var b strings.Builder
	fmt.Fprintf(&b, "# Found by the differential test (testsuite/differential): %s, shrunk.\n", origin)
	fmt.Fprintf(&b, "# %s: %s\n", c.Verdict, oneLine(c.Detail))
	b.WriteString("# NOT REVIEWED: the expected result is MariaDB's answer and the query is skipped on vcube until someone\n")
	b.WriteString("# decides which engine MySQL's semantics side with (docs/conformance.md, \"Reviewing a saved case\").\n")
	writeAnswer(&b, "vcube", c.Vcube)
	writeAnswer(&b, "MariaDB", c.MariaDB)
	b.WriteString("\n")
	fmt.Fprintf(&b, "statement ok\nCREATE SCHEMA %s\n\n", schema)
	fmt.Fprintf(&b, "statement ok\nUSE %s\n\n", schema)
	for _, t := range c.Data.Tables {
		if c.Cube && t.Cube != "" {
			// Cube Store's clauses are vcube's: MariaDB gets the same table without them.
			fmt.Fprintf(&b, "skipif mysql\n# mariadb-differences: cube-store-ddl\nstatement ok\n%s\n\n", t.CreateTable(true))
			fmt.Fprintf(&b, "onlyif mysql\n# mariadb-differences: cube-store-ddl\nstatement ok\n%s\n\n", t.CreateTable(false))
		} else {
			fmt.Fprintf(&b, "statement ok\n%s\n\n", t.CreateTable(false))
		}
		for _, ins := range t.Inserts() {
			fmt.Fprintf(&b, "statement ok\n%s\n\n", ins)
		}
	}
	b.WriteString("skipif vcube\n")
	if c.MariaDB.Err != nil {
		code := c.MariaDB.Code()
		if code != 0 {
			fmt.Fprintf(&b, "query error %d\n%s\n", code, sql)
		} else {
			fmt.Fprintf(&b, "query error\n%s\n", sql)
		}
		return name, b.String()
	}
	types := make([]byte, len(c.MariaDB.Float))
	for i := range types {
		types[i] = 'T'
		if c.MariaDB.Float[i] || (i < len(c.Vcube.Float) && c.Vcube.Float[i]) {
			types[i] = 'R'
		}
	}
	mode := "rowsort"
	if c.Query.Ordered() {
		mode = "nosort"
	}
	fmt.Fprintf(&b, "query %s %s\n%s\n----\n", types, mode, sql)
	b.WriteString(resultLines(c.MariaDB.Rows, mode == "rowsort"))
	return name, b.String()
}

// resultLines writes rows as the sqllogictest format reads them: TAB-separated, (empty) for the empty string.
// Rows it cannot write faithfully (a value that is blank, or holds a TAB or a newline) are written as the hash
// of their values instead, which the format compares exactly.
func resultLines(rows [][]string, rowsort bool) string {
	var b strings.Builder
	plain := true
	for _, r := range rows {
		for _, v := range r {
			if strings.ContainsAny(v, "\t\n\r") || (v != "" && strings.TrimSpace(v) == "") {
				plain = false
			}
		}
	}
	if !plain {
		n, hash := hashRows(rows, rowsort)
		fmt.Fprintf(&b, "%d values hashing to %s\n", n, hash)
		return b.String()
	}
	for _, r := range rows {
		vals := make([]string, len(r))
		for i, v := range r {
			if v == "" {
				v = "(empty)"
			}
			vals[i] = v
		}
		b.WriteString(strings.Join(vals, "\t") + "\n")
	}
	return b.String()
}

// hashRows is the sqllogictest hash of rows: the MD5 of every value followed by "\n", the empty string written
// (empty), rows sorted as text first under rowsort.
func hashRows(rows [][]string, rowsort bool) (int, string) {
	vals := make([][]string, len(rows))
	for i, r := range rows {
		vals[i] = make([]string, len(r))
		for j, v := range r {
			if v == "" {
				v = "(empty)"
			}
			vals[i][j] = v
		}
	}
	if rowsort {
		slices.SortStableFunc(vals, slices.Compare)
	}
	h := md5.New()
	n := 0
	for _, r := range vals {
		for _, v := range r {
			io.WriteString(h, v+"\n")
			n++
		}
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

func writeAnswer(b *strings.Builder, who string, a Answer) {
	if a.Err != nil {
		fmt.Fprintf(b, "# %s fails: %s\n", who, oneLine(a.Err.Error()))
		return
	}
	fmt.Fprintf(b, "# %s answers (%s), %d rows:\n", who, strings.Join(a.Types, ", "), len(a.Rows))
	for i, r := range a.Rows {
		if i == 20 {
			fmt.Fprintf(b, "#   ... %d more\n", len(a.Rows)-20)
			break
		}
		fmt.Fprintf(b, "#   %s\n", showRow(r))
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// SaveRegression writes the case's file into dir unless a file of that name is there already; it returns the
// file's path and whether it wrote it.
func SaveRegression(dir string, c *Case, origin string) (string, bool, error) {
	name, text := RegressionFile(c, origin)
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path, false, nil
	}
	// A reviewed file may have been renamed: it keeps its schema's name, which is the case's hash.
	schema := "reg_" + strings.TrimSuffix(strings.TrimPrefix(name, "d"), ".slt")
	if found, err := filepath.Glob(filepath.Join(dir, "*.slt")); err == nil {
		for _, f := range found {
			if data, err := os.ReadFile(f); err == nil && strings.Contains(string(data), "CREATE SCHEMA "+schema+"\n") {
				return f, false, nil
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	return path, true, os.WriteFile(path, []byte(text), 0o644)
}

func writeString(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }
