package sqlfront

import (
	"context"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/planner"
)

// bindUnion binds UNION [ALL | DISTINCT]: both sides must have as many columns; each output column takes the
// type that holds both sides' values, and the names of the left side. UNION ALL chains flatten into one Union
// node; UNION (DISTINCT) groups its rows. ORDER BY and LIMIT of the whole union name output columns by name or
// position.
func (e *Engine) bindUnion(ctx context.Context, sess *Session, snap *etcdmeta.Snapshot, u *sqlparser.Union) (planner.Node, error) {
	switch {
	case u.With != nil:
		return nil, notSupported("WITH")
	case u.Into != nil:
		return nil, notSupported("SELECT ... INTO")
	case u.Lock != sqlparser.NoLock:
		return nil, notSupported("locking reads")
	}
	left, err := e.bindQuery(ctx, sess, snap, u.Left)
	if err != nil {
		return nil, err
	}
	right, err := e.bindQuery(ctx, sess, snap, u.Right)
	if err != nil {
		return nil, err
	}
	lf, rf := left.Fields(), right.Fields()
	if len(lf) != len(rf) {
		return nil, sqlerr.New(sqlerr.UnionColumns, "The used SELECT statements have a different number of columns")
	}
	fields := make([]planner.Field, len(lf))
	for i := range lf {
		fields[i] = planner.Field{Name: lf[i].Name, Type: unionType(lf[i].Type, rf[i].Type)}
	}
	var inputs []planner.Node
	for _, side := range []planner.Node{left, right} {
		side = conform(side, fields)
		if un, ok := side.(*planner.Union); ok {
			inputs = append(inputs, un.Inputs...) // a UNION ALL below: one flat Union
		} else {
			inputs = append(inputs, side)
		}
	}
	var node planner.Node = &planner.Union{Inputs: inputs}
	if u.Distinct {
		d := &planner.Aggregate{Input: node, Mode: planner.Full, Strategy: planner.Hash}
		for i, f := range fields {
			d.GroupBy = append(d.GroupBy, &planner.ColumnRef{Index: i, Name: f.Name, T: f.Type})
			d.Names = append(d.Names, f.Name)
		}
		node = d
	}
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

// conform casts a plan's columns to fields' types (and names), adding a Projection only when one differs.
func conform(n planner.Node, fields []planner.Field) planner.Node {
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
		p.Exprs = append(p.Exprs, castTo(&planner.ColumnRef{Index: i, Name: f.Name, T: f.Type}, fields[i].Type))
		p.Names = append(p.Names, fields[i].Name)
	}
	return p
}
