package storage

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
)

func mustType(t testing.TB, s string) sqltype.Type {
	t.Helper()
	typ, err := sqltype.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

// csvCols builds columns from "name type" pairs.
func csvCols(t testing.TB, spec ...string) []Column {
	t.Helper()
	cols := make([]Column, len(spec))
	for i, s := range spec {
		name, typ, _ := strings.Cut(s, " ")
		cols[i] = Column{Name: name, Type: mustType(t, typ)}
	}
	return cols
}

// writeCSVFile writes content to name in a fresh temp dir, gzipped when name ends in .gz.
func writeCSVFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	data := []byte(content)
	if strings.HasSuffix(strings.ToLower(name), ".gz") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
		data = buf.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// formatCell prints one value of a batch column; NULL for nulls, Go-quoted text for strings.
func formatCell(col arrow.Array, typ sqltype.Type, i int) string {
	if col.IsNull(i) {
		return "NULL"
	}
	switch a := col.(type) {
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Float64:
		return sqltype.FormatFloat(a.Value(i))
	case *array.Decimal128:
		return sqltype.FormatDecimal(a.Value(i), typ.Scale)
	case *array.String:
		return strconv.Quote(a.Value(i))
	case *array.Timestamp:
		return sqltype.FormatTimestamp(int64(a.Value(i)))
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i))
	}
	return "?"
}

// csvResult is what a read produced: rows as "a|b|c" in emit order, batch sizes, and the error.
type csvResult struct {
	rows    []string
	batches []int
	err     error
}

// readCSVFile reads a file with a checked allocator, checking the batches' schema and that nothing leaks.
func readCSVFile(t testing.TB, path string, cols []Column, opts CSVOptions) csvResult {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts.Mem = mem
	want := arrowSchema(cols)
	var res csvResult
	res.err = ReadCSV(context.Background(), path, cols, opts, func(b arrow.RecordBatch) error {
		if !b.Schema().Equal(want) {
			t.Errorf("batch schema %s, want %s", b.Schema(), want)
		}
		res.batches = append(res.batches, int(b.NumRows()))
		for r := range int(b.NumRows()) {
			cells := make([]string, len(cols))
			for c := range cols {
				cells[c] = formatCell(b.Column(c), cols[c].Type, r)
			}
			res.rows = append(res.rows, strings.Join(cells, "|"))
		}
		return nil
	})
	return res
}

// readCSV writes content to a file named name and reads it.
func readCSV(t testing.TB, name, content string, cols []Column, opts CSVOptions) csvResult {
	t.Helper()
	return readCSVFile(t, writeCSVFile(t, name, content), cols, opts)
}

func TestCSVTypes(t *testing.T) {
	cols := csvCols(t, "ti tinyint", "si smallint", "i int", "bi bigint", "d double", "dc decimal(5,2)",
		"w decimal(38,10)", "v varchar(3)", "s text", "ts timestamp", "b boolean")
	file := "" +
		"-128,-32768,-2147483648,-9223372036854775808,-1.5,-999.99,-1234567890123456789012345678.0123456789,,,1970-01-01,false\n" +
		"127,32767,2147483647,9223372036854775807,1e308,999.99,0.0000000001,ééé,hello,2024-02-29 23:59:59.999999,TRUE\n" +
		" 7 ,+12,2.5,-2.5,.5,-0.005,1e3,abc,\"a,b\",2024-01-02T03:04:05Z,1\n" +
		"\\N,\\N,\\N,\\N,\\N,\\N,\\N,\\N,\\N,\\N,\\N\n" +
		"\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\n" +
		"1e2,0,-0,007,-0,0.005,12.34567890125,\"\\N\",\" x \",2024-01-02 03:04:05+02:00,0\n" +
		"3,4,5,6,0.1,1.5,-0,a\"\"b,\"q\"\"q\",2000-01-01 00:00,False\n"
	got := readCSV(t, "types.csv", strings.Replace(file, "a\"\"b", "\"a\"\"b\"", 1), cols, CSVOptions{Workers: 1})
	if got.err != nil {
		t.Fatal(got.err)
	}
	want := []string{
		`-128|-32768|-2147483648|-9223372036854775808|-1.5|-999.99|-1234567890123456789012345678.0123456789|NULL|NULL|1970-01-01 00:00:00|false`,
		`127|32767|2147483647|9223372036854775807|1e308|999.99|0.0000000001|"ééé"|"hello"|2024-02-29 23:59:59.999999|true`,
		`7|12|3|-3|0.5|-0.01|1000.0000000000|"abc"|"a,b"|2024-01-02 03:04:05|true`,
		`NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL`,
		`NULL|NULL|NULL|NULL|NULL|NULL|NULL|""|""|NULL|NULL`,
		`100|0|0|7|-0|0.01|12.3456789013|"\\N"|" x "|2024-01-02 01:04:05|false`,
		`3|4|5|6|0.1|1.50|0.0000000000|"a\"b"|"q\"q"|2000-01-01 00:00:00|false`,
	}
	if !slices.Equal(got.rows, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got.rows, "\n"), strings.Join(want, "\n"))
	}
}

