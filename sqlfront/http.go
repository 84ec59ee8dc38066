package sqlfront

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
	"vitess.io/vitess/go/mysql/sqlerror"

	"github.com/vcubedb/vcube/internal/sqlerr"
)

// HTTPConfig tunes the HTTP API.
type HTTPConfig struct {
	MaxBodyBytes int           // largest statement accepted; 64 MiB when 0
	QueryTimeout time.Duration // 0: no limit
}

// HTTPServer serves the SQL API:
//
//	POST /v1/sql   body: one statement as text, or {"query": "..."} with Content-Type application/json;
//	               ?format=json (default) | csv | arrow; ?schema=s sets the default schema
//	PUT  /v1/plugins/<name>     body: a WebAssembly module, installed as plugin <name> (INSTALL PLUGIN)
//	DELETE /v1/plugins/<name>   uninstalls it (UNINSTALL PLUGIN)
//	GET  /healthz  200 once the server accepts queries
type HTTPServer struct {
	engine *Engine
	cfg    HTTPConfig
	srv    *fasthttp.Server
	// base is every statement's parent context, cancelled by Shutdown. Statements do not derive from the
	// fasthttp.RequestCtx: fasthttp reuses it once the handler returns, and the client watch may cancel a
	// statement's context from another goroutine.
	base     context.Context
	stopBase context.CancelFunc

	// conns holds every open connection, true while a request on it is being answered (from the handler's
	// start until its response is written). Shutdown waits for those and then closes the rest, including the
	// connections a client opened and never sent a request on (HTTP clients dial spare ones), which fasthttp
	// would otherwise wait on until ReadTimeout.
	connsMu sync.Mutex
	conns   map[net.Conn]bool
}

// NewHTTPServer returns a server for an engine.
func NewHTTPServer(e *Engine, cfg HTTPConfig) *HTTPServer {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 20
	}
	h := &HTTPServer{engine: e, cfg: cfg, conns: make(map[net.Conn]bool)}
	h.base, h.stopBase = context.WithCancel(context.Background())
	h.srv = &fasthttp.Server{
		Handler:            h.handle,
		ConnState:          h.connState,
		Logger:             serverLog{h},
		Name:               "vcube",
		MaxRequestBodySize: cfg.MaxBodyBytes,
		IdleTimeout:        2 * time.Minute,
		ReadTimeout:        5 * time.Minute,
		NoDefaultDate:      true,
	}
	return h
}

// Serve answers requests on ln until Shutdown.
func (h *HTTPServer) Serve(ln net.Listener) error { return h.srv.Serve(ln) }

// Shutdown stops accepting connections, interrupts the statements in flight, waits for their requests to
// finish (or ctx to end), then closes the connections left open: those carry no request, or one whose body
// had not fully arrived and so was never answered.
func (h *HTTPServer) Shutdown(ctx context.Context) error {
	h.stopBase()
	done := make(chan error, 1)
	go func() { done <- h.srv.ShutdownWithContext(ctx) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
wait:
	for h.answering() {
		select {
		case <-ctx.Done():
			break wait
		case <-tick.C:
		}
	}
	h.connsMu.Lock()
	for c := range h.conns {
		c.Close()
	}
	h.connsMu.Unlock()
	return <-done
}

// serverLog passes fasthttp's messages to the process's log, except the failed reads of the connections
// Shutdown closes.
type serverLog struct{ h *HTTPServer }

func (l serverLog) Printf(format string, args ...any) {
	if l.h.base.Err() != nil {
		return
	}
	slog.Warn("HTTP server", "msg", fmt.Sprintf(format, args...))
}

// answering reports whether a request is being answered on any connection.
func (h *HTTPServer) answering() bool {
	h.connsMu.Lock()
	defer h.connsMu.Unlock()
	for _, busy := range h.conns {
		if busy {
			return true
		}
	}
	return false
}

func (h *HTTPServer) connState(c net.Conn, st fasthttp.ConnState) {
	h.connsMu.Lock()
	defer h.connsMu.Unlock()
	switch st {
	case fasthttp.StateNew, fasthttp.StateIdle: // StateIdle: the response has been written
		h.conns[c] = false
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		delete(h.conns, c)
	}
}

func (h *HTTPServer) handle(ctx *fasthttp.RequestCtx) {
	h.connsMu.Lock()
	if _, open := h.conns[ctx.Conn()]; open {
		h.conns[ctx.Conn()] = true
	}
	h.connsMu.Unlock()
	switch string(ctx.Path()) {
	case "/healthz":
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("ok\n")
	case "/v1/sql":
		if !ctx.IsPost() {
			ctx.Response.Header.Set("Allow", "POST")
			writeError(ctx, fasthttp.StatusMethodNotAllowed, sqlerr.New(sqlerr.Unknown, "use POST for /v1/sql"))
			return
		}
		h.sql(ctx)
	default:
		if name, ok := strings.CutPrefix(string(ctx.Path()), "/v1/plugins/"); ok {
			h.plugin(ctx, name)
			return
		}
		writeError(ctx, fasthttp.StatusNotFound, sqlerr.New(sqlerr.Unknown, "no such endpoint %q", ctx.Path()))
	}
}

// plugin installs (PUT, the module as the body) or uninstalls (DELETE) a plugin; answers {"ok": true}.
func (h *HTTPServer) plugin(ctx *fasthttp.RequestCtx, name string) {
	qctx, cancel := context.WithCancel(h.base)
	defer cancel()
	var err error
	switch {
	case ctx.IsPut():
		err = h.engine.InstallPlugin(qctx, name, ctx.PostBody())
	case ctx.IsDelete():
		err = h.engine.UninstallPlugin(qctx, name)
	default:
		ctx.Response.Header.Set("Allow", "PUT, DELETE")
		writeError(ctx, fasthttp.StatusMethodNotAllowed, sqlerr.New(sqlerr.Unknown, "use PUT to install a plugin, DELETE to uninstall it"))
		return
	}
	if err != nil {
		writeStatementError(ctx, err)
		return
	}
	ctx.SetContentType("application/json")
	ctx.SetBodyString("{\"ok\":true}\n")
}

// sqlRequest is the JSON form of a statement.
type sqlRequest struct {
	Query string `json:"query"`
}

// decodeSQLRequest reads the statement from a request body: JSON when the content type says so, text otherwise.
func decodeSQLRequest(contentType, body []byte) (string, error) {
	ct := strings.ToLower(string(contentType))
	if strings.HasPrefix(strings.TrimSpace(ct), "application/json") {
		var req sqlRequest
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return "", sqlerr.New(sqlerr.Parse, "request body is not valid JSON of the form {\"query\": \"...\"}: %v", err)
		}
		if dec.More() {
			return "", sqlerr.New(sqlerr.Parse, "request body has data after the JSON object")
		}
		return req.Query, nil
	}
	return string(body), nil
}

