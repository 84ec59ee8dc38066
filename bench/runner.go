package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is one `vcube bench` run.
type Config struct {
	Scale   Scale
	Seed    uint64
	Queries []Query
	Runs    int // timed runs per query and engine
	Warmup  int // untimed runs before them
	// Concurrency lists the client counts of the load runs; each runs every query for LoadTime.
	Concurrency []int
	LoadTime    time.Duration
	// Peer is "" or "duckdb"; PeerBin the companion binary; PeerThreads DuckDB's thread counts (the first is the
	// one ratios are taken against).
	Peer        string
	PeerBin     string
	PeerThreads []int
	// CacheDir holds the generated data sets, and during a run the engines' data.
	CacheDir string
	// Target is the URL of a running vcube server (on this machine: it imports the cached files by path); empty
	// starts VcubeBin serve as a child process with its data under the data set's folder.
	Target     string
	VcubeBin   string
	ServeFlags []string
	Version    string // vcube's version, for the result
	KeepData   bool   // leave the engines' data folders in place after the run
	Log        io.Writer
}

// DefaultCacheDir is $XDG_CACHE_HOME/vcube-bench (or the platform's user cache folder).
func DefaultCacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "vcube-bench")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "vcube-bench")
	}
	return filepath.Join(os.TempDir(), "vcube-bench")
}

type runner struct {
	cfg    Config
	res    *Result
	ds     *Dataset
	client *Client
	server *Server
	peer   *Peer
}

func (r *runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, "bench: "+format+"\n", args...)
	}
}

// Run generates (or finds) the data, loads it into vcube and the peer, and measures every query.
func Run(ctx context.Context, cfg Config) (res *Result, err error) {
	if cfg.Runs < 1 {
		return nil, errors.New("runs must be at least 1")
	}
	if len(cfg.Queries) == 0 {
		cfg.Queries = Queries
	}
	if cfg.Peer != "" && cfg.Peer != "duckdb" {
		return nil, fmt.Errorf("unknown peer %q: want duckdb", cfg.Peer)
	}
	if cfg.Peer != "" && len(cfg.PeerThreads) == 0 {
		cfg.PeerThreads = []int{runtime.NumCPU()}
	}
	r := &runner{cfg: cfg, res: &Result{Format: ResultFormat, Started: time.Now().UTC(), Scale: cfg.Scale.Name,
		Rows: cfg.Scale.Rows, Seed: cfg.Seed, Runs: cfg.Runs, Warmup: cfg.Warmup, Machine: machine(),
		Versions: Versions{Vcube: cfg.Version}}}
	if cfg.Peer != "" {
		r.res.PeerThreads = cfg.PeerThreads
	}
	defer func() {
		if cerr := r.close(); err == nil && cerr != nil {
			err = cerr
		}
	}()

	r.logf("data set %s (seed %d) under %s", cfg.Scale.Name, cfg.Seed, cfg.CacheDir)
	if r.ds, err = Prepare(cfg.CacheDir, cfg.Scale, cfg.Seed, runtime.NumCPU()); err != nil {
		return nil, err
	}
	if r.ds.Generated {
		r.logf("generated %d rows (%s of CSV) in %.1fs", cfg.Scale.Rows, humanBytes(r.ds.CSVBytes), r.ds.GenerateSecs)
	}
	r.res.Dataset = DataInfo{Dir: r.ds.Dir, CSVBytes: r.ds.CSVBytes, Generated: r.ds.Generated, GenerateSecs: r.ds.GenerateSecs}

	if err := r.loadVcube(ctx); err != nil {
		return nil, err
	}
	if cfg.Peer != "" {
		if err := r.loadPeer(ctx); err != nil {
			return nil, err
		}
	}
	for _, q := range cfg.Queries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		qr, err := r.measure(ctx, q)
		if err != nil {
			return nil, err
		}
		r.res.Queries = append(r.res.Queries, *qr)
	}
	if r.server != nil {
		if ing := r.res.IngestOf(Vcube); ing != nil {
			r.res.Notes = append(r.res.Notes, fmt.Sprintf("vcube's peak resident memory over the whole run: %s",
				humanBytes(r.server.PeakRSS())))
		}
	}
	if r.peer != nil {
		if st, err := r.peer.Call(PeerRequest{Op: "stats"}); err == nil {
			r.res.Notes = append(r.res.Notes, fmt.Sprintf("the DuckDB companion's peak resident memory over the whole run: %s",
				humanBytes(st.PeakRSS)))
		}
	}
	if la := loadAvg(); la != "" {
		r.res.Notes = append(r.res.Notes, "load average at the end: "+la)
	}
	r.res.Goals = EvaluateGoals(r.res)
	r.res.Seconds = time.Since(r.res.Started).Seconds()
	return r.res, nil
}

