package differential

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Verdict is how two answers to one query compare.
type Verdict uint8

const (
	Agree         Verdict = iota // the same rows (after the documented normalisations)
	BothFail                     // both engines refused the query (not compared further)
	VcubeFails                   // vcube failed, MariaDB answered
	MariaDBFails                 // MariaDB failed, vcube answered
	ResultsDiffer                // both answered, differently
)

func (v Verdict) String() string {
	return [...]string{"agree", "both fail", "vcube fails", "MariaDB fails", "results differ"}[v]
}

// Disagrees reports whether the verdict is a disagreement.
func (v Verdict) Disagrees() bool { return v >= VcubeFails }

// floatRelTol is the documented tolerance for DOUBLE values: engines may add in another order.
const floatRelTol = 1e-9

// timeFraction is the fraction of a second of a DATETIME or TIMESTAMP text.
var timeFraction = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d+)$`)

// normalised returns a's rows as the comparison sees them, applying the normalisations that
// testsuite/mariadb-differences.md lists: vcube's booleans as 1/0 ("booleans"), and times without the trailing
// zeros of their fraction of a second ("timestamp-type": MariaDB prints as many digits as the value's type has,
// .000000 for a whole second of DATETIME(6), .5 for TIMESTAMP '... .5'; vcube prints six when there is a
// fraction, none otherwise).
func normalised(a Answer) [][]string {
	out := make([][]string, len(a.Rows))
	for i, row := range a.Rows {
		r := slices.Clone(row)
		for j, v := range r {
			switch {
			case j < len(a.Bool) && a.Bool[j] && v == "true":
				r[j] = "1"
			case j < len(a.Bool) && a.Bool[j] && v == "false":
				r[j] = "0"
			case j < len(a.Time) && a.Time[j]:
				if m := timeFraction.FindStringSubmatch(v); m != nil {
					r[j] = m[1]
					if f := strings.TrimRight(m[2], "0"); f != "" {
						r[j] += "." + f
					}
				}
			}
		}
		out[i] = r
	}
	return out
}

// Compare compares vcube's answer with MariaDB's. ordered says the query's ORDER BY makes the row order total,
// so rows compare in order; otherwise they compare as multisets. A column is compared as DOUBLE, to 1e-9
// relative, when either engine says it holds doubles. The string says how the answers differ, "" when they
// agree.
func Compare(vc, mdb Answer, ordered bool) (Verdict, string) {
	switch {
	case vc.Err != nil && mdb.Err != nil:
		return BothFail, ""
	case vc.Err != nil:
		return VcubeFails, "vcube: " + vc.Err.Error()
	case mdb.Err != nil:
		return MariaDBFails, "MariaDB: " + mdb.Err.Error()
	}
	if len(vc.Float) != len(mdb.Float) {
		return ResultsDiffer, fmt.Sprintf("vcube returns %d columns, MariaDB %d", len(vc.Float), len(mdb.Float))
	}
	float := make([]bool, len(vc.Float))
	for i := range float {
		float[i] = vc.Float[i] || mdb.Float[i]
	}
	a, b := normalised(vc), normalised(mdb)
	if len(a) != len(b) {
		return ResultsDiffer, fmt.Sprintf("vcube returns %d rows, MariaDB %d", len(a), len(b))
	}
	if ordered {
		for i := range a {
			if !rowsEqual(float, a[i], b[i]) {
				return ResultsDiffer, fmt.Sprintf("row %d: vcube %s, MariaDB %s", i+1, showRow(a[i]), showRow(b[i]))
			}
		}
		return Agree, ""
	}
	if extra, missing, ok := matchRows(float, a, b); !ok {
		return ResultsDiffer, fmt.Sprintf("vcube returns %s, which MariaDB does not; MariaDB returns %s, which vcube does not",
			showRows(extra), showRows(missing))
	}
	return Agree, ""
}

// matchRows pairs the rows of a with equal rows of b, whatever their order. It returns the rows of a left
// without a partner and the rows of b left over. Rows are grouped by their values outside DOUBLE columns; within
// a group, rows are paired in the order of their DOUBLE values (so that values within 1e-9 of several others
// still pair with the right one), and, failing that, each with the first equal one.
func matchRows(float []bool, a, b [][]string) (extra, missing [][]string, ok bool) {
	key := func(row []string) string {
		var sb strings.Builder
		for j, v := range row {
			if !float[j] {
				sb.WriteString(v)
			} else if v == "NULL" {
				sb.WriteString("NULL")
			}
			sb.WriteByte(0)
		}
		return sb.String()
	}
	groups := map[string][2][][]string{}
	var keys []string
	for _, row := range a {
		k := key(row)
		g, seen := groups[k]
		if !seen {
			keys = append(keys, k)
		}
		g[0] = append(g[0], row)
		groups[k] = g
	}
	for _, row := range b {
		k := key(row)
		g, seen := groups[k]
		if !seen {
			keys = append(keys, k)
		}
		g[1] = append(g[1], row)
		groups[k] = g
	}
	for _, k := range keys {
		g := groups[k]
		if len(g[0]) == len(g[1]) && pairedInOrder(float, g[0], g[1]) {
			continue
		}
		e, m := greedyMatch(float, g[0], g[1])
		extra, missing = append(extra, e...), append(missing, m...)
	}
	return extra, missing, len(extra) == 0 && len(missing) == 0
}

// pairedInOrder sorts both groups by their DOUBLE values and compares them row by row.
func pairedInOrder(float []bool, a, b [][]string) bool {
	byFloats := func(x, y []string) int {
		for j := range x {
			if !float[j] || x[j] == y[j] {
				continue
			}
			fx, errX := strconv.ParseFloat(x[j], 64)
			fy, errY := strconv.ParseFloat(y[j], 64)
			switch {
			case errX != nil && errY != nil:
				return strings.Compare(x[j], y[j])
			case errX != nil: // NULL first
				return -1
			case errY != nil:
				return 1
			case fx != fy:
				if fx < fy {
					return -1
				}
				return 1
			}
		}
		return 0
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortStableFunc(a, byFloats)
	slices.SortStableFunc(b, byFloats)
	for i := range a {
		if !rowsEqual(float, a[i], b[i]) {
			return false
		}
	}
	return true
}

// greedyMatch pairs each row of a with the first equal row of b left.
func greedyMatch(float []bool, a, b [][]string) (extra, missing [][]string) {
	used := make([]bool, len(b))
	for _, row := range a {
		found := false
		for i := range b {
			if !used[i] && rowsEqual(float, row, b[i]) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			extra = append(extra, row)
		}
	}
	for i, u := range used {
		if !u {
			missing = append(missing, b[i])
		}
	}
	return extra, missing
}

func rowsEqual(float []bool, a, b []string) bool {
	for j := range a {
		if a[j] == b[j] {
			continue
		}
		if !float[j] || !floatsEqual(a[j], b[j]) {
			return false
		}
	}
	return true
}

func floatsEqual(a, b string) bool {
	x, errX := strconv.ParseFloat(a, 64)
	y, errY := strconv.ParseFloat(b, 64)
	if errX != nil || errY != nil {
		return false
	}
	return x == y || math.Abs(x-y) <= floatRelTol*math.Max(math.Abs(x), math.Abs(y))
}

func showRow(row []string) string {
	q := make([]string, len(row))
	for i, v := range row {
		if v == "NULL" {
			q[i] = v
		} else {
			q[i] = strconv.Quote(v)
		}
	}
	return "(" + strings.Join(q, ", ") + ")"
}

func showRows(rows [][]string) string {
	if len(rows) == 0 {
		return "nothing"
	}
	var parts []string
	for i, r := range rows {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("... %d more", len(rows)-3))
			break
		}
		parts = append(parts, showRow(r))
	}
	return strings.Join(parts, " ")
}
