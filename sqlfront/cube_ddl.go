package sqlfront

import (
	"strings"
	"unicode/utf8"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
)

// Cube Store's CREATE TABLE puts its own clauses after the column list. Vitess parses such a statement only in part
// and drops those clauses (see parse), so vcube splits the statement: vitess parses the head, up to the column list's
// closing parenthesis, and this file parses the tail, rejecting anything it does not understand.

// cubeIndex is an INDEX or AGGREGATE INDEX clause after the column list.
type cubeIndex struct {
	Name      string
	Columns   []string
	Aggregate bool
}

// cubeAggregation is one entry of AGGREGATIONS (...), such as sum(amount).
type cubeAggregation struct {
	Func, Column string // Func is lowercased
}

// createTableTail holds Cube Store's clauses that follow a CREATE TABLE column list. Names are kept as written
// (backquotes removed); resolving and checking them against the columns is the caller's job.
type createTableTail struct {
	With             map[string]string // keys lowercased; values as written, strings unquoted
	UniqueKey        []string
	Aggregations     []cubeAggregation
	Indexes          []cubeIndex // in the order written, plain and aggregate alike
	PartitionedIndex *struct {
		Schema, Name string // Schema is empty when the name is unqualified
		Columns      []string
	}
	Locations []string
	// CustomTypes are the columns declared with a plugin's custom type, by lower-case name (rewriteCustomTypes
	// finds them, before vitess parses the head).
	CustomTypes map[string]etcdmeta.CustomType
}

// cubeAggregateFuncs are the functions an aggregate index can roll up; the planner knows no others.
var cubeAggregateFuncs = map[string]bool{"sum": true, "min": true, "max": true, "merge": true}

// cubeCommentVersion is the server version that decides whether a /*!NNNNN ... */ comment is code, in that
// comment's form. It must match MySQLServerVersion in parse.go, so that this scan and vitess agree on which
// characters are code (TestCubeDDLVersionedCommentsMatchVitess checks it).
const cubeCommentVersion = "80040"

// maxNear is how much of the statement an error quotes after "near", as MySQL does.
const maxNear = 80

// splitCreateTable splits a CREATE TABLE statement into head, everything up to and including the column list's
// closing parenthesis (for vitess to parse strictly), and the parsed tail of Cube Store clauses after it. ok is
// false when sql is not CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name (...): the caller then parses sql as is.
// err, always with ok true, is a 1064 syntax error naming the position when the text after CREATE TABLE cannot
// be lexed (an unterminated string or comment, an unclosed column list) or the tail is malformed. An empty tail
// gives a zero createTableTail.
//
// MySQL table options after the column list (ENGINE=..., PARTITION BY, ... AS SELECT) are not part of the head:
// they are errors here, like any clause Cube Store does not have.
func splitCreateTable(sql string) (head string, tail *createTableTail, ok bool, err error) {
	lx := &cubeLexer{sql: sql}
	ok, err = lx.findColumnList()
	if !ok || err != nil {
		return "", nil, ok, err
	}
	open := lx.last
	for depth := 1; depth > 0; {
		tok, err := lx.next()
		switch {
		case err != nil:
			return "", nil, true, err
		case tok.kind == tokEOF:
			return "", nil, true, syntaxError(sql, tok.pos, "the column list opened at position %d is not closed",
				position(sql, open.pos))
		case tok.is('('):
			depth++
		case tok.is(')'):
			depth--
		}
	}
	if lx.inVersioned {
		// Vitess would see the head end inside the comment, unterminated.
		return "", nil, true, syntaxError(sql, lx.last.pos, "the column list may not end inside a /*! ... */ comment")
	}
	head = sql[:lx.last.end]
	p := &tailParser{lx: lx, tail: &createTableTail{}, seen: map[string]bool{}}
	if err := p.parse(); err != nil {
		return "", nil, true, err
	}
	return head, p.tail, true, nil
}

type cubeTokenKind int

const (
	tokEOF      cubeTokenKind = iota
	tokWord                   // a keyword, bare identifier or number
	tokQuotedID               // `...`
	tokString                 // '...' or "..."
	tokPunct                  // any other single byte
)

type cubeToken struct {
	kind     cubeTokenKind
	text     string // a word as written, a quoted identifier or string unescaped, or the punctuation byte
	pos, end int    // byte offsets of the token in the statement
}

