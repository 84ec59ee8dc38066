package sqltype

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Compare orders two non-NULL values of one kind (as Go values, see value.go): -1, 0 or +1. Strings compare by
// bytes, FALSE before TRUE.
func Compare(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case float64:
		return cmp.Compare(x, b.(float64))
	case string:
		return strings.Compare(x, b.(string))
	case decimal128.Num:
		return x.Cmp(b.(decimal128.Num))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	panic(fmt.Sprintf("sqltype: cannot compare %T", a))
}

// Range is the set of values of one column that can satisfy a filter: an interval (a nil bound is open) or,
// when Values is set, a list of values. NULL is never in a range: comparisons with NULL are never true.
type Range struct {
	Lo, Hi         any
	LoIncl, HiIncl bool
	Values         []any // for = and IN; the interval is ignored when set
}

// Overlaps reports whether any value in [min, max] can be in r. Callers pass the bounds of a chunk, file or row
// group; false means it can be skipped.
func (r Range) Overlaps(min, max any) bool {
	if r.Values != nil {
		for _, v := range r.Values {
			if Compare(v, min) >= 0 && Compare(v, max) <= 0 {
				return true
			}
		}
		return false
	}
	if r.Lo != nil {
		c := Compare(max, r.Lo)
		if c < 0 || c == 0 && !r.LoIncl {
			return false
		}
	}
	if r.Hi != nil {
		c := Compare(min, r.Hi)
		if c > 0 || c == 0 && !r.HiIncl {
			return false
		}
	}
	return true
}

// Intersect narrows r by another range on the same column (both filters must hold).
func (r Range) Intersect(o Range) Range {
	if o.Values != nil {
		var kept []any
		for _, v := range o.Values {
			if r.Overlaps(v, v) {
				kept = append(kept, v)
			}
		}
		if kept == nil {
			kept = []any{}
		}
		return Range{Values: kept}
	}
	if r.Values != nil {
		return o.Intersect(r)
	}
	out := r
	if o.Lo != nil && (out.Lo == nil || Compare(o.Lo, out.Lo) > 0 || Compare(o.Lo, out.Lo) == 0 && !o.LoIncl) {
		out.Lo, out.LoIncl = o.Lo, o.LoIncl
	}
	if o.Hi != nil && (out.Hi == nil || Compare(o.Hi, out.Hi) < 0 || Compare(o.Hi, out.Hi) == 0 && !o.HiIncl) {
		out.Hi, out.HiIncl = o.Hi, o.HiIncl
	}
	return out
}

// String renders a range for EXPLAIN: "[1, 5)", "{1, 2}", "(-inf, 7]".
func (r Range) String(t Type) string {
	if r.Values != nil {
		parts := make([]string, len(r.Values))
		for i, v := range r.Values {
			parts[i] = FormatValue(t, v)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	lo, hi := "(-inf", "+inf)"
	if r.Lo != nil {
		lo = "(" + FormatValue(t, r.Lo)
		if r.LoIncl {
			lo = "[" + FormatValue(t, r.Lo)
		}
	}
	if r.Hi != nil {
		hi = FormatValue(t, r.Hi) + ")"
		if r.HiIncl {
			hi = FormatValue(t, r.Hi) + "]"
		}
	}
	return lo + ", " + hi
}

// FormatValue renders a value of type t as results show it.
func FormatValue(t Type, v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		if t.Kind == KindTimestamp {
			return FormatTimestamp(x)
		}
		return strconv.FormatInt(x, 10)
	case float64:
		return FormatFloat(x)
	case decimal128.Num:
		return FormatDecimal(x, t.Scale)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// EncodeValue spells a value of type t so that DecodeValue gives it back exactly; the catalog keeps chunk
// bounds in this form.
func EncodeValue(t Type, v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case decimal128.Num:
		return FormatDecimal(x, t.Scale)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return ""
}

// DecodeValue reads what EncodeValue wrote.
func DecodeValue(t Type, s string) (any, error) {
	switch t.Kind {
	case KindInt, KindTimestamp:
		return strconv.ParseInt(s, 10, 64)
	case KindFloat:
		return strconv.ParseFloat(s, 64)
	case KindDecimal:
		return ParseDecimal(s, MaxDecimalPrecision, t.Scale)
	case KindBool:
		return strconv.ParseBool(s)
	case KindString:
		return s, nil
	}
	return nil, fmt.Errorf("sqltype: no encoding for %s", t)
}
