package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/klauspost/compress/gzip"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
)

// CSV import: one goroutine reads the file (gunzipping it when its name ends in .gz) in large blocks and cuts
// each block at the last record boundary with a quote-aware scan (bytes.IndexByte between quotes, so a file
// without quotes costs a few vectorised passes per block); workers parse whole blocks straight into Arrow
// builders; the calling goroutine hands finished batches to emit. Memory is bounded by the number of blocks in
// flight (Workers + 2) times the block size, plus one batch per worker, whatever the size of the file.
//
// Blocks carry their index and first line number, so a worker knows the line of every field it parses, and the
// error ReadCSV returns is the one a sequential reader would have hit first: after an error in block k, blocks
// before k are still parsed (one of them may hold an earlier error) and blocks after k are skipped.

// CSVOptions configure ReadCSV.
type CSVOptions struct {
	Header    bool             // true ("csv"): the first line names the columns; false ("csv_no_header"): fields are the table's columns in order
	Delimiter byte             // ',' when 0; '\t' for tab
	BatchRows int              // rows per batch; 65536 when 0
	Workers   int              // parsing goroutines; runtime.GOMAXPROCS(0) when 0
	Mem       memory.Allocator // required

	// Tests shrink these to force many blocks and to reach the record size limit quickly.
	blockSize   int  // bytes read per block; csvBlockSize when 0
	maxRecord   int  // longest record accepted, in bytes; csvMaxRecord when 0
	noQuickLine bool // parse every line field by field, as lines with quotes are (the fuzz test compares)
}

const (
	csvBlockSize = 1 << 20
	csvMaxRecord = 64 << 20
	csvBatchRows = 65536
	// csvValueInErrors is how much of a bad value an error message quotes.
	csvValueInErrors = 64
)