func TestCSVValueErrors(t *testing.T) {
	cols := csvCols(t, "ti tinyint", "i int", "bi bigint", "d double", "price decimal(5,2)", "v varchar(3)",
		"ts timestamp", "b boolean")
	good := []string{"1", "2", "3", "4.5", "6.78", "abc", "2024-01-01", "true"}
	tests := []struct {
		col   int
		value string
		code  int
		msg   string
	}{
		{0, "128", 1264, `column "ti": Out of range value: '128'`},
		{0, "-129", 1264, `column "ti": Out of range value: '-129'`},
		{1, "2147483648", 1264, `column "i": Out of range value: '2147483648'`},
		{1, "abc", 1366, `column "i": Incorrect integer value: 'abc'`},
		{1, "1x", 1366, `column "i": Incorrect integer value: '1x'`},
		{2, "9223372036854775808", 1264, `column "bi": Out of range value: '9223372036854775808'`},
		{2, "1e19", 1264, `column "bi": Out of range value: '1e19'`},
		{3, "1.2.3", 1366, `column "d": Incorrect double value: '1.2.3'`},
		{3, "1e400", 1264, `column "d": Out of range value: '1e400'`},
		{4, "1.2.3", 1366, `column "price": Incorrect decimal value: '1.2.3'`},
		{4, "1000", 1264, `column "price": Out of range value: '1000'`},
		{4, "999.995", 1264, `column "price": Out of range value: '999.995'`},
		{4, "\"\\N\"", 1366, `column "price": Incorrect decimal value: '\N'`},
		{5, "abcd", 1406, `column "v": Data too long for varchar(3): 'abcd'`},
		{5, "éééé", 1406, `column "v": Data too long for varchar(3): 'éééé'`},
		{6, "2024-02-30", 1292, `column "ts": Incorrect datetime value: '2024-02-30'`},
		{6, "2024-01-01 24:00:00", 1292, `column "ts": Incorrect datetime value: '2024-01-01 24:00:00'`},
		{6, "yesterday", 1292, `column "ts": Incorrect datetime value: 'yesterday'`},
		{7, "yes", 1366, `column "b": Incorrect boolean value: 'yes'`},
		{7, "2", 1366, `column "b": Incorrect boolean value: '2'`},
		{1, strings.Repeat("9", 100), 1264, `column "i": Out of range value: '` + strings.Repeat("9", 64) + `...'`},
	}
	for _, tc := range tests {
		t.Run(cols[tc.col].Name+"="+tc.value[:min(len(tc.value), 20)], func(t *testing.T) {
			row := slices.Clone(good)
			row[tc.col] = tc.value
			file := "ti,i,bi,d,price,v,ts,b\n" + strings.Join(good, ",") + "\n" + strings.Join(row, ",") + "\n" + strings.Join(good, ",") + "\n"
			got := readCSV(t, "a.csv", file, cols, CSVOptions{Header: true})
			checkCSVError(t, got.err, tc.code, "a.csv:3: "+tc.msg)
		})
	}
}

func TestCSVNotNull(t *testing.T) {
	cols := csvCols(t, "id int", "name text")
	cols[0].NotNull = true
	for _, tc := range []struct{ name, file, msg string }{
		{"empty field", "id,name\n1,a\n,b\n", "a.csv:3: Column 'id' cannot be null"},
		{"backslash N", "id,name\n1,a\n2,b\n\\N,c\n", "a.csv:4: Column 'id' cannot be null"},
		{"column not in the header", "name\na\n", "a.csv:1: Column 'id' cannot be null, and the header does not name it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkCSVError(t, readCSV(t, "a.csv", tc.file, cols, CSVOptions{Header: true}).err, 1048, tc.msg)
		})
	}
	// A quoted empty field is the empty string, not NULL, in a text column that may not be NULL.
	cols[1].NotNull = true
	if got := readCSV(t, "a.csv", "id,name\n1,\"\"\n", cols, CSVOptions{Header: true}); got.err != nil {
		t.Fatal(got.err)
	}
}

// checkCSVError checks a MySQL error's number and that its message ends with msg (the path's directory aside).
func checkCSVError(t testing.TB, err error, code int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %d %s", code, msg)
	}
	se := sqlerr.From(err)
	if int(se.Num) != code || !strings.HasSuffix(se.Message, "/"+msg) {
		t.Errorf("error %d %q, want %d ending in %q", se.Num, se.Message, code, "/"+msg)
	}
}

