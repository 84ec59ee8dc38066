package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ResultFormat is the version of the result file's layout.
const ResultFormat = 1

// Result is everything one `vcube bench` run measured; it is written as JSON and rendered by Markdown.
type Result struct {
	Format   int       `json:"format"`
	Started  time.Time `json:"started"`
	Seconds  float64   `json:"seconds"` // the whole run
	Scale    string    `json:"scale"`
	Rows     int64     `json:"rows"`
	Seed     uint64    `json:"seed"`
	Runs     int       `json:"runs"`
	Warmup   int       `json:"warmup"`
	Machine  Machine   `json:"machine"`
	Versions Versions  `json:"versions"`
	Dataset  DataInfo  `json:"dataset"`
	// PeerThreads are the DuckDB thread counts measured; the first is the one ratios are taken against.
	PeerThreads []int         `json:"peer_threads,omitempty"`
	Ingest      []Ingest      `json:"ingest"`
	Queries     []QueryResult `json:"queries"`
	Goals       []Goal        `json:"goals,omitempty"`
	Notes       []string      `json:"notes,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model,omitempty"`
	MemBytes int64  `json:"mem_bytes,omitempty"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	Go       string `json:"go"`
	LoadAvg  string `json:"load_avg,omitempty"` // at the start: other work on the machine makes figures noisy
}

// Versions of the engines compared.
type Versions struct {
	Vcube  string `json:"vcube"`
	DuckDB string `json:"duckdb,omitempty"`
}

// DataInfo describes the data set.
type DataInfo struct {
	Dir          string  `json:"dir"`
	CSVBytes     int64   `json:"csv_bytes"`
	ParquetBytes int64   `json:"parquet_bytes,omitempty"`
	Generated    bool    `json:"generated"`
	GenerateSecs float64 `json:"generate_secs,omitempty"`
}

// Ingest is one engine's load of the data set.
type Ingest struct {
	Engine     string  `json:"engine"`
	Rows       int64   `json:"rows"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rows_per_sec"`
	// SettleSeconds is how long background work took after the load (vcube's compaction) before queries ran.
	SettleSeconds float64 `json:"settle_seconds,omitempty"`
	// CPUSeconds is the CPU time the engine's process used for the load (not the settling): with Rows, a rate
	// that hardly depends on other work on the machine. 0 when unknown.
	CPUSeconds   float64 `json:"cpu_seconds,omitempty"`
	PeakRSSBytes int64   `json:"peak_rss_bytes,omitempty"` // the engine process's peak resident memory after the load
	DiskBytes    int64   `json:"disk_bytes,omitempty"`
	Note         string  `json:"note,omitempty"`
}

// QueryResult is one query's figures on every engine.
type QueryResult struct {
	Query
	ResultRows int        `json:"result_rows"`
	Timings    []Timing   `json:"timings"`
	Ratios     []Ratio    `json:"ratios,omitempty"`
	Check      Check      `json:"check"`
	Answer     [][]string `json:"answer,omitempty"` // vcube's answer (its first rows), in the normal form
	// ColdProfile is EXPLAIN ANALYZE before the query's warm-up (its bytes are what it reads from files when its
	// columns are not cached yet), Profile the same after the timed runs (what a warm run spends its time on).
	ColdProfile *Profile `json:"cold_profile,omitempty"`
	Profile     *Profile `json:"profile,omitempty"`
	Loads       []Load   `json:"loads,omitempty"`
}

// Ratio is vcube's median time over another engine's: below 1, vcube is faster.
type Ratio struct {
	Against string  `json:"against"`
	Ratio   float64 `json:"ratio"`
}

// Check is the comparison of vcube's answer with the peer's.
type Check struct {
	Status string `json:"status"` // ok, mismatch, error, or unchecked (no peer)
	Detail string `json:"detail,omitempty"`
}

// Goal is one of the targets the issue sets, met or not by this run.
type Goal struct {
	Goal   string `json:"goal"`
	Met    bool   `json:"met"`
	Detail string `json:"detail"`
}

// Timing returns the timing of engine, or nil.
func (q *QueryResult) Timing(engine string) *Timing {
	for i := range q.Timings {
		if q.Timings[i].Engine == engine {
			return &q.Timings[i]
		}
	}
	return nil
}

// RatioAgainst returns vcube's ratio against engine, or 0.
func (q *QueryResult) RatioAgainst(engine string) float64 {
	for _, r := range q.Ratios {
		if r.Against == engine {
			return r.Ratio
		}
	}
	return 0
}

// Load returns the concurrent run of engine at clients, or nil.
func (q *QueryResult) Load(engine string, clients int) *Load {
	for i := range q.Loads {
		if q.Loads[i].Engine == engine && q.Loads[i].Clients == clients {
			return &q.Loads[i]
		}
	}
	return nil
}

// Query returns the result of query id, or nil.
func (r *Result) Query(id string) *QueryResult {
	for i := range r.Queries {
		if r.Queries[i].ID == id {
			return &r.Queries[i]
		}
	}
	return nil
}

// IngestOf returns the load figures of engine, or nil.
func (r *Result) IngestOf(engine string) *Ingest {
	for i := range r.Ingest {
		if r.Ingest[i].Engine == engine {
			return &r.Ingest[i]
		}
	}
	return nil
}

// Engine names. DuckDB's carry the thread count: duckdb-tables-2t is DuckDB over its own tables with 2 threads.
const Vcube = "vcube"

// TablesEngine and ParquetEngine name DuckDB over its own tables and over Parquet files at a thread count.
func TablesEngine(threads int) string  { return fmt.Sprintf("duckdb-tables-%dt", threads) }
func ParquetEngine(threads int) string { return fmt.Sprintf("duckdb-parquet-%dt", threads) }

// WriteFile writes the result as indented JSON.
func (r *Result) WriteFile(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	_, err = writeAtomically(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
	return err
}

// ReadResult reads a result file.
func ReadResult(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Format != ResultFormat {
		return nil, fmt.Errorf("%s: result format %d, this vcube reads %d", path, r.Format, ResultFormat)
	}
	return &r, nil
}
