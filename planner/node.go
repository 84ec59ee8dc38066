package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// Node is a physical plan node.
type Node interface {
	// ID is the node's pre-order number in its plan (0 for the root); executors key runtime figures by it.
	ID() int
	Fields() []Field
	Children() []Node
	// Explain is the node's own EXPLAIN line, without children: "Scan, index: default:1:[3], fields: [a, b]".
	Explain() string
}

type base struct{ id int }

func (b *base) ID() int      { return b.id }
func (b *base) setID(id int) { b.id = id }

// Schema returns the Arrow schema of a node's output.
func Schema(n Node) *arrow.Schema {
	fields := n.Fields()
	af := make([]arrow.Field, len(fields))
	for i, f := range fields {
		af[i] = arrow.Field{Name: f.Name, Type: f.Type.Arrow(), Nullable: true}
	}
	return arrow.NewSchema(af, nil)
}

// Empty produces Rows rows with no columns: the input of SELECT without FROM.
type Empty struct {
	base
	Rows int
}

func (e *Empty) Fields() []Field  { return nil }
func (e *Empty) Children() []Node { return nil }
func (e *Empty) Explain() string  { return "Empty" }

// Chunk is one data file a scan reads.
type Chunk struct {
	ID   uint64
	File string
	Rows int64
}

// Scan reads the columns Projection (indexes into TableColumns) of one index of a table, from Chunks.
type Scan struct {
	base
	Schema, Table string
	TableID       uint64
	IndexID       uint64
	IndexName     string
	TableColumns  []Field
	// IndexColumns are the table columns the index's files store, in file order: all of them for a regular
	// index, the key and the AGGREGATIONS columns for an aggregate one.
	IndexColumns []int
	Projection   []int
	Chunks       []Chunk
	// Ranges are the values of table columns the filter above can accept: chunks and row groups whose bounds
	// fall outside them are not read. ChunksPruned counts the chunks left out when the plan was made.
	Ranges       []ColumnRange
	ChunksPruned int
	// KeyRanges are the Ranges on the index key's leading columns, in key order: equalities, then at most one
	// other range. Every file is sorted by the key, so the rows of a batch that can match form one run, found by
	// bisecting the batch: the scan passes only that run on, and stops reading a file once its rows pass the
	// run's end (Cube Store's FilterByKeyRange). The Filter above still decides each row.
	KeyRanges []ColumnRange
}

// ColumnRange restricts one table column (an index into TableColumns) of a scan.
type ColumnRange struct {
	Column int
	Range  sqltype.Range
}

func (s *Scan) Fields() []Field {
	out := make([]Field, len(s.Projection))
	for i, c := range s.Projection {
		out[i] = s.TableColumns[c]
	}
	return out
}
func (s *Scan) Children() []Node { return nil }
func (s *Scan) Explain() string {
	ids := make([]string, len(s.Chunks))
	for i, c := range s.Chunks {
		ids[i] = fmt.Sprint(c.ID)
	}
	fields := "*"
	if len(s.Projection) != len(s.TableColumns) || !isIdentity(s.Projection) {
		names := make([]string, len(s.Projection))
		for i, c := range s.Projection {
			names[i] = s.TableColumns[c].Name
		}
		fields = "[" + strings.Join(names, ", ") + "]"
	}
	out := fmt.Sprintf("Scan, table: %s.%s, index: %s:%d:[%s], fields: %s", s.Schema, s.Table, s.IndexName, s.IndexID,
		strings.Join(ids, ", "), fields)
	if len(s.Ranges) > 0 {
		parts := make([]string, len(s.Ranges))
		for i, r := range s.Ranges {
			parts[i] = s.TableColumns[r.Column].Name + " in " + r.Range.String(s.TableColumns[r.Column].Type)
		}
		out += fmt.Sprintf(", ranges: [%s], chunks pruned: %d", strings.Join(parts, "; "), s.ChunksPruned)
	}
	return out
}

func isIdentity(p []int) bool {
	for i, c := range p {
		if i != c {
			return false
		}
	}
	return true
}

// Filter keeps the rows for which Predicate is true (not false, not NULL).
type Filter struct {
	base
	Input     Node
	Predicate Expr
}

func (f *Filter) Fields() []Field  { return f.Input.Fields() }
func (f *Filter) Children() []Node { return []Node{f.Input} }
func (f *Filter) Explain() string  { return "Filter, predicate: " + f.Predicate.String() }

