package sqlfront

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"vitess.io/vitess/go/mysql/sqlerror"
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/internal/sqlerr"
)

// cubeHead is the head most cases share: the tail is what they test.
const cubeHead = "CREATE TABLE s.t (a int, b int, `my col` varchar(10))"

var cubeHeadCols = []string{"a", "b", "my col"}

type partitioned = struct {
	Schema, Name string
	Columns      []string
}

type splitCase struct {
	name string
	sql  string
	head string   // cubeHead when empty
	cols []string // the columns vitess must read from head; cubeHeadCols when nil
	want createTableTail
}

var cubeValidCases = []splitCase{
	{name: "no tail", sql: cubeHead},
	{name: "no tail, semicolon and blanks", sql: cubeHead + " ;  \n\t"},
	{name: "no tail, comment after semicolon", sql: cubeHead + "; -- done\n# really /* done */"},
	{name: "no space before tail", sql: cubeHead + "LOCATION'x.csv'", want: createTableTail{Locations: []string{"x.csv"}}},
	{
		name: "with",
		sql:  cubeHead + " WITH (input_format = 'csv', delimiter = 'tab', build_range_end = '2024-01-01T00:00:00.000Z')",
		want: createTableTail{With: map[string]string{
			"input_format": "csv", "delimiter": "tab", "build_range_end": "2024-01-01T00:00:00.000Z",
		}},
	},
	{
		name: "with bare words and numbers, keys in odd case",
		sql:  cubeHead + " with (INPUT_FORMAT = csv_no_header, Delimiter = '|', skip=10, neg = -1, ratio = +1.5, `Quoted Key` = CSV)",
		want: createTableTail{With: map[string]string{
			"input_format": "csv_no_header", "delimiter": "|", "skip": "10", "neg": "-1", "ratio": "+1.5", "quoted key": "CSV",
		}},
	},
	{
		name: "with values holding quotes, commas, parentheses and keywords",
		sql:  cubeHead + ` WITH (delimiter = ',', note = 'it''s (LOCATION ''x'')', other = "say \"hi\"\n")`,
		want: createTableTail{With: map[string]string{
			"delimiter": ",", "note": "it's (LOCATION 'x')", "other": "say \"hi\"\n",
		}},
	},
	{
		name: "unique key",
		sql:  cubeHead + " UNIQUE KEY (a, `my col`)",
		want: createTableTail{UniqueKey: []string{"a", "my col"}},
	},
	{
		name: "aggregations, function names lowercased",
		sql:  cubeHead + " AGGREGATIONS (SUM(a), Min(a), max(b), MERGE(`my col`))",
		want: createTableTail{Aggregations: []cubeAggregation{
			{"sum", "a"}, {"min", "a"}, {"max", "b"}, {"merge", "my col"},
		}},
	},
	{
		name: "indexes repeat",
		sql:  cubeHead + " INDEX by_a (a) INDEX by_ab (a, b) index `by col` (`my col`)",
		want: createTableTail{Indexes: []cubeIndex{
			{Name: "by_a", Columns: []string{"a"}},
			{Name: "by_ab", Columns: []string{"a", "b"}},
			{Name: "by col", Columns: []string{"my col"}},
		}},
	},
	{
		name: "aggregate indexes repeat and mix with plain ones in order",
		sql:  cubeHead + " AGGREGATE INDEX agg1 (a) INDEX i (b) aggregate  index agg2 (a, b)",
		want: createTableTail{Indexes: []cubeIndex{
			{Name: "agg1", Columns: []string{"a"}, Aggregate: true},
			{Name: "i", Columns: []string{"b"}},
			{Name: "agg2", Columns: []string{"a", "b"}, Aggregate: true},
		}},
	},
	{
		name: "add to partitioned index",
		sql:  cubeHead + " ADD TO PARTITIONED INDEX s.p (a, b)",
		want: createTableTail{PartitionedIndex: &partitioned{"s", "p", []string{"a", "b"}}},
	},
	{
		name: "add to partitioned index, backquoted, unqualified-looking spacing",
		sql:  cubeHead + " ADD TO PARTITIONED INDEX `my s` . `my p`(`my col`)",
		want: createTableTail{PartitionedIndex: &partitioned{"my s", "my p", []string{"my col"}}},
	},
	{
		name: "add to partitioned index without schema",
		sql:  cubeHead + " add to partitioned index p (a)",
		want: createTableTail{PartitionedIndex: &partitioned{"", "p", []string{"a"}}},
	},
	{
		name: "one location",
		sql:  cubeHead + " LOCATION 'a.csv'",
		want: createTableTail{Locations: []string{"a.csv"}},
	},
	{
		name: "locations, both quote styles and escapes",
		sql:  cubeHead + ` LOCATION 'a.csv', "b.csv.gz" ,'it''s.csv', 'dir\\x\'y.csv', "q""q.csv";`,
		want: createTableTail{Locations: []string{"a.csv", "b.csv.gz", "it's.csv", `dir\x'y.csv`, `q"q.csv`}},
	},
	{
		name: "locations holding keywords and parentheses",
		sql:  cubeHead + " LOCATION 'INDEX x (a)', 'UNIQUE KEY (b).csv', ')'",
		want: createTableTail{Locations: []string{"INDEX x (a)", "UNIQUE KEY (b).csv", ")"}},
	},
	{
		name: "all clauses in Cube Store's order",
		sql: cubeHead + " WITH (input_format = 'csv') UNIQUE KEY (a) AGGREGATIONS (sum(b)) INDEX i (a) " +
			"AGGREGATE INDEX ai (a) ADD TO PARTITIONED INDEX s.p (a) LOCATION 'a.csv', 'b.csv'",
		want: allClauses,
	},
	{
		name: "all clauses reversed",
		sql: cubeHead + " LOCATION 'a.csv', 'b.csv' ADD TO PARTITIONED INDEX s.p (a) AGGREGATE INDEX ai (a) " +
			"INDEX i (a) AGGREGATIONS (sum(b)) UNIQUE KEY (a) WITH (input_format = 'csv')",
		want: allClausesIndexesReversed,
	},
	{
		name: "all clauses shuffled, odd case, newlines and comments everywhere",
		sql: cubeHead + "\n  unique /* between */ KEY(a)\n  Index i(a) -- line comment ( ) LOCATION 'no.csv'\n" +
			"  lOcAtIoN 'a.csv' , # hash comment\n 'b.csv'\n  AGGREGATE\nINDEX ai (a)\n" +
			"  aggregations(SUM( b ))\n  Add\tTo Partitioned Index s . p ( a )\n  With(INPUT_FORMAT='csv')\n;\n",
		want: allClauses,
	},
	{
		name: "MySQL's in-list INDEX stays in the head",
		sql:  "CREATE TABLE t (a int, b int, INDEX i (a, b), KEY k (b)) INDEX j (b)",
		head: "CREATE TABLE t (a int, b int, INDEX i (a, b), KEY k (b))",
		cols: []string{"a", "b"},
		want: createTableTail{Indexes: []cubeIndex{{Name: "j", Columns: []string{"b"}}}},
	},
	{
		name: "parentheses in strings, comments and quoted names of the column list",
		sql: "CREATE TABLE IF NOT EXISTS `s`.`t` (\n" +
			"  a varchar(10) COMMENT 'has ) and LOCATION ''x'' \\' )', -- ) line\n" +
			"  `weird)name` int, # ) hash\n" +
			"  `a``b` decimal(18, 5) /* ) block */, c text COMMENT \"\\\" )\"\n" +
			") LOCATION 'y.csv'",
		head: "CREATE TABLE IF NOT EXISTS `s`.`t` (\n" +
			"  a varchar(10) COMMENT 'has ) and LOCATION ''x'' \\' )', -- ) line\n" +
			"  `weird)name` int, # ) hash\n" +
			"  `a``b` decimal(18, 5) /* ) block */, c text COMMENT \"\\\" )\"\n" +
			")",
		cols: []string{"a", "weird)name", "a`b", "c"},
		want: createTableTail{Locations: []string{"y.csv"}},
	},
	{
		name: "leading comment, temporary table, odd case",
		sql:  "/* hi ( */ -- (\n cReAtE temporary TaBlE t (a int) index i (a)",
		head: "/* hi ( */ -- (\n cReAtE temporary TaBlE t (a int)",
		cols: []string{"a"},
		want: createTableTail{Indexes: []cubeIndex{{Name: "i", Columns: []string{"a"}}}},
	},
	{
		name: "versioned comments: content is code unless the version is later than the server's",
		sql: "CREATE TABLE t (a int /*!80040 , b int */ /*!80041 ) */, c int) /*!50100 LOCATION 'v.csv' */ " +
			"/*!99999 LOCATION 'later.csv' */ /*! INDEX i (a) */",
		head: "CREATE TABLE t (a int /*!80040 , b int */ /*!80041 ) */, c int)",
		cols: []string{"a", "b", "c"},
		want: createTableTail{
			Locations: []string{"v.csv"},
			Indexes:   []cubeIndex{{Name: "i", Columns: []string{"a"}}},
		},
	},
	{
		name: "non-ASCII names, bare in the tail",
		sql:  "CREATE TABLE t (`ñame` int) INDEX índice (ñame)",
		head: "CREATE TABLE t (`ñame` int)",
		cols: []string{"ñame"},
		want: createTableTail{Indexes: []cubeIndex{{Name: "índice", Columns: []string{"ñame"}}}},
	},
}

