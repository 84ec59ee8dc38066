package bench

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The workload: a rollup fact table of orders, one row per (hour, product, zip code, platform, gender) that saw
// orders, over two years, with skewed (Zipf-like) dimension values, and a small product dimension table to join.
// Every value is a pure function of (seed, row number), so the same seed gives the same bytes on every machine
// and Go version, and the rows can be formatted in parallel.

// GeneratorVersion changes whenever the generated values change, so that cached data of an older generator is
// made again rather than reused.
const GeneratorVersion = 1

const (
	// Hours is the number of hours the table spans: 2023-01-01 00:00 to 2024-12-31 23:00 (731 days).
	Hours = 731 * 24
	// Categories, Products and ZipCodes are the distinct values of those dimensions.
	Categories = 20
	Products   = 2000
	ZipCodes   = 40000
	// Brands are the distinct brands of the product dimension table.
	Brands = 50
)

// Start is the hour of the first row.
var Start = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

// CategoryNames are the product categories, by id.
var CategoryNames = [Categories]string{"Electronics", "Books", "Clothing", "Home", "Garden", "Toys", "Sports",
	"Beauty", "Health", "Grocery", "Automotive", "Music", "Movies", "Games", "Office", "Pets", "Baby", "Jewelry",
	"Shoes", "Tools"}

// Platforms and Genders are the low-cardinality dimensions with their shares of rows (in thousandths).
var (
	Platforms       = []string{"web", "ios", "android", "desktop", "kiosk"}
	platformWeights = []float64{420, 250, 230, 70, 30}
	Genders         = []string{"female", "male", "unknown"}
	genderWeights   = []float64{490, 470, 40}
)

// Zipf exponents: how skewed each dimension is. With these, the most frequent zip code holds about 2.7% of the
// rows and the most frequent product about 1.5%.
const (
	zipSkew      = 0.8
	productSkew  = 0.9
	categorySkew = 0.7
)

// Row is one row of bench.orders. Money is held in cents so that sums are exact.
type Row struct {
	Hour       int // hours since Start
	Category   int // index into CategoryNames
	Product    int // product id, 0..Products-1
	Zip        int // the zip code itself (10001..89999, odd)
	Platform   int // index into Platforms
	Gender     int // index into Genders
	Count      int64
	TotalCents int64 // order_total, DECIMAL(18,2)
	PriceCents int64 // unit_price, a DOUBLE holding a whole number of cents
}

// Product is one row of bench.products, the dimension table.
type Product struct {
	ID            int
	Category      int
	Brand         int
	ListPriceCent int64
}

// ProductName is the product_name value of a product id.
func ProductName(id int) string {
	return fmt.Sprintf("%s %04d", CategoryNames[productCategory(id)], id)
}

// BrandName is the brand value of a brand id.
func BrandName(id int) string { return fmt.Sprintf("Brand %02d", id) }

// ZipOf is the zip code of the zip rank r (0 the most frequent): ranks are spread over the code space so that
// frequent codes are not neighbours.
func ZipOf(rank int) int { return 10001 + 2*((rank*7919)%ZipCodes) }

// Generator makes the rows of one data set.
type Generator struct {
	Seed uint64
	Rows int64
	zip  cdf
	prod cdf
	plat cdf
	gend cdf
}

// NewGenerator prepares the samplers of a data set of n rows.
func NewGenerator(seed uint64, n int64) *Generator {
	return &Generator{Seed: seed, Rows: n,
		zip:  zipfCDF(ZipCodes, zipSkew),
		prod: zipfCDF(Products, productSkew),
		plat: weightsCDF(platformWeights),
		gend: weightsCDF(genderWeights),
	}
}

// Row computes row i (0-based).
func (g *Generator) Row(i int64) Row {
	h := func(field uint64) uint64 { return mix(g.Seed, uint64(i), field) }
	product := g.prod.pick(h(1))
	r := Row{
		// Rows are in time order, spread evenly over the hours, as a rollup is appended to hour by hour.
		Hour:     int(i * Hours / max(g.Rows, 1)),
		Product:  product,
		Category: productCategory(product),
		Zip:      ZipOf(g.zip.pick(h(2))),
		Platform: g.plat.pick(h(3)),
		Gender:   g.gend.pick(h(4)),
	}
	// Orders per row: mostly 1-3, a long tail up to 40.
	r.Count = 1 + int64(math.Min(39, math.Floor(math.Log(unit(h(5)))/math.Log(0.55))))
	// The unit price is the product's list price less a discount of 0-20%, in steps of 5%.
	list := productListPrice(product)
	discount := int64(h(6) % 5 * 5)
	r.PriceCents = list * (100 - discount) / 100
	r.TotalCents = r.Count * r.PriceCents
	return r
}

// Product computes the dimension row of product id.
func (g *Generator) Product(id int) Product {
	return Product{ID: id, Category: productCategory(id), Brand: int(mix(g.Seed, uint64(id), 11) % Brands),
		ListPriceCent: productListPrice(id)}
}

