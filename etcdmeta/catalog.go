package etcdmeta

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for the catalog's expected failures; returned errors wrap them with the names involved, so
// callers test with errors.Is and map them to MySQL errors.
var (
	ErrSchemaExists   = errors.New("schema already exists")
	ErrSchemaNotFound = errors.New("schema not found")
	ErrTableExists    = errors.New("table already exists")
	ErrTableNotFound  = errors.New("table not found")
	ErrIndexExists    = errors.New("index already exists")
	// ErrTableHasData: an index can be added only to a table without data.
	ErrTableHasData = errors.New("table has data")
	// ErrChunkNotFound: ReplaceChunks was asked to remove a chunk that is no longer committed, typically
	// because another compaction replaced it first; the caller discards its output.
	ErrChunkNotFound = errors.New("chunk not found")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("etcdmeta: store closed")
)

// Schema is a database, in MySQL's sense.
type Schema struct {
	ID        uint64    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Column is one column of a table. Type is the SQL type as the caller spells it (sqltype.Type.String());
// this package stores it and never interprets it.
type Column struct {
	Name    string `json:"name"`
	Type    string `json:"type"` // the native type the column stores
	NotNull bool   `json:"not_null,omitempty"`
	// Custom is set for a column declared with a plugin's custom type (`price fixed(4)`): its values arrive in
	// the cast's argument type and are stored as Type, the type the cast returns.
	Custom *CustomType `json:"custom,omitempty"`
}

// CustomType is a column type a plugin's cast handles, with the type parameters the column declared.
type CustomType struct {
	Plugin string  `json:"plugin"` // the plugin's name as installed
	Name   string  `json:"name"`   // the type's name, lower case ("fixed")
	Params []int64 `json:"params,omitempty"`
}

// String spells the type as a column declares it: fixed(4).
func (c CustomType) String() string {
	if len(c.Params) == 0 {
		return c.Name
	}
	parts := make([]string, len(c.Params))
	for i, p := range c.Params {
		parts[i] = strconv.FormatInt(p, 10)
	}
	return c.Name + "(" + strings.Join(parts, ",") + ")"
}

// Index is one sorted copy of a table's data. Columns is the sort key, by column name.
type Index struct {
	ID      uint64   `json:"id"`
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	// Aggregate marks an aggregate index: it stores only Columns and the table's Aggregations columns, with
	// rows of equal Columns rolled up into one.
	Aggregate bool `json:"aggregate,omitempty"`
}

// Aggregation is one AGGREGATIONS entry of a table: how Column rolls up in aggregate indexes.
type Aggregation struct {
	Func   string `json:"func"` // "sum", "min" or "max"
	Column string `json:"column"`
}

// Table is a table's definition. Schema and Name identify it in SQL; ID identifies it in chunk keys and files.
type Table struct {
	ID      uint64   `json:"id"`
	Schema  string   `json:"schema"`
	Name    string   `json:"name"`
	Columns []Column `json:"columns"`
	Indexes []Index  `json:"indexes"`
	// Aggregations are the table's AGGREGATIONS clause; Locations the files it was imported from.
	Aggregations []Aggregation `json:"aggregations,omitempty"`
	Locations    []string      `json:"locations,omitempty"`
	// UniqueKey names the columns of the table's UNIQUE KEY: every index keeps one row per key, the last
	// written (or the one with the greatest __seq column).
	UniqueKey []string  `json:"unique_key,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Chunk is one committed data file of one index of a table. File is a path relative to the data directory; the
// storage package owns its meaning.
type Chunk struct {
	ID        uint64    `json:"id"`
	TableID   uint64    `json:"table_id"`
	IndexID   uint64    `json:"index_id"`
	File      string    `json:"file"`
	Rows      int64     `json:"rows"`
	Bytes     int64     `json:"bytes"`
	CreatedAt time.Time `json:"created_at"`
	// Min and Max are each stored column's smallest and largest non-NULL value in the caller's text encoding
	// (nil for a column with only NULLs), so a query can skip the file without opening it.
	Min []*string `json:"min,omitempty"`
	Max []*string `json:"max,omitempty"`
	// Level is 0 for a chunk as written by INSERT or an import, 1 for a partition: the output of compaction,
	// whose keys no other partition of its index overlaps.
	Level int `json:"level,omitempty"`
}

// clone copies the table's slices so a caller holding the copy cannot change a snapshot.
func (t Table) clone() Table {
	t.Columns = append([]Column(nil), t.Columns...)
	idx := make([]Index, len(t.Indexes))
	for i, ix := range t.Indexes {
		ix.Columns = append([]string(nil), ix.Columns...)
		idx[i] = ix
	}
	t.Indexes = idx
	t.Aggregations = append([]Aggregation(nil), t.Aggregations...)
	t.Locations = append([]string(nil), t.Locations...)
	t.UniqueKey = append([]string(nil), t.UniqueKey...)
	return t
}

// validateTable rejects definitions no layer above should send: it keeps the stored catalog self-consistent
// (every index column exists, names are unique) whatever the caller checked.
func validateTable(t Table) error {
	if t.Schema == "" || t.Name == "" {
		return errors.New("etcdmeta: table needs a schema and a name")
	}
	if len(t.Columns) == 0 {
		return fmt.Errorf("etcdmeta: table %s.%s has no columns", t.Schema, t.Name)
	}
	cols := make(map[string]bool, len(t.Columns))
	for _, c := range t.Columns {
		if c.Name == "" || c.Type == "" {
			return fmt.Errorf("etcdmeta: table %s.%s: column needs a name and a type", t.Schema, t.Name)
		}
		if cols[c.Name] {
			return fmt.Errorf("etcdmeta: table %s.%s: duplicate column %q", t.Schema, t.Name, c.Name)
		}
		cols[c.Name] = true
	}
	for _, c := range t.UniqueKey {
		if !cols[c] {
			return fmt.Errorf("etcdmeta: table %s.%s: unique key names unknown column %q", t.Schema, t.Name, c)
		}
	}
	idx := make(map[string]bool, len(t.Indexes))
	for _, ix := range t.Indexes {
		if ix.Name == "" || idx[ix.Name] {
			return fmt.Errorf("etcdmeta: table %s.%s: index name %q is empty or repeated", t.Schema, t.Name, ix.Name)
		}
		idx[ix.Name] = true
		if len(ix.Columns) == 0 {
			return fmt.Errorf("etcdmeta: table %s.%s: index %q has no columns", t.Schema, t.Name, ix.Name)
		}
		for _, c := range ix.Columns {
			if !cols[c] {
				return fmt.Errorf("etcdmeta: table %s.%s: index %q names unknown column %q", t.Schema, t.Name, ix.Name, c)
			}
		}
	}
	return nil
}
