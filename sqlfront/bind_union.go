package sqlfront

import (
	"context"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// bindUnion binds UNION [ALL | DISTINCT]: the selects must have as many columns; each output column takes the
// type that holds every select's values (a DECIMAL rounded to the digits it shows), and the names of the first
// select. UNION ALL chains flatten into one Union node; UNION (DISTINCT) groups its rows. ORDER BY and LIMIT of
// the whole union name output columns by name or position.
//
// The types come from all the selects of a chain (A UNION B UNION ALL C, parsed as (A UNION B) UNION ALL C) at
// once, as MySQL's temporary table of the union's rows has them, and each select's values are cast to them once:
// B's quotient is not first rounded to a type A and B share.
func (e *Engine) bindUnion(ctx context.Context, sess *Session, snap *etcdmeta.Snapshot, u *sqlparser.Union) (planner.Node, error) {
	switch {
	case u.With != nil:
		return nil, notSupported("WITH")
	case u.Into != nil:
		return nil, notSupported("SELECT ... INTO")
	case u.Lock != sqlparser.NoLock:
		return nil, notSupported("locking reads")
	}
	var selects []planner.Node
	var bindSide func(s sqlparser.TableStatement) (*unionTree, error)
	bindSide = func(s sqlparser.TableStatement) (*unionTree, error) {
		if nu, ok := s.(*sqlparser.Union); ok && len(nu.OrderBy) == 0 && nu.Limit == nil && nu.With == nil && nu.Into == nil && nu.Lock == sqlparser.NoLock {
			l, err := bindSide(nu.Left)
			if err != nil {
				return nil, err
			}
			r, err := bindSide(nu.Right)
			if err != nil {
				return nil, err
			}
			return &unionTree{left: l, right: r, distinct: nu.Distinct}, nil
		}
		n, err := e.bindQuery(ctx, sess, snap, s)
		if err != nil {
			return nil, err
		}
		if len(selects) > 0 && len(n.Fields()) != len(selects[0].Fields()) {
			return nil, sqlerr.New(sqlerr.UnionColumns, "The used SELECT statements have a different number of columns")
		}
		selects = append(selects, n)
		return &unionTree{leaf: n}, nil
	}
	tree, err := bindSide(&sqlparser.Union{Left: u.Left, Right: u.Right, Distinct: u.Distinct})
	if err != nil {
		return nil, err
	}
	first := selects[0].Fields()
	fields := make([]planner.Field, len(first))
	scales := make([]int, len(first))
	for i := range first {
		t := first[i].Type
		exact := isExact(t.Kind)
		maxShown := 0
		for j, n := range selects {
			ti := n.Fields()[i].Type
			if j > 0 {
				t = unionType(t, ti)
			}
			exact = exact && isExact(ti.Kind)
			if exact {
				maxShown = max(maxShown, asDecimal(ti).ShownScale())
			}
		}
		// A DECIMAL column keeps the digits it shows, as MySQL's temporary table does: UNION makes -8/2084.81
		// and -17/4496.71 one row, -0.0038.
		fields[i] = planner.Field{Name: first[i].Name, Type: t.Shown()}
		scales[i] = -1
		if t.Kind == sqltype.KindFloat && exact {
			// DECIMALs too wide to share a type ("decimal-38-digits"): the digits MySQL's DECIMAL column would
			// show, as a DOUBLE.
			scales[i] = maxShown
		}
	}
	node := tree.build(fields, scales)
	if len(u.OrderBy) > 0 {
		s := &planner.Sort{Input: node}
		for _, o := range u.OrderBy {
			col := -1
			o, desc, nullsFirst := orderDirection(o)
			if n, ok := ordinal(o.Expr); ok {
				if n < 1 || n > len(fields) {
					return nil, sqlerr.New(sqlerr.BadField, "Unknown column '%d' in 'order clause'", n)
				}
				col = n - 1
			} else if c, ok := o.Expr.(*sqlparser.ColName); ok && c.Qualifier.IsEmpty() {
				for i, f := range fields {
					if strings.EqualFold(f.Name, c.Name.String()) {
						col = i
						break
					}
				}
			}
			if col < 0 {
				return nil, sqlerr.New(sqlerr.BadField, "Unknown column '%s' in 'order clause'", sqlparser.String(o.Expr))
			}
			s.Keys = append(s.Keys, planner.SortKey{Column: col, Desc: desc, NullsFirst: nullsFirst})
		}
		node = s
	}
	if u.Limit != nil {
		offset, count, err := limitValues(u.Limit)
		if err != nil {
			return nil, err
		}
		if s, ok := node.(*planner.Sort); ok && count > 0 {
			s.Limit = offset + count
		}
		if offset > 0 {
			node = &planner.SkipRows{Input: node, N: offset}
		}
		if count >= 0 {
			node = &planner.GlobalLimit{Input: node, N: count}
		}
	}
	return node, nil
}

// unionTree is a chain of unions as written: a select (leaf), or two sides and whether they are UNION DISTINCT.
type unionTree struct {
	leaf        planner.Node
	left, right *unionTree
	distinct    bool
}

// build casts the selects to fields (conform) and unites them: UNION ALL chains flatten into one Union node,
// UNION (DISTINCT) groups the rows of both its sides.
func (t *unionTree) build(fields []planner.Field, scales []int) planner.Node {
	if t.leaf != nil {
		return conform(t.leaf, fields, scales)
	}
	var inputs []planner.Node
	for _, side := range []planner.Node{t.left.build(fields, scales), t.right.build(fields, scales)} {
		if un, ok := side.(*planner.Union); ok {
			inputs = append(inputs, un.Inputs...) // a UNION ALL below: one flat Union
		} else {
			inputs = append(inputs, side)
		}
	}
	var node planner.Node = &planner.Union{Inputs: inputs}
	if t.distinct {
		d := &planner.Aggregate{Input: node, Mode: planner.Full, Strategy: planner.Hash}
		for i, f := range fields {
			d.GroupBy = append(d.GroupBy, &planner.ColumnRef{Index: i, Name: f.Name, T: f.Type})
			d.Names = append(d.Names, f.Name)
		}
		node = d
	}
	return node
}

// conform casts a plan's columns to fields' types (and names), adding a Projection only when one differs. A
// DECIMAL column with more digits after the point than scales says (when it is not -1) is rounded to that many
// first.
func conform(n planner.Node, fields []planner.Field, scales []int) planner.Node {
	have := n.Fields()
	same := true
	for i := range have {
		if have[i].Type != fields[i].Type || have[i].Name != fields[i].Name {
			same = false
		}
	}
	if same {
		return n
	}
	p := &planner.Projection{Input: n}
	for i, f := range have {
		var e planner.Expr = &planner.ColumnRef{Index: i, Name: f.Name, T: f.Type}
		if s := scales[i]; s >= 0 && f.Type.Kind == sqltype.KindDecimal && f.Type.Scale > s {
			e = castTo(e, sqltype.Decimal(max(min(f.Type.Precision-f.Type.Scale+s, sqltype.MaxDecimalPrecision), 1), s))
		}
		p.Exprs = append(p.Exprs, castTo(e, fields[i].Type))
		p.Names = append(p.Names, fields[i].Name)
	}
	return p
}
