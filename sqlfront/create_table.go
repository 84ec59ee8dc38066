package sqlfront

import (
	"context"
	"errors"
	"slices"
	"strings"

	"vitess.io/vitess/go/mysql/sqlerror"
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
)

// Errors of index definitions, numbered as MySQL numbers them.
const (
	errDupKeyName  = sqlerror.ErrorCode(1061) // ER_DUP_KEYNAME
	errKeyColumn   = sqlerror.ErrorCode(1072) // ER_KEY_COLUMN_DOES_NOT_EXITS
	errFileMissing = sqlerror.ErrorCode(1017) // ER_FILE_NOT_FOUND
)

// DefaultImportBatchRows is how many rows an import gathers before it sorts and writes them as chunks; with the
// set being written, about twice that many rows are in memory whatever the files' size.
const DefaultImportBatchRows = 1 << 19

func (e *Engine) importRows() int64 {
	if e.cfg.ImportBatchRows > 0 {
		return int64(e.cfg.ImportBatchRows)
	}
	return DefaultImportBatchRows
}

// createTable handles CREATE TABLE in MySQL's form and in Cube Store's (the clauses after the column list come
// in tail): the default index (every column in declared order) always exists; INDEX and AGGREGATE INDEX add
// sorted copies; LOCATION imports files. The table and all its imported data are committed in one transaction.
func (e *Engine) createTable(ctx context.Context, sess *Session, s *sqlparser.CreateTable, tail *createTableTail) (*Result, error) {
	if tail == nil {
		tail = &createTableTail{}
	}
	t, err := tableDefinition(sess, s, tail)
	if err != nil {
		return nil, err
	}
	snap := e.cfg.Catalog.Snapshot()
	if _, ok := snap.Schema(t.Schema); !ok {
		return nil, sqlerr.New(sqlerr.BadDB, "Unknown database '%s'", t.Schema)
	}
	if _, exists := snap.Table(t.Schema, t.Name); exists {
		if s.IfNotExists {
			return &Result{}, nil
		}
		return nil, sqlerr.New(sqlerr.TableExists, "Table '%s' already exists", t.Name)
	}
	var w *chunkWriter
	var rows int64
	if len(tail.Locations) > 0 {
		first, err := e.cfg.Catalog.AllocateIDs(ctx, 1+len(t.Indexes))
		if err != nil {
			return nil, err
		}
		t.ID = first
		for i := range t.Indexes {
			t.Indexes[i].ID = first + 1 + uint64(i)
		}
		if w, rows, err = e.importLocations(ctx, t, tail); err != nil {
			if w != nil {
				w.discard()
			}
			return nil, err
		}
	}
	var chunks []etcdmeta.Chunk
	if w != nil {
		chunks = w.chunks
	}
	if _, err := e.cfg.Catalog.CreateTableWithChunks(ctx, t, chunks); err != nil {
		definite := errors.Is(err, etcdmeta.ErrTableExists) || errors.Is(err, etcdmeta.ErrSchemaNotFound)
		if w != nil && definite {
			w.discard()
		}
		switch {
		case errors.Is(err, etcdmeta.ErrTableExists):
			if s.IfNotExists {
				return &Result{}, nil
			}
			return nil, sqlerr.New(sqlerr.TableExists, "Table '%s' already exists", t.Name)
		case errors.Is(err, etcdmeta.ErrSchemaNotFound):
			return nil, sqlerr.New(sqlerr.BadDB, "Unknown database '%s'", t.Schema)
		}
		return nil, err
	}
	return &Result{AffectedRows: rows}, nil
}

