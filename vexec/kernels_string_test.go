package vexec

import (
	"strconv"
	"strings"
	"testing"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// String function kernels, through evalExprCases: every case also runs over a sliced batch with a checked
// allocator. Results with spaces or commas are given as slices, the rest with strs.

func txt(v any) *planner.Literal  { return lit(text, v) }
func textCol(vals ...any) inCol   { return inCol{text, vals} }
func bigintCol(vals ...any) inCol { return inCol{bigint, vals} }
func sCall(fn string, args ...planner.Expr) *planner.Call {
	return call(fn, text, args...)
}
func iCall(fn string, args ...planner.Expr) *planner.Call {
	return call(fn, bigint, args...)
}

// repeatStr is want, n times: the expected value of a call whose arguments are all constants.
func repeatStr(want string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = want
	}
	return out
}

func TestStringConcat(t *testing.T) {
	a, b := colRef(0, text), colRef(1, text)
	cols := []inCol{
		textCol("a", "", nil, "Zü", "😀"),
		textCol("b", "x", "y", nil, "ß"),
	}
	null := txt(nil)
	evalExprCases(t, cols, 0, []exprCase{
		{name: "CONCAT(a, b)", e: sCall("concat", a, b), want: strs("ab, x, NULL, NULL, 😀ß")},
		{name: "CONCAT(a, '-', b)", e: sCall("concat", a, txt("-"), b), want: strs("a-b, -x, NULL, NULL, 😀-ß")},
		{name: "CONCAT(a)", e: sCall("concat", a), want: strs("a, , NULL, Zü, 😀")},
		{name: "CONCAT(a, NULL)", e: sCall("concat", a, null), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "CONCAT('x', 'y')", e: sCall("concat", txt("x"), txt("y")), want: strs("xy, xy, xy, xy, xy")},
		{name: "CONCAT('', a, '')", e: sCall("concat", txt(""), a, txt("")), want: strs("a, , NULL, Zü, 😀")},
		{name: "CONCAT_WS(',', a, b)", e: sCall("concat_ws", txt(","), a, b), want: strs("a,b, ,x, y, Zü, 😀,ß")},
		{name: "CONCAT_WS(',', a, NULL, b)", e: sCall("concat_ws", txt(","), a, null, b), want: strs("a,b, ,x, y, Zü, 😀,ß")},
		{name: "CONCAT_WS(NULL, a, b)", e: sCall("concat_ws", null, a, b), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "CONCAT_WS(a, b, b)", e: sCall("concat_ws", a, b, b), want: strs("bab, xx, NULL, , ß😀ß")},
		{name: "CONCAT_WS('-', NULL)", e: sCall("concat_ws", txt("-"), null), want: strs(", , , , ")},
		{name: "CONCAT_WS('::', b)", e: sCall("concat_ws", txt("::"), b), want: strs("b, x, y, , ß")},
	})
}

func TestStringCaseAndLength(t *testing.T) {
	s := colRef(0, text)
	cols := []inCol{textCol("Zürich", "", nil, "ABC.def", "ß", "ÉCOLE", "😀Aa", "\xffA")}
	evalExprCases(t, cols, 0, []exprCase{
		{name: "LOWER", e: sCall("lower", s), want: strs("zürich, , NULL, abc.def, ß, école, 😀aa, \xffa")},
		{name: "UPPER", e: sCall("upper", s), want: strs("ZÜRICH, , NULL, ABC.DEF, ß, ÉCOLE, 😀AA, \xffA")},
		{name: "LENGTH", e: iCall("length", s), want: strs("7, 0, NULL, 7, 2, 6, 6, 2")},
		{name: "CHAR_LENGTH", e: iCall("char_length", s), want: strs("6, 0, NULL, 7, 1, 5, 3, 2")},
		{name: "LENGTH('ß')", e: iCall("length", txt("ß")), want: repeatStr("2", 8)},
		{name: "CHAR_LENGTH('😀x')", e: iCall("char_length", txt("😀x")), want: repeatStr("2", 8)},
		{name: "LENGTH(NULL)", e: iCall("length", txt(nil)), want: repeatStr("NULL", 8)},
		{name: "UPPER(LOWER(s))", e: sCall("upper", sCall("lower", s)), want: strs("ZÜRICH, , NULL, ABC.DEF, ß, ÉCOLE, 😀AA, \xffA")},
	})
	// A column of NULLs only.
	evalExprCases(t, []inCol{textCol(nil, nil)}, 0, []exprCase{
		{name: "LOWER(NULL column)", e: sCall("lower", s), want: strs("NULL, NULL")},
		{name: "CHAR_LENGTH(NULL column)", e: iCall("char_length", s), want: strs("NULL, NULL")},
	})
}