func (t cubeToken) is(punct byte) bool {
	return t.kind == tokPunct && t.text[0] == punct
}

// keyword reports whether t is the bare word kw; a backquoted word is never a keyword.
func (t cubeToken) keyword(kw string) bool {
	return t.kind == tokWord && strings.EqualFold(t.text, kw)
}

// cubeLexer tokenizes as MySQL does, as far as finding the column list's end and reading the tail needs: quotes
// with doubled-quote and backslash escapes, backquoted identifiers, the three comment styles and versioned comments.
type cubeLexer struct {
	sql         string
	pos         int
	last        cubeToken // the token next returned last
	inVersioned bool      // inside /*!NNNNN ... */ whose content is code
	versioned   int       // where that comment starts, for an error
}

// findColumnList reads CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name ( and reports whether it was there. A lexing
// error is only reported once CREATE TABLE is read: before that, sql is not this function's business.
func (lx *cubeLexer) findColumnList() (bool, error) {
	tok, err := lx.next()
	if err != nil || !tok.keyword("create") {
		return false, nil
	}
	if tok, err = lx.next(); err != nil {
		return false, nil
	}
	if tok.keyword("temporary") {
		if tok, err = lx.next(); err != nil {
			return false, nil
		}
	}
	if !tok.keyword("table") {
		return false, nil
	}
	if tok, err = lx.next(); err != nil {
		return true, err
	}
	if tok.keyword("if") {
		for _, kw := range []string{"not", "exists"} {
			if tok, err = lx.next(); err != nil || !tok.keyword(kw) {
				return err != nil, err
			}
		}
		if tok, err = lx.next(); err != nil {
			return true, err
		}
	}
	if !isIdent(tok) {
		return false, nil
	}
	if tok, err = lx.next(); err != nil {
		return true, err
	}
	if tok.is('.') {
		if tok, err = lx.next(); err != nil || !isIdent(tok) {
			return err != nil, err
		}
		if tok, err = lx.next(); err != nil {
			return true, err
		}
	}
	return tok.is('('), nil
}

func (lx *cubeLexer) next() (cubeToken, error) {
	tok, err := lx.scan()
	lx.last = tok
	return tok, err
}

func (lx *cubeLexer) scan() (cubeToken, error) {
	if err := lx.skipSpace(); err != nil {
		return cubeToken{}, err
	}
	sql, start := lx.sql, lx.pos
	if start >= len(sql) {
		if lx.inVersioned {
			return cubeToken{}, syntaxError(sql, lx.versioned, "unterminated comment")
		}
		return cubeToken{kind: tokEOF, pos: start, end: start}, nil
	}
	switch c := sql[start]; {
	case isWordByte(c):
		end := start + 1
		for end < len(sql) && isWordByte(sql[end]) {
			end++
		}
		lx.pos = end
		return cubeToken{kind: tokWord, text: sql[start:end], pos: start, end: end}, nil
	case c == '\'' || c == '"':
		return lx.scanQuoted(c, tokString, "unterminated string")
	case c == '`':
		return lx.scanQuoted(c, tokQuotedID, "unterminated quoted identifier")
	default:
		lx.pos++
		return cubeToken{kind: tokPunct, text: sql[start : start+1], pos: start, end: start + 1}, nil
	}
}

// scanQuoted reads a string or backquoted identifier. A doubled delimiter stands for itself; in strings a
// backslash escapes the next byte, as MySQL does without NO_BACKSLASH_ESCAPES.
func (lx *cubeLexer) scanQuoted(delim byte, kind cubeTokenKind, unterminated string) (cubeToken, error) {
	sql, start := lx.sql, lx.pos
	var b strings.Builder
	for i := start + 1; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\\' && kind == tokString:
			if i+1 == len(sql) {
				return cubeToken{}, syntaxError(sql, start, "%s", unterminated)
			}
			i++
			b.WriteString(unescape(sql[i]))
		case c == delim && i+1 < len(sql) && sql[i+1] == delim:
			b.WriteByte(delim)
			i++
		case c == delim:
			lx.pos = i + 1
			return cubeToken{kind: kind, text: b.String(), pos: start, end: i + 1}, nil
		default:
			b.WriteByte(c)
		}
	}
	return cubeToken{}, syntaxError(sql, start, "%s", unterminated)
}

