package vexec

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// String function kernels. See functions.go for how a family registers its kernels.
//
// The binder hands every kernel text arguments as Arrow String and integer arguments as Int64. Literal arguments
// are read once per batch instead of being broadcast into arrays, and a NULL literal (or an all-NULL column)
// makes a strict function's whole result NULL without a row loop. Outputs are written straight into Arrow
// buffers (strOut), rows in order. Positions and lengths count characters (UTF-8 sequences; a byte that is not
// valid UTF-8 counts as one character); searches compare bytes, as vcube compares all strings (binary
// collation).
var stringKernels = map[string]kernelCompiler{
	"concat":      strKernel(true, (*strEval).concat),
	"concat_ws":   strKernel(false, (*strEval).concatWS),
	"lower":       strKernel(true, (*strEval).caseMap),
	"upper":       strKernel(true, (*strEval).caseMap),
	"length":      strKernel(true, (*strEval).length),
	"char_length": strKernel(true, (*strEval).charLength),
	"substring":   strKernel(true, (*strEval).substring),
	"left":        strKernel(true, (*strEval).leftRight),
	"right":       strKernel(true, (*strEval).leftRight),
	"trim":        strKernel(true, (*strEval).trim),
	"ltrim":       strKernel(true, (*strEval).trim),
	"rtrim":       strKernel(true, (*strEval).trim),
	"replace":     strKernel(true, (*strEval).replace),
	"reverse":     strKernel(true, (*strEval).reverse),
	"repeat":      strKernel(true, (*strEval).repeat),
	"lpad":        strKernel(true, (*strEval).pad),
	"rpad":        strKernel(true, (*strEval).pad),
	"locate":      strKernel(true, (*strEval).locate),
}

// maxAllowedPacket is the longest string a function returns: a longer result is NULL, as MySQL returns NULL
// (with a warning) for results over max_allowed_packet, whose default in MySQL 8 is 64 MiB.
const maxAllowedPacket = 64 << 20

// strEval evaluates one string function over a batch: it evaluates the arguments and runs the function's
// typed loop, run, once per batch.
type strEval struct {
	fn     string
	args   []evaluator
	t      sqltype.Type
	strict bool // a NULL argument makes the result NULL
	run    func(e *strEval, ec *evalCtx, v []argVal, n int) (arrow.Array, error)
}

func strKernel(strict bool, run func(*strEval, *evalCtx, []argVal, int) (arrow.Array, error)) kernelCompiler {
	return func(c *planner.Call, args []evaluator) (evaluator, error) {
		if len(args) == 0 {
			return nil, sqlerr.New(sqlerr.WrongParamCount, "Incorrect parameter count in the call to native function '%s'", c.Func)
		}
		return &strEval{fn: c.Func, args: args, t: c.T, strict: strict, run: run}, nil
	}
}

func (e *strEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	n := int(b.NumRows())
	v, err := evalArgVals(ec, e.args, b)
	if err != nil {
		return nil, err
	}
	defer releaseArgVals(v)
	if e.strict {
		for j := range v {
			if v[j].isConst && v[j].null {
				return array.MakeArrayOfNull(ec.mem, e.t.Arrow(), n), nil
			}
		}
	} else if v[0].isConst && v[0].null { // CONCAT_WS with a NULL separator
		return array.MakeArrayOfNull(ec.mem, e.t.Arrow(), n), nil
	}
	return e.run(e, ec, v, n)
}

// ---- arguments ----

// argVal is an evaluated argument: a column (strs or ints) or a constant for every row.
type argVal struct {
	arr     arrow.Array // the evaluated column, released after the batch; nil for a constant
	strs    *array.String
	ints    *array.Int64
	isConst bool
	null    bool // the constant is NULL
	s       string
	i       int64
}

func (a *argVal) str(i int) (string, bool) {
	if a.isConst {
		return a.s, !a.null
	}
	if a.strs.IsNull(i) {
		return "", false
	}
	return a.strs.Value(i), true
}

