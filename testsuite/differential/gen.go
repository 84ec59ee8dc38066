package differential

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Expr is a generated expression: its SQL, its type, whether it holds an aggregate, and the simpler
// expressions of the same type it can be replaced with when a query is shrunk (its operands, mostly).
type Expr struct {
	SQL  string
	T    Type
	Agg  bool
	Subs []*Expr
}

// Join is one JOIN of a query's FROM: the table, its alias, and the ON conditions (ANDed).
type Join struct {
	Left  bool
	Right bool
	Table string
	Alias string
	On    []*Expr
}

// OrderKey orders by a select item (1-based).
type OrderKey struct {
	Pos  int
	Desc bool
}

// Query is a generated SELECT. When Order is set it names every select item, so the order is total (rows
// that tie are equal), and only then may Limit be set.
type Query struct {
	Distinct bool
	From     string
	// Derived, when set, is the first item of the FROM instead of the table From: a subquery, named Alias,
	// whose select items are named (Names).
	Derived *Query
	Alias   string
	Joins   []Join
	Items   []*Expr
	// Names, when set, names the select items (expr AS name): those of a derived table.
	Names   []string
	Where   []*Expr
	GroupBy []*Expr
	Having  []*Expr
	// Union are the selects joined to this one by UNION (UnionAll[i]: UNION ALL), with as many items, of the
	// same types; Order, Limit and Offset then apply to the whole. The selects of Union have none of their own.
	Union    []*Query
	UnionAll []bool
	Order    []OrderKey
	Limit    int // -1: no LIMIT
	Offset   int
	// Raw is a query given as text (Config.SQL) rather than generated: it is run as it is, and only its data
	// can be shrunk. Its rows compare in order when it has an ORDER BY.
	Raw string
}

// Ordered reports whether the query's rows come in a total order.
func (q *Query) Ordered() bool {
	if q.Raw != "" {
		return strings.Contains(strings.ToUpper(q.Raw), "ORDER BY")
	}
	return len(q.Order) > 0
}

// SQL renders the query.
func (q *Query) SQL() string {
	if q.Raw != "" {
		return q.Raw
	}
	var b strings.Builder
	q.writeSelect(&b)
	for i, u := range q.Union {
		if q.UnionAll[i] {
			b.WriteString(" UNION ALL ")
		} else {
			b.WriteString(" UNION ")
		}
		u.writeSelect(&b)
	}
	if len(q.Order) > 0 {
		b.WriteString(" ORDER BY ")
		for i, k := range q.Order {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprint(&b, k.Pos)
			if k.Desc {
				b.WriteString(" DESC")
			}
		}
	}
	if q.Limit >= 0 {
		fmt.Fprintf(&b, " LIMIT %d", q.Limit)
		if q.Offset > 0 {
			fmt.Fprintf(&b, " OFFSET %d", q.Offset)
		}
	}
	return b.String()
}

// writeSelect renders the query's SELECT ... HAVING, without its unions, ORDER BY and LIMIT.
func (q *Query) writeSelect(b *strings.Builder) {
	b.WriteString("SELECT ")
	if q.Distinct {
		b.WriteString("DISTINCT ")
	}
	for i, e := range q.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.SQL)
		if i < len(q.Names) {
			b.WriteString(" AS " + q.Names[i])
		}
	}
	if q.Derived != nil {
		fmt.Fprintf(b, " FROM (%s) AS %s", q.Derived.SQL(), q.Alias)
	} else {
		fmt.Fprintf(b, " FROM %s %s", q.From, q.Alias)
	}
	for _, j := range q.Joins {
		if j.Left {
			b.WriteString(" LEFT JOIN ")
		} else if j.Right {
			b.WriteString(" RIGHT JOIN ")
		} else {
			b.WriteString(" JOIN ")
		}
		fmt.Fprintf(b, "%s %s ON %s", j.Table, j.Alias, conjunction(j.On))
	}
	if len(q.Where) > 0 {
		b.WriteString(" WHERE " + conjunction(q.Where))
	}
	if len(q.GroupBy) > 0 {
		b.WriteString(" GROUP BY ")
		for i, e := range q.GroupBy {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.SQL)
		}
	}
	if len(q.Having) > 0 {
		b.WriteString(" HAVING " + conjunction(q.Having))
	}
}

func conjunction(es []*Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.SQL
	}
	return strings.Join(parts, " AND ")
}

// Clone copies the query's lists (expressions are immutable and shared).
func (q *Query) Clone() *Query {
	c := *q
	c.Joins = make([]Join, len(q.Joins))
	for i, j := range q.Joins {
		j.On = append([]*Expr(nil), j.On...)
		c.Joins[i] = j
	}
	c.Items = append([]*Expr(nil), q.Items...)
	c.Where = append([]*Expr(nil), q.Where...)
	c.GroupBy = append([]*Expr(nil), q.GroupBy...)
	c.Having = append([]*Expr(nil), q.Having...)
	c.Order = append([]OrderKey(nil), q.Order...)
	c.Names = append([]string(nil), q.Names...)
	if q.Derived != nil {
		c.Derived = q.Derived.Clone()
	}
	c.Union = make([]*Query, len(q.Union))
	for i, u := range q.Union {
		c.Union[i] = u.Clone()
	}
	c.UnionAll = append([]bool(nil), q.UnionAll...)
	return &c
}

// colRef is a column in a query's scope. A derived table's column carries the SQL of the select item it
// names (def).
type colRef struct {
	alias string
	col   Column
	def   string
}

// Generator writes random queries over a dataset's tables; the same seed writes the same queries.
type Generator struct {
	r     *rand.Rand
	ds    *Dataset
	cols  []colRef // the columns of the query being written
	avoid map[string]bool
	// key is set while a GROUP BY key is written: no CASE, IF, NULLIF..., no subquery, which MariaDB's
	// ONLY_FULL_GROUP_BY check refuses in a key that is also selected ("mariadb-group-by-expression").
	key bool
	// grouping is set while the aggregates of a query with GROUP BY are written: no quotient in their DECIMAL
	// arguments and no AVG(DISTINCT), whose digits MariaDB's grouping table cuts ("mariadb-grouped-decimals").
	grouping bool
	// sub counts the scalar subqueries being written, which hold no scalar subquery of their own.
	sub int
	// distinct is set while the argument of a DISTINCT aggregate is written.
	distinct bool
	// narrow is set while a derived table's query is written: no SUM of DECIMALs, which is 38 digits wide in
	// vcube, so that GREATEST or COALESCE of its column and a DECIMAL with more digits after the point would be
	// DOUBLE ("decimal-38-digits").
	narrow bool
}

// Avoidable lists what a generator can be told not to write (Config.Avoid), to look past a known bug or an open
// question (testsuite/mariadb-differences.md, last section): the name, then what is left out. "named-time-zones"
// is for a MariaDB without its time zone tables (CONVERT_TZ('2024-01-01 00:00:00', 'UTC', 'Europe/Paris') is
// NULL there), and Run sets it itself then.
var Avoidable = map[string]string{
	"named-time-zones": "CONVERT_TZ with zone names (offsets only)",
	// testsuite/sql/regressions/quotient_in_list.slt
	"quotient-comparisons": "quotients and AVG compared with a list of values (IN) or a range (BETWEEN)",
}

