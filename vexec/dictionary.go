package vexec

import (
	"slices"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Dictionary-encoded text. Chunk files dictionary-encode TEXT columns, and a scan can hand a column on as Arrow
// dictionary arrays (int32 indexes into its column chunk's dictionary, storage.ScanOptions.Dictionary) instead
// of copying every row's bytes. Build decides which scanned columns are read that way: those whose every use
// works on dictionaries, which are
//   - a Filter's predicates over that column alone and constants, built only of comparisons, IN, IS [NOT] NULL,
//     LIKE (ILIKE is LIKE over LOWER), LOWER/UPPER, NOT, AND and OR: such a predicate is evaluated once per
//     dictionary entry, with the same kernels as over plain strings, and its rows take their entry's result
//     (dictPredEval);
//   - a bare group key of a hash aggregate (not Final): the key coder codes each dictionary entry once, the
//     first time a row refers to it, and rows by their index (keyCoder.codeDict); group keys are output as plain
//     strings.
// A column reaching any other node, or used in any other way, is read as plain strings. The column ends at
// the aggregate or at a Projection that does not use it; between the scan and there only Filters may stand.
// Every dictionary-aware evaluator also takes plain arrays, since a scan hands a column chunk written partly
// plain (a dictionary past its size limit) on as plain strings.

// plainText turns dictionary reads off: every text column is read as plain strings.
// Benchmarks and tests set it to compare both ways within one run.
var plainText atomic.Bool

// dictionariesUsed counts the dictionaries that predicates were evaluated over and key coders coded, for tests
// to see that a plan took the dictionary path.
var dictionariesUsed atomic.Int64

// dictionaryColumns returns, for every Scan of the plan that has one, which of its output columns may be read as
// dictionaries.
func dictionaryColumns(root planner.Node) map[*planner.Scan][]bool {
	out := map[*planner.Scan][]bool{}
	if plainText.Load() {
		return out
	}
	var visit func(n planner.Node, path []planner.Node)
	visit = func(n planner.Node, path []planner.Node) {
		if s, ok := n.(*planner.Scan); ok {
			if len(path) > 0 {
				if _, merged := path[len(path)-1].(*planner.LastRowByUniqueKey); merged {
					return // read through storage's merge, which takes plain columns only
				}
			}
			if flags := scanDictionaryColumns(s, path); flags != nil {
				out[s] = flags
			}
			return
		}
		path = append(path, n)
		for _, c := range n.Children() {
			visit(c, path[:len(path):len(path)])
		}
	}
	visit(root, nil)
	return out
}

// scanDictionaryColumns returns which output columns of s may be dictionaries, given the nodes above it (path,
// the root first), or nil when none may.
func scanDictionaryColumns(s *planner.Scan, path []planner.Node) []bool {
	var flags []bool
	for j, c := range s.Projection {
		if c < 0 || c >= len(s.TableColumns) || s.TableColumns[c].Type.Kind != sqltype.KindString {
			continue
		}
		// The scan bisects its batches by the key ranges' columns, reading their values.
		if slices.ContainsFunc(s.KeyRanges, func(r planner.ColumnRange) bool { return r.Column == c }) {
			continue
		}
		if !dictionaryConsumed(path, j) {
			continue
		}
		if flags == nil {
			flags = make([]bool, len(s.Projection))
		}
		flags[j] = true
	}
	return flags
}

// dictionaryConsumed tells whether column j of the scan under path is used only in ways that take dictionaries,
// up to the node where it ends.
func dictionaryConsumed(path []planner.Node, j int) bool {
	for i := len(path) - 1; i >= 0; i-- {
		switch p := path[i].(type) {
		case *planner.Filter:
			if !dictionaryUsesOnly(p.Predicate, j) {
				return false
			}
			// Filters pass their input's columns on.
		case *planner.Aggregate:
			if p.Mode == planner.Final {
				return false
			}
			for _, g := range p.GroupBy {
				if r, ok := g.(*planner.ColumnRef); ok && r.Index == j {
					if p.Strategy != planner.Hash {
						return false
					}
					continue
				}
				if refersTo(g, j) {
					return false
				}
			}
			for _, a := range p.Aggs {
				if a.Arg != nil && refersTo(a.Arg, j) {
					return false
				}
			}
			return true
		case *planner.Projection:
			for _, e := range p.Exprs {
				if refersTo(e, j) {
					return false
				}
			}
			return true
		default:
			return false
		}
	}
	return false // the column is part of the result
}

// refersTo tells whether e reads column j.
func refersTo(e planner.Expr, j int) bool {
	switch e := e.(type) {
	case *planner.ColumnRef:
		return e.Index == j
	case *planner.Call:
		for _, a := range e.Args {
			if refersTo(a, j) {
				return true
			}
		}
	}
	return false
}

// dictionaryUsesOnly tells whether every reference to column j in e lies inside a predicate over j alone that
// dictPredEval evaluates per dictionary entry.
func dictionaryUsesOnly(e planner.Expr, j int) bool {
	if dictionaryPredicate(e, j) {
		return true
	}
	switch e := e.(type) {
	case *planner.ColumnRef:
		return e.Index != j
	case *planner.Call:
		for _, a := range e.Args {
			if !dictionaryUsesOnly(a, j) {
				return false
			}
		}
	}
	return true
}

// dictionaryFuncs are the functions a per-entry predicate may be built of: deterministic, unable to fail on
// any text, and with a result that depends on the row's value only.
var dictionaryFuncs = map[string]bool{
	"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true, "<=>": true, "in": true, "like": true,
	"is_null": true, "is_not_null": true, "not": true, "and": true, "or": true, "lower": true, "upper": true,
}

// dictionaryPredicate tells whether e is a boolean expression over column j and constants only, of the
// functions of dictionaryFuncs.
func dictionaryPredicate(e planner.Expr, j int) bool {
	return e.Type().Kind == sqltype.KindBool && refersTo(e, j) && overOnly(e, j)
}

func overOnly(e planner.Expr, j int) bool {
	switch e := e.(type) {
	case *planner.ColumnRef:
		return e.Index == j
	case *planner.Literal:
		return true
	case *planner.Call:
		if e.Fn != nil || !dictionaryFuncs[e.Func] {
			return false
		}
		for _, a := range e.Args {
			if !overOnly(a, j) {
				return false
			}
		}
		return true
	}
	return false
}

// dictionaryInputs returns which columns of n's output may be dictionaries: those of the Scan under n when only
// Filters stand between them, or nil.
func dictionaryInputs(cfg Config, n planner.Node) []bool {
	for {
		switch x := n.(type) {
		case *planner.Filter:
			n = x.Input
		case *planner.Scan:
			return cfg.dict[x]
		default:
			return nil
		}
	}
}

// compilePredicate compiles a predicate whose input columns dict may be dictionaries: its largest subtrees
// over one such column alone that dictionaryPredicate accepts become dictPredEvals, appended to evs (their
// owner releases them when it closes); the rest compiles as compile does.
func compilePredicate(e planner.Expr, dict []bool, evs *[]*dictPredEval) (evaluator, error) {
	if len(dict) == 0 {
		return compile(e)
	}
	if j, ok := firstColumn(e); ok && j < len(dict) && dict[j] && dictionaryPredicate(e, j) {
		plain, err := compile(e)
		if err != nil {
			return nil, err
		}
		sub, err := compile(planner.RemapColumns(e, map[int]int{j: 0}))
		if err != nil {
			return nil, err
		}
		ev := &dictPredEval{col: j, plain: plain, sub: sub}
		*evs = append(*evs, ev)
		return ev, nil
	}
	c, ok := e.(*planner.Call)
	if !ok || c.Fn != nil {
		return compile(e)
	}
	args := make([]evaluator, len(c.Args))
	for i, a := range c.Args {
		ev, err := compilePredicate(a, dict, evs)
		if err != nil {
			return nil, err
		}
		args[i] = ev
	}
	return compileCall(c, args)
}

// firstColumn returns the first column e reads.
func firstColumn(e planner.Expr) (int, bool) {
	switch e := e.(type) {
	case *planner.ColumnRef:
		return e.Index, true
	case *planner.Call:
		for _, a := range e.Args {
			if j, ok := firstColumn(a); ok {
				return j, ok
			}
		}
	}
	return 0, false
}

// dictPredEval evaluates a predicate over one text column. Over a dictionary array it evaluates the predicate
// once per dictionary entry (and once for NULL), with the kernels that evaluate it over plain strings, and
// then gives each row its entry's result in a typed loop over the indexes; the results are kept while batches
// share the dictionary (every batch of a column chunk). Over a plain array it is the plain evaluator.
type dictPredEval struct {
	col   int
	plain evaluator // over the batch
	sub   evaluator // the same predicate over a batch of one column, the dictionary's values

	dict    arrow.ArrayData // the dictionary the results are for, retained (so its address is not reused)
	value   []byte          // per entry: 1 when the predicate is true
	known   []byte          // per entry: 1 when it is not NULL
	nullSet bool            // the result for a NULL row is computed:
	nullVal byte
	nullOK  byte
}

func (d *dictPredEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	da, ok := b.Column(d.col).(*array.Dictionary)
	if !ok {
		return d.plain.eval(ec, b)
	}
	if dd := da.Data().Dictionary(); dd != d.dict {
		if err := d.prepare(ec, da); err != nil {
			return nil, err
		}
	}
	return d.mapRows(ec.mem, da), nil
}

var dictValuesSchema = arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)

