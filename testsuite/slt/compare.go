package slt

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

const (
	emptyString  = "(empty)" // how the format writes the empty string, which a blank line cannot
	floatRelTol  = 1e-9      // R columns: relative tolerance, so engines that sum in another order still agree
	shownRows    = 5         // rows of each side a mismatch message shows
	resultIndent = "    "
)

// checkRows compares a query's returned rows with the record's expectation and returns why they differ, or "".
func (r *runner) checkRows(rec *Record, got [][]string) string {
	ncols := len(rec.Types)
	actual := make([][]string, len(got))
	for i, row := range got {
		if len(row) != ncols {
			return fmt.Sprintf("row %d has %d values; the query declares %d columns (types %s)", i+1, len(row), ncols, rec.Types)
		}
		actual[i] = make([]string, ncols)
		for j, v := range row {
			if v == "" {
				v = emptyString
			}
			actual[i][j] = v
		}
	}
	actual = arrange(actual, rec.Sort)
	count, hash := hashValues(actual)

	if rec.Hash != "" {
		if count != rec.HashCount || hash != rec.Hash {
			var b strings.Builder
			fmt.Fprintf(&b, "results differ\nexpected: %d values hashing to %s\nactual:   %d values hashing to %s",
				rec.HashCount, rec.Hash, count, hash)
			writeRows(&b, "first rows returned:", actual, 0)
			return b.String()
		}
	} else if msg := diff(rec, arrange(rec.Rows, rec.Sort), actual); msg != "" {
		return msg
	}

	if rec.Label == "" {
		return ""
	}
	prev, ok := r.labels[rec.Label]
	if !ok {
		r.labels[rec.Label] = labelled{file: rec.File, line: rec.Line, count: count, hash: hash}
		return ""
	}
	if prev.count != count || prev.hash != hash {
		return fmt.Sprintf("results differ from the query labelled %q at %s:%d\nthat query: %d values hashing to %s\nthis query: %d values hashing to %s",
			rec.Label, prev.file, prev.line, prev.count, prev.hash, count, hash)
	}
	return ""
}

// arrange applies the sort mode without touching the rows given; under valuesort each value becomes its own row.
func arrange(rows [][]string, mode SortMode) [][]string {
	switch mode {
	case RowSort:
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, slices.Compare)
	case ValueSort:
		var values []string
		for _, row := range rows {
			values = append(values, row...)
		}
		slices.Sort(values)
		rows = make([][]string, len(values))
		for i := range values {
			rows[i] = values[i : i+1]
		}
	}
	return rows
}

// hashValues is SQLite's result hash: the MD5 of every value followed by "\n", in result order.
func hashValues(rows [][]string) (count int, hash string) {
	h := md5.New()
	for _, row := range rows {
		for _, v := range row {
			io.WriteString(h, v)
			io.WriteString(h, "\n")
			count++
		}
	}
	return count, hex.EncodeToString(h.Sum(nil))
}

// diff compares arranged rows and describes the first difference, showing a few rows of each side from there.
func diff(rec *Record, want, got [][]string) string {
	types, unit := rec.Types, "rows"
	if rec.Sort == ValueSort {
		// Values no longer sit in their columns: compare as floats only when every column is a float column.
		types, unit = "T", "values"
		if strings.Trim(rec.Types, "R") == "" {
			types = "R"
		}
	}
	at := -1
	for i := range max(len(want), len(got)) {
		if i >= len(want) || i >= len(got) || !rowsEqual(types, want[i], got[i]) {
			at = i
			break
		}
	}
	if at < 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "results differ at %s %d (expected %d %s, got %d)", unit[:len(unit)-1], at+1, len(want), unit, len(got))
	writeRows(&b, "expected:", want, at)
	writeRows(&b, "actual:", got, at)
	return b.String()
}

func writeRows(b *strings.Builder, title string, rows [][]string, from int) {
	b.WriteString("\n" + title)
	if from >= len(rows) {
		b.WriteString(" (nothing)")
		return
	}
	to := min(len(rows), from+shownRows)
	for _, row := range rows[from:to] {
		b.WriteString("\n" + resultIndent + strings.Join(row, "\t"))
	}
	if to < len(rows) {
		fmt.Fprintf(b, "\n%s... %d more", resultIndent, len(rows)-to)
	}
}

func rowsEqual(types string, want, got []string) bool {
	if len(want) != len(got) {
		return false // only records built by hand, not parsed ones, can have rows of the wrong width
	}
	for j := range want {
		typ := byte('T')
		if j < len(types) {
			typ = types[j]
		}
		if !valuesEqual(typ, want[j], got[j]) {
			return false
		}
	}
	return true
}

// valuesEqual compares as text, except that in float (R) columns two numbers within floatRelTol are equal.
func valuesEqual(typ byte, want, got string) bool {
	if want == got {
		return true
	}
	if typ != 'R' {
		return false
	}
	a, errA := strconv.ParseFloat(want, 64)
	b, errB := strconv.ParseFloat(got, 64)
	if errA != nil || errB != nil {
		return false
	}
	return a == b || math.Abs(a-b) <= floatRelTol*math.Max(math.Abs(a), math.Abs(b))
}