func TestCSVHeader(t *testing.T) {
	cols := csvCols(t, "id bigint", "Name text", "amount decimal(10,2)")
	tests := []struct {
		name, file string
		want       []string
		code       int
		msg        string
	}{
		{name: "in order", file: "id,name,amount\n1,a,2.5\n", want: []string{`1|"a"|2.50`}},
		{name: "reordered, any case, spaces", file: "AMOUNT , NAME,Id\n2.5,a,1\n", want: []string{`1|"a"|2.50`}},
		{name: "quoted names", file: "\"amount\",\"name\",\"id\"\r\n2.5,a,1\r\n", want: []string{`1|"a"|2.50`}},
		{name: "missing column", file: "amount,id\n2.5,1\n3,2\n", want: []string{`1|NULL|2.50`, `2|NULL|3.00`}},
		{name: "one column", file: "name\nx\n\ny\n", want: []string{`NULL|"x"|NULL`, `NULL|"y"|NULL`}},
		{name: "unknown column", file: "id,name,price\n1,a,2\n", code: 1054, msg: `a.csv:1: unknown column "price" in the header`},
		{name: "duplicate", file: "id,name,ID\n1,a,2\n", code: 1060, msg: `a.csv:1: column "ID" appears twice in the header`},
		{name: "empty header", file: "\n1,a,2\n", code: 1064, msg: `a.csv:1: malformed CSV: the header line is empty`},
		{name: "too many fields", file: "id,name\n1,a\n2,b,c\n", code: 1136, msg: `a.csv:3: the record has 3 fields, expected 2`},
		{name: "too few fields", file: "id,name\n1,a\n2\n", code: 1136, msg: `a.csv:3: the record has 1 fields, expected 2`},
		{name: "bad quote in header", file: "id,na\"me\n", code: 1064, msg: `a.csv:1: malformed CSV: a quote (") in an unquoted field; quote the field and double the quote`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := readCSV(t, "a.csv", tc.file, cols, CSVOptions{Header: true, Workers: 1})
			if tc.code != 0 {
				checkCSVError(t, got.err, tc.code, tc.msg)
				return
			}
			if got.err != nil {
				t.Fatal(got.err)
			}
			if !slices.Equal(got.rows, tc.want) {
				t.Errorf("rows %q, want %q", got.rows, tc.want)
			}
		})
	}
}

