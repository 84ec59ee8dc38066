package sqlfront

import (
	"sort"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"
)

// Cube Store's SQL has two forms MySQL's grammar lacks: ORDER BY ... NULLS FIRST | NULLS LAST, and ILIKE. Before
// vitess parses a statement, rewriteDialect turns them into forms it parses and the binder recognises: a
// COLLATE with a name of vcube's own, which no real collation has.
//
//	x [ASC|DESC] NULLS LAST   ->  x COLLATE vcube_nulls_last [ASC|DESC]
//	x [NOT] ILIKE 'p%'        ->  x [NOT] LIKE 'p%' COLLATE vcube_ilike
//
// The rewrite works on tokens, so words inside strings, quoted names and comments are left alone. ILIKE's
// pattern must be one token (a string, a name or a parameter), which is what Cube Store sends.
const (
	collateNullsFirst = "vcube_nulls_first"
	collateNullsLast  = "vcube_nulls_last"
	collateILike      = "vcube_ilike"
)

type sqlToken struct {
	typ        int
	val        string
	start, end int
}

type sqlEdit struct {
	at, end int // replace sql[at:end] (empty for an insertion)
	text    string
}

func rewriteDialect(sql string) string {
	upper := strings.ToUpper(sql)
	if !strings.Contains(upper, "NULLS") && !strings.Contains(upper, "ILIKE") {
		return sql
	}
	parser, err := sqlParser()
	if err != nil {
		return sql // parse reports it
	}
	tkn := parser.NewStringTokenizer(sql)
	var toks []sqlToken
	for {
		typ, val := tkn.Scan()
		if typ == 0 || typ == sqlparser.LEX_ERROR {
			break
		}
		end := tkn.Pos
		start := end - len(val)
		if start < 0 || !strings.EqualFold(sql[start:end], val) {
			start = -1 // not a token whose text is its value (a string literal): never edited
		}
		toks = append(toks, sqlToken{typ: typ, val: val, start: start, end: end})
	}
	var edits []sqlEdit
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.start < 0 {
			continue
		}
		switch strings.ToUpper(t.val) {
		case "NULLS":
			if i+1 >= len(toks) || toks[i+1].start < 0 {
				continue
			}
			var collation string
			switch strings.ToUpper(toks[i+1].val) {
			case "FIRST":
				collation = collateNullsFirst
			case "LAST":
				collation = collateNullsLast
			default:
				continue
			}
			at := t.start
			if i > 0 && toks[i-1].start >= 0 {
				if d := strings.ToUpper(toks[i-1].val); d == "ASC" || d == "DESC" {
					at = toks[i-1].start
				}
			}
			edits = append(edits, sqlEdit{at: at, end: at, text: "COLLATE " + collation + " "},
				sqlEdit{at: t.start, end: toks[i+1].end})
			i++
		case "ILIKE":
			if i+1 >= len(toks) {
				continue
			}
			edits = append(edits, sqlEdit{at: t.start, end: t.end, text: "LIKE"},
				sqlEdit{at: toks[i+1].end, end: toks[i+1].end, text: " COLLATE " + collateILike})
		}
	}
	if len(edits) == 0 {
		return sql
	}
	// Right to left, so earlier positions stay valid; at one position a deletion goes before an insertion.
	sort.SliceStable(edits, func(a, b int) bool {
		if edits[a].at != edits[b].at {
			return edits[a].at > edits[b].at
		}
		return edits[a].end-edits[a].at > edits[b].end-edits[b].at
	})
	out := sql
	for _, e := range edits {
		out = out[:e.at] + e.text + out[e.end:]
	}
	return out
}
