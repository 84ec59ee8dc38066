package sqlfront

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/planner"
)

// Merge joins. Every chunk file is sorted by its index's key, so a table read arrives sorted on that key (one
// chunk, or a merged read of a UNIQUE KEY table), or can be made to by merging its chunks' streams in key order
// (MergeSort). When both inputs of an inner or left equi-join arrive sorted on the join keys, in one order of
// the key pairs (columns an equality filter fixes skipped, as for Inplace aggregates), the join is a MergeJoin:
// it streams both inputs and holds only the rows of one key of the right one, where a HashJoin holds a whole
// input in a hash table. A MergeJoin's output keeps its left input's order, so a chain of joins on one key
// merges throughout. Otherwise, or when no index serves, the join is a HashJoin: a join never needs an index.

// joinOrder is the order in which one input of a join arrives.
type joinOrder struct {
	// cols are the scope columns the rows are sorted on (ascending, NULLs first), position by position; the
	// columns at one position hold equal values in every row (the two key columns of an inner join).
	cols [][]int
	// fixed are scope columns that hold one value in every row (an equality filter).
	fixed map[int]bool
	// chunks > 1: the order holds within each chunk of a plain table read only, until a MergeSort merges them.
	chunks int
	// what describes the order for notes: "o reads index by_customer (customer_id, id)".
	what string
}

// readOrder is the order of one FROM item's read of a stored table: its index's key, with the columns its own
// filters fix by an equality. read is the node sourcePlan made (a Scan, or a LastRowByUniqueKey, which merges
// the chunks itself).
func readOrder(src *source, child *selectBinder, read planner.Node, local planner.Expr) *joinOrder {
	o := &joinOrder{fixed: map[int]bool{}, chunks: 1,
		what: fmt.Sprintf("%s reads index %s (%s)", src.rel.alias, child.index.Name, strings.Join(child.index.Columns, ", "))}
	for c := range fixedColumns(scanRanges(local)) {
		o.fixed[src.rel.start+c] = true
	}
	for _, name := range child.index.Columns {
		o.cols = append(o.cols, []int{src.rel.start + child.scope.index(name)})
	}
	if s, ok := read.(*planner.Scan); ok {
		o.chunks = len(s.Chunks)
	}
	return o
}

// indexLeadsWith reports whether the key of ix, columns ranges fix by an equality skipped, starts with the
// columns cols (table columns, in any order): an index a join on them can read in order.
func (b *selectBinder) indexLeadsWith(ix etcdmeta.Index, cols []int, ranges []planner.ColumnRange) bool {
	if len(cols) == 0 {
		return false
	}
	fixed := fixedColumns(ranges)
	want := map[int]bool{}
	for _, c := range cols {
		if !fixed[c] {
			want[c] = true
		}
	}
	for _, name := range ix.Columns {
		if len(want) == 0 {
			break
		}
		c := b.scope.index(name)
		switch {
		case want[c]:
			delete(want, c)
		case !fixed[c]:
			return false
		}
	}
	return len(want) == 0
}

// orderCursor walks one input's order while the key pairs are put in order: a key column is acceptable next when
// it is fixed, equal to a column already merged on, or at the order's next position.
type orderCursor struct {
	o       *joinOrder
	pos     int
	covered map[int]bool
	merged  []int // the columns taken at each position: what a MergeSort of the chunks merges on
}

func newOrderCursor(o *joinOrder) *orderCursor {
	c := &orderCursor{o: o, covered: map[int]bool{}}
	c.skipFixed()
	return c
}

func (c *orderCursor) skipFixed() {
	for c.pos < len(c.o.cols) && slices.ContainsFunc(c.o.cols[c.pos], func(col int) bool { return c.o.fixed[col] }) {
		c.pos++
	}
}

func (c *orderCursor) accepts(col int) bool {
	return c.o.fixed[col] || c.covered[col] || c.pos < len(c.o.cols) && slices.Contains(c.o.cols[c.pos], col)
}

func (c *orderCursor) take(col int) {
	if c.o.fixed[col] || c.covered[col] {
		return
	}
	for _, m := range c.o.cols[c.pos] {
		c.covered[m] = true
	}
	c.merged = append(c.merged, col)
	c.pos++
	c.skipFixed()
}

// keyOrder puts the key pairs (scope columns, left and right) in an order both inputs are sorted on, if there is
// one: rows sorted on columns (x, y) are sorted on (x, y, x), on (x, c, y) for a column c fixed to one value, and
// on every prefix. It takes, one after another, a pair both inputs accept next; taking a pair only widens what
// they accept, so this finds an order whenever one exists. It returns the pairs' order and, per input, the
// columns a merge of its chunks keeps sorted.
func keyOrder(pairs [][2]int, left, right *joinOrder) (order []int, lmerged, rmerged []int, ok bool) {
	lc, rc := newOrderCursor(left), newOrderCursor(right)
	todo := make([]int, len(pairs))
	for i := range todo {
		todo[i] = i
	}
	for len(todo) > 0 {
		k := slices.IndexFunc(todo, func(p int) bool { return lc.accepts(pairs[p][0]) && rc.accepts(pairs[p][1]) })
		if k < 0 {
			return nil, nil, nil, false
		}
		p := todo[k]
		lc.take(pairs[p][0])
		rc.take(pairs[p][1])
		order = append(order, p)
		todo = slices.Delete(todo, k, k+1)
	}
	return order, lc.merged, rc.merged, true
}