func TestCSVFormat(t *testing.T) {
	cols := csvCols(t, "a text", "b int")
	tests := []struct {
		name, file string
		delim      byte
		want       []string
		code       int
		msg        string
	}{
		{name: "embedded delimiter", file: "\"x,y\",1\n", want: []string{`"x,y"|1`}},
		{name: "doubled quotes", file: "\"say \"\"hi\"\"\",1\n\"\"\"\",2\n", want: []string{`"say \"hi\""|1`, `"\""|2`}},
		{name: "newlines in quotes", file: "\"l1\nl2\r\nl3\r\",1\n\"\n\",2\n", want: []string{`"l1\nl2\r\nl3\r"|1`, `"\n"|2`}},
		{name: "crlf", file: "a,1\r\nb,2\r\n", want: []string{`"a"|1`, `"b"|2`}},
		{name: "no final newline", file: "a,1\nb,2", want: []string{`"a"|1`, `"b"|2`}},
		{name: "cr at the end", file: "a,1\r\nb,2\r", want: []string{`"a"|1`, `"b"|2`}},
		{name: "quoted last field at the end", file: "a,\"2\"", want: []string{`"a"|2`}},
		{name: "quoted last field, cr at the end", file: "a,\"2\"\r", want: []string{`"a"|2`}},
		{name: "lone cr is data", file: "a\rb,1\n", want: []string{`"a\rb"|1`}},
		{name: "empty lines skipped", file: "\n\na,1\n\r\n\nb,2\n\n\n", want: []string{`"a"|1`, `"b"|2`}},
		{name: "byte order mark", file: "\xEF\xBB\xBFa,1\n", want: []string{`"a"|1`}},
		{name: "trailing delimiter is an empty field", file: "a,\n,\n", want: []string{`"a"|NULL`, `NULL|NULL`}},
		{name: "tab", file: "x,y\t1\n\"a\tb\"\t2\n", delim: '\t', want: []string{`"x,y"|1`, `"a\tb"|2`}},
		{name: "semicolon", file: "x,y;1\n", delim: ';', want: []string{`"x,y"|1`}},
		{name: "spaces kept in text", file: " a ,1\n", want: []string{`" a "|1`}},
		{name: "bare quote", file: "a,1\nb\"c,2\n", code: 1064, msg: `a.csv:2: malformed CSV: a quote (") in an unquoted field; quote the field and double the quote`},
		{name: "text after closing quote", file: "a,1\n\"b\"c,2\n", code: 1064, msg: `a.csv:2: malformed CSV: unexpected text after a closing quote`},
		{name: "unclosed quote", file: "a,1\n\"b,2\nc,3\n", code: 1064, msg: `a.csv:2: malformed CSV: a quoted field is not closed`},
		{name: "one field", file: "a,1\nb\n", code: 1136, msg: `a.csv:2: the record has 1 fields, expected 2`},
		{name: "three fields", file: "a,1\nb,2,\n", code: 1136, msg: `a.csv:2: the record has 3 fields, expected 2`},
		{name: "count after a multi-line record", file: "\"a\n\nb\",1\nc\n", code: 1136, msg: `a.csv:4: the record has 1 fields, expected 2`},
		{name: "line of the field in a multi-line record", file: "\"a\n\nb\",x\n", code: 1366, msg: `a.csv:3: column "b": Incorrect integer value: 'x'`},
		{name: "line after empty lines", file: "a,1\n\n\r\nb,x\n", code: 1366, msg: `a.csv:4: column "b": Incorrect integer value: 'x'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, bs := range []int{0, 1, 3} {
				got := readCSV(t, "a.csv", tc.file, cols, CSVOptions{Delimiter: tc.delim, Workers: 1, blockSize: bs})
				if tc.code != 0 {
					checkCSVError(t, got.err, tc.code, tc.msg)
					continue
				}
				if got.err != nil {
					t.Fatalf("block size %d: %v", bs, got.err)
				}
				if !slices.Equal(got.rows, tc.want) {
					t.Errorf("block size %d: rows %q, want %q", bs, got.rows, tc.want)
				}
			}
		})
	}
}

func TestCSVNoRows(t *testing.T) {
	cols := csvCols(t, "a text", "b int")
	for _, tc := range []struct {
		name, file string
		header     bool
	}{
		{"empty", "", false},
		{"empty with header", "", true},
		{"empty lines", "\n\r\n\n", false},
		{"header only", "a,b\n", true},
		{"header only without newline", "b,a", true},
		{"header only, crlf", "a,b\r\n", true},
		{"header and empty lines", "a,b\n\n", true},
		{"gzip empty", "", false},
	} {
		for _, name := range []string{"x.csv", "x.csv.gz"} {
			got := readCSV(t, name, tc.file, cols, CSVOptions{Header: tc.header})
			if got.err != nil || len(got.rows) != 0 || len(got.batches) != 0 {
				t.Errorf("%s %s: rows %q, batches %v, error %v", tc.name, name, got.rows, got.batches, got.err)
			}
		}
	}
	// A zero-byte file named .gz is empty too, not a broken gzip stream.
	path := filepath.Join(t.TempDir(), "zero.csv.gz")
	os.WriteFile(path, nil, 0o644)
	if got := readCSVFile(t, path, cols, CSVOptions{}); got.err != nil || len(got.rows) != 0 {
		t.Errorf("zero-byte .gz: rows %q, error %v", got.rows, got.err)
	}
}

func TestCSVGzip(t *testing.T) {
	cols := csvCols(t, "a text", "b int")
	got := readCSV(t, "a.csv.GZ", "a,b\n\"x\ny\",1\nz,2\n", cols, CSVOptions{Header: true, Workers: 1, blockSize: 2})
	if want := []string{`"x\ny"|1`, `"z"|2`}; got.err != nil || !slices.Equal(got.rows, want) {
		t.Errorf("rows %q, error %v; want %q", got.rows, got.err, want)
	}
	got = readCSV(t, "b.csv.gz", "a,b\nx,1\ny,oops\n", cols, CSVOptions{Header: true})
	checkCSVError(t, got.err, 1366, `b.csv.gz:3: column "b": Incorrect integer value: 'oops'`)

	// Concatenated gzip members are one stream, as gunzip reads them.
	var buf bytes.Buffer
	for _, part := range []string{"a,1\n", "b,2\n"} {
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(part))
		zw.Close()
	}
	path := filepath.Join(t.TempDir(), "multi.csv.gz")
	os.WriteFile(path, buf.Bytes(), 0o644)
	got = readCSVFile(t, path, cols, CSVOptions{Workers: 1})
	if want := []string{`"a"|1`, `"b"|2`}; got.err != nil || !slices.Equal(got.rows, want) {
		t.Errorf("multi-member: rows %q, error %v; want %q", got.rows, got.err, want)
	}

	// A damaged stream is an error, not a short read.
	data := buf.Bytes()
	data[len(data)-6] ^= 0xff // the CRC of the last member
	os.WriteFile(path, data, 0o644)
	if got = readCSVFile(t, path, cols, CSVOptions{}); got.err == nil {
		t.Errorf("damaged gzip read without error: %q", got.rows)
	}
	os.WriteFile(path, []byte("not gzip at all\n"), 0o644)
	if got = readCSVFile(t, path, cols, CSVOptions{}); got.err == nil {
		t.Errorf("plain text named .gz read without error: %q", got.rows)
	}
}

func TestCSVOpenErrors(t *testing.T) {
	cols := csvCols(t, "a text")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	noEmit := func(arrow.RecordBatch) error { t.Error("emit called"); return nil }
	err := ReadCSV(context.Background(), filepath.Join(t.TempDir(), "missing.csv"), cols, CSVOptions{Mem: mem}, noEmit)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	path := writeCSVFile(t, "a.csv", "x\n")
	if err := ReadCSV(context.Background(), path, cols, CSVOptions{}, noEmit); err == nil {
		t.Error("no allocator: no error")
	}
	if err := ReadCSV(context.Background(), path, cols, CSVOptions{Mem: mem, Delimiter: '"'}, noEmit); err == nil {
		t.Error("quote as delimiter: no error")
	}
	if err := ReadCSV(context.Background(), path, nil, CSVOptions{Mem: mem}, noEmit); err == nil {
		t.Error("no columns: no error")
	}
}

var csvTestCols = []Column{
	{Name: "id", Type: sqltype.BigInt},
	{Name: "note", Type: sqltype.Text},
	{Name: "amount", Type: sqltype.Decimal(12, 3)},
	{Name: "at", Type: sqltype.Timestamp},
	{Name: "ok", Type: sqltype.Boolean},
	{Name: "ratio", Type: sqltype.Double},
}

// generateCSV writes n rows with encoding/csv (which quotes what needs quoting) and returns the file and the
// rows ReadCSV must produce, sorted.
func generateCSV(t testing.TB, n int, seed uint64, crlf bool) (string, []string) {
	rng := rand.New(rand.NewPCG(seed, 7))
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = crlf
	w.Write([]string{"id", "note", "amount", "at", "ok", "ratio"})
	pieces := []string{"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r\nlf", "", "é"}
	var want []string
	for i := range n {
		note := pieces[rng.IntN(len(pieces))] + pieces[rng.IntN(len(pieces))]
		amount := fmt.Sprintf("%d.%03d", rng.IntN(1e6)-5e5, rng.IntN(1000))
		at := time.Unix(rng.Int64N(2e9), 0).UTC().Format("2006-01-02 15:04:05")
		ok := rng.IntN(2) == 0
		ratio := float64(rng.IntN(1e6)) / 64
		rec := []string{strconv.Itoa(i), note, amount, at, strconv.FormatBool(ok), strconv.FormatFloat(ratio, 'f', -1, 64)}
		cells := []string{strconv.Itoa(i), strconv.Quote(note), "", at, strconv.FormatBool(ok), sqltype.FormatFloat(ratio)}
		d, _ := sqltype.ParseDecimal(amount, 12, 3)
		cells[2] = sqltype.FormatDecimal(d, 3)
		if note == "" {
			cells[1] = "NULL" // encoding/csv writes an empty string unquoted
		}
		if rng.IntN(10) == 0 {
			rec[5], cells[5] = `\N`, "NULL"
		}
		if crlf {
			// encoding/csv turns \n inside quoted fields into \r\n when UseCRLF is set.
			cells[1] = strings.ReplaceAll(cells[1], `\r\n`, `\n`)
			cells[1] = strings.ReplaceAll(cells[1], `\n`, `\r\n`)
		}
		w.Write(rec)
		want = append(want, strings.Join(cells, "|"))
	}
	w.Flush()
	slices.Sort(want)
	return buf.String(), want
}

func TestCSVBlocksAndWorkers(t *testing.T) {
	content, want := generateCSV(t, 3000, 1, false)
	crlfContent, crlfWant := generateCSV(t, 500, 2, true)
	for _, name := range []string{"gen.csv", "gen.csv.gz"} {
		path := writeCSVFile(t, name, content)
		crlfPath := writeCSVFile(t, "crlf-"+name, crlfContent)
		for _, tc := range []struct{ block, workers, batch int }{
			{0, 1, 0}, {0, 4, 0}, {1, 2, 1000}, {17, 3, 7}, {100, 2, 64}, {4096, 8, 0}, {65536, 2, 333},
		} {
			for _, f := range []struct {
				path string
				want []string
			}{{path, want}, {crlfPath, crlfWant}} {
				opts := CSVOptions{Header: true, Workers: tc.workers, BatchRows: tc.batch, blockSize: tc.block}
				got := readCSVFile(t, f.path, csvTestCols, opts)
				if got.err != nil {
					t.Fatalf("%s %+v: %v", filepath.Base(f.path), tc, got.err)
				}
				slices.Sort(got.rows)
				if !slices.Equal(got.rows, f.want) {
					t.Fatalf("%s %+v: %d rows differ from the %d written", filepath.Base(f.path), tc, len(got.rows), len(f.want))
				}
				batch := orDefault(tc.batch, csvBatchRows)
				for _, n := range got.batches {
					if n < 1 || n > batch {
						t.Errorf("%s %+v: a batch of %d rows", filepath.Base(f.path), tc, n)
					}
				}
				if tc.workers == 1 && tc.batch > 0 && len(got.batches) != (len(f.want)+tc.batch-1)/tc.batch {
					t.Errorf("%+v: %d batches of %d rows for %d rows", tc, len(got.batches), tc.batch, len(f.want))
				}
			}
		}
	}
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// TestCSVFirstError checks that the error is the first one in the file whatever the blocks and workers: the
// file has bad values on several lines, after multi-line quoted fields.
func TestCSVFirstError(t *testing.T) {
	cols := csvCols(t, "a text", "b int")
	var sb strings.Builder
	line := 1
	for i := range 400 {
		switch {
		case i%3 == 0:
			sb.WriteString("\"multi\nline\n\",1\n")
			line += 3
		default:
			sb.WriteString("x,2\n")
			line++
		}
	}
	firstBad := line
	sb.WriteString("y,bad1\n\"z\n\",3\n")
	for range 300 {
		sb.WriteString("w,\"bad2\"\n")
	}
	for _, name := range []string{"e.csv", "e.csv.gz"} {
		path := writeCSVFile(t, name, sb.String())
		for _, bs := range []int{1, 5, 64, 1000, 0} {
			for _, workers := range []int{1, 2, 5} {
				got := readCSVFile(t, path, cols, CSVOptions{Workers: workers, BatchRows: 50, blockSize: bs})
				checkCSVError(t, got.err, 1366, fmt.Sprintf(`%s:%d: column "b": Incorrect integer value: 'bad1'`, name, firstBad))
			}
		}
	}
}

func TestCSVLongRecord(t *testing.T) {
	cols := csvCols(t, "a text", "b int")
	long := strings.Repeat("x", 5000)
	// A long record is read whole, growing the buffer past the block size.
	got := readCSV(t, "a.csv", "a,1\n\""+long+"\n\",2\nb,3\n", cols, CSVOptions{Workers: 2, blockSize: 16})
	slices.Sort(got.rows)
	want := []string{strconv.Quote(long+"\n") + "|2", `"a"|1`, `"b"|3`}
	slices.Sort(want)
	if got.err != nil || !slices.Equal(got.rows, want) {
		t.Errorf("rows %.40q, error %v", got.rows, got.err)
	}
	// An unclosed quote must not read the whole file into memory.
	got = readCSV(t, "a.csv", "a,1\n\"b,2\n"+strings.Repeat("c,3\n", 1000), cols, CSVOptions{blockSize: 16, maxRecord: 256})
	checkCSVError(t, got.err, 1064, "a.csv:2: a record is longer than 256 bytes (is a quoted field not closed?)")
	got = readCSV(t, "a.csv", "\"a,b\n"+strings.Repeat("c,3\n", 1000), cols, CSVOptions{Header: true, blockSize: 16, maxRecord: 256})
	checkCSVError(t, got.err, 1064, "a.csv:1: a record is longer than 256 bytes (is a quoted field not closed?)")
}

func TestCSVCancel(t *testing.T) {
	content, _ := generateCSV(t, 20000, 3, false)
	path := writeCSVFile(t, "big.csv", content)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts := CSVOptions{Header: true, Mem: mem, BatchRows: 100, blockSize: 4096, Workers: 2}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ReadCSV(ctx, path, csvTestCols, opts, func(arrow.RecordBatch) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}

	// Cancelled after the first batch: the read stops with the context's error and emit is not called again.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	err := ReadCSV(ctx, path, csvTestCols, opts, func(arrow.RecordBatch) error {
		if calls.Add(1) == 1 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls.Load() != 1 {
		t.Errorf("cancelled in emit: %v after %d batches", err, calls.Load())
	}

	// emit's error ends the read and is returned as is.
	stop := errors.New("stop")
	calls.Store(0)
	err = ReadCSV(context.Background(), path, csvTestCols, opts, func(b arrow.RecordBatch) error {
		calls.Add(1)
		return stop
	})
	if err != stop || calls.Load() != 1 {
		t.Errorf("emit error: %v after %d batches", err, calls.Load())
	}

	// A deadline during the read: it ends promptly.
	ctx, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel2()
	start := time.Now()
	err = ReadCSV(ctx, path, csvTestCols, opts, func(arrow.RecordBatch) error { time.Sleep(time.Millisecond); return nil })
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("deadline: %v after %s", err, time.Since(start))
	}
}

// TestCSVFastParsers checks that the byte-slice fast paths give what internal/sqltype gives for every input
// they accept.
func TestCSVFastParsers(t *testing.T) {
	inputs := []string{"0", "-0", "+0", "7", "-7", "007", "123456789012345678", "-999999999999999999",
		"1234567890123456789", "1.5", "-1.5", ".5", "5.", "-.5", ".", "+", "-", "", "1.2.3", "1e3", " 1", "1 ",
		"0.000", "-0.000", "9007199254740993", "900719925474099.3", "0.1", "0.3", "123.456", "1.0000000000000000000000001",
		"12.345", "99999.999", "0.00000000000000000000001", "2024-01-01", "2024-02-29", "2023-02-29", "0000-01-01",
		"9999-12-31 23:59:59", "2024-01-01 00:00:00.1", "2024-01-01T12:34:56.123456789", "2024-01-01 12:34:56.",
		"2024-01-01 12:34:56.1234567890", "2024-1-1", "2024-01-01 1:2:3", "2024-01-01 12:34", "2024-13-01",
		"1969-12-31 23:59:59.999999", "1900-03-01 00:00:00", "2100-02-29", "2000-02-29", "2024-01-01 12:34:60"}
	rng := rand.New(rand.NewPCG(5, 5))
	alphabet := "0123456789.-+ e:T"
	for range 20000 {
		b := make([]byte, rng.IntN(22))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
		ts := time.Unix(rng.Int64N(4e11)-2e11, rng.Int64N(1e9)).UTC().Format("2006-01-02 15:04:05.999999999")
		inputs = append(inputs, ts, strings.Replace(ts, " ", "T", 1))
	}
	for _, s := range inputs {
		checkFastParsers(t, s)
	}
}

func checkFastParsers(t testing.TB, s string) {
	t.Helper()
	b := []byte(s)
	if v, ok := parseIntFast(b); ok {
		if w, err := sqltype.ParseInt(s); err != nil || w != v {
			t.Errorf("int %q: fast %d, sqltype %d %v", s, v, w, err)
		}
	}
	if v, ok := parseFloatFast(b); ok {
		if w, err := sqltype.ParseFloat(s); err != nil || w != v || (w == 0 && 1/w != 1/v) {
			t.Errorf("float %q: fast %v, sqltype %v %v", s, v, w, err)
		}
	}
	for _, ps := range [][2]int{{18, 2}, {5, 2}, {38, 10}, {3, 0}, {10, 3}} {
		if v, ok := parseDecimalFast(b, ps[0], ps[1]); ok {
			if w, err := sqltype.ParseDecimal(s, ps[0], ps[1]); err != nil || w != v {
				t.Errorf("decimal(%d,%d) %q: fast %v, sqltype %v %v", ps[0], ps[1], s, v, w, err)
			}
		}
	}
	if v, ok := parseTimestampFast(b); ok {
		if w, err := sqltype.ParseTimestamp(s); err != nil || w != v {
			t.Errorf("timestamp %q: fast %d, sqltype %d %v", s, v, w, err)
		}
	}
}

func FuzzCSVFastParsers(f *testing.F) {
	for _, s := range []string{"12", "-1.25", "2024-01-01 00:00:00.5", ".5", "1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkFastParsers(t, s) })
}

// FuzzReadCSV reads arbitrary bytes as a CSV file: it must never panic or leak, and splitting it into tiny
// blocks parsed field by field by several workers must give the same rows, or the same error, as one block,
// one worker and the quick path for lines without quotes.
func FuzzReadCSV(f *testing.F) {
	seeds := []string{
		"id,note,amount,at,ok,ratio\n1,x,1.5,2024-01-01,true,0.5\n",
		"1,\"a\"\"b\",2,2024-01-01 00:00:00,0,1e3\r\n2,\"multi\nline\",-3.25,2024-02-29T12:00:00Z,FALSE,\\N\n",
		"1,,,,,\n\n2,\"\",\"\",\"\",\"\",\"\"",
		"1,a\"b,1,x,y,z\n",
		"\"unclosed,1,2\n3,4,5,6\n",
		"\xEF\xBB\xBFnote,id\n\"x\r\n\",7\r\n",
		"1,2,3\n4,5,6,7,8,9,10\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, header bool) {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ref := readCSVFile(t, path, csvTestCols, CSVOptions{Header: header, Workers: 1})
		got := readCSVFile(t, path, csvTestCols, CSVOptions{Header: header, Workers: 3, BatchRows: 2, blockSize: 3, noQuickLine: true})
		if (ref.err == nil) != (got.err == nil) || ref.err != nil && ref.err.Error() != got.err.Error() {
			t.Fatalf("one block: %v; tiny blocks: %v", ref.err, got.err)
		}
		if ref.err == nil {
			slices.Sort(ref.rows)
			slices.Sort(got.rows)
			if !slices.Equal(ref.rows, got.rows) {
				t.Fatalf("one block: %q; tiny blocks: %q", ref.rows, got.rows)
			}
		}
	})
}

var csvBenchCols = []Column{
	{Name: "day", Type: sqltype.Timestamp},
	{Name: "country", Type: sqltype.Text},
	{Name: "device", Type: sqltype.Text},
	{Name: "channel", Type: sqltype.Text},
	{Name: "zip", Type: sqltype.Type{Kind: sqltype.KindInt, Name: "int"}},
	{Name: "views", Type: sqltype.BigInt},
	{Name: "clicks", Type: sqltype.BigInt},
	{Name: "revenue", Type: sqltype.Decimal(18, 2)},
	{Name: "cost", Type: sqltype.Decimal(18, 2)},
	{Name: "price", Type: sqltype.Double},
}

// writeBenchCSV writes a rollup-shaped file of n rows (the same bytes for the same n) and its gzip copy, and
// returns both paths and the size of the text.
func writeBenchCSV(b *testing.B, dir string, n int) (plain, gz string, size int64) {
	rng := rand.New(rand.NewPCG(11, 12))
	countries := []string{"US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "AU", "ES", "IT", "NL"}
	devices := []string{"desktop", "mobile", "tablet"}
	channels := []string{"organic", "paid_search", "social", "email", "referral", "display"}
	var buf []byte
	buf = append(buf, "day,country,device,channel,zip,views,clicks,revenue,cost,price\n"...)
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		buf = day.Add(time.Duration(i/2000)*time.Hour).AppendFormat(buf, "2006-01-02 15:04:05")
		buf = append(buf, ',')
		buf = append(buf, countries[rng.IntN(len(countries))]...)
		buf = append(buf, ',')
		buf = append(buf, devices[rng.IntN(len(devices))]...)
		buf = append(buf, ',')
		buf = append(buf, channels[rng.IntN(len(channels))]...)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, 10000+rng.Int64N(89999), 10)
		buf = append(buf, ',')
		views := rng.Int64N(1_000_000)
		buf = strconv.AppendInt(buf, views, 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, views/(1+rng.Int64N(50)), 10)
		for range 2 {
			buf = append(buf, ',')
			cents := rng.Int64N(100_000_000)
			buf = strconv.AppendInt(buf, cents/100, 10)
			buf = append(buf, '.', byte('0'+cents/10%10), byte('0'+cents%10))
		}
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, float64(rng.IntN(1_000_000))/1000, 'f', -1, 64)
		buf = append(buf, '\n')
	}
	plain = filepath.Join(dir, "rollup.csv")
	if err := os.WriteFile(plain, buf, 0o644); err != nil {
		b.Fatal(err)
	}
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	zw.Write(buf)
	zw.Close()
	gz = plain + ".gz"
	if err := os.WriteFile(gz, zbuf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return plain, gz, int64(len(buf))
}

// BenchmarkReadCSV reads a 1M-row, 10-column rollup file, plain and gzipped, with one worker and with
// GOMAXPROCS workers. MB/s counts the CSV text (uncompressed).
func BenchmarkReadCSV(b *testing.B) {
	const rows = 1_000_000
	plain, gz, size := writeBenchCSV(b, b.TempDir(), rows)
	for _, file := range []struct{ name, path string }{{"plain", plain}, {"gz", gz}} {
		for _, workers := range slices.Compact([]int{1, runtime.GOMAXPROCS(0)}) {
			b.Run(fmt.Sprintf("%s/workers=%d", file.name, workers), func(b *testing.B) {
				b.SetBytes(size)
				b.ReportAllocs()
				opts := CSVOptions{Header: true, Workers: workers, Mem: memory.NewGoAllocator()}
				for b.Loop() {
					var n int64
					err := ReadCSV(context.Background(), file.path, csvBenchCols, opts, func(r arrow.RecordBatch) error {
						n += r.NumRows()
						return nil
					})
					if err != nil || n != rows {
						b.Fatalf("%d rows, %v", n, err)
					}
				}
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