var allClauses = createTableTail{
	With:         map[string]string{"input_format": "csv"},
	UniqueKey:    []string{"a"},
	Aggregations: []cubeAggregation{{"sum", "b"}},
	Indexes: []cubeIndex{
		{Name: "i", Columns: []string{"a"}},
		{Name: "ai", Columns: []string{"a"}, Aggregate: true},
	},
	PartitionedIndex: &partitioned{"s", "p", []string{"a"}},
	Locations:        []string{"a.csv", "b.csv"},
}

var allClausesIndexesReversed = func() createTableTail {
	t := allClauses
	t.Indexes = []cubeIndex{allClauses.Indexes[1], allClauses.Indexes[0]}
	return t
}()

func TestCubeDDLSplit(t *testing.T) {
	vt, err := sqlparser.New(sqlparser.Options{MySQLServerVersion: "8.0.40"})
	require.NoError(t, err)
	for _, tc := range cubeValidCases {
		t.Run(tc.name, func(t *testing.T) {
			wantHead, wantCols := tc.head, tc.cols
			if wantHead == "" {
				wantHead, wantCols = cubeHead, cubeHeadCols
			}
			head, tail, ok, err := splitCreateTable(tc.sql)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, wantHead, head)
			require.NotNil(t, tail)
			assert.Equal(t, tc.want, *tail)

			// The head is what vitess gets: it must parse strictly and hold the whole column list.
			stmt, err := vt.ParseStrictDDL(head)
			require.NoError(t, err, "vitess on head %q", head)
			ct, isCreate := stmt.(*sqlparser.CreateTable)
			require.True(t, isCreate, "vitess read %T", stmt)
			var cols []string
			for _, c := range ct.TableSpec.Columns {
				cols = append(cols, c.Name.String())
			}
			assert.Equal(t, wantCols, cols)
		})
	}
}

