package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Answers are compared in a normal form, so that two engines agree when they return the same rows in another
// order, DECIMAL with another number of trailing zeros (12.5 and 12.50), integers as DECIMAL or HUGEINT, or
// doubles that differ in the last bits (summing in another order): each cell is text (NULL for null), rows are
// compared as multisets, and numbers are equal when exactly equal or within a relative 1e-9.

// RelTolerance is how far apart two numbers may be, relative to the larger, and still be the same answer.
const RelTolerance = 1e-9

// Null is the text of a NULL cell.
const Null = "NULL"

// CellText is the normal text of one cell of a JSON answer (json.Number, string, bool or nil).
func CellText(v any) string {
	switch x := v.(type) {
	case nil:
		return Null
	case json.Number:
		return x.String()
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return fmt.Sprint(v)
}

// Compare says whether two answers hold the same rows, and if not, how they first differ.
func Compare(a, b [][]string) (bool, string) {
	if len(a) != len(b) {
		return false, fmt.Sprintf("%d rows against %d", len(a), len(b))
	}
	a, b = sortedRows(a), sortedRows(b)
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false, fmt.Sprintf("row %d: %d columns against %d", i+1, len(a[i]), len(b[i]))
		}
		for j := range a[i] {
			if !sameCell(a[i][j], b[i][j]) {
				return false, fmt.Sprintf("row %d column %d: %s against %s (rows %v against %v)", i+1, j+1, a[i][j], b[i][j], a[i], b[i])
			}
		}
	}
	return true, ""
}

func sortedRows(rows [][]string) [][]string {
	type keyed struct {
		key string
		row []string
	}
	ks := make([]keyed, len(rows))
	for i, r := range rows {
		parts := make([]string, len(r))
		for j, c := range r {
			parts[j] = sortKey(c)
		}
		ks[i] = keyed{strings.Join(parts, "\x00"), r}
	}
	slices.SortStableFunc(ks, func(x, y keyed) int { return strings.Compare(x.key, y.key) })
	out := make([][]string, len(ks))
	for i, k := range ks {
		out[i] = k.row
	}
	return out
}

// sortKey puts equal numbers written differently, and doubles a rounding apart, in the same place.
func sortKey(c string) string {
	if f, ok := number(c); ok {
		return "#" + strconv.FormatFloat(f, 'g', 8, 64)
	}
	return c
}

func number(c string) (float64, bool) {
	if c == "" || c == Null {
		return 0, false
	}
	f, err := strconv.ParseFloat(c, 64)
	return f, err == nil
}

func sameCell(x, y string) bool {
	if x == y {
		return true
	}
	fx, okx := number(x)
	fy, oky := number(y)
	if !okx || !oky {
		return false
	}
	if rx, ok := new(big.Rat).SetString(x); ok {
		if ry, ok := new(big.Rat).SetString(y); ok && rx.Cmp(ry) == 0 {
			return true
		}
	}
	if fx == fy {
		return true
	}
	return math.Abs(fx-fy) <= RelTolerance*math.Max(math.Abs(fx), math.Abs(fy))
}
