package storage

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// An index is a sorted copy of a table: its rows ordered by the index's key columns. An aggregate index keeps
// only its key columns and the table's AGGREGATIONS columns, with rows of equal keys rolled up into one.

// IndexLayout says how to build one index's rows from a batch of table rows.
type IndexLayout struct {
	Key     []int        // table column positions of the sort key, in order
	Columns []int        // table column positions stored by the index, in file order (the key first)
	Rollup  []RollupSpec // aggregate indexes: how each non-key stored column rolls up; nil for regular indexes
	// Unique keeps one row per unique key (the first Unique.Prefix key columns): the row with the greatest
	// __seq (Unique.Seq is its table column position, or -1), on a tie the one later in the batch.
	Unique *UniqueSpec
}

// RollupSpec rolls up one stored column of an aggregate index.
type RollupSpec struct {
	Column int    // position in IndexLayout.Columns
	Func   string // "sum", "min" or "max"
}

// BuildIndexRows returns the batch's rows as the index stores them: projected to layout.Columns, sorted by the
// key (NULLs first, as MySQL orders them), and rolled up when the layout says so. The result is the caller's.
func BuildIndexRows(ctx context.Context, mem memory.Allocator, b arrow.RecordBatch, layout IndexLayout) (arrow.RecordBatch, error) {
	fields := make([]arrow.Field, len(layout.Columns))
	cols := make([]arrow.Array, len(layout.Columns))
	for i, c := range layout.Columns {
		fields[i] = b.Schema().Field(c)
		cols[i] = b.Column(c)
	}
	projected := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, b.NumRows())
	defer projected.Release()

	keyPos := make([]int, len(layout.Key))
	for i, k := range layout.Key {
		keyPos[i] = indexOf(layout.Columns, k)
		if keyPos[i] < 0 {
			return nil, fmt.Errorf("storage: index key column %d is not stored by the index", k)
		}
	}
	order := sortedOrder(projected, keyPos)
	if u := layout.Unique; u != nil {
		seq := -1
		if u.Seq >= 0 {
			if seq = indexOf(layout.Columns, u.Seq); seq < 0 {
				return nil, fmt.Errorf("storage: the __seq column %d is not stored by the index", u.Seq)
			}
		}
		order = lastRows(projected, order, keyPos[:u.Prefix], seq)
	}
	sorted, err := takeRows(mem, projected, order)
	if err != nil {
		return nil, err
	}
	if layout.Rollup == nil {
		return sorted, nil
	}
	defer sorted.Release()
	return rollup(mem, sorted, keyPos, layout)
}

// lastRows keeps, of each run of equal unique keys (the columns prefix) in the sorted row numbers order, the row
// with the greatest value in column seq (-1: none; NULL is the smallest), and on a tie the row later in b.
func lastRows(b arrow.RecordBatch, order []int32, prefix []int, seq int) []int32 {
	cmps := make([]func(i, j int32) int, len(prefix))
	for k, p := range prefix {
		cmps[k] = rowComparator(b.Column(p))
	}
	var seqCmp func(i, j int32) int
	if seq >= 0 {
		seqCmp = rowComparator(b.Column(seq))
	}
	sameKey := func(i, j int32) bool {
		for _, c := range cmps {
			if c(i, j) != 0 {
				return false
			}
		}
		return true
	}
	out := order[:0]
	for i := 0; i < len(order); {
		best := order[i]
		j := i + 1
		for ; j < len(order) && sameKey(order[i], order[j]); j++ {
			r := order[j]
			c := 0
			if seqCmp != nil {
				c = seqCmp(r, best)
			}
			if c > 0 || (c == 0 && r > best) {
				best = r
			}
		}
		out = append(out, best)
		i = j
	}
	return out
}

// rowComparator orders two rows of one column, NULL first.
func rowComparator(a arrow.Array) func(i, j int32) int {
	nulls := hasNulls(a, 0, a.Len())
	withNulls := func(cmp func(i, j int32) int) func(i, j int32) int {
		if !nulls {
			return cmp
		}
		return func(i, j int32) int {
			ni, nj := a.IsNull(int(i)), a.IsNull(int(j))
			switch {
			case ni && nj:
				return 0
			case ni:
				return -1
			case nj:
				return 1
			}
			return cmp(i, j)
		}
	}
	switch a := a.(type) {
	case *array.Int64:
		v := a.Int64Values()
		return withNulls(func(i, j int32) int { return cmp.Compare(v[i], v[j]) })
	case *array.Timestamp:
		v := a.TimestampValues()
		return withNulls(func(i, j int32) int { return cmp.Compare(v[i], v[j]) })
	case *array.Float64:
		v := a.Float64Values()
		return withNulls(func(i, j int32) int { return cmp.Compare(v[i], v[j]) })
	case *array.Decimal128:
		v := a.Values()
		return withNulls(func(i, j int32) int { return v[i].Cmp(v[j]) })
	case *array.String:
		return withNulls(func(i, j int32) int { return strings.Compare(a.Value(int(i)), a.Value(int(j))) })
	case *array.Boolean:
		return withNulls(func(i, j int32) int { return compareAcross(a, int(i), a, int(j)) })
	}
	panic("storage: cannot sort by " + a.DataType().String())
}