// NewGenerator returns a generator of queries over ds, leaving out what avoid names (see Avoidable).
func NewGenerator(ds *Dataset, seed uint64, avoid ...string) *Generator {
	g := &Generator{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), ds: ds, avoid: map[string]bool{}}
	for _, a := range avoid {
		g.avoid[a] = true
	}
	return g
}

func (g *Generator) chance(p float64) bool { return g.r.Float64() < p }

func (g *Generator) pick(n int) int { return g.r.IntN(n) }

func (g *Generator) scope(table, alias string) {
	for _, c := range g.ds.Table(table).Columns {
		g.cols = append(g.cols, colRef{alias: alias, col: c})
	}
}

// Query writes the next query: mostly a SELECT over the tables, sometimes one over a derived table, or a UNION
// of two or three selects.
func (g *Generator) Query() *Query {
	var q *Query
	switch n := g.pick(20); {
	case n < 2:
		q = g.derivedQuery()
	case n < 4:
		q = g.unionQuery()
	default:
		g.cols = nil
		q = &Query{Limit: -1}
		g.from(q)
		g.body(q)
	}
	g.order(q)
	return q
}

// from gives q its FROM (a table, and dimensions or facts joined to it) and puts their columns in scope.
func (g *Generator) from(q *Query) {
	switch n := g.pick(20); {
	case n < 14: // the fact table, with dimensions
		q.From, q.Alias = "facts", "f"
		g.scope("facts", "f")
		if g.chance(0.5) {
			g.join(q, "regions", "r", "f.region_id = r.region_id")
		}
		if g.chance(0.4) {
			g.join(q, "products", "p", "f.product_id = p.product_id")
		}
	case n < 17: // a dimension, with the facts joined to it
		q.From, q.Alias = "regions", "r"
		g.scope("regions", "r")
		g.join(q, "facts", "f", "r.region_id = f.region_id")
		if g.chance(0.3) {
			g.join(q, "products", "p", "f.product_id = p.product_id")
		}
	case n < 19:
		q.From, q.Alias = "products", "p"
		g.scope("products", "p")
	default:
		q.From, q.Alias = "regions", "r"
		g.scope("regions", "r")
	}
}

// body writes q's WHERE and its select list: an aggregation sometimes, plain expressions (perhaps DISTINCT)
// otherwise.
func (g *Generator) body(q *Query) {
	g.where(q)
	if g.chance(0.4) {
		g.grouped(q)
	} else {
		for range 1 + g.pick(4) {
			q.Items = append(q.Items, g.expr(g.anyType(true), 2))
		}
		q.Distinct = g.chance(0.15)
	}
}

func (g *Generator) where(q *Query) {
	for range g.pick(4) {
		if g.chance(0.7) {
			q.Where = append(q.Where, g.pred(2, false))
		}
	}
}

// order gives q a total order sometimes, and then a LIMIT (and an OFFSET) sometimes.
func (g *Generator) order(q *Query) {
	float := false
	for _, e := range q.Items {
		float = float || e.T == TFloat
	}
	// A total order needs every select item as a key; DOUBLE keys are left out (engines may differ in the last
	// bits of a computed double, which could swap rows that nearly tie).
	if !float && g.chance(0.5) {
		// With GROUP BY and a DISTINCT aggregate, expressions in ascending order only: in descending order,
		// MariaDB can put the group whose key is NULL into another one ("mariadb-distinct-group-null").
		ascending := len(q.GroupBy) > 0 && strings.Contains(q.SQL(), "(DISTINCT ")
		for _, i := range g.r.Perm(len(q.Items)) {
			desc := g.chance(0.4)
			if ascending && strings.Contains(q.Items[i].SQL, "(") {
				desc = false
			}
			q.Order = append(q.Order, OrderKey{Pos: i + 1, Desc: desc})
		}
		if g.chance(0.6) {
			q.Limit = g.pick(12)
			// No OFFSET after DISTINCT of constants only: MariaDB applies the OFFSET to the rows before
			// DISTINCT makes them one ("mariadb-distinct-offset").
			distinctConstants := q.Distinct && g.constantOnly(q.Items)
			for _, u := range q.Union {
				distinctConstants = distinctConstants || u.Distinct && constantOnly(u.Items)
			}
			if g.chance(0.3) && !distinctConstants {
				q.Offset = 1 + g.pick(5)
			}
		}
	}
}

// derivedQuery is a SELECT over a derived table d: a query over the tables (grouped or not, ordered and cut
// by a LIMIT sometimes) whose items are named c1, c2...; a dimension joined to it sometimes.
func (g *Generator) derivedQuery() *Query {
	inner := &Query{Limit: -1}
	g.cols = nil
	g.from(inner)
	g.narrow = true
	g.body(inner)
	g.narrow = false
	if g.chance(0.3) {
		g.order(inner)
	}
	q := &Query{Limit: -1, Derived: inner, Alias: "d"}
	g.cols = nil
	var ints []string
	for i, e := range inner.Items {
		name := fmt.Sprintf("c%d", i+1)
		inner.Names = append(inner.Names, name)
		g.cols = append(g.cols, colRef{alias: "d", col: Column{Name: name, Type: e.T}, def: e.SQL})
		if e.T == TInt {
			ints = append(ints, name)
		}
	}
	if len(ints) > 0 && g.chance(0.4) {
		c := ints[g.pick(len(ints))]
		if g.chance(0.5) {
			g.join(q, "regions", "r", "d."+c+" = r.region_id")
		} else {
			g.join(q, "products", "p", "d."+c+" = p.product_id")
		}
		// d on the inner side of an outer join only when MariaDB materializes it or its items are columns: when
		// it merges it, its MIN and MAX take a constant, or an item that has a value for NULL operands
		// (CONCAT_WS, COALESCE...), for the value of the rows the join fills with NULLs
		// ("mariadb-derived-constant").
		merged := !inner.Distinct && inner.Limit < 0 && len(inner.GroupBy) == 0 && !slices.ContainsFunc(inner.Items, func(e *Expr) bool { return e.Agg })
		if merged && slices.ContainsFunc(inner.Items, func(e *Expr) bool {
			return e.Subs != nil || strings.ContainsAny(e.SQL, "( ") || constantOnly([]*Expr{e})
		}) && q.Joins[0].Right {
			q.Joins[0].Right, q.Joins[0].Left = false, true
		}
	}
	g.body(q)
	return q
}

// unionQuery is a UNION (or UNION ALL) of two or three selects over the tables whose items have the same types.
func (g *Generator) unionQuery() *Query {
	q := &Query{Limit: -1}
	g.cols = nil
	g.from(q)
	g.body(q)
	var types []Type
	floatAgg := false
	for _, e := range q.Items {
		types = append(types, e.T)
		floatAgg = floatAgg || e.T == TFloat && (e.Agg || len(q.GroupBy) > 0)
	}
	n := 1
	if g.chance(0.3) {
		n = 2
	}
	for range n {
		u := &Query{Limit: -1}
		g.cols = nil
		g.from(u)
		g.where(u)
		if g.chance(0.4) {
			g.groupedAs(u, types)
		} else {
			for _, t := range types {
				u.Items = append(u.Items, g.expr(t, 2))
			}
			u.Distinct = g.chance(0.1)
		}
		for _, e := range u.Items {
			floatAgg = floatAgg || e.T == TFloat && (e.Agg || len(u.GroupBy) > 0)
		}
		q.Union = append(q.Union, u)
		q.UnionAll = append(q.UnionAll, g.chance(0.5))
	}
	if floatAgg {
		// A float sum depends on the order it adds in: UNION could keep two rows one engine sees equal.
		for i := range q.UnionAll {
			q.UnionAll[i] = true
		}
	}
	return q
}

