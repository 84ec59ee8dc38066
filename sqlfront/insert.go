package sqlfront

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"vitess.io/vitess/go/mysql/sqlerror"
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// insert writes the rows of INSERT ... VALUES as one new chunk: the file is written and made durable first, then
// committed to the catalog in one transaction, so the statement is all or nothing, and acknowledged rows survive a
// crash.
func (e *Engine) insert(ctx context.Context, sess *Session, s *sqlparser.Insert) (*Result, error) {
	switch {
	case s.Action != sqlparser.InsertAct:
		return nil, notSupported("REPLACE")
	case bool(s.Ignore):
		return nil, notSupported("INSERT IGNORE")
	case len(s.OnDup) > 0:
		return nil, notSupported("ON DUPLICATE KEY UPDATE")
	case len(s.Partitions) > 0:
		return nil, notSupported("INSERT ... PARTITION")
	}
	tn, ok := s.Table.Expr.(sqlparser.TableName)
	if !ok {
		return nil, notSupported("INSERT into this target")
	}
	schema, name, err := tableName(sess, tn)
	if err != nil {
		return nil, err
	}
	values, ok := s.Rows.(sqlparser.Values)
	if !ok {
		return nil, notSupported("INSERT ... SELECT")
	}
	snap := e.cfg.Catalog.Snapshot()
	table, ok := snap.Table(schema, name)
	if !ok {
		return nil, sqlerr.New(sqlerr.NoSuchTable, "Table '%s.%s' doesn't exist", schema, name)
	}
	cols, err := storageColumns(table)
	if err != nil {
		return nil, err
	}
	// target[i] is the table column that value i of each row goes to.
	target := make([]int, 0, len(cols))
	if len(s.Columns) == 0 {
		for i := range cols {
			target = append(target, i)
		}
	} else {
		seen := map[int]bool{}
		for _, c := range s.Columns {
			idx := -1
			for i, tc := range cols {
				if strings.EqualFold(tc.Name, c.String()) {
					idx = i
				}
			}
			if idx < 0 {
				return nil, sqlerr.New(sqlerr.BadField, "Unknown column '%s' in 'field list'", c.String())
			}
			if seen[idx] {
				return nil, sqlerr.New(sqlerror.ErrorCode(1110), "Column '%s' specified twice", c.String())
			}
			seen[idx] = true
			target = append(target, idx)
		}
	}
	// Values for custom columns are staged in their cast's argument type, then cast a column at a time.
	casts, staged, err := e.columnCasts(table, cols)
	if err != nil {
		return nil, err
	}
	batch, err := e.buildInsertBatch(ctx, table, staged, target, values)
	if err != nil {
		return nil, err
	}
	if casts != nil {
		cast, err := castColumns(ctx, batch, casts, table, columnsSchema(cols), func(row int) string {
			return fmt.Sprintf("at row %d", row+1)
		})
		batch.Release()
		if err != nil {
			return nil, err
		}
		batch = cast
	}
	defer batch.Release()

	w, err := e.newChunkWriter(table)
	if err != nil {
		return nil, err
	}
	if err := w.write(ctx, []arrow.RecordBatch{batch}); err != nil {
		w.discard()
		return nil, err
	}
	if _, err := e.cfg.Catalog.AddChunks(ctx, table.ID, w.chunks); err != nil {
		if isTableGone(err) {
			// Definitely not committed: the files are ours to delete.
			w.discard()
			return nil, sqlerr.New(sqlerr.NoSuchTable, "Table '%s.%s' doesn't exist", schema, name)
		}
		// The commit may or may not have happened (etcd unreachable, say): the files stay, and if the catalog
		// does not point to them the next start-up removes them.
		return nil, err
	}
	return &Result{AffectedRows: int64(len(values))}, nil
}

