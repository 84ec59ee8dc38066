package sqlfront

import (
	"sort"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"
)

// Cube Store's SQL has forms MySQL's grammar lacks: ORDER BY ... NULLS FIRST | NULLS LAST, ILIKE, and the
// x::type cast. Before vitess parses a statement, rewriteDialect turns them into forms it parses: NULLS and
// ILIKE into a COLLATE with a name of vcube's own, which no real collation has and the binder recognises, and
// :: into CAST.
//
//	x [ASC|DESC] NULLS LAST   ->  x COLLATE vcube_nulls_last [ASC|DESC]
//	x [NOT] ILIKE 'p%'        ->  x [NOT] LIKE 'p%' COLLATE vcube_ilike
//	t.x::decimal(10, 2)       ->  CAST(t.x AS decimal(10, 2))
//
// The rewrite works on tokens, so words inside strings, quoted names and comments are left alone. ILIKE's
// pattern must be one token (a string, a name or a parameter), which is what Cube Store sends; the operand of ::
// is one token, a qualified name, or a parenthesised expression or function call.
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
	if !strings.Contains(upper, "NULLS") && !strings.Contains(upper, "ILIKE") && !strings.Contains(sql, "::") {
		return sql
	}
	toks := sqlTokens(sql)
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
		default:
			// x::type: the tokenizer reads "::type" as one token.
			if !strings.HasPrefix(t.val, "::") || len(t.val) < 3 || i == 0 {
				continue
			}
			// The operand: the token before, a name qualified by dots, or a parenthesised group with the
			// function name before it.
			from := i - 1
			if toks[from].typ == ')' {
				depth := 0
				for ; from >= 0; from-- {
					switch toks[from].typ {
					case ')':
						depth++
					case '(':
						depth--
					}
					if depth == 0 {
						break
					}
				}
				if from < 0 {
					continue
				}
				// A word right against the parenthesis is a function's name (WHERE (x) has a blank between).
				if from > 0 && toks[from-1].end == toks[from].start && isWord(toks[from-1].val) {
					from--
				}
			}
			for from >= 2 && toks[from-1].typ == '.' && toks[from-2].typ == sqlparser.ID {
				from -= 2
			}
			// The type, with its arguments in parentheses.
			to := i
			if i+1 < len(toks) && toks[i+1].typ == '(' {
				for j := i + 1; j < len(toks); j++ {
					if toks[j].typ == ')' {
						to = j
						break
					}
				}
			}
			if toks[from].start < 0 {
				continue
			}
			typ := castType(t.val[2:]) + sql[t.end:toks[to].end]
			edits = append(edits, sqlEdit{at: toks[from].start, end: toks[from].start, text: "CAST("},
				sqlEdit{at: t.start, end: toks[to].end, text: " AS " + typ + ")"})
			i = to
			continue
		case "ILIKE":
			if i+1 >= len(toks) {
				continue
			}
			edits = append(edits, sqlEdit{at: t.start, end: t.end, text: "LIKE"},
				sqlEdit{at: toks[i+1].end, end: toks[i+1].end, text: " COLLATE " + collateILike})
		}
	}
	return applyEdits(sql, edits)
}

// sqlTokens splits a statement into vitess's tokens, up to the end or the first lexing error (which the parse
// then reports). A token preceded by a comment has start -1: it is never edited.
func sqlTokens(sql string) []sqlToken {
	parser, err := sqlParser()
	if err != nil {
		return nil // parse reports it
	}
	tkn := parser.NewStringTokenizer(sql)
	var toks []sqlToken
	prevEnd := 0
	for {
		typ, val := tkn.Scan()
		if typ == 0 || typ == sqlparser.LEX_ERROR {
			break
		}
		end := tkn.Pos
		// A token starts where the blanks after the previous one end, unless a comment lies between.
		start := prevEnd
		for start < end && strings.ContainsRune(" \t\r\n", rune(sql[start])) {
			start++
		}
		if c := sql[start:end]; strings.HasPrefix(c, "/*") || strings.HasPrefix(c, "--") || strings.HasPrefix(c, "#") {
			start = -1 // never edited
		}
		prevEnd = end
		toks = append(toks, sqlToken{typ: typ, val: val, start: start, end: end})
	}
	return toks
}

// applyEdits applies edits to sql. Right to left, so earlier positions stay valid; at one position a deletion
// goes before an insertion.
func applyEdits(sql string, edits []sqlEdit) string {
	if len(edits) == 0 {
		return sql
	}
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

func isWord(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// castType maps the type names :: is written with (PostgreSQL's, as Cube Store takes them) to CAST's.
func castType(name string) string {
	switch strings.ToLower(name) {
	case "int", "integer", "bigint", "smallint", "tinyint", "int2", "int4", "int8":
		return "SIGNED"
	case "text", "varchar", "string", "char", "character":
		return "CHAR"
	case "timestamp", "timestamptz", "datetime":
		return "DATETIME"
	case "double", "float", "float8", "real", "float4":
		return "DOUBLE"
	case "numeric", "decimal":
		return "DECIMAL"
	}
	return name
}
