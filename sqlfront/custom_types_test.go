package sqlfront_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/node"
	"github.com/vcubedb/vcube/sqlfront"
)

// A plugin's cast gives SQL a custom column type: `price fixed(4)` is stored as decimal(38,4), its values pass
// through the cast on INSERT and on import, CAST / CONVERT / :: convert with it, and the column keeps working
// across restarts; a plugin whose types are in use cannot be uninstalled.
func TestPluginCustomType(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a WebAssembly plugin")
	}
	module, err := fixedWasm()
	require.NoError(t, err)
	ctx := context.Background()
	dir := t.TempDir()
	n, err := node.Open(ctx, node.Config{DataDir: dir, CompactionInterval: -1})
	require.NoError(t, err)
	defer func() { n.Close() }()
	run := func(sql string) ([][]string, error) { return textRows(n.Engine, sql) }
	must := func(sql string) [][]string {
		t.Helper()
		r, err := run(sql)
		require.NoError(t, err, sql)
		return r
	}
	fails := func(code int, sql string, contains ...string) {
		t.Helper()
		_, err := run(sql)
		require.Error(t, err, sql)
		var se *sqlerror.SQLError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, code, int(se.Num), "%s: %v", sql, err)
		for _, c := range contains {
			assert.Contains(t, se.Message, c, sql)
		}
	}
	restart := func() {
		t.Helper()
		require.NoError(t, n.Close())
		n, err = node.Open(ctx, node.Config{DataDir: dir, CompactionInterval: -1})
		require.NoError(t, err)
	}

	// Before the plugin, the type is unknown.
	must("CREATE SCHEMA c")
	fails(1064, "CREATE TABLE c.early (item text, price fixed(4))", "Unknown type 'fixed' of column 'price'")

	require.NoError(t, n.Engine.InstallPlugin(ctx, "numeric", module))
	assert.Equal(t, [][]string{{"fixed", "cast", "numeric", "text", "decimal(38,0)", "fixed"}},
		must("SELECT function_name, kind, plugin, arguments, returns, custom_type FROM system.functions"))

	// CREATE TABLE: the type in any case, with or without its parameter; a string that spells it is left alone.
	must("CREATE TABLE c.prices (item text, price FIXED(4), whole fixed, qty int)")
	assert.Equal(t, [][]string{
		{"item", "text", "YES", "", "NULL", ""},
		{"price", "fixed(4)", "YES", "", "NULL", ""},
		{"whole", "fixed(0)", "YES", "", "NULL", ""},
		{"qty", "int", "YES", "", "NULL", ""},
	}, must("DESCRIBE c.prices"))
	assert.Equal(t, [][]string{{"decimal", "decimal(38,4)"}},
		must("SELECT data_type, column_type FROM information_schema.columns WHERE table_name = 'prices' AND column_name = 'price'"))
	fails(1210, "CREATE TABLE c.bad (price fixed(31))", "price", "scale")
	fails(1064, "CREATE TABLE c.bad (price fixed(x))")

	// INSERT: text, numbers and NULL pass through the cast, rounded half away from zero at the column's scale.
	must("INSERT INTO c.prices VALUES ('fixed(2)', '12.345678', '2.5', 1), ('b', NULL, NULL, 2), ('c', 7, -2.5, 3), ('d', '-0.00005', '0', 4)")
	assert.Equal(t, [][]string{
		{"b", "NULL", "NULL"},
		{"c", "7.0000", "-3"},
		{"d", "-0.0001", "0"},
		{"fixed(2)", "12.3457", "3"},
	}, must("SELECT item, price, whole FROM c.prices ORDER BY item"))
	assert.Equal(t, [][]string{{"19.3456"}}, must("SELECT SUM(price) FROM c.prices"), "stored as DECIMAL: SUM is exact")
	// A value the cast refuses names the column, the value and the row; the statement changes nothing.
	fails(1366, "INSERT INTO c.prices (item, price) VALUES ('e', '1.5'), ('f', '12x')", "column 'price'", "'12x'", "at row 2")
	fails(1366, "INSERT INTO c.prices (item, price) VALUES ('e', '1e400')", "column 'price'")
	assert.Equal(t, [][]string{{"4"}}, must("SELECT COUNT(*) FROM c.prices"))

	// CAST, CONVERT and ::, on constants and on columns; parameters out of range and refused values are errors.
	assert.Equal(t, [][]string{{"1.235", "3", "10.0", "12.35"}},
		must("SELECT CAST('1.23456' AS fixed(3)), CONVERT('2.5', fixed), '9.99'::fixed(1), CAST(price AS FIXED(2)) FROM c.prices WHERE item = 'fixed(2)'"))
	assert.Equal(t, [][]string{{"c", "7.00"}, {"fixed(2)", "12.35"}}, must("SELECT item, CAST(price AS fixed(2)) FROM c.prices WHERE price > 0 ORDER BY item"),
		"a cast in a projection over a filter")
	fails(1210, "SELECT CAST('1' AS fixed(99))", "fixed")
	fails(1366, "SELECT CAST(item AS fixed(2)) FROM c.prices", "Incorrect value", "fixed")

	// LOCATION imports: the same conversion, and a refused value fails the import, which leaves no table.
	csv := filepath.Join(dir, "prices.csv")
	require.NoError(t, os.WriteFile(csv, []byte("item,price\nx,1.005\ny,\nz,-3\n"), 0o644))
	must("CREATE TABLE c.imported (item text, price fixed(2)) LOCATION '" + csv + "'")
	assert.Equal(t, [][]string{{"x", "1.01"}, {"y", "NULL"}, {"z", "-3.00"}}, must("SELECT item, price FROM c.imported ORDER BY item"))
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("item,price\nx,1.5\ny,one\n"), 0o644))
	fails(1366, "CREATE TABLE c.failed (item text, price fixed(2)) LOCATION '"+bad+"'", "column 'price'", "'one'", "bad.csv")
	fails(1146, "SELECT * FROM c.failed")

	// A restart loads the plugin again: the column keeps converting.
	restart()
	must("INSERT INTO c.prices (item, price) VALUES ('e', '0.12345')")
	assert.Equal(t, [][]string{{"0.1235"}}, must("SELECT price FROM c.prices WHERE item = 'e'"))

	// A plugin whose module changed is not loaded: its columns are still read, and writing them says why not.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plugins", "numeric.wasm"), []byte("changed"), 0o644))
	restart()
	assert.Equal(t, [][]string{{"5"}}, must("SELECT COUNT(*) FROM c.prices"))
	fails(1524, "INSERT INTO c.prices (item, price) VALUES ('g', '1')", "numeric", "price")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plugins", "numeric.wasm"), module, 0o644))
	restart()

	// A plugin whose type columns use cannot go; once their tables are dropped it can.
	fails(1221, "UNINSTALL PLUGIN numeric", "c.prices.price (fixed(4))", "c.imported.price (fixed(2))")
	must("DROP TABLE c.prices")
	must("DROP TABLE c.imported")
	must("UNINSTALL PLUGIN numeric")
	fails(1064, "CREATE TABLE c.later (price fixed(4))", "Unknown type 'fixed'")
	fails(1305, "SELECT `fixed`('1', 2)")
}

