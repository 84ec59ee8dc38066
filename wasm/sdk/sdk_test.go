package sdk

import (
	"math"
	"strings"
	"testing"
	"unsafe"
)

func TestDecimalString(t *testing.T) {
	for _, c := range []struct {
		d     Decimal
		scale int
		want  string
	}{
		{DecimalFromInt64(12345), 2, "123.45"},
		{DecimalFromInt64(-5), 3, "-0.005"},
		{DecimalFromInt64(0), 0, "0"},
		{DecimalFromInt64(7), 0, "7"},
		{Decimal{Lo: 0, Hi: 1}, 0, "18446744073709551616"},
		{DecimalFromInt64(math.MinInt64), 0, "-9223372036854775808"},
	} {
		if got := c.d.String(c.scale); got != c.want {
			t.Errorf("%+v.String(%d) = %s, want %s", c.d, c.scale, got, c.want)
		}
	}
	if d := DecimalFromInt64(-3).Neg(); d != DecimalFromInt64(3) || d.Sign() != 1 || DecimalFromInt64(-3).Sign() != -1 {
		t.Errorf("Neg/Sign: %+v", d)
	}
}

func TestParseType(t *testing.T) {
	for _, c := range []struct {
		in   string
		want sqlType
		err  string
	}{
		{"bigint", sqlType{code: typeBigint}, ""},
		{" TEXT ", sqlType{code: typeText}, ""},
		{"decimal(38, 4)", sqlType{code: typeDecimal, precision: 38, scale: 4}, ""},
		{"decimal(38,scale)", sqlType{code: typeDecimal, precision: 38, scaleName: "scale"}, ""},
		{"decimal", sqlType{code: typeDecimal, precision: -1, scale: -1}, ""},
		{"int128", sqlType{}, "unknown type"},
		{"decimal(38,Scale!)", sqlType{}, "neither a number nor a parameter name"},
	} {
		got, err := parseType(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseType(%q) = %+v, %v; want an error containing %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseType(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

// reset forgets registrations, for a test.
func reset(t *testing.T) {
	functions, registerErr = nil, nil
	t.Cleanup(func() { functions, registerErr = nil, nil })
}

type counter struct{ n int64 }

func (c *counter) Update(v []float64)          { c.n += int64(len(v)) }
func (c *counter) Merge(o *counter)            { c.n += o.n }
func (c *counter) Finalize() (int64, bool)     { return c.n, c.n > 0 }
func (c *counter) Marshal(dst []byte) []byte   { return append(dst, byte(c.n)) }
func (c *counter) Unmarshal(data []byte) error { c.n = int64(data[0]); return nil }

func TestMetadata(t *testing.T) {
	reset(t)
	Cast(CastSpec{Name: "fixed", Type: "fixed", Params: []Param{{Name: "scale", Max: 30}}, Arg: "text", Returns: "decimal(38,scale)"},
		func(params []int64, in []string, out []Decimal, null []bool) error { return nil })
	Measure[float64, int64, counter](MeasureSpec{Name: "n", Arg: "double", Returns: "bigint"})
	doc, err := metadataJSON()
	want := `{"abi":1,"functions":[{"name":"fixed","kind":"cast","type":"fixed","params":[{"name":"scale","default":0,"min":0,"max":30}],"args":["text"],"returns":"decimal(38,scale)"},{"name":"n","kind":"measure","args":["double"],"returns":"bigint"}]}`
	if err != nil || string(doc) != want {
		t.Errorf("metadata:\n%s, %v\nwant\n%s", doc, err, want)
	}
}

func TestRegistrationMistakes(t *testing.T) {
	noop := func(params []int64, in []string, out []int64, null []bool) error { return nil }
	for _, c := range []struct {
		register func()
		want     string
	}{
		{func() {}, "registers no functions"},
		{func() { Cast(CastSpec{Name: "Bad", Type: "t", Arg: "text", Returns: "bigint"}, noop) }, "lower-case SQL identifier"},
		{func() { Cast(CastSpec{Name: "c", Type: "t", Arg: "double", Returns: "bigint"}, noop) }, "the argument is double but the Go function takes string"},
		{func() { Cast(CastSpec{Name: "c", Type: "t", Arg: "text", Returns: "double"}, noop) }, "returns double but the Go function produces int64"},
		{func() { Cast(CastSpec{Name: "c", Type: "bad type", Arg: "text", Returns: "bigint"}, noop) }, "custom type name"},
		{func() {
			Cast(CastSpec{Name: "c", Type: "t", Arg: "text", Returns: "bigint"}, noop)
			Cast(CastSpec{Name: "c", Type: "u", Arg: "text", Returns: "bigint"}, noop)
		}, "registered twice"},
		{func() { Measure[float64, int64, counter](MeasureSpec{Name: "m", Arg: "double", Returns: "decimal"}) }, "returns decimal but the Go function produces int64"},
		{func() {
			Cast(CastSpec{Name: "c", Type: "t", Arg: "decimal", Returns: "decimal(38,2)"},
				func(params []int64, in, out []Decimal, null []bool) error { return nil })
		}, "a decimal argument needs its precision and scale"},
	} {
		reset(t)
		c.register()
		if _, err := metadataJSON(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("metadata error %v; want one containing %q", err, c.want)
		}
	}
}

// doubles makes a column over vals, NULL at the given rows.
func doubles(vals []float64, nulls ...int) *column {
	c := &column{typ: typeDouble, rows: len(vals),
		values: unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(vals))), 8*len(vals))}
	if len(nulls) > 0 {
		c.validity = make([]byte, (len(vals)+7)/8)
		for i := range vals {
			c.validity[i/8] |= 1 << (i % 8)
		}
		for _, n := range nulls {
			c.validity[n/8] &^= 1 << (n % 8)
		}
	}
	return c
}

// TestMeasureTableGroups checks that the three update paths of a table (one group, runs of groups,
// interleaved groups) skip NULLs and reach the right states.
func TestMeasureTableGroups(t *testing.T) {
	reset(t)
	Measure[float64, int64, counter](MeasureSpec{Name: "n", Arg: "double", Returns: "bigint"})
	tab := functions[0].newTab().(*measureTable[float64, int64, counter, *counter])
	vals := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if err := tab.update(10, nil, 3, doubles(vals, 0)); err != nil { // group 3: 9 rows
		t.Fatal(err)
	}
	// Three runs over twenty rows: long enough for one Update per run.
	runs := []uint32{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2}
	if err := tab.update(20, runs, 0, doubles(append(vals, vals...), 4, 19)); err != nil { // 7, 10, 1
		t.Fatal(err)
	}
	mixed := []uint32{5, 0, 5, 1, 5, 0, 2, 5, 1, 0}
	if err := tab.update(10, mixed, 0, doubles(vals, 9)); err != nil { // 5: 4, 0: 2, 1: 2, 2: 1
		t.Fatal(err)
	}
	var out outColumn
	if err := tab.finalize(0, 7, &out); err != nil {
		t.Fatal(err)
	}
	got := unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(out.values))), 7)
	want := []int64{9, 12, 2, 9, 0, 4, 0}
	for g := range want {
		if got[g] != want[g] {
			t.Errorf("group %d counted %d rows, want %d (all: %v)", g, got[g], want[g], got)
		}
	}
	if out.validity == nil || out.validity[0] != 0b0101111 {
		t.Errorf("validity %08b; groups 4 and 6 have no rows and are NULL", out.validity)
	}
}
