package storage

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// DefaultBatchSize is the rows per batch when ScanOptions.BatchSize is 0.
const DefaultBatchSize = 8192

// readBufferSize is the buffer parquet-go reads a column chunk through. Its default (4 KiB) turns one chunk into
// dozens of pread calls; chunks are read front to back, so a larger buffer is all gain.
const readBufferSize = 256 << 10

// ScanOptions selects what to read.
type ScanOptions struct {
	// Columns are indexes into cols of the columns to read, in the order wanted. Empty reads no column: batches
	// then have zero columns but the right NumRows (a row count).
	Columns   []int
	BatchSize int              // rows per batch; DefaultBatchSize if 0
	Mem       memory.Allocator // allocates the Arrow arrays; required
	// Ranges skip row groups whose statistics show no row can satisfy them (their Column indexes cols).
	Ranges []ColumnRange
	// Dictionary lists columns (indexes into cols, among Columns) of type TEXT to return as Arrow dictionary
	// arrays (int32 indexes into the column chunk's Parquet dictionary, an Arrow String array decoded once per
	// chunk and shared by every batch cut from it) where their column chunk is dictionary-encoded. A batch whose
	// rows of such a column are not all dictionary-encoded (a chunk written plain, or pages past a dictionary's
	// fallback to plain) carries it as a plain String array instead, and the batch's schema says which form each
	// column has: readers of these columns take both. Batches then never span row groups, so that each batch has
	// one dictionary. Readers of OpenMerged must leave it empty.
	Dictionary []int
}

// ReadStats counts what a Reader read.
type ReadStats struct {
	BytesRead       int64 // compressed bytes of the column chunks opened
	RowGroups       int   // row groups whose rows were returned
	RowGroupsPruned int   // row groups skipped by their statistics
}

// Reader streams the record batches of one chunk file. It is not safe for concurrent use.
type Reader struct {
	file      *openFile  // shared with other readers of the file
	files     *openFiles // where file goes back on Close
	pf        *parquet.File
	schema    *arrow.Schema
	columns   []*columnCursor
	batchSize int
	numRows   int64
	emitted   int64
	// groupEnds[i] is the row just past row group i, for counting the row groups a scan reached.
	groupEnds []int64
	batch     arrow.RecordBatch
	stats     ReadStats
	closed    bool

	// With a column cache, batches never span row groups: each column's array of the current group comes
	// whole from the cache (or is decoded whole into it) and batches are slices of it.
	cache     *ColumnCache
	path      string
	groups    []int   // the file's row group of each kept group
	groupRows []int64 // rows of each kept group
	group     int     // the kept group being read
	groupPos  int64   // rows of it already returned
	groupArrs []arrow.Array
	colKeys   []string

	// With ScanOptions.Dictionary: which columns are asked for as dictionaries, the schema of batches that
	// have every such column in that form, and how far batches may go (the end of the current row group).
	dict       []bool
	dictSchema *arrow.Schema
	groupAt    int // index into groupEnds of the row group being read
}

// OpenChunk opens the chunk file at path (relative to Dir()) whose table has the columns cols, checking that the
// file holds every column of cols with its type.
func (s *Store) OpenChunk(path string, cols []Column, opts ScanOptions) (*Reader, error) {
	if opts.Mem == nil {
		return nil, errors.New("storage: ScanOptions.Mem is required")
	}
	if opts.BatchSize < 0 {
		return nil, fmt.Errorf("storage: negative batch size %d", opts.BatchSize)
	}
	if err := checkColumns(cols); err != nil {
		return nil, err
	}
	for _, c := range opts.Columns {
		if c < 0 || c >= len(cols) {
			return nil, fmt.Errorf("storage: scan of %s asks for column %d of %d", path, c, len(cols))
		}
	}
	full, err := s.abs(path)
	if err != nil {
		return nil, err
	}
	of, err := s.files.acquire(full, path)
	if err != nil {
		return nil, err
	}
	r, err := newReader(of, path, cols, opts, s.conf.cache)
	if err != nil {
		_ = s.files.release(of)
		return nil, err
	}
	r.files = s.files
	return r, nil
}

