package plugins

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// instance is one instantiation of a plugin's module. One goroutine uses it at a time: the pool hands it out
// for the duration of an operator (an accumulator) or a call (a cast).
type instance struct {
	p      *Plugin
	mod    api.Module
	mem    api.Memory
	fns    map[string]api.Function
	stack  []uint64 // arguments and results of calls
	stderr *output

	// scratch is a region of guest memory (from vcube_alloc) the host writes call inputs into, kept and
	// grown across calls so that a batch call allocates nothing in the guest; frame plans what goes there.
	scratch, scratchCap uint32
	frame               frame

	// interrupt is the global the instrumentation checks at every loop header. The end of the watched
	// context sets it, under guard, only while a call runs (running), and records that it did (interrupted).
	// The watch (context.AfterFunc on the context whose Done channel is watchDone, removed by stopWatch) stays
	// registered while calls come under that context; watchGen tells a late callback it is outdated.
	interrupt   api.MutableGlobal
	guard       sync.Mutex
	running     bool
	interrupted bool
	watchGen    uint64
	watchDone   <-chan struct{}
	stopWatch   func() bool

	// broken marks an instance that trapped, broke the ABI or was interrupted: it is closed instead of going
	// back to the pool.
	broken bool
}

func (p *Plugin) instantiate(ctx context.Context) (*instance, error) {
	stderr := &output{max: stderrBytes}
	cfg := wazero.NewModuleConfig().
		WithName("").         // anonymous: a runtime holds any number of instances of one module
		WithStartFunctions(). // _initialize is called below, where the context can interrupt it
		WithStdout(stderr).
		WithStderr(stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader)
	mod, err := p.host.rt.InstantiateModule(ctx, p.compiled, cfg)
	if err != nil {
		msg := firstLine(err.Error())
		if s := stderr.message(); s != "" {
			msg += ": " + s
		}
		return nil, &Error{Plugin: p.name, Row: -1, Message: "cannot start an instance: " + msg, Trap: true, Err: ctxErr(ctx, err)}
	}
	in := &instance{p: p, mod: mod, mem: mod.Memory(), fns: map[string]api.Function{}, stderr: stderr, stack: make([]uint64, 8)}
	in.interrupt, _ = mod.ExportedGlobal(interruptExport).(api.MutableGlobal)
	if in.interrupt == nil || in.mem == nil {
		in.close()
		return nil, loadError(p.name, "the instrumented module lacks its memory or %s", interruptExport)
	}
	for name := range p.exports {
		in.fns[name] = mod.ExportedFunction(name)
	}
	// A reactor (Go's -buildmode=c-shared, for one) initialises itself in _initialize.
	if init := mod.ExportedFunction("_initialize"); init != nil {
		in.fns["_initialize"] = init
		if _, err := in.call(ctx, "", "_initialize"); err != nil {
			in.close()
			var e *Error
			if errors.As(err, &e) {
				e.Message = "cannot start an instance: " + e.Message
			}
			return nil, err
		}
	}
	return in, nil
}

func (in *instance) close() {
	in.unwatch()
	_ = in.mod.Close(context.Background())
}

// call calls an export with i32 arguments and returns its first result. An error is an *Error naming
// function (the SQL function on whose behalf the call runs); the instance is then broken unless the export
// returned normally.
func (in *instance) call(ctx context.Context, function, export string, args ...uint32) (uint64, error) {
	if in.broken {
		return 0, &Error{Plugin: in.p.name, Function: function, Row: -1, Message: "the instance is no longer usable", Trap: true}
	}
	if err := ctx.Err(); err != nil {
		return 0, &Error{Plugin: in.p.name, Function: function, Row: -1, Message: stopMessage(err), Err: err}
	}
	in.watch(ctx)
	in.stderr.reset()
	stack := in.stack
	for i, a := range args {
		stack[i] = uint64(a)
	}
	// The context may end between the check above and here: with running set first, either the watch sees
	// running and sets the global, or this check sees the context's end.
	in.setRunning(true)
	if err := ctx.Err(); err != nil {
		if in.setRunning(false) {
			in.broken = true
		}
		return 0, &Error{Plugin: in.p.name, Function: function, Row: -1, Message: stopMessage(err), Err: err, Trap: in.broken}
	}
	err := in.fns[export].CallWithStack(ctx, stack)
	if in.setRunning(false) {
		// The context ended during the call: the instance's next loop would trap, so it is not reused,
		// whether or not this call got to finish.
		in.broken = true
	}
	if err != nil {
		in.broken = true
		return 0, in.trapError(ctx, function, export, err)
	}
	return stack[0], nil
}

// status calls an export that returns a status code and turns a failure into an *Error carrying the plugin's
// message and row.
func (in *instance) status(ctx context.Context, function, export string, args ...uint32) error {
	r, err := in.call(ctx, function, export, args...)
	if err != nil {
		return err
	}
	switch int32(r) {
	case statusOK:
		return nil
	case statusError:
		return in.guestError(ctx, function, false)
	default:
		err := in.guestError(ctx, function, true)
		in.broken = true
		return err
	}
}

