package planner

import (
	"fmt"
	"strings"
)

// AggregateTopK is Cube Store's top-k node: the first Limit groups of an aggregation in the order of one of its
// aggregates (ORDER BY sum(v) DESC LIMIT n), found without finishing every group. Input, a Partial aggregate over
// the one Scan under it, runs once per chunk of that Scan, as under a MergeSort; each run sorts its groups by
// the ordering aggregate's state and streams them. AggregateTopK merges the runs' states group by group (as a
// FinalHashAggregate would) and stops reading as soon as no group it has not seen in full can still come before
// the Limit-th of those it has: Fagin's threshold algorithm, bounded by each stream's next value.
//
// Its output is a Final aggregate's (the group keys, then the aggregates' values), at most Limit rows, in the
// order ORDER BY asks for; groups whose ordering values tie come in the order of their keys Ties (positions in
// GroupBy), each ascending with NULLs first, which is the order a FinalInplaceAggregate emits them in.
type AggregateTopK struct {
	base
	Input   Node
	GroupBy []Expr // the first len(GroupBy) input columns, as a Final aggregate has them
	Names   []string
	Aggs    []*AggCall
	Order   int  // the aggregate (an index into Aggs) that orders the groups: SUM, MIN, MAX or COUNT
	Desc    bool // descending
	// NullsFirst puts groups whose ordering value is NULL first (MySQL: when ascending) instead of last.
	NullsFirst bool
	Limit      int64
	Ties       []int
	Parallel   int
	// BoundKey is a group key (a position in GroupBy) that is a column whose smallest and largest values every
	// chunk records, Bounds per chunk of the Scan: a group whose key lies outside a chunk's bounds is not in that
	// chunk, so its states are complete once the chunks whose bounds hold its key have shown it (each streams the
	// groups of keys other chunks' bounds also hold before its own). -1: no such key, every chunk may hold every
	// group.
	BoundKey int
	Bounds   []ChunkBounds
}

// ChunkBounds are one chunk's smallest and largest non-NULL value of an AggregateTopK's BoundKey, in
// internal/sqltype's Go representation. Known is false when the chunk recorded none (it may hold any value);
// Known with Min and Max nil is a chunk whose key is NULL in every row.
type ChunkBounds struct {
	Chunk    uint64
	Known    bool
	Min, Max any
}

func (t *AggregateTopK) Fields() []Field {
	out := make([]Field, 0, len(t.GroupBy)+len(t.Aggs))
	for i, g := range t.GroupBy {
		out = append(out, Field{Name: t.Names[i], Type: g.Type()})
	}
	for _, ag := range t.Aggs {
		out = append(out, Field{Name: ag.String(), Type: ag.Type()})
	}
	return out
}

func (t *AggregateTopK) Children() []Node { return []Node{t.Input} }

// OrderBy renders the ordering as ORDER BY would write it, NULL placement only where it is not MySQL's default.
func (t *AggregateTopK) OrderBy() string {
	order := t.Aggs[t.Order].String()
	if t.Desc {
		order += " DESC"
	}
	if t.NullsFirst != !t.Desc {
		if t.NullsFirst {
			order += " NULLS FIRST"
		} else {
			order += " NULLS LAST"
		}
	}
	return order
}

func (t *AggregateTopK) Explain() string {
	s := fmt.Sprintf("AggregateTopK, limit: %d, order by: [%s]", t.Limit, t.OrderBy())
	if len(t.GroupBy) > 0 {
		s += ", by: [" + joinExprs(t.GroupBy) + "]"
	}
	aggs := make([]string, len(t.Aggs))
	for i, ag := range t.Aggs {
		aggs[i] = ag.String()
	}
	return s + ", aggs: [" + strings.Join(aggs, ", ") + "]"
}

// OrderState is the input column holding the ordering aggregate's state: the group keys come first, then each
// aggregate's state columns in order.
func (t *AggregateTopK) OrderState() int {
	col := len(t.GroupBy)
	for _, ag := range t.Aggs[:t.Order] {
		col += len(ag.StateTypes())
	}
	return col
}