// BenchmarkCustomTypeImport imports the 1M-row rollup CSV of BenchmarkImportCSV with order_total and discount
// declared decimal(18,2) (the native parser) and fixed(2) (through the fixed plugin's cast, a batch at a time),
// then casts a text column of the table both ways in a query. Run with -benchtime=3x.
func BenchmarkCustomTypeImport(b *testing.B) {
	module, err := fixedWasm()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dir := b.TempDir()
	n, err := node.Open(ctx, node.Config{DataDir: dir, CompactionInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	if err := n.Engine.InstallPlugin(ctx, "numeric", module); err != nil {
		b.Fatal(err)
	}
	const rows = 1_000_000
	path := filepath.Join(dir, "rollup.csv")
	writeRollupCSV(b, path, rows)
	execute := func(sql string) *sqlfront.Result {
		res, err := n.Engine.Execute(ctx, nil, sql)
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	execute("CREATE SCHEMA bench")
	tables := 0
	for _, typ := range []string{"decimal(18,2)", "fixed(2)"} {
		name := strings.NewReplacer("(", "_", ",", "_", ")", "").Replace(typ)
		b.Run("import/"+name, func(b *testing.B) {
			for b.Loop() {
				tables++
				cols := strings.ReplaceAll(rollupColumns, "decimal(18,2)", typ)
				res := execute(fmt.Sprintf("CREATE TABLE bench.t_%d %s LOCATION '%s'", tables, cols, path))
				if res.AffectedRows != rows {
					b.Fatalf("imported %d rows, want %d", res.AffectedRows, rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	execute(fmt.Sprintf("CREATE TABLE bench.q %s LOCATION '%s'", rollupColumns, path)).Release()
	for _, typ := range []string{"decimal(38,2)", "fixed(2)"} {
		name := strings.NewReplacer("(", "_", ",", "_", ")", "").Replace(typ)
		b.Run("cast/"+name, func(b *testing.B) {
			// product_name is 'product N': its number, cast from the text after the space.
			sql := fmt.Sprintf("SELECT SUM(CAST(SUBSTRING(product_name, 9) AS %s)) FROM bench.q", typ)
			for b.Loop() {
				execute(sql).Release()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
