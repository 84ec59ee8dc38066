package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"

	"github.com/vcubedb/vcube/internal/sqltype"
)

var snappyCodec = &snappy.Codec{}

// writeSliceRows is how many rows of one column are handed to parquet-go at a time. The column writer only
// closes a page between calls, so this bounds how far a page can overshoot the page size.
const writeSliceRows = 1024

// WriteChunk writes batches, which all have the schema of cols in cols' order, as the chunk file of tableID and
// chunkID, and returns it once it is durable. It writes a temp file "<name>.tmp-<random>" in the table's
// directory, fsyncs it, renames it to its final name and fsyncs the directory; on any error the temp file is
// removed and nothing is left behind.
func (s *Store) WriteChunk(tableID, chunkID uint64, cols []Column, batches []arrow.RecordBatch) (FileInfo, error) {
	if err := checkColumns(cols); err != nil {
		return FileInfo{}, err
	}
	want := arrowSchema(cols)
	var rows int64
	for i, b := range batches {
		if err := checkBatch(want, b); err != nil {
			return FileInfo{}, fmt.Errorf("storage: batch %d: %w", i, err)
		}
		rows += b.NumRows()
	}

	rel := ChunkPath(tableID, chunkID)
	final := filepath.Join(s.dir, filepath.FromSlash(rel))
	tableDir := filepath.Dir(final)
	f, err := s.createTemp(tableDir, filepath.Base(final)+".tmp-*")
	if err != nil {
		return FileInfo{}, err
	}
	tmp := f.Name()
	fail := func(err error) (FileInfo, error) {
		_ = f.Close()
		_ = os.Remove(tmp)
		// A table directory this write created would be left empty; one that holds other chunks stays.
		s.removeEmptyDirs(map[string]bool{tableDir: true})
		return FileInfo{}, fmt.Errorf("storage: writing %s: %w", rel, err)
	}

	if err := s.encode(f, cols, batches); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fail(err)
	}
	if err := syncDir(tableDir); err != nil {
		// The file is complete but its name may not survive a crash; the caller must not commit it, so it goes.
		tmp = final
		return fail(err)
	}
	mins, maxs := bounds(batches, len(cols))
	return FileInfo{Path: rel, Rows: rows, Bytes: st.Size(), Min: mins, Max: maxs}, nil
}

// createTemp creates the temp file, creating (and making durable) the table directory first if needed. It runs
// under dirMu so that Remove cannot delete the directory between the two steps.
func (s *Store) createTemp(tableDir, pattern string) (*os.File, error) {
	s.dirMu.Lock()
	defer s.dirMu.Unlock()
	if _, err := os.Stat(tableDir); errors.Is(err, os.ErrNotExist) {
		if err := os.Mkdir(tableDir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("storage: creating table directory: %w", err)
		}
		if err := syncDir(s.dir); err != nil {
			return nil, fmt.Errorf("storage: creating table directory: %w", err)
		}
	}
	f, err := os.CreateTemp(tableDir, pattern)
	if err != nil {
		return nil, fmt.Errorf("storage: creating chunk file: %w", err)
	}
	return f, nil
}

func checkBatch(want *arrow.Schema, b arrow.RecordBatch) error {
	if int(b.NumCols()) != want.NumFields() {
		return fmt.Errorf("has %d columns, the table has %d", b.NumCols(), want.NumFields())
	}
	for i := range want.NumFields() {
		f := want.Field(i)
		col := b.Column(i)
		if !arrow.TypeEqual(col.DataType(), f.Type) {
			return fmt.Errorf("column %d (%q) is %s, the table declares %s", i, f.Name, col.DataType(), f.Type)
		}
		if int64(col.Len()) != b.NumRows() {
			return fmt.Errorf("column %d (%q) has %d values for %d rows", i, f.Name, col.Len(), b.NumRows())
		}
	}
	return nil
}

// encode writes the Parquet file: row groups of at most rowGroupRows rows, each filled column by column.
func (s *Store) encode(f *os.File, cols []Column, batches []arrow.RecordBatch) error {
	schema := parquetSchema(cols)
	opts := []parquet.WriterOption{
		schema,
		// Snappy: against zstd's fastest level it read 15-25% faster in BenchmarkAggregateStrategies/parquet and
		// imported about 24% faster in BenchmarkImportCSV, for files about 40% larger on float-heavy data (see
		// docs/RATIONALE.md). Files written with another codec are read all the same.
		parquet.Compression(snappyCodec),
		parquet.PageBufferSize(s.conf.pageBytes),
		parquet.DictionaryMaxBytes(s.conf.dictionaryBytes),
		parquet.CreatedBy("vcube", "", ""),
		// Bounds go into the column index and the column chunk's statistics, which pruning reads; statistics in
		// every page header would compute them a second time for no reader.
		parquet.DataPageStatistics(false),
	}
	w := parquet.NewWriter(f, opts...)
	leaves, err := leafIndexes(schema, cols, "the new chunk")
	if err != nil {
		return err
	}
	enc := newColumnEncoders(cols, leaves)

	inGroup := 0
	for _, b := range batches {
		for off, n := 0, int(b.NumRows()); off < n; {
			k := min(n-off, s.conf.rowGroupRows-inGroup)
			writers := w.ColumnWriters()
			for i := range cols {
				if err := enc[i].write(writers[leaves[i]], b.Column(i), off, k); err != nil {
					return fmt.Errorf("column %q: %w", cols[i].Name, err)
				}
			}
			off += k
			inGroup += k
			if inGroup == s.conf.rowGroupRows {
				if err := w.Flush(); err != nil {
					return err
				}
				inGroup = 0
			}
		}
	}
	return w.Close()
}

