package vexec

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// This file is the test harness of the package: a plan source made of real Parquet chunk files (the path queries
// take), a runner that executes a plan at several batch sizes, twice, with a checked allocator, and the helpers
// that turn batches into comparable rows.

// row is one row of values as internal/sqltype holds them outside arrays: nil, bool, int64 (also timestamps in
// microseconds), float64, decimal128.Num (unscaled) or string.
type row []any

// batchSizes are the batch sizes every operator test runs at. Under the race detector, which is there to find
// data races (make test also runs every size without it), batches of one row are left out: they multiply the
// batches, not the ways goroutines meet.
var batchSizes = func() []int {
	if raceEnabled {
		return []int{7, DefaultBatchSize}
	}
	return []int{1, 7, DefaultBatchSize}
}()

// ---- plan source: real chunk files ----

// testTable is a table whose rows were written as Parquet chunk files into a temp directory.
type testTable struct {
	store  *storage.Store
	cols   []storage.Column
	rows   []row // in scan order
	chunks []planner.Chunk
}

// newTestTable writes rows as chunk files of at most chunkRows rows each (small row groups, so a chunk spans
// several), in order: a scan returns them in that order.
func newTestTable(t testing.TB, cols []storage.Column, rows []row, chunkRows int) *testTable {
	t.Helper()
	store, err := storage.Open(t.TempDir(), storage.WithRowGroupRows(37))
	if err != nil {
		t.Fatal(err)
	}
	tt := &testTable{store: store, cols: cols, rows: rows}
	mem := memory.NewGoAllocator()
	for start, id := 0, uint64(1); start < len(rows); start, id = start+chunkRows, id+1 {
		end := min(start+chunkRows, len(rows))
		b := buildBatch(t, mem, cols, rows[start:end])
		info, err := store.WriteChunk(7, id, cols, []arrow.RecordBatch{b})
		b.Release()
		if err != nil {
			t.Fatal(err)
		}
		tt.chunks = append(tt.chunks, planner.Chunk{ID: id, File: info.Path, Rows: info.Rows})
	}
	return tt
}

// scan returns a Scan of the columns proj of the table; without proj it reads every column.
func (tt *testTable) scan(proj ...int) *planner.Scan {
	if proj == nil {
		proj = make([]int, len(tt.cols))
		for i := range proj {
			proj[i] = i
		}
	}
	fields := make([]planner.Field, len(tt.cols))
	for i, c := range tt.cols {
		fields[i] = planner.Field{Name: c.Name, Type: c.Type}
	}
	return &planner.Scan{
		Schema: "test", Table: "facts", TableID: 7, IndexID: 1, IndexName: "default",
		TableColumns: fields, Projection: proj, Chunks: tt.chunks,
	}
}

// project returns the table's rows restricted to the columns proj.
func (tt *testTable) project(proj ...int) []row {
	out := make([]row, len(tt.rows))
	for i, r := range tt.rows {
		p := make(row, len(proj))
		for j, c := range proj {
			p[j] = r[c]
		}
		out[i] = p
	}
	return out
}

func buildBatch(t testing.TB, mem memory.Allocator, cols []storage.Column, rows []row) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for c, col := range cols {
		fields[c] = arrow.Field{Name: col.Name, Type: col.Type.Arrow(), Nullable: true}
		vals := make([]any, len(rows))
		for r := range rows {
			vals[r] = rows[r][c]
		}
		arrs[c] = buildArray(t, mem, col.Type, vals)
	}
	b := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(len(rows)))
	for _, a := range arrs {
		a.Release()
	}
	return b
}

// buildArray builds an array of type t from Go values (nil is NULL).
func buildArray(t testing.TB, mem memory.Allocator, typ sqltype.Type, vals []any) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, typ.Arrow())
	defer b.Release()
	for _, v := range vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.Int64Builder:
			bb.Append(v.(int64))
		case *array.Float64Builder:
			bb.Append(v.(float64))
		case *array.Decimal128Builder:
			bb.Append(v.(decimal128.Num))
		case *array.StringBuilder:
			bb.Append(v.(string))
		case *array.TimestampBuilder:
			bb.Append(arrow.Timestamp(v.(int64)))
		case *array.BooleanBuilder:
			bb.Append(v.(bool))
		default:
			t.Fatalf("buildArray: no value %v for %s", v, typ)
		}
	}
	return b.NewArray()
}

// ---- the standard random table ----

