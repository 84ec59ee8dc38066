package planner

import (
	"context"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// Expr is a bound, typed scalar expression. Operand types are already coerced by the binder (it inserts Cast calls),
// so an executor sees operands of one kind per operator.
type Expr interface {
	Type() sqltype.Type
	// String renders the expression for EXPLAIN and as a default column name.
	String() string
}

// ColumnRef reads column Index of the input batch.
type ColumnRef struct {
	Index int
	Name  string
	T     sqltype.Type
}

func (c *ColumnRef) Type() sqltype.Type { return c.T }
func (c *ColumnRef) String() string     { return c.Name }

// Literal is a constant; Value's Go type follows T.Kind as internal/sqltype documents.
type Literal struct {
	T     sqltype.Type
	Value any
}

func (l *Literal) Type() sqltype.Type { return l.T }
func (l *Literal) String() string {
	if l.Value == nil {
		return "NULL"
	}
	switch v := l.Value.(type) {
	case bool:
		if v {
			return "true"
		}
		return "false"
	case int64:
		if l.T.Kind == sqltype.KindTimestamp {
			return "TIMESTAMP '" + sqltype.FormatTimestamp(v) + "'"
		}
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case decimal128.Num:
		return sqltype.FormatDecimal(v, l.T.Scale)
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return "?"
}

// Call applies a built-in operator or function. Func names the kernel: "+", "-", "*", "/", "div", "%", "neg",
// "=", "<>", "<", "<=", ">", ">=", "<=>", "and", "or", "not", "is_null", "is_not_null", "like", "in", "cast",
// "coalesce". For "cast" the target type is T; for "like" the pattern is the second argument and an optional third
// is the escape character; for "in" the first argument is the probe and the rest are the list.
type Call struct {
	Func string
	Args []Expr
	T    sqltype.Type
	// Negate turns "like" into NOT LIKE and "in" into NOT IN, keeping NULL semantics of the negation.
	Negate bool
	// Fn is set for a function outside the built-ins that the binder resolved (a plugin's cast, Func its SQL
	// name): the executor calls it on the first argument, a batch at a time. The other arguments are the
	// constant type parameters it was resolved with, kept for EXPLAIN.
	Fn BatchFunc
}

// BatchFunc converts a column a batch at a time: the result has the input's length and type T of the Call
// holding it; the caller releases it. An error names the failing row of the batch where it can.
type BatchFunc interface {
	Call(ctx context.Context, in arrow.Array) (arrow.Array, error)
}

func (c *Call) Type() sqltype.Type { return c.T }

var infix = map[string]string{
	"+": "+", "-": "-", "*": "*", "/": "/", "div": "DIV", "%": "%", "=": "=", "<>": "<>", "<": "<", "<=": "<=",
	">": ">", ">=": ">=", "<=>": "<=>", "and": "AND", "or": "OR",
}

func (c *Call) String() string {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = a.String()
	}
	not := ""
	if c.Negate {
		not = "NOT "
	}
	switch c.Func {
	case "neg":
		return "-" + args[0]
	case "not":
		return "NOT " + args[0]
	case "is_null":
		return args[0] + " IS NULL"
	case "is_not_null":
		return args[0] + " IS NOT NULL"
	case "like":
		s := args[0] + " " + not + "LIKE " + args[1]
		if len(args) > 2 {
			s += " ESCAPE " + args[2]
		}
		return s
	case "in":
		return args[0] + " " + not + "IN (" + strings.Join(args[1:], ", ") + ")"
	case "cast":
		return "CAST(" + args[0] + " AS " + c.T.String() + ")"
	}
	if op, ok := infix[c.Func]; ok && len(args) == 2 {
		return "(" + args[0] + " " + op + " " + args[1] + ")"
	}
	return c.Func + "(" + strings.Join(args, ", ") + ")"
}

// AggCall is an aggregate function over one argument (nil for COUNT(*)).
type AggCall struct {
	Func     string // "count", "sum", "min", "max", "avg", "var_pop", "var_samp", "stddev_pop", "stddev_samp", or a plugin measure's name
	Arg      Expr
	Distinct bool
	T        sqltype.Type
	// Plugin names the plugin whose measure Func is; empty for the built-in aggregates.
	Plugin string
}

func (a *AggCall) Type() sqltype.Type { return a.T }

// StateTypes are the columns a Partial aggregate emits for the call and its Final aggregate merges: COUNT's count;
// SUM's, MIN's and MAX's value so far (NULL while no value was seen); AVG's exact sum and count; a plugin
// measure's serialised state (bytes, carried as text); a variance's count, mean and sum of squared deviations
// from the mean (merged as Chan et al. merge them); a DISTINCT aggregate's distinct values, serialised (only
// BIGINT and text arguments split, DistinctSplits).
func (a *AggCall) StateTypes() []sqltype.Type {
	if a.Plugin != "" || a.Distinct {
		// A measure's state, or a DISTINCT aggregate's distinct values so far, serialised.
		return []sqltype.Type{sqltype.Text}
	}
	switch a.Func {
	case "count":
		return []sqltype.Type{sqltype.BigInt}
	case "avg":
		in := a.Arg.Type()
		if in.Kind == sqltype.KindFloat {
			return []sqltype.Type{sqltype.Double, sqltype.BigInt}
		}
		return []sqltype.Type{sqltype.Decimal(sqltype.MaxDecimalPrecision, in.Scale), sqltype.BigInt}
	case "var_pop", "var_samp", "stddev_pop", "stddev_samp":
		return []sqltype.Type{sqltype.BigInt, sqltype.Double, sqltype.Double}
	}
	return []sqltype.Type{a.T}
}

// DistinctSplits reports whether a DISTINCT aggregate can run as Partial and Final stages: its values travel
// between them serialised, which vcube does for BIGINT and text arguments.
func (a *AggCall) DistinctSplits() bool {
	k := a.Arg.Type().Kind
	return k == sqltype.KindInt || k == sqltype.KindString
}

func (a *AggCall) String() string {
	if a.Arg == nil {
		return a.Func + "(*)"
	}
	d := ""
	if a.Distinct {
		d = "DISTINCT "
	}
	return a.Func + "(" + d + a.Arg.String() + ")"
}

// Field is one column of a node's output.
type Field struct {
	Name string
	Type sqltype.Type
}

// SortKey orders by one input column.
type SortKey struct {
	Column     int
	Desc       bool
	NullsFirst bool
}

// RemapColumns returns a copy of e whose column references read column m[i] where e reads column i (e as it is
// for a nil m): an expression moved onto another input, a join's output or a single column's values.
func RemapColumns(e Expr, m map[int]int) Expr {
	if m == nil {
		return e
	}
	switch e := e.(type) {
	case *ColumnRef:
		c := *e
		c.Index = m[e.Index]
		return &c
	case *Call:
		c := *e
		c.Args = make([]Expr, len(e.Args))
		for i, a := range e.Args {
			c.Args[i] = RemapColumns(a, m)
		}
		return &c
	}
	return e
}
