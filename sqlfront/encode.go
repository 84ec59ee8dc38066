package sqlfront

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Result encodings of the HTTP API. Each writes a whole result; values are rendered by their SQL type (DECIMAL
// with its exact scale, TIMESTAMP as 'YYYY-MM-DD HH:MM:SS[.ffffff]'), the same way in every format.

// appendText appends row i of a as text and reports false for NULL.
func appendText(buf []byte, a arrow.Array, t sqltype.Type, i int) ([]byte, bool) {
	if a.IsNull(i) {
		return buf, false
	}
	switch a := a.(type) {
	case *array.Int64:
		return strconv.AppendInt(buf, a.Value(i), 10), true
	case *array.Float64:
		return append(buf, sqltype.FormatFloat(a.Value(i))...), true
	case *array.Decimal128:
		return append(buf, sqltype.FormatDecimal(a.Value(i), t.Scale)...), true
	case *array.String:
		return append(buf, a.Value(i)...), true
	case *array.Timestamp:
		return append(buf, sqltype.FormatTimestamp(int64(a.Value(i)))...), true
	case *array.Boolean:
		return strconv.AppendBool(buf, a.Value(i)), true
	}
	return buf, false
}

// TextRows renders a result as rows of text with "NULL" for NULL, the form the conformance runner compares.
func (r *Result) TextRows() [][]string {
	var rows [][]string
	var buf []byte
	for _, b := range r.Batches {
		for i := 0; i < int(b.NumRows()); i++ {
			row := make([]string, len(r.Fields))
			for c, f := range r.Fields {
				var ok bool
				buf, ok = appendText(buf[:0], b.Column(c), f.Type, i)
				if ok {
					row[c] = string(buf)
				} else {
					row[c] = "NULL"
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// writeJSON writes {"columns":[{"name":..,"type":..}],"rows":[[..]]} (plus affected_rows for statements).
func writeJSON(w io.Writer, r *Result) error {
	var buf bytes.Buffer
	buf.WriteString(`{"columns":[`)
	for i, f := range r.Fields {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"name":`)
		buf.Write(appendJSONString(nil, f.Name))
		buf.WriteString(`,"type":`)
		buf.Write(appendJSONString(nil, f.Type.String()))
		buf.WriteByte('}')
	}
	buf.WriteString(`],"rows":[`)
	first := true
	var scratch []byte
	for _, b := range r.Batches {
		for i := 0; i < int(b.NumRows()); i++ {
			if !first {
				buf.WriteByte(',')
			}
			first = false
			buf.WriteByte('[')
			for c, f := range r.Fields {
				if c > 0 {
					buf.WriteByte(',')
				}
				scratch = appendJSONValue(scratch[:0], b.Column(c), f.Type, i)
				buf.Write(scratch)
			}
			buf.WriteByte(']')
			if buf.Len() > 1<<20 {
				if _, err := w.Write(buf.Bytes()); err != nil {
					return err
				}
				buf.Reset()
			}
		}
	}
	buf.WriteString(`]`)
	if !r.HasRows {
		buf.WriteString(`,"affected_rows":`)
		buf.WriteString(strconv.FormatInt(r.AffectedRows, 10))
	}
	buf.WriteString("}\n")
	_, err := w.Write(buf.Bytes())
	return err
}

func appendJSONValue(buf []byte, a arrow.Array, t sqltype.Type, i int) []byte {
	if a.IsNull(i) {
		return append(buf, "null"...)
	}
	switch a := a.(type) {
	case *array.Int64:
		return strconv.AppendInt(buf, a.Value(i), 10)
	case *array.Float64:
		v := a.Value(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(buf, "null"...) // JSON has no NaN or infinity
		}
		return strconv.AppendFloat(buf, v, 'g', -1, 64)
	case *array.Boolean:
		return strconv.AppendBool(buf, a.Value(i))
	case *array.String:
		return appendJSONString(buf, a.Value(i))
	}
	text, _ := appendText(nil, a, t, i)
	return appendJSONString(buf, string(text))
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}

// writeCSV writes an RFC 4180 table with a header line. NULL is an empty field; an empty string is "".
func writeCSV(w io.Writer, r *Result) error {
	var buf bytes.Buffer
	for i, f := range r.Fields {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeCSVField(&buf, []byte(f.Name))
	}
	buf.WriteString("\r\n")
	var scratch []byte
	for _, b := range r.Batches {
		for i := 0; i < int(b.NumRows()); i++ {
			for c, f := range r.Fields {
				if c > 0 {
					buf.WriteByte(',')
				}
				var ok bool
				scratch, ok = appendText(scratch[:0], b.Column(c), f.Type, i)
				if ok {
					writeCSVField(&buf, scratch)
				}
			}
			buf.WriteString("\r\n")
			if buf.Len() > 1<<20 {
				if _, err := w.Write(buf.Bytes()); err != nil {
					return err
				}
				buf.Reset()
			}
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// writeCSVField writes a non-NULL value, quoted when it must be (and always when empty, so that it differs from
// NULL).
func writeCSVField(buf *bytes.Buffer, v []byte) {
	if len(v) > 0 && !bytes.ContainsAny(v, ",\"\r\n") && v[0] != ' ' && v[len(v)-1] != ' ' {
		buf.Write(v)
		return
	}
	buf.WriteByte('"')
	buf.Write(bytes.ReplaceAll(v, []byte(`"`), []byte(`""`)))
	buf.WriteByte('"')
}

// writeArrow writes the result as an Arrow IPC stream; each field carries its SQL type in metadata
// ("vcube.type"), since Arrow types alone do not tell INT from BIGINT or VARCHAR(20) from TEXT.
func writeArrow(w io.Writer, r *Result) error {
	schema := arrowSchema(r.Fields)
	iw := ipc.NewWriter(w, ipc.WithSchema(schema), ipc.WithAllocator(memory.DefaultAllocator))
	for _, b := range r.Batches {
		rb := array.NewRecordBatch(schema, b.Columns(), b.NumRows())
		err := iw.Write(rb)
		rb.Release()
		if err != nil {
			return err
		}
	}
	return iw.Close()
}

func arrowSchema(fields []planner.Field) *arrow.Schema {
	af := make([]arrow.Field, len(fields))
	for i, f := range fields {
		af[i] = arrow.Field{Name: f.Name, Type: f.Type.Arrow(), Nullable: true,
			Metadata: arrow.NewMetadata([]string{"vcube.type"}, []string{f.Type.String()})}
	}
	return arrow.NewSchema(af, nil)
}