// Projection computes Exprs over its input and names them.
type Projection struct {
	base
	Input Node
	Exprs []Expr
	Names []string
}

func (p *Projection) Fields() []Field {
	out := make([]Field, len(p.Exprs))
	for i, e := range p.Exprs {
		out[i] = Field{Name: p.Names[i], Type: e.Type()}
	}
	return out
}
func (p *Projection) Children() []Node { return []Node{p.Input} }
func (p *Projection) Explain() string {
	parts := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		parts[i] = e.String()
		if parts[i] != p.Names[i] {
			parts[i] += ":" + p.Names[i]
		}
	}
	return "Projection, [" + strings.Join(parts, ", ") + "]"
}

// AggregateMode says which stage of a split aggregation a node is: Partial runs where the data is, Final merges
// partial states, Full does both in one node.
type AggregateMode uint8

const (
	Full AggregateMode = iota
	Partial
	Final
)

func (m AggregateMode) String() string { return [...]string{"Full", "Partial", "Final"}[m] }

// AggregateStrategy says how groups are found: Hash tables for any input, Inplace streaming over input sorted on
// the group keys.
type AggregateStrategy uint8

const (
	Hash AggregateStrategy = iota
	Inplace
)

func (s AggregateStrategy) String() string { return [...]string{"Hash", "Inplace"}[s] }

// Aggregate groups its input by GroupBy and computes Aggs per group; its output is the group keys then the
// aggregates, in order. Without GroupBy it produces exactly one row (a Partial one: none for no input).
//
// A Final aggregate's input is the output of Partial ones over the same GroupBy and Aggs: its GroupBy are the
// first len(GroupBy) input columns and each aggregate reads its state columns, which follow in order; the Arg
// expressions of its Aggs are those of the Partial stage, kept for EXPLAIN and types.
type Aggregate struct {
	base
	Input    Node
	Mode     AggregateMode
	Strategy AggregateStrategy
	GroupBy  []Expr
	Names    []string // output names of the group keys
	Aggs     []*AggCall
}

// Fields are the group keys then, per aggregate, its value, or for a Partial aggregate its state columns.
func (a *Aggregate) Fields() []Field {
	out := make([]Field, 0, len(a.GroupBy)+len(a.Aggs))
	for i, g := range a.GroupBy {
		out = append(out, Field{Name: a.Names[i], Type: g.Type()})
	}
	for _, ag := range a.Aggs {
		if a.Mode != Partial {
			out = append(out, Field{Name: ag.String(), Type: ag.Type()})
			continue
		}
		for i, t := range ag.StateTypes() {
			out = append(out, Field{Name: fmt.Sprintf("%s#%d", ag.String(), i), Type: t})
		}
	}
	return out
}
func (a *Aggregate) Children() []Node { return []Node{a.Input} }
func (a *Aggregate) Explain() string {
	s := a.Mode.String() + a.Strategy.String() + "Aggregate"
	if len(a.GroupBy) > 0 {
		s += ", by: [" + joinExprs(a.GroupBy) + "]"
	}
	if len(a.Aggs) > 0 {
		aggs := make([]string, len(a.Aggs))
		for i, ag := range a.Aggs {
			aggs[i] = ag.String()
		}
		s += ", aggs: [" + strings.Join(aggs, ", ") + "]"
	}
	return s
}

// Sort orders its whole input by Keys. With Limit > 0 only the first Limit rows are wanted (a LIMIT above it):
// the sort keeps the top rows in a heap instead of ordering everything.
type Sort struct {
	base
	Input Node
	Keys  []SortKey
	Limit int64
}

func (s *Sort) Fields() []Field  { return s.Input.Fields() }
func (s *Sort) Children() []Node { return []Node{s.Input} }
func (s *Sort) Explain() string {
	out := "Sort, by: [" + explainKeys(s.Input.Fields(), s.Keys) + "]"
	if s.Limit > 0 {
		out += fmt.Sprintf(", limit: %d", s.Limit)
	}
	return out
}

