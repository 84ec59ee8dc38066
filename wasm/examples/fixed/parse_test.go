package main

import (
	"strings"
	"testing"
)

func TestParseFixed(t *testing.T) {
	for _, c := range []struct {
		in    string
		scale int
		want  string // formatted with the scale, or "error: <substring>"
	}{
		{"1.5", 2, "1.50"},
		{"  -12.345 ", 2, "-12.35"},
		{"12.344", 2, "12.34"},
		{"-0.005", 2, "-0.01"},
		{".5", 0, "1"},
		{"7.", 3, "7.000"},
		{"+42", 0, "42"},
		{"0.000000000000000000000000000001", 30, "0.000000000000000000000000000001"},
		{"99999999999999999999999999999999999999", 0, "99999999999999999999999999999999999999"},
		{"-99999999999999999999999999999999999999", 0, "-99999999999999999999999999999999999999"},
		{"100000000000000000000000000000000000000", 0, "error: does not fit DECIMAL(38,0)"},
		{"99999999999999999999999999999999999999.5", 0, "error: does not fit"},
		{"1", 38, "error: does not fit DECIMAL(38,38)"},
		{"", 2, "error: cannot read"},
		{"-", 2, "error: cannot read"},
		{".", 2, "error: cannot read"},
		{"1.2.3", 2, "error: cannot read"},
		{"1e5", 2, "error: cannot read"},
		{"abc", 2, "error: cannot read"},
	} {
		d, err := parseFixed(c.in, c.scale)
		if want, isErr := strings.CutPrefix(c.want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("parseFixed(%q, %d) = %v, %v; want an error containing %q", c.in, c.scale, d.String(c.scale), err, want)
			}
			continue
		}
		if err != nil || d.String(c.scale) != c.want {
			t.Errorf("parseFixed(%q, %d) = %v, %v; want %s", c.in, c.scale, d.String(c.scale), err, c.want)
		}
	}
}