func indexOf(list []int, v int) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

// runStarts returns the first row of every run of equal keys in a batch sorted by those keys.
func runStarts(b arrow.RecordBatch, keyPos []int) []int {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	starts := []int{0}
	for i := 1; i < n; i++ {
		for _, k := range keyPos {
			if !sameValue(b.Column(k), i-1, i) {
				starts = append(starts, i)
				break
			}
		}
	}
	return starts
}

// sameValue compares two rows of one column; NULL equals NULL, as grouping treats it.
func sameValue(a arrow.Array, i, j int) bool {
	ni, nj := a.IsNull(i), a.IsNull(j)
	if ni || nj {
		return ni && nj
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i) == a.Value(j)
	case *array.Float64:
		return a.Value(i) == a.Value(j)
	case *array.Decimal128:
		return a.Value(i) == a.Value(j)
	case *array.String:
		return a.Value(i) == a.Value(j)
	case *array.Timestamp:
		return a.Value(i) == a.Value(j)
	case *array.Boolean:
		return a.Value(i) == a.Value(j)
	}
	panic("storage: cannot compare " + a.DataType().String())
}

// rollup folds runs of equal keys into one row: key columns keep the run's value, the others roll up.
func rollup(mem memory.Allocator, sorted arrow.RecordBatch, keyPos []int, layout IndexLayout) (arrow.RecordBatch, error) {
	starts := runStarts(sorted, keyPos)
	n := int(sorted.NumRows())
	funcs := make(map[int]string, len(layout.Rollup))
	for _, r := range layout.Rollup {
		funcs[r.Column] = r.Func
	}
	out := make([]arrow.Array, sorted.NumCols())
	defer func() {
		for _, a := range out {
			if a != nil {
				a.Release()
			}
		}
	}()
	for c := range out {
		col := sorted.Column(c)
		bld := array.NewBuilder(mem, col.DataType())
		bld.Reserve(len(starts))
		fn := funcs[c]
		for r, start := range starts {
			end := n
			if r+1 < len(starts) {
				end = starts[r+1]
			}
			if fn == "" {
				sqltype.AppendFrom(bld, col, start)
				continue
			}
			if err := rollupRun(bld, col, start, end, fn); err != nil {
				bld.Release()
				return nil, fmt.Errorf("storage: rolling up %s(%s): %w", fn, sorted.Schema().Field(c).Name, err)
			}
		}
		out[c] = bld.NewArray()
		bld.Release()
	}
	return array.NewRecordBatch(sorted.Schema(), out, int64(len(starts))), nil
}

// rollupRun appends fn over rows [start, end) of col, skipping NULLs (all NULL gives NULL).
func rollupRun(bld array.Builder, col arrow.Array, start, end int, fn string) error {
	first := -1
	for i := start; i < end; i++ {
		if col.IsValid(i) {
			first = i
			break
		}
	}
	if first < 0 {
		bld.AppendNull()
		return nil
	}
	switch a := col.(type) {
	case *array.Int64:
		acc := a.Value(first)
		for i := first + 1; i < end; i++ {
			if a.IsNull(i) {
				continue
			}
			v := a.Value(i)
			switch fn {
			case "sum":
				r := acc + v
				if (acc^r)&(v^r) < 0 {
					return sqltype.ErrOverflow
				}
				acc = r
			case "min":
				acc = min(acc, v)
			case "max":
				acc = max(acc, v)
			}
		}
		bld.(*array.Int64Builder).Append(acc)
	case *array.Float64:
		acc := a.Value(first)
		for i := first + 1; i < end; i++ {
			if a.IsNull(i) {
				continue
			}
			switch v := a.Value(i); fn {
			case "sum":
				acc += v
			case "min":
				acc = min(acc, v)
			case "max":
				acc = max(acc, v)
			}
		}
		bld.(*array.Float64Builder).Append(acc)
	case *array.Decimal128:
		acc := a.Value(first)
		prec := a.DataType().(*arrow.Decimal128Type).Precision
		for i := first + 1; i < end; i++ {
			if a.IsNull(i) {
				continue
			}
			switch v := a.Value(i); fn {
			case "sum":
				acc = acc.Add(v)
				if !acc.FitsInPrecision(prec) {
					return sqltype.ErrOverflow
				}
			case "min":
				acc = decimal128.Min(acc, v)
			case "max":
				acc = decimal128.Max(acc, v)
			}
		}
		bld.(*array.Decimal128Builder).Append(acc)
	default:
		// MIN and MAX of other kinds: the first and last non-NULL value of a run are not ordered by the key, so
		// compare through the generic path.
		if fn == "sum" {
			return fmt.Errorf("sum of %s", col.DataType())
		}
		best := first
		for i := first + 1; i < end; i++ {
			if col.IsNull(i) {
				continue
			}
			c := compareAcross(col, i, col, best)
			if (fn == "min" && c < 0) || (fn == "max" && c > 0) {
				best = i
			}
		}
		sqltype.AppendFrom(bld, col, best)
	}
	return nil
}
