package storage

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// Column is a table column as the catalog declares it.
type Column struct {
	Name string
	Type sqltype.Type
	// NotNull makes the CSV reader refuse a NULL in the column; files do not record it.
	NotNull bool
}

// ErrSchemaMismatch is wrapped by the errors OpenChunk returns when a file's columns do not match the columns
// the caller says the table has.
var ErrSchemaMismatch = errors.New("chunk file schema does not match the table")

// maxInt64DecimalPrecision is the widest decimal that fits an INT64: 18 digits.
const maxInt64DecimalPrecision = 18

// checkColumns rejects column lists the file format cannot hold.
func checkColumns(cols []Column) error {
	if len(cols) == 0 {
		return errors.New("storage: a chunk needs at least one column")
	}
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		if c.Name == "" {
			return errors.New("storage: a column has an empty name")
		}
		if seen[c.Name] {
			return fmt.Errorf("storage: column %q appears twice", c.Name)
		}
		seen[c.Name] = true
		switch c.Type.Kind {
		case sqltype.KindBool, sqltype.KindInt, sqltype.KindFloat, sqltype.KindString, sqltype.KindTimestamp:
		case sqltype.KindDecimal:
			if c.Type.Precision < 1 || c.Type.Precision > sqltype.MaxDecimalPrecision || c.Type.Scale < 0 || c.Type.Scale > c.Type.Precision {
				return fmt.Errorf("storage: column %q has an invalid type %s", c.Name, c.Type)
			}
		default:
			return fmt.Errorf("storage: column %q has type %s, which cannot be stored", c.Name, c.Type)
		}
	}
	return nil
}

// leafType returns the Parquet type that stores values of t.
func leafType(t sqltype.Type) parquet.Type {
	switch t.Kind {
	case sqltype.KindBool:
		return parquet.BooleanType
	case sqltype.KindInt:
		return parquet.Int64Type
	case sqltype.KindFloat:
		return parquet.DoubleType
	case sqltype.KindString:
		return parquet.String().Type()
	case sqltype.KindTimestamp:
		return parquet.Timestamp(parquet.Microsecond).Type()
	case sqltype.KindDecimal:
		if t.Precision <= maxInt64DecimalPrecision {
			return int64Decimal{Type: parquet.Int64Type, dec: format.DecimalType{Scale: int32(t.Scale), Precision: int32(t.Precision)}}
		}
		return newWideDecimal(t.Precision, t.Scale)
	}
	panic("storage: leafType of unchecked type " + t.String())
}

// int64Decimal is a DECIMAL annotation on INT64. parquet.Decimal builds the same thing but logs a warning for
// every precision below 10 (the spec's suggestion is INT32 there); vcube keeps one physical type for all
// decimals up to 18 digits, so it annotates the type itself.
type int64Decimal struct {
	parquet.Type
	dec format.DecimalType
}

func (t int64Decimal) String() string { return t.dec.String() }

func (t int64Decimal) LogicalType() *format.LogicalType {
	dec := t.dec
	return &format.LogicalType{Value: &dec}
}

func (t int64Decimal) ConvertedType() *deprecated.ConvertedType {
	ct := deprecated.Decimal
	return &ct
}

// parquetSchema builds the file schema for cols. parquet.Group orders its fields by name, so the file's column
// order is not cols' order: leaves are found by name (leafIndexes).
func parquetSchema(cols []Column) *parquet.Schema {
	group := make(parquet.Group, len(cols))
	for _, c := range cols {
		node := parquet.Leaf(leafType(c.Type))
		if c.Type.Kind == sqltype.KindString {
			node = parquet.Encoded(node, &parquet.RLEDictionary)
		}
		group[c.Name] = parquet.Optional(node)
	}
	return parquet.NewSchema("vcube", group)
}

// leafIndexes maps each column of cols to its leaf (column chunk) index in schema, checking that the leaf holds
// the column's type. path names the file in errors.
func leafIndexes(schema *parquet.Schema, cols []Column, path string) ([]int, error) {
	idx := make([]int, len(cols))
	for i, c := range cols {
		leaf, ok := schema.Lookup(c.Name)
		if !ok {
			return nil, fmt.Errorf("storage: %s has no column %q: %w", path, c.Name, ErrSchemaMismatch)
		}
		if !leaf.Node.Leaf() || leaf.MaxRepetitionLevel != 0 {
			return nil, fmt.Errorf("storage: column %q of %s is not a flat column: %w", c.Name, path, ErrSchemaMismatch)
		}
		if got, want := leaf.Node.Type(), leafType(c.Type); !sameLeafType(got, want) {
			return nil, fmt.Errorf("storage: column %q of %s holds %s, but the table declares %s (stored as %s): %w",
				c.Name, path, describeType(got), c.Type, describeType(want), ErrSchemaMismatch)
		}
		idx[i] = leaf.ColumnIndex
	}
	return idx, nil
}

// sameLeafType compares what matters for decoding: physical kind, fixed length, and the logical annotation
// (decimal precision and scale, timestamp unit and UTC adjustment, string, integer width and sign). An INT64
// without annotation is read as a signed 64-bit integer, as the Parquet spec has it.
func sameLeafType(got, want parquet.Type) bool {
	if got.Kind() != want.Kind() || got.Length() != want.Length() {
		return false
	}
	g, w := got.LogicalType(), want.LogicalType()
	if w == nil || g == nil {
		_, wantInt := logicalValue(w).(*format.IntType)
		return logicalValue(g) == nil && (w == nil || wantInt)
	}
	switch wv := w.Value.(type) {
	case *format.IntType:
		gv, ok := g.Value.(*format.IntType)
		return ok && *gv == *wv
	case *format.DecimalType:
		gv, ok := g.Value.(*format.DecimalType)
		return ok && *gv == *wv
	case *format.TimestampType:
		gv, ok := g.Value.(*format.TimestampType)
		return ok && gv.IsAdjustedToUTC == wv.IsAdjustedToUTC && gv.Unit.String() == wv.Unit.String()
	case *format.StringType:
		_, ok := g.Value.(*format.StringType)
		return ok
	}
	return false
}

func logicalValue(lt *format.LogicalType) any {
	if lt == nil {
		return nil
	}
	return lt.Value
}

func describeType(t parquet.Type) string {
	s := t.Kind().String()
	if t.Kind() == parquet.FixedLenByteArray {
		s = fmt.Sprintf("%s(%d)", s, t.Length())
	}
	if lt := t.LogicalType(); lt != nil {
		s += " " + lt.String()
	}
	return s
}

// arrowSchema is the schema of the batches a scan of cols returns.
func arrowSchema(cols []Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}
