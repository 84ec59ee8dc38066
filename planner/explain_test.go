package planner

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vcubedb/vcube/internal/sqltype"
)

func samplePlan() Node {
	cols := []Field{{Name: "city", Type: sqltype.Text}, {Name: "amount", Type: sqltype.Decimal(10, 2)}}
	scan := &Scan{Schema: "s", Table: "t", IndexID: 3, IndexName: "default", TableColumns: cols, Projection: []int{0, 1},
		Chunks: []Chunk{{ID: 4}, {ID: 7}}}
	city := &ColumnRef{Index: 0, Name: "city", T: sqltype.Text}
	amount := &ColumnRef{Index: 1, Name: "amount", T: sqltype.Decimal(10, 2)}
	filter := &Filter{Input: scan, Predicate: &Call{Func: "like", Args: []Expr{city, &Literal{T: sqltype.Text, Value: "P%"}}, T: sqltype.Boolean}}
	agg := &Aggregate{Input: filter, GroupBy: []Expr{city}, Names: []string{"city"},
		Aggs: []*AggCall{{Func: "sum", Arg: amount, T: sqltype.Decimal(38, 2)}, {Func: "count", T: sqltype.BigInt}}}
	sort := &Sort{Input: agg, Keys: []SortKey{{Column: 1, Desc: true}, {Column: 0, NullsFirst: true}}}
	return &GlobalLimit{Input: &SkipRows{Input: sort, N: 2}, N: 10}
}

func TestExplainRendersOneNodeALine(t *testing.T) {
	plan := samplePlan()
	assert.Equal(t, 6, Number(plan))
	assert.Equal(t, `GlobalLimit, n: 10
  SkipRows, n: 2
    Sort, by: [sum(amount) DESC, city]
      FullHashAggregate, by: [city], aggs: [sum(amount), count(*)]
        Filter, predicate: city LIKE 'P%'
          Scan, table: s.t, index: default:3:[4, 7], fields: *`, Explain(plan, nil))
}

func TestNumberIsPreOrder(t *testing.T) {
	plan := samplePlan()
	Number(plan)
	var ids []int
	Walk(plan, func(n Node, depth int) { ids = append(ids, n.ID()) })
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, ids)
	annotated := Explain(plan, func(n Node) string {
		if n.ID() == 5 {
			return "[rows=2]"
		}
		return ""
	})
	assert.Contains(t, annotated, "fields: * [rows=2]")
	assert.NotContains(t, annotated, "n: 10 [")
}

func TestExpressionText(t *testing.T) {
	x := &ColumnRef{Name: "x", T: sqltype.BigInt}
	cases := map[string]Expr{
		"(x + 1)":                         &Call{Func: "+", Args: []Expr{x, &Literal{T: sqltype.BigInt, Value: int64(1)}}},
		"x NOT IN (1, NULL)":              &Call{Func: "in", Negate: true, Args: []Expr{x, &Literal{T: sqltype.BigInt, Value: int64(1)}, &Literal{T: sqltype.BigInt}}},
		"CAST(x AS decimal(5,2))":         &Call{Func: "cast", Args: []Expr{x}, T: sqltype.Decimal(5, 2)},
		"x IS NOT NULL":                   &Call{Func: "is_not_null", Args: []Expr{x}},
		"'it''s'":                         &Literal{T: sqltype.Text, Value: "it's"},
		"TIMESTAMP '1970-01-01 00:00:01'": &Literal{T: sqltype.Timestamp, Value: int64(1_000_000)},
		"count(DISTINCT x)":               &AggCall{Func: "count", Arg: x, Distinct: true},
	}
	for want, e := range cases {
		assert.Equal(t, want, e.String())
	}
}

func TestExplainOrderedNodes(t *testing.T) {
	cols := []Field{{Name: "k", Type: sqltype.BigInt}, {Name: "v", Type: sqltype.BigInt}}
	scan := &Scan{Schema: "s", Table: "t", IndexID: 3, IndexName: "default", TableColumns: cols, Projection: []int{0, 1},
		Chunks: []Chunk{{ID: 4}, {ID: 7}}}
	k := &ColumnRef{Index: 0, Name: "k", T: sqltype.BigInt}
	partial, final := SplitAggregate(&Aggregate{Input: scan, Strategy: Inplace, GroupBy: []Expr{k}, Names: []string{"k"},
		Aggs: []*AggCall{{Func: "count", T: sqltype.BigInt}}})
	final.Strategy = Inplace
	final.Input = &MergeSort{Input: partial, Keys: []SortKey{{Column: 0, NullsFirst: true}}, Parallel: 2}
	assert.Equal(t, `TailLimit, n: 5
  FinalInplaceAggregate, by: [k], aggs: [count(*)]
    MergeSort, by: [k]
      PartialInplaceAggregate, by: [k], aggs: [count(*)]
        Scan, table: s.t, index: default:3:[4, 7], fields: *`, Explain(&TailLimit{Input: final, N: 5}, nil))

	limited := &MergeSort{Input: &LocalLimit{Input: scan, N: 15}, Keys: []SortKey{{Column: 0, NullsFirst: true}, {Column: 1}},
		Parallel: 2, Limit: 15}
	assert.Equal(t, `MergeSort, by: [k, v NULLS LAST], limit: 15
  LocalLimit, n: 15
    Scan, table: s.t, index: default:3:[4, 7], fields: *`, Explain(limited, nil))
}