// constantOnly reports whether no expression names a column (the generator always qualifies columns) outside
// a subquery (which is a constant: the generator writes no correlated one).
func constantOnly(es []*Expr) bool {
	for _, e := range es {
		sql := withoutSubqueries(e.SQL)
		for _, a := range []string{"f.", "r.", "p.", "d."} {
			if strings.Contains(sql, a) {
				return false
			}
		}
	}
	return true
}

// constantOnly is constantOnly in the generator's scope, where a derived table's column whose item is a
// constant is a constant too (MariaDB merges the derived table into the query).
func (g *Generator) constantOnly(es []*Expr) bool {
	for _, e := range es {
		sql := e.SQL
		for _, c := range g.cols {
			if c.def != "" && constantOnly([]*Expr{{SQL: c.def}}) {
				sql = strings.ReplaceAll(sql, c.alias+"."+c.col.Name, "0")
			}
		}
		if !constantOnly([]*Expr{{SQL: sql}}) {
			return false
		}
	}
	return true
}

// namesTrimmed reports whether sql names a derived table's column whose item is TRIM, LTRIM or RTRIM of
// something.
func (g *Generator) namesTrimmed(sql string) bool {
	for _, c := range g.cols {
		if c.def != "" && strings.Contains(c.def, "TRIM(") && containsWord(sql, c.alias+"."+c.col.Name) {
			return true
		}
	}
	return false
}

