package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Client speaks to a vcube server over its HTTP API (docs/http-api.md): one statement per POST /v1/sql.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client of the server at base (http://host:port), keeping up to conns connections open.
func NewClient(base string, conns int) *Client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
		DisableCompression: true}
	return &Client{base: strings.TrimRight(base, "/"), http: &http.Client{Transport: tr}}
}

// Answer is a decoded JSON answer.
type Answer struct {
	Columns []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"columns"`
	Rows [][]any `json:"rows"`
}

// SQLError is an error the server answered.
type SQLError struct {
	Status  int
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *SQLError) Error() string {
	return fmt.Sprintf("vcube error %d (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// Raw sends one statement and returns the answer's body, read to the end: what a timed run measures.
func (c *Client) Raw(ctx context.Context, query string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/sql", strings.NewReader(query))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/plain")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error *SQLError `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != nil {
			e.Error.Status = resp.StatusCode
			return nil, e.Error
		}
		return nil, fmt.Errorf("vcube: HTTP %d: %s", resp.StatusCode, truncate(string(body), 300))
	}
	return body, nil
}

// Query sends one statement and decodes its answer (numbers kept as json.Number).
func (c *Client) Query(ctx context.Context, query string) (*Answer, error) {
	body, err := c.Raw(ctx, query)
	if err != nil {
		return nil, err
	}
	return decodeAnswer(body)
}

func decodeAnswer(body []byte) (*Answer, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var a Answer
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("vcube: decoding the answer: %w", err)
	}
	return &a, nil
}

// Texts is the answer's rows in the normal form Compare takes.
func (a *Answer) Texts() [][]string {
	out := make([][]string, len(a.Rows))
	for i, r := range a.Rows {
		out[i] = make([]string, len(r))
		for j, v := range r {
			out[i][j] = CellText(v)
		}
	}
	return out
}

// Ping waits until the server answers /healthz or ctx ends.
func (c *Client) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s/healthz: HTTP %d", c.base, resp.StatusCode)
	}
	return nil
}

// Server is a `vcube serve` the bench started as a child process on a free loopback port.
type Server struct {
	cmd    *exec.Cmd
	URL    string
	exited chan error
	mu     sync.Mutex
	log    bytes.Buffer
}

var servingLine = regexp.MustCompile(`vcube is serving.*http=(http://\S+)`)

