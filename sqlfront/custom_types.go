package sqlfront

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"vitess.io/vitess/go/mysql/sqlerror"
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/plugins"
	"github.com/vcubedb/vcube/storage"
)

// A plugin's cast handles a custom column type (docs/plugins.md): a column declared `price fixed(4)` receives
// its values in the cast's argument type (text, as a driver sends them), and stores what the cast returns
// (decimal(38,4)). Vitess knows no such type names, so before it parses a statement rewriteCustomTypes spells
// them as it parses them:
//
//	CREATE TABLE t (price fixed(4), ...)   ->  CREATE TABLE t (price decimal(38,4), ...)
//	CAST(x AS fixed(4)), CONVERT(x, fixed(4)), x::fixed(4)  ->  `fixed`(x, 4)
//
// The first records the column's custom type in the catalog (etcdmeta.CustomType): INSERT and LOCATION imports
// pass its values through the cast. The second calls the cast as a function (a plugin's casts are functions of
// the registry, under their own names), which the binder resolves into a planner.Call the executor runs a batch
// at a time.

// errPluginNotLoaded is ER_PLUGIN_IS_NOT_LOADED.
const errPluginNotLoaded = sqlerror.ErrorCode(1524)

// pluginCast is a cast of a loaded plugin.
type pluginCast struct {
	plugin string // as installed
	p      *plugins.Plugin
	fn     plugins.Function
}

// castWhere finds a cast of the loaded plugins that match reports.
func (s *pluginSet) castWhere(match func(plugins.Function) bool) (pluginCast, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, lp := range s.loaded {
		for _, f := range lp.p.Functions() {
			if f.Kind == plugins.KindCast && match(f) {
				return pluginCast{plugin: lp.rec.Name, p: lp.p, fn: f}, true
			}
		}
	}
	return pluginCast{}, false
}

// castForType finds the cast that handles a custom type (lower case).
func (s *pluginSet) castForType(typ string) (pluginCast, bool) {
	return s.castWhere(func(f plugins.Function) bool { return f.CustomType == typ })
}

// castNamed finds the cast a function name (lower case) calls.
func (s *pluginSet) castNamed(name string) (pluginCast, bool) {
	return s.castWhere(func(f plugins.Function) bool { return f.Name == name })
}

// customTypeNames are the custom types of the loaded plugins, lower case.
func (s *pluginSet) customTypeNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	for _, lp := range s.loaded {
		for _, f := range lp.p.Functions() {
			if f.Kind == plugins.KindCast {
				names = append(names, f.CustomType)
			}
		}
	}
	return names
}