// prepare evaluates the predicate over the entries of da's dictionary, and over NULL the first time.
func (d *dictPredEval) prepare(ec *evalCtx, da *array.Dictionary) error {
	d.release()
	values := da.Dictionary()
	res, err := d.evalOver(ec, values)
	if err != nil {
		return err
	}
	n := values.Len()
	d.value, d.known = growTo(d.value[:0], n), growTo(d.known[:0], n)
	for i := range n {
		d.value[i], d.known[i] = 0, 0
		if res.IsValid(i) {
			d.known[i] = 1
			if res.Value(i) {
				d.value[i] = 1
			}
		}
	}
	res.Release()
	if !d.nullSet {
		null := array.MakeArrayOfNull(ec.mem, arrow.BinaryTypes.String, 1)
		res, err := d.evalOver(ec, null)
		null.Release()
		if err != nil {
			return err
		}
		if res.IsValid(0) {
			d.nullOK = 1
			if res.Value(0) {
				d.nullVal = 1
			}
		}
		res.Release()
		d.nullSet = true
	}
	dd := da.Data().Dictionary()
	dd.Retain()
	d.dict = dd
	dictionariesUsed.Add(1)
	return nil
}

// evalOver evaluates the predicate over the strings of values, as the one column of a batch.
func (d *dictPredEval) evalOver(ec *evalCtx, values arrow.Array) (*array.Boolean, error) {
	vb := array.NewRecordBatch(dictValuesSchema, []arrow.Array{values}, int64(values.Len()))
	defer vb.Release()
	return evalBool(ec, d.sub, vb)
}

