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
	// begin starts an output array of n rows.
	begin(n int)
	// copy fills output rows [at, at+k) from the page: row i is a value when defs is nil or defs[i] == maxDef,
	// else null. Values are taken from the page's non-null values starting at vpos; copy returns how many.
	copy(defs []byte, maxDef byte, at, k, vpos int) (used int, err error)
	// finish returns the output array, with validity bitmap valid (nil when nulls is 0).
	finish(valid *memory.Buffer, nulls int) arrow.Array
	// abort releases a begun output array after an error.
	abort()
}

func newDecoder(t sqltype.Type, mem memory.Allocator) decoder {
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
		return &stringDecoder{mem: mem}
	}
	panic("storage: newDecoder of unchecked type " + t.String())
}

// read returns the next n rows of the column as an Arrow array.
func (c *columnCursor) read(n int) (arrow.Array, error) {
	valid := memory.NewResizableBuffer(c.mem)
	valid.Resize(int(bitutil.BytesForBits(int64(n))))
	bits := valid.Bytes()
	clear(bits) // allocators need not zero, and the padding bits must not be garbage
	c.dec.begin(n)
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

// readChunk decodes the whole column chunk of kept row group g (of rows rows), wherever the cursor was.
func (c *columnCursor) readChunk(g, rows int) (arrow.Array, error) {
	if err := c.close(); err != nil {
		return nil, err
	}
	c.next = g
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

func (d *fixedDecoder[T]) begin(n int) {
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

func (d *boolDecoder) begin(n int) {
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
type stringDecoder struct {
	mem memory.Allocator
	// The current page: either plain values (data, offs) or dictionary indexes into (ddata, doffs).
	dict  bool
	data  []byte
	offs  []uint32
	idx   []int32
	ddata []byte
	doffs []uint32
	// The output array.
	n       int
	offBuf  *memory.Buffer
	outOffs []int32
	dataBuf *memory.Buffer
	out     []byte // dataBuf's whole capacity
	dlen    int
}

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
		d.dict, d.idx, d.ddata, d.doffs = true, idx, ddata, doffs
		return nil
	}
	d.dict = false
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

func (d *stringDecoder) unload() {
	d.dict, d.data, d.offs, d.idx, d.ddata, d.doffs = false, nil, nil, nil, nil, nil
}

func (d *stringDecoder) newChunk() {}

func (d *stringDecoder) begin(n int) {
	d.n = n
	d.offBuf = memory.NewResizableBuffer(d.mem)
	d.offBuf.Resize(4 * (n + 1))
	d.outOffs = castBytes[int32](d.offBuf.Bytes(), n+1)
	d.outOffs[0] = 0
	d.dataBuf = memory.NewResizableBuffer(d.mem)
	d.out, d.dlen = nil, 0
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
	if d.offBuf != nil {
		d.offBuf.Release()
		d.dataBuf.Release()
		d.offBuf, d.dataBuf, d.outOffs, d.out = nil, nil, nil, nil
	}
}