func (a *argVal) int(i int) (int64, bool) {
	if a.isConst {
		return a.i, !a.null
	}
	if a.ints.IsNull(i) {
		return 0, false
	}
	return a.ints.Value(i), true
}

// evalArgVals evaluates the arguments over b; literals become constants without an array.
func evalArgVals(ec *evalCtx, args []evaluator, b arrow.RecordBatch) ([]argVal, error) {
	vals := make([]argVal, len(args))
	for j, a := range args {
		if l, ok := a.(*literalEval); ok {
			if v, ok := constArg(l.sc); ok {
				vals[j] = v
				continue
			}
		}
		arr, err := a.eval(ec, b)
		if err != nil {
			releaseArgVals(vals)
			return nil, err
		}
		v := argVal{arr: arr}
		switch x := arr.(type) {
		case *array.String:
			v.strs = x
		case *array.Int64:
			v.ints = x
		default:
			if arr.NullN() != arr.Len() {
				releaseArgVals(vals)
				arr.Release()
				return nil, sqlerr.New(sqlerr.Unknown, "string function argument of type %s", arr.DataType())
			}
		}
		if arr.NullN() == arr.Len() { // NULL everywhere: a NULL constant
			v.isConst, v.null = true, true
		}
		vals[j] = v
	}
	return vals, nil
}

func constArg(sc scalar.Scalar) (argVal, bool) {
	if !sc.IsValid() {
		return argVal{isConst: true, null: true}, true
	}
	switch s := sc.(type) {
	case *scalar.String:
		return argVal{isConst: true, s: string(s.Data())}, true
	case *scalar.Int64:
		return argVal{isConst: true, i: s.Value}, true
	}
	return argVal{}, false
}

func releaseArgVals(vals []argVal) {
	for _, v := range vals {
		if v.arr != nil {
			v.arr.Release()
		}
	}
}

// textBytes is how many bytes the string arguments v hold over n rows, a hint for the output's size.
func textBytes(v []argVal, n int) int {
	total := 0
	for j := range v {
		switch {
		case v[j].isConst:
			total += len(v[j].s) * n
		case v[j].strs != nil:
			offs := v[j].strs.ValueOffsets()
			total += int(offs[n] - offs[0])
		}
		if total > math.MaxInt32 {
			return math.MaxInt32
		}
	}
	return total
}

// ---- output ----

// strOut builds a String array by writing offsets, bytes and validity straight into its buffers. Rows are
// written in order: a row's bytes are reserved (reserve), written (buf[pos:]), and closed by end or setNull.
type strOut struct {
	n        int
	offsets  *memory.Buffer
	data     *memory.Buffer
	validity *memory.Buffer
	offs     []int32
	valid    []byte
	buf      []byte // data's whole capacity
	pos      int
	nulls    int
	err      error
}

func newStrOut(mem memory.Allocator, n, hint int) *strOut {
	o := &strOut{n: n}
	o.offsets = memory.NewResizableBuffer(mem)
	o.offsets.Resize((n + 1) * arrow.Int32SizeBytes)
	o.offs = arrow.Int32Traits.CastFromBytes(o.offsets.Bytes())[: n+1 : n+1]
	o.offs[0] = 0
	o.validity = memory.NewResizableBuffer(mem)
	o.validity.Resize(int(bitutil.BytesForBits(int64(n))))
	o.valid = o.validity.Bytes()
	for i := range o.valid {
		o.valid[i] = 0xff
	}
	o.data = memory.NewResizableBuffer(mem)
	o.data.Reserve(max(min(hint, math.MaxInt32), 64))
	o.buf = o.data.Buf()
	return o
}

// reserve makes room for k more bytes. It fails (setting err) when the batch's strings would pass the 2 GiB
// an Arrow String array can address; the caller stops writing.
func (o *strOut) reserve(k int) bool {
	need := o.pos + k
	if need <= len(o.buf) {
		return true
	}
	if need > math.MaxInt32 {
		o.err = sqlerr.New(sqlerror.ErrorCode(1301), "Result of string function was larger than max_allowed_packet (%d)", math.MaxInt32)
		return false
	}
	o.data.Reserve(min(max(2*len(o.buf), need), math.MaxInt32))
	o.buf = o.data.Buf()
	return true
}

