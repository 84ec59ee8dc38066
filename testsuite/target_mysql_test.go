package testsuite

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/testsuite/slt"
)

func TestMySQLConfig(t *testing.T) {
	cfg, err := mysqlConfig("mysql://root:p%40ss@db.local/")
	require.NoError(t, err)
	assert.Equal(t, "tcp", cfg.Net)
	assert.Equal(t, "db.local:3306", cfg.Addr)
	assert.Equal(t, "root", cfg.User)
	assert.Equal(t, "p@ss", cfg.Passwd)
	assert.Equal(t, "", cfg.DBName)
	assert.False(t, cfg.ParseTime, "values must come back as the server prints them")

	cfg, err = mysqlConfig("mysql://u@127.0.0.1:3307/test?timeout=5s&tls=false")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:3307", cfg.Addr)
	assert.Equal(t, "test", cfg.DBName)
	assert.Equal(t, "5s", cfg.Timeout.String())

	for _, bad := range []string{"mysql:///", "http://u@h/", "mysql://u@h/a/b", "mysql://u@h/?nosuchparam=%zz"} {
		_, err := mysqlConfig(bad)
		assert.Error(t, err, bad)
	}
	_, err = mysqlConfig("mysql:///x?password=secret")
	assert.ErrorContains(t, err, "want mysql://")
	assert.Equal(t, "mysql://root:xxxxx@h:1/", redact("mysql://root:secret@h:1/"))
}

func TestMySQLErrorsMatchLikeTheEngines(t *testing.T) {
	err := fmt.Errorf("query: %w", &mysql.MySQLError{Number: 1146, SQLState: [5]byte{'4', '2', 'S', '0', '2'}, Message: "Table 's.t' doesn't exist"})
	var se *sqlerror.SQLError
	require.True(t, errors.As(mysqlError(err), &se))
	assert.Equal(t, sqlerror.ERNoSuchTable, se.Number())
	assert.Equal(t, "42S02", se.SQLState())
	assert.Equal(t, "Table 's.t' doesn't exist", se.Message, "the bare message, so that anchored patterns match")

	require.True(t, errors.As(mysqlError(&mysql.MySQLError{Number: 1105, Message: "x"}), &se))
	assert.Equal(t, "HY000", se.SQLState())

	plain := errors.New("connection refused")
	assert.Equal(t, plain, mysqlError(plain))
}

func TestMySQLSessionSettings(t *testing.T) {
	cfg, err := mysqlConfig("mysql://u@h/")
	require.NoError(t, err)
	assert.Equal(t, SessionSettings, cfg.Params, "every connection gets the settings of mariadb-differences.md")

	cfg, err = mysqlConfig("mysql://u@h/?time_zone=%27%2B01%3A00%27&collation_connection=%27utf8mb4_0900_bin%27")
	require.NoError(t, err)
	assert.Equal(t, "'+01:00'", cfg.Params["time_zone"], "the URL overrides a setting")
	assert.Equal(t, "'utf8mb4_0900_bin'", cfg.Params["collation_connection"])
	assert.Equal(t, SessionSettings["sql_mode"], cfg.Params["sql_mode"], "and keeps the others")
}

func TestMySQLAdaptComparesBooleansAsNumbers(t *testing.T) {
	recs := []slt.Record{{Kind: slt.Query, Types: "TTT", Rows: [][]string{{"true", "false", "truth"}}}, {Kind: slt.Statement}}
	(&MySQL{}).Adapt(recs)
	assert.Equal(t, [][]string{{"1", "0", "truth"}}, recs[0].Rows)
}
