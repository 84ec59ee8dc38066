package sqlfront

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"vitess.io/vitess/go/mysql/sqlerror"
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// maxIdentifier is MySQL's limit on schema, table and column names, in characters.
const maxIdentifier = 64

func checkName(kind string, name string) error {
	switch {
	case utf8.RuneCountInString(name) > maxIdentifier:
		return sqlerr.New(sqlerr.TooLongIdent, "Identifier name '%s' is too long", name)
	case name == "" || strings.HasSuffix(name, " "):
		switch kind {
		case "schema":
			return sqlerr.New(sqlerr.WrongDBName, "Incorrect database name '%s'", name)
		case "table":
			return sqlerr.New(sqlerr.WrongTableName, "Incorrect table name '%s'", name)
		}
		return sqlerr.New(sqlerr.WrongColumnName, "Incorrect column name '%s'", name)
	}
	return nil
}

func (e *Engine) createSchema(ctx context.Context, s *sqlparser.CreateDatabase) (*Result, error) {
	name := s.DBName.String()
	if err := checkName("schema", name); err != nil {
		return nil, err
	}
	if strings.EqualFold(name, "system") || strings.EqualFold(name, "information_schema") {
		return nil, sqlerr.New(sqlerr.WrongDBName, "Incorrect database name '%s': the name is reserved for system tables", name)
	}
	if _, err := e.cfg.Catalog.CreateSchema(ctx, name); err != nil {
		if errors.Is(err, etcdmeta.ErrSchemaExists) {
			if s.IfNotExists {
				return &Result{}, nil
			}
			return nil, sqlerr.New(sqlerr.DBCreateExists, "Can't create database '%s'; database exists", name)
		}
		return nil, err
	}
	return &Result{AffectedRows: 1}, nil
}

func (e *Engine) dropSchema(ctx context.Context, s *sqlparser.DropDatabase) (*Result, error) {
	name := s.DBName.String()
	tables := len(e.cfg.Catalog.Snapshot().Tables(name))
	chunks, err := e.cfg.Catalog.DropSchema(ctx, name)
	if err != nil {
		if errors.Is(err, etcdmeta.ErrSchemaNotFound) {
			if s.IfExists {
				return &Result{}, nil
			}
			return nil, sqlerr.New(sqlerr.DBDropExists, "Can't drop database '%s'; database doesn't exist", name)
		}
		return nil, err
	}
	e.removeFiles(chunks)
	return &Result{AffectedRows: int64(tables)}, nil
}

// removeFiles deletes the files of dropped chunks once no query reads them. A failure leaves orphans, which the
// next start-up removes: the catalog no longer points to them either way.
func (e *Engine) removeFiles(chunks []etcdmeta.Chunk) {
	if len(chunks) == 0 {
		return
	}
	paths := make([]string, len(chunks))
	for i, c := range chunks {
		paths[i] = c.File
	}
	e.files.Lock()
	defer e.files.Unlock()
	_ = e.cfg.Data.Remove(paths)
}