// write appends s, for which reserve made room.
func (o *strOut) write(s string) { o.pos += copy(o.buf[o.pos:], s) }

// add reserves and appends s.
func (o *strOut) add(s string) bool {
	if !o.reserve(len(s)) {
		return false
	}
	o.pos += copy(o.buf[o.pos:], s)
	return true
}

// end closes row i; a value longer than maxAllowedPacket becomes NULL.
func (o *strOut) end(i int) {
	if o.pos-int(o.offs[i]) > maxAllowedPacket {
		o.setNull(i)
		return
	}
	o.offs[i+1] = int32(o.pos)
}

// setNull closes row i as NULL, dropping whatever was written for it.
func (o *strOut) setNull(i int) {
	o.pos = int(o.offs[i])
	o.offs[i+1] = o.offs[i]
	bitutil.ClearBit(o.valid, i)
	o.nulls++
}

func (o *strOut) finish() (arrow.Array, error) {
	if o.err != nil {
		o.offsets.Release()
		o.data.Release()
		o.validity.Release()
		return nil, o.err
	}
	o.data.ResizeNoShrink(o.pos)
	bufs := []*memory.Buffer{o.validity, o.offsets, o.data}
	if o.nulls == 0 {
		bufs[0] = nil
	}
	d := array.NewData(arrow.BinaryTypes.String, o.n, bufs, nil, o.nulls, 0)
	o.offsets.Release()
	o.data.Release()
	o.validity.Release()
	defer d.Release()
	return array.MakeFromData(d), nil
}

// ---- character helpers ----

