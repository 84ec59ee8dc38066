package sqlfront

import (
	"strings"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// System tables are views of the catalog, built from the statement's snapshot when it is planned, so they are
// consistent with each other and with the data the same statement reads. Queries over them are ordinary
// SELECTs: filters, grouping and ordering all apply.

type systemTable struct {
	cols []planner.Field
	rows func(e *Engine, snap *etcdmeta.Snapshot) [][]any
}

func textCol(name string) planner.Field   { return planner.Field{Name: name, Type: sqltype.Text} }
func bigintCol(name string) planner.Field { return planner.Field{Name: name, Type: sqltype.BigInt} }

// allTables lists every table of every schema, in name order.
func allTables(snap *etcdmeta.Snapshot) []etcdmeta.Table {
	var out []etcdmeta.Table
	for _, sc := range snap.Schemas() {
		out = append(out, snap.Tables(sc.Name)...)
	}
	return out
}

func indexType(t etcdmeta.Table, i int) string {
	switch {
	case t.Indexes[i].Aggregate:
		return "aggregate"
	case i == 0:
		return "default"
	}
	return "regular"
}

func chunkTotals(cs []etcdmeta.Chunk, indexID uint64) (chunks, rows, bytes int64) {
	for _, c := range cs {
		if indexID == 0 || c.IndexID == indexID {
			chunks++
			rows += c.Rows
			bytes += c.Bytes
		}
	}
	return
}

var systemTables = map[string]systemTable{
	"system.tables": {
		cols: []planner.Field{textCol("table_schema"), textCol("table_name"), bigintCol("table_id"), bigintCol("columns"),
			bigintCol("indexes"), bigintCol("chunks"), bigintCol("row_count"), bigintCol("bytes"), textCol("locations"),
			{Name: "created_at", Type: sqltype.Timestamp}, textCol("unique_key")},
		rows: func(_ *Engine, snap *etcdmeta.Snapshot) [][]any {
			var out [][]any
			for _, t := range allTables(snap) {
				cs := snap.Chunks(t.ID)
				var rows, bytes int64
				if len(t.Indexes) > 0 {
					_, rows, bytes = chunkTotals(cs, t.Indexes[0].ID)
				}
				var locs any
				if len(t.Locations) > 0 {
					locs = strings.Join(t.Locations, ", ")
				}
				var unique any
				if len(t.UniqueKey) > 0 {
					unique = strings.Join(t.UniqueKey, ", ")
				}
				out = append(out, []any{t.Schema, t.Name, int64(t.ID), int64(len(t.Columns)), int64(len(t.Indexes)),
					int64(len(cs)), rows, bytes, locs, t.CreatedAt.UnixMicro(), unique})
			}
			return out
		},
	},
	"system.indexes": {
		cols: []planner.Field{textCol("table_schema"), textCol("table_name"), textCol("index_name"), bigintCol("index_id"),
			textCol("index_type"), textCol("columns"), bigintCol("chunks"), bigintCol("row_count"), bigintCol("bytes")},
		rows: func(_ *Engine, snap *etcdmeta.Snapshot) [][]any {
			var out [][]any
			for _, t := range allTables(snap) {
				cs := snap.Chunks(t.ID)
				for i, ix := range t.Indexes {
					n, rows, bytes := chunkTotals(cs, ix.ID)
					out = append(out, []any{t.Schema, t.Name, ix.Name, int64(ix.ID), indexType(t, i),
						strings.Join(ix.Columns, ", "), n, rows, bytes})
				}
			}
			return out
		},
	},
	"system.partitions": {
		cols: []planner.Field{textCol("table_schema"), textCol("table_name"), textCol("index_name"), bigintCol("partition_id"),
			textCol("min_key"), textCol("max_key"), bigintCol("row_count"), bigintCol("file_size"), {Name: "active", Type: sqltype.Boolean},
			textCol("file")},
		rows: func(_ *Engine, snap *etcdmeta.Snapshot) [][]any {
			var out [][]any
			for _, t := range allTables(snap) {
				for _, ix := range t.Indexes {
					for _, c := range snap.Chunks(t.ID) {
						if c.IndexID != ix.ID || c.Level == 0 {
							continue
						}
						out = append(out, []any{t.Schema, t.Name, ix.Name, int64(c.ID), keyBound(t, ix, c.Min),
							keyBound(t, ix, c.Max), c.Rows, c.Bytes, true, c.File})
					}
				}
			}
			return out
		},
	},
	"system.functions": {
		// The functions plugins add to SQL; built-ins are MySQL's and vcube's documented ones.
		cols: []planner.Field{textCol("function_name"), textCol("kind"), textCol("plugin"), textCol("arguments"),
			textCol("returns"), textCol("custom_type")},
		rows: func(e *Engine, _ *etcdmeta.Snapshot) [][]any { return e.pluginFunctionRows() },
	},
	"system.jobs": {
		cols: []planner.Field{bigintCol("job_id"), textCol("job_type"), textCol("table_schema"), textCol("table_name"),
			textCol("index_name"), textCol("status"), bigintCol("inputs"), bigintCol("outputs"), bigintCol("row_count"),
			{Name: "started_at", Type: sqltype.Timestamp}, {Name: "finished_at", Type: sqltype.Timestamp}, textCol("error")},
		rows: func(e *Engine, _ *etcdmeta.Snapshot) [][]any {
			var out [][]any
			for _, j := range e.jobs.list() {
				var finished, errText any
				if !j.Finished.IsZero() {
					finished = j.Finished.UnixMicro()
				}
				if j.Error != "" {
					errText = j.Error
				}
				out = append(out, []any{int64(j.ID), j.Type, j.Schema, j.Table, j.Index, j.Status, int64(j.Inputs),
					int64(j.Outputs), j.Rows, j.Started.UnixMicro(), finished, errText})
			}
			return out
		},
	},
	"system.chunks": {
		cols: []planner.Field{textCol("table_schema"), textCol("table_name"), textCol("index_name"), bigintCol("chunk_id"),
			bigintCol("row_count"), bigintCol("bytes"), textCol("file"), {Name: "created_at", Type: sqltype.Timestamp},
			bigintCol("level")},
		rows: func(_ *Engine, snap *etcdmeta.Snapshot) [][]any {
			var out [][]any
			for _, t := range allTables(snap) {
				names := map[uint64]string{}
				for _, ix := range t.Indexes {
					names[ix.ID] = ix.Name
				}
				for _, c := range snap.Chunks(t.ID) {
					out = append(out, []any{t.Schema, t.Name, names[c.IndexID], int64(c.ID), c.Rows, c.Bytes, c.File,
						c.CreatedAt.UnixMicro(), int64(c.Level)})
				}
			}
			return out
		},
	},
	"information_schema.schemata": {
		cols: []planner.Field{textCol("catalog_name"), textCol("schema_name")},
		rows: func(_ *Engine, snap *etcdmeta.Snapshot) [][]any {
			var out [][]any
			for _, sc := range snap.Schemas() {
				out = append(out, []any{"def", sc.Name})
			}
			return out
		},
	},
	"information_schema.tables": {
		cols: []planner.Field{textCol("table_catalog"), textCol("table_schema"), textCol("table_name"), textCol("table_type"),
			bigintCol("table_rows")},
		rows: func(_ *Engine, snap *etcdmeta.Snapshot) [][]any {
			var out [][]any
			for _, t := range allTables(snap) {
				var rows int64
				if len(t.Indexes) > 0 {
					_, rows, _ = chunkTotals(snap.Chunks(t.ID), t.Indexes[0].ID)
				}
				out = append(out, []any{"def", t.Schema, t.Name, "BASE TABLE", rows})
			}
			return out
		},
	},
	"information_schema.columns": {
		cols: []planner.Field{textCol("table_catalog"), textCol("table_schema"), textCol("table_name"), textCol("column_name"),
			bigintCol("ordinal_position"), textCol("data_type"), textCol("column_type"), textCol("is_nullable")},
		rows: func(_ *Engine, snap *etcdmeta.Snapshot) [][]any {
			var out [][]any
			for _, t := range allTables(snap) {
				for i, c := range t.Columns {
					dataType := c.Type
					if j := strings.IndexByte(dataType, '('); j >= 0 {
						dataType = dataType[:j]
					}
					nullable := "YES"
					if c.NotNull {
						nullable = "NO"
					}
					out = append(out, []any{"def", t.Schema, t.Name, c.Name, int64(i + 1), dataType, c.Type, nullable})
				}
			}
			return out
		},
	},
}

// systemTable finds a system table by its schema and name (information_schema in any case, as MySQL allows).
func lookupSystemTable(schema, name string) (string, systemTable, bool) {
	s := schema
	if strings.EqualFold(s, "information_schema") {
		s = "information_schema"
		name = strings.ToLower(name)
	}
	full := s + "." + name
	st, ok := systemTables[full]
	return full, st, ok
}

// keyBound renders the first key column's bound of a partition (its smallest or largest key), or NULL.
func keyBound(t etcdmeta.Table, ix etcdmeta.Index, bound []*string) any {
	if len(ix.Columns) == 0 {
		return nil
	}
	// Index files store the key first for aggregate indexes and every column in table order otherwise.
	pos, typ := 0, ""
	for i, c := range t.Columns {
		if c.Name == ix.Columns[0] {
			typ = c.Type
			if !ix.Aggregate {
				pos = i
			}
		}
	}
	if pos >= len(bound) || bound[pos] == nil {
		return nil
	}
	st, err := sqltype.Parse(typ)
	if err != nil {
		return *bound[pos]
	}
	v, err := sqltype.DecodeValue(st, *bound[pos])
	if err != nil {
		return *bound[pos]
	}
	return sqltype.FormatValue(st, v)
}
