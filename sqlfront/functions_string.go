package sqlfront

import (
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

// String functions. See functions.go for how a family registers its functions.
//
// Every function binds to a call of vexec's kernel of its canonical name (aliases such as LCASE, SUBSTR, MID and
// OCTET_LENGTH share their synonym's kernel). String arguments of other types are converted to text as
// CAST(x AS CHAR) does, integer arguments (positions, lengths, counts) to BIGINT as MySQL's val_int does
// ('3' is 3, 2.5 is 3). The trim family takes (str[, remstr]): functions.go maps TRIM(x) and
// TRIM([BOTH] r FROM x) to "trim", TRIM(LEADING ...) and LTRIM to "ltrim", TRIM(TRAILING ...) and RTRIM to
// "rtrim". LOCATE(substr, str[, pos]) is "locate"; INSTR(str, substr) is LOCATE with its arguments swapped.
var stringFunctions = map[string]scalarFunction{
	"concat":           {minArgs: 1, maxArgs: -1, bind: stringCall("concat", sqltype.Text, "s*")},
	"concat_ws":        {minArgs: 2, maxArgs: -1, bind: stringCall("concat_ws", sqltype.Text, "s*")},
	"lower":            {minArgs: 1, maxArgs: 1, bind: stringCall("lower", sqltype.Text, "s")},
	"lcase":            {minArgs: 1, maxArgs: 1, bind: stringCall("lower", sqltype.Text, "s")},
	"upper":            {minArgs: 1, maxArgs: 1, bind: stringCall("upper", sqltype.Text, "s")},
	"ucase":            {minArgs: 1, maxArgs: 1, bind: stringCall("upper", sqltype.Text, "s")},
	"length":           {minArgs: 1, maxArgs: 1, bind: stringCall("length", sqltype.BigInt, "s")},
	"octet_length":     {minArgs: 1, maxArgs: 1, bind: stringCall("length", sqltype.BigInt, "s")},
	"char_length":      {minArgs: 1, maxArgs: 1, bind: stringCall("char_length", sqltype.BigInt, "s")},
	"character_length": {minArgs: 1, maxArgs: 1, bind: stringCall("char_length", sqltype.BigInt, "s")},
	"substring":        {minArgs: 2, maxArgs: 3, bind: stringCall("substring", sqltype.Text, "sii")},
	"substr":           {minArgs: 2, maxArgs: 3, bind: stringCall("substring", sqltype.Text, "sii")},
	"mid":              {minArgs: 2, maxArgs: 3, bind: stringCall("substring", sqltype.Text, "sii")},
	"left":             {minArgs: 2, maxArgs: 2, bind: stringCall("left", sqltype.Text, "si")},
	"right":            {minArgs: 2, maxArgs: 2, bind: stringCall("right", sqltype.Text, "si")},
	"trim":             {minArgs: 1, maxArgs: 2, bind: stringCall("trim", sqltype.Text, "ss")},
	"ltrim":            {minArgs: 1, maxArgs: 2, bind: stringCall("ltrim", sqltype.Text, "ss")},
	"rtrim":            {minArgs: 1, maxArgs: 2, bind: stringCall("rtrim", sqltype.Text, "ss")},
	"replace":          {minArgs: 3, maxArgs: 3, bind: stringCall("replace", sqltype.Text, "sss")},
	"reverse":          {minArgs: 1, maxArgs: 1, bind: stringCall("reverse", sqltype.Text, "s")},
	"repeat":           {minArgs: 2, maxArgs: 2, bind: stringCall("repeat", sqltype.Text, "si")},
	"lpad":             {minArgs: 3, maxArgs: 3, bind: stringCall("lpad", sqltype.Text, "sis")},
	"rpad":             {minArgs: 3, maxArgs: 3, bind: stringCall("rpad", sqltype.Text, "sis")},
	"locate":           {minArgs: 2, maxArgs: 3, bind: stringCall("locate", sqltype.BigInt, "ssi")},
	"instr": {minArgs: 2, maxArgs: 2, bind: func(name string, args []planner.Expr) (planner.Expr, error) {
		return stringCall("locate", sqltype.BigInt, "ss")(name, []planner.Expr{args[1], args[0]})
	}},
}

// stringCall binds a call of the kernel fn returning t, whose arguments take the kinds of sig: 's' text, 'i'
// BIGINT, one letter per argument; a trailing '*' repeats the letter before it for every further argument.
func stringCall(fn string, t sqltype.Type, sig string) func(string, []planner.Expr) (planner.Expr, error) {
	return func(_ string, args []planner.Expr) (planner.Expr, error) {
		cast := make([]planner.Expr, len(args))
		for i, a := range args {
			kind := sig[len(sig)-1]
			switch {
			case i < len(sig) && sig[i] != '*':
				kind = sig[i]
			case sig[len(sig)-1] == '*':
				kind = sig[len(sig)-2]
			}
			if kind == 'i' {
				cast[i] = castTo(a, sqltype.BigInt)
			} else {
				cast[i] = castTo(a, sqltype.Text)
			}
		}
		return &planner.Call{Func: fn, Args: cast, T: t}, nil
	}
}