// ReadCSV reads one file (gzip when the name ends in .gz) and calls emit with record batches whose schema is
// cols' (Arrow types from sqltype.Type.Arrow(), all nullable). Batches may arrive in any order (the caller
// sorts); emit is called from one goroutine at a time (the caller's); the batch is released by ReadCSV after
// emit returns (emit Retains to keep it). A file with no rows (empty, or only a header) emits nothing.
//
// The format is RFC 4180: fields may be quoted with ", a quote inside a quoted field is doubled, quoted fields
// may hold the delimiter, CR and LF (kept as they are); records end with \n or \r\n, and the last one may end
// at the end of the file. A quote inside an unquoted field, or anything but a delimiter or a line end after a
// closing quote, is an error (1064). Empty lines are skipped (a header, though, is the first line); a leading
// UTF-8 byte order mark is ignored.
// NULL is an unquoted empty field or the unquoted text \N; a quoted empty field is the empty string in text
// columns and NULL in the others.
//
// With opts.Header the first record names the columns, matched to cols case-insensitively (surrounding spaces
// ignored); a name that is not a column (1054) or appears twice (1060) is an error, and a column the header
// does not name is NULL in every row. Every record must have as many fields as the header, or as cols without
// a header (1136).
//
// Values convert with MySQL's strict rules, as internal/sqltype parses them; an error names the file, the
// line of the field (1-based, counting the header and the lines inside quoted fields), the column and the
// value, e.g. `a.csv:17: column "price": Incorrect decimal value: '1.2.3'`, with MySQL's number: 1366 for a
// value that is not of the column's type, 1264 for a number out of the column's range, 1292 for a bad
// timestamp, 1406 for a string longer than its varchar(n). Text is kept byte for byte.
//
// The first error stops the read and is returned; so is emit's error, and ctx's when it is cancelled.
func ReadCSV(ctx context.Context, path string, cols []Column, opts CSVOptions, emit func(arrow.RecordBatch) error) error {
	if opts.Mem == nil {
		return errors.New("storage: ReadCSV needs an allocator")
	}
	if err := checkColumns(cols); err != nil {
		return err
	}
	if opts.Delimiter == 0 {
		opts.Delimiter = ','
	}
	switch opts.Delimiter {
	case '"', '\n', '\r':
		return fmt.Errorf("storage: %q cannot be a CSV delimiter", opts.Delimiter)
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = csvBatchRows
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.blockSize <= 0 {
		opts.blockSize = csvBlockSize
	}
	if opts.maxRecord <= 0 {
		opts.maxRecord = csvMaxRecord
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		gz, err := gzip.NewReader(f)
		if err == io.EOF {
			return nil // an empty file, even if named .gz, has no rows
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sp := &csvSplitter{
		r: r, path: path, blockSize: opts.blockSize, maxRecord: opts.maxRecord, line: 1,
		free: make(chan []byte, opts.Workers+2),
	}
	for range cap(sp.free) {
		sp.free <- nil // a token: the buffer is allocated on first use
	}
	layout, err := sp.start(ctx, cols, opts)
	if err != nil {
		return err
	}

	var errs csvErrors
	errs.min.Store(math.MaxInt64)
	blocks := make(chan csvBlock, opts.Workers)
	out := make(chan arrow.RecordBatch, opts.Workers)

	go func() {
		defer close(blocks)
		for ctx.Err() == nil && !errs.any() {
			blk, ok, err := sp.next(ctx)
			if err != nil {
				if ctx.Err() == nil {
					errs.set(blk.idx, err)
				}
				return
			}
			if !ok {
				return
			}
			select {
			case blocks <- blk:
			case <-ctx.Done():
				sp.release(blk.buf)
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Go(func() {
			p := newCSVParser(path, cols, layout, opts, out)
			defer p.release()
			for blk := range blocks {
				if ctx.Err() == nil && int64(blk.idx) < errs.min.Load() {
					if err := p.parseBlockSafe(blk); err != nil {
						errs.set(blk.idx, err)
					}
				}
				sp.release(blk.buf)
			}
			if ctx.Err() == nil && !errs.any() {
				p.flush()
			}
		})
	}
	go func() {
		wg.Wait()
		close(out)
	}()

	var emitErr error
	for rec := range out {
		if emitErr == nil && ctx.Err() == nil && !errs.any() {
			if err := emit(rec); err != nil {
				emitErr = err
				cancel()
			}
		}
		rec.Release()
	}
	switch {
	case emitErr != nil:
		return emitErr
	case errs.any():
		return errs.first()
	}
	// The parent's cancellation, if any: a read that was cut short must not look complete.
	return ctx.Err()
}

// csvErrors keeps the errors of a read by block index; the smallest index is the error a sequential reader
// would have met first.
type csvErrors struct {
	min  atomic.Int64 // smallest block index with an error; MaxInt64 when none
	mu   sync.Mutex
	errs map[int]error
}

func (e *csvErrors) set(idx int, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.errs == nil {
		e.errs = make(map[int]error)
	}
	if _, ok := e.errs[idx]; !ok {
		e.errs[idx] = err
	}
	if int64(idx) < e.min.Load() {
		e.min.Store(int64(idx))
	}
}

func (e *csvErrors) any() bool { return e.min.Load() != math.MaxInt64 }

func (e *csvErrors) first() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.errs[int(e.min.Load())]
}

// csvBlock is a run of whole records.
type csvBlock struct {
	idx  int    // position in the file, from 0
	line int    // line number of data[0]
	data []byte // whole records; only the last one may lack its line end, at the end of the file
	buf  []byte // the pooled buffer data lives in
}

// csvSplitter reads the file into pooled buffers and cuts them into blocks of whole records.
type csvSplitter struct {
	r         io.Reader
	path      string
	blockSize int
	maxRecord int
	free      chan []byte // pooled buffers; a nil entry is a buffer not yet allocated

	buf  []byte // current buffer: unsent data is buf[:n] and starts at a record boundary
	n    int
	eof  bool
	line int // line number of buf[0]
	idx  int // index of the next block
}

func (s *csvSplitter) get(ctx context.Context, size int) ([]byte, error) {
	var b []byte
	select {
	case b = <-s.free:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if cap(b) < size {
		b = make([]byte, size)
	}
	return b[:cap(b)], nil
}

// release puts a buffer back in the pool; buffers grown for a long record are dropped rather than kept.
func (s *csvSplitter) release(b []byte) {
	if cap(b) > 2*s.blockSize {
		b = nil
	}
	s.free <- b
}

// fill reads until the buffer is full or the file ends.
func (s *csvSplitter) fill() error {
	for !s.eof && s.n < len(s.buf) {
		k, err := s.r.Read(s.buf[s.n:])
		s.n += k
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			return fmt.Errorf("%s: %w", s.path, err)
		}
	}
	return nil
}

// grow doubles the buffer for a record that does not fit it.
func (s *csvSplitter) grow() error {
	if len(s.buf) >= s.maxRecord {
		return sqlerr.New(sqlerr.Parse, "%s:%d: a record is longer than %d bytes (is a quoted field not closed?)", s.path, s.line, s.maxRecord)
	}
	// The grown buffer keeps the pool token of the one it replaces; release drops it for a normal one.
	nb := make([]byte, min(2*len(s.buf), s.maxRecord))
	copy(nb, s.buf[:s.n])
	s.buf = nb
	return nil
}

// start gets the first buffer, skips a byte order mark and, with a header, reads it and maps its names to cols.
func (s *csvSplitter) start(ctx context.Context, cols []Column, opts CSVOptions) (csvLayout, error) {
	var err error
	if s.buf, err = s.get(ctx, s.blockSize); err != nil {
		return csvLayout{}, err
	}
	if err := s.fill(); err != nil {
		return csvLayout{}, err
	}
	for s.n < 3 && !s.eof { // room to see a byte order mark, whatever the block size
		if err := s.grow(); err != nil {
			return csvLayout{}, err
		}
		if err := s.fill(); err != nil {
			return csvLayout{}, err
		}
	}
	if bytes.HasPrefix(s.buf[:s.n], []byte("\xEF\xBB\xBF")) {
		s.n = copy(s.buf, s.buf[3:s.n])
		if err := s.fill(); err != nil {
			return csvLayout{}, err
		}
	}
	if !opts.Header {
		idx := make([]int, len(cols))
		for i := range idx {
			idx[i] = i
		}
		return csvLayout{fieldCol: idx}, nil
	}
	for {
		if s.n == 0 && s.eof {
			return csvLayout{}, nil // an empty file: no header, no rows
		}
		end := firstBoundary(s.buf[:s.n])
		if end < 0 && s.eof {
			end = s.n
		}
		if end >= 0 {
			hdr := s.buf[:end]
			layout, err := parseHeader(s.path, s.line, hdr, cols, opts.Delimiter)
			if err != nil {
				return csvLayout{}, err
			}
			s.line += bytes.Count(hdr, []byte{'\n'})
			s.n = copy(s.buf, s.buf[end:s.n])
			return layout, nil
		}
		if err := s.grow(); err != nil {
			return csvLayout{}, err
		}
		if err := s.fill(); err != nil {
			return csvLayout{}, err
		}
	}
}

// next returns the next block, or ok false at the end of the file. On error, blk.idx is the index the failing
// block would have had.
func (s *csvSplitter) next(ctx context.Context) (blk csvBlock, ok bool, err error) {
	blk.idx = s.idx
	for {
		if err := s.fill(); err != nil {
			return blk, false, err
		}
		if s.n == 0 {
			s.release(s.buf)
			s.buf = nil
			return blk, false, nil
		}
		end := s.n
		if !s.eof {
			end = lastBoundary(s.buf[:s.n])
		}
		if end < 0 {
			if err := s.grow(); err != nil {
				return blk, false, err
			}
			continue
		}
		tail := s.n - end
		nb, err := s.get(ctx, max(s.blockSize, 2*tail))
		if err != nil {
			return blk, false, err
		}
		copy(nb, s.buf[end:s.n])
		blk = csvBlock{idx: s.idx, line: s.line, data: s.buf[:end], buf: s.buf}
		s.line += bytes.Count(blk.data, []byte{'\n'})
		s.idx++
		s.buf, s.n = nb, tail
		return blk, true, nil
	}
}

// lastBoundary returns the offset just past the last line feed outside quotes in b (b starts outside quotes),
// or -1. Quote parity is all it takes: in valid CSV every quote opens or closes a quoted field or is half of a
// doubled quote, and parsing reports invalid CSV at or before the point where parity and syntax part ways.
func lastBoundary(b []byte) int {
	last, inQuote := -1, false
	for i := 0; ; {
		q := bytes.IndexByte(b[i:], '"')
		end := len(b)
		if q >= 0 {
			end = i + q
		}
		if !inQuote {
			if k := bytes.LastIndexByte(b[i:end], '\n'); k >= 0 {
				last = i + k + 1
			}
		}
		if q < 0 {
			return last
		}
		inQuote = !inQuote
		i = end + 1
	}
}

// firstBoundary returns the offset just past the first line feed outside quotes in b, or -1.
func firstBoundary(b []byte) int {
	inQuote := false
	for i := 0; ; {
		q := bytes.IndexByte(b[i:], '"')
		end := len(b)
		if q >= 0 {
			end = i + q
		}
		if !inQuote {
			if k := bytes.IndexByte(b[i:end], '\n'); k >= 0 {
				return i + k + 1
			}
		}
		if q < 0 {
			return -1
		}
		inQuote = !inQuote
		i = end + 1
	}
}

// csvLayout maps the fields of a record to table columns.
type csvLayout struct {
	fieldCol []int // column index of each field
	missing  []int // columns no field names (header mode): NULL in every row
}

func parseHeader(path string, line int, hdr []byte, cols []Column, delim byte) (csvLayout, error) {
	byName := make(map[string]int, len(cols))
	for i, c := range cols {
		byName[strings.ToLower(c.Name)] = i
	}
	var sc csvScanner
	sc.delim = delim
	seen := make([]bool, len(cols))
	var layout csvLayout
	for i := 0; ; {
		fs, err := sc.field(hdr, i)
		if err != nil {
			return csvLayout{}, sc.syntaxError(path, line, err)
		}
		if i == 0 && fs.term != termDelim && !fs.quoted && len(fs.value) == 0 {
			return csvLayout{}, sqlerr.New(sqlerr.Parse, "%s:%d: malformed CSV: the header line is empty", path, line)
		}
		name := strings.TrimSpace(string(fs.value))
		c, ok := byName[strings.ToLower(name)]
		switch {
		case !ok:
			return csvLayout{}, sqlerr.New(sqlerr.BadField, "%s:%d: unknown column %q in the header", path, line, name)
		case seen[c]:
			return csvLayout{}, sqlerr.New(sqlerr.DupFieldName, "%s:%d: column %q appears twice in the header", path, line, name)
		}
		seen[c] = true
		layout.fieldCol = append(layout.fieldCol, c)
		line += fs.newlines
		i = fs.next
		if fs.term != termDelim {
			break
		}
	}
	for c, ok := range seen {
		if !ok {
			if cols[c].NotNull {
				return csvLayout{}, sqlerr.New(sqlerr.BadNull, "%s:%d: Column '%s' cannot be null, and the header does not name it", path, line, cols[c].Name)
			}
			layout.missing = append(layout.missing, c)
		}
	}
	return layout, nil
}

// Field terminators.
const (
	termDelim = iota
	termLine
	termEOF
)

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// csvScanner cuts fields out of a block.
type csvScanner struct {
	delim   byte
	scratch []byte // unescaped quoted fields with doubled quotes
}

type csvField struct {
	value    []byte // valid until the next field
	quoted   bool
	next     int // offset after the terminator
	term     int
	newlines int // line feeds inside the field (quoted fields only)
}

// Syntax errors of a field, turned into messages by syntaxError.
var (
	errBareQuote     = errors.New(`a quote (") in an unquoted field; quote the field and double the quote`)
	errAfterQuote    = errors.New("unexpected text after a closing quote")
	errUnclosedQuote = errors.New("a quoted field is not closed")
)

func (sc *csvScanner) syntaxError(path string, line int, err error) error {
	return sqlerr.New(sqlerr.Parse, "%s:%d: malformed CSV: %v", path, line, err)
}

// field scans the field starting at b[i]. i may be len(b): an empty last field after a trailing delimiter.
func (sc *csvScanner) field(b []byte, i int) (csvField, error) {
	n := len(b)
	if i < n && b[i] == '"' {
		start := i + 1
		j := start
		escaped := false
		for {
			k := bytes.IndexByte(b[j:], '"')
			if k < 0 {
				return csvField{}, errUnclosedQuote
			}
			j += k
			if j+1 < n && b[j+1] == '"' {
				escaped = true
				j += 2
				continue
			}
			break
		}
		f := csvField{value: b[start:j], quoted: true}
		if bytes.IndexByte(f.value, '\n') >= 0 {
			f.newlines = bytes.Count(f.value, []byte{'\n'})
		}
		if escaped {
			sc.scratch = sc.scratch[:0]
			v := f.value
			for {
				k := bytes.IndexByte(v, '"')
				if k < 0 {
					break
				}
				sc.scratch = append(sc.scratch, v[:k+1]...)
				v = v[k+2:]
			}
			sc.scratch = append(sc.scratch, v...)
			f.value = sc.scratch
		}
		i = j + 1
		switch {
		case i == n:
			f.term, f.next = termEOF, n
		case b[i] == sc.delim:
			f.term, f.next = termDelim, i+1
		case b[i] == '\n':
			f.term, f.next = termLine, i+1
		case b[i] == '\r' && i+1 == n:
			f.term, f.next = termEOF, n
		case b[i] == '\r' && b[i+1] == '\n':
			f.term, f.next = termLine, i+2
		default:
			return csvField{}, errAfterQuote
		}
		return f, nil
	}
	start := i
	delim := sc.delim
	// Eight bytes at a time while no delimiter, line feed or quote shows (the classic has-zero-byte test on
	// the word xor each of them: the lowest flagged byte is exact), then byte by byte.
	for i+8 <= n {
		v := binary.LittleEndian.Uint64(b[i:])
		x1, x2, x3 := v^(lo8*uint64(delim)), v^(lo8*'\n'), v^(lo8*'"')
		if m := ((x1 - lo8) &^ x1) | ((x2 - lo8) &^ x2) | ((x3 - lo8) &^ x3); m&hi8 != 0 {
			i += bits.TrailingZeros64(m&hi8) >> 3
			break
		}
		i += 8
	}
	for i < n {
		c := b[i]
		if c == delim || c == '\n' {
			break
		}
		if c == '"' {
			return csvField{}, errBareQuote
		}
		i++
	}
	end := i
	f := csvField{}
	switch {
	case i == n:
		f.term, f.next = termEOF, n
		if end > start && b[end-1] == '\r' {
			end-- // a CR just before the end of the file ends the line
		}
	case b[i] == '\n':
		f.term, f.next = termLine, i+1
		if end > start && b[end-1] == '\r' {
			end--
		}
	default:
		f.term, f.next = termDelim, i+1
	}
	f.value = b[start:end]
	return f, nil
}

// csvColumn appends one table column's values.
type csvColumn struct {
	name    string
	typ     sqltype.Type
	notNull bool
	lo, hi  int64 // integer range

	builder array.Builder
	ints    *array.Int64Builder
	floats  *array.Float64Builder
	decs    *array.Decimal128Builder
	strs    *array.BinaryBuilder
	times   *array.TimestampBuilder
	bools   *array.BooleanBuilder
}

// csvParser is one worker's state: a scanner and builders for the batch being filled.
type csvParser struct {
	path        string
	sc          csvScanner
	layout      csvLayout
	cols        []csvColumn
	schema      *arrow.Schema
	out         chan<- arrow.RecordBatch
	batch       int
	rows        int
	noQuickLine bool
}

func newCSVParser(path string, cols []Column, layout csvLayout, opts CSVOptions, out chan<- arrow.RecordBatch) *csvParser {
	p := &csvParser{
		path: path, sc: csvScanner{delim: opts.Delimiter}, layout: layout, schema: arrowSchema(cols),
		out: out, batch: opts.BatchRows, cols: make([]csvColumn, len(cols)), noQuickLine: opts.noQuickLine,
	}
	for i, c := range cols {
		pc := &p.cols[i]
		pc.name, pc.typ, pc.notNull = c.Name, c.Type, c.NotNull
		pc.lo, pc.hi = c.Type.IntRange()
		pc.builder = array.NewBuilder(opts.Mem, c.Type.Arrow())
		switch b := pc.builder.(type) {
		case *array.Int64Builder:
			pc.ints = b
		case *array.Float64Builder:
			pc.floats = b
		case *array.Decimal128Builder:
			pc.decs = b
		case *array.StringBuilder:
			pc.strs = b.BinaryBuilder
		case *array.TimestampBuilder:
			pc.times = b
		case *array.BooleanBuilder:
			pc.bools = b
		}
	}
	return p
}

func (p *csvParser) release() {
	for _, c := range p.cols {
		c.builder.Release()
	}
}

// flush sends the rows parsed so far as one batch.
func (p *csvParser) flush() {
	if p.rows == 0 {
		return
	}
	for _, c := range p.layout.missing {
		p.cols[c].builder.AppendNulls(p.rows)
	}
	arrs := make([]arrow.Array, len(p.cols))
	for i, c := range p.cols {
		arrs[i] = c.builder.NewArray()
	}
	rec := array.NewRecordBatch(p.schema, arrs, int64(p.rows))
	if p.rows == p.batch {
		// A full batch says another is likely: size the builders (which NewArray left empty) for it at once
		// instead of growing them by doubling.
		for i, c := range p.cols {
			c.builder.Reserve(p.batch)
			if bufs := arrs[i].Data().Buffers(); c.strs != nil && len(bufs) > 2 && bufs[2] != nil {
				c.strs.ReserveData(bufs[2].Len())
			}
		}
	}
	for _, a := range arrs {
		a.Release()
	}
	p.rows = 0
	p.out <- rec
}

// parseBlockSafe is parseBlock with a panic turned into an error: a bug met on some odd file fails that import,
// not the server.
func (p *csvParser) parseBlockSafe(blk csvBlock) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = sqlerr.New(sqlerr.Unknown, "%s:%d: CSV parser failure in the block starting here: %v", p.path, blk.line, r)
		}
	}()
	return p.parseBlock(blk)
}

// parseBlock appends the records of a block to the builders, flushing full batches.
func (p *csvParser) parseBlock(blk csvBlock) error {
	b, line := blk.data, blk.line
	for i := 0; i < len(b); {
		// Empty lines are skipped.
		if b[i] == '\n' {
			line++
			i++
			continue
		}
		if b[i] == '\r' && (i+1 == len(b) || b[i+1] == '\n') {
			i++
			continue
		}
		recLine := line
		end := len(b)
		if k := bytes.IndexByte(b[i:], '\n'); k >= 0 {
			end = i + k
		}
		var nf int
		var err error
		if rec := b[i:end]; !p.noQuickLine && bytes.IndexByte(rec, '"') < 0 {
			nf, err = p.quickLine(rec, line)
			line, i = line+1, end+1
		} else {
			nf, line, i, err = p.record(b, i, line)
		}
		if err != nil {
			return err
		}
		if want := len(p.layout.fieldCol); nf != want {
			return sqlerr.New(sqlerr.WrongValueCount, "%s:%d: the record has %d fields, expected %d", p.path, recLine, nf, want)
		}
		p.rows++
		if p.rows == p.batch {
			p.flush()
		}
	}
	return nil
}

// quickLine appends the fields of a line without quotes (most lines): they are what lies between delimiters,
// found with IndexByte. It returns the number of fields.
func (p *csvParser) quickLine(rec []byte, line int) (int, error) {
	if len(rec) > 0 && rec[len(rec)-1] == '\r' {
		rec = rec[:len(rec)-1]
	}
	fieldCol := p.layout.fieldCol
	for f := 0; ; f++ {
		k := bytes.IndexByte(rec, p.sc.delim)
		v := rec
		if k >= 0 {
			v = rec[:k]
		}
		if f < len(fieldCol) {
			if err := p.appendField(fieldCol[f], v, false, line); err != nil {
				return f, err
			}
		}
		if k < 0 {
			return f + 1, nil
		}
		rec = rec[k+1:]
	}
}

// record appends the fields of the record at b[i], field by field, following quotes across lines. It returns
// the number of fields, the line and offset after the record.
func (p *csvParser) record(b []byte, i, line int) (nf, nextLine, next int, err error) {
	fieldCol := p.layout.fieldCol
	for f := 0; ; f++ {
		fs, err := p.sc.field(b, i)
		if err != nil {
			return f, line, i, p.sc.syntaxError(p.path, line, err)
		}
		if f < len(fieldCol) {
			if err := p.appendField(fieldCol[f], fs.value, fs.quoted, line); err != nil {
				return f, line, i, err
			}
		}
		line += fs.newlines
		if fs.term != termDelim {
			if fs.term == termLine {
				line++
			}
			return f + 1, line, fs.next, nil
		}
		i = fs.next
	}
}

// appendField converts one field's text to its column's type and appends it.
func (p *csvParser) appendField(ci int, v []byte, quoted bool, line int) error {
	c := &p.cols[ci]
	if len(v) == 0 && (!quoted || c.strs == nil) || !quoted && len(v) == 2 && v[0] == '\\' && v[1] == 'N' {
		if c.notNull {
			return sqlerr.New(sqlerr.BadNull, "%s:%d: Column '%s' cannot be null", p.path, line, c.name)
		}
		c.builder.AppendNull()
		return nil
	}
	switch c.typ.Kind {
	case sqltype.KindString:
		if c.typ.Length > 0 && len(v) > c.typ.Length && utf8.RuneCount(v) > c.typ.Length {
			return p.valueError(c, line, sqlerr.DataTooLong, "Data too long for "+c.typ.String(), v)
		}
		c.strs.Append(v)
	case sqltype.KindInt:
		n, ok := parseIntFast(v)
		if !ok {
			var err error
			if n, err = sqltype.ParseInt(string(v)); err != nil {
				return p.convError(c, line, err, "integer", v)
			}
		}
		if n < c.lo || n > c.hi {
			return p.convError(c, line, sqltype.ErrOverflow, "integer", v)
		}
		c.ints.Append(n)
	case sqltype.KindFloat:
		x, ok := parseFloatFast(v)
		if !ok {
			var err error
			if x, err = sqltype.ParseFloat(string(v)); err != nil {
				return p.convError(c, line, err, "double", v)
			}
		}
		c.floats.Append(x)
	case sqltype.KindDecimal:
		d, ok := parseDecimalFast(v, c.typ.Precision, c.typ.Scale)
		if !ok {
			var err error
			if d, err = sqltype.ParseDecimal(string(v), c.typ.Precision, c.typ.Scale); err != nil {
				return p.convError(c, line, err, "decimal", v)
			}
		}
		c.decs.Append(d)
	case sqltype.KindTimestamp:
		ts, ok := parseTimestampFast(v)
		if !ok {
			var err error
			if ts, err = sqltype.ParseTimestamp(string(v)); err != nil {
				return p.valueError(c, line, sqlerr.TruncatedValue, "Incorrect datetime value", v)
			}
		}
		c.times.Append(arrow.Timestamp(ts))
	case sqltype.KindBool:
		t, ok := parseBool(v)
		if !ok {
			return p.valueError(c, line, sqlerr.WrongValueForField, "Incorrect boolean value", v)
		}
		c.bools.Append(t)
	}
	return nil
}

func (p *csvParser) convError(c *csvColumn, line int, err error, kind string, v []byte) error {
	if errors.Is(err, sqltype.ErrOverflow) {
		return p.valueError(c, line, sqlerr.OutOfRange, "Out of range value", v)
	}
	return p.valueError(c, line, sqlerr.WrongValueForField, "Incorrect "+kind+" value", v)
}

func (p *csvParser) valueError(c *csvColumn, line int, code sqlerror.ErrorCode, what string, v []byte) error {
	s := string(v)
	if len(s) > csvValueInErrors {
		cut := csvValueInErrors
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return sqlerr.New(code, "%s:%d: column %q: %s: '%s'", p.path, line, c.name, what, s)
}

// The fast paths below take the common spellings of numbers and timestamps straight from bytes, and give up
// (ok false) on anything else, which then goes through internal/sqltype: both give the same value for every
// input they both accept (a test compares them).

// parseIntFast reads [+-]?[0-9]{1,18}.
func parseIntFast(b []byte) (int64, bool) {
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, i = b[0] == '-', 1
	}
	if len(b) == i || len(b)-i > 18 {
		return 0, false
	}
	var v int64
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false
		}
		v = v*10 + int64(d)
	}
	if neg {
		v = -v
	}
	return v, true
}