func TestCubeDDLInListIndexReachesVitess(t *testing.T) {
	head, _, ok, err := splitCreateTable("CREATE TABLE t (a int, b int, INDEX i (a, b)) INDEX j (b)")
	require.NoError(t, err)
	require.True(t, ok)
	stmt, err := parse(head)
	require.NoError(t, err)
	idx := stmt.(*sqlparser.CreateTable).TableSpec.Indexes
	require.Len(t, idx, 1)
	assert.Equal(t, "i", idx[0].Info.Name.String())
}

// The lexer's server version for /*!NNNNN */ comments must be parse's: otherwise the head would end where vitess
// does not expect it.
func TestCubeDDLVersionedCommentsMatchVitess(t *testing.T) {
	head, _, ok, err := splitCreateTable("CREATE TABLE t (a int /*!" + cubeCommentVersion + " , b int */ /*!" +
		"99999 ) */, c int) INDEX i (a)")
	require.NoError(t, err)
	require.True(t, ok)
	stmt, err := parse(head)
	require.NoError(t, err)
	var cols []string
	for _, c := range stmt.(*sqlparser.CreateTable).TableSpec.Columns {
		cols = append(cols, c.Name.String())
	}
	assert.Equal(t, []string{"a", "b", "c"}, cols)

	// One version past the server's is skipped by both.
	v, err := strconv.Atoi(cubeCommentVersion)
	require.NoError(t, err)
	later := fmt.Sprintf("%05d", v+1)
	stmt, err = parse("CREATE TABLE t (a int /*!" + later + " , b int */)")
	require.NoError(t, err)
	assert.Len(t, stmt.(*sqlparser.CreateTable).TableSpec.Columns, 1, "parse.go's server version moved: update cubeCommentVersion")
}

