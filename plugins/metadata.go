package plugins

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// Kind is what a plugin function is.
type Kind uint8

const (
	// KindCast turns values of a custom column type, as a driver sends them, into a native type.
	KindCast Kind = iota + 1
	// KindMeasure is an aggregate with a serialisable per-group state.
	KindMeasure
)

func (k Kind) String() string {
	switch k {
	case KindCast:
		return "cast"
	case KindMeasure:
		return "measure"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Param is an integer type parameter of a cast, such as the scale in `fixed(4)`.
type Param struct {
	Name     string
	Default  int64
	Min, Max int64
}

// Function is a function a plugin declares in its metadata.
type Function struct {
	Name string // SQL name, lower case
	Kind Kind
	// CustomType is, for a cast, the name of the column type it handles ("fixed" for `price fixed(4)`).
	CustomType string
	Params     []Param // a cast's type parameters, in the order calls pass them
	// Args are the argument types (one for a cast). A decimal argument with Precision 0 accepts a decimal of
	// any precision and scale.
	Args []sqltype.Type
	// Returns is the result type with the parameters at their defaults; ReturnType resolves it for others.
	Returns sqltype.Type

	index   int      // position in the metadata: the fn argument of calls
	returns typeSpec // Returns before parameters are applied
}

// ReturnType returns the result type for the given parameters (fewer than declared take the defaults of the
// rest), or an error naming a parameter out of its range.
func (f Function) ReturnType(params ...int64) (sqltype.Type, error) {
	values, err := f.paramValues(params)
	if err != nil {
		return sqltype.Type{}, err
	}
	return f.returns.resolve(f.Params, values)
}

// paramValues checks params against the declaration and completes them with defaults.
func (f Function) paramValues(params []int64) ([]int64, error) {
	if len(params) > len(f.Params) {
		return nil, fmt.Errorf("%s takes %d parameters, got %d", f.Name, len(f.Params), len(params))
	}
	values := make([]int64, len(f.Params))
	for i, p := range f.Params {
		values[i] = p.Default
		if i < len(params) {
			values[i] = params[i]
		}
		if values[i] < p.Min || values[i] > p.Max {
			return nil, fmt.Errorf("%s parameter %s is %d, out of its range %d..%d", f.Name, p.Name, values[i], p.Min, p.Max)
		}
	}
	return values, nil
}

// typeSpec is a type spelling of the metadata: a type whose decimal precision or scale may be the value of a
// parameter (by index into Params, -1 for none).
type typeSpec struct {
	t                     sqltype.Type
	precParam, scaleParam int
}

func (s typeSpec) resolve(params []Param, values []int64) (sqltype.Type, error) {
	t := s.t
	if t.Kind != sqltype.KindDecimal {
		return t, nil
	}
	if s.precParam >= 0 {
		t.Precision = int(values[s.precParam])
	}
	if s.scaleParam >= 0 {
		t.Scale = int(values[s.scaleParam])
	}
	if err := checkDecimal(t.Precision, t.Scale); err != nil {
		return sqltype.Type{}, err
	}
	return t, nil
}

func checkDecimal(precision, scale int) error {
	if precision < 1 || precision > sqltype.MaxDecimalPrecision {
		return fmt.Errorf("decimal precision %d is out of range 1..%d", precision, sqltype.MaxDecimalPrecision)
	}
	if scale < 0 || scale > sqltype.MaxDecimalScale || scale > precision {
		return fmt.Errorf("decimal scale %d is out of range 0..%d", scale, min(precision, sqltype.MaxDecimalScale))
	}
	return nil
}

const typeList = "bigint, double, decimal(p,s), text, boolean or timestamp"

// parseType reads a type spelling: boolean, bigint, double, text, timestamp, decimal(p,s) where p and s are
// numbers or parameter names, or (for arguments, when anyDecimal) a bare decimal.
func parseType(s string, params []Param, anyDecimal bool) (typeSpec, error) {
	spec := typeSpec{precParam: -1, scaleParam: -1}
	switch s {
	case "boolean":
		spec.t = sqltype.Boolean
	case "bigint":
		spec.t = sqltype.BigInt
	case "double":
		spec.t = sqltype.Double
	case "text":
		spec.t = sqltype.Text
	case "timestamp":
		spec.t = sqltype.Timestamp
	case "decimal":
		if !anyDecimal {
			return spec, fmt.Errorf("a decimal result needs its precision and scale: decimal(p,s)")
		}
		spec.t = sqltype.Type{Kind: sqltype.KindDecimal, Name: "decimal"}
	default:
		args, ok := strings.CutPrefix(s, "decimal(")
		args, ok2 := strings.CutSuffix(args, ")")
		p, sc, ok3 := strings.Cut(args, ",")
		if !ok || !ok2 || !ok3 {
			return spec, fmt.Errorf("unknown type %q (want %s)", s, typeList)
		}
		spec.t = sqltype.Decimal(0, 0)
		var err error
		if spec.t.Precision, spec.precParam, err = numberOrParam(strings.TrimSpace(p), params); err != nil {
			return spec, fmt.Errorf("type %q: precision %w", s, err)
		}
		if spec.t.Scale, spec.scaleParam, err = numberOrParam(strings.TrimSpace(sc), params); err != nil {
			return spec, fmt.Errorf("type %q: scale %w", s, err)
		}
		if spec.precParam < 0 && spec.scaleParam < 0 {
			if err := checkDecimal(spec.t.Precision, spec.t.Scale); err != nil {
				return spec, fmt.Errorf("type %q: %w", s, err)
			}
		}
	}
	return spec, nil
}

func numberOrParam(s string, params []Param) (int, int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, -1, nil
	}
	for i, p := range params {
		if p.Name == s {
			return 0, i, nil
		}
	}
	return 0, -1, fmt.Errorf("%q is neither a number nor a declared parameter", s)
}

// metadata is the JSON document vcube_metadata returns.
type metadata struct {
	Functions []struct {
		Name    string   `json:"name"`
		Kind    string   `json:"kind"`
		Type    string   `json:"type"`
		Params  []Param  `json:"params"`
		Args    []string `json:"args"`
		Returns string   `json:"returns"`
	} `json:"functions"`
}

// isName reports whether s is a lower-case SQL identifier of at most 64 bytes.
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

// parseMetadata reads and checks a plugin's metadata. Errors are sentences about the plugin's declarations.
func parseMetadata(doc []byte) ([]Function, error) {
	var md metadata
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&md); err != nil {
		return nil, fmt.Errorf("its metadata is not valid JSON: %v", err)
	}
	if len(md.Functions) == 0 {
		return nil, fmt.Errorf("its metadata declares no functions")
	}
	var fns []Function
	seen := map[string]bool{}
	types := map[string]bool{}
	for i, m := range md.Functions {
		f := Function{Name: m.Name, CustomType: m.Type, Params: m.Params, index: i}
		if !isName(m.Name) {
			return nil, fmt.Errorf("function #%d has the name %q; a function name is a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 64 bytes)", i, m.Name)
		}
		if seen[m.Name] {
			return nil, fmt.Errorf("function %q is declared twice", m.Name)
		}
		seen[m.Name] = true
		fail := func(format string, args ...any) error {
			return fmt.Errorf("function %q %s", m.Name, fmt.Sprintf(format, args...))
		}
		switch m.Kind {
		case "cast":
			f.Kind = KindCast
			if len(m.Args) != 1 {
				return nil, fail("is a cast with %d arguments; a cast takes one", len(m.Args))
			}
			if !isName(m.Type) {
				return nil, fail("declares the custom type %q; a cast names the type it handles with a lower-case SQL identifier", m.Type)
			}
			if types[m.Type] {
				return nil, fail("handles the custom type %q, which another cast of the plugin handles", m.Type)
			}
			types[m.Type] = true
		case "measure":
			f.Kind = KindMeasure
			if len(m.Args) == 0 {
				return nil, fail("is a measure without arguments")
			}
			if m.Type != "" || len(m.Params) > 0 {
				return nil, fail("is a measure; only casts declare a custom type and parameters")
			}
		default:
			return nil, fail("declares unknown kind %q (want cast or measure)", m.Kind)
		}
		pnames := map[string]bool{}
		for _, p := range m.Params {
			if !isName(p.Name) || pnames[p.Name] {
				return nil, fail("declares a parameter named %q; parameters need distinct lower-case names", p.Name)
			}
			pnames[p.Name] = true
			if p.Min > p.Default || p.Default > p.Max {
				return nil, fail("parameter %s needs min <= default <= max, got %d <= %d <= %d", p.Name, p.Min, p.Default, p.Max)
			}
		}
		for _, a := range m.Args {
			spec, err := parseType(a, nil, true)
			if err != nil {
				return nil, fail("declares an argument of %v", err)
			}
			f.Args = append(f.Args, spec.t)
		}
		spec, err := parseType(m.Returns, m.Params, false)
		if err != nil {
			return nil, fail("returns %v", err)
		}
		f.returns = spec
		if f.Returns, err = f.ReturnType(); err != nil {
			return nil, fail("returns a bad type for its default parameters: %v", err)
		}
		fns = append(fns, f)
	}
	return fns, nil
}
