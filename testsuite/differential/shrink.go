package differential

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Case is a query, the data it runs on, and how vcube and MariaDB answer it.
type Case struct {
	Query   *Query
	Data    *Dataset
	Cube    bool // vcube's tables have their Cube Store clauses (indexes, aggregate index)
	Verdict Verdict
	Detail  string
	Vcube   Answer
	MariaDB Answer
}

// shrinker makes a disagreeing case smaller while it keeps disagreeing the same way: first the query (joins,
// predicates, select items, group keys, HAVING, ORDER BY and LIMIT, then each expression replaced by one of
// its operands), then the data (whole tables, then halves, quarters... of the rows), then the query again, then
// vcube's tables without Cube Store's clauses, in one batch, without the columns the query does not name.
type shrinker struct {
	vc, mdb  engine
	schema   string
	want     Verdict
	deadline time.Time
	tries    int
	maxTries int
	// loaded is the dataset and DDL flavour the engines hold in schema now.
	loaded     *Dataset
	loadedCube bool
}

// still runs q on the data loaded now and reports whether it disagrees as the case does.
func (s *shrinker) still(ctx context.Context, q *Query) bool {
	if s.exhausted() {
		return false
	}
	s.tries++
	sql := q.SQL()
	v, _ := Compare(s.vc.query(ctx, sql), s.mdb.query(ctx, sql), q.Ordered())
	return v == s.want
}

func (s *shrinker) exhausted() bool {
	return s.tries >= s.maxTries || time.Now().After(s.deadline)
}

// load puts d into both engines, unless they already hold it.
func (s *shrinker) load(ctx context.Context, d *Dataset, cube bool) error {
	if s.loaded == d && s.loadedCube == cube {
		return nil
	}
	if err := load(ctx, s.vc, s.schema, d, cube); err != nil {
		return err
	}
	if err := load(ctx, s.mdb, s.schema, d, false); err != nil {
		return err
	}
	s.loaded, s.loadedCube = d, cube
	return nil
}

// stillWith loads d (with or without Cube Store's clauses) and runs q on it.
func (s *shrinker) stillWith(ctx context.Context, q *Query, d *Dataset, cube bool) (bool, error) {
	if s.exhausted() {
		return false, nil
	}
	if err := s.load(ctx, d, cube); err != nil {
		return false, err
	}
	return s.still(ctx, q), nil
}

// Shrink shrinks c in place; the engines' schema s.schema is left holding c's data.
func (s *shrinker) Shrink(ctx context.Context, c *Case) error {
	if err := s.load(ctx, c.Data, c.Cube); err != nil {
		return err
	}
	c.Query = s.shrinkQuery(ctx, c.Query)

	d, err := s.shrinkData(ctx, c.Query, c.Data, c.Cube)
	if err != nil {
		return err
	}
	c.Data = d
	if err := s.load(ctx, c.Data, c.Cube); err != nil {
		return err
	}
	c.Query = s.shrinkQuery(ctx, c.Query)

	if c.Cube {
		if ok, err := s.stillWith(ctx, c.Query, c.Data, false); err != nil {
			return err
		} else if ok {
			c.Cube = false
		}
	}
	one := oneBatch(c.Data)
	if ok, err := s.stillWith(ctx, c.Query, one, c.Cube); err != nil {
		return err
	} else if ok {
		c.Data = one
	}
	narrow := unusedColumnsDropped(c.Data, c.Query.SQL(), c.Cube)
	if ok, err := s.stillWith(ctx, c.Query, narrow, c.Cube); err != nil {
		return err
	} else if ok {
		c.Data = narrow
	}
	if err := s.load(ctx, c.Data, c.Cube); err != nil {
		return err
	}
	sql := c.Query.SQL()
	c.Vcube, c.MariaDB = s.vc.query(ctx, sql), s.mdb.query(ctx, sql)
	c.Verdict, c.Detail = Compare(c.Vcube, c.MariaDB, c.Query.Ordered())
	if c.Verdict != s.want {
		return fmt.Errorf("the shrunk case no longer disagrees as it did (%v, then %v)", s.want, c.Verdict)
	}
	return nil
}

// shrinkQuery applies the first smaller query that still disagrees, again and again, until none does.
func (s *shrinker) shrinkQuery(ctx context.Context, q *Query) *Query {
	for !s.exhausted() {
		progress := false
		for _, c := range candidates(q) {
			if s.still(ctx, c) {
				q, progress = c, true
				break
			}
		}
		if !progress {
			break
		}
	}
	return q
}

