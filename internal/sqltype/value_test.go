package sqltype

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in        string
		p, s      int
		want      string
		wantError error
	}{
		{"12.5", 12, 2, "12.50", nil},
		{"-0.05", 5, 2, "-0.05", nil},
		{"1.005", 6, 2, "1.01", nil},   // half away from zero
		{"-1.005", 6, 2, "-1.01", nil}, // half away from zero
		{"1.004", 6, 2, "1.00", nil},
		{" 7 ", 3, 0, "7", nil},
		{"+3.25", 4, 1, "3.3", nil},
		{"1e3", 6, 2, "1000.00", nil},
		{"1.5E-2", 6, 3, "0.015", nil},
		{".5", 3, 1, "0.5", nil},
		{"5.", 3, 1, "5.0", nil},
		{"0000012", 2, 0, "12", nil},
		{"99999999999999999999999999999999999999", 38, 0, "99999999999999999999999999999999999999", nil},
		{"-9999999999999999999999999999.9999999999", 38, 10, "-9999999999999999999999999999.9999999999", nil},
		{"0.00000000000000000000000000000000000001", 38, 2, "0.00", nil},
		{"100", 2, 0, "", ErrOverflow},
		{"9.995", 3, 2, "", ErrOverflow}, // rounds to 10.00
		{"1000000000000000000000000000000000000000", 38, 0, "", ErrOverflow},
		{"abc", 5, 2, "", ErrSyntax},
		{"1.2.3", 5, 2, "", ErrSyntax},
		{"", 5, 2, "", ErrSyntax},
		{"-", 5, 2, "", ErrSyntax},
		{"1e", 5, 2, "", ErrSyntax},
		{"1 2", 5, 2, "", ErrSyntax},
	}
	for _, c := range cases {
		got, err := ParseDecimal(c.in, c.p, c.s)
		if c.wantError != nil {
			assert.ErrorIs(t, err, c.wantError, "ParseDecimal(%q, %d, %d)", c.in, c.p, c.s)
			continue
		}
		require.NoError(t, err, "ParseDecimal(%q, %d, %d)", c.in, c.p, c.s)
		assert.Equal(t, c.want, FormatDecimal(got, c.s), "ParseDecimal(%q, %d, %d)", c.in, c.p, c.s)
	}
}