// Columns of the standard table, by index.
const (
	cK  = iota // BIGINT, a dozen distinct values: the usual group key
	cG         // TEXT, a few distinct values
	cI         // BIGINT, wide range
	cF         // DOUBLE
	cD         // DECIMAL(18,2)
	cTS        // TIMESTAMP
	cB         // BOOLEAN
	cS         // TEXT, short random strings with LIKE metacharacters
	cW         // DECIMAL(38,10), wide
)

var factCols = []storage.Column{
	{Name: "k", Type: sqltype.BigInt},
	{Name: "g", Type: sqltype.Text},
	{Name: "i", Type: sqltype.BigInt},
	{Name: "f", Type: sqltype.Double},
	{Name: "d", Type: sqltype.Decimal(18, 2)},
	{Name: "ts", Type: sqltype.Timestamp},
	{Name: "b", Type: sqltype.Boolean},
	{Name: "s", Type: sqltype.Text},
	{Name: "w", Type: sqltype.Decimal(38, 10)},
}

var groupNames = []string{"a", "b", "Zürich", "", "東京", "ab"}

// likeAlphabet has multi-byte runes and LIKE's own metacharacters, so patterns over it need escapes.
var likeAlphabet = []string{"a", "b", "é", "日", "%", "_", "\\", "!"}

func randString(rng *rand.Rand, maxLen int) string {
	var sb strings.Builder
	for range rng.IntN(maxLen + 1) {
		sb.WriteString(likeAlphabet[rng.IntN(len(likeAlphabet))])
	}
	return sb.String()
}

// factRows generates n rows of the standard table with about nullRate NULLs in every column.
func factRows(rng *rand.Rand, n int, nullRate float64) []row {
	rows := make([]row, n)
	e15 := big.NewInt(1_000_000_000_000_000)
	for r := range rows {
		v := make(row, len(factCols))
		v[cK] = rng.Int64N(12) - 2
		v[cG] = groupNames[rng.IntN(len(groupNames))]
		v[cI] = rng.Int64N(2_000_001) - 1_000_000
		switch rng.IntN(20) {
		case 0:
			v[cF] = math.Copysign(0, -1) // -0 groups and sorts with 0
		case 1:
			v[cF] = 0.0
		default:
			v[cF] = math.Round(rng.NormFloat64()*1e5) / 64
		}
		v[cD] = decimal128.FromI64(rng.Int64N(20_000_001) - 10_000_000)
		// 1960 .. 2040, with a microsecond fraction now and then.
		ts := int64(-315619200+rng.Int64N(2_524_608_000)) * 1_000_000
		if rng.IntN(4) == 0 {
			ts += rng.Int64N(1_000_000)
		}
		v[cTS] = ts
		v[cB] = rng.IntN(2) == 0
		v[cS] = randString(rng, 5)
		// Up to 30 digits: past what an int64 holds, within DECIMAL(38,10).
		w := new(big.Int).Mul(big.NewInt(rng.Int64N(1e15)), e15)
		w.Add(w, big.NewInt(rng.Int64N(1e15)))
		if rng.IntN(2) == 0 {
			w.Neg(w)
		}
		v[cW] = decimal128.FromBigInt(w)
		for c := range v {
			if rng.Float64() < nullRate {
				v[c] = nil
			}
		}
		rows[r] = v
	}
	return rows
}

// newFactTable writes the standard table: 500 rows in chunks of 200, 200 and 100.
func newFactTable(t testing.TB, seed uint64) *testTable {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	return newTestTable(t, factCols, factRows(rng, 500, 0.2), 200)
}

// ---- running plans ----

// runResult is one execution of a plan.
type runResult struct {
	batchSize int
	rows      []row
	schema    *arrow.Schema
	stats     *Stats
}

// runPlan executes plan once with cfg, checks the invariants every result batch must satisfy, and returns its
// rows. All batches are released before it returns.
func runPlan(t testing.TB, ctx context.Context, plan planner.Node, cfg Config) (runResult, error) {
	t.Helper()
	batches, stats, err := Run(ctx, plan, cfg)
	if err != nil {
		return runResult{}, err
	}
	want := planner.Schema(plan)
	bounded := true // Empty emits its rows as one batch, whatever the batch size
	planner.Walk(plan, func(n planner.Node, _ int) {
		if _, ok := n.(*planner.Empty); ok {
			bounded = false
		}
	})
	res := runResult{batchSize: cfg.BatchSize, schema: want, stats: stats}
	for bi, b := range batches {
		if !b.Schema().Equal(want) {
			t.Errorf("batch %d has schema %s, the plan says %s", bi, b.Schema(), want)
		}
		if bounded && b.NumRows() > int64(cfg.BatchSize) {
			t.Errorf("batch %d has %d rows, more than the batch size %d", bi, b.NumRows(), cfg.BatchSize)
		}
		for c := 0; c < int(b.NumCols()); c++ {
			if got := b.Column(c).Len(); int64(got) != b.NumRows() {
				t.Errorf("batch %d column %d has %d values for %d rows", bi, c, got, b.NumRows())
			}
		}
		res.rows = append(res.rows, batchRows(b)...)
		b.Release()
	}
	if got := stats.Nodes[plan.ID()].Rows; got != int64(len(res.rows)) {
		t.Errorf("stats say the root produced %d rows, it returned %d", got, len(res.rows))
	}
	return res, nil
}

