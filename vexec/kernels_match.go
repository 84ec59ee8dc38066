package vexec

import (
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/planner"
)

// likeMatcher tests one string against a compiled LIKE pattern. Common shapes ('abc', 'abc%', '%abc', '%abc%')
// are plain string tests; the rest run matchLike.
type likeMatcher func(s string) bool

// compileLikePattern compiles a LIKE pattern: % matches any run of characters, _ exactly one character, and the
// escape character (backslash by default) makes the next character literal. Comparison is by bytes (binary
// collation), as vcube compares all strings.
func compileLikePattern(pattern string, escape rune) likeMatcher {
	var lit strings.Builder
	var parts []likePart
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, likePart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		r, size := utf8.DecodeRuneInString(pattern[i:])
		raw := pattern[i : i+size] // written as bytes, so invalid UTF-8 matches itself
		i += size
		switch {
		case escape >= 0 && r == escape && i < len(pattern):
			_, size2 := utf8.DecodeRuneInString(pattern[i:])
			lit.WriteString(pattern[i : i+size2])
			i += size2
		case r == '%':
			flush()
			if len(parts) == 0 || parts[len(parts)-1].kind != '%' {
				parts = append(parts, likePart{kind: '%'})
			}
		case r == '_':
			flush()
			parts = append(parts, likePart{kind: '_'})
		default:
			lit.WriteString(raw)
		}
	}
	flush()
	switch {
	case len(parts) == 0:
		return func(s string) bool { return s == "" }
	case len(parts) == 1 && parts[0].kind == 0:
		l := parts[0].lit
		return func(s string) bool { return s == l }
	case len(parts) == 1 && parts[0].kind == '%':
		return func(string) bool { return true }
	case len(parts) == 2 && parts[0].kind == 0 && parts[1].kind == '%':
		l := parts[0].lit
		return func(s string) bool { return strings.HasPrefix(s, l) }
	case len(parts) == 2 && parts[0].kind == '%' && parts[1].kind == 0:
		l := parts[1].lit
		return func(s string) bool { return strings.HasSuffix(s, l) }
	case len(parts) == 3 && parts[0].kind == '%' && parts[1].kind == 0 && parts[2].kind == '%':
		l := parts[1].lit
		return func(s string) bool { return strings.Contains(s, l) }
	}
	return func(str string) bool { return matchLike(parts, str) }
}

// likePart is one token of a compiled LIKE pattern: a literal, '_' (one character) or '%' (any run).
type likePart struct {
	lit  string
	kind byte // 0 literal, '%', '_'
}

