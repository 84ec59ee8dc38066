package testsuite

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/vcubedb/vcube/testsuite/slt"
)

// DifferencesFile is the list of the differences between vcube and MariaDB that the suite expects, with the
// reason for each, relative to the testsuite folder.
const DifferencesFile = "mariadb-differences.md"

// FreshOnly is the entry that covers records marked "onlyif fresh" without a comment of their own.
const FreshOnly = "fresh-only"

// differenceHeading is an entry's heading: ### `id`: title
var differenceHeading = regexp.MustCompile("^###\\s+`([a-z0-9][a-z0-9-]*)`:?\\s*(.*)$")

// differenceTag is the comment naming a record's entries: # mariadb-differences: id[, id...]
var differenceTag = regexp.MustCompile(`^#\s*mariadb-differences:\s*(.*)$`)

// ReadDifferences returns the entries of the differences file at path: id -> title.
func ReadDifferences(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries := map[string]string{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		m := differenceHeading.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if _, dup := entries[m[1]]; dup {
			return nil, fmt.Errorf("%s:%d: entry %q is listed twice", path, line, m[1])
		}
		entries[m[1]] = m[2]
	}
	return entries, sc.Err()
}

// MySQLDifference is a record of a conformance file that the mysql target treats differently from vcube:
// skipped there (or run only there), and the entries of the differences file that say why.
type MySQLDifference struct {
	File   string
	Line   int
	SQL    string
	Runs   bool     // the record runs on the mysql target (it is marked onlyif mysql, or carries a stale tag)
	Marked bool     // the record has a skipif or onlyif condition that concerns the mysql target
	IDs    []string // the entries its "# mariadb-differences:" comment names (FreshOnly for onlyif fresh)
}

// MySQLDifferences reads the sqllogictest file at path and returns its records that do not run on the mysql
// target, that name mysql in a condition, or that carry a "# mariadb-differences:" comment, each with the
// entries it names. The comment belongs to the record when it is among the condition and comment lines right
// above the record's header (no blank line between).
func MySQLDifferences(path string) ([]MySQLDifference, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	recs, err := slt.Parse(path, strings.NewReader(string(data)))
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var out []MySQLDifference
	for _, rec := range recs {
		if rec.Kind == slt.Halt {
			continue
		}
		d := MySQLDifference{File: path, Line: rec.Line, SQL: rec.SQL, Runs: rec.RunsOn("mysql")}
		for _, c := range rec.Conditions {
			if c.Target == "mysql" || (c.Only && c.Target != "mysql") {
				d.Marked = true
			}
		}
		for i := rec.Line - 2; i >= 0; i-- {
			l := strings.TrimSpace(lines[i])
			if l == "" {
				break
			}
			if m := differenceTag.FindStringSubmatch(l); m != nil {
				for _, id := range strings.Split(m[1], ",") {
					if id = strings.TrimSpace(id); id != "" {
						d.IDs = append(d.IDs, id)
					}
				}
			}
		}
		if len(d.IDs) == 0 && !d.Runs && freshOnly(rec) {
			d.IDs = []string{FreshOnly}
		}
		slices.Sort(d.IDs)
		if d.Marked || !d.Runs || len(d.IDs) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// freshOnly reports whether a record is left out of the mysql target only by "onlyif fresh".
func freshOnly(rec slt.Record) bool {
	fresh := false
	for _, c := range rec.Conditions {
		switch {
		case c.Only && c.Target == "fresh":
			fresh = true
		case c.Target == "mysql" || c.Only:
			return false
		}
	}
	return fresh
}

// Problem says what is wrong with the way a record's difference is traced, given the entries of the
// differences file, or "" when nothing is.
func (d MySQLDifference) Problem(entries map[string]string) string {
	if len(d.IDs) == 0 {
		return "left out of the mysql target without a \"# mariadb-differences: <entry>\" comment naming why"
	}
	for _, id := range d.IDs {
		if _, ok := entries[id]; !ok {
			return fmt.Sprintf("names %q, which is not an entry of %s", id, DifferencesFile)
		}
	}
	if d.Runs && !d.Marked {
		return "has a \"# mariadb-differences:\" comment but runs on the mysql target: add skipif mysql or drop the comment"
	}
	return ""
}
