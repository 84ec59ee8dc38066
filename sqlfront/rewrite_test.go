package sqlfront

import "testing"

func TestRewriteDialect(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT a FROM t ORDER BY a NULLS LAST":                 "SELECT a FROM t ORDER BY a COLLATE vcube_nulls_last ",
		"SELECT a FROM t ORDER BY a DESC NULLS FIRST, b":        "SELECT a FROM t ORDER BY a COLLATE vcube_nulls_first DESC , b",
		"select a from t order by 1 asc nulls last limit 2":     "select a from t order by 1 COLLATE vcube_nulls_last asc  limit 2",
		"SELECT a FROM t WHERE a ILIKE '%x%'":                   "SELECT a FROM t WHERE a LIKE '%x%' COLLATE vcube_ilike",
		"SELECT a FROM t WHERE a NOT ilike 'X' AND b = 1":       "SELECT a FROM t WHERE a NOT LIKE 'X' COLLATE vcube_ilike AND b = 1",
		"SELECT 'NULLS LAST', `nulls` FROM t":                   "SELECT 'NULLS LAST', `nulls` FROM t",
		"SELECT 'a ILIKE b' FROM t /* ORDER BY x NULLS LAST */": "SELECT 'a ILIKE b' FROM t /* ORDER BY x NULLS LAST */",
		"SELECT nulls FROM t":                                   "SELECT nulls FROM t",
		"SELECT a FROM t ORDER BY `x y` NULLS LAST":             "SELECT a FROM t ORDER BY `x y` COLLATE vcube_nulls_last ",
	} {
		if got := rewriteDialect(in); got != want {
			t.Errorf("rewriteDialect(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}