func TestCubeDDLNotCreateTable(t *testing.T) {
	for _, sql := range []string{
		"",
		"   ",
		"SELECT 1",
		"CREATE SCHEMA s",
		"CREATE INDEX i ON s.t (a)",
		"CREATE PARTITIONED INDEX s.p (a int)",
		"CREATE TABLE t",
		"CREATE TABLE t LIKE s",
		"CREATE TABLE t AS SELECT f(x) FROM y",
		"CREATE TABLE t SELECT (1)",
		"CREATE TABLE IF EXISTS t (a int)",
		"CREATE TABLE a.b.c (a int)",
		"CREATE TABLE 't' (a int)",
		"CREATE TABLE 123 (a int)",
		"DROP TABLE t",
		"/* unterminated",
		"CREATE 'unterminated",
		"INSERT INTO t (a) VALUES (1)",
	} {
		t.Run(sql, func(t *testing.T) {
			head, tail, ok, err := splitCreateTable(sql)
			assert.NoError(t, err)
			assert.False(t, ok)
			assert.Empty(t, head)
			assert.Nil(t, tail)
		})
	}
}

func TestCubeDDLErrors(t *testing.T) {
	long := strings.Repeat("x", 100)
	for _, tc := range []struct {
		name, sql string
		want      string // a part of the message
	}{
		{"unknown clause", "CREATE TABLE s.t (a int) LOCATON 'a.csv'",
			"You have an error in your SQL syntax near 'LOCATON 'a.csv'' at position 26: expected WITH, UNIQUE KEY, " +
				"AGGREGATIONS, INDEX, AGGREGATE INDEX, ADD TO PARTITIONED INDEX, LOCATION or the end of the statement"},
		{"position counts characters", "CREATE TABLE t (`é` int) Bad", "near 'Bad' at position 26:"},
		{"near is cut at 80 characters", "CREATE TABLE t (a int) " + long, "near '" + long[:80] + "' at position 24"},
		{"MySQL table option", "CREATE TABLE t (a int) ENGINE=InnoDB", "near 'ENGINE=InnoDB'"},
		{"create ... select", "CREATE TABLE t (a int) SELECT 1", "near 'SELECT 1'"},
		{"keyword as a string", "CREATE TABLE t (a int) 'LOCATION' 'a.csv'", "near ''LOCATION' 'a.csv''"},
		{"backquoted keyword", "CREATE TABLE t (a int) `LOCATION` 'a.csv'", "near '`LOCATION` 'a.csv''"},

		{"unique key without parentheses", "CREATE TABLE t (a int) UNIQUE KEY a", "near 'a' at position 35: expected '(' after UNIQUE KEY"},
		{"unique without key", "CREATE TABLE t (a int) UNIQUE (a)", "expected KEY"},
		{"unique key with a name", "CREATE TABLE t (a int) UNIQUE KEY k (a)", "near 'k (a)'"},
		{"unique key empty", "CREATE TABLE t (a int) UNIQUE KEY ()", "near ')' at position 36: expected a column name in UNIQUE KEY"},
		{"unique key unclosed", "CREATE TABLE t (a int) UNIQUE KEY (a", "near '' at position 37: expected ',' or ')' in UNIQUE KEY"},
		{"unique key trailing comma", "CREATE TABLE t (a int) UNIQUE KEY (a,)", "expected a column name in UNIQUE KEY"},
		{"unique key qualified column", "CREATE TABLE t (a int) UNIQUE KEY (t.a)", "near '.a)'"},
		{"unique key double-quoted column", `CREATE TABLE t (a int) UNIQUE KEY ("a")`, "expected a column name"},
		{"unique key numeric column", "CREATE TABLE t (a int) UNIQUE KEY (1)", "expected a column name"},
		{"index without parentheses", "CREATE TABLE t (a int) INDEX i a", "expected '(' after INDEX i"},
		{"index without a name", "CREATE TABLE t (a int) INDEX (a)", "near '(a)' at position 30: expected a name after INDEX"},
		{"index empty", "CREATE TABLE t (a int) INDEX i ()", "expected a column name in INDEX i"},
		{"index unclosed", "CREATE TABLE t (a int) INDEX i (a, b", "expected ',' or ')' in INDEX i"},
		{"aggregate without index", "CREATE TABLE t (a int) AGGREGATE i (a)", "near 'i (a)' at position 34: expected INDEX"},
		{"aggregations without parentheses", "CREATE TABLE t (a int) AGGREGATIONS sum(a)", "expected '(' after AGGREGATIONS"},
		{"aggregations empty", "CREATE TABLE t (a int) AGGREGATIONS ()", "expected sum, min, max or merge"},
		{"aggregation count", "CREATE TABLE t (a int) AGGREGATIONS (count(a))", "near 'count(a))' at position 38: expected sum, min, max or merge"},
		{"aggregation without column", "CREATE TABLE t (a int) AGGREGATIONS (sum())", "expected a column name in sum(...)"},
		{"aggregation without parentheses", "CREATE TABLE t (a int) AGGREGATIONS (sum a)", "expected '(' after sum"},
		{"aggregation of two columns", "CREATE TABLE t (a int) AGGREGATIONS (sum(a, b))", "expected ')' after sum's column"},
		{"with without parentheses", "CREATE TABLE t (a int) WITH input_format = 'csv'", "expected '(' after WITH"},
		{"with empty", "CREATE TABLE t (a int) WITH ()", "expected an option name in WITH"},
		{"with without value", "CREATE TABLE t (a int) WITH (delimiter = )", "near ')' at position 42: expected a value for option delimiter"},
		{"with without equals", "CREATE TABLE t (a int) WITH (delimiter 'tab')", "expected '=' after option delimiter"},
		{"with key twice", "CREATE TABLE t (a int) WITH (delimiter = ',', DELIMITER = 'tab')", "near 'DELIMITER = 'tab')' at position 47: option delimiter is given twice"},
		{"with sign apart", "CREATE TABLE t (a int) WITH (n = - 1)", "expected a value for option n"},
		{"with unclosed", "CREATE TABLE t (a int) WITH (n = 1", "expected ',' or ')' in WITH"},
		{"partitioned without to", "CREATE TABLE t (a int) ADD PARTITIONED INDEX s.p (a)", "expected TO"},
		{"partitioned without partitioned", "CREATE TABLE t (a int) ADD TO INDEX s.p (a)", "expected PARTITIONED"},
		{"partitioned without a name", "CREATE TABLE t (a int) ADD TO PARTITIONED INDEX (a)", "expected a partitioned index name"},
		{"partitioned without parentheses", "CREATE TABLE t (a int) ADD TO PARTITIONED INDEX s.p a", "expected '(' after ADD TO PARTITIONED INDEX p"},
		{"partitioned half a name", "CREATE TABLE t (a int) ADD TO PARTITIONED INDEX s. (a)", "expected a partitioned index name after 's.'"},

		{"duplicate with", "CREATE TABLE t (a int) WITH (a = 1) WITH (b = 2)", "near 'WITH (b = 2)' at position 37: WITH may appear only once"},
		{"duplicate unique key", "CREATE TABLE t (a int) UNIQUE KEY (a) unique key (a)", "UNIQUE KEY may appear only once"},
		{"duplicate aggregations", "CREATE TABLE t (a int) AGGREGATIONS (sum(a)) AGGREGATIONS (max(a))", "AGGREGATIONS may appear only once"},
		{"duplicate partitioned index", "CREATE TABLE t (a int) ADD TO PARTITIONED INDEX p (a) ADD TO PARTITIONED INDEX q (a)", "ADD TO PARTITIONED INDEX may appear only once"},
		{"duplicate location", "CREATE TABLE t (a int) LOCATION 'a.csv' LOCATION 'b.csv'", "LOCATION may appear only once"},

		{"empty location", "CREATE TABLE t (a int) LOCATION", "near '' at position 32: expected a quoted file name in LOCATION"},
		{"empty location before semicolon", "CREATE TABLE t (a int) LOCATION ;", "near ';' at position 33: expected a quoted file name"},
		{"empty file name", "CREATE TABLE t (a int) LOCATION ''", "a LOCATION file name may not be empty"},
		{"location trailing comma", "CREATE TABLE t (a int) LOCATION 'a.csv',", "expected a quoted file name in LOCATION"},
		{"location bare word", "CREATE TABLE t (a int) LOCATION a.csv", "expected a quoted file name in LOCATION"},
		{"location adjacent strings", "CREATE TABLE t (a int) LOCATION 'a' 'b'", "near ''b'' at position 37: expected WITH"},
		{"location parenthesized", "CREATE TABLE t (a int) LOCATION ('a.csv')", "expected a quoted file name"},

		{"trailing garbage", "CREATE TABLE t (a int) LOCATION 'a.csv' garbage", "near 'garbage' at position 41"},
		{"trailing parenthesis", "CREATE TABLE t (a int) INDEX i (a))", "near ')' at position 35"},
		{"second statement", "CREATE TABLE t (a int); SELECT 1", "near 'SELECT 1' at position 25: nothing may follow ';'"},
		{"two semicolons", "CREATE TABLE t (a int);;", "nothing may follow ';'"},

		{"unterminated string in tail", "CREATE TABLE t (a int) LOCATION 'a.csv", "near ''a.csv' at position 33: unterminated string"},
		{"string ending in a backslash", `CREATE TABLE t (a int) LOCATION 'a.csv\'`, "unterminated string"},
		{"unterminated double-quoted string", `CREATE TABLE t (a int) LOCATION "a.csv`, "unterminated string"},
		{"unterminated string in column list", "CREATE TABLE t (a varchar(3) COMMENT 'x)) LOCATION 'a'", "near ''' at position 54: unterminated string"},
		{"unterminated backquote", "CREATE TABLE t (a int) INDEX `i (a)", "near '`i (a)' at position 30: unterminated quoted identifier"},
		{"unterminated backquoted table name", "CREATE TABLE `t (a int)", "unterminated quoted identifier"},
		{"unterminated comment", "CREATE TABLE t (a int) /* LOCATION 'a.csv'", "near '/* LOCATION 'a.csv'' at position 24: unterminated comment"},
		{"unterminated versioned comment", "CREATE TABLE t (a int) /*! LOCATION 'a.csv'", "unterminated comment"},
		{"unterminated skipped versioned comment", "CREATE TABLE t (a int) /*!99999 LOCATION 'a.csv'", "unterminated comment"},
		{"unterminated comment nested in a skipped one", "CREATE TABLE t (a int) /*!99999 /* x", "unterminated comment"},
		{"short version is content", "CREATE TABLE t (a int) /*!9999 LOCATION 'a.csv' */", "near '9999 LOCATION 'a.csv' */' at position 27: expected WITH"},
		{"unclosed column list", "CREATE TABLE t (a int LOCATION 'x'", "near '' at position 35: the column list opened at position 16 is not closed"},
		{"unclosed column list with an index", "CREATE TABLE t (a int, INDEX i (a) LOCATION 'x'", "is not closed"},
		{"column list ends in a versioned comment", "CREATE TABLE t (a int /*! ) */", "may not end inside a /*! ... */ comment"},
		{"double slash", "CREATE TABLE t (a int, b int // , c int\n)", "near '// , c int\n)' at position 30: '//' does not start a comment"},
		{"double slash in tail", "CREATE TABLE t (a int) // LOCATION 'a'", "'//' does not start a comment"},
		{"double dash without a blank", "CREATE TABLE t (a int) --LOCATION 'a'", "near '--LOCATION 'a''"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head, tail, ok, err := splitCreateTable(tc.sql)
			require.Error(t, err)
			assert.True(t, ok, "an error comes only with ok")
			assert.Empty(t, head)
			assert.Nil(t, tail)
			var se *sqlerror.SQLError
			require.True(t, errors.As(err, &se), "%T", err)
			assert.Equal(t, sqlerr.Parse, se.Number())
			assert.Equal(t, "42000", se.SQLState())
			assert.Contains(t, se.Message, tc.want)
		})
	}
}