// mergeJoin makes the join hj of item i a MergeJoin when both its inputs can arrive sorted on its keys (pairs, in
// scope columns, in the order of hj's keys), the left one in order left (nil: in none). Inputs sorted only
// chunk by chunk go under a MergeSort on the keys; an inner join's other conditions filter its output. It
// returns the plan and the order of its output, or nil after noting why the join stays a HashJoin.
func (b *selectBinder) mergeJoin(hj *planner.HashJoin, i int, pairs [][2]int, left *joinOrder, remap map[int]int, width int) (planner.Node, *joinOrder) {
	src := b.sources[i]
	right := src.order
	what := fmt.Sprintf("%s join of %s", hj.Type, src.rel.alias)
	hash := func(format string, args ...any) (planner.Node, *joinOrder) {
		note(b.ctx, "merge join", "%s: HashJoin, no MergeJoin: %s", what, fmt.Sprintf(format, args...))
		return nil, nil
	}
	switch {
	case len(pairs) == 0:
		return hash("no equality of columns to merge on")
	case hj.Type == planner.RightJoin:
		return hash("a merge join keeps the unmatched rows of its left input only")
	case hj.Type == planner.LeftJoin && hj.Residual != nil:
		return hash("the ON condition has more than equalities of columns")
	case left == nil && i == 1 && b.sources[0].aggregated:
		return hash("%s is aggregated below the join by hash: its groups come in no order", b.sources[0].rel.alias)
	case left == nil && i == 1:
		return hash("%s is not a read of a stored table", b.sources[0].rel.alias)
	case left == nil:
		return hash("the joins before it give their rows in no order")
	case right == nil && src.aggregated:
		return hash("%s is aggregated below the join by hash: its groups come in no order", src.rel.alias)
	case right == nil:
		return hash("%s is not a read of a stored table", src.rel.alias)
	}
	order, lmerged, rmerged, ok := keyOrder(pairs, left, right)
	if !ok {
		return hash("the inputs are not sorted on the keys (%s; %s)", left.what, right.what)
	}
	mj := &planner.MergeJoin{Type: hj.Type}
	for _, p := range order {
		mj.LeftKeys = append(mj.LeftKeys, hj.LeftKeys[p])
		mj.RightKeys = append(mj.RightKeys, hj.RightKeys[p])
		mj.On = append(mj.On, hj.On[p])
	}
	var merges []string
	merged := func(n planner.Node, o *joinOrder, cols []int, pos func(int) int, alias string) planner.Node {
		if o.chunks < 2 {
			return n
		}
		merges = append(merges, fmt.Sprintf("%s's %d chunks merged in key order", alias, o.chunks))
		if len(cols) == 0 {
			// Every key column holds one value: the chunks' rows are sorted on the keys in any order.
			return &planner.Merge{Input: n, Parallel: b.engine.parallelism()}
		}
		keys := make([]planner.SortKey, len(cols))
		for k, c := range cols {
			keys[k] = planner.SortKey{Column: pos(c), NullsFirst: true}
		}
		return &planner.MergeSort{Input: n, Keys: keys, Parallel: b.engine.parallelism()}
	}
	mj.Left = merged(hj.Left, left, lmerged, func(c int) int { return remap[c] }, b.sources[0].rel.alias)
	mj.Right = merged(hj.Right, right, rmerged, func(c int) int { return remap[c] - width }, src.rel.alias)
	var node planner.Node = mj
	if hj.Residual != nil {
		// An inner join's other conditions may as well filter its output.
		node = &planner.Filter{Input: mj, Predicate: hj.Residual}
	}
	how := "both inputs sorted on the keys"
	if len(merges) > 0 {
		how += " (" + strings.Join(merges, ", ") + ")"
	}
	note(b.ctx, "merge join", "%s on [%s]: MergeJoin, %s: %s; %s", what, strings.Join(mj.On, ", "), how, left.what, right.what)

	// The output comes in the left input's order (as merged, for a merged read); in an inner join the right key
	// columns equal the left ones, and the right input's fixed columns stay fixed.
	out := &joinOrder{fixed: maps.Clone(left.fixed),
		what: fmt.Sprintf("the join of %s comes in its left input's order", src.rel.alias)}
	if left.chunks > 1 {
		for _, c := range lmerged {
			out.cols = append(out.cols, []int{c})
		}
	} else {
		for _, cs := range left.cols {
			out.cols = append(out.cols, slices.Clone(cs))
		}
	}
	if hj.Type == planner.InnerJoin {
		maps.Copy(out.fixed, right.fixed)
		for _, p := range pairs {
			l, r := p[0], p[1]
			if out.fixed[l] || out.fixed[r] {
				out.fixed[l], out.fixed[r] = true, true
			}
			for k := range out.cols {
				if slices.Contains(out.cols[k], l) && !slices.Contains(out.cols[k], r) {
					out.cols[k] = append(out.cols[k], r)
				}
			}
		}
	}
	return node, out
}
