// Command vcube-benchpeer is the DuckDB companion of `vcube bench`: it runs DuckDB (through
// github.com/duckdb/duckdb-go, which needs cgo and ships DuckDB's library) in a process of its own, so that the
// vcube binary stays pure Go, and answers the bench's requests in JSON lines over standard input and output. The
// protocol is described in bench/peer.go of the vcube module; this module does not import vcube, so that each
// side builds on its own (make bench builds both).
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

type request struct {
	Op       string          `json:"op"`
	Path     string          `json:"path"`
	SQL      json.RawMessage `json:"sql"`
	Threads  int             `json:"threads"`
	WantRows bool            `json:"want_rows"`
	Clients  int             `json:"clients"`
	Seconds  float64         `json:"seconds"`
	Grace    float64         `json:"grace"`
}

type response struct {
	OK          bool        `json:"ok"`
	Error       string      `json:"error,omitempty"`
	MS          float64     `json:"ms,omitempty"`
	Rows        [][]*string `json:"rows,omitempty"`
	RowCount    int64       `json:"row_count,omitempty"`
	LatenciesMS []float64   `json:"latencies_ms,omitempty"`
	Errors      int         `json:"errors,omitempty"`
	CutOff      int         `json:"cut_off,omitempty"`
	FirstError  string      `json:"first_error,omitempty"`
	WallMS      float64     `json:"wall_ms,omitempty"`
	PeakRSS     int64       `json:"peak_rss,omitempty"`
}

type peer struct {
	db      *sql.DB
	threads int
}

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	enc := json.NewEncoder(out)
	p := &peer{}
	defer p.close()
	for {
		line, err := in.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			if err != io.EOF {
				fmt.Fprintln(os.Stderr, "vcube-benchpeer:", err)
				os.Exit(1)
			}
			return
		}
		var req request
		var resp *response
		if err := json.Unmarshal(line, &req); err != nil {
			resp = &response{Error: "bad request: " + err.Error()}
		} else if req.Op == "quit" {
			return
		} else {
			resp = p.handle(&req)
		}
		if err := enc.Encode(resp); err != nil {
			fmt.Fprintln(os.Stderr, "vcube-benchpeer:", err)
			os.Exit(1)
		}
		if err := out.Flush(); err != nil {
			os.Exit(1)
		}
	}
}

func (p *peer) close() {
	if p.db != nil {
		p.db.Close()
	}
}

func (p *peer) handle(req *request) *response {
	resp, err := p.dispatch(req)
	if err != nil {
		return &response{Error: err.Error()}
	}
	resp.OK = true
	return resp
}

func (p *peer) dispatch(req *request) (*response, error) {
	switch req.Op {
	case "open":
		return p.open(req.Path)
	case "stats":
		return &response{PeakRSS: peakRSS()}, nil
	}
	if p.db == nil {
		return nil, errors.New("no database open: send open first")
	}
	if req.Threads > 0 && req.Threads != p.threads {
		if _, err := p.db.Exec(fmt.Sprintf("SET threads = %d", req.Threads)); err != nil {
			return nil, err
		}
		p.threads = req.Threads
	}
	switch req.Op {
	case "exec":
		var stmts []string
		if err := json.Unmarshal(req.SQL, &stmts); err != nil {
			return nil, fmt.Errorf("exec: sql must be a list of statements: %w", err)
		}
		start := time.Now()
		for _, s := range stmts {
			if _, err := p.db.Exec(s); err != nil {
				return nil, fmt.Errorf("%s: %w", s, err)
			}
		}
		return &response{MS: ms(time.Since(start))}, nil
	case "query":
		var q string
		if err := json.Unmarshal(req.SQL, &q); err != nil {
			return nil, fmt.Errorf("query: sql must be a string: %w", err)
		}
		return p.query(q, req.WantRows)
	case "load":
		var q string
		if err := json.Unmarshal(req.SQL, &q); err != nil {
			return nil, fmt.Errorf("load: sql must be a string: %w", err)
		}
		return p.load(q, req.Clients, time.Duration(req.Seconds*float64(time.Second)),
			time.Duration(req.Grace*float64(time.Second)))
	}
	return nil, fmt.Errorf("unknown op %q", req.Op)
}

// open creates a database file afresh (removing an old one and its write-ahead log).
func (p *peer) open(path string) (*response, error) {
	p.close()
	p.db, p.threads = nil, 0
	if path == "" {
		return nil, errors.New("open: path is required")
	}
	for _, f := range []string{path, path + ".wal"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	p.db = db
	return &response{}, nil
}

// query runs q and reads every row, converting each value as a client would; the time covers both.
func (p *peer) query(q string, wantRows bool) (*response, error) {
	start := time.Now()
	rows, err := p.db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	resp := &response{}
	var kept [][]any
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		resp.RowCount++
		if wantRows {
			kept = append(kept, slices.Clone(vals))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	resp.MS = ms(time.Since(start))
	for _, r := range kept {
		texts := make([]*string, len(r))
		for i, v := range r {
			texts[i] = cellText(v)
		}
		resp.Rows = append(resp.Rows, texts)
	}
	return resp, nil
}

// load runs q from clients connections in a loop for d, and reports each query's latency; queries still running
// grace after d are cancelled (no grace: they run to their end).
func (p *peer) load(q string, clients int, d, grace time.Duration) (*response, error) {
	if clients < 1 {
		return nil, errors.New("load: clients must be at least 1")
	}
	p.db.SetMaxOpenConns(clients)
	p.db.SetMaxIdleConns(clients)
	var (
		mu        sync.Mutex
		latencies []float64
		failures  int
		cutOff    int
		first     string
		wg        sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if grace > 0 {
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(grace))
		defer cancel()
	}
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := p.db.Conn(context.Background())
			if err != nil {
				mu.Lock()
				failures++
				first = err.Error()
				mu.Unlock()
				return
			}
			defer conn.Close()
			var mine []float64
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := drain(conn.QueryContext(ctx, q))
				if err != nil {
					mu.Lock()
					if ctx.Err() != nil {
						cutOff++
						mine = append(mine, ms(time.Since(t0)))
					} else {
						if failures == 0 {
							first = err.Error()
						}
						failures++
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
	return &response{LatenciesMS: latencies, Errors: failures, CutOff: cutOff, FirstError: first,
		WallMS: ms(time.Since(start))}, nil
}

func drain(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// cellText renders a value as the bench compares it: exact decimal text for numbers, YYYY-MM-DD HH:MM:SS for
// timestamps (with microseconds only when there are some), nil for NULL.
func cellText(v any) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		s = x
	case []byte:
		s = string(x)
	case bool:
		s = "0"
		if x {
			s = "1"
		}
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, uint:
		s = fmt.Sprint(x)
	case float32:
		s = strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case *big.Int:
		s = x.String()
	case duckdb.Decimal:
		s = x.String()
	case time.Time:
		x = x.UTC()
		if x.Nanosecond() != 0 {
			s = x.Format("2006-01-02 15:04:05.000000")
		} else {
			s = x.Format("2006-01-02 15:04:05")
		}
	default:
		s = fmt.Sprint(x)
	}
	return &s
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// peakRSS is this process's peak resident memory (VmHWM) in bytes, 0 where /proc does not say.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