// clientCheckInterval is how often a running statement checks that its HTTP client is still connected.
const clientCheckInterval = 100 * time.Millisecond

func (h *HTTPServer) sql(ctx *fasthttp.RequestCtx) {
	format := string(ctx.QueryArgs().Peek("format"))
	switch format {
	case "", "json", "csv", "arrow":
	default:
		writeError(ctx, fasthttp.StatusBadRequest, sqlerr.New(sqlerr.WrongArguments, "unknown format %q: use json, csv or arrow", format))
		return
	}
	query, err := decodeSQLRequest(ctx.Request.Header.ContentType(), ctx.PostBody())
	if err != nil {
		writeError(ctx, fasthttp.StatusBadRequest, err)
		return
	}
	qctx, cancel := context.WithCancel(h.base)
	defer cancel()
	if h.cfg.QueryTimeout > 0 {
		var stop context.CancelFunc
		qctx, stop = context.WithTimeout(qctx, h.cfg.QueryTimeout)
		defer stop()
	}
	// A client that hangs up will never read the answer: its query stops (error 1317) instead of running on.
	done := make(chan struct{})
	defer close(done)
	clientGone(ctx.Conn(), clientCheckInterval, done, cancel)
	sess := &Session{Schema: string(ctx.QueryArgs().Peek("schema"))}
	res, err := h.engine.Execute(qctx, sess, query)
	if err != nil {
		writeStatementError(ctx, err)
		return
	}
	defer res.Release()
	var out bytes.Buffer
	switch format {
	case "csv":
		ctx.SetContentType("text/csv; charset=utf-8")
		err = writeCSV(&out, res)
	case "arrow":
		ctx.SetContentType("application/vnd.apache.arrow.stream")
		err = writeArrow(&out, res)
	default:
		ctx.SetContentType("application/json")
		err = writeJSON(&out, res)
	}
	if err != nil {
		writeError(ctx, fasthttp.StatusInternalServerError, err)
		return
	}
	ctx.SetBody(out.Bytes())
}

// writeError answers {"error":{"code":N,"sqlstate":"XXXXX","message":"..."}}.
// writeStatementError answers a failed statement: 400 for the client's doing, 500 for the server's.
func writeStatementError(ctx *fasthttp.RequestCtx, err error) {
	status := fasthttp.StatusInternalServerError
	if sqlerr.IsClientError(err) {
		status = fasthttp.StatusBadRequest
	}
	writeError(ctx, status, err)
}

func writeError(ctx *fasthttp.RequestCtx, status int, err error) {
	se := sqlerr.From(err)
	ctx.ResetBody()
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(errorJSON(se))
}

func errorJSON(se *sqlerror.SQLError) []byte {
	buf := []byte(`{"error":{"code":`)
	buf = strconv.AppendInt(buf, int64(se.Num), 10)
	buf = append(buf, `,"sqlstate":`...)
	buf = appendJSONString(buf, se.State)
	buf = append(buf, `,"message":`...)
	buf = appendJSONString(buf, se.Message)
	return append(buf, "}}\n"...)
}
