package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"
)

// The DuckDB companion (testsuite/benchpeer, built as bin/vcube-benchpeer) runs DuckDB in its own process, so
// that vcube's binary stays pure Go. The bench speaks to it in JSON lines over its standard input and output: one
// request object per line, one response object per line, in order. Requests:
//
//	{"op":"open","path":"/x/bench.duckdb"}                     open (create afresh) a database file
//	{"op":"exec","sql":["CREATE ...","COPY ..."],"threads":2}  run statements in order; ms is their total time
//	{"op":"query","sql":"SELECT ...","threads":2,"want_rows":true}
//	                                                           run a query, reading every row; ms is the time from
//	                                                           sending it to the last row read
//	{"op":"load","sql":"SELECT ...","threads":2,"clients":8,"seconds":3,"grace":10}
//	                                                           clients connections send the query in a loop for
//	                                                           that long; latencies_ms lists each query's time;
//	                                                           queries still running grace seconds later are
//	                                                           cancelled, counted in cut_off (and in latencies_ms
//	                                                           with the time they had run)
//	{"op":"stats"}                                             peak_rss: the companion's peak resident memory
//	{"op":"quit"}
//
// Every response has ok, and error when ok is false. Row cells are text as CellText makes them: numbers in
// decimal (DECIMAL with its scale, HUGEINT exactly), TIMESTAMP as YYYY-MM-DD HH:MM:SS[.ffffff], NULL as null.

// PeerRequest is one request to the companion.
type PeerRequest struct {
	Op       string  `json:"op"`
	Path     string  `json:"path,omitempty"`
	SQL      any     `json:"sql,omitempty"` // a string, or for exec a list of strings
	Threads  int     `json:"threads,omitempty"`
	WantRows bool    `json:"want_rows,omitempty"`
	Clients  int     `json:"clients,omitempty"`
	Seconds  float64 `json:"seconds,omitempty"`
	Grace    float64 `json:"grace,omitempty"`
}

// PeerResponse is the companion's answer to one request.
type PeerResponse struct {
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

// Texts is the response's rows in the normal form Compare takes.
func (r *PeerResponse) Texts() [][]string {
	out := make([][]string, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = make([]string, len(row))
		for j, c := range row {
			if c == nil {
				out[i][j] = Null
			} else {
				out[i][j] = *c
			}
		}
	}
	return out
}

// Peer is a running companion process.
type Peer struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr syncBuffer
}

// StartPeer starts the companion binary.
func StartPeer(bin string) (*Peer, error) {
	p := &Peer{cmd: exec.Command(bin)}
	p.cmd.Stderr = &p.stderr
	in, err := p.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the DuckDB companion %s: %w (build it with make bench, or name it with --peer-bin)", bin, err)
	}
	p.in, p.out = in, bufio.NewReaderSize(out, 1<<20)
	return p, nil
}

// syncBuffer is the companion's standard error, kept (its last 64 KiB) to explain failures.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf.Len() > 64<<10 {
		keep := s.buf.Bytes()[s.buf.Len()-32<<10:]
		s.buf = *bytes.NewBuffer(append([]byte(nil), keep...))
	}
	return s.buf.Write(b)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// Call sends one request and reads its response; a response with ok false is an error.
func (p *Peer) Call(req PeerRequest) (*PeerResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("DuckDB companion: %w%s", err, p.tail())
	}
	line, err := p.out.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("DuckDB companion stopped answering (%v)%s", err, p.tail())
	}
	var resp PeerResponse
	if err := json.Unmarshal(line, &resp); err != nil {
		return nil, fmt.Errorf("DuckDB companion: bad response %q: %w", truncate(string(line), 200), err)
	}
	if !resp.OK {
		return &resp, errors.New("DuckDB: " + resp.Error)
	}
	return &resp, nil
}

func (p *Peer) tail() string {
	s := p.stderr.String()
	if s == "" {
		return ""
	}
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return ":\n" + s
}

// PID is the companion's process id.
func (p *Peer) PID() int { return p.cmd.Process.Pid }

// Close asks the companion to quit and waits for it (killing it after 30 s).
func (p *Peer) Close() error {
	done := make(chan error, 1)
	go func() {
		p.mu.Lock()
		b, _ := json.Marshal(PeerRequest{Op: "quit"})
		p.in.Write(append(b, '\n'))
		p.in.Close()
		p.mu.Unlock()
		done <- p.cmd.Wait()
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		return errors.New("DuckDB companion did not quit within 30 s; killed")
	}
}