// productCategory assigns products to categories, skewed: some categories have many more products (and so more
// rows) than others. It does not depend on the seed, so product names are the same in every data set.
func productCategory(id int) int {
	return categoryCDF.pick(mix(0, uint64(id), 12))
}

var categoryCDF = zipfCDF(Categories, categorySkew)

// productListPrice is a product's list price in cents: log-uniform between 1.99 and 499.99, the same in every
// data set.
func productListPrice(id int) int64 {
	u := unit(mix(0, uint64(id), 13))
	return int64(math.Exp(math.Log(199) + u*(math.Log(49999)-math.Log(199))))
}

// mix hashes (seed, row, field) into 64 well-mixed bits (splitmix64's finaliser over a combination).
func mix(seed, row, field uint64) uint64 {
	z := seed*0x9e3779b97f4a7c15 ^ row*0xbf58476d1ce4e5b9 ^ (field+1)*0x94d049bb133111eb
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	// A second round: rows differ in few bits, and one round leaves the fields of neighbouring rows correlated.
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// unit maps 64 random bits to (0, 1].
func unit(x uint64) float64 { return (float64(x>>11) + 1) / (1 << 53) }

// cdf is a cumulative distribution over 0..len-1, sampled by binary search.
type cdf []float64

func (c cdf) pick(x uint64) int {
	u := unit(x) * c[len(c)-1]
	i := sort.SearchFloat64s(c, u)
	return min(i, len(c)-1)
}

func zipfCDF(n int, s float64) cdf {
	c := make(cdf, n)
	total := 0.0
	for k := range n {
		total += 1 / math.Pow(float64(k+1), s)
		c[k] = total
	}
	return c
}

func weightsCDF(w []float64) cdf {
	c := make(cdf, len(w))
	total := 0.0
	for i, x := range w {
		total += x
		c[i] = total
	}
	return c
}

// OrdersHeader is the header line of orders.csv: the columns of bench.orders in declared order.
const OrdersHeader = "created_at,product_category,product_name,zip_code,platform,gender,order_count,order_total,unit_price\n"

// ProductsHeader is the header line of products.csv.
const ProductsHeader = "product_name,product_category,brand,list_price\n"

// hourText holds every hour's timestamp text, formatted once.
var hourText = func() []string {
	out := make([]string, Hours)
	for h := range out {
		out[h] = Start.Add(time.Duration(h) * time.Hour).Format("2006-01-02 15:04:05")
	}
	return out
}()

var productNames = func() []string {
	out := make([]string, Products)
	for i := range out {
		out[i] = ProductName(i)
	}
	return out
}()

// HourText is the created_at text of an hour.
func HourText(h int) string { return hourText[h] }

// AppendCSV appends row r as one CSV line.
func AppendCSV(b []byte, r Row) []byte {
	b = append(b, hourText[r.Hour]...)
	b = append(b, ',')
	b = append(b, CategoryNames[r.Category]...)
	b = append(b, ',')
	b = append(b, productNames[r.Product]...)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Zip), 10)
	b = append(b, ',')
	b = append(b, Platforms[r.Platform]...)
	b = append(b, ',')
	b = append(b, Genders[r.Gender]...)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.Count, 10)
	b = append(b, ',')
	b = appendCents(b, r.TotalCents)
	b = append(b, ',')
	b = appendCents(b, r.PriceCents)
	return append(b, '\n')
}

// appendCents writes a non-negative amount of cents as d.cc.
func appendCents(b []byte, cents int64) []byte {
	b = strconv.AppendInt(b, cents/100, 10)
	c := cents % 100
	return append(b, '.', byte('0'+c/10), byte('0'+c%10))
}

// WriteOrders writes the orders CSV (header and g.Rows rows) to w, formatting blocks of rows on every core.
func (g *Generator) WriteOrders(w io.Writer, workers int) error {
	if _, err := io.WriteString(w, OrdersHeader); err != nil {
		return err
	}
	const block = 1 << 15
	blocks := (g.Rows + block - 1) / block
	workers = max(1, workers)
	// Each worker formats the blocks b with b%workers == its number, into buffers handed over in order.
	chans := make([]chan []byte, workers)
	pool := sync.Pool{New: func() any { return make([]byte, 0, block*100) }}
	done := make(chan struct{})
	defer close(done)
	for wk := range workers {
		chans[wk] = make(chan []byte, 2)
		go func() {
			defer close(chans[wk])
			for b := int64(wk); b < blocks; b += int64(workers) {
				buf := pool.Get().([]byte)[:0]
				for i := b * block; i < min((b+1)*block, g.Rows); i++ {
					buf = AppendCSV(buf, g.Row(i))
				}
				select {
				case chans[wk] <- buf:
				case <-done:
					return
				}
			}
		}()
	}
	for b := int64(0); b < blocks; b++ {
		buf := <-chans[b%int64(workers)]
		if _, err := w.Write(buf); err != nil {
			return err
		}
		pool.Put(buf) //nolint:staticcheck // a slice header is fine here
	}
	return nil
}

