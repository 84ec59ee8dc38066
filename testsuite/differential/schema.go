package differential

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Type is what the generator knows of an expression's SQL type.
type Type uint8

const (
	TInt   Type = iota // INT, BIGINT
	TDec               // DECIMAL
	TFloat             // DOUBLE
	TText              // TEXT
	TTime              // DATETIME(6): vcube's TIMESTAMP
	TBool              // comparisons and logic: vcube's BOOLEAN, MariaDB's 1/0
)

func (t Type) String() string {
	return [...]string{"int", "decimal", "double", "text", "datetime", "bool"}[t]
}

func (t Type) numeric() bool { return t == TInt || t == TDec || t == TFloat }

// Column is a column of a table of the schema.
type Column struct {
	Name    string
	DDL     string // its type in CREATE TABLE, the same for both engines
	Type    Type
	NotNull bool
}

// Row is a row of a table: its values as SQL literals, and which INSERT statement writes it (vcube writes one
// chunk per INSERT, so rows spread over several batches exercise merges of chunks).
type Row struct {
	Batch  int
	Values []string
}

// Table is a table of the schema and its rows.
type Table struct {
	Name    string
	Alias   string // the alias queries give it
	Columns []Column
	Cube    string // Cube Store clauses vcube's CREATE TABLE adds after the column list (indexes); "" for none
	Rows    []Row
}

// Dataset is the schema and its data.
type Dataset struct {
	Tables []*Table
}

// Table returns the table named name.
func (d *Dataset) Table(name string) *Table {
	for _, t := range d.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Clone copies the dataset (rows included), so shrinking can drop rows.
func (d *Dataset) Clone() *Dataset {
	c := &Dataset{}
	for _, t := range d.Tables {
		nt := *t
		nt.Rows = append([]Row(nil), t.Rows...)
		c.Tables = append(c.Tables, &nt)
	}
	return c
}

// RowCount is the number of rows of every table together.
func (d *Dataset) RowCount() int {
	n := 0
	for _, t := range d.Tables {
		n += len(t.Rows)
	}
	return n
}

// CreateTable is the CREATE TABLE statement for t: MariaDB's (cube false) or vcube's, which adds t.Cube.
func (t *Table) CreateTable(cube bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", t.Name)
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Name + " " + c.DDL)
		if c.NotNull {
			b.WriteString(" NOT NULL")
		}
	}
	b.WriteString(")")
	if cube && t.Cube != "" {
		b.WriteString(" " + t.Cube)
	}
	return b.String()
}