// explainKeys renders sort keys over fields as ORDER BY would write them, NULL placement only where it is not
// MySQL's default (first ascending, last descending).
func explainKeys(fields []Field, sortKeys []SortKey) string {
	keys := make([]string, len(sortKeys))
	for i, k := range sortKeys {
		keys[i] = fields[k.Column].Name
		if k.Desc {
			keys[i] += " DESC"
		}
		if k.NullsFirst != !k.Desc {
			if k.NullsFirst {
				keys[i] += " NULLS FIRST"
			} else {
				keys[i] += " NULLS LAST"
			}
		}
	}
	return strings.Join(keys, ", ")
}

// GlobalLimit passes the first N rows of its input and stops reading.
type GlobalLimit struct {
	base
	Input Node
	N     int64
}

func (l *GlobalLimit) Fields() []Field  { return l.Input.Fields() }
func (l *GlobalLimit) Children() []Node { return []Node{l.Input} }
func (l *GlobalLimit) Explain() string  { return fmt.Sprintf("GlobalLimit, n: %d", l.N) }

// LocalLimit passes the first N rows of its input and stops reading, in each run of the subtree it is in: under
// a MergeSort it bounds every chunk's stream, whose first N rows are all the merge above can take from it.
type LocalLimit struct {
	base
	Input Node
	N     int64
}

func (l *LocalLimit) Fields() []Field  { return l.Input.Fields() }
func (l *LocalLimit) Children() []Node { return []Node{l.Input} }
func (l *LocalLimit) Explain() string  { return fmt.Sprintf("LocalLimit, n: %d", l.N) }

// TailLimit keeps the last N rows of its input and emits them in reverse order. Over input sorted ascending,
// NULLs first, that is the first N rows of the descending order with NULLs last (MySQL's ORDER BY ... DESC),
// read without sorting.
type TailLimit struct {
	base
	Input Node
	N     int64
}

func (l *TailLimit) Fields() []Field  { return l.Input.Fields() }
func (l *TailLimit) Children() []Node { return []Node{l.Input} }
func (l *TailLimit) Explain() string  { return fmt.Sprintf("TailLimit, n: %d", l.N) }

// SkipRows drops the first N rows of its input (OFFSET).
type SkipRows struct {
	base
	Input Node
	N     int64
}

func (s *SkipRows) Fields() []Field  { return s.Input.Fields() }
func (s *SkipRows) Children() []Node { return []Node{s.Input} }
func (s *SkipRows) Explain() string  { return fmt.Sprintf("SkipRows, n: %d", s.N) }