// mapRows builds the predicate's result for the rows of da from the per-entry results, eight rows a byte.
func (d *dictPredEval) mapRows(mem memory.Allocator, da *array.Dictionary) arrow.Array {
	idx := da.Indices().(*array.Int32).Int32Values()
	n := len(idx)
	nb := int(bitutil.BytesForBits(int64(n)))
	data := memory.NewResizableBuffer(mem)
	data.Resize(nb)
	validity := memory.NewResizableBuffer(mem)
	validity.Resize(nb)
	bits, valid := data.Bytes(), validity.Bytes()
	value, known := d.value, d.known
	if len(value) == 0 {
		// An empty dictionary: every row is NULL.
		value, known = []byte{0}, []byte{0}
	}
	// NULL rows may hold any index (Arrow leaves them undefined): indexes are clamped into the dictionary, a
	// NULL row's result taken from some entry and replaced below. Valid rows' indexes are in range.
	last := uint32(len(value) - 1)
	i := 0
	for ; i+8 <= n; i += 8 {
		x := idx[i : i+8 : i+8]
		x0, x1, x2, x3 := min(uint32(x[0]), last), min(uint32(x[1]), last), min(uint32(x[2]), last), min(uint32(x[3]), last)
		x4, x5, x6, x7 := min(uint32(x[4]), last), min(uint32(x[5]), last), min(uint32(x[6]), last), min(uint32(x[7]), last)
		bits[i>>3] = value[x0] | value[x1]<<1 | value[x2]<<2 | value[x3]<<3 |
			value[x4]<<4 | value[x5]<<5 | value[x6]<<6 | value[x7]<<7
		valid[i>>3] = known[x0] | known[x1]<<1 | known[x2]<<2 | known[x3]<<3 |
			known[x4]<<4 | known[x5]<<5 | known[x6]<<6 | known[x7]<<7
	}
	if i < n {
		var bv, bk byte
		for j, x := range idx[i:] {
			e := min(uint32(x), last)
			bv |= value[e] << j
			bk |= known[e] << j
		}
		bits[i>>3], valid[i>>3] = bv, bk
	}
	if da.NullN() > 0 {
		// NULL rows take the predicate's result for NULL, a byte of rows at a time.
		rv, off := da.NullBitmapBytes(), da.Data().Offset()
		nullVal, nullOK := -d.nullVal, -d.nullOK // 0x00 or 0xff
		for j := range nb {
			r := bitmapByte(rv, off+8*j)
			bits[j] = bits[j]&r | nullVal&^r
			valid[j] = valid[j]&r | nullOK&^r
		}
	}
	return finishData(arrow.FixedWidthTypes.Boolean, n, validity, data, valid)
}

// bitmapByte returns bits [bit, bit+8) of a bitmap as a byte; bits past its end are 0.
func bitmapByte(bm []byte, bit int) byte {
	q, s := bit>>3, uint(bit&7)
	b := bm[q] >> s
	if s != 0 && q+1 < len(bm) {
		b |= bm[q+1] << (8 - s)
	}
	return b
}

// release drops the per-entry results and the dictionary they are for.
func (d *dictPredEval) release() {
	if d.dict != nil {
		d.dict.Release()
		d.dict = nil
	}
}

// releaseDictEvals releases the dictionaries evs hold.
func releaseDictEvals(evs []*dictPredEval) {
	for _, e := range evs {
		e.release()
	}
}
