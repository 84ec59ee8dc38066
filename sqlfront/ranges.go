package sqlfront

import (
	"sort"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// scanRanges reads, from a WHERE clause bound over a table, the values each column can take: conjuncts of the
// form column op constant (=, <, <=, >, >=, IN, and BETWEEN, which the binder writes as two of them). A scan
// then skips chunks and row groups whose bounds lie outside. Anything else in the filter is left to the Filter.
func scanRanges(where planner.Expr) []planner.ColumnRange {
	if where == nil {
		return nil
	}
	byCol := map[int]sqltype.Range{}
	collectRanges(where, byCol)
	out := make([]planner.ColumnRange, 0, len(byCol))
	for c, r := range byCol {
		out = append(out, planner.ColumnRange{Column: c, Range: r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Column < out[j].Column })
	return out
}

var flipped = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

func collectRanges(e planner.Expr, out map[int]sqltype.Range) {
	c, ok := e.(*planner.Call)
	if !ok {
		return
	}
	add := func(col int, r sqltype.Range) {
		if old, ok := out[col]; ok {
			r = old.Intersect(r)
		}
		out[col] = r
	}
	switch c.Func {
	case "and":
		collectRanges(c.Args[0], out)
		collectRanges(c.Args[1], out)
	case "=", "<", "<=", ">", ">=":
		op := c.Func
		col, okCol := c.Args[0].(*planner.ColumnRef)
		lit, okLit := c.Args[1].(*planner.Literal)
		if !okCol || !okLit {
			col, okCol = c.Args[1].(*planner.ColumnRef)
			lit, okLit = c.Args[0].(*planner.Literal)
			op = flipped[op]
		}
		if !okCol || !okLit || lit.Value == nil || !sameRepresentation(col.T, lit.T) {
			return
		}
		v := lit.Value
		switch op {
		case "=":
			add(col.Index, sqltype.Range{Values: []any{v}})
		case "<":
			add(col.Index, sqltype.Range{Hi: v})
		case "<=":
			add(col.Index, sqltype.Range{Hi: v, HiIncl: true})
		case ">":
			add(col.Index, sqltype.Range{Lo: v})
		case ">=":
			add(col.Index, sqltype.Range{Lo: v, LoIncl: true})
		}
	case "in":
		col, ok := c.Args[0].(*planner.ColumnRef)
		if !ok || c.Negate {
			return
		}
		values := []any{}
		for _, a := range c.Args[1:] {
			lit, ok := a.(*planner.Literal)
			if !ok || !sameRepresentation(col.T, lit.T) {
				return
			}
			if lit.Value != nil { // a NULL in the list matches nothing
				values = append(values, lit.Value)
			}
		}
		add(col.Index, sqltype.Range{Values: values})
	}
}

// sameRepresentation reports whether values of the two types compare as Go values directly (decimals only at
// one scale).
func sameRepresentation(a, b sqltype.Type) bool {
	return a.Kind == b.Kind && (a.Kind != sqltype.KindDecimal || a.Scale == b.Scale)
}

// chunkMayMatch reports whether a chunk's recorded bounds allow a row within every range. Chunks written
// without bounds are kept.
func chunkMayMatch(c etcdmeta.Chunk, fields []planner.Field, ranges []planner.ColumnRange) bool {
	if c.Min == nil || c.Max == nil {
		return true
	}
	for _, r := range ranges {
		if r.Column >= len(c.Min) || r.Column >= len(c.Max) {
			continue
		}
		lo, hi := c.Min[r.Column], c.Max[r.Column]
		if lo == nil || hi == nil {
			return false // only NULLs, which no range holds
		}
		t := fields[r.Column].Type
		lv, err1 := sqltype.DecodeValue(t, *lo)
		hv, err2 := sqltype.DecodeValue(t, *hi)
		if err1 != nil || err2 != nil {
			continue
		}
		if !r.Range.Overlaps(lv, hv) {
			return false
		}
	}
	return true
}

// encodeBounds spells a file's per-column bounds for the catalog.
func encodeBounds(cols []planner.Field, vals []any) []*string {
	out := make([]*string, len(vals))
	for i, v := range vals {
		if v != nil {
			s := sqltype.EncodeValue(cols[i].Type, v)
			out[i] = &s
		}
	}
	return out
}