// columnsSchema is the schema of a batch of table columns, as chunk files store them.
func columnsSchema(cols []storage.Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

func storageColumns(t etcdmeta.Table) ([]storage.Column, error) {
	cols := make([]storage.Column, len(t.Columns))
	for i, c := range t.Columns {
		typ, err := sqltype.Parse(c.Type)
		if err != nil {
			return nil, sqlerr.New(sqlerr.Unknown, "catalog: column %s.%s.%s: %v", t.Schema, t.Name, c.Name, err)
		}
		cols[i] = storage.Column{Name: c.Name, Type: typ, NotNull: c.NotNull}
	}
	return cols, nil
}

func (e *Engine) buildInsertBatch(ctx context.Context, table etcdmeta.Table, cols []storage.Column, target []int, values sqlparser.Values) (arrow.RecordBatch, error) {
	rb := array.NewRecordBuilder(e.cfg.Mem, columnsSchema(cols))
	defer rb.Release()
	provided := make([]int, len(cols)) // provided[col] = position in the row, or -1
	for i := range provided {
		provided[i] = -1
	}
	for pos, col := range target {
		provided[col] = pos
	}
	vb := &exprBinder{ctx: ctx, clause: "field list"}
	for r, row := range values {
		rowNum := r + 1
		if len(row) != len(target) {
			return nil, sqlerr.New(sqlerr.WrongValueCount, "Column count doesn't match value count at row %d", rowNum)
		}
		for c, col := range cols {
			var v planner.Expr = &planner.Literal{T: sqltype.Null}
			if pos := provided[c]; pos >= 0 {
				if _, isDefault := row[pos].(*sqlparser.Default); isDefault {
					// DEFAULT is NULL: vcube columns have no other default.
				} else {
					bound, err := vb.bind(row[pos])
					if err != nil {
						return nil, err
					}
					v = bound
				}
			}
			lit, ok := v.(*planner.Literal)
			if !ok {
				return nil, sqlerr.New(sqlerr.Unknown, "value %d of row %d is not a constant", c+1, rowNum)
			}
			conv, err := columnValue(col, table.Columns[c].NotNull, lit, rowNum)
			if err != nil {
				return nil, err
			}
			sqltype.AppendValue(rb.Field(c), conv)
		}
	}
	return rb.NewRecordBatch(), nil
}

// columnValue converts a value for a column with MySQL's strict-mode rules: a value that does not fit is an error
// naming the column and row, never silently changed (numbers are rounded to the column's scale, as MySQL does).
func columnValue(col storage.Column, notNull bool, lit *planner.Literal, row int) (any, error) {
	v := lit.Value
	if v == nil {
		if notNull {
			return nil, sqlerr.New(sqlerr.BadNull, "Column '%s' cannot be null", col.Name)
		}
		return nil, nil
	}
	t := col.Type
	text := literalText(lit)
	bad := func(kind string) error {
		return sqlerr.New(sqlerr.WrongValueForField, "Incorrect %s value: '%s' for column '%s' at row %d", kind, text, col.Name, row)
	}
	outOfRange := func() error {
		return sqlerr.New(sqlerr.OutOfRange, "Out of range value for column '%s' at row %d", col.Name, row)
	}
	switch t.Kind {
	case sqltype.KindInt:
		var n int64
		switch x := v.(type) {
		case int64:
			if lit.T.Kind == sqltype.KindTimestamp {
				return nil, bad("integer")
			}
			n = x
		case bool:
			n = boolInt(x)
		case float64:
			r, err := sqltype.FloatToInt(x)
			if err != nil {
				return nil, outOfRange()
			}
			n = r
		case decimal128.Num:
			r := sqltype.RoundDecimal(x, lit.T.Scale)
			if !fitsInt64(r) {
				return nil, outOfRange()
			}
			n = int64(r.LowBits())
		case string:
			r, err := sqltype.ParseInt(x)
			if err == sqltype.ErrOverflow {
				return nil, outOfRange()
			}
			if err != nil {
				return nil, bad("integer")
			}
			n = r
		}
		if lo, hi := t.IntRange(); n < lo || n > hi {
			return nil, outOfRange()
		}
		return n, nil
	case sqltype.KindFloat:
		switch x := v.(type) {
		case int64:
			if lit.T.Kind == sqltype.KindTimestamp {
				return nil, bad("double")
			}
			return float64(x), nil
		case bool:
			return float64(boolInt(x)), nil
		case float64:
			return x, nil
		case decimal128.Num:
			return sqltype.DecimalToFloat(x, lit.T.Scale), nil
		case string:
			f, err := sqltype.ParseFloat(x)
			if err == sqltype.ErrOverflow {
				return nil, outOfRange()
			}
			if err != nil {
				return nil, bad("double")
			}
			return f, nil
		}
	case sqltype.KindDecimal:
		var d decimal128.Num
		var err error
		switch x := v.(type) {
		case int64:
			if lit.T.Kind == sqltype.KindTimestamp {
				return nil, bad("decimal")
			}
			d, err = sqltype.RescaleDecimal(decimal128.FromI64(x), 0, t.Scale, t.Precision)
		case bool:
			d, err = sqltype.RescaleDecimal(decimal128.FromI64(boolInt(x)), 0, t.Scale, t.Precision)
		case float64:
			d, err = sqltype.FloatToDecimal(x, t.Precision, t.Scale)
		case decimal128.Num:
			d, err = sqltype.RescaleDecimal(x, lit.T.Scale, t.Scale, t.Precision)
		case string:
			d, err = sqltype.ParseDecimal(x, t.Precision, t.Scale)
			if err == sqltype.ErrSyntax {
				return nil, bad("decimal")
			}
		}
		if err != nil {
			return nil, outOfRange()
		}
		return d, nil
	case sqltype.KindString:
		if t.Length > 0 && utf8.RuneCountInString(text) > t.Length {
			return nil, sqlerr.New(sqlerr.DataTooLong, "Data too long for column '%s' at row %d", col.Name, row)
		}
		return text, nil
	case sqltype.KindTimestamp:
		switch x := v.(type) {
		case int64:
			if lit.T.Kind == sqltype.KindTimestamp {
				return x, nil
			}
		case string:
			ts, err := sqltype.ParseTimestamp(x)
			if err == nil {
				return ts, nil
			}
		}
		return nil, sqlerr.New(sqlerr.TruncatedValue, "Incorrect datetime value: '%s' for column '%s' at row %d", text, col.Name, row)
	case sqltype.KindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			if lit.T.Kind != sqltype.KindTimestamp {
				return x != 0, nil
			}
		case float64:
			return x != 0, nil
		case decimal128.Num:
			return x.Sign() != 0, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
			if f, err := sqltype.ParseFloat(x); err == nil {
				return f != 0, nil
			}
		}
		return nil, bad("boolean")
	}
	return nil, bad(t.String())
}

// literalText is a value as MySQL would show it in an error message, and as it is stored in a text column.
func literalText(l *planner.Literal) string {
	switch v := l.Value.(type) {
	case string:
		return v
	case int64:
		if l.T.Kind == sqltype.KindTimestamp {
			return sqltype.FormatTimestamp(v)
		}
		return strconv.FormatInt(v, 10)
	case float64:
		return sqltype.FormatFloat(v)
	case decimal128.Num:
		return sqltype.FormatDecimal(v, l.T.Scale)
	case bool:
		if v {
			return "1"
		}
		return "0"
	}
	return ""
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func fitsInt64(n decimal128.Num) bool {
	v := int64(n.LowBits())
	return n.HighBits() == 0 && v >= 0 || n.HighBits() == -1 && v < 0
}
