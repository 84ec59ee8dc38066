package sqlfront

import (
	"errors"
	"strings"
	"sync"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/internal/sqlerr"
)

var (
	parserOnce   sync.Once
	sharedParser *sqlparser.Parser
	parserErr    error
)

// sqlParser returns the parser every statement goes through.
func sqlParser() (*sqlparser.Parser, error) {
	parserOnce.Do(func() {
		sharedParser, parserErr = sqlparser.New(sqlparser.Options{MySQLServerVersion: "8.0.40"})
	})
	if parserErr != nil {
		return nil, sqlerr.New(sqlerr.Unknown, "SQL parser: %v", parserErr)
	}
	return sharedParser, nil
}

// parse reads one statement. DDL that vitess understands only in part (Cube Store's clauses after a column list,
// for instance) is an error here, never a statement with clauses silently dropped.
func parse(sql string) (stmt sqlparser.Statement, err error) {
	defer func() {
		// The parser panics on a few malformed inputs (SET followed by an empty quoted name): still a syntax error.
		if r := recover(); r != nil {
			stmt, err = nil, sqlerr.New(sqlerr.Parse, "You have an error in your SQL syntax near '%s'", sql)
		}
	}()
	parser, perr := sqlParser()
	if perr != nil {
		return nil, perr
	}
	sql = strings.TrimSpace(sql)
	sql = strings.TrimSpace(strings.TrimSuffix(sql, ";"))
	if sql == "" {
		return nil, sqlerr.New(sqlerr.EmptyQuery, "Query was empty")
	}
	stmt, err = parser.ParseStrictDDL(sql)
	if err != nil {
		if errors.Is(err, sqlparser.ErrEmpty) {
			return nil, sqlerr.New(sqlerr.EmptyQuery, "Query was empty")
		}
		msg := err.Error()
		if i := strings.Index(msg, "(errno"); i > 0 {
			msg = strings.TrimSpace(msg[:i])
		}
		return nil, sqlerr.New(sqlerr.Parse, "You have an error in your SQL syntax: %s", msg)
	}
	return stmt, nil
}