// tableDefinition checks a CREATE TABLE and turns it into the catalog's table definition.
func tableDefinition(sess *Session, s *sqlparser.CreateTable, tail *createTableTail) (etcdmeta.Table, error) {
	var t etcdmeta.Table
	schema, name, err := tableName(sess, s.Table)
	if err != nil {
		return t, err
	}
	if err := checkName("table", name); err != nil {
		return t, err
	}
	switch {
	case s.Temp:
		return t, notSupported("CREATE TEMPORARY TABLE")
	case s.OptLike != nil:
		return t, notSupported("CREATE TABLE ... LIKE")
	case s.Select != nil:
		return t, notSupported("CREATE TABLE ... SELECT")
	case s.TableSpec == nil || len(s.TableSpec.Columns) == 0:
		return t, sqlerr.New(sqlerr.TableMustHaveCols, "A table must have at least 1 column")
	case len(s.TableSpec.Constraints) > 0:
		return t, notSupported("constraints in CREATE TABLE")
	case s.TableSpec.PartitionOption != nil:
		return t, notSupported("PARTITION BY")
	case tail.PartitionedIndex != nil:
		return t, notSupported("ADD TO PARTITIONED INDEX")
	}
	t = etcdmeta.Table{Schema: schema, Name: name}
	byName := map[string]etcdmeta.Column{}
	var all []string
	for _, cd := range s.TableSpec.Columns {
		col, err := columnDefinition(cd)
		if err != nil {
			return t, err
		}
		lower := strings.ToLower(col.Name)
		if ct, ok := tail.CustomTypes[lower]; ok {
			col.Custom = &ct
		}
		if _, dup := byName[lower]; dup {
			return t, sqlerr.New(sqlerr.DupFieldName, "Duplicate column name '%s'", col.Name)
		}
		byName[lower] = col
		t.Columns = append(t.Columns, col)
		all = append(all, col.Name)
	}
	column := func(name, what string) (etcdmeta.Column, error) {
		c, ok := byName[strings.ToLower(name)]
		if !ok {
			return c, sqlerr.New(errKeyColumn, "Key column '%s' doesn't exist in table", name)
		}
		return c, nil
	}
	// AGGREGATIONS: how columns roll up in aggregate indexes.
	aggregated := map[string]bool{}
	for _, a := range tail.Aggregations {
		c, err := column(a.Column, "AGGREGATIONS")
		if err != nil {
			return t, err
		}
		switch a.Func {
		case "sum", "min", "max":
		default:
			return t, notSupported("AGGREGATIONS function " + a.Func)
		}
		typ, _ := sqltype.Parse(c.Type)
		if a.Func == "sum" && !typ.IsNumeric() {
			return t, sqlerr.New(sqlerr.WrongUsage, "AGGREGATIONS sum(%s): column %s is %s, not a number", a.Column, c.Name, c.Type)
		}
		if aggregated[c.Name] {
			return t, sqlerr.New(sqlerr.WrongUsage, "AGGREGATIONS names column %s twice", c.Name)
		}
		aggregated[c.Name] = true
		t.Aggregations = append(t.Aggregations, etcdmeta.Aggregation{Func: a.Func, Column: c.Name})
	}
	// UNIQUE KEY: the default index sorts by the key first, so that the rows of one key meet in every merge.
	for _, cn := range tail.UniqueKey {
		c, err := column(cn, "UNIQUE KEY")
		if err != nil {
			return t, err
		}
		if slices.Contains(t.UniqueKey, c.Name) {
			return t, sqlerr.New(sqlerr.DupFieldName, "Duplicate column name '%s' in UNIQUE KEY", c.Name)
		}
		t.UniqueKey = append(t.UniqueKey, c.Name)
	}
	if len(t.UniqueKey) > 0 {
		// As in a PRIMARY KEY, the key's columns hold no NULL: every row has a key to be replaced by.
		for i := range t.Columns {
			if slices.Contains(t.UniqueKey, t.Columns[i].Name) {
				t.Columns[i].NotNull = true
			}
		}
		if seq, ok := byName[strings.ToLower(SeqColumn)]; ok {
			if typ, _ := sqltype.Parse(seq.Type); typ.Kind != sqltype.KindInt {
				return t, sqlerr.New(sqlerr.WrongUsage, "column %s orders the writes of a UNIQUE KEY table and must be an integer, not %s", seq.Name, seq.Type)
			}
		}
		key := append([]string(nil), t.UniqueKey...)
		for _, c := range all {
			if !slices.Contains(key, c) {
				key = append(key, c)
			}
		}
		all = key
	}
	t.Indexes = []etcdmeta.Index{{Name: "default", Columns: all}}
	addIndex := func(name string, cols []string, aggregate bool) error {
		for _, ix := range t.Indexes {
			if strings.EqualFold(ix.Name, name) {
				return sqlerr.New(errDupKeyName, "Duplicate key name '%s'", name)
			}
		}
		ix := etcdmeta.Index{Name: name, Aggregate: aggregate}
		for _, cn := range cols {
			c, err := column(cn, "INDEX")
			if err != nil {
				return err
			}
			if aggregate && aggregated[c.Name] {
				return sqlerr.New(sqlerr.WrongUsage, "AGGREGATE INDEX %s: %s is an AGGREGATIONS column and cannot be part of the key", name, c.Name)
			}
			ix.Columns = append(ix.Columns, c.Name)
		}
		if aggregate && len(t.Aggregations) == 0 {
			return sqlerr.New(sqlerr.WrongUsage, "AGGREGATE INDEX %s needs the table's AGGREGATIONS clause", name)
		}
		if err := checkUniqueIndex(t, ix); err != nil {
			return err
		}
		t.Indexes = append(t.Indexes, ix)
		return nil
	}
	for _, idx := range s.TableSpec.Indexes {
		if idx.Info.Type != sqlparser.IndexTypeDefault {
			return t, notSupported(indexKind(idx.Info.Type) + " keys")
		}
		var cols []string
		for _, c := range idx.Columns {
			if c.Expression != nil || c.Length != nil {
				return t, notSupported("index expressions and prefix lengths")
			}
			cols = append(cols, c.Column.String())
		}
		name := idx.Info.Name.String()
		if name == "" {
			name = cols[0]
		}
		if err := addIndex(name, cols, false); err != nil {
			return t, err
		}
	}
	for _, ix := range tail.Indexes {
		if err := addIndex(ix.Name, ix.Columns, ix.Aggregate); err != nil {
			return t, err
		}
	}
	t.Locations = tail.Locations
	return t, nil
}