// rewriteCustomTypes rewrites the custom types of a statement (see above) and returns the columns a CREATE
// TABLE declares with one, by lower-case name. A statement that names no custom type is returned as it is.
func (e *Engine) rewriteCustomTypes(sql string) (string, map[string]etcdmeta.CustomType, error) {
	// Most statements name no custom type: they are found out without tokenizing or copying the text.
	mentioned := false
	for _, n := range e.plugins.customTypeNames() {
		mentioned = mentioned || containsFold(sql, n)
	}
	if !mentioned {
		return sql, nil, nil
	}
	toks := sqlTokens(sql)
	bare := func(i int) bool { return bareWord(sql, toks, i) }
	custom := func(i int) (pluginCast, bool) {
		if !bare(i) {
			return pluginCast{}, false
		}
		return e.plugins.castForType(strings.ToLower(toks[i].val))
	}
	// typeParams reads the parameters after the type at toks[i]: none, or integers in parentheses. It returns
	// them, their text as written, and the index of the type's last token.
	typeParams := func(i int) (params []int64, text []string, last int, err error) {
		last = i
		if i+1 >= len(toks) || toks[i+1].typ != '(' {
			return nil, nil, last, nil
		}
		for j := i + 2; ; j++ {
			neg := j < len(toks) && toks[j].typ == '-'
			if neg {
				j++
			}
			if j >= len(toks) || toks[j].typ != sqlparser.INTEGRAL {
				return nil, nil, 0, sqlerr.New(sqlerr.Parse, "You have an error in your SQL syntax: the parameters of type %s are integers in parentheses", toks[i].val)
			}
			v, err := strconv.ParseInt(toks[j].val, 10, 64)
			if err != nil {
				return nil, nil, 0, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to %s: parameter %s is out of range", toks[i].val, toks[j].val)
			}
			if neg {
				v = -v
			}
			params = append(params, v)
			text = append(text, strconv.FormatInt(v, 10))
			if j++; j < len(toks) && toks[j].typ == ')' {
				return params, text, j, nil
			}
			if j >= len(toks) || toks[j].typ != ',' {
				break
			}
		}
		return nil, nil, 0, sqlerr.New(sqlerr.Parse, "You have an error in your SQL syntax: the parameters of type %s are not closed by ')'", toks[i].val)
	}
	var edits []sqlEdit
	var columns map[string]etcdmeta.CustomType

	// CREATE TABLE: the type of each column definition.
	if defs, ok := columnDefinitions(sql, toks); ok {
		for _, i := range defs {
			c, ok := custom(i + 1)
			if !ok {
				continue
			}
			params, _, last, err := typeParams(i + 1)
			if err != nil {
				return "", nil, err
			}
			cast, err := c.p.CastForType(c.fn.CustomType, params...)
			if err != nil {
				return "", nil, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to type %s of column '%s': %v", c.fn.CustomType, toks[i].val, err)
			}
			if columns == nil {
				columns = map[string]etcdmeta.CustomType{}
			}
			columns[strings.ToLower(toks[i].val)] = etcdmeta.CustomType{Plugin: c.plugin, Name: c.fn.CustomType, Params: cast.Params()}
			edits = append(edits, sqlEdit{at: toks[i+1].start, end: toks[last].end, text: cast.Type().String()})
		}
		return applyEdits(sql, edits), columns, nil
	}

	// CAST(x AS type) and CONVERT(x, type): the type right inside the call's parentheses.
	type call struct {
		name  int // the token CAST or CONVERT
		depth int // inside its parentheses
	}
	var calls []call
	depth := 0
	for i := 0; i < len(toks); i++ {
		switch toks[i].typ {
		case '(':
			depth++
			continue
		case ')':
			if len(calls) > 0 && calls[len(calls)-1].depth == depth {
				calls = calls[:len(calls)-1]
			}
			depth--
			continue
		}
		if w := strings.ToLower(toks[i].val); (w == "cast" || w == "convert") && bare(i) && i+1 < len(toks) && toks[i+1].typ == '(' {
			calls = append(calls, call{name: i, depth: depth + 1})
			continue
		}
		if len(calls) == 0 || calls[len(calls)-1].depth != depth {
			continue
		}
		top := calls[len(calls)-1]
		isCast := strings.EqualFold(toks[top.name].val, "cast")
		if isCast && !(bare(i) && strings.EqualFold(toks[i].val, "as")) || !isCast && toks[i].typ != ',' {
			continue
		}
		c, ok := custom(i + 1)
		if !ok {
			continue
		}
		_, text, last, err := typeParams(i + 1)
		if err != nil {
			return "", nil, err
		}
		params := ""
		if len(text) > 0 {
			params = ", " + strings.Join(text, ", ")
		}
		edits = append(edits, sqlEdit{at: toks[top.name].start, end: toks[top.name].end, text: "`" + c.fn.Name + "`"},
			sqlEdit{at: toks[i].start, end: toks[last].end, text: params})
		i = last
	}
	return applyEdits(sql, edits), nil, nil
}

// containsFold reports whether s contains the ASCII word w (lower case) in any case.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if (s[i] == w[0] || s[i]|0x20 == w[0]) && strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// bareWord reports whether toks[i] is a word as written: not a string, not quoted, not after a comment.
func bareWord(sql string, toks []sqlToken, i int) bool {
	return i < len(toks) && toks[i].start >= 0 && toks[i].typ != sqlparser.STRING && sql[toks[i].start] != '`'
}

// columnDefinitions finds the column definitions of a CREATE [TEMPORARY] TABLE: the index of each one's name
// token (its type is the next token). ok is false for other statements.
func columnDefinitions(sql string, toks []sqlToken) (defs []int, ok bool) {
	if len(toks) < 3 || !bareWord(sql, toks, 0) || !strings.EqualFold(toks[0].val, "create") {
		return nil, false
	}
	i := 1
	if strings.EqualFold(toks[i].val, "temporary") {
		i++
	}
	if !strings.EqualFold(toks[i].val, "table") {
		return nil, false
	}
	for i < len(toks) && toks[i].typ != '(' {
		i++
	}
	depth, start := 0, false
	for ; i < len(toks); i++ {
		switch toks[i].typ {
		case '(':
			depth++
			start = depth == 1
			continue
		case ')':
			if depth--; depth == 0 {
				return defs, true
			}
			continue
		case ',':
			start = depth == 1
			continue
		}
		if start && i+1 < len(toks) && !(isConstraintWord(toks[i].val) && bareWord(sql, toks, i)) {
			defs = append(defs, i)
		}
		start = false
	}
	return defs, true
}

