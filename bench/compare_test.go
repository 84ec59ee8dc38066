package bench

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompareNormalises(t *testing.T) {
	vcube := [][]string{{"Books", "12", "30.50"}, {"Toys", "3", "5.00"}, {"Home", "NULL", "0.10"}}
	duck := [][]string{{"Home", "NULL", "0.1"}, {"Books", "12", "30.5"}, {"Toys", "3", "5"}}
	ok, why := Compare(vcube, duck)
	assert.True(t, ok, why)

	// Doubles summed in another order differ in the last bits.
	ok, why = Compare([][]string{{"web", "0.30000000000000004"}}, [][]string{{"web", "0.3"}})
	assert.True(t, ok, why)
	ok, _ = Compare([][]string{{"web", "1234.125"}}, [][]string{{"web", "1234.126"}})
	assert.False(t, ok, "a difference above 1e-9 relative is a different answer")

	// Exact numbers past float64's precision compare exactly.
	ok, _ = Compare([][]string{{"123456789012345678901"}}, [][]string{{"123456789012345678901.00"}})
	assert.True(t, ok)

	// Timestamps and text compare as text.
	ok, _ = Compare([][]string{{"2024-03-01 00:00:00", "1"}}, [][]string{{"2024-03-01 00:00:00", "1"}})
	assert.True(t, ok)
	ok, _ = Compare([][]string{{"2024-03-01 00:00:00"}}, [][]string{{"2024-03-01"}})
	assert.False(t, ok)
}

func TestCompareFindsDifferences(t *testing.T) {
	ok, why := Compare([][]string{{"a", "1"}}, [][]string{{"a", "1"}, {"b", "2"}})
	assert.False(t, ok)
	assert.Equal(t, "1 rows against 2", why)

	ok, why = Compare([][]string{{"a", "1"}, {"b", "2"}}, [][]string{{"a", "1"}, {"b", "3"}})
	assert.False(t, ok)
	assert.Contains(t, why, "2 against 3")

	ok, _ = Compare([][]string{{"a", "NULL"}}, [][]string{{"a", "0"}})
	assert.False(t, ok, "NULL is not zero")

	ok, _ = Compare([][]string{{"a", "1"}}, [][]string{{"a", "1", "x"}})
	assert.False(t, ok)

	// Duplicate rows count: {x, x, y} is not {x, y, y}.
	ok, _ = Compare([][]string{{"x"}, {"x"}, {"y"}}, [][]string{{"x"}, {"y"}, {"y"}})
	assert.False(t, ok)
}

func TestCellText(t *testing.T) {
	assert.Equal(t, "NULL", CellText(nil))
	assert.Equal(t, "12", CellText(json.Number("12")))
	assert.Equal(t, "12.50", CellText("12.50"))
	assert.Equal(t, "0.5", CellText(0.5))
	assert.Equal(t, "1", CellText(true))
}