// batchRows copies a batch's rows out of its buffers.
func batchRows(b arrow.RecordBatch) []row {
	out := make([]row, b.NumRows())
	for r := range out {
		v := make(row, b.NumCols())
		for c := range v {
			v[c] = sqltype.ValueAt(b.Column(c), r)
			if s, ok := v[c].(string); ok {
				v[c] = strings.Clone(s)
			}
		}
		out[r] = v
	}
	return out
}

// runAll runs plan at every batch size, twice each with the same plan, with a checked allocator that must be
// empty after each run, and hands every run's result to check.
func runAll(t *testing.T, plan planner.Node, data *storage.Store, check func(t *testing.T, res runResult)) {
	t.Helper()
	planner.Number(plan)
	for _, bs := range batchSizes {
		t.Run(fmt.Sprintf("batch=%d", bs), func(t *testing.T) {
			for run := range 2 {
				mem := newCheckedMem()
				cfg := Config{Mem: mem, BatchSize: bs, Data: data}
				res, err := runPlan(t, context.Background(), plan, cfg)
				if err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
				check(t, res)
				assertNoLeaks(t, mem)
			}
		})
	}
}

// runAllError runs plan at every batch size, twice, and checks that it fails with MySQL error number code and
// leaks nothing.
func runAllError(t *testing.T, plan planner.Node, data *storage.Store, code sqlerror.ErrorCode) {
	t.Helper()
	planner.Number(plan)
	for _, bs := range batchSizes {
		t.Run(fmt.Sprintf("batch=%d", bs), func(t *testing.T) {
			for range 2 {
				mem := newCheckedMem()
				cfg := Config{Mem: mem, BatchSize: bs, Data: data}
				_, err := runPlan(t, context.Background(), plan, cfg)
				requireErrNum(t, err, code)
				assertNoLeaks(t, mem)
			}
		})
	}
}

// ---- leak checks ----

// assertNoLeaks fails unless every byte taken from mem has been given back.
func assertNoLeaks(t testing.TB, mem *memory.CheckedAllocator) {
	t.Helper()
	if mem.CurrentAlloc() == 0 {
		return
	}
	mem.AssertSize(t, 0)
}

// newCheckedMem returns the allocator every test runs with: arrow's checked allocator over the Go allocator.
// Between the two sits pinAllocator, which keeps every buffer reachable until the test drops the allocator:
// otherwise the GC recycles a leaked buffer's memory, the next buffer gets its address, and the checked
// allocator, which keys its records by address, loses the record of the leak (the byte count stays right).
func newCheckedMem() *memory.CheckedAllocator {
	return memory.NewCheckedAllocator(&pinAllocator{mem: memory.NewGoAllocator()})
}

type pinAllocator struct {
	mu     sync.Mutex
	mem    memory.Allocator
	pinned [][]byte
}

func (p *pinAllocator) pin(b []byte) []byte {
	p.mu.Lock()
	p.pinned = append(p.pinned, b)
	p.mu.Unlock()
	return b
}

func (p *pinAllocator) Allocate(n int) []byte             { return p.pin(p.mem.Allocate(n)) }
func (p *pinAllocator) Reallocate(n int, b []byte) []byte { return p.pin(p.mem.Reallocate(n, b)) }
func (p *pinAllocator) Free(b []byte)                     { p.mem.Free(b) }

// requireErrNum checks that err is a MySQL error with the given number.
func requireErrNum(t testing.TB, err error, code sqlerror.ErrorCode) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want MySQL error %d", code)
	}
	var se *sqlerror.SQLError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want a *sqlerror.SQLError %d", err, err, code)
	}
	if se.Num != code {
		t.Fatalf("got error %d (%s), want %d", se.Num, se.Message, code)
	}
}

// ---- comparing rows ----

