package storage

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	mbits "math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// columnCursor walks one column of a file, row group after row group and page after page, and cuts Arrow
// arrays of any length out of it. A page's values are decoded once by parquet-go; the cursor then copies them
// into Arrow buffers in bulk, spreading them over the rows by the page's definition levels.
type columnCursor struct {
	name, path string
	maxDef     byte
	chunks     []parquet.ColumnChunk // this column's chunk in each row group
	chunkBytes []int64               // their compressed sizes
	dictOnly   []bool                // with ScanOptions.Dictionary: whether each chunk is dictionary-encoded throughout
	next       int                   // next chunk to open
	pages      parquet.Pages
	page       parquet.Page
	defs       []byte // definition levels of the page; nil when the page has no null
	rows       int    // rows in the page
	pos        int    // next row of the page
	vpos       int    // next non-null value of the page
	dec        decoder
	mem        memory.Allocator
	stats      *ReadStats
}

// decoder copies the values of one column type from Parquet pages into one Arrow array at a time.
type decoder interface {
	// load points the decoder at the non-null values of page p, of which there are nonNull.
	load(p parquet.Page, nonNull int) error
	// unload drops every reference into the current page, before the page is released.
	unload()
	// newChunk forgets what belongs to the previous column chunk (its dictionary).
	newChunk()
	// release drops what the decoder keeps across pages (a column chunk's dictionary), when the cursor closes.
	release()
	// begin starts an output array of n rows, whose validity bits the cursor sets in valid, rows [at, at+k)
	// before each copy of them.
	begin(n int, valid []byte)
	// copy fills output rows [at, at+k) from the page: row i is a value when defs is nil or defs[i] == maxDef,
	// else null. Values are taken from the page's non-null values starting at vpos; copy returns how many.
	copy(defs []byte, maxDef byte, at, k, vpos int) (used int, err error)
	// finish returns the output array, with validity bitmap valid (nil when nulls is 0).
	finish(valid *memory.Buffer, nulls int) arrow.Array
	// abort releases a begun output array after an error.
	abort()
}

// newDecoder returns the decoder of a column of type t. With wantDict, a TEXT column's arrays are dictionary
// arrays where its pages allow (see stringDecoder).
func newDecoder(t sqltype.Type, mem memory.Allocator, wantDict bool) decoder {
	switch t.Kind {
	case sqltype.KindInt, sqltype.KindTimestamp:
		return &fixedDecoder[int64]{mem: mem, dt: t.Arrow(), dense: denseValues[int64]{convert: int64Values}}
	case sqltype.KindFloat:
		return &fixedDecoder[float64]{mem: mem, dt: t.Arrow(), dense: denseValues[float64]{convert: float64Values}}
	case sqltype.KindDecimal:
		return &fixedDecoder[decimal128.Num]{mem: mem, dt: t.Arrow(), dense: denseValues[decimal128.Num]{convert: decimalValues}}
	case sqltype.KindBool:
		return &boolDecoder{mem: mem, dense: denseValues[byte]{convert: boolValues}}
	case sqltype.KindString:
		return &stringDecoder{mem: mem, wantDict: wantDict}
	}
	panic("storage: newDecoder of unchecked type " + t.String())
}

