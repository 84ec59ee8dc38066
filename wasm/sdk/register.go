package sdk

import (
	"fmt"
	"strconv"
	"strings"
)

// Type codes of column descriptors (docs/plugins.md, "Columns").
const (
	typeBoolean   = 1
	typeBigint    = 2
	typeDouble    = 3
	typeDecimal   = 4
	typeText      = 5
	typeTimestamp = 6
	typeBinary    = 7
)

// sqlType is a parsed type spelling of a spec: a type code plus, for decimals, a precision and scale that are
// either numbers or names of the cast's parameters.
type sqlType struct {
	code                 uint32
	precision, scale     int32
	precParam, scaleName string
}

// isName reports whether s is a lower-case SQL identifier: [a-z_][a-z0-9_]*, at most 64 bytes.
func isName(s string) bool {
	if s == "" || len(s) > 64 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func parseType(s string) (sqlType, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "boolean":
		return sqlType{code: typeBoolean}, nil
	case "bigint":
		return sqlType{code: typeBigint}, nil
	case "double":
		return sqlType{code: typeDouble}, nil
	case "text":
		return sqlType{code: typeText}, nil
	case "timestamp":
		return sqlType{code: typeTimestamp}, nil
	case "decimal":
		return sqlType{code: typeDecimal, precision: -1, scale: -1}, nil
	}
	args, ok := strings.CutPrefix(s, "decimal(")
	args, ok2 := strings.CutSuffix(args, ")")
	p, sc, ok3 := strings.Cut(args, ",")
	p, sc = strings.TrimSpace(p), strings.TrimSpace(sc)
	if !ok || !ok2 || !ok3 {
		return sqlType{}, fmt.Errorf("unknown type %q (want bigint, double, decimal(p,s), text, boolean or timestamp)", s)
	}
	t := sqlType{code: typeDecimal}
	if n, err := strconv.Atoi(p); err == nil {
		t.precision = int32(n)
	} else if isName(p) {
		t.precParam = p
	} else {
		return sqlType{}, fmt.Errorf("decimal precision %q is neither a number nor a parameter name", p)
	}
	if n, err := strconv.Atoi(sc); err == nil {
		t.scale = int32(n)
	} else if isName(sc) {
		t.scaleName = sc
	} else {
		return sqlType{}, fmt.Errorf("decimal scale %q is neither a number nor a parameter name", sc)
	}
	return t, nil
}

// resolve fills a decimal's precision and scale from the cast's parameters.
func (t sqlType) resolve(params []Param, values []int64) sqlType {
	for i, p := range params {
		if p.Name == t.precParam {
			t.precision = int32(values[i])
		}
		if p.Name == t.scaleName {
			t.scale = int32(values[i])
		}
	}
	return t
}

// goType returns the type code a Value type holds.
func goType[T Value]() uint32 {
	var zero T
	switch any(zero).(type) {
	case bool:
		return typeBoolean
	case int64:
		return typeBigint
	case float64:
		return typeDouble
	case Decimal:
		return typeDecimal
	case string:
		return typeText
	case Timestamp:
		return typeTimestamp
	}
	panic("unreachable")
}

var typeNames = map[uint32]string{typeBoolean: "boolean", typeBigint: "bigint", typeDouble: "double",
	typeDecimal: "decimal", typeText: "text", typeTimestamp: "timestamp", typeBinary: "binary"}

var goTypeNames = map[uint32]string{typeBoolean: "bool", typeBigint: "int64", typeDouble: "float64",
	typeDecimal: "sdk.Decimal", typeText: "string", typeTimestamp: "sdk.Timestamp"}

// function is one registered function.
type function struct {
	Name    string
	Kind    string // "cast" or "measure"
	Type    string // casts: the custom type name
	Args    []string
	Returns string

	params []Param
	arg    sqlType
	ret    sqlType
	cast   caster
	newTab func() table
}

var (
	functions   []*function
	registerErr error // the first registration mistake; vcube_metadata reports it
)

func register(f *function, in, out uint32) {
	if registerErr != nil {
		return
	}
	fail := func(format string, args ...any) {
		registerErr = fmt.Errorf("function %q: %s", f.Name, fmt.Sprintf(format, args...))
	}
	if !isName(f.Name) {
		fail("the name must be a lower-case SQL identifier")
		return
	}
	for _, g := range functions {
		if g.Name == f.Name {
			fail("registered twice")
			return
		}
	}
	var err error
	if f.arg, err = parseType(f.Args[0]); err != nil {
		fail("argument: %v", err)
		return
	}
	if f.ret, err = parseType(f.Returns); err != nil {
		fail("returns: %v", err)
		return
	}
	if f.arg.code != in {
		fail("the argument is %s but the Go function takes %s", f.Args[0], goTypeNames[in])
		return
	}
	if f.ret.code != out {
		fail("returns %s but the Go function produces %s", f.Returns, goTypeNames[out])
		return
	}
	if f.ret.code == typeDecimal && f.ret.precision < 0 {
		fail("a decimal result needs its precision and scale: decimal(p,s)")
		return
	}
	if f.arg.code == typeDecimal && f.arg.precision < 0 {
		// The function gets unscaled values, so it must know their scale.
		fail("a decimal argument needs its precision and scale: decimal(p,s)")
		return
	}
	for _, p := range f.params {
		if !isName(p.Name) || p.Min > p.Default || p.Default > p.Max {
			fail("parameter %q needs a lower-case name and Min <= Default <= Max", p.Name)
			return
		}
	}
	functions = append(functions, f)
}

// metadataJSON is the document vcube_metadata returns.
func metadataJSON() ([]byte, error) {
	if registerErr != nil {
		return nil, registerErr
	}
	if len(functions) == 0 {
		return nil, fmt.Errorf("the plugin registers no functions (call sdk.Cast or sdk.Measure in an init function)")
	}
	// Every string in the document is a name or a type spelling register checked, so none needs escaping.
	b := []byte(`{"abi":` + strconv.Itoa(ABIVersion) + `,"functions":[`)
	for i, f := range functions {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":"`+f.Name+`","kind":"`+f.Kind+`"`...)
		if f.Type != "" {
			b = append(b, `,"type":"`+f.Type+`"`...)
		}
		if len(f.params) > 0 {
			b = append(b, `,"params":[`...)
			for j, p := range f.params {
				if j > 0 {
					b = append(b, ',')
				}
				b = fmt.Appendf(b, `{"name":"%s","default":%d,"min":%d,"max":%d}`, p.Name, p.Default, p.Min, p.Max)
			}
			b = append(b, ']')
		}
		b = append(b, `,"args":["`+strings.ToLower(strings.TrimSpace(f.Args[0]))+`"],"returns":"`+
			strings.ToLower(strings.TrimSpace(f.Returns))+`"}`...)
	}
	return append(b, "]}"...), nil
}