// formatValue renders a value of Arrow type dt for comparisons and failure messages. Strings are quoted, so
// that a string "NULL" is not NULL.
func formatValue(dt arrow.DataType, v any) string {
	if v == nil {
		return "NULL"
	}
	switch v := v.(type) {
	case int64:
		if dt.ID() == arrow.TIMESTAMP {
			return sqltype.FormatTimestamp(v)
		}
		return strconv.FormatInt(v, 10)
	case float64:
		return sqltype.FormatFloat(v)
	case decimal128.Num:
		if d, ok := dt.(*arrow.Decimal128Type); ok {
			return sqltype.FormatDecimal(v, int(d.Scale))
		}
		return "decimal?" + v.BigInt().String()
	case string:
		return strconv.Quote(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// formatRows renders rows of a schema, one string per row.
func formatRows(schema *arrow.Schema, rows []row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		cells := make([]string, len(r))
		for c, v := range r {
			cells[c] = formatValue(schema.Field(c).Type, v)
		}
		out[i] = strings.Join(cells, " | ")
	}
	return out
}

// equalRows compares result rows with expected rows in order, reporting the first differences.
func equalRows(t testing.TB, schema *arrow.Schema, got, want []row) {
	t.Helper()
	g, w := formatRows(schema, got), formatRows(schema, want)
	if len(g) != len(w) {
		t.Errorf("got %d rows, want %d", len(g), len(w))
	}
	bad := 0
	for i := 0; i < max(len(g), len(w)) && bad < 5; i++ {
		var gi, wi string
		if i < len(g) {
			gi = g[i]
		}
		if i < len(w) {
			wi = w[i]
		}
		if gi != wi {
			t.Errorf("row %d:\n got  %s\n want %s", i, gi, wi)
			bad++
		}
	}
}

// cmpValues orders two non-NULL values of the same kind as MySQL does (strings by bytes).
func cmpValues(a, b any) int {
	switch a := a.(type) {
	case int64:
		return cmpOrdered(a, b.(int64))
	case float64:
		return cmpOrdered(a, b.(float64))
	case string:
		return strings.Compare(a, b.(string))
	case decimal128.Num:
		return a.Cmp(b.(decimal128.Num))
	case bool:
		x, y := 0, 0
		if a {
			x = 1
		}
		if b.(bool) {
			y = 1
		}
		return x - y
	}
	panic(fmt.Sprintf("cmpValues: %T", a))
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// keyString is a value's identity for GROUP BY: NULLs together, -0 with 0.
func keyString(v any) string {
	switch x := v.(type) {
	case nil:
		return "N"
	case float64:
		if x == 0 {
			x = 0
		}
		return "f" + strconv.FormatFloat(x, 'g', -1, 64)
	case decimal128.Num:
		return "d" + x.BigInt().String()
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// ---- building expressions ----

func colRef(i int, t sqltype.Type) *planner.ColumnRef {
	return &planner.ColumnRef{Index: i, Name: "c" + strconv.Itoa(i), T: t}
}

func factRef(c int) *planner.ColumnRef {
	return &planner.ColumnRef{Index: c, Name: factCols[c].Name, T: factCols[c].Type}
}

func lit(t sqltype.Type, v any) *planner.Literal { return &planner.Literal{T: t, Value: v} }

func call(fn string, t sqltype.Type, args ...planner.Expr) *planner.Call {
	return &planner.Call{Func: fn, Args: args, T: t}
}

func boolCall(fn string, args ...planner.Expr) *planner.Call {
	return call(fn, sqltype.Boolean, args...)
}

// dec parses a decimal literal at the given scale (precision 38).
func dec(s string, scale int) decimal128.Num {
	n, err := sqltype.ParseDecimal(s, sqltype.MaxDecimalPrecision, scale)
	if err != nil {
		panic(fmt.Sprintf("dec(%q, %d): %v", s, scale, err))
	}
	return n
}

// ts parses a timestamp literal into microseconds.
func ts(s string) int64 {
	v, err := sqltype.ParseTimestamp(s)
	if err != nil {
		panic(fmt.Sprintf("ts(%q): %v", s, err))
	}
	return v
}

// recordTB records failures instead of failing: it tests the harness itself.
type recordTB struct {
	testing.TB
	failed bool
}

func (r *recordTB) Errorf(string, ...any) { r.failed = true }
func (r *recordTB) Error(...any)          { r.failed = true }
func (r *recordTB) Helper()               {}

// TestLeakCheck makes sure assertNoLeaks fails on a leak.
func TestLeakCheck(t *testing.T) {
	mem := newCheckedMem()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(100)
	rec := &recordTB{TB: t}
	assertNoLeaks(rec, mem)
	if !rec.failed {
		t.Error("assertNoLeaks missed a leaked buffer")
	}
	buf.Release()
	assertNoLeaks(t, mem)
}
