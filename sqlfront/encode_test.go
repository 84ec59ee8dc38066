package sqlfront

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
)

func TestAppendJSONStringIsValidJSON(t *testing.T) {
	cases := []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\x00\x01\x1f", "ünïcödé ✓ 𝄞",
		"bad utf8 \xff\xfe", "</script>", "\u2028\u2029"}
	for _, s := range cases {
		enc := appendJSONString(nil, s)
		var back string
		require.NoError(t, json.Unmarshal(enc, &back), "%q encoded as %s", s, enc)
		if utf8.ValidString(s) {
			assert.Equal(t, s, back)
		} else {
			assert.Equal(t, []rune(string([]rune(s))), []rune(back), "invalid bytes become U+FFFD")
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\x00", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if err := json.Unmarshal(appendJSONString(nil, s), &back); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("%q came back as %q", s, back)
		}
	})
}

func testResult(t *testing.T) *Result {
	mem := memory.NewGoAllocator()
	fields := []planner.Field{{Name: "s", Type: sqltype.Text}, {Name: "d", Type: sqltype.Decimal(6, 2)},
		{Name: "ts", Type: sqltype.Timestamp}, {Name: "b", Type: sqltype.Boolean}, {Name: "f", Type: sqltype.Double}}
	b := array.NewRecordBuilder(mem, arrowSchema(fields))
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"a,b", "", "say \"hi\"", "x"}, []bool{true, true, true, false})
	b.Field(1).(*array.Decimal128Builder).AppendValues(nil, nil)
	for _, v := range []string{"12.50", "-0.05", "0.00"} {
		n, err := sqltype.ParseDecimal(v, 6, 2)
		require.NoError(t, err)
		b.Field(1).(*array.Decimal128Builder).Append(n)
	}
	b.Field(1).AppendNull()
	b.Field(2).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{0, 1_500_000, 86_400_000_000, 0}, []bool{true, true, true, false})
	b.Field(3).(*array.BooleanBuilder).AppendValues([]bool{true, false, true, false}, []bool{true, true, true, false})
	b.Field(4).(*array.Float64Builder).AppendValues([]float64{1.5, 1e20, -0.25, 0}, []bool{true, true, true, false})
	return &Result{Fields: fields, Batches: []arrow.RecordBatch{b.NewRecordBatch()}, HasRows: true}
}

func TestWriteJSON(t *testing.T) {
	r := testResult(t)
	defer r.Release()
	var buf bytes.Buffer
	require.NoError(t, writeJSON(&buf, r))
	assert.JSONEq(t, `{"columns":[{"name":"s","type":"text"},{"name":"d","type":"decimal(6,2)"},{"name":"ts","type":"timestamp"},
		{"name":"b","type":"boolean"},{"name":"f","type":"double"}],
		"rows":[["a,b","12.50","1970-01-01 00:00:00",true,1.5],["","-0.05","1970-01-01 00:00:01.500000",false,1e20],
		["say \"hi\"","0.00","1970-01-02 00:00:00",true,-0.25],[null,null,null,null,null]]}`, buf.String())

	buf.Reset()
	require.NoError(t, writeJSON(&buf, &Result{AffectedRows: 3}))
	assert.JSONEq(t, `{"columns":[],"rows":[],"affected_rows":3}`, buf.String())
}

func TestWriteCSV(t *testing.T) {
	r := testResult(t)
	defer r.Release()
	var buf bytes.Buffer
	require.NoError(t, writeCSV(&buf, r))
	// NULL is an empty field; the empty string is a quoted empty field, so the two stay apart.
	assert.Equal(t, "s,d,ts,b,f\r\n"+
		"\"a,b\",12.50,1970-01-01 00:00:00,true,1.5\r\n"+
		"\"\",-0.05,1970-01-01 00:00:01.500000,false,1e20\r\n"+
		"\"say \"\"hi\"\"\",0.00,1970-01-02 00:00:00,true,-0.25\r\n"+
		",,,,\r\n", buf.String())
	records, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, []string{"say \"hi\"", "0.00", "1970-01-02 00:00:00", "true", "-0.25"}, records[3])
}

func TestDecodeSQLRequest(t *testing.T) {
	q, err := decodeSQLRequest([]byte("text/plain"), []byte("SELECT 1"))
	require.NoError(t, err)
	assert.Equal(t, "SELECT 1", q)
	q, err = decodeSQLRequest([]byte("application/json; charset=utf-8"), []byte(`{"query": "SELECT 'x'"}`))
	require.NoError(t, err)
	assert.Equal(t, "SELECT 'x'", q)
	for _, bad := range []string{`{"query": 1}`, `{"sql": "x"}`, `not json`, `{"query": "a"} {"query": "b"}`, ``} {
		_, err := decodeSQLRequest([]byte("application/json"), []byte(bad))
		assert.Error(t, err, bad)
	}
}

func FuzzDecodeSQLRequest(f *testing.F) {
	f.Add("application/json", `{"query": "SELECT 1"}`)
	f.Add("text/plain", "SELECT 1")
	f.Add("application/json", `{"query": "\u0000"}`)
	f.Add("application/json", `{`)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		q, err := decodeSQLRequest([]byte(contentType), []byte(body))
		if err == nil && q == "" && body != "" && !json.Valid([]byte(body)) {
			t.Fatalf("invalid body %q decoded to an empty query without an error", body)
		}
	})
}