// unknownTypeError explains a CREATE TABLE that failed to parse at a column's type that is neither a native
// type nor a loaded plugin's custom type; nil when the parse failed elsewhere.
func unknownTypeError(head string, perr error) error {
	toks := sqlTokens(head)
	defs, _ := columnDefinitions(head, toks)
	for _, i := range defs {
		typ := strings.ToLower(toks[i+1].val)
		if bareWord(head, toks, i+1) && !nativeTypeNames[typ] && strings.Contains(perr.Error(), "near '"+toks[i+1].val+"'") {
			return sqlerr.New(sqlerr.Parse, "Unknown type '%s' of column '%s': it is neither a MySQL type nor a custom type of an installed plugin (SHOW PLUGINS; system.functions lists the casts and their types)", toks[i+1].val, toks[i].val)
		}
	}
	return nil
}

// isConstraintWord reports whether a column list entry starting with w defines a key or constraint, not a column.
func isConstraintWord(w string) bool {
	switch strings.ToLower(w) {
	case "primary", "key", "index", "unique", "constraint", "foreign", "check", "fulltext", "spatial":
		return true
	}
	return false
}

// nativeTypeNames are the type names of CREATE TABLE and CAST: no plugin may take them for a custom type.
// FIXED, which MySQL reads as DECIMAL, is not among them: it is the custom type drivers send that Cube Store
// refuses, and a plugin's `fixed` is what users install for it.
var nativeTypeNames = map[string]bool{
	"tinyint": true, "smallint": true, "mediumint": true, "int": true, "integer": true, "bigint": true, "float": true,
	"double": true, "real": true, "decimal": true, "numeric": true, "dec": true, "char": true,
	"varchar": true, "text": true, "tinytext": true, "mediumtext": true, "longtext": true, "string": true,
	"timestamp": true, "datetime": true, "date": true, "time": true, "year": true, "bool": true, "boolean": true,
	"bit": true, "binary": true, "varbinary": true, "blob": true, "json": true, "signed": true, "unsigned": true,
	"bytes": true, "hyperloglog": true, "enum": true, "set": true,
}

// bindPluginCast binds a call of a plugin's cast: its value argument, then its type parameters as integer
// constants (`fixed`(x, 4), which CAST(x AS fixed(4)) becomes).
func (b *exprBinder) bindPluginCast(c pluginCast, args []planner.Expr) (planner.Expr, error) {
	if len(args) == 0 || len(args) > 1+len(c.fn.Params) {
		return nil, sqlerr.New(sqlerr.WrongParamCount, "Incorrect parameter count in the call to '%s': it takes a value and up to %d type parameters (plugin %s)", c.fn.Name, len(c.fn.Params), c.plugin)
	}
	params := make([]int64, 0, len(args)-1)
	for _, a := range args[1:] {
		lit, ok := a.(*planner.Literal)
		var v int64
		if ok {
			v, ok = lit.Value.(int64)
		}
		if !ok || lit.T.Kind != sqltype.KindInt {
			return nil, wrongArgType(c.fn.Name, a, "an integer constant (a type parameter)")
		}
		params = append(params, v)
	}
	cast, err := c.p.Cast(c.fn.Name, params...)
	if err != nil {
		return nil, sqlerr.New(sqlerr.WrongArguments, "Incorrect arguments to %s: %v", c.fn.Name, err)
	}
	call := &planner.Call{Func: c.fn.Name, Args: append([]planner.Expr{castTo(args[0], stagedType(c.fn.Args[0], args[0].Type()))}, args[1:]...), T: cast.Type(), Fn: cast}
	return b.fold(call)
}