// StartServer runs `bin serve` with dataDir, extra flags after it, and waits until it serves.
func StartServer(ctx context.Context, bin, dataDir string, extra ...string) (*Server, error) {
	args := append([]string{"serve", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0"}, extra...)
	s := &Server{cmd: exec.Command(bin, args...), exited: make(chan error, 1)}
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s serve: %w", bin, err)
	}
	addr := make(chan string, 1)
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			if s.log.Len() < 1<<20 {
				s.log.WriteString(line + "\n")
			}
			s.mu.Unlock()
			if m := servingLine.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	// Wait closes the pipe: it is called once the log is read to its end, so the last lines are kept.
	go func() {
		<-logged
		s.exited <- s.cmd.Wait()
	}()
	select {
	case s.URL = <-addr:
	case err := <-s.exited:
		return nil, fmt.Errorf("vcube serve exited before serving (%v):\n%s", err, s.Log())
	case <-time.After(2 * time.Minute):
		s.Stop()
		return nil, fmt.Errorf("vcube serve did not start within 2 minutes:\n%s", s.Log())
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
	return s, nil
}

// Log is what the server wrote to its standard error.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// PeakRSS is the server's peak resident memory so far (VmHWM), in bytes; 0 where /proc does not say.
func (s *Server) PeakRSS() int64 { return peakRSS(s.cmd.Process.Pid) }

// Stop ends the server with SIGTERM (SIGKILL after 30 s) and waits for it.
func (s *Server) Stop() error {
	if s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		s.exited <- err
		if err != nil {
			return fmt.Errorf("%w; its log ends with:\n%s", err, lastLines(s.Log(), 10))
		}
		return nil
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		err := <-s.exited
		s.exited <- err
		return errors.New("vcube serve did not stop within 30 s of SIGTERM; killed")
	}
}

// lastLines is the end of a log, at most n lines.
func lastLines(log string, n int) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// procCPU is the CPU time (user and system, all threads) a process has used so far, from /proc/PID/stat in
// clock ticks of 10 ms; ok is false where /proc does not say. CPU time, unlike elapsed time, hardly depends on
// what else runs on the machine.
func procCPU(pid int) (d time.Duration, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: fields are counted after its closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14 of stat
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(utime+stime) * tick, true
}

// peakRSS reads VmHWM of a process from /proc.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// Profile is what the bench takes from one EXPLAIN ANALYZE FORMAT=JSON run of a query: the data its scans read
// and the plan nodes that took the most time.
type Profile struct {
	BytesRead   int64      `json:"bytes_read"`     // compressed bytes of column chunks read from files (cached columns count 0)
	RowsScanned int64      `json:"rows_scanned"`   // rows the scans produced
	Files       int64      `json:"files"`          // chunk files read
	FilesTotal  int64      `json:"files_total"`    // chunk files of the indexes read, before pruning
	TotalMS     float64    `json:"total_ms"`       // all nodes' own times added up
	Top         []PlanNode `json:"top"`            // the three nodes with the most time of their own
	Plan        string     `json:"plan,omitempty"` // the analyzed plan as an indented tree
}

// PlanNode is one node of an analyzed plan.
type PlanNode struct {
	Node   string  `json:"node"`
	Detail string  `json:"detail"`
	TimeMS float64 `json:"time_ms"` // the node's own time (children's time taken out)
	Rows   int64   `json:"rows"`
	Share  float64 `json:"share"` // of TotalMS
}

// explainNode mirrors EXPLAIN ANALYZE FORMAT=JSON's tree.
type explainNode struct {
	Node     string           `json:"node"`
	Detail   string           `json:"detail"`
	Figures  map[string]int64 `json:"figures"`
	Children []explainNode    `json:"children"`
}

// Explain runs EXPLAIN ANALYZE FORMAT=JSON on query and sums up its plan.
func (c *Client) Explain(ctx context.Context, query string) (*Profile, error) {
	a, err := c.Query(ctx, "EXPLAIN ANALYZE FORMAT=JSON "+query)
	if err != nil {
		return nil, err
	}
	return parseExplain(a)
}

// parseExplain reads the answer of EXPLAIN ANALYZE FORMAT=JSON: rows of (node type, node name, JSON plan).
func parseExplain(a *Answer) (*Profile, error) {
	p := &Profile{}
	var nodes []PlanNode
	for _, row := range a.Rows {
		if len(row) == 0 {
			continue
		}
		text, ok := row[len(row)-1].(string)
		if !ok {
			return nil, fmt.Errorf("EXPLAIN ANALYZE: unexpected row %v", row)
		}
		var root explainNode
		if err := json.Unmarshal([]byte(text), &root); err != nil {
			return nil, fmt.Errorf("EXPLAIN ANALYZE: decoding the plan: %w", err)
		}
		var plan strings.Builder
		var walk func(n explainNode, depth int)
		walk = func(n explainNode, depth int) {
			f := n.Figures
			t := float64(f["time_us"]) / 1000
			p.TotalMS += t
			fmt.Fprintf(&plan, "%s%s [rows=%d time=%.2fms", strings.Repeat("  ", depth), n.Detail, f["rows"], t)
			if n.Node == "Scan" {
				fmt.Fprintf(&plan, " bytes=%d files=%d/%d row_groups=%d/%d", f["bytes"], f["files"], f["files_total"],
					f["row_groups"], f["row_groups"]+f["row_groups_pruned"])
			}
			plan.WriteString("]\n")
			nodes = append(nodes, PlanNode{Node: n.Node, Detail: n.Detail, TimeMS: t, Rows: f["rows"]})
			if n.Node == "Scan" {
				p.BytesRead += f["bytes"]
				p.RowsScanned += f["rows"]
				p.Files += f["files"]
				p.FilesTotal += f["files_total"]
			}
			for _, c := range n.Children {
				walk(c, depth+1)
			}
		}
		walk(root, 0)
		p.Plan += plan.String()
	}
	sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].TimeMS > nodes[j].TimeMS })
	for i := range nodes {
		if p.TotalMS > 0 {
			nodes[i].Share = nodes[i].TimeMS / p.TotalMS
		}
	}
	p.Top = nodes[:min(3, len(nodes))]
	return p, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