var float64Pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloatFast reads [+-]?[0-9]*(\.[0-9]*)? with at least one digit, when the digits make an integer below
// 2^53 and at most 22 of them follow the point: the quotient of two exact doubles is then correctly rounded,
// as strconv.ParseFloat's result is.
func parseFloatFast(b []byte) (float64, bool) {
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, i = b[0] == '-', 1
	}
	var mant uint64
	digits, frac, sig := 0, 0, 0
	dot := false
	for ; i < len(b); i++ {
		c := b[i]
		if c == '.' {
			if dot {
				return 0, false
			}
			dot = true
			continue
		}
		d := c - '0'
		if d > 9 {
			return 0, false
		}
		digits++
		if dot {
			frac++
		}
		if mant == 0 && d == 0 {
			continue
		}
		if sig++; sig > 16 {
			return 0, false
		}
		mant = mant*10 + uint64(d)
	}
	if digits == 0 || mant >= 1<<53 || frac > 22 && mant != 0 {
		return 0, false
	}
	x := float64(mant)
	if frac > 0 && mant != 0 {
		x /= float64Pow10[frac]
	}
	if neg {
		x = -x
	}
	return x, true
}

var int64Pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
	1e17, 1e18}

// parseDecimalFast reads [+-]?[0-9]*(\.[0-9]*)? with at least one digit, no more fractional digits than scale
// (nothing to round) and at most 18 significant digits once scaled.
func parseDecimalFast(b []byte, precision, scale int) (decimal128.Num, bool) {
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, i = b[0] == '-', 1
	}
	var v int64
	digits, frac, sig := 0, 0, 0
	dot := false
	for ; i < len(b); i++ {
		c := b[i]
		if c == '.' {
			if dot {
				return decimal128.Num{}, false
			}
			dot = true
			continue
		}
		d := c - '0'
		if d > 9 {
			return decimal128.Num{}, false
		}
		digits++
		if dot {
			frac++
		}
		if v == 0 && d == 0 {
			continue
		}
		if sig++; sig > 18 {
			return decimal128.Num{}, false
		}
		v = v*10 + int64(d)
	}
	if digits == 0 || frac > scale {
		return decimal128.Num{}, false
	}
	if v == 0 {
		return decimal128.Num{}, true
	}
	shift := scale - frac
	if sig+shift > 18 || sig+shift > precision {
		return decimal128.Num{}, false
	}
	v *= int64Pow10[shift]
	if neg {
		v = -v
	}
	return decimal128.FromI64(v), true
}