// skipChars returns the byte offset just past the first k characters of s, and whether s has k characters (when
// it has fewer, the offset is len(s)).
func skipChars(s string, k int64) (int, bool) {
	i := 0
	for ; k > 0; k-- {
		if i >= len(s) {
			return len(s), false
		}
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i, true
}

// substring is SUBSTRING(s, pos[, length]): pos counts from 1, or from the end when negative; pos 0 and
// lengths below 1 give the empty string.
func substring(s string, pos, length int64, hasLen bool) string {
	if pos == 0 || hasLen && length <= 0 {
		return ""
	}
	var start int
	if pos > 0 {
		b, ok := skipChars(s, pos-1)
		if !ok {
			return ""
		}
		start = b
	} else {
		chars := int64(utf8.RuneCountInString(s))
		if chars+pos < 0 {
			return ""
		}
		start, _ = skipChars(s, chars+pos)
	}
	rest := s[start:]
	if !hasLen {
		return rest
	}
	end, _ := skipChars(rest, length)
	return rest[:end]
}

// ---- functions ----

func (e *strEval) concat(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	out := newStrOut(ec.mem, n, textBytes(v, n))
rows:
	for i := 0; i < n; i++ {
		size := 0
		for j := range v {
			s, ok := v[j].str(i)
			if !ok {
				out.setNull(i)
				continue rows
			}
			size += len(s)
		}
		if size > maxAllowedPacket {
			out.setNull(i)
			continue
		}
		if !out.reserve(size) {
			break
		}
		for j := range v {
			s, _ := v[j].str(i)
			out.write(s)
		}
		out.end(i)
	}
	return out.finish()
}

// concatWS is CONCAT_WS(sep, a, ...): the non-NULL arguments joined by sep; a NULL separator gives NULL.
func (e *strEval) concatWS(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	sepArg, parts := &v[0], v[1:]
	out := newStrOut(ec.mem, n, textBytes(v, n))
	for i := 0; i < n; i++ {
		sep, ok := sepArg.str(i)
		if !ok {
			out.setNull(i)
			continue
		}
		size, count := 0, 0
		for j := range parts {
			if s, ok := parts[j].str(i); ok {
				size += len(s)
				count++
			}
		}
		if count > 1 {
			size += (count - 1) * len(sep)
		}
		if size > maxAllowedPacket {
			out.setNull(i)
			continue
		}
		if !out.reserve(size) {
			break
		}
		first := true
		for j := range parts {
			s, ok := parts[j].str(i)
			if !ok {
				continue
			}
			if !first {
				out.write(sep)
			}
			out.write(s)
			first = false
		}
		out.end(i)
	}
	return out.finish()
}

// caseMap is LOWER and UPPER, by Unicode's simple case mappings; ASCII is mapped byte by byte.
func (e *strEval) caseMap(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	upper := e.fn == "upper"
	src := &v[0]
	out := newStrOut(ec.mem, n, textBytes(v[:1], n))
	for i := 0; i < n; i++ {
		s, ok := src.str(i)
		if !ok {
			out.setNull(i)
			continue
		}
		// A character of k bytes maps to at most 3 bytes when k is 2, and to at most 4 otherwise.
		if !out.reserve(len(s) + len(s)/2 + utf8.UTFMax) {
			break
		}
		out.pos += mapCase(out.buf[out.pos:], s, upper)
		out.end(i)
	}
	return out.finish()
}

// mapCase writes s lower- or upper-cased into dst and returns the bytes written.
func mapCase(dst []byte, s string, upper bool) int {
	w := 0
	for j := 0; j < len(s); {
		c := s[j]
		if c < utf8.RuneSelf {
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst[w] = c
			w++
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if r == utf8.RuneError && size == 1 { // not UTF-8: kept as it is
			dst[w] = c
			w++
			j++
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
		} else {
			r = unicode.ToLower(r)
		}
		w += utf8.EncodeRune(dst[w:], r)
		j += size
	}
	return w
}

// length is LENGTH (OCTET_LENGTH): bytes.
func (e *strEval) length(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	out := newInt64Out(ec.mem, arrow.PrimitiveTypes.Int64, n)
	a := &v[0]
	if a.isConst {
		for i := range out.vals {
			out.vals[i] = int64(len(a.s))
		}
		return out.finish(), nil
	}
	offs := a.strs.ValueOffsets()
	for i := range out.vals {
		out.vals[i] = int64(offs[i+1] - offs[i])
	}
	out.copyValidity(a.strs)
	return out.finish(), nil
}

// charLength is CHAR_LENGTH (CHARACTER_LENGTH): characters.
func (e *strEval) charLength(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	out := newInt64Out(ec.mem, arrow.PrimitiveTypes.Int64, n)
	a := &v[0]
	if a.isConst {
		c := int64(utf8.RuneCountInString(a.s))
		for i := range out.vals {
			out.vals[i] = c
		}
		return out.finish(), nil
	}
	for i := range out.vals {
		if a.strs.IsNull(i) {
			out.setNull(i)
			continue
		}
		out.vals[i] = int64(utf8.RuneCountInString(a.strs.Value(i)))
	}
	return out.finish(), nil
}

// substring is SUBSTRING(s, pos[, length]) (SUBSTR, MID).
func (e *strEval) substring(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	str, posArg := &v[0], &v[1]
	hasLen := len(v) > 2
	out := newStrOut(ec.mem, n, textBytes(v[:1], n))
	for i := 0; i < n; i++ {
		s, ok1 := str.str(i)
		pos, ok2 := posArg.int(i)
		length, ok3 := int64(0), true
		if hasLen {
			length, ok3 = v[2].int(i)
		}
		if !ok1 || !ok2 || !ok3 {
			out.setNull(i)
			continue
		}
		if !out.add(substring(s, pos, length, hasLen)) {
			break
		}
		out.end(i)
	}
	return out.finish()
}

// leftRight is LEFT(s, n) and RIGHT(s, n): the first or last n characters; n below 1 gives the empty string.
func (e *strEval) leftRight(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	right := e.fn == "right"
	str, countArg := &v[0], &v[1]
	out := newStrOut(ec.mem, n, textBytes(v[:1], n))
	for i := 0; i < n; i++ {
		s, ok1 := str.str(i)
		k, ok2 := countArg.int(i)
		if !ok1 || !ok2 {
			out.setNull(i)
			continue
		}
		switch {
		case k <= 0:
			s = ""
		case k >= int64(len(s)): // at least as many characters as s has bytes: all of s
		case right:
			if chars := int64(utf8.RuneCountInString(s)); k < chars {
				b, _ := skipChars(s, chars-k)
				s = s[b:]
			}
		default:
			b, _ := skipChars(s, k)
			s = s[:b]
		}
		if !out.add(s) {
			break
		}
		out.end(i)
	}
	return out.finish()
}

// trim is TRIM, LTRIM and RTRIM with an optional remstr (spaces without one): every leading and/or trailing
// occurrence of the whole remstr is removed; an empty remstr removes nothing.
func (e *strEval) trim(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	leading, trailing := e.fn != "rtrim", e.fn != "ltrim"
	str := &v[0]
	rem := &argVal{isConst: true, s: " "}
	if len(v) > 1 {
		rem = &v[1]
	}
	out := newStrOut(ec.mem, n, textBytes(v[:1], n))
	for i := 0; i < n; i++ {
		s, ok1 := str.str(i)
		r, ok2 := rem.str(i)
		if !ok1 || !ok2 {
			out.setNull(i)
			continue
		}
		if !out.add(trimString(s, r, leading, trailing)) {
			break
		}
		out.end(i)
	}
	return out.finish()
}

func trimString(s, r string, leading, trailing bool) string {
	switch {
	case r == "":
		return s
	case len(r) == 1:
		c := r[0]
		if leading {
			for len(s) > 0 && s[0] == c {
				s = s[1:]
			}
		}
		if trailing {
			for len(s) > 0 && s[len(s)-1] == c {
				s = s[:len(s)-1]
			}
		}
		return s
	}
	if leading {
		for strings.HasPrefix(s, r) {
			s = s[len(r):]
		}
	}
	if trailing {
		for strings.HasSuffix(s, r) {
			s = s[:len(s)-len(r)]
		}
	}
	return s
}

// replace is REPLACE(s, from, to): every occurrence of from, left to right, replaced by to; an empty from
// replaces nothing.
func (e *strEval) replace(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	str, fromArg, toArg := &v[0], &v[1], &v[2]
	out := newStrOut(ec.mem, n, textBytes(v[:1], n))
rows:
	for i := 0; i < n; i++ {
		s, ok1 := str.str(i)
		from, ok2 := fromArg.str(i)
		to, ok3 := toArg.str(i)
		if !ok1 || !ok2 || !ok3 {
			out.setNull(i)
			continue
		}
		if from == "" {
			if !out.add(s) {
				break
			}
			out.end(i)
			continue
		}
		start := out.pos
		for {
			j := strings.Index(s, from)
			if j < 0 {
				break
			}
			if !out.add(s[:j]) || !out.add(to) {
				break rows
			}
			s = s[j+len(from):]
			if out.pos-start > maxAllowedPacket {
				break
			}
		}
		if !out.add(s) {
			break
		}
		out.end(i)
	}
	return out.finish()
}

// reverse is REVERSE: the characters of s in reverse order.
func (e *strEval) reverse(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	str := &v[0]
	out := newStrOut(ec.mem, n, textBytes(v, n))
	for i := 0; i < n; i++ {
		s, ok := str.str(i)
		if !ok {
			out.setNull(i)
			continue
		}
		if !out.reserve(len(s)) {
			break
		}
		dst := out.buf[out.pos : out.pos+len(s)]
		for j := 0; j < len(s); {
			size := 1
			if s[j] >= utf8.RuneSelf {
				_, size = utf8.DecodeRuneInString(s[j:])
			}
			copy(dst[len(s)-j-size:], s[j:j+size])
			j += size
		}
		out.pos += len(s)
		out.end(i)
	}
	return out.finish()
}

// repeat is REPEAT(s, count): s count times; a count below 1 gives the empty string, a result over maxAllowedPacket NULL.
func (e *strEval) repeat(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	str, countArg := &v[0], &v[1]
	hint := textBytes(v[:1], n)
	if countArg.isConst && countArg.i > 1 {
		hint = int(min(int64(hint)*min(countArg.i, 16), 1<<24))
	}
	out := newStrOut(ec.mem, n, hint)
	for i := 0; i < n; i++ {
		s, ok1 := str.str(i)
		count, ok2 := countArg.int(i)
		if !ok1 || !ok2 {
			out.setNull(i)
			continue
		}
		if count <= 0 || s == "" {
			out.end(i)
			continue
		}
		if int64(len(s)) > maxAllowedPacket/count {
			out.setNull(i)
			continue
		}
		total := len(s) * int(count)
		if !out.reserve(total) {
			break
		}
		dst := out.buf[out.pos : out.pos+total]
		w := copy(dst, s)
		for w < total {
			w += copy(dst[w:], dst[:w])
		}
		out.pos += total
		out.end(i)
	}
	return out.finish()
}

// pad is LPAD(s, length, pad) and RPAD: s cut or padded to length characters with repeats of pad, on the left
// or the right. A negative length gives NULL, as does an empty pad when padding is needed, and a length whose
// worst-case size (4 bytes a character) passes maxAllowedPacket, as in MySQL.
func (e *strEval) pad(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	left := e.fn == "lpad"
	str, lenArg, padArg := &v[0], &v[1], &v[2]
	out := newStrOut(ec.mem, n, textBytes(v[:1], n))
	for i := 0; i < n; i++ {
		s, ok1 := str.str(i)
		length, ok2 := lenArg.int(i)
		p, ok3 := padArg.str(i)
		if !ok1 || !ok2 || !ok3 || length < 0 {
			out.setNull(i)
			continue
		}
		b, long := skipChars(s, length)
		if long {
			if !out.add(s[:b]) {
				break
			}
			out.end(i)
			continue
		}
		if length > maxAllowedPacket/utf8.UTFMax || p == "" {
			out.setNull(i)
			continue
		}
		// Fill with need characters: whole copies of pad, then a prefix of it.
		need := length - int64(utf8.RuneCountInString(s))
		padChars := int64(utf8.RuneCountInString(p))
		whole := int(need / padChars)
		part, _ := skipChars(p, need%padChars)
		fill := whole*len(p) + part
		if !out.reserve(len(s) + fill) {
			break
		}
		if !left {
			out.write(s)
		}
		dst := out.buf[out.pos : out.pos+fill]
		w := 0
		for k := 0; k < whole; k++ {
			w += copy(dst[w:], p)
		}
		copy(dst[w:], p[:part])
		out.pos += fill
		if left {
			out.write(s)
		}
		out.end(i)
	}
	return out.finish()
}

// locate is LOCATE(substr, s[, pos]) (and INSTR(s, substr)): the character position of the first occurrence
// of substr in s at or after character pos, 0 when there is none or pos is out of range.
func (e *strEval) locate(ec *evalCtx, v []argVal, n int) (arrow.Array, error) {
	subArg, str := &v[0], &v[1]
	hasPos := len(v) > 2
	out := newInt64Out(ec.mem, arrow.PrimitiveTypes.Int64, n)
	for i := 0; i < n; i++ {
		sub, ok1 := subArg.str(i)
		s, ok2 := str.str(i)
		pos, ok3 := int64(1), true
		if hasPos {
			pos, ok3 = v[2].int(i)
		}
		if !ok1 || !ok2 || !ok3 {
			out.setNull(i)
			continue
		}
		out.vals[i] = locate(sub, s, pos, hasPos)
	}
	return out.finish(), nil
}

// locate is the position of sub in s at or after character pos (1 and any s, when hasPos is false).
func locate(sub, s string, pos int64, hasPos bool) int64 {
	start := 0
	if hasPos {
		if pos <= 0 {
			return 0
		}
		b, ok := skipChars(s, pos-1)
		if !ok || b == len(s) {
			// Past the last character MySQL finds nothing, not even ''.
			return 0
		}
		start = b
	}
	if sub == "" {
		return pos
	}
	j := strings.Index(s[start:], sub)
	if j < 0 {
		return 0
	}
	return pos + int64(utf8.RuneCountInString(s[start:start+j]))
}