func TestStringSubstring(t *testing.T) {
	s, p, l := colRef(0, text), colRef(1, bigint), colRef(2, bigint)
	cols := []inCol{
		textCol("Zürich", "abc", "", nil, "😀x😀y"),
		bigintCol(int64(2), int64(-1), int64(1), int64(1), nil),
		bigintCol(int64(3), int64(5), nil, int64(1), int64(1)),
	}
	sub := func(args ...planner.Expr) *planner.Call { return sCall("substring", args...) }
	evalExprCases(t, cols, 0, []exprCase{
		{name: "SUBSTRING(s, 2)", e: sub(s, i64(2)), want: strs("ürich, bc, , NULL, x😀y")},
		{name: "SUBSTRING(s, 2, 3)", e: sub(s, i64(2), i64(3)), want: strs("üri, bc, , NULL, x😀y")},
		{name: "SUBSTRING(s, -2)", e: sub(s, i64(-2)), want: strs("ch, bc, , NULL, 😀y")},
		{name: "SUBSTRING(s, -3, 2)", e: sub(s, i64(-3), i64(2)), want: strs("ic, ab, , NULL, x😀")},
		{name: "SUBSTRING(s, 0)", e: sub(s, i64(0)), want: strs(", , , NULL, ")},
		{name: "SUBSTRING(s, 1, 0)", e: sub(s, i64(1), i64(0)), want: strs(", , , NULL, ")},
		{name: "SUBSTRING(s, 1, -1)", e: sub(s, i64(1), i64(-1)), want: strs(", , , NULL, ")},
		{name: "SUBSTRING(s, 6)", e: sub(s, i64(6)), want: strs("h, , , NULL, ")},
		{name: "SUBSTRING(s, 7)", e: sub(s, i64(7)), want: strs(", , , NULL, ")},
		{name: "SUBSTRING(s, -6)", e: sub(s, i64(-6)), want: strs("Zürich, , , NULL, ")},
		{name: "SUBSTRING(s, -7)", e: sub(s, i64(-7)), want: strs(", , , NULL, ")},
		{name: "SUBSTRING(s, 1, 100)", e: sub(s, i64(1), i64(100)), want: strs("Zürich, abc, , NULL, 😀x😀y")},
		{name: "SUBSTRING(s, huge)", e: sub(s, i64(1<<62), i64(1<<62)), want: strs(", , , NULL, ")},
		{name: "SUBSTRING(s, -huge)", e: sub(s, i64(-1<<63)), want: strs(", , , NULL, ")},
		{name: "SUBSTRING(s, 2, huge)", e: sub(s, i64(2), i64(1<<62)), want: strs("ürich, bc, , NULL, x😀y")},
		{name: "SUBSTRING(s, p)", e: sub(s, p), want: strs("ürich, c, , NULL, NULL")},
		{name: "SUBSTRING(s, p, l)", e: sub(s, p, l), want: strs("üri, c, NULL, NULL, NULL")},
		{name: "SUBSTRING('hello', p, 2)", e: sub(txt("héllo"), p, i64(2)), want: strs("él, o, hé, hé, NULL")},
		{name: "SUBSTRING(s, NULL)", e: sub(s, lit(bigint, nil)), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "SUBSTRING(s, 1, NULL)", e: sub(s, i64(1), lit(bigint, nil)), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "LEFT(s, 2)", e: sCall("left", s, i64(2)), want: strs("Zü, ab, , NULL, 😀x")},
		{name: "LEFT(s, 0)", e: sCall("left", s, i64(0)), want: strs(", , , NULL, ")},
		{name: "LEFT(s, -1)", e: sCall("left", s, i64(-1)), want: strs(", , , NULL, ")},
		{name: "LEFT(s, 100)", e: sCall("left", s, i64(100)), want: strs("Zürich, abc, , NULL, 😀x😀y")},
		{name: "LEFT(s, 5)", e: sCall("left", s, i64(5)), want: strs("Züric, abc, , NULL, 😀x😀y")},
		{name: "LEFT(s, p)", e: sCall("left", s, p), want: strs("Zü, , , NULL, NULL")},
		{name: "RIGHT(s, 2)", e: sCall("right", s, i64(2)), want: strs("ch, bc, , NULL, 😀y")},
		{name: "RIGHT(s, 3)", e: sCall("right", s, i64(3)), want: strs("ich, abc, , NULL, x😀y")},
		{name: "RIGHT(s, 6)", e: sCall("right", s, i64(6)), want: strs("Zürich, abc, , NULL, 😀x😀y")},
		{name: "RIGHT(s, 0)", e: sCall("right", s, i64(0)), want: strs(", , , NULL, ")},
		{name: "RIGHT(s, -2)", e: sCall("right", s, i64(-2)), want: strs(", , , NULL, ")},
		{name: "RIGHT(s, l)", e: sCall("right", s, l), want: strs("ich, abc, NULL, NULL, y")},
		{name: "RIGHT(s, NULL)", e: sCall("right", s, lit(bigint, nil)), want: strs("NULL, NULL, NULL, NULL, NULL")},
	})
}