// tableName resolves a possibly unqualified table name against the session's schema.
// describe answers DESCRIBE t and SHOW COLUMNS FROM t with MySQL's columns: Field, Type, Null, Key (PRI for the
// columns of a UNIQUE KEY, which play a primary key's part), Default (vcube has none) and Extra.
// A column pattern (DESCRIBE t col%) keeps the columns whose name it matches, as LIKE does.
func (e *Engine) describe(sess *Session, snap *etcdmeta.Snapshot, tn sqlparser.TableName, pattern string) (*Result, error) {
	var match *regexp.Regexp
	if pattern != "" {
		var re strings.Builder
		re.WriteString("(?is)^")
		for _, r := range pattern {
			switch r {
			case '%':
				re.WriteString(".*")
			case '_':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString("$")
		match = regexp.MustCompile(re.String())
	}
	schema, name, err := tableName(sess, tn)
	if err != nil {
		return nil, err
	}
	t, ok := snap.Table(schema, name)
	if !ok {
		return nil, sqlerr.New(sqlerr.NoSuchTable, "Table '%s.%s' doesn't exist", schema, name)
	}
	var rows [][]string
	for _, c := range t.Columns {
		if match != nil && !match.MatchString(c.Name) {
			continue
		}
		null, key := "YES", ""
		if c.NotNull {
			null = "NO"
		}
		if slices.Contains(t.UniqueKey, c.Name) {
			key = "PRI"
		}
		typ := c.Type
		if c.Custom != nil {
			typ = c.Custom.String() // as declared; information_schema.columns shows the native type it stores
		}
		rows = append(rows, []string{c.Name, typ, null, key, "", ""})
	}
	res := textResult([]string{"Field", "Type", "Null", "Key", "Default", "Extra"}, rows)
	// Default is NULL: vcube has no column defaults. The column is rebuilt all NULL.
	b := res.Batches[0]
	nulls := array.MakeArrayOfNull(memory.DefaultAllocator, arrow.BinaryTypes.String, int(b.NumRows()))
	defer nulls.Release()
	cols := slices.Clone(b.Columns())
	cols[4] = nulls
	res.Batches[0] = array.NewRecordBatch(b.Schema(), cols, b.NumRows())
	b.Release()
	return res, nil
}

func tableName(sess *Session, t sqlparser.TableName) (schema, name string, err error) {
	schema, name = t.Qualifier.String(), t.Name.String()
	if schema == "" {
		if sess.Schema == "" {
			return "", "", sqlerr.New(sqlerr.NoDB, "No database selected")
		}
		schema = sess.Schema
	}
	return schema, name, nil
}

func columnDefinition(cd *sqlparser.ColumnDefinition) (etcdmeta.Column, error) {
	name := cd.Name.String()
	if err := checkName("column", name); err != nil {
		return etcdmeta.Column{}, err
	}
	ct := cd.Type
	var args []int
	if ct.Length != nil {
		args = append(args, *ct.Length)
	}
	if ct.Scale != nil {
		if ct.Length == nil {
			args = append(args, sqltype.DefaultDecimalPrecision)
		}
		args = append(args, *ct.Scale)
	}
	typ, err := declareType(ct.Type, args)
	if err != nil {
		return etcdmeta.Column{}, sqlerr.New(typeErrorCode(err), "%s for column '%s'", err, name)
	}
	if ct.Unsigned {
		return etcdmeta.Column{}, notSupported("UNSIGNED columns")
	}
	col := etcdmeta.Column{Name: name, Type: typ.String()}
	if o := ct.Options; o != nil {
		switch {
		case o.Autoincrement:
			return etcdmeta.Column{}, notSupported("AUTO_INCREMENT")
		case o.Default != nil:
			if _, isNull := o.Default.(*sqlparser.NullVal); !isNull {
				return etcdmeta.Column{}, notSupported("DEFAULT values")
			}
		case o.As != nil:
			return etcdmeta.Column{}, notSupported("generated columns")
		case o.KeyOpt != 0:
			return etcdmeta.Column{}, notSupported("keys in a column definition")
		}
		if o.Null != nil && !*o.Null {
			col.NotNull = true
		}
	}
	return col, nil
}

func declareType(name string, args []int) (sqltype.Type, error) {
	lower := strings.ToLower(name)
	switch lower {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "float", "double", "real":
		// Display widths and FLOAT(M,D) are accepted and ignored, as MySQL 8 does.
		args = nil
	case "char", "varchar", "decimal", "numeric", "dec":
	case "text", "tinytext", "mediumtext", "longtext", "string", "timestamp", "datetime", "boolean", "bool":
		args = nil
	}
	return sqltype.Declare(name, args...)
}

func typeErrorCode(err error) sqlerror.ErrorCode {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "larger than its precision"):
		return sqlerr.MScaleBigger
	case strings.Contains(msg, "precision"):
		return sqlerr.TooBigPrecision
	case strings.Contains(msg, "scale"):
		return sqlerr.TooBigScale
	}
	return sqlerr.Parse
}