// guestError reads the message and row of the last failed call.
func (in *instance) guestError(ctx context.Context, function string, fatal bool) error {
	e := &Error{Plugin: in.p.name, Function: function, Row: -1, Trap: fatal}
	packed, err := in.call(ctx, function, exportErrorMessage)
	if err != nil {
		return err
	}
	ptr, n := uint32(packed>>32), uint32(packed)
	msg, ok := in.mem.Read(ptr, min(n, maxMessageBytes))
	if !ok {
		in.broken = true
		e.Message, e.Trap = "the plugin failed and its error message lies outside its memory", true
		return e
	}
	e.Message = strings.TrimSpace(strings.ToValidUTF8(string(msg), "\uFFFD"))
	if e.Message == "" {
		e.Message = "the plugin failed without a message"
	}
	row, err := in.call(ctx, function, exportErrorRow)
	if err != nil {
		return err
	}
	if r := int64(row); r >= 0 && r < 1<<31 {
		e.Row = int(r)
	}
	return e
}

// trapError describes a call that did not return: the caller's context stopping it, a trap, or an exit (a
// Go guest's fatal error or unrecovered panic exits).
func (in *instance) trapError(ctx context.Context, function, export string, err error) error {
	e := &Error{Plugin: in.p.name, Function: function, Row: -1, Trap: true}
	if in.interrupted {
		e.Message, e.Err = stopMessage(ctx.Err()), ctx.Err()
		return e
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		e.Message = fmt.Sprintf("the plugin exited with code %d in %s", exit.ExitCode(), export)
		if s := in.stderr.message(); s != "" {
			e.Message += ": " + s
		}
		return e
	}
	if s := in.stderr.message(); s != "" {
		// What the plugin printed (a Go runtime's fatal error) says more than the trap that followed.
		e.Message = fmt.Sprintf("the plugin crashed in %s: %s", export, s)
	} else {
		e.Message = fmt.Sprintf("the plugin trapped in %s: %s", export, firstLine(err.Error()))
	}
	return e
}

// watch arranges for the end of ctx to interrupt the instance. The registration stays while calls come under
// contexts with the same Done channel (an operator's calls under its query's context), and goes when the
// instance returns to the pool.
func (in *instance) watch(ctx context.Context) {
	done := ctx.Done()
	if done == in.watchDone {
		return
	}
	in.unwatch()
	if done != nil {
		in.guard.Lock()
		gen := in.watchGen
		in.guard.Unlock()
		in.watchDone = done
		in.stopWatch = context.AfterFunc(ctx, func() {
			in.guard.Lock()
			defer in.guard.Unlock()
			if in.running && in.watchGen == gen {
				in.interrupted = true
				in.interrupt.Set(1)
			}
		})
	}
}

// unwatch removes the registration; a callback of it that runs late finds itself outdated. A context that
// ended between calls did not touch the instance.
func (in *instance) unwatch() {
	if in.stopWatch == nil {
		return
	}
	in.stopWatch()
	in.guard.Lock()
	in.watchGen++
	in.guard.Unlock()
	in.watchDone, in.stopWatch = nil, nil
}

// setRunning marks a call in progress or over, and reports whether the context interrupted it.
func (in *instance) setRunning(running bool) bool {
	in.guard.Lock()
	defer in.guard.Unlock()
	in.running = running
	return in.interrupted
}

func stopMessage(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "stopped: the statement's time limit passed while the plugin ran"
	}
	return "stopped: the statement was canceled while the plugin ran"
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimPrefix(s, "wasm error: ")
}

// reserve returns the address of at least size bytes of scratch memory in the guest.
func (in *instance) reserve(ctx context.Context, function string, size int) (uint32, error) {
	if size > 1<<31-1 {
		return 0, &Error{Plugin: in.p.name, Function: function, Row: -1, Message: "the batch needs more than 2 GiB of plugin memory"}
	}
	if uint32(size) <= in.scratchCap {
		return in.scratch, nil
	}
	if in.scratch != 0 {
		if _, err := in.call(ctx, function, exportFree, in.scratch, in.scratchCap); err != nil {
			return 0, err
		}
		in.scratch, in.scratchCap = 0, 0
	}
	want := max(size+size/2, 64<<10)
	want = min(want, 1<<31-1)
	addr, err := in.call(ctx, function, exportAlloc, uint32(want))
	if err != nil {
		return 0, err
	}
	if uint32(addr) == 0 || uint32(addr)%8 != 0 || uint64(uint32(addr))+uint64(want) > uint64(in.mem.Size()) {
		in.broken = true
		return 0, &Error{Plugin: in.p.name, Function: function, Row: -1, Trap: true,
			Message: fmt.Sprintf("the plugin could not allocate %d bytes for a batch (its memory limit is %d MiB)", want, in.p.host.limitPages/16)}
	}
	in.scratch, in.scratchCap = uint32(addr), uint32(want)
	return in.scratch, nil
}

// output keeps the beginning of what a plugin prints (stdout and stderr) during one call: a Go guest prints
// its panic or fatal error there before it traps or exits, and the beginning says what happened (the rest is
// a goroutine dump).
type output struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if room := o.max - len(o.buf); room > 0 {
		o.buf = append(o.buf, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

func (o *output) reset() {
	o.mu.Lock()
	o.buf = o.buf[:0]
	o.mu.Unlock()
}

// message returns the first paragraph of the output from its first runtime, fatal error or panic line on
// (a Go panic's message without its goroutine dump), on one line.
func (o *output) message() string {
	o.mu.Lock()
	s := string(o.buf)
	o.mu.Unlock()
	start := len(s)
	for _, marker := range []string{"runtime: ", "fatal error: ", "panic: "} {
		if i := strings.Index(s, marker); i >= 0 && (i == 0 || s[i-1] == '\n') {
			start = min(start, i)
		}
	}
	if start == len(s) {
		start = 0
	}
	s = strings.TrimSpace(s[start:])
	if i := strings.Index(s, "\n\n"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\n", "; ")
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	return s
}
