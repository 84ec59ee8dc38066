package differential

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/node"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/sqlfront"
	"github.com/vcubedb/vcube/testsuite"
)

// Answer is what an engine answered to a query: the rows as text (NULL as "NULL") and what the columns are,
// or an error.
type Answer struct {
	Float []bool // a column holds doubles (compared to 1e-9 relative)
	Bool  []bool // vcube: a BOOLEAN column (printed true/false)
	Time  []bool // a TIMESTAMP (vcube) or DATETIME/TIMESTAMP (MariaDB) column
	Types []string
	Rows  [][]string
	Err   error
}

// Code is the MySQL error number of the answer's error, 0 when there is none or it has no number.
func (a *Answer) Code() int {
	var se *sqlerror.SQLError
	if errors.As(a.Err, &se) {
		return int(se.Number())
	}
	return 0
}

// engine is one of the two databases compared.
type engine interface {
	name() string
	// reset makes schema a new, empty schema and the one later statements use.
	reset(ctx context.Context, schema string) error
	exec(ctx context.Context, sql string) error
	query(ctx context.Context, sql string) Answer
	close() error
}

// queryTimeout bounds each statement: a query that runs longer is a finding, not a hang of the test.
const queryTimeout = 30 * time.Second

// vcubeEngine is vcube in-process, as testsuite.InProcess runs it, keeping the result's column types.
type vcubeEngine struct {
	node *node.Node
	sess sqlfront.Session
}

func openVcube(ctx context.Context, dataDir string) (*vcubeEngine, error) {
	n, err := node.Open(ctx, node.Config{DataDir: dataDir, CompactionInterval: -1})
	if err != nil {
		return nil, err
	}
	return &vcubeEngine{node: n}, nil
}

func (v *vcubeEngine) name() string { return "vcube" }

func (v *vcubeEngine) reset(ctx context.Context, schema string) error {
	v.sess.Schema = ""
	if err := v.exec(ctx, "DROP SCHEMA IF EXISTS "+schema); err != nil {
		return err
	}
	if err := v.exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return err
	}
	v.sess.Schema = schema
	return nil
}

func (v *vcubeEngine) exec(ctx context.Context, q string) error {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	res, err := v.node.Engine.Execute(ctx, &v.sess, q)
	if err != nil {
		return err
	}
	res.Release()
	return nil
}

func (v *vcubeEngine) query(ctx context.Context, q string) (a Answer) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			a = Answer{Err: fmt.Errorf("vcube panicked: %v", p)}
		}
	}()
	res, err := v.node.Engine.Execute(ctx, &v.sess, q)
	if err != nil {
		return Answer{Err: err}
	}
	defer res.Release()
	a.Rows = res.TextRows()
	for _, f := range res.Fields {
		a.Float = append(a.Float, f.Type.Kind == sqltype.KindFloat)
		a.Bool = append(a.Bool, f.Type.Kind == sqltype.KindBool)
		a.Time = append(a.Time, f.Type.Kind == sqltype.KindTimestamp)
		a.Types = append(a.Types, f.Type.String())
	}
	return a
}

func (v *vcubeEngine) close() error { return v.node.Close() }

// mariadbEngine is MariaDB (or MySQL) through database/sql on one connection, with the mysql target's session
// settings (testsuite.SessionSettings).
type mariadbEngine struct {
	target string
	db     *sql.DB
	conn   *sql.Conn
	schema string
}

func openMariaDB(ctx context.Context, target string) (*mariadbEngine, error) {
	db, err := testsuite.OpenMySQLDB(target)
	if err != nil {
		return nil, err
	}
	m := &mariadbEngine{target: testsuite.Redact(target), db: db}
	if _, err := m.connection(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to %s: %w", m.target, err)
	}
	return m, nil
}

func (m *mariadbEngine) name() string { return "mariadb" }

func (m *mariadbEngine) connection(ctx context.Context) (*sql.Conn, error) {
	if m.conn != nil {
		return m.conn, nil
	}
	c, err := m.db.Conn(ctx)
	if err != nil {
		return nil, testsuite.MySQLError(err)
	}
	if m.schema != "" {
		if _, err := c.ExecContext(ctx, "USE "+m.schema); err != nil {
			c.Close()
			return nil, testsuite.MySQLError(err)
		}
	}
	m.conn = c
	return c, nil
}

// done drops a connection after an error that is not the server's answer (a broken connection, a timeout).
func (m *mariadbEngine) done(err error) error {
	err = testsuite.MySQLError(err)
	var se *sqlerror.SQLError
	if !errors.As(err, &se) && m.conn != nil {
		m.conn.Close()
		m.conn = nil
	}
	return err
}

func (m *mariadbEngine) reset(ctx context.Context, schema string) error {
	for _, q := range []string{
		"DROP DATABASE IF EXISTS " + schema,
		"CREATE DATABASE " + schema + " CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin",
		"USE " + schema,
	} {
		if err := m.exec(ctx, q); err != nil {
			return err
		}
	}
	m.schema = schema
	return nil
}

func (m *mariadbEngine) exec(ctx context.Context, q string) error {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	c, err := m.connection(ctx)
	if err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, q); err != nil {
		return m.done(err)
	}
	return nil
}

func (m *mariadbEngine) query(ctx context.Context, q string) Answer {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	c, err := m.connection(ctx)
	if err != nil {
		return Answer{Err: err}
	}
	rs, err := c.QueryContext(ctx, q)
	if err != nil {
		return Answer{Err: m.done(err)}
	}
	defer rs.Close()
	cols, err := rs.ColumnTypes()
	if err != nil {
		return Answer{Err: m.done(err)}
	}
	var a Answer
	for _, c := range cols {
		t := strings.ToUpper(c.DatabaseTypeName())
		a.Float = append(a.Float, t == "DOUBLE" || t == "FLOAT")
		a.Bool = append(a.Bool, false)
		a.Time = append(a.Time, t == "DATETIME" || t == "TIMESTAMP")
		a.Types = append(a.Types, strings.ToLower(t))
	}
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			return Answer{Err: m.done(err)}
		}
		row := make([]string, len(cols))
		for i, v := range raw {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = string(v)
			}
		}
		a.Rows = append(a.Rows, row)
	}
	if err := rs.Err(); err != nil {
		return Answer{Err: m.done(err)}
	}
	return a
}

func (m *mariadbEngine) close() error {
	if m.conn != nil {
		m.conn.Close()
		m.conn = nil
	}
	return m.db.Close()
}

// load creates schema on e and fills it with the dataset (vcube's CREATE TABLE with Cube Store's clauses when
// cube is set).
func load(ctx context.Context, e engine, schema string, d *Dataset, cube bool) error {
	if err := e.reset(ctx, schema); err != nil {
		return fmt.Errorf("%s: creating schema %s: %w", e.name(), schema, err)
	}
	for _, q := range d.Setup(cube) {
		if err := e.exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w\n    %s", e.name(), err, abbreviate(q, 300))
		}
	}
	return nil
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func redactTarget(target string) string { return testsuite.Redact(target) }
