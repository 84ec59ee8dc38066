package storage

import (
	"context"
	"sort"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/sqltype"
)

// buildTestBatch makes a batch of (city text, zip int, orders bigint, price double) rows; nil is NULL.
func buildTestBatch(t testing.TB, mem memory.Allocator, rows [][4]any) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "city", Type: sqltype.Text.Arrow(), Nullable: true},
		{Name: "zip", Type: sqltype.BigInt.Arrow(), Nullable: true},
		{Name: "orders", Type: sqltype.BigInt.Arrow(), Nullable: true},
		{Name: "price", Type: sqltype.Double.Arrow(), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, r := range rows {
		for c, v := range r {
			if v == nil {
				b.Field(c).AppendNull()
				continue
			}
			switch f := b.Field(c).(type) {
			case *array.StringBuilder:
				f.Append(v.(string))
			case *array.Int64Builder:
				f.Append(int64(v.(int)))
			case *array.Float64Builder:
				f.Append(v.(float64))
			}
		}
	}
	return b.NewRecordBatch()
}

func batchRows(b arrow.RecordBatch) [][]any {
	var out [][]any
	for i := 0; i < int(b.NumRows()); i++ {
		var row []any
		for c := 0; c < int(b.NumCols()); c++ {
			col := b.Column(c)
			if col.IsNull(i) {
				row = append(row, nil)
				continue
			}
			switch a := col.(type) {
			case *array.String:
				row = append(row, a.Value(i))
			case *array.Int64:
				row = append(row, int(a.Value(i)))
			case *array.Float64:
				row = append(row, a.Value(i))
			}
		}
		out = append(out, row)
	}
	return out
}

func TestBuildIndexRowsSortsByKey(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := buildTestBatch(t, mem, [][4]any{
		{"Rome", 100, 1, 1.5}, {"Paris", 75002, 2, 2.5}, {nil, 5, 3, nil}, {"Paris", 75001, 4, 0.5}, {"Paris", nil, 5, 1.0},
	})
	defer in.Release()
	out, err := BuildIndexRows(context.Background(), mem, in, IndexLayout{Key: []int{0, 1}, Columns: []int{0, 1, 2, 3}})
	require.NoError(t, err)
	defer out.Release()
	// NULLs first, as MySQL orders them; every column kept.
	assert.Equal(t, [][]any{
		{nil, 5, 3, nil}, {"Paris", nil, 5, 1.0}, {"Paris", 75001, 4, 0.5}, {"Paris", 75002, 2, 2.5}, {"Rome", 100, 1, 1.5},
	}, batchRows(out))
}

func TestBuildIndexRowsRollsUpAggregateIndexes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := buildTestBatch(t, mem, [][4]any{
		{"Rome", 100, 1, 1.5}, {"Paris", 75002, 2, 2.5}, {nil, 5, 3, nil}, {"Paris", 75001, 4, 0.5}, {"Rome", 7, nil, nil},
		{nil, 6, 10, 9.0},
	})
	defer in.Release()
	// AGGREGATE INDEX (city) with AGGREGATIONS (sum(orders), max(price)): zip is not stored.
	layout := IndexLayout{Key: []int{0}, Columns: []int{0, 2, 3}, Rollup: []RollupSpec{{Column: 1, Func: "sum"}, {Column: 2, Func: "max"}}}
	out, err := BuildIndexRows(context.Background(), mem, in, layout)
	require.NoError(t, err)
	defer out.Release()
	assert.Equal(t, [][]any{{nil, 13, 9.0}, {"Paris", 6, 2.5}, {"Rome", 1, 1.5}}, batchRows(out))
	assert.Equal(t, []string{"city", "orders", "price"}, []string{out.Schema().Field(0).Name, out.Schema().Field(1).Name, out.Schema().Field(2).Name})
}

func TestBuildIndexRowsRollupMatchesReference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var rows [][4]any
	want := map[string][2]int{} // city -> [sum(orders), min(orders)]
	cities := []string{"a", "b", "c", "d"}
	for i := 0; i < 5000; i++ {
		city := cities[(i*7)%len(cities)]
		orders := (i * 31) % 97
		rows = append(rows, [4]any{city, i, orders, float64(i)})
		w, seen := want[city]
		if !seen {
			w = [2]int{0, orders}
		}
		w[0] += orders
		w[1] = min(w[1], orders)
		want[city] = w
	}
	in := buildTestBatch(t, mem, rows)
	defer in.Release()
	out, err := BuildIndexRows(context.Background(), mem, in, IndexLayout{Key: []int{0}, Columns: []int{0, 2, 2},
		Rollup: []RollupSpec{{Column: 1, Func: "sum"}, {Column: 2, Func: "min"}}})
	require.NoError(t, err)
	defer out.Release()
	got := batchRows(out)
	require.Len(t, got, len(want))
	require.True(t, sort.SliceIsSorted(got, func(i, j int) bool { return got[i][0].(string) < got[j][0].(string) }))
	for _, r := range got {
		w := want[r[0].(string)]
		assert.Equal(t, []any{r[0], w[0], w[1]}, r)
	}
}

func TestBuildIndexRowsReportsSumOverflow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := buildTestBatch(t, mem, [][4]any{{"a", 1, 1 << 62, 0.0}, {"a", 2, 1 << 62, 0.0}})
	defer in.Release()
	_, err := BuildIndexRows(context.Background(), mem, in, IndexLayout{Key: []int{0}, Columns: []int{0, 2},
		Rollup: []RollupSpec{{Column: 1, Func: "sum"}}})
	require.ErrorIs(t, err, sqltype.ErrOverflow)
}

// Sorting by a text key through its value ranks orders rows exactly as comparing the strings does, NULLs first,
// whether the values repeat (ranked) or are mostly distinct (compared).
func TestSortedOrderRanksText(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, distinct := range []int{3, 50, 100000} {
		rows := make([][4]any, 5000)
		for i := range rows {
			city := any(nil)
			if i%11 != 0 {
				city = "c" + string(rune('a'+(i*7919)%distinct%26)) + strconv.Itoa((i*7919)%distinct)
			}
			rows[i] = [4]any{city, i % 5, i, 1.0}
		}
		b := buildTestBatch(t, mem, rows)
		order := sortedOrder(b, []int{0, 1})
		require.Len(t, order, len(rows))
		cmpCity, cmpZip := rowComparator(b.Column(0)), rowComparator(b.Column(1))
		for i := 1; i < len(order); i++ {
			c := cmpCity(order[i-1], order[i])
			require.True(t, c < 0 || c == 0 && cmpZip(order[i-1], order[i]) <= 0, "rows %d and %d out of order (distinct %d)", order[i-1], order[i], distinct)
		}
		b.Release()
	}
}