func (r *runner) close() error {
	var errs []error
	if r.peer != nil {
		errs = append(errs, r.peer.Close())
		r.peer = nil
	}
	if r.server != nil {
		if err := r.server.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping vcube serve: %w", err))
		}
		r.server = nil
	}
	if r.ds != nil && !r.cfg.KeepData {
		os.RemoveAll(filepath.Join(r.ds.Dir, "vcube-data"))
		os.Remove(filepath.Join(r.ds.Dir, "duckdb.db"))
		os.Remove(filepath.Join(r.ds.Dir, "duckdb.db.wal"))
	}
	return errors.Join(errs...)
}

// loadVcube starts the server (or reaches the target), creates bench.products and bench.orders from the CSV
// files, and waits for compaction to settle.
func (r *runner) loadVcube(ctx context.Context) error {
	url := r.cfg.Target
	if url == "" {
		dataDir := filepath.Join(r.ds.Dir, "vcube-data")
		if err := os.RemoveAll(dataDir); err != nil {
			return err
		}
		s, err := StartServer(ctx, r.cfg.VcubeBin, dataDir, r.cfg.ServeFlags...)
		if err != nil {
			return err
		}
		r.server, url = s, s.URL
		r.logf("vcube serve is at %s (data in %s)", url, dataDir)
	}
	r.client = NewClient(url, max(64, maxOf(r.cfg.Concurrency)))
	pingCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := r.client.Ping(pingCtx)
	cancel()
	if err != nil {
		return fmt.Errorf("cannot reach vcube at %s: %w", url, err)
	}
	if r.cfg.Target != "" {
		a, err := r.client.Query(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'bench'")
		if err != nil {
			return err
		}
		if t := a.Texts(); len(t) == 1 && t[0][0] != "0" {
			return fmt.Errorf("the target %s already has a schema bench: drop it (DROP SCHEMA bench) or use a fresh server", url)
		}
	}
	if _, err := r.client.Query(ctx, "CREATE SCHEMA bench"); err != nil {
		return err
	}
	if _, err := r.client.Query(ctx, vcubeProductsDDL(r.ds.ProductsCSV)); err != nil {
		return fmt.Errorf("loading bench.products into vcube: %w", err)
	}
	r.logf("vcube: importing %d rows", r.cfg.Scale.Rows)
	cpu := r.cpuMeter(r.serverPID())
	start := time.Now()
	if _, err := r.client.Query(ctx, vcubeOrdersDDL(r.ds.OrdersCSV)); err != nil {
		return fmt.Errorf("loading bench.orders into vcube: %w", err)
	}
	took := time.Since(start)
	ing := Ingest{Engine: Vcube, Rows: r.cfg.Scale.Rows, Seconds: took.Seconds(),
		RowsPerSec: float64(r.cfg.Scale.Rows) / took.Seconds(), CPUSeconds: cpu().Seconds()}
	r.logf("vcube: imported in %.1fs (%.0f rows/s); waiting for compaction", took.Seconds(), ing.RowsPerSec)
	settle, err := r.settle(ctx)
	if err != nil {
		return err
	}
	ing.SettleSeconds = settle.Seconds()
	if r.server != nil {
		ing.PeakRSSBytes = r.server.PeakRSS()
	}
	if a, err := r.client.Query(ctx, "SELECT SUM(bytes) FROM system.tables WHERE table_schema = 'bench'"); err == nil {
		if t := a.Texts(); len(t) == 1 {
			ing.DiskBytes, _ = strconv.ParseInt(t[0][0], 10, 64)
		}
	}
	ing.Note = "CREATE TABLE ... LOCATION of one CSV file into three indexes (default, by_category, aggregate by_zip); " +
		"settle is the background compaction after it"
	r.res.Ingest = append(r.res.Ingest, ing)
	r.logf("vcube: compaction settled after %.1fs; %s on disk", settle.Seconds(), humanBytes(ing.DiskBytes))
	return nil
}

// settle waits until no compaction runs and the chunk layout has not changed for three polls a second apart,
// and returns how long after the start the layout last changed.
func (r *runner) settle(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	last, lastChange, stable := "", time.Duration(0), 0
	for stable < 3 {
		if time.Since(start) > 30*time.Minute {
			return 0, errors.New("vcube's compaction did not settle within 30 minutes")
		}
		a, err := r.client.Query(ctx, "SELECT index_name, level, COUNT(*), SUM(row_count) FROM system.chunks "+
			"WHERE table_schema = 'bench' GROUP BY index_name, level ORDER BY 1, 2")
		if err != nil {
			return 0, err
		}
		j, err := r.client.Query(ctx, "SELECT COUNT(*) FROM system.jobs WHERE status = 'running'")
		if err != nil {
			return 0, err
		}
		sig := fmt.Sprint(a.Texts(), j.Texts())
		if sig == last && j.Texts()[0][0] == "0" {
			stable++
		} else {
			stable, last, lastChange = 0, sig, time.Since(start)
		}
		if stable < 3 {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Second):
			}
		}
	}
	return lastChange, nil
}