func FuzzSplitCreateTable(f *testing.F) {
	for _, tc := range cubeValidCases {
		f.Add(tc.sql)
	}
	for _, s := range []string{
		"CREATE TABLE t (a int) /*!80040 LOCATION 'a' */",
		"CREATE TABLE t (a int /*! ) */",
		"CREATE TABLE t (a int) WITH (n = -1.5e3)",
		"CREATE TABLE t (a int) LOCATION 'a\\",
		"CREATE TABLE t (a int) --",
		"create table `a``b`.`c` ((()))",
		"CREATE TABLE t (a int) /*!99999 /* */ x */ ;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		head, tail, ok, err := splitCreateTable(sql)
		if err != nil {
			var se *sqlerror.SQLError
			if !ok || !errors.As(err, &se) || se.Number() != sqlerr.Parse {
				t.Fatalf("error %v (%T) with ok %v: want a 1064 with ok", err, err, ok)
			}
			return
		}
		if !ok {
			if head != "" || tail != nil {
				t.Fatalf("not ok but head %q, tail %+v", head, tail)
			}
			return
		}
		if tail == nil || !strings.HasPrefix(sql, head) || !strings.HasSuffix(head, ")") {
			t.Fatalf("head %q of %q, tail %+v", head, sql, tail)
		}
		// The head alone splits to itself with nothing after it: the scan found the same closing parenthesis.
		head2, tail2, ok2, err2 := splitCreateTable(head)
		if err2 != nil || !ok2 || head2 != head || !tailIsEmpty(tail2) {
			t.Fatalf("head %q splits again to %q, %+v, %v, %v", head, head2, tail2, ok2, err2)
		}
	})
}

func tailIsEmpty(t *createTableTail) bool {
	return t != nil && t.With == nil && t.UniqueKey == nil && t.Aggregations == nil && t.Indexes == nil &&
		t.PartitionedIndex == nil && t.Locations == nil
}
