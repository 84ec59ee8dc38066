package testsuite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/go-sql-driver/mysql"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/testsuite/slt"
)

// MySQL runs records against a MySQL or MariaDB server over the MySQL protocol, with database/sql and
// github.com/go-sql-driver/mysql: the differential target, which shows where vcube and MySQL disagree. vcube
// itself does not speak the MySQL protocol yet.
//
// Records run on one connection, so USE and session settings last until the file ends (EndFile starts a new
// connection). Statements go through the text protocol, so values come back as the server prints them; NULL
// is "NULL". A *mysql.MySQLError becomes a *sqlerror.SQLError with the same number, SQLSTATE and message,
// the error type the engine itself returns, so numeric and message error patterns both match as they do
// in-process.
type MySQL struct {
	addr string // host:port, for messages
	db   *sql.DB
	conn *sql.Conn // nil after a broken connection or EndFile; the next call takes a new one

	scratch scratch
}

// OpenMySQL connects to mysql://user:password@host[:port]/[database][?driver-parameters] (port 3306 when
// omitted; parameters are go-sql-driver/mysql's DSN parameters).
func OpenMySQL(ctx context.Context, target string) (*MySQL, error) {
	cfg, err := mysqlConfig(target)
	if err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, addressError("target %s: %v", redact(target), err)
	}
	t := &MySQL{addr: cfg.Addr, db: sql.OpenDB(conn)}
	t.db.SetMaxIdleConns(1)
	if err := t.db.PingContext(ctx); err != nil {
		t.db.Close()
		return nil, fmt.Errorf("connecting to %s: %w", cfg.Addr, mysqlError(err))
	}
	return t, nil
}

// mysqlConfig turns a mysql:// URL into the driver's configuration.
func mysqlConfig(target string) (*mysql.Config, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, addressError("target %s: %v", redact(target), err)
	}
	if u.Scheme != "mysql" || u.Host == "" || u.Fragment != "" || strings.Contains(strings.TrimPrefix(u.Path, "/"), "/") {
		return nil, addressError("target %s: want mysql://user:password@host:port/[database]", redact(target))
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if u.RawQuery != "" {
		dsn := cfg.FormatDSN()
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		cfg, err = mysql.ParseDSN(dsn + sep + u.RawQuery)
		if err != nil {
			return nil, addressError("target %s: %v", redact(target), err)
		}
	}
	for name, value := range SessionSettings {
		if _, set := cfg.Params[name]; !set {
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params[name] = value
		}
	}
	return cfg, nil
}

// SessionSettings are the session variables the mysql target sets on every connection (the driver sends them
// as SET name=value), unless the target URL gives the same parameter: the MySQL settings under which MariaDB
// answers as vcube means to, so that the differences left are the ones testsuite/mariadb-differences.md lists
// (its "Session settings" section gives the reason for each). They are MariaDB's: on MySQL 8, which has no
// utf8mb4_nopad_bin, give ?collation_server='utf8mb4_0900_bin'&collation_connection='utf8mb4_0900_bin'.
var SessionSettings = map[string]string{
	"time_zone":            "'+00:00'",
	"sql_mode":             "'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
	"collation_server":     "'utf8mb4_nopad_bin'",
	"collation_connection": "'utf8mb4_nopad_bin'",
}

// redact hides the password of a target URL.
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil || u.User == nil {
		return target
	}
	return u.Redacted()
}

// Name is the target name skipif/onlyif lines use for MySQL and MariaDB.
func (t *MySQL) Name() string { return "mysql" }

// String is the server's address.
func (t *MySQL) String() string { return "mysql://" + t.addr }

func (t *MySQL) connection(ctx context.Context) (*sql.Conn, error) {
	if t.conn == nil {
		c, err := t.db.Conn(ctx)
		if err != nil {
			return nil, mysqlError(err)
		}
		t.conn = c
	}
	return t.conn, nil
}

// done drops a connection that broke, so that the next call starts a new one.
func (t *MySQL) done(err error) error {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		t.conn.Close()
		t.conn = nil
	}
	return mysqlError(err)
}

// Exec runs a statement.
func (t *MySQL) Exec(ctx context.Context, query string) error {
	c, err := t.connection(ctx)
	if err == nil {
		_, err = c.ExecContext(ctx, query)
		if err != nil {
			err = t.done(err)
		}
	}
	t.scratch.observe(query, err)
	return err
}

// Query runs a query and returns its rows as text, NULL as "NULL". As in-process, a value spanning several
// lines in a one-column result becomes one row per line.
func (t *MySQL) Query(ctx context.Context, query string) ([][]string, error) {
	rows, err := t.query(ctx, query)
	t.scratch.observe(query, err)
	return rows, err
}

func (t *MySQL) query(ctx context.Context, query string) ([][]string, error) {
	c, err := t.connection(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := c.QueryContext(ctx, query)
	if err != nil {
		return nil, t.done(err)
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, t.done(err)
	}
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	var out [][]string
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			return nil, t.done(err)
		}
		row := make([]string, len(cols))
		for i, v := range raw {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = string(v)
			}
		}
		out = append(out, row)
	}
	if err := rs.Err(); err != nil {
		return nil, t.done(err)
	}
	if len(cols) == 1 {
		out = splitMultiline(out)
	}
	return out, nil
}

// EndFile makes the server ready for the next file (see scratch.end) and closes the connection, so the next
// file starts a new session.
func (t *MySQL) EndFile(ctx context.Context, fr *slt.FileRun) error {
	err := t.scratch.end(ctx, fr, func(query string) error { return t.Exec(ctx, query) })
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
	return err
}

// Close closes the connections.
func (t *MySQL) Close() error {
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
	return t.db.Close()
}

// mysqlError gives a server error the engine's error type (see MySQL).
func mysqlError(err error) error {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return err
	}
	state := ""
	if me.SQLState != [5]byte{} {
		state = string(me.SQLState[:])
	}
	return sqlerror.NewSQLError(sqlerror.ErrorCode(me.Number), state, me.Message)
}

// Adapt applies to a file's records the normalisations testsuite/mariadb-differences.md lists for this target,
// before they run. One today, "booleans": vcube prints a boolean as true/false, MySQL and MariaDB have no
// boolean type and print 1/0, so an expected value true or false is compared as 1 or 0 (in listed rows; a
// hashed result is left as it is). Records the file marks "skipif mysql" need nothing here.
func (t *MySQL) Adapt(records []slt.Record) {
	for i := range records {
		for _, row := range records[i].Rows {
			for j, v := range row {
				switch v {
				case "true":
					row[j] = "1"
				case "false":
					row[j] = "0"
				}
			}
		}
	}
}

// OpenMySQLDB opens a database/sql handle on a mysql:// target URL, configured as the mysql target's
// connections are (SessionSettings included), for tests that compare vcube with MySQL or MariaDB query by query
// (testsuite/differential). It does not connect.
func OpenMySQLDB(target string) (*sql.DB, error) {
	cfg, err := mysqlConfig(target)
	if err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, addressError("target %s: %v", redact(target), err)
	}
	return sql.OpenDB(conn), nil
}

// MySQLError returns a MySQL or MariaDB server error as the *sqlerror.SQLError the engine returns (same
// number, SQLSTATE and message); other errors are returned as they are.
func MySQLError(err error) error { return mysqlError(err) }

// Redact hides the password of a target URL, for messages.
func Redact(target string) string { return redact(target) }