// candidates are the queries one step smaller than q, the largest steps first (none for a raw query). A
// UNION loses one of its selects, or an item from all of them; its selects and a derived table shrink as
// queries of their own do, as long as the whole stays well formed (wellFormed).
func candidates(q *Query) []*Query {
	var out []*Query
	if q.Raw != "" {
		return nil
	}
	add := func(f func(c *Query) bool) {
		c := q.Clone()
		if f(c) && c.wellFormed() {
			out = append(out, c)
		}
	}
	for i := range q.Union {
		add(func(c *Query) bool {
			c.Union, c.UnionAll = slices.Delete(c.Union, i, i+1), slices.Delete(c.UnionAll, i, i+1)
			return true
		})
	}
	if len(q.Union) > 0 {
		// The first select dropped: the second takes its place.
		add(func(c *Query) bool {
			first := c.Union[0]
			first.Union, first.UnionAll = c.Union[1:], c.UnionAll[1:]
			first.Order, first.Limit, first.Offset = c.Order, c.Limit, c.Offset
			*c = *first
			return true
		})
	}
	for i := len(q.Joins) - 1; i >= 0; i-- {
		add(func(c *Query) bool { c.Joins = slices.Delete(c.Joins, i, i+1); return true })
	}
	for i := range q.Where {
		add(func(c *Query) bool { c.Where = slices.Delete(c.Where, i, i+1); return true })
	}
	for i := range q.Having {
		add(func(c *Query) bool { c.Having = slices.Delete(c.Having, i, i+1); return true })
	}
	for i := range q.GroupBy {
		add(func(c *Query) bool {
			key := c.GroupBy[i].SQL
			c.GroupBy = slices.Delete(c.GroupBy, i, i+1)
			for j := len(c.Items) - 1; j >= 0 && len(c.Items) > 1; j-- {
				if c.Items[j].SQL == key {
					c.dropItem(j)
				}
			}
			return true
		})
	}
	if len(q.Items) > 1 {
		for i := range q.Items {
			add(func(c *Query) bool {
				c.dropItem(i)
				for _, u := range c.Union {
					u.dropItem(i)
				}
				return true
			})
		}
	}
	add(func(c *Query) bool { ok := c.Distinct; c.Distinct = false; return ok })
	add(func(c *Query) bool { ok := c.Limit >= 0; c.Limit, c.Offset = -1, 0; return ok })
	add(func(c *Query) bool { ok := c.Offset > 0; c.Offset = 0; return ok })
	add(func(c *Query) bool { ok := len(c.Order) > 0 && c.Limit < 0; c.Order = nil; return ok })
	for i, j := range q.Joins {
		for k := len(j.On) - 1; k >= 1; k-- {
			add(func(c *Query) bool { c.Joins[i].On = slices.Delete(c.Joins[i].On, k, k+1); return true })
		}
		if j.Left || j.Right {
			add(func(c *Query) bool { c.Joins[i].Left, c.Joins[i].Right = false, false; return true })
		}
	}
	// Each expression replaced by one of its operands (a group key together with the select items that
	// repeat it).
	for _, e := range q.exprs() {
		for _, sub := range e.Subs {
			add(func(c *Query) bool { return c.replace(e.SQL, sub) })
		}
	}
	for i, u := range q.Union {
		for _, uc := range candidates(u) {
			add(func(c *Query) bool { c.Union[i] = uc; return true })
		}
	}
	if q.Derived != nil {
		for _, dc := range candidates(q.Derived) {
			add(func(c *Query) bool { c.Derived = dc; return true })
		}
	}
	return out
}

// derivedColumn is a column of the derived table d named in a query: d.c1, d.c2...
var derivedColumn = regexp.MustCompile(`\bd\.(c\d+)\b`)

// wellFormed reports whether the selects of a UNION have as many items each, and whether the derived table
// still has the columns the query names.
func (q *Query) wellFormed() bool {
	for _, u := range q.Union {
		if len(u.Items) != len(q.Items) {
			return false
		}
	}
	if q.Derived == nil {
		return true
	}
	var b strings.Builder
	for _, es := range [][]*Expr{q.Items, q.Where, q.GroupBy, q.Having} {
		for _, e := range es {
			b.WriteString(e.SQL + " ")
		}
	}
	for _, j := range q.Joins {
		b.WriteString(conjunction(j.On) + " ")
	}
	for _, m := range derivedColumn.FindAllStringSubmatch(b.String(), -1) {
		if !slices.Contains(q.Derived.Names, m[1]) {
			return false
		}
	}
	return true
}

// dropItem removes select item i (and its name) and its ORDER BY key, renumbering the others.
func (q *Query) dropItem(i int) {
	q.Items = slices.Delete(q.Items, i, i+1)
	if i < len(q.Names) {
		q.Names = slices.Delete(q.Names, i, i+1)
	}
	var order []OrderKey
	for _, k := range q.Order {
		switch {
		case k.Pos == i+1:
		case k.Pos > i+1:
			order = append(order, OrderKey{Pos: k.Pos - 1, Desc: k.Desc})
		default:
			order = append(order, k)
		}
	}
	q.Order = order
}

// exprs lists the query's top-level expressions, each once.
func (q *Query) exprs() []*Expr {
	var out []*Expr
	seen := map[string]bool{}
	add := func(es ...*Expr) {
		for _, e := range es {
			if !seen[e.SQL] {
				seen[e.SQL] = true
				out = append(out, e)
			}
		}
	}
	add(q.Items...)
	add(q.Where...)
	add(q.GroupBy...)
	add(q.Having...)
	for _, j := range q.Joins {
		if len(j.On) > 1 {
			add(j.On[1:]...)
		}
	}
	return out
}