func duckString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// duckOrdersColumns are bench.orders' columns in DuckDB's types, the same as vcube's.
const duckOrdersColumns = "(created_at TIMESTAMP, product_category VARCHAR, product_name VARCHAR, zip_code INTEGER, " +
	"platform VARCHAR, gender VARCHAR, order_count BIGINT, order_total DECIMAL(18,2), unit_price DOUBLE)"

const duckProductsColumns = "(product_name VARCHAR, product_category VARCHAR, brand VARCHAR, list_price DECIMAL(10,2))"

// loadPeer starts the companion, loads the CSV files into DuckDB's tables (timed), writes the Parquet copies
// when the cache has none, and makes views over them.
func (r *runner) loadPeer(ctx context.Context) error {
	bin := r.cfg.PeerBin
	p, err := StartPeer(bin)
	if err != nil {
		return err
	}
	r.peer = p
	threads := r.cfg.PeerThreads[0]
	if _, err := p.Call(PeerRequest{Op: "open", Path: filepath.Join(r.ds.Dir, "duckdb.db")}); err != nil {
		return err
	}
	if v, err := p.Call(PeerRequest{Op: "query", SQL: "SELECT version()", WantRows: true, Threads: threads}); err == nil && len(v.Rows) == 1 {
		r.res.Versions.DuckDB = *v.Rows[0][0]
	}
	if _, err := p.Call(PeerRequest{Op: "exec", Threads: threads, SQL: []string{
		"CREATE SCHEMA bench",
		"CREATE TABLE bench.products " + duckProductsColumns,
		"COPY bench.products FROM " + duckString(r.ds.ProductsCSV) + " (FORMAT csv, HEADER true)",
		"CREATE TABLE bench.orders " + duckOrdersColumns,
	}}); err != nil {
		return err
	}
	r.logf("duckdb: loading %d rows", r.cfg.Scale.Rows)
	cpu := r.cpuMeter(p.PID())
	load, err := p.Call(PeerRequest{Op: "exec", Threads: threads, SQL: []string{
		"COPY bench.orders FROM " + duckString(r.ds.OrdersCSV) + " (FORMAT csv, HEADER true)",
		"CHECKPOINT",
	}})
	if err != nil {
		return err
	}
	ing := Ingest{Engine: TablesEngine(threads), Rows: r.cfg.Scale.Rows, Seconds: load.MS / 1000,
		RowsPerSec: float64(r.cfg.Scale.Rows) / (load.MS / 1000), CPUSeconds: cpu().Seconds(),
		Note: "COPY FROM the same CSV file into a table of a database file, then CHECKPOINT"}
	if st, err := p.Call(PeerRequest{Op: "stats"}); err == nil {
		ing.PeakRSSBytes = st.PeakRSS
	}
	if fi, err := os.Stat(filepath.Join(r.ds.Dir, "duckdb.db")); err == nil {
		ing.DiskBytes = fi.Size()
	}
	r.res.Ingest = append(r.res.Ingest, ing)
	r.logf("duckdb: loaded in %.1fs (%.0f rows/s)", ing.Seconds, ing.RowsPerSec)

	for _, f := range []struct{ table, path string }{{"bench.orders", r.ds.OrdersParquet()}, {"bench.products", r.ds.ProductsParquet()}} {
		if _, err := os.Stat(f.path); err == nil {
			continue
		}
		tmp := f.path + ".tmp"
		os.Remove(tmp)
		w, err := p.Call(PeerRequest{Op: "exec", Threads: threads, SQL: []string{
			"COPY " + f.table + " TO " + duckString(tmp) + " (FORMAT parquet)"}})
		if err != nil {
			return err
		}
		if err := os.Rename(tmp, f.path); err != nil {
			return err
		}
		r.logf("duckdb: wrote %s in %.1fs", f.path, w.MS/1000)
	}
	if fi, err := os.Stat(r.ds.OrdersParquet()); err == nil {
		r.res.Dataset.ParquetBytes = fi.Size()
	}
	_, err = p.Call(PeerRequest{Op: "exec", Threads: threads, SQL: []string{
		"CREATE SCHEMA pq",
		"CREATE VIEW pq.orders AS SELECT * FROM read_parquet(" + duckString(r.ds.OrdersParquet()) + ")",
		"CREATE VIEW pq.products AS SELECT * FROM read_parquet(" + duckString(r.ds.ProductsParquet()) + ")",
	}})
	return err
}