func TestStringTrim(t *testing.T) {
	s, r := colRef(0, text), colRef(1, text)
	cols := []inCol{
		textCol("  a b  ", "xxaxx", "", nil, "abab", " \tz ", "   "),
		textCol("x", "xx", "x", "x", "ab", nil, ""),
	}
	evalExprCases(t, cols, 0, []exprCase{
		{name: "TRIM(s)", e: sCall("trim", s), want: []string{"a b", "xxaxx", "", "NULL", "abab", "\tz", ""}},
		{name: "LTRIM(s)", e: sCall("ltrim", s), want: []string{"a b  ", "xxaxx", "", "NULL", "abab", "\tz ", ""}},
		{name: "RTRIM(s)", e: sCall("rtrim", s), want: []string{"  a b", "xxaxx", "", "NULL", "abab", " \tz", ""}},
		{name: "TRIM('x' FROM s)", e: sCall("trim", s, txt("x")), want: []string{"  a b  ", "a", "", "NULL", "abab", " \tz ", "   "}},
		{name: "TRIM(LEADING 'x' FROM s)", e: sCall("ltrim", s, txt("x")), want: []string{"  a b  ", "axx", "", "NULL", "abab", " \tz ", "   "}},
		{name: "TRIM(TRAILING 'x' FROM s)", e: sCall("rtrim", s, txt("x")), want: []string{"  a b  ", "xxa", "", "NULL", "abab", " \tz ", "   "}},
		{name: "TRIM('ab' FROM s)", e: sCall("trim", s, txt("ab")), want: []string{"  a b  ", "xxaxx", "", "NULL", "", " \tz ", "   "}},
		{name: "TRIM(TRAILING 'b' FROM s)", e: sCall("rtrim", s, txt("b")), want: []string{"  a b  ", "xxaxx", "", "NULL", "aba", " \tz ", "   "}},
		{name: "TRIM('' FROM s)", e: sCall("trim", s, txt("")), want: []string{"  a b  ", "xxaxx", "", "NULL", "abab", " \tz ", "   "}},
		{name: "TRIM('  ' FROM s)", e: sCall("trim", s, txt("  ")), want: []string{"a b", "xxaxx", "", "NULL", "abab", " \tz ", " "}},
		{name: "TRIM(NULL FROM s)", e: sCall("trim", s, txt(nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "TRIM(r FROM s)", e: sCall("trim", s, r), want: []string{"  a b  ", "a", "", "NULL", "", "NULL", "   "}},
		{name: "TRIM(r FROM 'xxyxx')", e: sCall("trim", txt("xxyxx"), r), want: []string{"y", "y", "y", "y", "xxyxx", "NULL", "xxyxx"}},
	})
	evalExprCases(t, []inCol{textCol("ääxää", "äöä")}, 0, []exprCase{
		{name: "TRIM('ä' FROM s)", e: sCall("trim", s, txt("ä")), want: strs("x, ö")},
		{name: "TRIM('ää' FROM s)", e: sCall("trim", s, txt("ää")), want: strs("x, äöä")},
	})
}

func TestStringReplaceReverseRepeat(t *testing.T) {
	s, c := colRef(0, text), colRef(1, bigint)
	cols := []inCol{
		textCol("aaa", "Zürich", "", nil, "abcabc", "😀x"),
		bigintCol(int64(3), int64(2), int64(5), int64(1), int64(-1), nil),
	}
	evalExprCases(t, cols, 0, []exprCase{
		{name: "REPLACE(s, 'a', 'b')", e: sCall("replace", s, txt("a"), txt("b")), want: strs("bbb, Zürich, , NULL, bbcbbc, 😀x")},
		{name: "REPLACE(s, 'aa', 'x')", e: sCall("replace", s, txt("aa"), txt("x")), want: strs("xa, Zürich, , NULL, abcabc, 😀x")},
		{name: "REPLACE(s, '', 'x')", e: sCall("replace", s, txt(""), txt("x")), want: strs("aaa, Zürich, , NULL, abcabc, 😀x")},
		{name: "REPLACE(s, 'ü', 'ue')", e: sCall("replace", s, txt("ü"), txt("ue")), want: strs("aaa, Zuerich, , NULL, abcabc, 😀x")},
		{name: "REPLACE(s, 'abc', '')", e: sCall("replace", s, txt("abc"), txt("")), want: strs("aaa, Zürich, , NULL, , 😀x")},
		{name: "REPLACE(s, 'A', 'x') is case-sensitive", e: sCall("replace", s, txt("A"), txt("x")), want: strs("aaa, Zürich, , NULL, abcabc, 😀x")},
		{name: "REPLACE(s, '😀', s)", e: sCall("replace", s, txt("😀"), s), want: strs("aaa, Zürich, , NULL, abcabc, 😀xx")},
		{name: "REPLACE(s, NULL, 'x')", e: sCall("replace", s, txt(nil), txt("x")), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "REPLACE(s, 'a', NULL)", e: sCall("replace", s, txt("a"), txt(nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "REVERSE(s)", e: sCall("reverse", s), want: strs("aaa, hcirüZ, , NULL, cbacba, x😀")},
		{name: "REVERSE(REVERSE(s))", e: sCall("reverse", sCall("reverse", s)), want: strs("aaa, Zürich, , NULL, abcabc, 😀x")},
		{name: "REPEAT(s, 2)", e: sCall("repeat", s, i64(2)), want: strs("aaaaaa, ZürichZürich, , NULL, abcabcabcabc, 😀x😀x")},
		{name: "REPEAT(s, 1)", e: sCall("repeat", s, i64(1)), want: strs("aaa, Zürich, , NULL, abcabc, 😀x")},
		{name: "REPEAT(s, 0)", e: sCall("repeat", s, i64(0)), want: strs(", , , NULL, , ")},
		{name: "REPEAT(s, -1)", e: sCall("repeat", s, i64(-1)), want: strs(", , , NULL, , ")},
		{name: "REPEAT(s, c)", e: sCall("repeat", s, c), want: strs("aaaaaaaaa, ZürichZürich, , NULL, , NULL")},
		{name: "REPEAT('ü', c)", e: sCall("repeat", txt("ü"), c), want: strs("üüü, üü, üüüüü, ü, , NULL")},
		{name: "REPEAT(s, NULL)", e: sCall("repeat", s, lit(bigint, nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
		// Past max_allowed_packet the result is NULL, as in MySQL; the empty string stays empty.
		{name: "REPEAT(s, 100M)", e: sCall("repeat", s, i64(100_000_000)), want: strs("NULL, NULL, , NULL, NULL, NULL")},
		{name: "REPEAT(s, max)", e: sCall("repeat", s, i64(1<<63-1)), want: strs("NULL, NULL, , NULL, NULL, NULL")},
	})
}

func TestStringPad(t *testing.T) {
	s, n, p := colRef(0, text), colRef(1, bigint), colRef(2, text)
	cols := []inCol{
		textCol("hi", "Zürich", "", nil, "abc"),
		bigintCol(int64(4), int64(8), int64(3), int64(2), nil),
		textCol("ab", "ü", "", "x", "x"),
	}
	evalExprCases(t, cols, 0, []exprCase{
		{name: "LPAD(s, 5, '?')", e: sCall("lpad", s, i64(5), txt("?")), want: strs("???hi, Züric, ?????, NULL, ??abc")},
		{name: "RPAD(s, 5, '?')", e: sCall("rpad", s, i64(5), txt("?")), want: strs("hi???, Züric, ?????, NULL, abc??")},
		{name: "LPAD(s, 7, 'ab')", e: sCall("lpad", s, i64(7), txt("ab")), want: strs("ababahi, aZürich, abababa, NULL, ababab" + "c")},
		{name: "RPAD(s, 7, 'äb')", e: sCall("rpad", s, i64(7), txt("äb")), want: strs("hiäbäbä, Zürichä, äbäbäbä, NULL, abcäbäb")},
		{name: "LPAD(s, 3, '😀')", e: sCall("lpad", s, i64(3), txt("😀")), want: strs("😀hi, Zür, 😀😀😀, NULL, abc")},
		{name: "LPAD(s, 0, 'x')", e: sCall("lpad", s, i64(0), txt("x")), want: strs(", , , NULL, ")},
		{name: "LPAD(s, -1, 'x')", e: sCall("lpad", s, i64(-1), txt("x")), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "RPAD(s, 2, '')", e: sCall("rpad", s, i64(2), txt("")), want: strs("hi, Zü, NULL, NULL, ab")},
		{name: "LPAD(s, 5, NULL)", e: sCall("lpad", s, i64(5), txt(nil)), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "LPAD(s, NULL, 'x')", e: sCall("lpad", s, lit(bigint, nil), txt("x")), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "LPAD(s, n, p)", e: sCall("lpad", s, n, p), want: strs("abhi, üüZürich, NULL, NULL, NULL")},
		{name: "RPAD(s, n, p)", e: sCall("rpad", s, n, p), want: strs("hiab, Zürichüü, NULL, NULL, NULL")},
		// Padding to more than max_allowed_packet / 4 characters gives NULL; cutting does not.
		{name: "LPAD(s, 20M, 'x')", e: sCall("lpad", s, i64(20_000_000), txt("x")), want: strs("NULL, NULL, NULL, NULL, NULL")},
		{name: "LPAD(s, huge, 'x')", e: sCall("lpad", s, i64(1<<62), txt("x")), want: strs("NULL, NULL, NULL, NULL, NULL")},
	})
}

func TestStringLocate(t *testing.T) {
	s, sub, p := colRef(0, text), colRef(1, text), colRef(2, bigint)
	cols := []inCol{
		textCol("foobarbar", "Zürich bar", "", nil, "😀bar", "bar"),
		textCol("bar", "ü", "", "a", nil, "BAR"),
		bigintCol(int64(5), int64(3), int64(1), int64(1), int64(2), nil),
	}
	loc := func(args ...planner.Expr) *planner.Call { return iCall("locate", args...) }
	evalExprCases(t, cols, 0, []exprCase{
		{name: "LOCATE('bar', s)", e: loc(txt("bar"), s), want: strs("4, 8, 0, NULL, 2, 1")},
		{name: "LOCATE('bar', s, 5)", e: loc(txt("bar"), s, i64(5)), want: strs("7, 8, 0, NULL, 0, 0")},
		{name: "LOCATE('r', s, 4)", e: loc(txt("r"), s, i64(4)), want: strs("6, 10, 0, NULL, 4, 0")},
		{name: "LOCATE('', s)", e: loc(txt(""), s), want: strs("1, 1, 1, NULL, 1, 1")},
		{name: "LOCATE('', s, 3)", e: loc(txt(""), s, i64(3)), want: strs("3, 3, 0, NULL, 3, 3")},
		{name: "LOCATE('', s, 4)", e: loc(txt(""), s, i64(4)), want: strs("4, 4, 0, NULL, 4, 0")},
		{name: "LOCATE('bar', s, 0)", e: loc(txt("bar"), s, i64(0)), want: strs("0, 0, 0, NULL, 0, 0")},
		{name: "LOCATE('bar', s, -1)", e: loc(txt("bar"), s, i64(-1)), want: strs("0, 0, 0, NULL, 0, 0")},
		{name: "LOCATE('bar', s, huge)", e: loc(txt("bar"), s, i64(1<<62)), want: strs("0, 0, 0, NULL, 0, 0")},
		{name: "LOCATE('BAR', s) is case-sensitive", e: loc(txt("BAR"), s), want: strs("0, 0, 0, NULL, 0, 0")},
		{name: "LOCATE('ch', s)", e: loc(txt("ch"), s), want: strs("0, 5, 0, NULL, 0, 0")},
		{name: "LOCATE(NULL, s)", e: loc(txt(nil), s), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "LOCATE('bar', s, NULL)", e: loc(txt("bar"), s, lit(bigint, nil)), want: strs("NULL, NULL, NULL, NULL, NULL, NULL")},
		{name: "LOCATE(sub, s)", e: loc(sub, s), want: strs("4, 2, 1, NULL, NULL, 0")},
		{name: "LOCATE(sub, s, p)", e: loc(sub, s, p), want: strs("7, 0, 0, NULL, NULL, NULL")},
		{name: "LOCATE(sub, 'abüba')", e: loc(sub, txt("abüba")), want: strs("0, 3, 1, 1, NULL, 0")},
	})
}

// TestStringLargeBatch runs the kernels over enough rows that their output buffers grow several times, with
// NULLs spread through the batch.
func TestStringLargeBatch(t *testing.T) {
	const n = 500
	vals := make([]any, n)
	for i := range vals {
		if i%7 == 3 {
			continue
		}
		vals[i] = strings.Repeat("ü"+strconv.Itoa(i), i%5)
	}
	want := func(f func(s string) string) []string {
		out := make([]string, n)
		for i, v := range vals {
			if v == nil {
				out[i] = "NULL"
				continue
			}
			out[i] = f(v.(string))
		}
		return out
	}
	s := colRef(0, text)
	evalExprCases(t, []inCol{textCol(vals...)}, 0, []exprCase{
		{name: "CONCAT(s, '|', s)", e: sCall("concat", s, txt("|"), s), want: want(func(s string) string { return s + "|" + s })},
		{name: "UPPER(s)", e: sCall("upper", s), want: want(strings.ToUpper)},
		{name: "REPEAT(s, 3)", e: sCall("repeat", s, i64(3)), want: want(func(s string) string { return strings.Repeat(s, 3) })},
		{name: "REPLACE(s, 'ü', 'ue')", e: sCall("replace", s, txt("ü"), txt("ue")), want: want(func(s string) string { return strings.ReplaceAll(s, "ü", "ue") })},
		{name: "RPAD(s, 12, '-')", e: sCall("rpad", s, i64(12), txt("-")), want: want(func(s string) string {
			r := []rune(s)
			if len(r) >= 12 {
				return string(r[:12])
			}
			return s + strings.Repeat("-", 12-len(r))
		})},
		{name: "CHAR_LENGTH(s)", e: iCall("char_length", s), want: want(func(s string) string { return strconv.Itoa(len([]rune(s))) })},
	})
}

// TestStringKernelTypes checks every kernel's result type against its call's, with a BIGINT result for the
// length and position functions.
func TestStringKernelTypes(t *testing.T) {
	for name := range stringKernels {
		if _, ok := lookupKernel(name); !ok {
			t.Errorf("%s: not found through lookupKernel", name)
		}
	}
	s := colRef(0, text)
	evalExprCases(t, []inCol{textCol("x")}, 0, []exprCase{
		{name: "LENGTH is BIGINT", e: call("length", sqltype.BigInt, s), want: strs("1")},
		{name: "LOCATE is BIGINT", e: call("locate", sqltype.BigInt, txt("x"), s), want: strs("1")},
	})
}
