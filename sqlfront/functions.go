package sqlfront

import (
	"strings"
	"time"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// Scalar functions are bound through one registry: each family (strings, math, time, control flow) keeps its
// functions in its own file, and the binder finds them by lower-case name. The special forms vitess parses into
// their own nodes (SUBSTRING ... FROM ... FOR, TRIM(LEADING ...), LOCATE and POSITION, EXTRACT, DATE_ADD and
// + INTERVAL, NOW) are
// turned into calls of registered functions here, so a family sees only argument lists.

// scalarFunction binds calls of one SQL function.
type scalarFunction struct {
	// minArgs and maxArgs bound the argument count (maxArgs -1: any number); a call outside them is error 1582.
	minArgs, maxArgs int
	// bind checks the arguments' types, inserting casts where MySQL converts, and returns the bound
	// expression, usually a *planner.Call of a function vexec registers under the same Func name. Calls whose
	// arguments are all constants are folded after bind returns.
	bind func(name string, args []planner.Expr) (planner.Expr, error)
}

// functionFamilies are every family's functions; a name appears in one family only.
var functionFamilies = []map[string]scalarFunction{stringFunctions, mathFunctions, timeFunctions, controlFunctions}

func lookupFunction(name string) (scalarFunction, bool) {
	for _, fam := range functionFamilies {
		if f, ok := fam[name]; ok {
			return f, true
		}
	}
	return scalarFunction{}, false
}

// callFunction binds a call of the registered function name (lower case) over bound arguments.
func (b *exprBinder) callFunction(name string, args []planner.Expr) (planner.Expr, error) {
	f, ok := lookupFunction(name)
	if !ok {
		return nil, sqlerr.New(sqlerr.NoSuchFunction, "FUNCTION %s does not exist", name)
	}
	if len(args) < f.minArgs || (f.maxArgs >= 0 && len(args) > f.maxArgs) {
		return nil, wrongArgCount(name)
	}
	if at, ok := b.ctx.Value(statementTimeKey{}).(time.Time); ok && len(args) == 0 {
		// The clock is read once per statement, subqueries included, as MySQL does.
		switch name {
		case "now":
			return &planner.Literal{T: sqltype.Timestamp, Value: at.UnixMicro()}, nil
		case "unix_timestamp":
			return &planner.Literal{T: sqltype.BigInt, Value: at.Unix()}, nil
		}
	}
	e, err := f.bind(name, args)
	if err != nil {
		return nil, err
	}
	return b.fold(e)
}

// statementTimeKey holds, in a statement's context, the time its NOW() and UNIX_TIMESTAMP() read.
type statementTimeKey struct{}

func wrongArgCount(name string) error {
	return sqlerr.New(sqlerr.WrongParamCount, "Incorrect parameter count in the call to native function '%s'", name)
}

// wrongArgType is the error of a call whose argument cannot be converted to what the function takes.
func wrongArgType(name string, arg planner.Expr, want string) error {
	return sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to %s: %s is %s, expected %s", name, arg.String(), arg.Type(), want)
}

func (b *exprBinder) bindArgs(exprs ...sqlparser.Expr) ([]planner.Expr, error) {
	args := make([]planner.Expr, 0, len(exprs))
	for _, a := range exprs {
		if a == nil {
			continue
		}
		bound, err := b.bind(a)
		if err != nil {
			return nil, err
		}
		args = append(args, bound)
	}
	return args, nil
}

func (b *exprBinder) function(n *sqlparser.FuncExpr) (planner.Expr, error) {
	args, err := b.bindArgs(n.Exprs...)
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(n.Name.String())
	if e, ok, err := b.sessionFunction(name, args); ok {
		return e, err
	}
	if _, ok := lookupFunction(name); !ok {
		if set, _ := b.ctx.Value(measuresKey{}).(*pluginSet); set != nil {
			if c, ok := set.castNamed(name); ok {
				return b.bindPluginCast(c, args)
			}
		}
		return nil, sqlerr.New(sqlerr.NoSuchFunction, "FUNCTION %s does not exist", n.Name.String())
	}
	return b.callFunction(name, args)
}

// ServerVersion is what VERSION() answers: the MySQL version whose SQL vcube speaks, and vcube's name, as MySQL
// clients and connectors expect to parse it.
const ServerVersion = "8.0.36-vcube"

// systemVariables are the server variables MySQL clients and connectors read when they connect (@@version,
// @@max_allowed_packet...), with the values vcube behaves by. They are read-only.
var systemVariables = map[string]planner.Literal{
	"version":                  {T: sqltype.Text, Value: ServerVersion},
	"version_comment":          {T: sqltype.Text, Value: "vcube"},
	"autocommit":               {T: sqltype.BigInt, Value: int64(1)},
	"max_allowed_packet":       {T: sqltype.BigInt, Value: int64(64 << 20)},
	"time_zone":                {T: sqltype.Text, Value: "+00:00"},
	"system_time_zone":         {T: sqltype.Text, Value: "UTC"},
	"sql_mode":                 {T: sqltype.Text, Value: "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO"},
	"character_set_client":     {T: sqltype.Text, Value: "utf8mb4"},
	"character_set_connection": {T: sqltype.Text, Value: "utf8mb4"},
	"character_set_results":    {T: sqltype.Text, Value: "utf8mb4"},
	"collation_connection":     {T: sqltype.Text, Value: "utf8mb4_bin"},
	"lower_case_table_names":   {T: sqltype.BigInt, Value: int64(0)},
	"transaction_isolation":    {T: sqltype.Text, Value: "REPEATABLE-READ"},
	"div_precision_increment":  {T: sqltype.BigInt, Value: int64(sqltype.DivPrecisionIncrement)},
}

// systemVariable binds @@name, @@session.name and @@global.name; user variables (@x) are not supported.
func systemVariable(v *sqlparser.Variable) (planner.Expr, error) {
	name := strings.ToLower(v.Name.String())
	if v.Scope == sqlparser.VariableScope {
		return nil, notSupported("user variables (@" + v.Name.String() + ")")
	}
	lit, ok := systemVariables[name]
	if !ok {
		return nil, sqlerr.New(sqlerr.UnknownSystemVariable, "Unknown system variable '%s'", v.Name.String())
	}
	return &lit, nil
}

// sessionFunction binds the functions that read the session or the server rather than their arguments:
// DATABASE() and SCHEMA() (the default schema, NULL when none) and VERSION().
func (b *exprBinder) sessionFunction(name string, args []planner.Expr) (planner.Expr, bool, error) {
	switch name {
	case "database", "schema":
		if len(args) != 0 {
			return nil, true, wrongArgCount(name)
		}
		env, _ := b.ctx.Value(subqueryKey{}).(*subqueryEnv)
		if env == nil || env.sess == nil || env.sess.Schema == "" {
			return &planner.Literal{T: sqltype.Text}, true, nil
		}
		return &planner.Literal{T: sqltype.Text, Value: env.sess.Schema}, true, nil
	case "version":
		if len(args) != 0 {
			return nil, true, wrongArgCount(name)
		}
		return &planner.Literal{T: sqltype.Text, Value: ServerVersion}, true, nil
	}
	return nil, false, nil
}

// specialFunction binds the function forms vitess parses into nodes of their own.
func (b *exprBinder) specialFunction(e sqlparser.Expr) (planner.Expr, error) {
	switch n := e.(type) {
	case *sqlparser.SubstrExpr:
		args, err := b.bindArgs(n.Name, n.From, n.To)
		if err != nil {
			return nil, err
		}
		return b.callFunction("substring", args)
	case *sqlparser.TrimFuncExpr:
		args, err := b.bindArgs(n.StringArg, n.TrimArg)
		if err != nil {
			return nil, err
		}
		name := "trim"
		switch {
		case n.TrimFuncType == sqlparser.LTrimType || n.Type == sqlparser.LeadingTrimType:
			name = "ltrim"
		case n.TrimFuncType == sqlparser.RTrimType || n.Type == sqlparser.TrailingTrimType:
			name = "rtrim"
		}
		return b.callFunction(name, args)
	case *sqlparser.ExtractFuncExpr:
		args, err := b.bindArgs(n.Expr)
		if err != nil {
			return nil, err
		}
		unit := &planner.Literal{T: sqltype.Text, Value: strings.ToLower(n.IntervalType.ToString())}
		return b.callFunction("extract", []planner.Expr{unit, args[0]})
	case *sqlparser.IntervalDateExpr:
		args, err := b.bindArgs(n.Date, n.Interval)
		if err != nil {
			return nil, err
		}
		name := "date_add"
		switch n.Syntax {
		case sqlparser.IntervalDateExprDateSub, sqlparser.IntervalDateExprSubdate, sqlparser.IntervalDateExprBinarySub:
			name = "date_sub"
		case sqlparser.IntervalDateExprTimestampadd:
			return nil, notSupported("TIMESTAMPADD")
		}
		unit := &planner.Literal{T: sqltype.Text, Value: strings.ToLower(n.Unit.ToString())}
		return b.callFunction(name, []planner.Expr{args[0], args[1], unit})
	case *sqlparser.CurTimeFuncExpr:
		name := strings.ToLower(n.Name.String())
		switch name {
		case "now", "current_timestamp", "localtime", "localtimestamp", "sysdate":
			return b.callFunction("now", nil)
		}
		return nil, notSupported(strings.ToUpper(name))
	case *sqlparser.CaseExpr:
		return b.caseExpr(n)
	case *sqlparser.LocateExpr:
		args, err := b.bindArgs(n.SubStr, n.Str, n.Pos)
		if err != nil {
			return nil, err
		}
		return b.callFunction("locate", args)
	}
	return nil, notSupported(sqlparser.String(e))
}