func TestRescaleAndRoundDecimal(t *testing.T) {
	n, err := RescaleDecimal(decimal128.FromI64(12345), 3, 1, 10) // 12.345 -> 12.3
	require.NoError(t, err)
	assert.Equal(t, "12.3", FormatDecimal(n, 1))
	n, err = RescaleDecimal(decimal128.FromI64(-12355), 3, 2, 10) // -12.355 -> -12.36
	require.NoError(t, err)
	assert.Equal(t, "-12.36", FormatDecimal(n, 2))
	n, err = RescaleDecimal(decimal128.FromI64(7), 0, 4, 10)
	require.NoError(t, err)
	assert.Equal(t, "7.0000", FormatDecimal(n, 4))
	_, err = RescaleDecimal(decimal128.FromI64(123456), 0, 5, 10)
	assert.ErrorIs(t, err, ErrOverflow)
	assert.Equal(t, "0", FormatDecimal(RoundDecimal(decimal128.FromI64(4), 1), 0))
	assert.Equal(t, "1", FormatDecimal(RoundDecimal(decimal128.FromI64(5), 1), 0))
	assert.Equal(t, "-1", FormatDecimal(RoundDecimal(decimal128.FromI64(-5), 1), 0))
}

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{"42": 42, " -7 ": -7, "+3": 3, "2.5": 3, "-2.5": -3, "1e3": 1000,
		"9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64} {
		got, err := ParseInt(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ParseInt("9223372036854775808")
	assert.ErrorIs(t, err, ErrOverflow)
	_, err = ParseInt("1e30")
	assert.ErrorIs(t, err, ErrOverflow)
	for _, bad := range []string{"", "x", "12abc", "--1", "0x10"} {
		_, err := ParseInt(bad)
		assert.ErrorIs(t, err, ErrSyntax, bad)
	}
}

func TestNumericPrefix(t *testing.T) {
	cases := []struct {
		in    string
		want  float64
		exact bool
	}{
		{"3", 3, true}, {" 3.5 ", 3.5, true}, {"3abc", 3, false}, {"abc", 0, false}, {"-2e2x", -200, false},
		{"1e", 1, false}, {".5", 0.5, true}, {"", 0, false}, {"+7", 7, true},
	}
	for _, c := range cases {
		got, exact := NumericPrefix(c.in)
		assert.Equal(t, c.want, got, c.in)
		assert.Equal(t, c.exact, exact, c.in)
	}
}

func TestTimestamps(t *testing.T) {
	cases := []struct {
		in, out string
	}{
		{"2024-01-02 03:04:05", "2024-01-02 03:04:05"},
		{"2024-01-02", "2024-01-02 00:00:00"},
		{"2024-1-2 3:04", "2024-01-02 03:04:00"},
		{"2024-01-02T03:04:05Z", "2024-01-02 03:04:05"},
		{"2024-01-02T03:04:05+02:00", "2024-01-02 01:04:05"},
		{"2024-01-02 03:04:05.25", "2024-01-02 03:04:05.250000"},
		{"2024-01-02 03:04:05.000001", "2024-01-02 03:04:05.000001"},
		{"1969-12-31 23:59:59.5", "1969-12-31 23:59:59.500000"},
		{"1900-02-28 00:00:00", "1900-02-28 00:00:00"},
		{"2024-02-29", "2024-02-29 00:00:00"},
	}
	for _, c := range cases {
		us, err := ParseTimestamp(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.out, FormatTimestamp(us), c.in)
		back, err := ParseTimestamp(FormatTimestamp(us))
		require.NoError(t, err)
		assert.Equal(t, us, back, "round trip of %s", c.in)
	}
	for _, bad := range []string{"", "2024", "2024-13-01", "2023-02-29", "2024-01-32", "2024-01-01 24:00:00",
		"2024-01-01 12:60", "yesterday", "2024/01/01", "2024-01-01 1:2:3:4"} {
		_, err := ParseTimestamp(bad)
		assert.ErrorIs(t, err, ErrSyntax, bad)
	}
}

func TestFormatFloat(t *testing.T) {
	cases := map[float64]string{
		0: "0", 1.5: "1.5", -2: "-2", 1e15: "1e15", 1e14: "100000000000000", 123456.789: "123456.789",
		1e-5: "1e-5", 0.0001: "0.0001", 2.5e-300: "2.5e-300", -1.5e300: "-1.5e300",
		math.Inf(1): "inf", math.Inf(-1): "-inf",
	}
	for in, want := range cases {
		assert.Equal(t, want, FormatFloat(in), "%v", in)
	}
	a, b := 0.1, 0.2 // at run time, not folded exactly by the compiler
	assert.Equal(t, "0.30000000000000004", FormatFloat(a+b))
}

func TestDecimalToFloat(t *testing.T) {
	assert.Equal(t, 12.5, DecimalToFloat(decimal128.FromI64(1250), 2))
	assert.Equal(t, -0.05, DecimalToFloat(decimal128.FromI64(-5), 2))
	big, err := ParseDecimal("12345678901234567890123.5", 38, 1)
	require.NoError(t, err)
	assert.InEpsilon(t, 1.23456789012345678901235e22, DecimalToFloat(big, 1), 1e-15)
	d, err := FloatToDecimal(2.675, 10, 2) // the shortest text of 2.675 is "2.675": rounds half away to 2.68
	require.NoError(t, err)
	assert.Equal(t, "2.68", FormatDecimal(d, 2))
	_, err = FloatToDecimal(math.NaN(), 10, 2)
	assert.ErrorIs(t, err, ErrOverflow)
}

func TestTypes(t *testing.T) {
	cases := map[string]string{
		"int": "int", "INTEGER": "int", "bigint": "bigint", "decimal": "decimal(18,5)", "decimal(10,2)": "decimal(10,2)",
		"numeric(7)": "decimal(7,0)", "varchar(20)": "varchar(20)", "char(3)": "varchar(3)", "text": "text",
		"datetime": "timestamp", "bool": "boolean", "real": "double", "float": "float",
	}
	for in, want := range cases {
		typ, err := Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, typ.String(), in)
		again, err := Parse(typ.String())
		require.NoError(t, err)
		assert.Equal(t, typ, again, "catalog round trip of %s", in)
	}
	for _, bad := range []string{"nosuch", "decimal(39,2)", "decimal(5,6)", "decimal(1,2,3)", "varchar(1,2)", "decimal(x)", "int("} {
		_, err := Parse(bad)
		assert.Error(t, err, bad)
	}
	lo, hi := Type{Kind: KindInt, Name: "tinyint"}.IntRange()
	assert.Equal(t, [2]int64{-128, 127}, [2]int64{lo, hi})
}