func (e *Engine) dropTable(ctx context.Context, sess *Session, s *sqlparser.DropTable) (*Result, error) {
	snap := e.cfg.Catalog.Snapshot()
	type target struct{ schema, name string }
	var targets []target
	var missing []string
	for _, t := range s.FromTables {
		schema, name, err := tableName(sess, t)
		if err != nil {
			return nil, err
		}
		if _, ok := snap.Table(schema, name); !ok {
			missing = append(missing, schema+"."+name)
			continue
		}
		targets = append(targets, target{schema, name})
	}
	if len(missing) > 0 && !s.IfExists {
		return nil, sqlerr.New(sqlerr.UnknownTable, "Unknown table '%s'", strings.Join(missing, ","))
	}
	for _, t := range targets {
		_, chunks, err := e.cfg.Catalog.DropTable(ctx, t.schema, t.name)
		if err != nil {
			if errors.Is(err, etcdmeta.ErrTableNotFound) && s.IfExists {
				continue
			}
			if errors.Is(err, etcdmeta.ErrTableNotFound) || errors.Is(err, etcdmeta.ErrSchemaNotFound) {
				return nil, sqlerr.New(sqlerr.UnknownTable, "Unknown table '%s.%s'", t.schema, t.name)
			}
			return nil, err
		}
		e.removeFiles(chunks)
	}
	return &Result{}, nil
}

func (e *Engine) show(sess *Session, s *sqlparser.Show) (*Result, error) {
	basic, ok := s.Internal.(*sqlparser.ShowBasic)
	if !ok {
		return nil, notSupported("this SHOW statement")
	}
	snap := e.cfg.Catalog.Snapshot()
	if basic.Filter != nil {
		return nil, notSupported("SHOW ... LIKE / WHERE")
	}
	switch basic.Command {
	case sqlparser.Database:
		var rows [][]string
		for _, sc := range snap.Schemas() {
			rows = append(rows, []string{sc.Name})
		}
		return textResult([]string{"Database"}, rows), nil
	case sqlparser.Table:
		schema := basic.DbName.String()
		if schema == "" {
			schema = sess.Schema
		}
		if schema == "" {
			return nil, sqlerr.New(sqlerr.NoDB, "No database selected")
		}
		if _, ok := snap.Schema(schema); !ok {
			return nil, sqlerr.New(sqlerr.BadDB, "Unknown database '%s'", schema)
		}
		var rows [][]string
		for _, t := range snap.Tables(schema) {
			rows = append(rows, []string{t.Name})
		}
		return textResult([]string{"Tables_in_" + schema}, rows), nil
	case sqlparser.Column:
		if basic.Full {
			return nil, notSupported("SHOW FULL COLUMNS")
		}
		tbl := basic.Tbl
		if q := basic.DbName.String(); q != "" {
			tbl.Qualifier = sqlparser.NewIdentifierCS(q)
		}
		return e.describe(sess, snap, tbl, "")
	case sqlparser.Index:
		schema, name, err := tableName(sess, basic.Tbl)
		if err != nil {
			return nil, err
		}
		if q := basic.DbName.String(); q != "" {
			schema = q
		}
		t, ok := snap.Table(schema, name)
		if !ok {
			return nil, sqlerr.New(sqlerr.NoSuchTable, "Table '%s.%s' doesn't exist", schema, name)
		}
		var rows [][]string
		for i, ix := range t.Indexes {
			for j, c := range ix.Columns {
				rows = append(rows, []string{t.Name, ix.Name, strconv.Itoa(j + 1), c, indexType(t, i)})
			}
		}
		return textResult([]string{"Table", "Key_name", "Seq_in_index", "Column_name", "Index_type"}, rows), nil
	}
	return nil, notSupported("this SHOW statement")
}

func notSupported(what string) error {
	return sqlerr.New(sqlerr.NotSupportedYet, "This version of vcube doesn't yet support '%s'", what)
}

// textResult is a result set of TEXT columns.
func textResult(names []string, rows [][]string) *Result {
	fields := make([]planner.Field, len(names))
	afields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = planner.Field{Name: n, Type: sqltype.Text}
		afields[i] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	schema := arrow.NewSchema(afields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		for i, v := range r {
			b.Field(i).(*array.StringBuilder).Append(v)
		}
	}
	return &Result{Fields: fields, Batches: []arrow.RecordBatch{b.NewRecordBatch()}, HasRows: true}
}

func isTableGone(err error) bool {
	return errors.Is(err, etcdmeta.ErrTableNotFound) || errors.Is(err, etcdmeta.ErrSchemaNotFound)
}