// withoutSubqueries is sql with each "(SELECT ...)" cut out (string literals may hold no parenthesis).
func withoutSubqueries(sql string) string {
	for {
		i := strings.Index(sql, "(SELECT ")
		if i < 0 {
			return sql
		}
		depth, j := 0, i
		for ; j < len(sql); j++ {
			if sql[j] == '(' {
				depth++
			} else if sql[j] == ')' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		sql = sql[:i] + sql[min(j+1, len(sql)):]
	}
}

// join adds a join to q and its table's columns to the scope; an ON condition beyond the key sometimes.
func (g *Generator) join(q *Query, table, alias, key string) {
	j := Join{Table: table, Alias: alias, On: []*Expr{{SQL: key, T: TBool}}}
	switch n := g.pick(10); {
	case n < 4:
		j.Left = true
	case n < 6:
		j.Right = true
	}
	g.scope(table, alias)
	if g.chance(0.25) {
		j.On = append(j.On, g.pred(1, false))
	}
	q.Joins = append(q.Joins, j)
}

// grouped makes q an aggregation: group keys (none for one group), keys and aggregates selected, HAVING.
func (g *Generator) grouped(q *Query) {
	nkeys := g.pick(4)
	if g.chance(0.15) {
		nkeys = 0
	}
	for range nkeys {
		// A key is a column or an expression, never a literal: an integer literal in GROUP BY is a position.
		// Nor a key twice, nor an expression naming a column of a derived table and one of another table,
		// which MariaDB's ONLY_FULL_GROUP_BY refuses ("mariadb-group-by-expression").
		var k *Expr
		g.key = true
		for k == nil || k.Subs == nil && constantOnly([]*Expr{k}) || slices.ContainsFunc(q.GroupBy, func(e *Expr) bool { return e.SQL == k.SQL }) || mixesDerived(k) {
			if g.chance(0.7) {
				k = g.column(g.anyType(false))
			} else {
				k = g.expr(g.anyType(false), 1)
			}
		}
		g.key = false
		q.GroupBy = append(q.GroupBy, k)
		if g.chance(0.8) {
			q.Items = append(q.Items, k)
		}
	}
	g.grouping = nkeys > 0
	defer func() { g.grouping = false }()
	for range 1 + g.pick(3) {
		q.Items = append(q.Items, g.aggExpr(g.anyType(false), true))
	}
	g.having(q)
}

// groupedAs makes q an aggregation whose select items have the given types: group keys at some positions,
// aggregates (for a boolean, an aggregate compared with a literal) at the others.
func (g *Generator) groupedAs(q *Query, types []Type) {
	q.Items = make([]*Expr, len(types))
	for i, t := range types {
		if t != TBool && g.chance(0.4) {
			if k := g.groupKey(q, t); k != nil {
				q.GroupBy = append(q.GroupBy, k)
				q.Items[i] = k
			}
		}
	}
	g.grouping = len(q.GroupBy) > 0
	defer func() { g.grouping = false }()
	for i, t := range types {
		switch {
		case q.Items[i] != nil:
		case t == TBool:
			a := g.aggExpr(g.numericType(), false)
			q.Items[i] = g.compare(a, g.literal(a.T))
		default:
			q.Items[i] = g.aggExpr(t, true)
		}
	}
	g.having(q)
}

// groupKey is a group key of type t for q, as grouped writes them; nil when none is found.
func (g *Generator) groupKey(q *Query, t Type) *Expr {
	g.key = true
	defer func() { g.key = false }()
	for range 20 {
		var k *Expr
		if g.chance(0.7) {
			k = g.column(t)
		} else {
			k = g.expr(t, 1)
		}
		if (k.Subs != nil || !constantOnly([]*Expr{k})) && !slices.ContainsFunc(q.GroupBy, func(e *Expr) bool { return e.SQL == k.SQL }) && !mixesDerived(k) {
			return k
		}
	}
	return nil
}

// mixesDerived reports whether e names a column of the derived table d and a column of another table.
func mixesDerived(e *Expr) bool {
	sql := withoutSubqueries(e.SQL)
	return strings.Contains(sql, "d.") && (strings.Contains(sql, "f.") || strings.Contains(sql, "r.") || strings.Contains(sql, "p."))
}

// having adds HAVING conditions to the aggregation q sometimes.
func (g *Generator) having(q *Query) {
	// HAVING names group keys only when they are columns: vcube also takes a key expression there, MariaDB
	// does not ("having-group-expression"); and only columns whose name no other table in scope has, which
	// MariaDB mistakes for the other table's ("mariadb-having-same-name").
	var columnKeys []*Expr
	for _, k := range q.GroupBy {
		if k.Subs == nil && !strings.Contains(k.SQL, "(") && g.uniqueName(k.SQL) {
			columnKeys = append(columnKeys, k)
		}
	}
	if g.chance(0.4) {
		for range 1 + g.pick(2) {
			if len(columnKeys) > 0 && g.chance(0.3) {
				k := columnKeys[g.pick(len(columnKeys))]
				q.Having = append(q.Having, g.compare(k, g.literalLike(k)))
			} else {
				a := g.aggExpr(g.numericType(), false)
				q.Having = append(q.Having, g.compare(a, g.literal(a.T)))
			}
		}
	}
}

// uniqueName reports whether the column alias.name is the only column of its name in scope.
func (g *Generator) uniqueName(ref string) bool {
	_, name, _ := strings.Cut(ref, ".")
	n := 0
	for _, c := range g.cols {
		if c.col.Name == name {
			n++
		}
	}
	return n == 1
}

// anyType is a random type; bool only when allowed (select items).
func (g *Generator) anyType(boolOK bool) Type {
	ts := []Type{TInt, TInt, TInt, TDec, TDec, TFloat, TText, TText, TTime}
	if boolOK {
		ts = append(ts, TBool)
	}
	return ts[g.pick(len(ts))]
}

func (g *Generator) numericType() Type { return []Type{TInt, TInt, TDec, TFloat}[g.pick(4)] }

// column is a random column of type t in scope, or a literal when there is none.
//
// A derived table's column that holds a quotient or an AVG is a quotient as MariaDB sees it (it merges the
// derived table into the query): not in a group key, nor in an aggregate with GROUP BY or DISTINCT
// ("mariadb-held-digit-groups", "mariadb-grouped-decimals").
func (g *Generator) column(t Type) *Expr {
	var cands []colRef
	for _, c := range g.cols {
		if c.col.Type == t && !((g.key || g.grouping || g.distinct) && c.def != "" && heldDigits(&Expr{SQL: c.def, T: t})) {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		if t == TBool {
			return g.pred(0, false)
		}
		return g.literal(t)
	}
	c := cands[g.pick(len(cands))]
	return &Expr{SQL: c.alias + "." + c.col.Name, T: t}
}

var (
	intLits   = []string{"-5", "-1", "0", "1", "2", "3", "5", "7", "10", "12", "50", "100", "1000"}
	decLits   = []string{"0.50", "1.25", "-3.75", "10.00", "99.99", "0.01", "250.5", "1000.125"}
	floatLits = []string{"1.5e0", "0.25e0", "-2e0", "1e2", "3.125e0", "0.1e0"}
	timeLits  = []string{"2023-11-15 00:00:00", "2024-01-01 00:00:00", "2024-02-29 12:00:00", "2024-03-31 23:59:59", "2023-12-24 18:30:00.5"}
	patterns  = []string{"a%", "%a", "%l%", "A%", "_b%", "%e_", "x\\_y", "50%", "%ü%", "", "%", "b"}
	units     = []string{"DAY", "HOUR", "MINUTE", "MONTH", "YEAR", "SECOND", "WEEK"}
	formats   = []string{"%Y-%m-%d", "%H:%i:%s", "%Y%m", "%d/%m/%Y", "%W", "%M %e", "%j", "%f", "%a %b %e %Y", "%U"}
)

// literal is a random literal of type t.
func (g *Generator) literal(t Type) *Expr {
	var s string
	switch t {
	case TInt:
		s = intLits[g.pick(len(intLits))]
	case TDec:
		s = decLits[g.pick(len(decLits))]
	case TFloat:
		s = floatLits[g.pick(len(floatLits))]
	case TText:
		if g.chance(0.5) {
			s = quote(words[g.pick(len(words))])
		} else {
			s = quote([]string{"North", "south", "FR", "fr", "toys", "Tools", "tools", "x", "é", "50%", "A_B"}[g.pick(11)])
		}
	case TTime:
		s = "TIMESTAMP '" + timeLits[g.pick(len(timeLits))] + "'"
	case TBool:
		s = []string{"TRUE", "FALSE"}[g.pick(2)]
	}
	return &Expr{SQL: s, T: t}
}

// literalLike is a literal to compare e with: a string for a time sometimes, which both engines read as a time.
func (g *Generator) literalLike(e *Expr) *Expr {
	if e.T == TTime && g.chance(0.5) {
		return &Expr{SQL: "'" + timeLits[g.pick(len(timeLits))] + "'", T: TTime}
	}
	if e.T == TBool {
		return g.literal(TInt)
	}
	return g.literal(e.T)
}

func (g *Generator) leaf(t Type) *Expr {
	// A scalar subquery now and then; never in a group key, which MariaDB refuses when it is also selected
	// ("mariadb-group-by-expression").
	if t != TBool && !g.key && g.sub == 0 && g.chance(0.03) {
		return g.scalarSubquery(t)
	}
	if t != TBool && g.chance(0.25) {
		return g.literal(t)
	}
	return g.column(t)
}

func call(t Type, name string, args ...*Expr) *Expr {
	parts := make([]string, len(args))
	var subs []*Expr
	agg := false
	for i, a := range args {
		parts[i] = a.SQL
		agg = agg || a.Agg
		if a.T == t {
			subs = append(subs, a)
		}
	}
	return &Expr{SQL: name + "(" + strings.Join(parts, ", ") + ")", T: t, Agg: agg, Subs: subs}
}

func binary(t Type, a *Expr, op string, b *Expr) *Expr {
	var subs []*Expr
	for _, x := range []*Expr{a, b} {
		if x.T == t {
			subs = append(subs, x)
		}
	}
	return &Expr{SQL: "(" + a.SQL + " " + op + " " + b.SQL + ")", T: t, Agg: a.Agg || b.Agg, Subs: subs}
}

func raw(t Type, sql string, subs ...*Expr) *Expr {
	agg := false
	var same []*Expr
	for _, s := range subs {
		agg = agg || s.Agg
		if s.T == t {
			same = append(same, s)
		}
	}
	return &Expr{SQL: sql, T: t, Agg: agg, Subs: same}
}

// expr is a random expression of type t, nested at most depth levels.
func (g *Generator) expr(t Type, depth int) *Expr {
	if t == TBool {
		return g.pred(depth, false)
	}
	if depth <= 0 || g.chance(0.35) {
		return g.leaf(t)
	}
	d := depth - 1
	if !g.key && g.chance(0.12) {
		return g.conditional(t, d)
	}
	switch t {
	case TInt:
		return g.intExpr(d)
	case TDec:
		return g.decExpr(d)
	case TFloat:
		return g.floatExpr(d)
	case TText:
		return g.textExpr(d)
	default:
		return g.timeExpr(d)
	}
}

// conditional is CASE, IF, COALESCE, IFNULL, NULLIF, GREATEST or LEAST over values of type t.
func (g *Generator) conditional(t Type, d int) *Expr {
	a, b := g.expr(t, d), g.expr(t, d)
	switch g.pick(7) {
	case 0:
		p := g.pred(d, false)
		return raw(t, fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", p.SQL, a.SQL, b.SQL), a, b)
	case 1:
		p := g.pred(d, false)
		return raw(t, fmt.Sprintf("IF(%s, %s, %s)", p.SQL, a.SQL, b.SQL), a, b)
	case 2:
		return call(t, "COALESCE", a, b, g.literal(t))
	case 3:
		return call(t, "IFNULL", a, b)
	case 4:
		return call(t, "NULLIF", a, b)
	case 5:
		return call(t, "GREATEST", a, b)
	default:
		return call(t, "LEAST", a, b)
	}
}

func (g *Generator) smallInt() *Expr {
	return &Expr{SQL: fmt.Sprint([]int{-3, -2, 2, 3, 4, 7, 10}[g.pick(7)]), T: TInt}
}

func (g *Generator) intExpr(d int) *Expr {
	switch g.pick(14) {
	case 0:
		return binary(TInt, g.expr(TInt, d), "+", g.expr(TInt, d))
	case 1:
		return binary(TInt, g.expr(TInt, d), "-", g.expr(TInt, d))
	case 2:
		return binary(TInt, g.expr(TInt, d), "*", g.smallInt())
	case 3:
		m := g.smallInt()
		if g.chance(0.1) {
			m = &Expr{SQL: "0", T: TInt}
		}
		if g.chance(0.5) {
			// DIV by a positive number: MariaDB sizes x DIV -3 without its sign, and cuts it when it sorts
			// the text it is part of ("mariadb-div-length").
			m.SQL = strings.TrimPrefix(m.SQL, "-")
			return binary(TInt, g.expr(TInt, d), "DIV", m)
		}
		return binary(TInt, g.expr(TInt, d), "%", m)
	case 4:
		return call(TInt, "MOD", g.expr(TInt, d), g.smallInt())
	case 5:
		return call(TInt, "ABS", g.expr(TInt, d))
	case 6:
		return call(TInt, "SIGN", g.expr(g.numericType(), d))
	case 7:
		return call(TInt, []string{"LENGTH", "CHAR_LENGTH"}[g.pick(2)], g.expr(TText, d))
	case 8, 9:
		f := []string{"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "DAYOFWEEK", "DAYOFYEAR", "QUARTER", "WEEKDAY", "WEEK"}
		return call(TInt, f[g.pick(len(f))], g.expr(TTime, d))
	case 10:
		u := []string{"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "MICROSECOND", "YEAR_MONTH", "DAY_HOUR", "QUARTER", "WEEK"}
		t := g.expr(TTime, d)
		return raw(TInt, fmt.Sprintf("EXTRACT(%s FROM %s)", u[g.pick(len(u))], t.SQL), t)
	case 11:
		s := g.expr(TText, d)
		if g.chance(0.5) {
			return raw(TInt, fmt.Sprintf("LOCATE(%s, %s)", g.literal(TText).SQL, s.SQL), s)
		}
		return raw(TInt, fmt.Sprintf("INSTR(%s, %s)", s.SQL, quote([]string{"a", "l", "e", " ", "%"}[g.pick(5)])), s)
	case 12:
		// DECIMAL rounds half away from zero, DOUBLE half to even (as rint does), strings read their leading
		// number.
		var x *Expr
		switch g.pick(4) {
		case 0, 1:
			x = g.expr(TDec, d)
		case 2:
			x = g.expr(TFloat, d)
		default:
			x = g.castText()
		}
		return raw(TInt, fmt.Sprintf("CAST(%s AS SIGNED)", x.SQL), x)
	default:
		x := g.expr(TDec, d)
		if g.chance(0.3) {
			return call(TInt, []string{"ROUND", "TRUNCATE"}[g.pick(2)], x, &Expr{SQL: fmt.Sprint(-g.pick(2)), T: TInt})
		}
		return call(TInt, []string{"FLOOR", "CEIL", "ROUND"}[g.pick(3)], x)
	}
}

func (g *Generator) exact(d int) *Expr {
	if g.chance(0.5) {
		return g.expr(TDec, d)
	}
	return g.expr(TInt, d)
}

func (g *Generator) decExpr(d int) *Expr {
	switch g.pick(9) {
	case 0:
		return binary(TDec, g.expr(TDec, d), "+", g.exact(d))
	case 1:
		return binary(TDec, g.exact(d), "-", g.expr(TDec, d))
	case 2:
		return binary(TDec, g.expr(TDec, d), "*", g.exact(d))
	case 3:
		if g.key {
			// MariaDB groups quotients by held or shown digits depending on how it groups
			// ("mariadb-held-digit-groups").
			return binary(TDec, g.exact(d), "+", g.exact(d))
		}
		return binary(TDec, g.exact(d), "/", g.exact(d))
	case 4:
		// Digits 1 or 2, so that the result keeps a scale: ROUND(SUM(x), 1) of an x of scale 0 widens the scale
		// in MySQL, and cannot in vcube, whose SUM is already 38 digits wide ("decimal-38-digits").
		k := &Expr{SQL: fmt.Sprint(1 + g.pick(2)), T: TInt}
		return call(TDec, []string{"ROUND", "TRUNCATE"}[g.pick(2)], g.expr(TDec, d), k)
	case 5:
		return call(TDec, "ABS", g.expr(TDec, d))
	case 6:
		x := g.expr(TDec, d)
		return raw(TDec, "(-"+x.SQL+")", x)
	case 7:
		return g.castDecimal(d)
	default:
		// The remainder of a non-negative number: MariaDB's remainder of a negative DECIMAL can be -0.00,
		// which it then orders below 0 ("mariadb-decimal-negative-zero").
		x := g.expr(TDec, d)
		return binary(TDec, raw(TDec, "ABS("+x.SQL+")", x), "%", g.exact(d))
	}
}

func (g *Generator) floatExpr(d int) *Expr {
	num := func() *Expr {
		if g.chance(0.6) {
			return g.expr(TFloat, d)
		}
		return g.exact(d)
	}
	switch g.pick(9) {
	case 0:
		return binary(TFloat, g.expr(TFloat, d), "+", num())
	case 1:
		return binary(TFloat, num(), "-", g.expr(TFloat, d))
	case 2:
		return binary(TFloat, g.expr(TFloat, d), "*", num())
	case 3:
		return binary(TFloat, g.expr(TFloat, d), "/", num())
	case 4:
		x := g.expr(TFloat, d)
		return raw(TFloat, fmt.Sprintf("SQRT(ABS(%s))", x.SQL), x)
	case 5:
		return call(TFloat, "POW", g.expr(TFloat, d), &Expr{SQL: "2", T: TInt})
	case 6:
		x := g.expr(TFloat, d)
		return raw(TFloat, fmt.Sprintf("LN(ABS(%s) + 1)", x.SQL), x)
	case 7:
		x := g.exact(d)
		if g.chance(0.2) {
			x = g.castText()
		}
		return raw(TFloat, fmt.Sprintf("CAST(%s AS DOUBLE)", x.SQL), x)
	default:
		return call(TFloat, "ABS", g.expr(TFloat, d))
	}
}

// concatArg is a value CONCAT prints the same way in both engines: no doubles, times or booleans, and a
// DECIMAL only as a column or literal (a remainder can be -0.00 in MariaDB, "mariadb-decimal-negative-zero").
func (g *Generator) concatArg(d int) *Expr {
	switch g.pick(4) {
	case 0, 1:
		return g.expr(TText, d)
	case 2:
		return g.expr(TInt, d)
	default:
		return g.leaf(TDec)
	}
}

func (g *Generator) textExpr(d int) *Expr {
	n := func(lo, hi int) *Expr { return &Expr{SQL: fmt.Sprint(lo + g.pick(hi-lo+1)), T: TInt} }
	switch g.pick(13) {
	case 0:
		return call(TText, "CONCAT", g.concatArg(d), g.concatArg(d))
	case 1:
		a, b := g.concatArg(d), g.concatArg(d)
		if g.namesTrimmed(a.SQL + " " + b.SQL) {
			// MariaDB garbles CONCAT_WS of a derived table's TRIM column named twice ("mariadb-concat-ws-trim").
			return call(TText, "CONCAT", a, b)
		}
		return call(TText, "CONCAT_WS", &Expr{SQL: "'-'", T: TText}, a, b)
	case 2:
		return call(TText, []string{"UPPER", "LOWER"}[g.pick(2)], g.expr(TText, d))
	case 3:
		return call(TText, []string{"TRIM", "LTRIM", "RTRIM"}[g.pick(3)], g.expr(TText, d))
	case 4:
		return call(TText, "REVERSE", g.expr(TText, d))
	case 5:
		if g.chance(0.5) {
			return call(TText, "SUBSTRING", g.expr(TText, d), n(-3, 5), n(0, 4))
		}
		return call(TText, "SUBSTRING", g.expr(TText, d), n(-3, 5))
	case 6:
		return call(TText, []string{"LEFT", "RIGHT"}[g.pick(2)], g.expr(TText, d), n(0, 5))
	case 7:
		return call(TText, "REPLACE", g.expr(TText, d), &Expr{SQL: quote([]string{"a", "l", " ", "%"}[g.pick(4)]), T: TText}, &Expr{SQL: "'XY'", T: TText})
	case 8:
		return call(TText, []string{"LPAD", "RPAD"}[g.pick(2)], g.expr(TText, d), n(0, 9), &Expr{SQL: "'*'", T: TText})
	case 9:
		// Not a DOUBLE, whose text the engines write differently ("double-display"), nor a time, whose
		// fraction vcube writes with six digits ("timestamp-type"); nor CHAR(n), which vcube does not cut
		// (a gap, testsuite/sql/expr_cast.slt).
		x := g.expr([]Type{TInt, TInt, TDec, TText}[g.pick(4)], d)
		return raw(TText, fmt.Sprintf("CAST(%s AS CHAR)", x.SQL), x)
	case 10, 11:
		t := g.expr(TTime, d)
		return raw(TText, fmt.Sprintf("DATE_FORMAT(%s, '%s')", t.SQL, formats[g.pick(len(formats))]), t)
	default:
		return call(TText, "CONCAT", g.expr(TText, d), g.literal(TText), g.concatArg(d))
	}
}

func (g *Generator) timeExpr(d int) *Expr {
	t := g.expr(TTime, d)
	n := []int{-40, -3, -1, 1, 2, 7, 30, 400}[g.pick(8)]
	u := units[g.pick(len(units))]
	switch g.pick(5) {
	case 3:
		return g.convertTZ(t)
	case 4:
		return g.castDatetime(d)
	case 0:
		return raw(TTime, fmt.Sprintf("DATE_ADD(%s, INTERVAL %d %s)", t.SQL, n, u), t)
	case 1:
		return raw(TTime, fmt.Sprintf("DATE_SUB(%s, INTERVAL %d %s)", t.SQL, n, u), t)
	default:
		return raw(TTime, fmt.Sprintf("(%s + INTERVAL %d %s)", t.SQL, n, u), t)
	}
}

// pred is a random predicate. agg allows aggregates (HAVING).
func (g *Generator) pred(depth int, agg bool) *Expr {
	if depth > 0 && g.chance(0.3) {
		d := depth - 1
		switch g.pick(5) {
		case 0:
			p := g.pred(d, agg)
			return raw(TBool, "NOT "+p.SQL, p)
		case 1, 2:
			return binary(TBool, g.pred(d, agg), "AND", g.pred(d, agg))
		case 3:
			return binary(TBool, g.pred(d, agg), "OR", g.pred(d, agg))
		default:
			return binary(TBool, g.pred(d, agg), "XOR", g.pred(d, agg))
		}
	}
	d := max(depth-1, 0)
	t := g.anyType(false)
	switch g.pick(12) {
	case 0, 1, 2, 3:
		a := g.expr(t, d)
		if t.numeric() && g.chance(0.3) {
			return g.compare(a, g.expr(g.numericType(), d))
		}
		if t == TText && g.chance(0.15) && !strings.Contains(a.SQL, "GREATEST(") && !strings.Contains(a.SQL, "LEAST(") {
			// A string against a number compares as DOUBLE in both ('3' = 3, 'abc' = 0). Not GREATEST or
			// LEAST of strings, which MariaDB computes as numbers there ("mariadb-greatest-least").
			return g.compare(a, g.literal(g.numericType()))
		}
		if g.chance(0.5) {
			return g.compare(a, g.expr(t, d))
		}
		return g.compare(a, g.literalLike(a))
	case 4:
		a := g.expr(t, d)
		return raw(TBool, fmt.Sprintf("(%s IS %sNULL)", a.SQL, not(g)), a)
	case 5:
		a := g.listed(t, d)
		var lits []string
		for range 1 + g.pick(4) {
			lits = append(lits, g.literalLike(a).SQL)
		}
		if g.chance(0.2) {
			lits = append(lits, "NULL")
		}
		return raw(TBool, fmt.Sprintf("(%s %sIN (%s))", a.SQL, not(g), strings.Join(lits, ", ")), a)
	case 6:
		a := g.listed(t, d)
		lo, hi := g.literalLike(a), g.literalLike(a)
		return raw(TBool, fmt.Sprintf("(%s %sBETWEEN %s AND %s)", a.SQL, not(g), lo.SQL, hi.SQL), a)
	case 7, 8:
		a := g.expr(TText, d)
		return raw(TBool, fmt.Sprintf("(%s %sLIKE %s)", a.SQL, not(g), quote(patterns[g.pick(len(patterns))])), a)
	case 9:
		if g.key {
			return g.compare(g.column(TInt), g.literal(TInt))
		}
		if sub := g.subquery(); sub != nil {
			return sub
		}
		return g.compare(g.column(TInt), g.literal(TInt))
	case 10:
		p := g.pred(0, agg)
		return raw(TBool, fmt.Sprintf("(%s IS %s%s)", p.SQL, not(g), []string{"TRUE", "FALSE"}[g.pick(2)]), p)
	default:
		a := g.column(t)
		return g.compare(a, g.literalLike(a))
	}
}

// listed is an expression of type t to compare with a list of values or a range: with "quotient-comparisons"
// avoided, no DECIMAL that holds more digits than it shows.
func (g *Generator) listed(t Type, d int) *Expr {
	a := g.expr(t, d)
	if g.avoid["quotient-comparisons"] && heldDigits(a) {
		return g.column(t)
	}
	return a
}

// heldDigits reports whether e may be a DECIMAL that holds more digits than it shows: a quotient or an AVG.
func heldDigits(e *Expr) bool {
	return e.T == TDec && (strings.Contains(e.SQL, " / ") || strings.Contains(e.SQL, "AVG("))
}

func not(g *Generator) string {
	if g.chance(0.3) {
		return "NOT "
	}
	return ""
}

// compare is a comparison of a and b.
func (g *Generator) compare(a, b *Expr) *Expr {
	ops := []string{"=", "<>", "<", "<=", ">", ">=", "<=>", "!="}
	if (a.T == TFloat || b.T == TFloat) && (a.Agg || b.Agg) {
		// A float sum depends on the order it adds in, which SQL leaves open (AVG of seven 0.1 is 0.1 or
		// 0.10000000000000002): compared to six digits, as results are compared to 1e-9.
		a = raw(a.T, fmt.Sprintf("ROUND(%s, 6)", a.SQL), a)
		b = raw(b.T, fmt.Sprintf("ROUND(%s, 6)", b.SQL), b)
	}
	return &Expr{SQL: "(" + a.SQL + " " + ops[g.pick(len(ops))] + " " + b.SQL + ")", T: TBool, Agg: a.Agg || b.Agg}
}

// subquery is an uncorrelated IN, EXISTS or scalar subquery predicate over a column in scope, or nil. IN
// compares integers or strings; its subquery is grouped sometimes.
func (g *Generator) subquery() *Expr {
	saved := g.cols
	defer func() { g.cols = saved }()
	type source struct{ table, alias, col string }
	ty := TInt
	sources := []source{{"regions", "r2", "region_id"}, {"products", "p2", "product_id"}, {"facts", "f2", "qty"}, {"facts", "f2", "region_id"}}
	if g.chance(0.2) {
		ty = TText
		sources = []source{{"regions", "r2", "name"}, {"regions", "r2", "country"}, {"products", "p2", "category"}, {"facts", "f2", "note"}}
	}
	var cols []colRef
	for _, c := range g.cols {
		if c.col.Type == ty {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	outer := cols[g.pick(len(cols))]
	inner := sources[g.pick(len(sources))]
	g.cols = nil
	g.scope(inner.table, inner.alias)
	where := ""
	if g.chance(0.8) {
		where = " WHERE " + g.pred(1, false).SQL
	}
	o := outer.alias + "." + outer.col.Name
	switch n := g.pick(4); {
	case n < 2 || ty == TText:
		ic := inner.alias + "." + inner.col
		if g.chance(0.25) && !strings.Contains(where, "(SELECT ") {
			// The values of groups: those the HAVING keeps. (Not over another subquery: MariaDB can take
			// minutes over such nests.)
			where += fmt.Sprintf(" GROUP BY %s HAVING COUNT(*) %s %d", ic, []string{">", "<", "="}[g.pick(3)], []int{1, 2, 5, 30}[g.pick(4)])
		}
		return &Expr{SQL: fmt.Sprintf("(%s %sIN (SELECT %s FROM %s %s%s))", o, not(g), ic, inner.table, inner.alias, where), T: TBool}
	case n == 2:
		return &Expr{SQL: fmt.Sprintf("(%sEXISTS (SELECT 1 FROM %s %s%s))", not(g), inner.table, inner.alias, where), T: TBool}
	default:
		agg := []string{"MAX", "MIN", "COUNT", "SUM"}[g.pick(4)]
		op := []string{"=", "<", ">=", "<>"}[g.pick(4)]
		return &Expr{SQL: fmt.Sprintf("(%s %s (SELECT %s(%s.%s) FROM %s %s%s))", o, op, agg, inner.alias, inner.col, inner.table, inner.alias, where), T: TBool}
	}
}

// scalarSubquery is an uncorrelated subquery of one value of type t: an aggregate of a column of one of the
// tables, or its first value in order (a total order: rows that tie are equal). Not a DOUBLE SUM or AVG, whose
// last bits depend on the order it adds in, nor a DECIMAL AVG, a quotient whose held digits MariaDB cuts when
// it aggregates it again ("mariadb-grouped-decimals"), nor a DECIMAL SUM, which is 38 digits wide in vcube:
// GREATEST or COALESCE of it and a DECIMAL with more digits after the point would be DOUBLE ("decimal-38-digits").
func (g *Generator) scalarSubquery(t Type) *Expr {
	type source struct{ table, alias string }
	var sources []source
	for _, s := range []source{{"facts", "f2"}, {"regions", "r2"}, {"products", "p2"}} {
		if slices.ContainsFunc(g.ds.Table(s.table).Columns, func(c Column) bool { return c.Type == t }) {
			sources = append(sources, s)
		}
	}
	src := sources[g.pick(len(sources))]
	saved, grouping := g.cols, g.grouping
	g.sub++
	defer func() { g.cols, g.grouping = saved, grouping; g.sub-- }()
	g.cols, g.grouping = nil, false
	g.scope(src.table, src.alias)
	col := g.column(t)
	from := fmt.Sprintf("FROM %s %s", src.table, src.alias)
	if g.chance(0.6) {
		from += " WHERE " + g.pred(1, false).SQL
	}
	if g.chance(0.65) {
		aggs := []string{"MIN", "MAX"}
		switch t {
		case TInt:
			aggs = append(aggs, "COUNT", "SUM")
		}
		return &Expr{SQL: fmt.Sprintf("(SELECT %s(%s) %s)", aggs[g.pick(len(aggs))], col.SQL, from), T: t}
	}
	desc := ""
	if g.chance(0.5) {
		desc = " DESC"
	}
	return &Expr{SQL: fmt.Sprintf("(SELECT %s %s ORDER BY 1%s LIMIT 1)", col.SQL, from, desc), T: t}
}

// castText is text to read as a number: a column or literal (most read as 0, '50% off' as 50), or a number
// followed by a word.
func (g *Generator) castText() *Expr {
	if g.chance(0.7) {
		return g.leaf(TText)
	}
	n := g.leaf([]Type{TInt, TDec}[g.pick(2)])
	return call(TText, "CONCAT", n, g.literal(TText))
}

// baseColumn is a column of type t of one of the tables in scope (not of a derived table), or a literal.
func (g *Generator) baseColumn(t Type) *Expr {
	var cands []colRef
	for _, c := range g.cols {
		if c.col.Type == t && c.def == "" {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return g.literal(t)
	}
	c := cands[g.pick(len(cands))]
	return &Expr{SQL: c.alias + "." + c.col.Name, T: t}
}

// castDecimal is CAST(... AS DECIMAL(p,s)) of a number or a string, with a precision the value fits in: MySQL
// makes a value too large the type's largest (with a warning) where vcube fails (a gap,
// testsuite/sql/expr_cast.slt). Narrow types only for the tables' DECIMAL columns and literals, which are small.
// Never a scale of 0, which SUM and ROUND could not widen in vcube ("decimal-38-digits").
func (g *Generator) castDecimal(d int) *Expr {
	var x *Expr
	var ps []string
	switch g.pick(6) {
	case 0:
		x, ps = g.baseColumn(TDec), []string{"6,1", "6,2", "7,3", "9,1", "10,4"}
	case 1, 2:
		x, ps = g.expr(TInt, d), []string{"12,2", "20,1", "20,4"}
	case 3:
		x, ps = g.expr(TDec, d), []string{"30,1", "30,2", "30,3", "30,6"}
	case 4:
		// Not wider: vcube makes DECIMALs that would need more than 38 digits DOUBLE ("decimal-38-digits"), and
		// GREATEST of this and another DECIMAL, or a UNION of them, would.
		x, ps = g.expr(TFloat, d), []string{"30,2", "30,4"}
	default:
		x, ps = g.castText(), []string{"30,1", "30,2"}
	}
	return raw(TDec, fmt.Sprintf("CAST(%s AS DECIMAL(%s))", x.SQL, ps[g.pick(len(ps))]), x)
}

// dateTexts are strings CAST(... AS DATETIME) reads in both engines.
var dateTexts = []string{"2024-01-01", "2024-02-29 12:00:00", "2023-11-15 08:30", "2024-03-31 01:30:00", "2024-03-10 02:30:00",
	"2023-12-31 23:59:59", "2024-1-5", "2023-11-05T01:30:00"}

// castDatetime is CAST(... AS DATETIME) of a string that is a valid date (a literal, or a time formatted without
// its fraction of a second), or CAST(... AS DATETIME(6)) of a time.
//
// Not CAST(time AS DATETIME): that drops the fraction in MySQL (rounding it) and MariaDB (cutting it), and vcube
// keeps it ("timestamp-type"). Nor strings that are no valid date: the CAST is NULL, but MariaDB compares it as
// 0000-00-00 00:00:00 and HOUR() reads its time ("mariadb-invalid-datetime"). Nor the strings vcube does not read
// yet (digits alone, other delimiters, two-digit years, text after the date: gaps, testsuite/sql/expr_cast.slt).
func (g *Generator) castDatetime(d int) *Expr {
	switch g.pick(3) {
	case 0:
		return &Expr{SQL: fmt.Sprintf("CAST(%s AS DATETIME)", quote(dateTexts[g.pick(len(dateTexts))])), T: TTime}
	case 1:
		t := g.expr(TTime, d)
		f := []string{"%Y-%m-%d", "%Y-%m-%d %H:%i:%s", "%Y-%m-%d %H:00"}[g.pick(3)]
		return raw(TTime, fmt.Sprintf("CAST(DATE_FORMAT(%s, '%s') AS DATETIME)", t.SQL, f), t)
	default:
		t := g.expr(TTime, d)
		return raw(TTime, fmt.Sprintf("CAST(%s AS DATETIME(6))", t.SQL), t)
	}
}

// Time zones for CONVERT_TZ: offsets, and names, which need MariaDB's time zone tables (.ci/mariadb loads
// them; Run leaves the names out, as Avoidable's "named-time-zones", when they are not loaded).
var (
	tzOffsets = []string{"+00:00", "+05:30", "-08:00"}
	tzNames   = []string{"UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"}
)

// convertTZ is CONVERT_TZ of t from one zone to another. t stays within ten years of the data, far from 2038,
// after which MariaDB converts nothing ("mariadb-unix-time-range").
func (g *Generator) convertTZ(t *Expr) *Expr {
	if g.yearsAway(t.SQL) > 10 {
		if t = g.baseColumn(TTime); g.yearsAway(t.SQL) > 10 {
			t = g.literal(TTime)
		}
	}
	zones := tzOffsets
	if !g.avoid["named-time-zones"] {
		zones = append(slices.Clone(tzOffsets), tzNames...)
	}
	from, to := zones[g.pick(len(zones))], zones[g.pick(len(zones))]
	return raw(TTime, fmt.Sprintf("CONVERT_TZ(%s, '%s', '%s')", t.SQL, from, to), t)
}

var interval = regexp.MustCompile(`INTERVAL (-?\d+) (YEAR|MONTH|WEEK|DAY)`)

// yearsAway bounds how many years a time expression can move from its operands: the sum of its intervals
// (and of those of the derived table's items it names).
func (g *Generator) yearsAway(sql string) float64 {
	for _, c := range g.cols {
		if c.def != "" && containsWord(sql, c.alias+"."+c.col.Name) {
			sql += " " + c.def
		}
	}
	years := 0.0
	for _, m := range interval.FindAllStringSubmatch(sql, -1) {
		n, _ := strconv.Atoi(strings.TrimPrefix(m[1], "-"))
		years += float64(n) / map[string]float64{"YEAR": 1, "MONTH": 12, "WEEK": 52, "DAY": 365}[m[2]]
	}
	return years
}

// agg is an aggregate of type t; top says it is a select item of its own (not inside an expression).
func (g *Generator) agg(t Type, top bool) *Expr {
	arg := func(at Type) *Expr {
		if g.chance(0.6) || at == TDec && g.grouping {
			return g.column(at)
		}
		return g.expr(at, 1)
	}
	// The values of a DISTINCT aggregate are DECIMAL columns or integers: MariaDB keeps them in a table that cuts a
	// quotient's held digits ("mariadb-grouped-decimals").
	distinctArg := func(at Type) *Expr {
		if at == TDec {
			g.distinct = true
			defer func() { g.distinct = false }()
			return g.column(at)
		}
		return arg(at)
	}
	mk := func(t Type, name string, x *Expr, distinct bool) *Expr {
		d := ""
		if distinct {
			d = "DISTINCT "
		}
		e := &Expr{SQL: name + "(" + d + x.SQL + ")", T: t, Agg: true}
		// Shrinking an aggregate shrinks its argument.
		for _, s := range x.Subs {
			e.Subs = append(e.Subs, &Expr{SQL: name + "(" + d + s.SQL + ")", T: t, Agg: true})
		}
		return e
	}
	switch t {
	case TInt:
		switch g.pick(6) {
		case 0:
			return &Expr{SQL: "COUNT(*)", T: TInt, Agg: true}
		case 1:
			if g.chance(0.3) {
				return mk(TInt, "COUNT", distinctArg(g.anyType(false)), true)
			}
			return mk(TInt, "COUNT", arg(g.anyType(false)), false)
		case 2, 3:
			return mk(TInt, "SUM", arg(TInt), g.chance(0.15))
		default:
			return mk(TInt, []string{"MIN", "MAX"}[g.pick(2)], arg(TInt), false)
		}
	case TDec:
		switch n := g.pick(4); {
		case n == 0 && !g.narrow:
			if g.chance(0.15) {
				return mk(TDec, "SUM", distinctArg(TDec), true)
			}
			return mk(TDec, "SUM", arg(TDec), false)
		case n == 1:
			at := []Type{TInt, TDec}[g.pick(2)]
			if !g.grouping && g.chance(0.15) {
				return mk(TDec, "AVG", distinctArg(at), true)
			}
			return mk(TDec, "AVG", arg(at), false)
		default:
			return mk(TDec, []string{"MIN", "MAX"}[g.pick(2)], arg(TDec), false)
		}
	case TFloat:
		return mk(TFloat, []string{"SUM", "AVG", "MIN", "MAX"}[g.pick(4)], arg(TFloat), false)
	default:
		return mk(t, []string{"MIN", "MAX"}[g.pick(2)], arg(t), false)
	}
}

// aggExpr is an aggregate, or an expression over aggregates, of type t; top says it is a select item.
func (g *Generator) aggExpr(t Type, top bool) *Expr {
	if top && g.chance(0.7) {
		return g.agg(t, true)
	}
	a := g.agg(t, false)
	if g.chance(0.5) {
		return a
	}
	switch t {
	case TInt:
		switch g.pick(3) {
		case 0:
			return binary(TInt, a, "+", g.literal(TInt))
		case 1:
			return binary(TInt, a, "-", g.agg(TInt, false))
		default:
			return call(TInt, "COALESCE", a, g.literal(TInt))
		}
	case TDec:
		if g.grouping && strings.HasPrefix(a.SQL, "AVG(") {
			// With GROUP BY and a DISTINCT aggregate, MariaDB computes with an AVG's shown digits
			// ("mariadb-grouped-decimals").
			return a
		}
		switch g.pick(3) {
		case 0:
			return call(TDec, "ROUND", a, &Expr{SQL: "1", T: TInt})
		case 1:
			return binary(TDec, a, "/", &Expr{SQL: "COUNT(*)", T: TInt, Agg: true})
		default:
			return binary(TDec, a, "*", g.literal(TInt))
		}
	case TFloat:
		return binary(TFloat, a, "*", g.literal(TInt))
	case TText:
		b := g.agg(TText, false)
		return call(TText, "CONCAT", a, &Expr{SQL: "'|'", T: TText}, b)
	default:
		return raw(TTime, fmt.Sprintf("(%s + INTERVAL 1 DAY)", a.SQL), a)
	}
}
