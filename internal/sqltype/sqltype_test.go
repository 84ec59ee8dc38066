package sqltype

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// QuotientScale follows MySQL's do_div_mod: operands' digits in nine-digit groups, what is left of the increment
// of 4 after rounding them up, the sum rounded up to whole groups.
func TestQuotientScale(t *testing.T) {
	cases := []struct{ a, b, want int }{
		{0, 0, 9},   // 1/3 holds 0.333333333
		{5, 0, 9},   // 2.00000/3: the five digits' group leaves room for the increment
		{2, 0, 9},   // DECIMAL(12,2)/3
		{6, 0, 18},  // 1.000000/3: 6 + 3 of rounding < 6 + 4, one group more
		{9, 0, 18},  // (1/3)/3
		{0, 9, 18},  // 1/(1/3): the divisor's group counts too
		{9, 9, 27},  // (1/3)/(1/3)
		{18, 0, 27}, // a quotient of quotients, divided again
	}
	for _, c := range cases {
		assert.Equal(t, c.want, QuotientScale(c.a, c.b), "QuotientScale(%d, %d)", c.a, c.b)
	}
}

func TestShown(t *testing.T) {
	held := Decimal(28, 9)
	held.Extra = 5
	assert.Equal(t, 4, held.ShownScale())
	assert.Equal(t, Decimal(23, 4), held.Shown(), "the integer digits stay, the held ones go")
	assert.Equal(t, Decimal(12, 2), Decimal(12, 2).Shown(), "a declared type shows what it holds")
	assert.Equal(t, BigInt, BigInt.Shown())
}
