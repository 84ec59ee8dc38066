package storage

import (
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
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

	projected := make([]Column, len(opts.Columns))
	for i, ci := range opts.Columns {
		projected[i] = cols[ci]
		leaf := leaves[ci]
		leafCol, _ := pf.Schema().Lookup(cols[ci].Name)
		cur := &columnCursor{
			name:   cols[ci].Name,
			path:   path,
			maxDef: byte(leafCol.MaxDefinitionLevel),
			dec:    newDecoder(cols[ci].Type, colMem),
			mem:    colMem,
			stats:  &r.stats,
		}
		meta := pf.Metadata()
		groups := pf.RowGroups()
		for _, g := range kept {
			cur.chunks = append(cur.chunks, groups[g].ColumnChunks()[leaf])
			cur.chunkBytes = append(cur.chunkBytes, meta.RowGroups[g].Columns[leaf].MetaData.TotalCompressedSize)
		}
		r.columns = append(r.columns, cur)
		r.colKeys = append(r.colKeys, cols[ci].Name+" "+cols[ci].Type.String())
	}
	r.schema = arrowSchema(projected)
	return r, nil
}

// Schema returns the schema of the batches: the projected columns, all nullable.
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
	r.batch = array.NewRecordBatch(r.schema, arrs, int64(n))
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
	for i, c := range r.columns {
		if r.groupArrs[i] == nil {
			key := cacheKey{path: r.path, column: r.colKeys[i], group: r.groups[r.group]}
			arr := r.cache.get(key)
			if arr == nil {
				var err error
				if arr, err = c.readChunk(r.group, int(r.groupRows[r.group])); err != nil {
					for _, done := range arrs {
						done.Release()
					}
					return nil, 0, err
				}
				r.cache.put(key, arr)
			}
			r.groupArrs[i] = arr
		}
		arrs = append(arrs, array.NewSlice(r.groupArrs[i], r.groupPos, r.groupPos+int64(n)))
	}
	r.groupPos += int64(n)
	return arrs, n, nil
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