func newReader(of *openFile, path string, cols []Column, opts ScanOptions, cache *ColumnCache) (*Reader, error) {
	pf := of.pf
	leaves, err := leafIndexes(pf.Schema(), cols, path)
	if err != nil {
		return nil, err
	}

	r := &Reader{
		file:      of,
		pf:        pf,
		batchSize: opts.BatchSize,
		numRows:   pf.NumRows(),
	}
	if r.batchSize == 0 {
		r.batchSize = DefaultBatchSize
	}
	var end int64
	for _, g := range pf.RowGroups() {
		end += g.NumRows()
	}
	if end != r.numRows {
		return nil, fmt.Errorf("storage: %s: row groups hold %d rows, the footer says %d", path, end, r.numRows)
	}
	for _, rg := range opts.Ranges {
		if rg.Column < 0 || rg.Column >= len(cols) {
			return nil, fmt.Errorf("storage: scan of %s has a range on column %d of %d", path, rg.Column, len(cols))
		}
	}
	// kept are the row groups the scan reads: all of them, less those whose statistics rule out every range.
	var kept []int
	end = 0
	for g, rg := range pf.RowGroups() {
		if len(opts.Ranges) > 0 && !rowGroupMayMatch(rg, leaves, cols, opts.Ranges) {
			r.stats.RowGroupsPruned++
			continue
		}
		kept = append(kept, g)
		end += rg.NumRows()
		r.groupEnds = append(r.groupEnds, end)
		r.groupRows = append(r.groupRows, rg.NumRows())
	}
	r.numRows = end
	if cache != nil {
		r.cache, r.path, r.groups = cache, path, kept
		r.groupArrs = make([]arrow.Array, len(opts.Columns))
	}
	colMem := opts.Mem
	if cache != nil {
		colMem = cache.mem // decoded column chunks outlive the query that decoded them
	}

	wantDict := make([]bool, len(cols))
	for _, c := range opts.Dictionary {
		if c < 0 || c >= len(cols) || cols[c].Type.Kind != sqltype.KindString {
			return nil, fmt.Errorf("storage: scan of %s asks for column %d as a dictionary, which is not a TEXT column", path, c)
		}
		wantDict[c] = true
	}

	projected := make([]Column, len(opts.Columns))
	for i, ci := range opts.Columns {
		projected[i] = cols[ci]
		leaf := leaves[ci]
		leafCol, _ := pf.Schema().Lookup(cols[ci].Name)
		cur := &columnCursor{
			name:   cols[ci].Name,
			path:   path,
			maxDef: byte(leafCol.MaxDefinitionLevel),
			dec:    newDecoder(cols[ci].Type, colMem, wantDict[ci]),
			mem:    colMem,
			stats:  &r.stats,
		}
		meta := pf.Metadata()
		groups := pf.RowGroups()
		for _, g := range kept {
			cur.chunks = append(cur.chunks, groups[g].ColumnChunks()[leaf])
			md := &meta.RowGroups[g].Columns[leaf].MetaData
			cur.chunkBytes = append(cur.chunkBytes, md.TotalCompressedSize)
			if wantDict[ci] {
				cur.dictOnly = append(cur.dictOnly, dictionaryOnly(md))
			}
		}
		r.columns = append(r.columns, cur)
		r.colKeys = append(r.colKeys, cols[ci].Name+" "+cols[ci].Type.String())
	}
	r.schema = arrowSchema(projected)
	for i, ci := range opts.Columns {
		if wantDict[ci] {
			if r.dict == nil {
				r.dict = make([]bool, len(opts.Columns))
			}
			r.dict[i] = true
		}
	}
	if r.dict != nil {
		fields := r.schema.Fields()
		for i := range fields {
			if r.dict[i] {
				fields[i].Type = dictStringType
			}
		}
		r.dictSchema = arrow.NewSchema(fields, nil)
	}
	return r, nil
}