// replace puts e in place of every top-level expression whose SQL is old; it reports whether there was one.
func (q *Query) replace(old string, e *Expr) bool {
	found := false
	swap := func(es []*Expr) {
		for i := range es {
			if es[i].SQL == old {
				es[i], found = e, true
			}
		}
	}
	swap(q.Items)
	swap(q.Where)
	swap(q.GroupBy)
	swap(q.Having)
	for _, j := range q.Joins {
		swap(j.On[1:])
	}
	return found
}

// shrinkData removes rows while the query keeps disagreeing: each table's rows at once, then delta debugging
// over all rows (complements of halves, quarters, ...).
func (s *shrinker) shrinkData(ctx context.Context, q *Query, d *Dataset, cube bool) (*Dataset, error) {
	type ref struct{ table, row int }
	var all []ref
	for ti, t := range d.Tables {
		for ri := range t.Rows {
			all = append(all, ref{ti, ri})
		}
	}
	build := func(keep []ref) *Dataset {
		nd := d.Clone()
		for _, t := range nd.Tables {
			t.Rows = nil
		}
		for _, r := range keep {
			nd.Tables[r.table].Rows = append(nd.Tables[r.table].Rows, d.Tables[r.table].Rows[r.row])
		}
		return nd
	}
	try := func(keep []ref) (bool, *Dataset, error) {
		nd := build(keep)
		ok, err := s.stillWith(ctx, q, nd, cube)
		return ok, nd, err
	}
	best := d
	for ti := range d.Tables {
		var keep []ref
		for _, r := range all {
			if r.table != ti {
				keep = append(keep, r)
			}
		}
		if len(keep) == len(all) {
			continue
		}
		ok, nd, err := try(keep)
		if err != nil {
			return nil, err
		}
		if ok {
			all, best = keep, nd
		}
	}
	n := 2
	for len(all) >= 2 && !s.exhausted() {
		size := (len(all) + n - 1) / n
		reduced := false
		for start := 0; start < len(all); start += size {
			keep := append(slices.Clone(all[:start]), all[min(start+size, len(all)):]...)
			ok, nd, err := try(keep)
			if err != nil {
				return nil, err
			}
			if ok {
				all, best, reduced = keep, nd, true
				n = max(n-1, 2)
				break
			}
		}
		if !reduced {
			if n >= len(all) {
				break
			}
			n = min(2*n, len(all))
		}
	}
	if len(all) == 1 {
		if ok, nd, err := try(nil); err != nil {
			return nil, err
		} else if ok {
			best = nd
		}
	}
	return best, nil
}

// oneBatch is d with every row in one INSERT per table.
func oneBatch(d *Dataset) *Dataset {
	nd := d.Clone()
	for _, t := range nd.Tables {
		for i := range t.Rows {
			t.Rows[i].Batch = 0
		}
	}
	return nd
}

// unusedColumnsDropped is d without the columns (and tables) sql does not name. A column is named when
// "alias.column" appears for one of its table's aliases (the generator always qualifies columns); with cube,
// the columns the table's Cube Store clauses name are kept, and a table keeps its clauses only when it keeps
// all of those columns.
func unusedColumnsDropped(d *Dataset, sql string, cube bool) *Dataset {
	aliases := map[string][]string{"facts": {"f", "f2"}, "regions": {"r", "r2"}, "products": {"p", "p2"}}
	nd := &Dataset{}
	for _, t := range d.Tables {
		used := false
		for _, a := range aliases[t.Name] {
			if strings.Contains(sql, " "+t.Name+" "+a) {
				used = true
			}
		}
		if !used {
			continue
		}
		var keep []int
		for ci, c := range t.Columns {
			named := cube && t.Cube != "" && containsWord(t.Cube, c.Name)
			for _, a := range aliases[t.Name] {
				named = named || strings.Contains(sql, a+"."+c.Name)
			}
			if named {
				keep = append(keep, ci)
			}
		}
		if len(keep) == 0 {
			keep = []int{0}
		}
		nt := &Table{Name: t.Name, Alias: t.Alias, Cube: t.Cube}
		for _, ci := range keep {
			nt.Columns = append(nt.Columns, t.Columns[ci])
		}
		for _, r := range t.Rows {
			row := Row{Batch: r.Batch}
			for _, ci := range keep {
				row.Values = append(row.Values, r.Values[ci])
			}
			nt.Rows = append(nt.Rows, row)
		}
		nd.Tables = append(nd.Tables, nt)
	}
	return nd
}

// containsWord reports whether s holds w as a whole word (letters, digits and _ around it do not count).
func containsWord(s, w string) bool {
	isWord := func(b byte) bool {
		return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
	}
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(w)
		if (j == 0 || !isWord(s[j-1])) && (end == len(s) || !isWord(s[end])) {
			return true
		}
		i = j + 1
	}
}