// Inserts are the INSERT statements that write t's rows, one per batch, in batch order.
func (t *Table) Inserts() []string {
	batches := map[int][]string{}
	var order []int
	for _, r := range t.Rows {
		if _, ok := batches[r.Batch]; !ok {
			order = append(order, r.Batch)
		}
		batches[r.Batch] = append(batches[r.Batch], "("+strings.Join(r.Values, ", ")+")")
	}
	sortInts(order)
	var out []string
	for _, b := range order {
		out = append(out, fmt.Sprintf("INSERT INTO %s VALUES %s", t.Name, strings.Join(batches[b], ", ")))
	}
	return out
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// Setup is every statement that creates the dataset's tables and fills them, in the current schema.
func (d *Dataset) Setup(cube bool) []string {
	var out []string
	for _, t := range d.Tables {
		out = append(out, t.CreateTable(cube))
		out = append(out, t.Inserts()...)
	}
	return out
}

// Text values of the data: mixed case, spaces, LIKE's wildcards, accents, the empty string. No value is only
// spaces, holds a TAB or a newline, or reads NULL, so that results fit the sqllogictest format.
var words = []string{
	"alpha", "Alpha", "ALPHA", "beta", "gamma delta", "delta", "x_y", "50% off", "a%b", "héllo", "Zürich",
	"año", " padded", "trailing ", "", "b", "B", "apple pie", "Apple", "zeta", "mu", "nu", "omega", "ab", "ba",
}

// Generate builds the dataset: the same rows for every seed of the generator, so that a failure found with one
// seed reproduces with the same data.
func Generate() *Dataset {
	r := rand.New(rand.NewPCG(20240501, 7))
	d := &Dataset{}

	regions := &Table{Name: "regions", Alias: "r", Columns: []Column{
		{Name: "region_id", DDL: "int", Type: TInt},
		{Name: "name", DDL: "text", Type: TText},
		{Name: "country", DDL: "text", Type: TText},
		{Name: "pop", DDL: "bigint", Type: TInt},
	}}
	regionNames := []string{"North", "south", "East", "West", "Île-de-France", "Zürich", "Central", "north", "", "A_B", "50%", "Coast"}
	countries := []string{"FR", "DE", "IT", "fr", "ES"}
	for i := range 12 {
		id := fmt.Sprint(i + 1)
		if i == 11 {
			id = "NULL" // a dimension row no fact can join
		}
		name := quote(regionNames[i])
		if i == 6 {
			name = "NULL"
		}
		country := quote(countries[r.IntN(len(countries))])
		if i%5 == 3 {
			country = "NULL"
		}
		pop := fmt.Sprint(1000 + r.Int64N(5_000_000))
		if i%4 == 2 {
			pop = "NULL"
		}
		regions.Rows = append(regions.Rows, Row{Batch: i % 2, Values: []string{id, name, country, pop}})
	}

	products := &Table{Name: "products", Alias: "p", Columns: []Column{
		{Name: "product_id", DDL: "int", Type: TInt},
		{Name: "name", DDL: "text", Type: TText},
		{Name: "category", DDL: "text", Type: TText},
		{Name: "cost", DDL: "decimal(8,3)", Type: TDec},
		{Name: "weight", DDL: "double", Type: TFloat},
	}, Cube: "INDEX by_category (category, product_id)"}
	categories := []string{"toys", "Tools", "food", "tools", "garden"}
	for i := range 25 {
		id := i + 1
		if i == 24 {
			id = 7 // a key twice: a join matches two rows
		}
		name := quote(words[r.IntN(len(words))] + fmt.Sprint(" #", id))
		cat := quote(categories[r.IntN(len(categories))])
		if i%6 == 5 {
			cat = "NULL"
		}
		cost := fmt.Sprintf("%d.%03d", r.IntN(200), r.IntN(1000))
		if i%7 == 3 {
			cost = "NULL"
		}
		weight := floatLiteral(r, 50)
		if i%8 == 1 {
			weight = "NULL"
		}
		products.Rows = append(products.Rows, Row{Batch: i % 3, Values: []string{fmt.Sprint(id), name, cat, cost, weight}})
	}

	facts := &Table{Name: "facts", Alias: "f", Columns: []Column{
		{Name: "id", DDL: "int", Type: TInt, NotNull: true},
		{Name: "region_id", DDL: "int", Type: TInt},
		{Name: "product_id", DDL: "int", Type: TInt},
		{Name: "qty", DDL: "int", Type: TInt},
		{Name: "big", DDL: "bigint", Type: TInt},
		{Name: "amount", DDL: "decimal(12,2)", Type: TDec},
		{Name: "price", DDL: "double", Type: TFloat},
		{Name: "note", DDL: "text", Type: TText},
		{Name: "at", DDL: "datetime(6)", Type: TTime},
	}, Cube: "AGGREGATIONS (sum(qty), sum(amount), max(price)) " +
		"INDEX by_region (region_id, product_id) AGGREGATE INDEX agg_region (region_id, product_id)"}
	start := time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 400 {
		nullable := func(v string) string {
			if r.IntN(10) == 0 {
				return "NULL"
			}
			return v
		}
		region := nullable(fmt.Sprint(1 + r.IntN(13))) // 12 and 13 have no region
		product := nullable(fmt.Sprint(1 + r.IntN(27)))
		qty := nullable(fmt.Sprint(r.IntN(221) - 20))
		big := nullable(fmt.Sprint(r.Int64N(200_000_001) - 100_000_000))
		amount := nullable(fmt.Sprintf("%.2f", float64(r.IntN(550_000)-50_000)/100))
		price := nullable(floatLiteral(r, 1000))
		note := nullable(quote(words[r.IntN(len(words))]))
		at := start.Add(time.Duration(r.Int64N(int64(180 * 24 * time.Hour))))
		switch r.IntN(4) {
		case 0:
			at = at.Truncate(24 * time.Hour)
		case 1, 2:
			at = at.Truncate(time.Second)
		default:
			at = at.Truncate(time.Microsecond)
		}
		ts := nullable(quote(at.Format("2006-01-02 15:04:05.999999")))
		facts.Rows = append(facts.Rows, Row{Batch: i / 80, Values: []string{fmt.Sprint(i + 1), region, product, qty, big, amount, price, note, ts}})
	}
	d.Tables = []*Table{facts, regions, products}
	return d
}

// floatLiteral is a DOUBLE value: a few round values (which sums keep exact), or up to three decimals.
func floatLiteral(r *rand.Rand, scale int) string {
	nice := []string{"0", "1.5", "-2.25", "0.1", "0.5", "100", "-0.75", "3.125"}
	if r.IntN(3) == 0 {
		return nice[r.IntN(len(nice))]
	}
	v := float64(r.IntN(2*scale*1000)-scale*1000/5) / 1000
	return fmt.Sprint(v)
}

// quote makes a SQL string literal.
func quote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
}