// parquetSQL is a query reading the Parquet copies instead of DuckDB's tables.
func parquetSQL(sql string) string { return strings.ReplaceAll(sql, "bench.", "pq.") }

type engine struct {
	name string
	pid  int // the process doing the work, whose CPU time is measured; 0 when unknown
	run  func(ctx context.Context) (float64, error)
}

func (r *runner) serverPID() int {
	if r.server == nil {
		return 0
	}
	return r.server.PID()
}

// cpuMeter starts measuring a process's CPU time: the function returned tells how much it used since.
func (r *runner) cpuMeter(pid int) func() time.Duration {
	if pid == 0 {
		return func() time.Duration { return 0 }
	}
	before, ok := procCPU(pid)
	return func() time.Duration {
		after, ok2 := procCPU(pid)
		if !ok || !ok2 {
			return 0
		}
		return after - before
	}
}

func (r *runner) engines(q Query) []engine {
	out := []engine{{Vcube, r.serverPID(), func(ctx context.Context) (float64, error) {
		start := time.Now()
		_, err := r.client.Raw(ctx, q.SQL)
		return ms(time.Since(start)), err
	}}}
	if r.peer == nil {
		return out
	}
	peerRun := func(sql string, threads int) func(context.Context) (float64, error) {
		return func(context.Context) (float64, error) {
			resp, err := r.peer.Call(PeerRequest{Op: "query", SQL: sql, Threads: threads})
			if err != nil {
				return 0, err
			}
			return resp.MS, nil
		}
	}
	for _, t := range r.cfg.PeerThreads {
		out = append(out, engine{TablesEngine(t), r.peer.PID(), peerRun(q.SQL, t)},
			engine{ParquetEngine(t), r.peer.PID(), peerRun(parquetSQL(q.SQL), t)})
	}
	return out
}

// answerRows is how many rows of vcube's answer the result keeps.
const answerRows = 50