// columnEncoder turns Arrow values of one column into the parquet.Values a column writer takes: non-null
// values at definition level 1, nulls at 0.
type columnEncoder struct {
	typ    sqltype.Type
	leaf   int
	values []parquet.Value
	fixed  []byte // big-endian 16-byte decimals; parquet-go copies them, so the buffer is reused per slice
}

func newColumnEncoders(cols []Column, leaves []int) []*columnEncoder {
	enc := make([]*columnEncoder, len(cols))
	for i, c := range cols {
		enc[i] = &columnEncoder{typ: c.Type, leaf: leaves[i], values: make([]parquet.Value, 0, writeSliceRows)}
	}
	return enc
}

func (e *columnEncoder) write(w *parquet.ColumnWriter, arr arrow.Array, off, n int) error {
	for start := off; start < off+n; start += writeSliceRows {
		end := min(start+writeSliceRows, off+n)
		if err := e.fill(arr, start, end); err != nil {
			return err
		}
		if _, err := w.WriteRowValues(e.values); err != nil {
			return err
		}
	}
	return nil
}

// fill converts rows [start, end) of arr into e.values.
func (e *columnEncoder) fill(arr arrow.Array, start, end int) error {
	n := end - start
	if cap(e.values) < n {
		e.values = make([]parquet.Value, n)
	}
	out := e.values[:n]
	e.values = out
	switch a := arr.(type) {
	case *array.Int64:
		for i, v := range a.Int64Values()[start:end] {
			out[i] = parquet.Int64Value(v)
		}
	case *array.Timestamp:
		for i, v := range a.TimestampValues()[start:end] {
			out[i] = parquet.Int64Value(int64(v))
		}
	case *array.Float64:
		for i, v := range a.Float64Values()[start:end] {
			out[i] = parquet.DoubleValue(v)
		}
	case *array.Boolean:
		for i := range out {
			out[i] = parquet.BooleanValue(a.Value(start + i))
		}
	case *array.String:
		offsets := a.ValueOffsets()[start : end+1]
		data := a.ValueBytes()
		base := a.ValueOffsets()[0]
		for i := range out {
			// Slicing the Arrow buffer avoids a copy per value; the column writer copies the bytes it keeps.
			out[i] = parquet.ByteArrayValue(data[offsets[i]-base : offsets[i+1]-base])
		}
	case *array.Decimal128:
		vals := a.Values()[start:end]
		if e.typ.Precision <= maxInt64DecimalPrecision {
			for i, v := range vals {
				lo, hi := v.LowBits(), v.HighBits()
				if hi != int64(lo)>>63 && a.IsValid(start+i) {
					return fmt.Errorf("decimal value %s does not fit %s", v.ToString(int32(e.typ.Scale)), e.typ)
				}
				out[i] = parquet.Int64Value(int64(lo))
			}
			break
		}
		if need := 16 * n; cap(e.fixed) < need {
			e.fixed = make([]byte, need)
		}
		for i, v := range vals {
			b := e.fixed[16*i : 16*i+16 : 16*i+16]
			binary.BigEndian.PutUint64(b[:8], uint64(v.HighBits()))
			binary.BigEndian.PutUint64(b[8:], v.LowBits())
			out[i] = parquet.FixedLenByteArrayValue(b)
		}
	default:
		return fmt.Errorf("cannot store Arrow type %s", arr.DataType())
	}
	// Definition levels: 1 for a value, 0 for a NULL (whatever its slot held).
	if !hasNulls(arr, start, end) {
		for i := range out {
			out[i] = out[i].Level(0, 1, e.leaf)
		}
		return nil
	}
	null := parquet.NullValue().Level(0, 0, e.leaf)
	for i := range out {
		if arr.IsNull(start + i) {
			out[i] = null
		} else {
			out[i] = out[i].Level(0, 1, e.leaf)
		}
	}
	return nil
}