// parseTimestampFast reads YYYY-MM-DD and YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}] (fractions past microseconds are
// dropped, as sqltype.ParseTimestamp drops them).
func parseTimestampFast(b []byte) (int64, bool) {
	if len(b) != 10 && len(b) < 19 || b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	y, ok1 := digits4(b[0:4])
	m, ok2 := digits2(b[5:7])
	d, ok3 := digits2(b[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	days := daysFromCivil(y, m, d)
	if len(b) == 10 {
		return days * 86_400_000_000, true
	}
	if b[10] != ' ' && b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	hh, ok1 := digits2(b[11:13])
	mm, ok2 := digits2(b[14:16])
	ss, ok3 := digits2(b[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return 0, false
	}
	micros := 0
	if len(b) > 19 {
		frac := b[20:]
		if b[19] != '.' || len(frac) == 0 || len(frac) > 9 {
			return 0, false
		}
		for k := range 6 {
			d := 0
			if k < len(frac) {
				d = int(frac[k] - '0')
			}
			micros = micros*10 + d
		}
		for _, c := range frac {
			if c-'0' > 9 {
				return 0, false
			}
		}
	}
	return (days*86_400+int64(hh*3600+mm*60+ss))*1_000_000 + int64(micros), true
}

func digits2(b []byte) (int, bool) {
	d0, d1 := b[0]-'0', b[1]-'0'
	return int(d0)*10 + int(d1), d0 <= 9 && d1 <= 9
}

func digits4(b []byte) (int, bool) {
	hi, ok1 := digits2(b[0:2])
	lo, ok2 := digits2(b[2:4])
	return hi*100 + lo, ok1 && ok2
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date (years 0..9999 here).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// parseBool accepts true, false, 1 and 0, in any case and with surrounding spaces.
func parseBool(b []byte) (value, ok bool) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 1 && b[0] == '1':
		return true, true
	case len(b) == 1 && b[0] == '0':
		return false, true
	case bytes.EqualFold(b, []byte("true")):
		return true, true
	case bytes.EqualFold(b, []byte("false")):
		return false, true
	}
	return false, false
}
