package sdk

import (
	"errors"
	"fmt"
	"math/bits"
)

// ABIVersion is the version of the plugin ABI this SDK implements (vcube_abi_version).
const ABIVersion = 1

// Value is a Go type that holds values of one SQL type:
//
//	bool       BOOLEAN
//	int64      BIGINT
//	float64    DOUBLE
//	Decimal    DECIMAL(p,s): the unscaled integer; the scale is the declared one
//	string     TEXT (UTF-8)
//	Timestamp  TIMESTAMP
type Value interface {
	bool | int64 | float64 | Decimal | string | Timestamp
}

// Timestamp is a TIMESTAMP: microseconds since 1970-01-01 00:00:00 UTC.
type Timestamp int64

// Decimal is a DECIMAL value's unscaled 128-bit two's complement integer, laid out as Arrow's decimal128 and
// vcube's buffers hold it: the low 64 bits, then the high 64 bits (little endian). A DECIMAL(p,s) value v is
// the integer divided by 10^s.
type Decimal struct {
	Lo uint64
	Hi int64
}

// DecimalFromInt64 returns v as an unscaled decimal.
func DecimalFromInt64(v int64) Decimal {
	return Decimal{Lo: uint64(v), Hi: v >> 63}
}

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int {
	switch {
	case d.Hi < 0:
		return -1
	case d.Hi == 0 && d.Lo == 0:
		return 0
	}
	return 1
}

// Neg returns -d (wrapping at the most negative value, as two's complement does).
func (d Decimal) Neg() Decimal {
	lo, borrow := bits.Sub64(0, d.Lo, 0)
	hi, _ := bits.Sub64(0, uint64(d.Hi), borrow)
	return Decimal{Lo: lo, Hi: int64(hi)}
}

// String formats d with scale digits after the point: Decimal{Lo: 12345}.String(2) is "123.45".
func (d Decimal) String(scale int) string {
	neg := d.Sign() < 0
	if neg {
		d = d.Neg()
	}
	hi, lo := uint64(d.Hi), d.Lo
	var digits []byte
	for hi != 0 || lo != 0 {
		var rem uint64
		hi, rem = bits.Div64(0, hi, 10)
		lo, rem = bits.Div64(rem, lo, 10)
		digits = append(digits, byte('0'+rem))
	}
	for len(digits) <= scale {
		digits = append(digits, '0')
	}
	out := make([]byte, 0, len(digits)+2)
	if neg {
		out = append(out, '-')
	}
	for i := len(digits) - 1; i >= 0; i-- {
		if i == scale-1 {
			out = append(out, '.')
		}
		out = append(out, digits[i])
	}
	return string(out)
}

// Param declares an integer type parameter of a cast, such as the scale in `fixed(4)`. vcube passes every
// declared parameter on each call, Default when the column type does not give it.
type Param struct {
	Name     string
	Default  int64
	Min, Max int64
}

// CastSpec declares a cast: a function that turns values of a custom column type, as a driver sends them
// (Arg, usually "text"), into a native SQL type (Returns).
type CastSpec struct {
	Name   string  // SQL function name, lower case
	Type   string  // the custom type name it handles, e.g. "fixed"
	Params []Param // integer type parameters, e.g. the 4 of fixed(4)
	Arg    string  // SQL type of the input: bigint, double, decimal(p,s), text, boolean or timestamp
	// Returns is the SQL type of the output; a decimal's precision or scale may name a parameter:
	// "decimal(38,scale)".
	Returns string
}

// MeasureSpec declares a measure: an aggregate over one argument.
type MeasureSpec struct {
	Name    string // SQL function name, lower case
	Arg     string // SQL type of the argument
	Returns string // SQL type of the result
}

// RowError is an error about one row of a batch; vcube reports the row with the message.
type RowError struct {
	Row int // index in the batch, from 0
	Err error
}

func (e *RowError) Error() string { return e.Err.Error() }
func (e *RowError) Unwrap() error { return e.Err }

// Errorf returns an error about row of the current batch.
func Errorf(row int, format string, args ...any) error {
	return &RowError{Row: row, Err: fmt.Errorf(format, args...)}
}

// errorRow returns the row an error names, or -1.
func errorRow(err error) int64 {
	var re *RowError
	if errors.As(err, &re) {
		return int64(re.Row)
	}
	return -1
}
