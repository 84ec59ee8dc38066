// Package sqltype defines vcube's SQL data types: how a column is declared, how its values are held in Arrow
// arrays, and how a type is spelled in the catalog and in results. Every layer that touches values imports it;
// it imports nothing of vcube.
package sqltype

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Kind is the physical family of a type: all values of one kind share one Arrow representation.
type Kind uint8

const (
	KindNull      Kind = iota // the type of a bare NULL literal
	KindBool                  // Arrow Boolean
	KindInt                   // TINYINT .. BIGINT, held as Arrow Int64
	KindFloat                 // FLOAT, DOUBLE, held as Arrow Float64
	KindDecimal               // DECIMAL(p,s), held as Arrow Decimal128 with the same precision and scale
	KindString                // CHAR, VARCHAR, TEXT, held as Arrow String (UTF-8)
	KindTimestamp             // TIMESTAMP, microseconds since the Unix epoch in UTC, Arrow Timestamp(us)
)

var kindNames = [...]string{"null", "boolean", "int", "float", "decimal", "string", "timestamp"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Decimal limits, as MySQL has them for the precision and as Arrow's Decimal128 holds them.
const (
	MaxDecimalPrecision     = 38
	MaxDecimalScale         = 30
	DefaultDecimalPrecision = 18 // DECIMAL without arguments, as Cube Store declares it
	DefaultDecimalScale     = 5
)

// Type is a SQL type as declared: its kind plus the name and arguments the user wrote, which the catalog keeps
// and results report. The zero value is the NULL type.
type Type struct {
	Kind Kind
	// Name is the canonical spelling without arguments: "tinyint", "smallint", "int", "bigint", "float",
	// "double", "decimal", "varchar", "text", "timestamp", "boolean" or "null".
	Name      string
	Precision int // DECIMAL total digits
	Scale     int // DECIMAL digits after the point, as values are held
	Length    int // VARCHAR(n) maximum characters; 0 means no limit
	// Extra is how many of a DECIMAL's Scale digits are held but not shown. MySQL keeps a quotient's digits in
	// nine-digit groups (1/3 is 0.333333333 inside, of type DECIMAL(.,4)), computes on with all of them ((1/3)*3
	// is 0.999999999, shown 1.0000) and rounds to the shown scale only where a value leaves arithmetic: in
	// results, comparisons and conversions to text (Shown). Zero for every declared type.
	Extra int
}

// Types used by expressions and results.
var (
	Null      = Type{Kind: KindNull, Name: "null"}
	Boolean   = Type{Kind: KindBool, Name: "boolean"}
	BigInt    = Type{Kind: KindInt, Name: "bigint"}
	Double    = Type{Kind: KindFloat, Name: "double"}
	Text      = Type{Kind: KindString, Name: "text"}
	Timestamp = Type{Kind: KindTimestamp, Name: "timestamp"}
)

// Decimal returns DECIMAL(precision, scale).
func Decimal(precision, scale int) Type {
	return Type{Kind: KindDecimal, Name: "decimal", Precision: precision, Scale: scale}
}

// DivPrecisionIncrement is how many digits a quotient shows beyond its dividend's: MySQL's
// div_precision_increment at its default.
const DivPrecisionIncrement = 4

// QuotientScale is how many digits after the point MySQL holds of a quotient whose operands hold sa and sb: the
// operands' digits rounded up to nine-digit groups, plus what is left of the increment after that rounding, all
// rounded up to whole groups again (1/3 holds 9 digits, 2.00000/3 holds 9, (1/3)/3 holds 18). The quotient is
// cut there, not rounded: 2.00000/3 is 0.666666666.
func QuotientScale(sa, sb int) int {
	groups := func(d int) int { return (d + 8) / 9 * 9 }
	fa, fb := groups(sa), groups(sb)
	incr := max(DivPrecisionIncrement-(fa-sa)-(fb-sb), 0)
	return groups(fa + fb + incr)
}

// ShownScale is the number of digits after the point a DECIMAL shows: Scale less the held Extra digits.
func (t Type) ShownScale() int { return t.Scale - t.Extra }

// Shown is the type a value of t is rounded to where it is shown or compared: t without its Extra digits.
func (t Type) Shown() Type {
	if t.Kind != KindDecimal || t.Extra == 0 {
		return t
	}
	return Decimal(max(t.Precision-t.Extra, 1), t.Scale-t.Extra)
}

// String spells the type as DDL and results show it: "int", "decimal(18,2)", "varchar(20)".
func (t Type) String() string {
	switch {
	case t.Kind == KindDecimal:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case t.Name == "varchar" && t.Length > 0:
		return fmt.Sprintf("varchar(%d)", t.Length)
	case t.Name == "":
		return t.Kind.String()
	}
	return t.Name
}

// Arrow returns the Arrow type that holds values of t.
func (t Type) Arrow() arrow.DataType {
	switch t.Kind {
	case KindBool:
		return arrow.FixedWidthTypes.Boolean
	case KindInt:
		return arrow.PrimitiveTypes.Int64
	case KindFloat:
		return arrow.PrimitiveTypes.Float64
	case KindDecimal:
		return &arrow.Decimal128Type{Precision: int32(t.Precision), Scale: int32(t.Scale)}
	case KindString:
		return arrow.BinaryTypes.String
	case KindTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	}
	return arrow.Null
}

// IntRange returns the smallest and largest value an integer column of type t accepts.
func (t Type) IntRange() (lo, hi int64) {
	switch t.Name {
	case "tinyint":
		return -1 << 7, 1<<7 - 1
	case "smallint":
		return -1 << 15, 1<<15 - 1
	case "mediumint":
		return -1 << 23, 1<<23 - 1
	case "int":
		return -1 << 31, 1<<31 - 1
	}
	return -1 << 63, 1<<63 - 1
}

// IsNumeric reports whether values of t are numbers.
func (t Type) IsNumeric() bool {
	return t.Kind == KindInt || t.Kind == KindFloat || t.Kind == KindDecimal
}

// aliases maps every accepted spelling of a type name to its canonical name.
var aliases = map[string]string{
	"tinyint": "tinyint", "smallint": "smallint", "mediumint": "mediumint", "int": "int", "integer": "int",
	"bigint": "bigint", "float": "float", "real": "double", "double": "double", "decimal": "decimal",
	"numeric": "decimal", "dec": "decimal", "varchar": "varchar", "char": "varchar", "text": "text",
	"string": "text", "tinytext": "text", "mediumtext": "text", "longtext": "text", "timestamp": "timestamp",
	"datetime": "timestamp", "boolean": "boolean", "bool": "boolean",
}

var kindOf = map[string]Kind{
	"tinyint": KindInt, "smallint": KindInt, "mediumint": KindInt, "int": KindInt, "bigint": KindInt,
	"float": KindFloat, "double": KindFloat, "decimal": KindDecimal, "varchar": KindString, "text": KindString,
	"timestamp": KindTimestamp, "boolean": KindBool,
}

// Declare builds a column type from a declaration: a type name and its optional arguments (length, or precision
// and scale). Names are case-insensitive and accept MySQL's synonyms (INTEGER, NUMERIC, DATETIME, ...).
func Declare(name string, args ...int) (Type, error) {
	canon, ok := aliases[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Type{}, fmt.Errorf("unknown type %q", name)
	}
	if strings.EqualFold(name, "double precision") {
		canon = "double"
	}
	t := Type{Kind: kindOf[canon], Name: canon}
	switch canon {
	case "decimal":
		t.Precision, t.Scale = DefaultDecimalPrecision, DefaultDecimalScale
		if len(args) >= 1 {
			t.Precision, t.Scale = args[0], 0
		}
		if len(args) >= 2 {
			t.Scale = args[1]
		}
		if len(args) > 2 {
			return Type{}, fmt.Errorf("decimal takes at most two arguments")
		}
		if t.Precision < 1 || t.Precision > MaxDecimalPrecision {
			return Type{}, fmt.Errorf("decimal precision %d is out of range 1..%d", t.Precision, MaxDecimalPrecision)
		}
		if t.Scale < 0 || t.Scale > MaxDecimalScale {
			return Type{}, fmt.Errorf("decimal scale %d is out of range 0..%d", t.Scale, MaxDecimalScale)
		}
		if t.Scale > t.Precision {
			return Type{}, fmt.Errorf("decimal scale %d is larger than its precision %d", t.Scale, t.Precision)
		}
	case "varchar":
		if len(args) > 1 {
			return Type{}, fmt.Errorf("%s takes one argument", name)
		}
		if len(args) == 1 {
			if args[0] < 0 {
				return Type{}, fmt.Errorf("%s length %d is negative", name, args[0])
			}
			t.Length = args[0]
		}
	default:
		// Display widths such as INT(11) and FLOAT(7,4) are accepted and ignored, as MySQL 8 does.
	}
	return t, nil
}

// Parse reads a type as String spells it ("decimal(18,2)", "varchar(20)", "bigint"); the catalog stores types
// in that form.
func Parse(s string) (Type, error) {
	name, rest, hasArgs := strings.Cut(strings.TrimSpace(s), "(")
	if !hasArgs {
		return Declare(name)
	}
	rest, ok := strings.CutSuffix(strings.TrimSpace(rest), ")")
	if !ok {
		return Type{}, fmt.Errorf("malformed type %q", s)
	}
	var args []int
	for _, a := range strings.Split(rest, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(a))
		if err != nil {
			return Type{}, fmt.Errorf("malformed type %q", s)
		}
		args = append(args, n)
	}
	return Declare(name, args...)
}
