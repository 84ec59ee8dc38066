package vexec

import (
	"math"
	"math/big"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

func TestMul64IsExact(t *testing.T) {
	vals := []int64{0, 1, -1, 2, -3, 1 << 31, -(1 << 40), math.MaxInt64, math.MinInt64, math.MinInt64 + 1, 999999999999999999}
	for _, a := range vals {
		for _, b := range vals {
			want := decimal128.FromBigInt(new(big.Int).Mul(big.NewInt(a), big.NewInt(b)))
			if got := mul64(a, b); got != want {
				t.Errorf("mul64(%d, %d) = %v, want %v", a, b, got.BigInt(), want.BigInt())
			}
		}
	}
}
