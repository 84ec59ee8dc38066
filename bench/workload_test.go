package bench

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ordersCSV(t *testing.T, seed uint64, rows int64, workers int) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, NewGenerator(seed, rows).WriteOrders(&b, workers))
	return b.Bytes()
}

func TestGeneratorIsDeterministic(t *testing.T) {
	// Blocks formatted by any number of workers come out in order: the bytes depend on the seed alone.
	one := ordersCSV(t, 7, 100_000, 1)
	assert.Equal(t, one, ordersCSV(t, 7, 100_000, 3))
	assert.Equal(t, one, ordersCSV(t, 7, 100_000, 1))
	assert.NotEqual(t, one, ordersCSV(t, 8, 100_000, 1), "another seed, other rows")
	assert.True(t, bytes.HasPrefix(one, []byte(OrdersHeader)))
	assert.Equal(t, 100_001, bytes.Count(one, []byte{'\n'}))

	var p1, p2 bytes.Buffer
	require.NoError(t, NewGenerator(7, 10).WriteProducts(&p1))
	require.NoError(t, NewGenerator(7, 99).WriteProducts(&p2))
	assert.Equal(t, p1.String(), p2.String(), "the dimension table does not depend on the row count")
	assert.Equal(t, Products+1, strings.Count(p1.String(), "\n"))

	// The first rows of seed 1 are pinned: a change of the generator must change GeneratorVersion too, so that
	// cached data sets are made again.
	first := strings.SplitN(string(ordersCSV(t, 1, 1000, 2)), "\n", 3)
	assert.Equal(t, "2023-01-01 00:00:00,Garden,Garden 0000,23925,ios,unknown,1,380.67,380.67", first[1],
		"the generator's output changed: bump GeneratorVersion and update this line")
}

func TestGeneratorDistribution(t *testing.T) {
	const n = 200_000
	g := NewGenerator(1, n)
	cats, prods, zips, plats, gends := map[int]int{}, map[int]int{}, map[int]int{}, map[int]int{}, map[int]int{}
	lastHour := -1
	for i := int64(0); i < n; i++ {
		r := g.Row(i)
		require.GreaterOrEqual(t, r.Hour, lastHour, "rows are in time order")
		lastHour = r.Hour
		cats[r.Category]++
		prods[r.Product]++
		zips[r.Zip]++
		plats[r.Platform]++
		gends[r.Gender]++
		require.Equal(t, r.Count*r.PriceCents, r.TotalCents)
		require.True(t, r.Count >= 1 && r.Count <= 40, "order_count %d", r.Count)
		require.True(t, r.PriceCents >= 159 && r.PriceCents <= 49999, "unit price %d", r.PriceCents)
		require.True(t, r.Zip >= 10001 && r.Zip <= 89999 && r.Zip%2 == 1, "zip %d", r.Zip)
		require.Equal(t, productCategory(r.Product), r.Category, "a product belongs to one category")
	}
	assert.Equal(t, 0, g.Row(0).Hour)
	assert.Equal(t, Hours-1, g.Row(n-1).Hour, "the rows span the two years")
	assert.Len(t, cats, Categories)
	assert.Len(t, plats, len(Platforms))
	assert.Len(t, gends, len(Genders))
	assert.Greater(t, len(prods), Products*9/10)
	assert.LessOrEqual(t, len(prods), Products)
	assert.Greater(t, len(zips), ZipCodes/2)
	assert.LessOrEqual(t, len(zips), ZipCodes)

	// Skewed: the most frequent zip code and product hold far more than a uniform share.
	share := func(m map[int]int, key int) float64 { return float64(m[key]) / n }
	assert.InDelta(t, 0.027, share(zips, ZipOf(0)), 0.006, "the top zip code")
	assert.Greater(t, share(zips, ZipOf(0)), 50*share(zips, ZipOf(ZipCodes-1))+1e-9)
	assert.Greater(t, share(prods, 0), 10.0/Products)
	assert.Greater(t, cats[0], 3*cats[Categories-1], "categories are skewed too")
	for i, w := range platformWeights {
		assert.InDelta(t, w/1000, share(plats, i), 0.01, Platforms[i])
	}
	for i, w := range genderWeights {
		assert.InDelta(t, w/1000, share(gends, i), 0.01, Genders[i])
	}
}