func (r *runner) measure(ctx context.Context, q Query) (*QueryResult, error) {
	qr := &QueryResult{Query: q}
	r.logf("%s %s", q.ID, q.Title)

	// Profile before anything else runs the query: what it reads from files while its columns are not cached.
	if p, err := r.client.Explain(ctx, q.SQL); err == nil {
		p.Plan = ""
		qr.ColdProfile = p
	} else {
		r.logf("%s: EXPLAIN ANALYZE: %v", q.ID, err)
	}

	// The answer, checked against the peer's.
	a, err := r.client.Query(ctx, q.SQL)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// One failing query is a finding, not the end of the run.
		r.logf("%s on vcube: %v", q.ID, err)
		qr.Timings = []Timing{{Engine: Vcube, Error: err.Error()}}
		qr.Check = Check{Status: "error", Detail: "vcube: " + err.Error()}
		return qr, nil
	}
	mine := a.Texts()
	qr.ResultRows = len(mine)
	qr.Answer = mine[:min(len(mine), answerRows)]
	qr.Check = Check{Status: "unchecked", Detail: "no peer"}
	if r.peer != nil {
		qr.Check = r.check(q, mine)
		if qr.Check.Status != "ok" {
			r.logf("%s: %s: %s", q.ID, qr.Check.Status, qr.Check.Detail)
		}
	}

	// Timed runs, engine by engine in turn; the order rotates each round so no engine always runs first.
	engines := r.engines(q)
	timings := make([]Timing, len(engines))
	cpu := make([]time.Duration, len(engines))
	for i, e := range engines {
		timings[i].Engine = e.name
	}
	for round := range r.cfg.Warmup + r.cfg.Runs {
		for k := range engines {
			i := (k + round) % len(engines)
			if timings[i].Error != "" {
				continue
			}
			meter := r.cpuMeter(engines[i].pid)
			t, err := engines[i].run(ctx)
			used := meter()
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				timings[i].Error = err.Error()
				r.logf("%s on %s: %v", q.ID, engines[i].name, err)
				continue
			}
			if round >= r.cfg.Warmup {
				timings[i].RunsMS = append(timings[i].RunsMS, t)
				cpu[i] += used
			}
		}
	}
	for i := range timings {
		timings[i].Summarize(r.cfg.Scale.Rows)
		if n := len(timings[i].RunsMS); n > 0 && engines[i].pid != 0 {
			timings[i].CPUMS = ms(cpu[i]) / float64(n)
		}
	}
	qr.Timings = timings
	if v := qr.Timing(Vcube); v != nil && v.Error == "" {
		for _, t := range timings[1:] {
			if t.Error == "" && t.MedianMS > 0 {
				qr.Ratios = append(qr.Ratios, Ratio{Against: t.Engine, Ratio: v.MedianMS / t.MedianMS})
			}
		}
	}
	var line strings.Builder
	for _, t := range timings {
		fmt.Fprintf(&line, " %s %.1fms", t.Engine, t.MedianMS)
	}
	r.logf("%s medians:%s", q.ID, line.String())

	// Profile after the timed runs: where a warm run spends its time.
	if p, err := r.client.Explain(ctx, q.SQL); err == nil {
		qr.Profile = p
	}

	for _, c := range r.cfg.Concurrency {
		l := r.vcubeLoad(ctx, q.SQL, c)
		qr.Loads = append(qr.Loads, l)
		if r.peer != nil {
			resp, err := r.peer.Call(PeerRequest{Op: "load", SQL: q.SQL, Threads: r.cfg.PeerThreads[0], Clients: c,
				Seconds: r.cfg.LoadTime.Seconds(), Grace: LoadGrace(r.cfg.LoadTime).Seconds()})
			pl := Load{Engine: TablesEngine(r.cfg.PeerThreads[0]), Clients: c}
			if err != nil {
				pl.Errors, pl.FirstError = 1, err.Error()
			} else {
				pl.Fill(resp.LatenciesMS, time.Duration(resp.WallMS*float64(time.Millisecond)))
				pl.Errors, pl.FirstError, pl.CutOff = resp.Errors, resp.FirstError, resp.CutOff
			}
			qr.Loads = append(qr.Loads, pl)
		}
		r.logf("%s at %d clients: vcube %.0f q/s, p99 %.1fms", q.ID, c, l.QPS, l.P99MS)
	}
	return qr, nil
}

// check compares vcube's answer with DuckDB's over its tables and over Parquet.
func (r *runner) check(q Query, mine [][]string) Check {
	threads := r.cfg.PeerThreads[0]
	var problems []string
	status := "ok"
	for _, v := range []struct{ name, sql string }{{"DuckDB tables", q.SQL}, {"DuckDB Parquet", parquetSQL(q.SQL)}} {
		resp, err := r.peer.Call(PeerRequest{Op: "query", SQL: v.sql, Threads: threads, WantRows: true})
		if err != nil {
			if status == "ok" {
				status = "error"
			}
			problems = append(problems, v.name+": "+err.Error())
			continue
		}
		if ok, why := Compare(mine, resp.Texts()); !ok {
			status = "mismatch"
			problems = append(problems, "vcube against "+v.name+": "+why)
		}
	}
	return Check{Status: status, Detail: strings.Join(problems, "; ")}
}

// vcubeLoad sends q from clients connections in a loop for the load time, cancelling the queries still running
// LoadGrace after it.
func (r *runner) vcubeLoad(ctx context.Context, q string, clients int) Load {
	l := Load{Engine: Vcube, Clients: clients}
	var (
		mu        sync.Mutex
		latencies []float64
		wg        sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(r.cfg.LoadTime)
	cut, cancel := context.WithDeadline(ctx, deadline.Add(LoadGrace(r.cfg.LoadTime)))
	defer cancel()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				if _, err := r.client.Raw(cut, q); err != nil {
					mu.Lock()
					if cut.Err() != nil && ctx.Err() == nil {
						l.CutOff++
						mine = append(mine, ms(time.Since(t0)))
					} else {
						if l.Errors == 0 {
							l.FirstError = err.Error()
						}
						l.Errors++
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, ms(time.Since(t0)))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	l.Fill(latencies, time.Since(start))
	return l
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// machine describes this machine.
func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, Go: runtime.Version(), LoadAvg: loadAvg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					kb, _ := strconv.ParseInt(f[0], 10, 64)
					m.MemBytes = kb << 10
				}
			}
		}
	}
	return m
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
