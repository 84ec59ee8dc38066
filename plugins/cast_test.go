package plugins

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func strings_(vals []string, nulls ...int) arrow.Array {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	for i, v := range vals {
		if contains(nulls, i) {
			b.AppendNull()
		} else {
			b.Append(v)
		}
	}
	return b.NewArray()
}

func contains(list []int, x int) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// render formats an array's values as its String does, for comparisons.
func render(a arrow.Array) string { return a.String() }

func TestFixedCast(t *testing.T) {
	h := newHost(t, Config{})
	p := load(t, h, "fixed")
	ctx := context.Background()
	for _, c := range []struct {
		scale int64
		in    []string
		nulls []int
		want  string
	}{
		{4, []string{"1.5", "-2.00005", "", "  12345678901234.56789 ", "0", "-0.00004"}, []int{2}, "[1.5 -2.0001 (null) 12345678901234.5679 0 0]"},
		{0, []string{"7.5", "-7.5", "99999999999999999999999999999999999999"}, nil, "[8 -8 99999999999999999999999999999999999999]"},
		{2, []string{".5", "3."}, nil, "[0.5 3]"},
	} {
		cast, err := p.Cast("fixed", c.scale)
		if err != nil {
			t.Fatal(err)
		}
		out, err := cast.Call(ctx, strings_(c.in, c.nulls...))
		if err != nil {
			t.Fatalf("scale %d: %v", c.scale, err)
		}
		dt, ok := out.DataType().(*arrow.Decimal128Type)
		if !ok || dt.Precision != 38 || int64(dt.Scale) != c.scale {
			t.Errorf("scale %d: result type %s, want decimal(38,%d)", c.scale, out.DataType(), c.scale)
		}
		if got := render(out); got != c.want {
			t.Errorf("scale %d: %v gives %s, want %s", c.scale, c.in, got, c.want)
		}
		if out.NullN() != len(c.nulls) {
			t.Errorf("scale %d: %d NULLs, want %d", c.scale, out.NullN(), len(c.nulls))
		}
	}

	// A value the cast refuses names its row; the instance stays in service.
	cast, _ := p.Cast("fixed", 2)
	_, err := cast.Call(ctx, strings_([]string{"1", "2", "three", "4"}))
	var e *Error
	if !errors.As(err, &e) || e.Row != 2 || e.Trap || e.Function != "fixed" || e.Plugin != "fixed" ||
		e.Message != `cannot read "three" as a decimal number` {
		t.Fatalf("error %#v; want row 2 of fixed refused without a trap", err)
	}
	if got := err.Error(); got != `plugin "fixed", function "fixed", row 2: cannot read "three" as a decimal number` {
		t.Errorf("Error() = %s", got)
	}
	if n := len(p.idle); n != 1 {
		t.Errorf("after a refused row the pool holds %d instances, want the one that refused", n)
	}
	if out, err := cast.Call(ctx, strings_([]string{"1.239"})); err != nil || render(out) != "[1.24]" {
		t.Errorf("the next call gives %v, %v", out, err)
	}
	// An argument of the wrong type is the caller's mistake, reported before any call.
	if _, err := cast.Call(ctx, int64s([]int64{1})); err == nil || !strings.Contains(err.Error(), "for an argument of type text") {
		t.Errorf("a bigint argument: %v", err)
	}
	// An empty batch needs no call.
	if out, err := cast.Call(ctx, strings_(nil)); err != nil || out.Len() != 0 || !arrow.TypeEqual(out.DataType(), cast.Type().Arrow()) {
		t.Errorf("an empty batch gives %v, %v", out, err)
	}
}

func int64s(vals []int64, nulls ...int) arrow.Array {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	for i, v := range vals {
		if contains(nulls, i) {
			b.AppendNull()
		} else {
			b.Append(v)
		}
	}
	return b.NewArray()
}

func float64s(vals []float64, nulls ...int) arrow.Array {
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	for i, v := range vals {
		if contains(nulls, i) {
			b.AppendNull()
		} else {
			b.Append(v)
		}
	}
	return b.NewArray()
}

// TestValuesCrossTheABI sends every type through an identity cast, with NULLs, and also as slices at offsets
// that are not multiples of 8 (whose bitmaps and offsets the host must rebase).
func TestValuesCrossTheABI(t *testing.T) {
	h := newHost(t, Config{})
	p := load(t, h, "testplugin")
	mem := memory.DefaultAllocator
	const n = 29
	build := map[string]func() arrow.Array{
		"echo_boolean": func() arrow.Array {
			b := array.NewBooleanBuilder(mem)
			for i := range n {
				if i%5 == 3 {
					b.AppendNull()
				} else {
					b.Append(i%3 == 0)
				}
			}
			return b.NewArray()
		},
		"echo_bigint": func() arrow.Array {
			vals := make([]int64, n)
			for i := range vals {
				vals[i] = int64(i*i*i) - 1000 + math.MinInt64*int64(i%7/6)
			}
			return int64s(vals, 4, 17)
		},
		"echo_double": func() arrow.Array {
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = float64(i)/3 - 2
			}
			vals[1], vals[2] = math.Inf(-1), math.MaxFloat64
			return float64s(vals, 0, 9, 28)
		},
		"echo_decimal": func() arrow.Array {
			b := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 38, Scale: 2})
			for i := range n {
				if i == 11 {
					b.AppendNull()
					continue
				}
				v, _ := decimal128.FromString(strings.Repeat("9", i%36+1)+".25", 38, 2)
				if i%2 == 1 {
					v = v.Negate()
				}
				b.Append(v)
			}
			return b.NewArray()
		},
		"echo_text": func() arrow.Array {
			vals := make([]string, n)
			for i := range vals {
				vals[i] = strings.Repeat("é", i%4) + "row" + strings.Repeat("x", i)
			}
			vals[5] = ""
			return strings_(vals, 7, 8, 20)
		},
		"echo_timestamp": func() arrow.Array {
			b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond})
			for i := range n {
				if i == 2 {
					b.AppendNull()
				} else {
					b.Append(arrow.Timestamp(int64(i)*86_400_000_000 - 1))
				}
			}
			return b.NewArray()
		},
	}
	for fn, mk := range build {
		t.Run(fn, func(t *testing.T) {
			cast, err := p.Cast(fn)
			if err != nil {
				t.Fatal(err)
			}
			in := mk()
			for _, slice := range [][2]int64{{0, n}, {3, 21}, {9, n}, {5, 5}} {
				arg := array.NewSlice(in, slice[0], slice[1])
				out, err := cast.Call(context.Background(), arg)
				if err != nil {
					t.Fatalf("slice %v: %v", slice, err)
				}
				if !array.Equal(out, arg) {
					t.Errorf("slice %v: sent %v\ngot back %v", slice, arg, out)
				}
				if !arrow.TypeEqual(out.DataType(), cast.Type().Arrow()) {
					t.Errorf("slice %v: result type %s, want %s", slice, out.DataType(), cast.Type().Arrow())
				}
			}
		})
	}
}

func TestTextResults(t *testing.T) {
	h := newHost(t, Config{})
	p := load(t, h, "testplugin")
	cast, _ := p.Cast("shout")
	out, err := cast.Call(context.Background(), strings_([]string{"abc", "", "null", "x", "ünï"}, 3))
	if err != nil {
		t.Fatal(err)
	}
	if got := render(out); got != `["ABC" "" (null) (null) "ÜNÏ"]` {
		t.Errorf("shout gives %s", got)
	}
}