func TestCSVReadsBackAsTheRows(t *testing.T) {
	g := NewGenerator(3, 5000)
	recs, err := csv.NewReader(bytes.NewReader(ordersCSV(t, 3, 5000, 2))).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 5001)
	assert.Equal(t, strings.Split(strings.TrimSpace(OrdersHeader), ","), recs[0])
	for _, i := range []int64{0, 1, 2499, 4999} {
		r, rec := g.Row(i), recs[i+1]
		assert.Equal(t, HourText(r.Hour), rec[0])
		assert.Equal(t, CategoryNames[r.Category], rec[1])
		assert.Equal(t, ProductName(r.Product), rec[2])
		assert.Equal(t, strconv.Itoa(r.Zip), rec[3])
		assert.Equal(t, Platforms[r.Platform], rec[4])
		assert.Equal(t, Genders[r.Gender], rec[5])
		assert.Equal(t, strconv.FormatInt(r.Count, 10), rec[6])
		assert.Equal(t, strconv.FormatInt(r.TotalCents/100, 10)+"."+twoDigits(r.TotalCents%100), rec[7])
		assert.Equal(t, strconv.FormatInt(r.PriceCents/100, 10)+"."+twoDigits(r.PriceCents%100), rec[8])
	}
}

func twoDigits(c int64) string {
	s := strconv.FormatInt(c, 10)
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

func TestParseScale(t *testing.T) {
	for in, rows := range map[string]int64{"1m": 1_000_000, "10m": 10_000_000, "100M": 100_000_000, "20k": 20_000, "5000": 5000} {
		sc, err := ParseScale(in)
		require.NoError(t, err, in)
		assert.Equal(t, rows, sc.Rows, in)
		assert.Equal(t, strings.ToLower(in), sc.Name)
	}
	for _, bad := range []string{"", "m", "ten", "-1m", "0k", "10g", "1.5m", "999", "2000m"} {
		_, err := ParseScale(bad)
		assert.Error(t, err, bad)
	}
}

func TestPrepareCachesTheDataSet(t *testing.T) {
	root := t.TempDir()
	sc, err := ParseScale("3k")
	require.NoError(t, err)
	d, err := Prepare(root, sc, 5, 2)
	require.NoError(t, err)
	assert.True(t, d.Generated)
	assert.Equal(t, filepath.Join(root, "3k-5"), d.Dir)
	orders, err := os.ReadFile(d.OrdersCSV)
	require.NoError(t, err)
	assert.Equal(t, ordersCSV(t, 5, 3000, 1), orders)
	st, err := os.Stat(d.ProductsCSV)
	require.NoError(t, err)
	assert.Equal(t, int64(len(orders))+st.Size(), d.CSVBytes)

	// A Parquet copy made by the companion stays with its data set.
	require.NoError(t, os.WriteFile(d.OrdersParquet(), []byte("x"), 0o644))
	again, err := Prepare(root, sc, 5, 2)
	require.NoError(t, err)
	assert.False(t, again.Generated, "the cached copy is reused")
	assert.Equal(t, d.CSVBytes, again.CSVBytes)
	assert.FileExists(t, d.OrdersParquet())

	// A manifest of another generator version is not trusted: the data is made again and the Parquet copy goes.
	require.NoError(t, os.WriteFile(filepath.Join(d.Dir, "manifest.json"), []byte(`{"generator":0,"seed":5,"rows":3000}`), 0o644))
	remade, err := Prepare(root, sc, 5, 2)
	require.NoError(t, err)
	assert.True(t, remade.Generated)
	assert.NoFileExists(t, d.OrdersParquet())
}

func TestSelectQueries(t *testing.T) {
	all, err := SelectQueries("all")
	require.NoError(t, err)
	assert.Len(t, all, len(Queries))
	some, err := SelectQueries("q3, topk,q3")
	require.NoError(t, err)
	require.Len(t, some, 2)
	assert.Equal(t, "q3", some[0].ID)
	assert.Equal(t, "q5", some[1].ID)
	_, err = SelectQueries("q1,q99")
	assert.ErrorContains(t, err, `unknown query "q99"`)
	ids := map[string]bool{}
	for _, q := range Queries {
		assert.False(t, ids[q.ID], "duplicate id %s", q.ID)
		ids[q.ID] = true
		assert.Contains(t, []string{"index", "hash", "scan", "join"}, q.Kind, q.ID)
		assert.Contains(t, q.SQL, "bench.orders", q.ID)
	}
	assert.True(t, ids[PointQuery])
}