// unescape decodes the byte after a backslash in a string literal, as MySQL does; \% and \_ keep their
// backslash because they only mean something to LIKE.
func unescape(c byte) string {
	switch c {
	case '0':
		return "\x00"
	case 'b':
		return "\b"
	case 'n':
		return "\n"
	case 'r':
		return "\r"
	case 't':
		return "\t"
	case 'Z':
		return "\x1a"
	case '%', '_':
		return "\\" + string(c)
	}
	return string(c)
}

// skipSpace skips blanks and comments. Content of a /*!NNNNN */ comment is code when NNNNN is at most the server
// version (or absent), as in MySQL and vitess; only its delimiters are skipped then.
func (lx *cubeLexer) skipSpace() error {
	sql := lx.sql
	for lx.pos < len(sql) {
		i := lx.pos
		switch c := sql[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			lx.pos++
		case c == '#':
			lx.skipLine()
		case c == '-' && strings.HasPrefix(sql[i:], "--") && (i+2 == len(sql) || sql[i+2] <= ' '):
			lx.skipLine()
		case strings.HasPrefix(sql[i:], "//"):
			// Vitess reads // as a line comment and MySQL does not; refusing it keeps vitess from dropping
			// what follows on that line without a word.
			return syntaxError(sql, i, "'//' does not start a comment in MySQL")
		case lx.inVersioned && strings.HasPrefix(sql[i:], "*/"):
			lx.pos += 2
			lx.inVersioned = false
		case strings.HasPrefix(sql[i:], "/*!") && !lx.inVersioned:
			j := i + 3
			for j < i+8 && j < len(sql) && '0' <= sql[j] && sql[j] <= '9' {
				j++
			}
			version := sql[i+3 : j]
			if len(version) < 5 {
				j = i + 3 // fewer than five digits are content, not a version
			} else if version > cubeCommentVersion {
				if err := lx.skipVersionedComment(i, j); err != nil {
					return err
				}
				continue
			}
			lx.pos = j
			lx.inVersioned, lx.versioned = true, i
		case strings.HasPrefix(sql[i:], "/*"):
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return syntaxError(sql, i, "unterminated comment")
			}
			lx.pos = i + 2 + end + 2
		default:
			return nil
		}
	}
	return nil
}

// skipVersionedComment skips a /*!NNNNN ... */ comment meant for a later server, with one level of nested
// /* ... */ comments, as vitess does.
func (lx *cubeLexer) skipVersionedComment(start, from int) error {
	sql := lx.sql
	for j := from; j < len(sql); j++ {
		switch {
		case strings.HasPrefix(sql[j:], "/*"):
			end := strings.Index(sql[j+2:], "*/")
			if end < 0 {
				return syntaxError(sql, j, "unterminated comment")
			}
			j += 2 + end + 1
		case strings.HasPrefix(sql[j:], "*/"):
			lx.pos = j + 2
			return nil
		}
	}
	return syntaxError(sql, start, "unterminated comment")
}

func (lx *cubeLexer) skipLine() {
	if nl := strings.IndexByte(lx.sql[lx.pos:], '\n'); nl >= 0 {
		lx.pos += nl + 1
	} else {
		lx.pos = len(lx.sql)
	}
}

// isWordByte reports whether c can be part of a bare word; bytes of multi-byte UTF-8 characters can, as MySQL
// allows non-ASCII letters in unquoted identifiers.
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

// isIdent reports whether t can name a column, index or table: a backquoted name, or a bare word that is not a
// number (MySQL refuses identifiers made only of digits).
func isIdent(t cubeToken) bool {
	switch t.kind {
	case tokQuotedID:
		return true
	case tokWord:
		return strings.Trim(t.text, "0123456789") != ""
	}
	return false
}

// position is the 1-based character position of byte offset off, which is what a person counts in an editor.
func position(sql string, off int) int {
	return utf8.RuneCountInString(sql[:off]) + 1
}

// syntaxError is MySQL's 1064, quoting the statement from off as MySQL's "near" does, plus what was expected.
func syntaxError(sql string, off int, format string, args ...any) error {
	near := sql[off:]
	if utf8.RuneCountInString(near) > maxNear {
		cut, n := 0, 0
		for cut = range near {
			if n == maxNear {
				break
			}
			n++
		}
		near = near[:cut]
	}
	args = append([]any{near, position(sql, off)}, args...)
	return sqlerr.New(sqlerr.Parse, "You have an error in your SQL syntax near '%s' at position %d: "+format, args...)
}