func joinExprs(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// MemoryScan produces rows held in the plan itself: system tables, built from the catalog when the query is
// planned. Values follow internal/sqltype's Go representation.
type MemoryScan struct {
	base
	Table string // the name the query used, for EXPLAIN
	Cols  []Field
	Rows  [][]any
}

func (m *MemoryScan) Fields() []Field  { return m.Cols }
func (m *MemoryScan) Children() []Node { return nil }
func (m *MemoryScan) Explain() string {
	return fmt.Sprintf("MemoryScan, table: %s, rows: %d", m.Table, len(m.Rows))
}

// LastRowByUniqueKey reads the files of a scan of a table with a UNIQUE KEY merged in key order, keeping one row
// per unique key: the one with the greatest __seq, or else the one written last. The planner puts it above a
// scan only when that scan has chunks that compaction has not yet merged (partitions alone hold one row per key).
type LastRowByUniqueKey struct {
	base
	Input *Scan
	Key   []int // table columns (indexes into Input.TableColumns) of the index's sort key
	// Prefix is how many leading Key columns are the unique key; Seq is the table column __seq, or -1.
	Prefix int
	Seq    int
}

func (l *LastRowByUniqueKey) Fields() []Field  { return l.Input.Fields() }
func (l *LastRowByUniqueKey) Children() []Node { return []Node{l.Input} }
func (l *LastRowByUniqueKey) Explain() string {
	names := make([]string, l.Prefix)
	for i, c := range l.Key[:l.Prefix] {
		names[i] = l.Input.TableColumns[c].Name
	}
	s := "LastRowByUniqueKey, key: [" + strings.Join(names, ", ") + "]"
	if l.Seq >= 0 {
		s += ", seq: " + l.Input.TableColumns[l.Seq].Name
	}
	return s
}

// Merge runs its Input once per part of the one Scan under it, in parallel on up to Parallel goroutines, and
// passes on the batches of every run in no particular order: the partitions of an index read side by side.
type Merge struct {
	base
	Input    Node
	Parallel int
}

func (m *Merge) Fields() []Field  { return m.Input.Fields() }
func (m *Merge) Children() []Node { return []Node{m.Input} }
func (m *Merge) Explain() string  { return "Merge" }

// MergeSort runs its Input once per part of the one Scan under it, in parallel on up to Parallel goroutines as
// Merge does, and merges the runs' outputs, each sorted on Keys, into one stream sorted on Keys: a k-way merge,
// for the chunks of an index, each sorted by the index's key, whose key ranges may overlap. With Limit > 0 it
// stops after Limit rows.
type MergeSort struct {
	base
	Input    Node
	Keys     []SortKey
	Parallel int
	Limit    int64
}

func (m *MergeSort) Fields() []Field  { return m.Input.Fields() }
func (m *MergeSort) Children() []Node { return []Node{m.Input} }
func (m *MergeSort) Explain() string {
	out := "MergeSort, by: [" + explainKeys(m.Input.Fields(), m.Keys) + "]"
	if m.Limit > 0 {
		out += fmt.Sprintf(", limit: %d", m.Limit)
	}
	return out
}

// SplitAggregate turns a Full aggregate into a Partial one over the same input and the Final one above it, which
// merges the Partial's states; the Final's strategy is Hash (partial groups arrive in no order).
func SplitAggregate(a *Aggregate) (partial, final *Aggregate) {
	p := *a
	p.Mode = Partial
	f := &Aggregate{Input: &p, Mode: Final, Strategy: Hash, Names: a.Names, Aggs: a.Aggs}
	for i, g := range a.GroupBy {
		f.GroupBy = append(f.GroupBy, &ColumnRef{Index: i, Name: a.Names[i], T: g.Type()})
	}
	return &p, f
}

// JoinType is how a join treats rows of its left input without a match.
type JoinType uint8

const (
	InnerJoin JoinType = iota
	LeftJoin           // unmatched left rows come out once, with NULL in every right column
	RightJoin          // unmatched right rows come out once, with NULL in every left column
)

func (t JoinType) String() string { return [...]string{"inner", "left", "right"}[t] }

// HashJoin joins Left and Right on LeftKeys[i] = RightKeys[i] (column positions in each input; NULL keys match
// nothing), keeping pairs for which Residual (over the output, left columns then right columns; nil: true) is
// true. It builds a hash table of Right and streams Left. Without keys every pair is a candidate (a cross join).
type HashJoin struct {
	base
	Left, Right         Node
	Type                JoinType
	LeftKeys, RightKeys []int
	Residual            Expr
	// On names the key pairs for EXPLAIN as the query wrote them ("o.customer_id = c.id"); input field names
	// when empty.
	On []string
	// BuildLeft builds the hash table from Left and streams Right: an inner join whose Left is the smaller, and
	// every RIGHT join (which streams the input whose unmatched rows it keeps, as a LEFT join streams Left).
	BuildLeft bool
}

func (j *HashJoin) Fields() []Field {
	return append(slices.Clone(j.Left.Fields()), j.Right.Fields()...)
}
func (j *HashJoin) Children() []Node { return []Node{j.Left, j.Right} }
func (j *HashJoin) Explain() string {
	lf, rf := j.Left.Fields(), j.Right.Fields()
	on := j.On
	if len(on) != len(j.LeftKeys) {
		on = make([]string, len(j.LeftKeys))
		for i := range j.LeftKeys {
			on[i] = lf[j.LeftKeys[i]].Name + " = " + rf[j.RightKeys[i]].Name
		}
	}
	name := "HashJoin"
	if len(on) == 0 {
		name = "CrossJoin"
	}
	s := fmt.Sprintf("%s, type: %s", name, j.Type)
	if j.BuildLeft {
		s += ", build: left"
	}
	if len(on) > 0 {
		s += ", on: [" + strings.Join(on, ", ") + "]"
	}
	if j.Residual != nil {
		s += ", filter: " + j.Residual.String()
	}
	return s
}

// Union passes on the rows of all its inputs (UNION ALL), which have the same column types, in no set order.
type Union struct {
	base
	Inputs []Node
}

func (u *Union) Fields() []Field  { return u.Inputs[0].Fields() }
func (u *Union) Children() []Node { return u.Inputs }
func (u *Union) Explain() string  { return "Union" }