// WriteProducts writes the products CSV.
func (g *Generator) WriteProducts(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(ProductsHeader)
	var b []byte
	for id := range Products {
		p := g.Product(id)
		b = append(b[:0], productNames[id]...)
		b = append(b, ',')
		b = append(b, CategoryNames[p.Category]...)
		b = append(b, ',')
		b = append(b, BrandName(p.Brand)...)
		b = append(b, ',')
		b = appendCents(b, p.ListPriceCent)
		b = append(b, '\n')
		bw.Write(b)
	}
	return bw.Flush()
}

// Scale is a data set size in rows. The documented scales are 1m, 10m and 100m; any count written as a number
// with an optional k or m suffix (e.g. 20k for quick runs) is accepted.
type Scale struct {
	Name string
	Rows int64
}

// ParseScale reads a scale such as 1m, 10m, 100m or 20k.
func ParseScale(s string) (Scale, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	num := name
	switch {
	case strings.HasSuffix(name, "k"):
		mult, num = 1_000, strings.TrimSuffix(name, "k")
	case strings.HasSuffix(name, "m"):
		mult, num = 1_000_000, strings.TrimSuffix(name, "m")
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return Scale{}, fmt.Errorf("scale %q: want a row count such as 1m, 10m, 100m or 20k", s)
	}
	rows := n * mult
	if rows < 1000 || rows > 1_000_000_000 {
		return Scale{}, fmt.Errorf("scale %q: want between 1k and 1000m rows", s)
	}
	return Scale{Name: name, Rows: rows}, nil
}

// Dataset is a generated data set in its cache directory.
type Dataset struct {
	Dir          string
	Scale        Scale
	Seed         uint64
	OrdersCSV    string
	ProductsCSV  string
	CSVBytes     int64
	Generated    bool    // made by this run rather than found in the cache
	GenerateSecs float64 // how long making it took, when Generated
}

// OrdersParquet and ProductsParquet are where the Parquet copies of the data set live (written by the DuckDB
// companion from the CSV files).
func (d *Dataset) OrdersParquet() string   { return filepath.Join(d.Dir, "orders.parquet") }
func (d *Dataset) ProductsParquet() string { return filepath.Join(d.Dir, "products.parquet") }

type manifest struct {
	Generator int    `json:"generator"`
	Seed      uint64 `json:"seed"`
	Rows      int64  `json:"rows"`
	OrdersSHA string `json:"orders_sha256"`
	CSVBytes  int64  `json:"csv_bytes"`
}

// DatasetDir is the cache directory of a data set under root.
func DatasetDir(root string, sc Scale, seed uint64) string {
	return filepath.Join(root, fmt.Sprintf("%s-%d", sc.Name, seed))
}

// Prepare returns the data set of (scale, seed) under root, generating it when the cache has no complete copy.
// A data set is complete once its manifest is written, which happens last.
func Prepare(root string, sc Scale, seed uint64, workers int) (*Dataset, error) {
	dir := DatasetDir(root, sc, seed)
	d := &Dataset{Dir: dir, Scale: sc, Seed: seed, OrdersCSV: filepath.Join(dir, "orders.csv"),
		ProductsCSV: filepath.Join(dir, "products.csv")}
	if b, err := os.ReadFile(filepath.Join(dir, "manifest.json")); err == nil {
		var m manifest
		if json.Unmarshal(b, &m) == nil && m.Generator == GeneratorVersion && m.Seed == seed && m.Rows == sc.Rows {
			if st, err := os.Stat(d.OrdersCSV); err == nil && st.Size() > 0 {
				d.CSVBytes = m.CSVBytes
				return d, nil
			}
		}
	}
	start := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// A stale manifest or Parquet copy belongs to other rows.
	for _, f := range []string{"manifest.json", "orders.parquet", "products.parquet"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	g := NewGenerator(seed, sc.Rows)
	sum := sha256.New()
	n, err := writeAtomically(d.OrdersCSV, func(w io.Writer) error {
		return g.WriteOrders(io.MultiWriter(w, sum), workers)
	})
	if err != nil {
		return nil, err
	}
	m, err := writeAtomically(d.ProductsCSV, g.WriteProducts)
	if err != nil {
		return nil, err
	}
	d.CSVBytes = n + m
	mb, _ := json.MarshalIndent(manifest{Generator: GeneratorVersion, Seed: seed, Rows: sc.Rows,
		OrdersSHA: hex.EncodeToString(sum.Sum(nil)), CSVBytes: d.CSVBytes}, "", "  ")
	if _, err := writeAtomically(filepath.Join(dir, "manifest.json"), func(w io.Writer) error {
		_, err := w.Write(mb)
		return err
	}); err != nil {
		return nil, err
	}
	d.Generated, d.GenerateSecs = true, time.Since(start).Seconds()
	return d, nil
}

// writeAtomically writes a file through a temporary name, renamed into place once complete, and returns its size.
func writeAtomically(path string, write func(io.Writer) error) (int64, error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	cw := &countingWriter{w: bufio.NewWriterSize(f, 1<<20)}
	err = write(cw)
	if err == nil {
		err = cw.w.(*bufio.Writer).Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("writing %s: %w", path, err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