// tailParser reads the clauses after the column list, in any order.
type tailParser struct {
	lx   *cubeLexer
	tail *createTableTail
	seen map[string]bool // clauses that may appear only once
}

const expectedClause = "expected WITH, UNIQUE KEY, AGGREGATIONS, INDEX, AGGREGATE INDEX, ADD TO PARTITIONED INDEX, " +
	"LOCATION or the end of the statement"

func (p *tailParser) parse() error {
	for {
		tok, err := p.lx.next()
		if err != nil {
			return err
		}
		switch {
		case tok.kind == tokEOF:
			return nil
		case tok.is(';'):
			// Only blanks and comments may follow the statement's one terminator.
			if tok, err = p.lx.next(); err != nil {
				return err
			}
			if tok.kind != tokEOF {
				return p.errorAt(tok, "nothing may follow ';' (one statement at a time)")
			}
			return nil
		case tok.keyword("with"):
			err = p.once(tok, "WITH", p.with)
		case tok.keyword("unique"):
			err = p.once(tok, "UNIQUE KEY", func() error {
				if err := p.keywords("key"); err != nil {
					return err
				}
				cols, err := p.columns("UNIQUE KEY")
				p.tail.UniqueKey = cols
				return err
			})
		case tok.keyword("aggregations"):
			err = p.once(tok, "AGGREGATIONS", p.aggregations)
		case tok.keyword("index"):
			err = p.index(false)
		case tok.keyword("aggregate"):
			if err = p.keywords("index"); err == nil {
				err = p.index(true)
			}
		case tok.keyword("add"):
			err = p.once(tok, "ADD TO PARTITIONED INDEX", func() error {
				if err := p.keywords("to", "partitioned", "index"); err != nil {
					return err
				}
				return p.partitionedIndex()
			})
		case tok.keyword("location"):
			err = p.once(tok, "LOCATION", p.locations)
		default:
			return p.errorAt(tok, expectedClause)
		}
		if err != nil {
			return err
		}
	}
}

func (p *tailParser) errorAt(tok cubeToken, format string, args ...any) error {
	return syntaxError(p.lx.sql, tok.pos, format, args...)
}

// once runs parse for a clause that may appear only once.
func (p *tailParser) once(tok cubeToken, clause string, parse func() error) error {
	if p.seen[clause] {
		return p.errorAt(tok, "%s may appear only once", clause)
	}
	p.seen[clause] = true
	return parse()
}

// keywords reads the rest of a multi-word keyword, such as KEY after UNIQUE.
func (p *tailParser) keywords(kws ...string) error {
	for _, kw := range kws {
		tok, err := p.lx.next()
		if err != nil {
			return err
		}
		if !tok.keyword(kw) {
			return p.errorAt(tok, "expected %s", strings.ToUpper(kw))
		}
	}
	return nil
}

func (p *tailParser) expect(punct byte, what string) error {
	tok, err := p.lx.next()
	if err != nil {
		return err
	}
	if !tok.is(punct) {
		return p.errorAt(tok, "expected '%c' %s", punct, what)
	}
	return nil
}

func (p *tailParser) ident(what string) (cubeToken, error) {
	tok, err := p.lx.next()
	if err != nil {
		return tok, err
	}
	if !isIdent(tok) {
		return tok, p.errorAt(tok, "expected %s", what)
	}
	return tok, nil
}

// list reads "(item, item, ...)" with at least one item; item reads one.
func (p *tailParser) list(clause string, item func() error) error {
	if err := p.expect('(', "after "+clause); err != nil {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		tok, err := p.lx.next()
		if err != nil {
			return err
		}
		switch {
		case tok.is(')'):
			return nil
		case !tok.is(','):
			return p.errorAt(tok, "expected ',' or ')' in %s", clause)
		}
	}
}

// columns reads a parenthesized list of column names.
func (p *tailParser) columns(clause string) ([]string, error) {
	var cols []string
	err := p.list(clause, func() error {
		tok, err := p.ident("a column name in " + clause)
		cols = append(cols, tok.text)
		return err
	})
	return cols, err
}