// dictionaryOnly tells whether a column chunk's data pages are all dictionary-encoded, by the page encoding
// statistics its metadata keeps (vcube's writer records them); without them, whether it has a dictionary.
func dictionaryOnly(md *format.ColumnMetaData) bool {
	if !slices.ContainsFunc(md.Encoding, isDictionaryEncoding) {
		return false
	}
	for _, st := range md.EncodingStats {
		if (st.PageType == format.DataPage || st.PageType == format.DataPageV2) && st.Count > 0 && !isDictionaryEncoding(st.Encoding) {
			return false
		}
	}
	return true
}

func isDictionaryEncoding(e format.Encoding) bool {
	return e == format.RLEDictionary || e == format.PlainDictionary
}

// Schema returns the schema of the batches: the projected columns, all nullable. Columns asked for as
// dictionaries (ScanOptions.Dictionary) are plain String here; each batch's own schema says their form.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// Stats returns what the reader has read so far.
func (r *Reader) Stats() ReadStats { return r.stats }

// Next returns the next batch, or io.EOF after the last. The batch is valid until the next call to Next or
// Close; a caller that keeps it Retains it.
func (r *Reader) Next() (arrow.RecordBatch, error) {
	if r.closed {
		return nil, errors.New("storage: Next on a closed chunk reader")
	}
	if r.batch != nil {
		r.batch.Release()
		r.batch = nil
	}
	if r.emitted >= r.numRows {
		return nil, io.EOF
	}
	n := int(min(int64(r.batchSize), r.numRows-r.emitted))
	if r.dict != nil && r.cache == nil {
		// One dictionary per batch: batches stop at the end of a row group.
		for r.groupEnds[r.groupAt] <= r.emitted {
			r.groupAt++
		}
		n = int(min(int64(n), r.groupEnds[r.groupAt]-r.emitted))
	}
	var arrs []arrow.Array
	var err error
	if r.cache != nil {
		arrs, n, err = r.readCached(n)
	} else {
		arrs, err = r.readDecoded(n)
	}
	if err != nil {
		return nil, err
	}
	r.batch = array.NewRecordBatch(r.batchSchema(arrs), arrs, int64(n))
	// The batch holds its own references to the arrays.
	for _, a := range arrs {
		a.Release()
	}
	r.emitted += int64(n)
	for r.stats.RowGroups < len(r.groupEnds) && (r.stats.RowGroups == 0 || r.groupEnds[r.stats.RowGroups-1] < r.emitted) {
		r.stats.RowGroups++
	}
	return r.batch, nil
}

// batchSchema returns the schema of a batch of arrs: columns asked for as dictionaries may have either form.
func (r *Reader) batchSchema(arrs []arrow.Array) *arrow.Schema {
	if r.dict == nil {
		return r.schema
	}
	plain, dict := true, true
	for i, a := range arrs {
		if !r.dict[i] {
			continue
		}
		isDict := a.DataType().ID() == arrow.DICTIONARY
		plain = plain && !isDict
		dict = dict && isDict
	}
	switch {
	case dict:
		return r.dictSchema
	case plain:
		return r.schema
	}
	fields := r.schema.Fields()
	for i, a := range arrs {
		fields[i].Type = a.DataType()
	}
	return arrow.NewSchema(fields, nil)
}

// readDecoded decodes the next n rows of every column.
func (r *Reader) readDecoded(n int) ([]arrow.Array, error) {
	arrs := make([]arrow.Array, 0, len(r.columns))
	for _, c := range r.columns {
		a, err := c.read(n)
		if err != nil {
			for _, done := range arrs {
				done.Release()
			}
			return nil, err
		}
		arrs = append(arrs, a)
	}
	return arrs, nil
}

// readCached returns up to n rows of every column, within the current row group, as slices of the group's
// arrays from the cache; a group not cached yet is decoded whole and cached.
func (r *Reader) readCached(n int) ([]arrow.Array, int, error) {
	if r.groupPos == r.groupRows[r.group] {
		r.releaseGroup()
		r.group++
		r.groupPos = 0
	}
	n = int(min(int64(n), r.groupRows[r.group]-r.groupPos))
	arrs := make([]arrow.Array, 0, len(r.columns))
	for i := range r.columns {
		if r.groupArrs[i] == nil {
			arr, err := r.cachedColumn(i)
			if err != nil {
				for _, done := range arrs {
					done.Release()
				}
				return nil, 0, err
			}
			r.groupArrs[i] = arr
		}
		arrs = append(arrs, array.NewSlice(r.groupArrs[i], r.groupPos, r.groupPos+int64(n)))
	}
	r.groupPos += int64(n)
	return arrs, n, nil
}