// stagedType is the type a value is given before a cast that takes want: a decimal argument of any precision
// takes a decimal as it is (and other numbers as DECIMAL(38,10)), a text argument takes text.
func stagedType(want, have sqltype.Type) sqltype.Type {
	switch {
	case want.Kind == sqltype.KindDecimal && want.Precision == 0:
		if have.Kind == sqltype.KindDecimal {
			return have.Shown()
		}
		return sqltype.Decimal(sqltype.MaxDecimalPrecision, 10)
	case want.Kind == sqltype.KindString:
		return sqltype.Text
	}
	return want
}

// columnCasts returns, for each column of a table, the cast its custom type converts values with (nil for a
// native column), and the columns as values are staged for them: a custom column in the cast's argument type.
func (e *Engine) columnCasts(t etcdmeta.Table, cols []storage.Column) ([]*plugins.Cast, []storage.Column, error) {
	var casts []*plugins.Cast
	staged := cols
	for i, c := range t.Columns {
		if c.Custom == nil {
			continue
		}
		e.plugins.mu.RLock()
		lp, ok := e.plugins.loaded[c.Custom.Plugin]
		e.plugins.mu.RUnlock()
		if !ok {
			return nil, nil, sqlerr.New(errPluginNotLoaded, "Plugin '%s' is not loaded: column '%s' has its type %s (SHOW PLUGINS says why)", c.Custom.Plugin, c.Name, c.Custom)
		}
		cast, err := lp.p.CastForType(c.Custom.Name, c.Custom.Params...)
		if err != nil {
			return nil, nil, sqlerr.New(sqlerr.Unknown, "column '%s' of type %s: %v", c.Name, c.Custom, err)
		}
		if cast.Type() != cols[i].Type {
			return nil, nil, sqlerr.New(sqlerr.Unknown, "column '%s' of type %s stores %s, and plugin '%s' now casts it to %s", c.Name, c.Custom, cols[i].Type, c.Custom.Plugin, cast.Type())
		}
		if casts == nil {
			casts = make([]*plugins.Cast, len(cols))
			staged = append([]storage.Column(nil), cols...)
		}
		casts[i] = cast
		staged[i].Type = stagedType(cast.Function().Args[0], sqltype.Text)
	}
	return casts, staged, nil
}

// castColumns passes the staged values of custom columns through their casts, giving a batch of the table's
// native columns (schema). A value the cast refuses is error 1366 naming the column and the value, and where
// (at which the row of the statement, or in which file); where gets the failing row, counted from 0 in b.
func castColumns(ctx context.Context, b arrow.RecordBatch, casts []*plugins.Cast, t etcdmeta.Table, schema *arrow.Schema, where func(row int) string) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		in := b.Column(i)
		if casts == nil || casts[i] == nil {
			in.Retain()
			cols[i] = in
			continue
		}
		out, err := casts[i].Call(ctx, in)
		if err != nil {
			return nil, customValueError(err, t.Columns[i], in, where)
		}
		cols[i] = out
		if !arrow.TypeEqual(out.DataType(), schema.Field(i).Type) {
			return nil, sqlerr.New(sqlerr.Unknown, "plugin '%s' cast column '%s' to %s, not %s", t.Columns[i].Custom.Plugin, t.Columns[i].Name, out.DataType(), schema.Field(i).Type)
		}
	}
	return array.NewRecordBatch(schema, cols, b.NumRows()), nil
}

func customValueError(err error, c etcdmeta.Column, in arrow.Array, where func(row int) string) error {
	var pe *plugins.Error
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &pe) {
		return err
	}
	if pe.Row < 0 || pe.Row >= in.Len() || pe.Trap {
		return sqlerr.New(sqlerr.Unknown, "column '%s' of type %s: %v", c.Name, c.Custom, err)
	}
	return sqlerr.New(sqlerr.WrongValueForField, "Incorrect %s value: '%s' for column '%s' %s: %s", c.Custom, in.ValueStr(pe.Row), c.Name, where(pe.Row), pe.Message)
}

// customColumnsUsing names the columns whose custom type a plugin handles, as schema.table.column.
func customColumnsUsing(snap *etcdmeta.Snapshot, plugin string) []string {
	var out []string
	for _, t := range allTables(snap) {
		for _, c := range t.Columns {
			if c.Custom != nil && c.Custom.Plugin == plugin {
				out = append(out, fmt.Sprintf("%s.%s.%s (%s)", t.Schema, t.Name, c.Name, c.Custom))
			}
		}
	}
	return out
}