// with reads (key = value, ...). Values are strings, or bare words and numbers such as csv, 10, -1 or 1.5.
func (p *tailParser) with() error {
	p.tail.With = map[string]string{}
	return p.list("WITH", func() error {
		key, err := p.ident("an option name in WITH")
		if err != nil {
			return err
		}
		name := strings.ToLower(key.text)
		if _, dup := p.tail.With[name]; dup {
			return p.errorAt(key, "option %s is given twice in WITH", name)
		}
		if err := p.expect('=', "after option "+name); err != nil {
			return err
		}
		value, err := p.optionValue(name)
		if err != nil {
			return err
		}
		p.tail.With[name] = value
		return nil
	})
}

func (p *tailParser) optionValue(name string) (string, error) {
	tok, err := p.lx.next()
	if err != nil {
		return "", err
	}
	if tok.kind == tokString {
		return tok.text, nil
	}
	start := tok.pos
	if (tok.is('-') || tok.is('+')) && p.adjacentWord() {
		tok, _ = p.lx.next()
	}
	if tok.kind != tokWord {
		return "", p.errorAt(tok, "expected a value for option %s", name)
	}
	// A decimal point splits a number into words; join them back when nothing stands between.
	if p.adjacent('.') {
		p.lx.pos++
		if p.adjacentWord() {
			tok, _ = p.lx.next()
		}
	}
	return p.lx.sql[start:p.lx.pos], nil
}

// adjacent reports whether the byte right after the last token is c, with no blank or comment between.
func (p *tailParser) adjacent(c byte) bool {
	return p.lx.pos < len(p.lx.sql) && p.lx.sql[p.lx.pos] == c
}

func (p *tailParser) adjacentWord() bool {
	return p.lx.pos < len(p.lx.sql) && isWordByte(p.lx.sql[p.lx.pos])
}

// aggregations reads (func(column), ...).
func (p *tailParser) aggregations() error {
	return p.list("AGGREGATIONS", func() error {
		fn, err := p.lx.next()
		if err != nil {
			return err
		}
		name := strings.ToLower(fn.text)
		if fn.kind != tokWord || !cubeAggregateFuncs[name] {
			return p.errorAt(fn, "expected sum, min, max or merge in AGGREGATIONS")
		}
		if err := p.expect('(', "after "+name); err != nil {
			return err
		}
		col, err := p.ident("a column name in " + name + "(...)")
		if err != nil {
			return err
		}
		if err := p.expect(')', "after "+name+"'s column"); err != nil {
			return err
		}
		p.tail.Aggregations = append(p.tail.Aggregations, cubeAggregation{Func: name, Column: col.text})
		return nil
	})
}

func (p *tailParser) index(aggregate bool) error {
	clause := "INDEX"
	if aggregate {
		clause = "AGGREGATE INDEX"
	}
	name, err := p.ident("a name after " + clause)
	if err != nil {
		return err
	}
	cols, err := p.columns(clause + " " + name.text)
	if err != nil {
		return err
	}
	p.tail.Indexes = append(p.tail.Indexes, cubeIndex{Name: name.text, Columns: cols, Aggregate: aggregate})
	return nil
}

func (p *tailParser) partitionedIndex() error {
	const clause = "ADD TO PARTITIONED INDEX"
	first, err := p.ident("a partitioned index name after " + clause)
	if err != nil {
		return err
	}
	schema, name := "", first.text
	if p.peek('.') {
		p.lx.next() // the dot
		second, err := p.ident("a partitioned index name after '" + first.text + ".'")
		if err != nil {
			return err
		}
		schema, name = first.text, second.text
	}
	cols, err := p.columns(clause + " " + name)
	if err != nil {
		return err
	}
	p.tail.PartitionedIndex = &struct {
		Schema, Name string
		Columns      []string
	}{schema, name, cols}
	return nil
}

// peek reports whether the next token is punct, without consuming it.
func (p *tailParser) peek(punct byte) bool {
	saved := *p.lx
	tok, err := p.lx.next()
	*p.lx = saved
	return err == nil && tok.is(punct)
}

// locations reads one or more string literals separated by commas.
func (p *tailParser) locations() error {
	for {
		tok, err := p.lx.next()
		if err != nil {
			return err
		}
		if tok.kind != tokString {
			return p.errorAt(tok, "expected a quoted file name in LOCATION")
		}
		if tok.text == "" {
			return p.errorAt(tok, "a LOCATION file name may not be empty")
		}
		p.tail.Locations = append(p.tail.Locations, tok.text)
		if !p.peek(',') {
			return nil
		}
		p.lx.next() // the comma
	}
}