// cachedColumn returns column i's array of the current row group from the cache, or decodes and caches it.
// A TEXT column chunk is cached in either form or both, under a key for each: as a dictionary array when a
// reader asks for one and the chunk's data pages are all dictionary-encoded (its metadata says so), plainly
// otherwise. A plain read of a chunk cached only as a dictionary looks the indexes up once, which costs less
// than decoding the pages again, and caches the result too.
func (r *Reader) cachedColumn(i int) (arrow.Array, error) {
	c := r.columns[i]
	key := cacheKey{path: r.path, column: r.colKeys[i], group: r.groups[r.group]}
	asDict := r.dict != nil && r.dict[i] && c.dictOnly[r.group]
	if asDict {
		key.dict = true
		if arr := r.cache.get(key); arr != nil {
			return arr, nil
		}
	} else {
		if arr := r.cache.get(key); arr != nil {
			return arr, nil
		}
		if _, text := c.dec.(*stringDecoder); text {
			dictKey := key
			dictKey.dict = true
			if arr := r.cache.get(dictKey); arr != nil {
				if d, ok := arr.(*array.Dictionary); ok {
					plain := materializeDictionary(r.cache.mem, d)
					arr.Release()
					r.cache.put(key, plain)
					return plain, nil
				}
				return arr, nil // a chunk of NULLs, plain even when read for a dictionary
			}
		}
	}
	arr, err := c.readChunk(r.group, int(r.groupRows[r.group]), asDict)
	if err != nil {
		return nil, err
	}
	r.cache.put(key, arr)
	return arr, nil
}

// materializeDictionary returns the String array a dictionary array of strings stands for.
func materializeDictionary(mem memory.Allocator, d *array.Dictionary) *array.String {
	dict := d.Dictionary().(*array.String)
	idx := d.Indices().(*array.Int32).Int32Values()
	doffs, ddata := dict.ValueOffsets(), dict.ValueBytes()
	n := d.Len()
	total := 0
	for i, x := range idx {
		if d.IsValid(i) {
			total += int(doffs[x+1] - doffs[x])
		}
	}
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize(4 * (n + 1))
	offs := castBytes[int32](offBuf.Bytes(), n+1)
	dataBuf := memory.NewResizableBuffer(mem)
	dataBuf.Resize(total)
	out := dataBuf.Bytes()
	pos := int32(0)
	offs[0] = 0
	for i, x := range idx {
		if d.IsValid(i) {
			pos += int32(copy(out[pos:], ddata[doffs[x]:doffs[x+1]]))
		}
		offs[i+1] = pos
	}
	var valid *memory.Buffer
	if d.NullN() > 0 {
		valid = memory.NewResizableBuffer(mem)
		valid.Resize(int(bitutil.BytesForBits(int64(n))))
		bitutil.CopyBitmap(d.NullBitmapBytes(), d.Data().Offset(), n, valid.Bytes(), 0)
	}
	data := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{valid, offBuf, dataBuf}, nil, d.NullN(), 0)
	arr := array.NewStringData(data)
	data.Release()
	offBuf.Release()
	dataBuf.Release()
	if valid != nil {
		valid.Release()
	}
	return arr
}

func (r *Reader) releaseGroup() {
	for i, a := range r.groupArrs {
		if a != nil {
			a.Release()
			r.groupArrs[i] = nil
		}
	}
}

// Close releases the current batch, the pages held and the file. After Close, nothing the reader allocated
// from ScanOptions.Mem is still in use.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.batch != nil {
		r.batch.Release()
		r.batch = nil
	}
	r.releaseGroup()
	var errs []error
	for _, c := range r.columns {
		errs = append(errs, c.close())
	}
	errs = append(errs, r.files.release(r.file))
	return errors.Join(errs...)
}