// read returns the next n rows of the column as an Arrow array.
func (c *columnCursor) read(n int) (arrow.Array, error) {
	valid := memory.NewResizableBuffer(c.mem)
	valid.Resize(int(bitutil.BytesForBits(int64(n))))
	bits := valid.Bytes()
	clear(bits) // allocators need not zero, and the padding bits must not be garbage
	c.dec.begin(n, bits)
	nulls := 0
	for at := 0; at < n; {
		if c.pos == c.rows {
			if err := c.nextPage(); err != nil {
				valid.Release()
				c.dec.abort()
				return nil, err
			}
		}
		k := min(n-at, c.rows-c.pos)
		var defs []byte
		if c.defs != nil {
			defs = c.defs[c.pos : c.pos+k]
			nulls += setValidity(bits, at, defs, c.maxDef)
		} else {
			bitutil.SetBitsTo(bits, int64(at), int64(k), true)
		}
		used, err := c.dec.copy(defs, c.maxDef, at, k, c.vpos)
		if err != nil {
			valid.Release()
			c.dec.abort()
			return nil, fmt.Errorf("storage: %s: column %q: %w", c.path, c.name, err)
		}
		c.vpos += used
		c.pos += k
		at += k
	}
	if c.pos == c.rows {
		c.releasePage() // give the page's buffers back now rather than at the next read
	}
	if nulls == 0 {
		valid.Release()
		valid = nil
	}
	arr := c.dec.finish(valid, nulls)
	if valid != nil {
		valid.Release() // the array holds its own reference
	}
	return arr, nil
}

// setValidity sets the validity bits of rows [at, at+len(defs)) from their definition levels (a value where the
// level is maxDef) in bits, which are clear there, and returns how many rows are NULL. Whole bytes are composed
// eight levels at a time rather than bit by bit.
func setValidity(bits []byte, at int, defs []byte, maxDef byte) (nulls int) {
	i := 0
	for ; i < len(defs) && (at+i)%8 != 0; i++ {
		if defs[i] == maxDef {
			bitutil.SetBit(bits, at+i)
		} else {
			nulls++
		}
	}
	for ; i+8 <= len(defs); i += 8 {
		d := defs[i : i+8 : i+8]
		var b byte
		for j, l := range d {
			if l == maxDef {
				b |= 1 << j
			}
		}
		bits[(at+i)>>3] = b
		nulls += 8 - mbits.OnesCount8(b)
	}
	for ; i < len(defs); i++ {
		if defs[i] == maxDef {
			bitutil.SetBit(bits, at+i)
		} else {
			nulls++
		}
	}
	return nulls
}