// alterTable supports the one ALTER vcube has: CREATE INDEX (which vitess reads as ALTER TABLE ... ADD INDEX),
// on a table that holds no data yet.
func (e *Engine) alterTable(ctx context.Context, sess *Session, s *sqlparser.AlterTable) (*Result, error) {
	if len(s.AlterOptions) != 1 || s.PartitionSpec != nil || s.PartitionOption != nil {
		return nil, notSupported("ALTER TABLE")
	}
	add, ok := s.AlterOptions[0].(*sqlparser.AddIndexDefinition)
	if !ok {
		return nil, notSupported("ALTER TABLE")
	}
	def := add.IndexDefinition
	if def.Info.Type != sqlparser.IndexTypeDefault {
		return nil, notSupported(indexKind(def.Info.Type) + " keys")
	}
	schema, name, err := tableName(sess, s.Table)
	if err != nil {
		return nil, err
	}
	t, ok := e.cfg.Catalog.Snapshot().Table(schema, name)
	if !ok {
		return nil, sqlerr.New(sqlerr.NoSuchTable, "Table '%s.%s' doesn't exist", schema, name)
	}
	ix := etcdmeta.Index{Name: def.Info.Name.String()}
	for _, c := range def.Columns {
		if c.Expression != nil || c.Length != nil {
			return nil, notSupported("index expressions and prefix lengths")
		}
		found := ""
		for _, tc := range t.Columns {
			if strings.EqualFold(tc.Name, c.Column.String()) {
				found = tc.Name
			}
		}
		if found == "" {
			return nil, sqlerr.New(errKeyColumn, "Key column '%s' doesn't exist in table", c.Column.String())
		}
		ix.Columns = append(ix.Columns, found)
	}
	if ix.Name == "" {
		ix.Name = ix.Columns[0]
	}
	if err := checkUniqueIndex(t, ix); err != nil {
		return nil, err
	}
	for _, x := range t.Indexes {
		if strings.EqualFold(x.Name, ix.Name) {
			return nil, sqlerr.New(errDupKeyName, "Duplicate key name '%s'", ix.Name)
		}
	}
	if _, err := e.cfg.Catalog.AddIndex(ctx, schema, name, ix); err != nil {
		switch {
		case errors.Is(err, etcdmeta.ErrTableHasData):
			return nil, sqlerr.New(sqlerr.WrongUsage, "Can't create index %s on %s.%s: the table has data; indexes are built when data arrives, so create them before loading", ix.Name, schema, name)
		case errors.Is(err, etcdmeta.ErrIndexExists):
			return nil, sqlerr.New(errDupKeyName, "Duplicate key name '%s'", ix.Name)
		case isTableGone(err):
			return nil, sqlerr.New(sqlerr.NoSuchTable, "Table '%s.%s' doesn't exist", schema, name)
		}
		return nil, err
	}
	return &Result{}, nil
}

// SeqColumn is the column that, when a UNIQUE KEY table has it, orders the writes: of two rows with one key, the
// one with the greater __seq is kept, whatever order they arrived in.
const SeqColumn = "__seq"

// checkUniqueIndex checks an index of a table with a UNIQUE KEY: its key must start with the unique key's
// columns (in any order), which is what lets a merge meet every row of one key; and it cannot roll rows up,
// since a replaced row's contribution could not be taken back out of a sum.
func checkUniqueIndex(t etcdmeta.Table, ix etcdmeta.Index) error {
	if len(t.UniqueKey) == 0 {
		return nil
	}
	if ix.Aggregate {
		return sqlerr.New(sqlerr.NotSupportedYet, "AGGREGATE INDEX %s on a table with a UNIQUE KEY: a replaced row cannot be taken out of a roll-up", ix.Name)
	}
	n := len(t.UniqueKey)
	prefix := ix.Columns[:min(n, len(ix.Columns))]
	for _, c := range t.UniqueKey {
		if !slices.Contains(prefix, c) {
			return sqlerr.New(sqlerr.WrongUsage, "INDEX %s of a table with UNIQUE KEY (%s) must start with the unique key's columns",
				ix.Name, strings.Join(t.UniqueKey, ", "))
		}
	}
	return nil
}

func indexKind(t sqlparser.IndexType) string {
	switch t {
	case sqlparser.IndexTypePrimary:
		return "PRIMARY"
	case sqlparser.IndexTypeUnique:
		return "UNIQUE"
	case sqlparser.IndexTypeFullText:
		return "FULLTEXT"
	case sqlparser.IndexTypeSpatial:
		return "SPATIAL"
	}
	return "INDEX"
}