// matchLike is the classic wildcard matcher: it backtracks only to the last '%', which is enough because a
// later '%' can absorb whatever an earlier one could. Characters are UTF-8 sequences; a byte that is not valid
// UTF-8 counts as one character and matches only itself.
func matchLike(parts []likePart, s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for {
		if pi < len(parts) {
			p := parts[pi]
			switch p.kind {
			case '%':
				starP, starS = pi, si
				pi++
				continue
			case '_':
				if si < len(s) {
					_, size := utf8.DecodeRuneInString(s[si:])
					si += size
					pi++
					continue
				}
			default:
				if strings.HasPrefix(s[si:], p.lit) {
					si += len(p.lit)
					pi++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last '%' take one more character, or fail.
		if starP < 0 || starS >= len(s) {
			return false
		}
		_, size := utf8.DecodeRuneInString(s[starS:])
		starS += size
		pi, si = starP+1, starS
	}
}

type likeEval struct {
	arg     evaluator
	pattern evaluator
	escape  rune
	fixed   likeMatcher // set when the pattern is a constant
	negate  bool
}

func compileLike(c *planner.Call, args []evaluator) (evaluator, error) {
	e := &likeEval{arg: args[0], pattern: args[1], escape: '\\', negate: c.Negate}
	if len(c.Args) > 2 {
		lit, ok := c.Args[2].(*planner.Literal)
		if !ok {
			return nil, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to ESCAPE")
		}
		s, isStr := lit.Value.(string)
		switch {
		case !isStr || utf8.RuneCountInString(s) > 1:
			return nil, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to ESCAPE")
		case s == "":
			e.escape = -1 // ESCAPE '': no escape character, as MySQL documents it
		default:
			e.escape, _ = utf8.DecodeRuneInString(s)
		}
	}
	if lit, ok := c.Args[1].(*planner.Literal); ok {
		if s, ok := lit.Value.(string); ok {
			e.fixed = compileLikePattern(s, e.escape)
		}
	}
	return e, nil
}

func (l *likeEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	in, err := l.arg.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	pat, err := l.pattern.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer pat.Release()
	rows := int(b.NumRows())
	out := newBoolOut(ec.mem, rows)
	strs, _ := in.(*array.String)
	pats, _ := pat.(*array.String)
	var lastPat string
	var last likeMatcher
	for i := 0; i < rows; i++ {
		if in.IsNull(i) || pat.IsNull(i) || strs == nil || pats == nil {
			out.setNull(i)
			continue
		}
		m := l.fixed
		if m == nil {
			if p := pats.Value(i); last == nil || p != lastPat {
				lastPat, last = p, compileLikePattern(p, l.escape)
			}
			m = last
		}
		out.set(i, m(strs.Value(i)) != l.negate)
	}
	return out.finish(), nil
}

// inEval is x IN (list) with MySQL's NULLs: NULL when x is NULL, or when x matches nothing and the list has a
// NULL. A list of constants is probed with arrow's is_in hash set; otherwise each item is compared in turn.
type inEval struct {
	arg     evaluator
	items   []evaluator
	set     compute.Datum // constant non-NULL items, as one array
	hasNull bool          // the constant list contains NULL
	negate  bool
	call    *planner.Call
}

func compileIn(c *planner.Call, args []evaluator) (evaluator, error) {
	e := &inEval{arg: args[0], negate: c.Negate, call: c}
	allConst := true
	for _, a := range c.Args[1:] {
		if _, ok := a.(*planner.Literal); !ok {
			allConst = false
		}
	}
	if !allConst {
		e.items = args[1:]
		return e, nil
	}
	// The set lives as long as the compiled query; it is small and taken from the Go heap.
	var items []arrow.Array
	for _, a := range args[1:] {
		sc := a.(*literalEval).sc
		if !sc.IsValid() {
			e.hasNull = true
			continue
		}
		one, err := scalar.MakeArrayFromScalar(sc, 1, memory.DefaultAllocator)
		if err != nil {
			return nil, sqlerr.New(sqlerr.Unknown, "IN list: %v", err)
		}
		items = append(items, one)
	}
	var arr arrow.Array
	if len(items) == 0 {
		arr = array.MakeArrayOfNull(memory.DefaultAllocator, c.Args[0].Type().Arrow(), 0)
	} else {
		var err error
		arr, err = array.Concatenate(items, memory.DefaultAllocator)
		for _, it := range items {
			it.Release()
		}
		if err != nil {
			return nil, sqlerr.New(sqlerr.Unknown, "IN list: %v", err)
		}
	}
	e.set = compute.NewDatum(arr)
	arr.Release()
	return e, nil
}

func (e *inEval) eval(ec *evalCtx, b arrow.RecordBatch) (arrow.Array, error) {
	x, err := e.arg.eval(ec, b)
	if err != nil {
		return nil, err
	}
	defer x.Release()
	rows := int(b.NumRows())
	if e.set != nil {
		hit, done, err := e.lookup(ec, x)
		if err != nil {
			return nil, err
		}
		defer done()
		out := newBoolOut(ec.mem, rows)
		for i := 0; i < rows; i++ {
			switch {
			case x.IsNull(i):
				out.setNull(i)
			case hit(i):
				out.set(i, !e.negate)
			case e.hasNull:
				out.setNull(i)
			default:
				out.set(i, e.negate)
			}
		}
		return out.finish(), nil
	}
	out := newBoolOut(ec.mem, rows)
	// Items that are expressions: compare with "=" one item at a time, keeping the three-valued result.
	matched := make([]bool, rows)
	sawNull := make([]bool, rows)
	for _, item := range e.items {
		eq := &computeEval{fn: "equal", args: []evaluator{&retained{x}, item}, call: e.call}
		r, err := eq.eval(ec, b)
		if err != nil {
			out.release()
			return nil, err
		}
		rb := r.(*array.Boolean)
		for i := 0; i < rows; i++ {
			if rb.IsNull(i) {
				sawNull[i] = true
			} else if rb.Value(i) {
				matched[i] = true
			}
		}
		r.Release()
	}
	for i := 0; i < rows; i++ {
		switch {
		case x.IsNull(i):
			out.setNull(i)
		case matched[i]:
			out.set(i, !e.negate)
		case sawNull[i]:
			out.setNull(i)
		default:
			out.set(i, e.negate)
		}
	}
	return out.finish(), nil
}

// retained hands an already evaluated array to a nested evaluator.
type retained struct{ a arrow.Array }

func (r *retained) eval(*evalCtx, arrow.RecordBatch) (arrow.Array, error) {
	r.a.Retain()
	return r.a, nil
}

// lookup probes the constant set. arrow-go's is_in ignores the offset of sliced DECIMAL and BOOLEAN arrays, so
// those two are looked up in a Go map; the other types use its hash kernel.
func (e *inEval) lookup(ec *evalCtx, x arrow.Array) (hit func(i int) bool, done func(), err error) {
	set := e.set.(*compute.ArrayDatum).MakeArray()
	defer set.Release()
	switch xa := x.(type) {
	case *array.Decimal128:
		members := map[decimal128.Num]bool{}
		for i := 0; i < set.Len(); i++ {
			members[set.(*array.Decimal128).Value(i)] = true
		}
		return func(i int) bool { return members[xa.Value(i)] }, func() {}, nil
	case *array.Boolean:
		var members [2]bool
		for i := 0; i < set.Len(); i++ {
			if set.(*array.Boolean).Value(i) {
				members[1] = true
			} else {
				members[0] = true
			}
		}
		return func(i int) bool {
			if xa.Value(i) {
				return members[1]
			}
			return members[0]
		}, func() {}, nil
	}
	res, err := compute.IsIn(ec.ctx, compute.SetOptions{ValueSet: e.set, NullBehavior: compute.NullMatchingSkip}, compute.NewDatumWithoutOwning(x))
	if err != nil {
		return nil, nil, sqlerr.New(sqlerr.Unknown, "%s: %v", e.call.String(), err)
	}
	hits := res.(*compute.ArrayDatum).MakeArray().(*array.Boolean)
	res.Release()
	return hits.Value, hits.Release, nil
}