// nextPage moves to the next page holding rows, opening the next column chunk when one runs out.
func (c *columnCursor) nextPage() error {
	c.releasePage()
	for {
		if c.pages == nil {
			if c.next == len(c.chunks) {
				return fmt.Errorf("storage: %s: column %q holds fewer rows than the file", c.path, c.name)
			}
			c.pages = c.chunks[c.next].Pages()
			c.stats.BytesRead += c.chunkBytes[c.next]
			c.next++
			c.dec.newChunk()
		}
		p, err := c.pages.ReadPage()
		if err == io.EOF {
			err = c.pages.Close()
			c.pages = nil
			if err != nil {
				return fmt.Errorf("storage: %s: column %q: %w", c.path, c.name, err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("storage: %s: column %q: %w", c.path, c.name, err)
		}
		rows := int(p.NumRows())
		if rows == 0 {
			parquet.Release(p)
			continue
		}
		nonNull := rows
		c.defs = nil
		if c.maxDef > 0 {
			defs := p.DefinitionLevels()
			if len(defs) != rows {
				parquet.Release(p)
				return fmt.Errorf("storage: %s: column %q: page has %d definition levels for %d rows", c.path, c.name, len(defs), rows)
			}
			if nulls := int(p.NumNulls()); nulls > 0 {
				c.defs = defs
				nonNull = rows - nulls
			}
		}
		if err := c.dec.load(p, nonNull); err != nil {
			c.defs = nil
			parquet.Release(p)
			return fmt.Errorf("storage: %s: column %q: %w", c.path, c.name, err)
		}
		c.page, c.rows, c.pos, c.vpos = p, rows, 0, 0
		return nil
	}
}

// readChunk decodes the whole column chunk of kept row group g (of rows rows), wherever the cursor was. A TEXT
// column asked for as a dictionary (ScanOptions.Dictionary) is one only with asDict.
func (c *columnCursor) readChunk(g, rows int, asDict bool) (arrow.Array, error) {
	if err := c.close(); err != nil {
		return nil, err
	}
	c.next = g
	if sd, ok := c.dec.(*stringDecoder); ok {
		wanted := sd.wantDict
		sd.wantDict = wanted && asDict
		defer func() { sd.wantDict = wanted }()
	}
	arr, err := c.read(rows)
	if cerr := c.close(); err == nil && cerr != nil {
		arr.Release()
		return nil, cerr
	}
	return arr, err
}

func (c *columnCursor) releasePage() {
	if c.page == nil {
		return
	}
	c.dec.unload()
	parquet.Release(c.page)
	c.page, c.defs, c.rows, c.pos, c.vpos = nil, nil, 0, 0, 0
}

func (c *columnCursor) close() error {
	c.releasePage()
	c.dec.release()
	if c.pages == nil {
		return nil
	}
	err := c.pages.Close()
	c.pages = nil
	return err
}

// denseValues holds the non-null values of the current page as a []T, looking dictionary indexes up when the
// page is dictionary-encoded.
type denseValues[T any] struct {
	// convert turns n values of a plain page (or of a dictionary) into []T; it returns either a view of v or
	// *scratch, grown as needed.
	convert  func(v encoding.Values, n int, scratch *[]T) ([]T, error)
	vals     []T
	scratch  []T
	dict     parquet.Dictionary
	dictTmp  []T
	dictVals []T // a copy: it outlives the pages of its chunk
}

func (d *denseValues[T]) load(p parquet.Page, nonNull int) error {
	data := p.Data()
	dict := p.Dictionary()
	if dict == nil {
		vals, err := d.convert(data, nonNull, &d.scratch)
		if err != nil {
			return err
		}
		if len(vals) < nonNull {
			return fmt.Errorf("page has %d values for %d non-null rows", len(vals), nonNull)
		}
		d.vals = vals
		return nil
	}
	if dict != d.dict {
		vals, err := d.convert(dict.Page().Data(), dict.Len(), &d.dictTmp)
		if err != nil {
			return fmt.Errorf("dictionary: %w", err)
		}
		if len(vals) < dict.Len() {
			return fmt.Errorf("dictionary has %d values, expected %d", len(vals), dict.Len())
		}
		d.dict, d.dictVals = dict, append(d.dictVals[:0], vals[:dict.Len()]...)
	}
	idx, err := dictIndexes(data, nonNull, len(d.dictVals))
	if err != nil {
		return err
	}
	d.scratch = grow(d.scratch, len(idx))
	for i, x := range idx {
		d.scratch[i] = d.dictVals[x]
	}
	d.vals = d.scratch
	return nil
}

func (d *denseValues[T]) unload() { d.vals = nil }

func (d *denseValues[T]) newChunk() {
	d.dict = nil
	d.dictVals = d.dictVals[:0]
}

// dictIndexes returns the indexes of a dictionary-encoded page, checked against the dictionary's size so that a
// corrupt file gives an error, not a panic.
func dictIndexes(data encoding.Values, nonNull, dictLen int) ([]int32, error) {
	if data.Kind() != encoding.Int32 {
		return nil, fmt.Errorf("dictionary-encoded page holds %s, not indexes", data.Kind())
	}
	idx := data.Int32()
	if len(idx) < nonNull {
		return nil, fmt.Errorf("page has %d dictionary indexes for %d non-null rows", len(idx), nonNull)
	}
	idx = idx[:nonNull]
	for _, x := range idx {
		if uint32(x) >= uint32(dictLen) {
			return nil, fmt.Errorf("dictionary index %d out of range [0, %d)", x, dictLen)
		}
	}
	return idx, nil
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func kindError(got encoding.Kind, want string) error {
	return fmt.Errorf("page holds %s values, expected %s", got, want)
}

func int64Values(v encoding.Values, _ int, _ *[]int64) ([]int64, error) {
	if v.Kind() != encoding.Int64 {
		return nil, kindError(v.Kind(), "INT64")
	}
	return v.Int64(), nil
}

func float64Values(v encoding.Values, _ int, _ *[]float64) ([]float64, error) {
	if v.Kind() != encoding.Double {
		return nil, kindError(v.Kind(), "DOUBLE")
	}
	return v.Double(), nil
}

// decimalValues widens INT64 (and INT32) decimals, and reads big-endian two's-complement FIXED_LEN_BYTE_ARRAY
// decimals, into Arrow's 128-bit form.
func decimalValues(v encoding.Values, _ int, scratch *[]decimal128.Num) ([]decimal128.Num, error) {
	switch v.Kind() {
	case encoding.Int64:
		src := v.Int64()
		out := grow(*scratch, len(src))
		*scratch = out
		for i, x := range src {
			out[i] = decimal128.New(x>>63, uint64(x))
		}
		return out, nil
	case encoding.Int32:
		src := v.Int32()
		out := grow(*scratch, len(src))
		*scratch = out
		for i, x := range src {
			out[i] = decimal128.New(int64(x>>31), uint64(int64(x)))
		}
		return out, nil
	case encoding.FixedLenByteArray:
		data, size := v.FixedLenByteArray()
		if size != 16 {
			return nil, fmt.Errorf("decimal stored in %d bytes, expected 16", size)
		}
		out := grow(*scratch, len(data)/16)
		*scratch = out
		for i := range out {
			b := data[16*i : 16*i+16]
			out[i] = decimal128.New(int64(binary.BigEndian.Uint64(b[:8])), binary.BigEndian.Uint64(b[8:]))
		}
		return out, nil
	}
	return nil, kindError(v.Kind(), "a decimal")
}

// boolValues unpacks n bit-packed booleans into one byte each, so the scatter into rows is a plain index.
func boolValues(v encoding.Values, n int, scratch *[]byte) ([]byte, error) {
	if v.Kind() != encoding.Boolean {
		return nil, kindError(v.Kind(), "BOOLEAN")
	}
	bits := v.Boolean()
	if len(bits)*8 < n {
		return nil, fmt.Errorf("page has %d bits of booleans for %d values", len(bits)*8, n)
	}
	out := grow(*scratch, n)
	*scratch = out
	for i := range out {
		out[i] = (bits[i>>3] >> (i & 7)) & 1
	}
	return out, nil
}

// castBytes views an Arrow buffer as n values of T. Arrow buffers are 64-byte aligned, so any T fits.
func castBytes[T any](b []byte, n int) []T {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// fixedDecoder builds arrays of a fixed-width type: Int64, Float64, Timestamp and Decimal128.
type fixedDecoder[T any] struct {
	mem   memory.Allocator
	dt    arrow.DataType
	dense denseValues[T]
	buf   *memory.Buffer
	out   []T
	n     int
}

func (d *fixedDecoder[T]) load(p parquet.Page, nonNull int) error { return d.dense.load(p, nonNull) }
func (d *fixedDecoder[T]) unload()                                { d.dense.unload() }
func (d *fixedDecoder[T]) newChunk()                              { d.dense.newChunk() }
func (d *fixedDecoder[T]) release()                               {}

func (d *fixedDecoder[T]) begin(n int, _ []byte) {
	var zero T
	d.n = n
	d.buf = memory.NewResizableBuffer(d.mem)
	d.buf.Resize(n * int(unsafe.Sizeof(zero)))
	d.out = castBytes[T](d.buf.Bytes(), n)
}

func (d *fixedDecoder[T]) copy(defs []byte, maxDef byte, at, k, vpos int) (int, error) {
	src := d.dense.vals[vpos:]
	if defs == nil {
		copy(d.out[at:at+k], src[:k])
		return k, nil
	}
	var zero T
	j := 0
	out := d.out[at : at+k]
	for i, l := range defs {
		if l == maxDef {
			out[i] = src[j]
			j++
		} else {
			out[i] = zero
		}
	}
	return j, nil
}

func (d *fixedDecoder[T]) finish(valid *memory.Buffer, nulls int) arrow.Array {
	data := array.NewData(d.dt, d.n, []*memory.Buffer{valid, d.buf}, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	d.buf.Release()
	d.buf, d.out = nil, nil
	return arr
}

func (d *fixedDecoder[T]) abort() {
	if d.buf != nil {
		d.buf.Release()
		d.buf, d.out = nil, nil
	}
}

// boolDecoder builds Boolean arrays, whose values are a bitmap.
type boolDecoder struct {
	mem   memory.Allocator
	dense denseValues[byte]
	buf   *memory.Buffer
	bits  []byte
	n     int
}

func (d *boolDecoder) load(p parquet.Page, nonNull int) error { return d.dense.load(p, nonNull) }
func (d *boolDecoder) unload()                                { d.dense.unload() }
func (d *boolDecoder) newChunk()                              { d.dense.newChunk() }
func (d *boolDecoder) release()                               {}

func (d *boolDecoder) begin(n int, _ []byte) {
	d.n = n
	d.buf = memory.NewResizableBuffer(d.mem)
	d.buf.Resize(int(bitutil.BytesForBits(int64(n))))
	d.bits = d.buf.Bytes()
	clear(d.bits)
}

func (d *boolDecoder) copy(defs []byte, maxDef byte, at, k, vpos int) (int, error) {
	src := d.dense.vals[vpos:]
	j := 0
	for i := range k {
		if defs != nil && defs[i] != maxDef {
			continue
		}
		if src[j] != 0 {
			bitutil.SetBit(d.bits, at+i)
		}
		j++
	}
	return j, nil
}

func (d *boolDecoder) finish(valid *memory.Buffer, nulls int) arrow.Array {
	data := array.NewData(arrow.FixedWidthTypes.Boolean, d.n, []*memory.Buffer{valid, d.buf}, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	d.buf.Release()
	d.buf, d.bits = nil, nil
	return arr
}

func (d *boolDecoder) abort() {
	if d.buf != nil {
		d.buf.Release()
		d.buf, d.bits = nil, nil
	}
}

// stringDecoder builds String arrays from plain BYTE_ARRAY pages (copied in one slab when the rows have no
// null) and from dictionary-encoded ones (looked up value by value).
//
// With wantDict (ScanOptions.Dictionary), an output array whose rows all come from dictionary-encoded pages of
// one column chunk is a Dictionary array instead: int32 indexes into the chunk's dictionary, which is turned
// into an Arrow String array once per chunk and shared by every array cut from that chunk. The writer falls back
// to plain pages once a chunk's dictionary outgrows its limit (and other writers may mix encodings freely), so
// an output that meets a plain page, or a second dictionary, is materialized: the rows written as indexes so far
// are looked up into string data and the rest is copied as without wantDict. Each array is therefore either
// dictionary-encoded or plain, never a mix, and readers of the column must take both.
type stringDecoder struct {
	mem      memory.Allocator
	wantDict bool
	// The current page: either plain values (data, offs) or dictionary indexes into (ddata, doffs).
	dict  bool
	data  []byte
	offs  []uint32
	idx   []int32
	ddata []byte
	doffs []uint32
	// With wantDict: the current column chunk's dictionary (pageDict) as an Arrow array (nil when it cannot be
	// one: more than 2 GiB of strings).
	pageDict parquet.Dictionary
	dictArr  *array.String
	// plainSeen: the chunk has had a plain page with values. Writers fall back to plain for the rest of the
	// chunk, so its following arrays start plain rather than materialize at their first page.
	plainSeen bool
	// The output array.
	n     int
	valid []byte // its validity bits, set by the cursor before each copy
	// Dictionary output: indexes (0 at NULL rows) into outDict, which is nil until a row takes a value.
	asDict  bool
	idxBuf  *memory.Buffer
	outIdx  []int32
	outDict *array.String // retained while the output refers to it
	// Plain output.
	offBuf  *memory.Buffer
	outOffs []int32
	dataBuf *memory.Buffer
	out     []byte // dataBuf's whole capacity
	dlen    int
}

// dictStringType is the type of the dictionary arrays a scan returns for TEXT columns.
var dictStringType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

func (d *stringDecoder) load(p parquet.Page, nonNull int) error {
	data := p.Data()
	if dict := p.Dictionary(); dict != nil {
		dv := dict.Page().Data()
		if dv.Kind() != encoding.ByteArray {
			return fmt.Errorf("dictionary: %w", kindError(dv.Kind(), "BYTE_ARRAY"))
		}
		ddata, doffs := dv.ByteArray()
		if len(doffs) < dict.Len()+1 {
			return fmt.Errorf("dictionary has %d offsets for %d values", len(doffs), dict.Len())
		}
		idx, err := dictIndexes(data, nonNull, dict.Len())
		if err != nil {
			return err
		}
		if d.wantDict && dict != d.pageDict {
			if err := d.setDictionary(dict, ddata, doffs[:dict.Len()+1]); err != nil {
				return err
			}
		}
		d.dict, d.idx, d.ddata, d.doffs = true, idx, ddata, doffs
		return nil
	}
	d.dict = false
	d.plainSeen = d.plainSeen || nonNull > 0
	if nonNull == 0 {
		// An all-null page may carry no offsets at all.
		d.data, d.offs = nil, nil
		return nil
	}
	if data.Kind() != encoding.ByteArray {
		return kindError(data.Kind(), "BYTE_ARRAY")
	}
	values, offs := data.ByteArray()
	if len(offs) < nonNull+1 {
		return fmt.Errorf("page has %d values for %d non-null rows", max(len(offs)-1, 0), nonNull)
	}
	d.data, d.offs = values, offs
	return nil
}

// setDictionary copies a column chunk's dictionary into an Arrow String array, once per chunk: the page's
// buffers go back to parquet-go with the page, while the arrays cut from the chunk keep the dictionary.
func (d *stringDecoder) setDictionary(dict parquet.Dictionary, ddata []byte, doffs []uint32) error {
	d.dropDictionary()
	d.pageDict = dict
	start, end := doffs[0], doffs[len(doffs)-1]
	if end < start || int(end) > len(ddata) {
		return fmt.Errorf("corrupt dictionary offsets %d..%d in %d bytes", start, end, len(ddata))
	}
	if end-start > math.MaxInt32 {
		return nil // too large for String offsets: its chunk is read plainly
	}
	n := len(doffs) - 1
	offBuf := memory.NewResizableBuffer(d.mem)
	offBuf.Resize(4 * (n + 1))
	offs := castBytes[int32](offBuf.Bytes(), n+1)
	prev := start
	for i, o := range doffs {
		if o < prev {
			offBuf.Release()
			return fmt.Errorf("corrupt dictionary offsets: %d after %d", o, prev)
		}
		offs[i] = int32(o - start)
		prev = o
	}
	dataBuf := memory.NewResizableBuffer(d.mem)
	dataBuf.Resize(int(end - start))
	copy(dataBuf.Bytes(), ddata[start:end])
	ad := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{nil, offBuf, dataBuf}, nil, 0, 0)
	d.dictArr = array.NewStringData(ad)
	ad.Release()
	offBuf.Release()
	dataBuf.Release()
	return nil
}

func (d *stringDecoder) dropDictionary() {
	if d.dictArr != nil {
		d.dictArr.Release()
		d.dictArr = nil
	}
	d.pageDict = nil
}

func (d *stringDecoder) unload() {
	d.dict, d.data, d.offs, d.idx, d.ddata, d.doffs = false, nil, nil, nil, nil, nil
}

func (d *stringDecoder) newChunk() {
	d.dropDictionary()
	d.plainSeen = false
}

func (d *stringDecoder) release() { d.dropDictionary() }

func (d *stringDecoder) begin(n int, valid []byte) {
	d.n, d.valid = n, valid
	d.asDict = d.wantDict && !d.plainSeen
	if d.asDict {
		d.idxBuf = memory.NewResizableBuffer(d.mem)
		d.idxBuf.Resize(4 * n)
		d.outIdx = castBytes[int32](d.idxBuf.Bytes(), n)
		return
	}
	d.beginPlain()
}

func (d *stringDecoder) beginPlain() {
	d.offBuf = memory.NewResizableBuffer(d.mem)
	d.offBuf.Resize(4 * (d.n + 1))
	d.outOffs = castBytes[int32](d.offBuf.Bytes(), d.n+1)
	d.outOffs[0] = 0
	d.dataBuf = memory.NewResizableBuffer(d.mem)
	d.out, d.dlen = nil, 0
}

// toPlain turns a dictionary output whose first rows rows are filled into a plain one, looking their indexes
// up, so that the rest can be copied from pages the dictionary does not cover.
func (d *stringDecoder) toPlain(rows int) error {
	idxBuf, idx := d.idxBuf, d.outIdx[:rows]
	dict := d.outDict // the reference passes to this function
	d.idxBuf, d.outIdx, d.outDict = nil, nil, nil
	d.releaseDictOut()
	defer idxBuf.Release()
	d.beginPlain()
	if dict == nil {
		clear(d.outOffs[1 : rows+1]) // every row so far is NULL
		return nil
	}
	defer dict.Release()
	doffs := dict.ValueOffsets()
	ddata := dict.ValueBytes()
	total := 0
	for i, x := range idx {
		if bitutil.BitIsSet(d.valid, i) {
			total += int(doffs[x+1] - doffs[x])
		}
	}
	if err := d.reserve(total, rows); err != nil {
		return err
	}
	for i, x := range idx {
		if bitutil.BitIsSet(d.valid, i) {
			d.dlen += copy(d.out[d.dlen:], ddata[doffs[x]:doffs[x+1]])
		}
		d.outOffs[i+1] = int32(d.dlen)
	}
	return nil
}

// releaseDictOut gives back the buffers of a dictionary output.
func (d *stringDecoder) releaseDictOut() {
	d.asDict = false
	if d.idxBuf != nil {
		d.idxBuf.Release()
		d.idxBuf, d.outIdx = nil, nil
	}
	if d.outDict != nil {
		d.outDict.Release()
		d.outDict = nil
	}
}

// reserve makes room for extra more bytes of string data, after which rows rows of the array are filled. It
// grows to the size the bytes per row so far predict for the whole array (at least doubling), so an array is
// usually allocated once or twice rather than copied at every page.
func (d *stringDecoder) reserve(extra, rows int) error {
	need := d.dlen + extra
	if need > math.MaxInt32 {
		return fmt.Errorf("a batch of %d rows holds more than 2 GiB of strings; scan with a smaller batch size", d.n)
	}
	if need > len(d.out) {
		// Capped, so that one long string in the first rows does not reserve gigabytes.
		predicted := min(need/max(rows, 1)*d.n*9/8, max(4*need, 1<<20))
		d.dataBuf.Reserve(min(max(need, 2*len(d.out), predicted, 4096), math.MaxInt32))
		d.out = d.dataBuf.Buf()
	}
	return nil
}

func (d *stringDecoder) copy(defs []byte, maxDef byte, at, k, vpos int) (int, error) {
	used := k
	if defs != nil {
		used = 0
		for _, l := range defs {
			if l == maxDef {
				used++
			}
		}
	}
	if d.asDict {
		out := d.outIdx[at : at+k]
		switch {
		case used == 0:
			clear(out)
			return 0, nil
		case d.dict && d.dictArr != nil && (d.outDict == nil || d.outDict == d.dictArr):
			if d.outDict == nil {
				d.dictArr.Retain()
				d.outDict = d.dictArr
			}
			idx := d.idx[vpos : vpos+used]
			if defs == nil {
				copy(out, idx)
				return used, nil
			}
			j := 0
			for i, l := range defs {
				if l == maxDef {
					out[i] = idx[j]
					j++
				} else {
					out[i] = 0
				}
			}
			return used, nil
		}
		// A plain page, or another dictionary: this array is materialized.
		if err := d.toPlain(at); err != nil {
			return 0, err
		}
	}
	outOffs := d.outOffs[at+1 : at+k+1]
	if used == 0 {
		for i := range outOffs {
			outOffs[i] = int32(d.dlen)
		}
		return 0, nil
	}
	if !d.dict {
		start, end := d.offs[vpos], d.offs[vpos+used]
		if end < start || int(end) > len(d.data) {
			return 0, fmt.Errorf("corrupt string offsets %d..%d in a page of %d bytes", start, end, len(d.data))
		}
		if err := d.reserve(int(end-start), at+k); err != nil {
			return 0, err
		}
		copy(d.out[d.dlen:], d.data[start:end])
		base := int32(d.dlen) - int32(start)
		if defs == nil {
			for i, o := range d.offs[vpos+1 : vpos+k+1] {
				outOffs[i] = base + int32(o)
			}
		} else {
			j := vpos
			for i, l := range defs {
				if l == maxDef {
					j++
				}
				outOffs[i] = base + int32(d.offs[j])
			}
		}
		d.dlen += int(end - start)
		return used, nil
	}

	idx := d.idx[vpos : vpos+used]
	total := 0
	for _, x := range idx {
		total += int(d.doffs[x+1] - d.doffs[x])
	}
	if err := d.reserve(total, at+k); err != nil {
		return 0, err
	}
	j := 0
	for i := range k {
		if defs == nil || defs[i] == maxDef {
			x := idx[j]
			j++
			d.dlen += copy(d.out[d.dlen:], d.ddata[d.doffs[x]:d.doffs[x+1]])
		}
		outOffs[i] = int32(d.dlen)
	}
	return used, nil
}

func (d *stringDecoder) finish(valid *memory.Buffer, nulls int) arrow.Array {
	if d.asDict && d.outDict == nil {
		// No row took a value: the rows are NULLs. They take the chunk's dictionary if there is one, so that the
		// batches of a dictionary-encoded chunk are all dictionaries; a plain array needs none.
		if d.dictArr != nil && d.dictArr.Len() > 0 {
			d.dictArr.Retain()
			d.outDict = d.dictArr
		} else {
			_ = d.toPlain(d.n) // cannot fail: no string data is copied
		}
	}
	d.valid = nil
	if d.asDict {
		data := array.NewDataWithDictionary(dictStringType, d.n, []*memory.Buffer{valid, d.idxBuf}, nulls, 0, d.outDict.Data().(*array.Data))
		arr := array.MakeFromData(data)
		data.Release()
		d.releaseDictOut()
		return arr
	}
	d.dataBuf.ResizeNoShrink(d.dlen)
	data := array.NewData(arrow.BinaryTypes.String, d.n, []*memory.Buffer{valid, d.offBuf, d.dataBuf}, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	d.offBuf.Release()
	d.dataBuf.Release()
	d.offBuf, d.dataBuf, d.outOffs, d.out = nil, nil, nil, nil
	return arr
}

func (d *stringDecoder) abort() {
	d.valid = nil
	d.releaseDictOut()
	if d.offBuf != nil {
		d.offBuf.Release()
		d.dataBuf.Release()
		d.offBuf, d.dataBuf, d.outOffs, d.out = nil, nil, nil, nil
	}
}
