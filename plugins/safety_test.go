package plugins

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
)

// callShout runs the shout cast of testplugin on one value.
func callShout(t *testing.T, p *Plugin, ctx context.Context, v string) error {
	t.Helper()
	cast, err := p.Cast("shout")
	if err != nil {
		t.Fatal(err)
	}
	_, err = cast.Call(ctx, strings_([]string{"ok", v}))
	return err
}

// TestGoPluginFailures: a Go plugin that refuses a row, panics, dereferences nil or runs out of memory fails
// only that call, with an error naming the plugin and function; after a trap its instance is discarded and
// the next call gets a fresh one.
func TestGoPluginFailures(t *testing.T) {
	h := newHost(t, Config{MemoryLimit: 64 << 20})
	p := load(t, h, "testplugin")
	ctx := context.Background()
	for _, c := range []struct {
		value string
		row   int
		trap  bool
		want  string
	}{
		{"error", 1, false, `plugin "testplugin", function "shout", row 1: cannot shout "error"`},
		{"panic", -1, true, `plugin "testplugin", function "shout": panic: asked to panic`},
		{"nil", -1, true, `plugin "testplugin", function "shout": panic: runtime error: invalid memory address or nil pointer dereference`},
	} {
		t.Run(c.value, func(t *testing.T) {
			before := p.idle[0]
			err := callShout(t, p, ctx, c.value)
			var e *Error
			if !errors.As(err, &e) || e.Row != c.row || e.Trap != c.trap || err.Error() != c.want {
				t.Fatalf("error %v (%#v); want %s (trap %v)", err, err, c.want, c.trap)
			}
			if c.trap && len(p.idle) != 0 || !c.trap && (len(p.idle) != 1 || p.idle[0] != before) {
				t.Errorf("after the call the pool holds %d instances; a trap discards the instance, a refusal keeps it", len(p.idle))
			}
			if err := callShout(t, p, ctx, "fine"); err != nil {
				t.Errorf("the next call fails: %v", err)
			}
		})
	}

	t.Run("out of memory", func(t *testing.T) {
		cast, _ := p.Cast("hog")
		_, err := cast.Call(ctx, int64s([]int64{16, 16, 16, 16, 16, 16}))
		var e *Error
		if !errors.As(err, &e) || !e.Trap || !strings.Contains(err.Error(), "out of memory") {
			t.Fatalf("error %v; want a trap saying the plugin ran out of memory", err)
		}
		if !strings.HasPrefix(err.Error(), `plugin "testplugin", function "hog": `) {
			t.Errorf("error %v does not name the plugin and function", err)
		}
		if err := callShout(t, p, ctx, "fine"); err != nil {
			t.Errorf("the next call fails: %v", err)
		}
	})
}

// TestRunawayLoopsStop: a call that loops forever stops when the caller's deadline passes or the caller
// cancels, in Go and in a hand-written module, and the host carries on.
//
// Known bug, worked around here only: a garbage collection that begins while a plugin spins never finishes. Its
// stop-the-world waits for the plugin's thread, which runs compiled WebAssembly the Go scheduler cannot preempt,
// and the deadline's context.AfterFunc, which would set the plugin's interrupt flag, waits for the collection:
// the whole process hangs (seen in make test under -race, where collections are frequent). The test collects
// first and turns collection off while the loops run; the fix (the instrumented loops calling into Go now and
// then, so that a collection can proceed) is open.
func TestRunawayLoopsStop(t *testing.T) {
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	h := newHost(t, Config{})
	goPlugin := load(t, h, "testplugin")
	spinner, err := h.Load(context.Background(), "spinner", fakePlugin{bodies: map[string][]byte{exportCast: spinForever}}.module())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		p      *Plugin
		fn     string
		cancel bool
	}{
		{"go deadline", goPlugin, "spin", false},
		{"go cancel", goPlugin, "spin", true},
		{"wasm deadline", spinner, "noop", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ctx context.Context
			var cancel context.CancelFunc
			if c.cancel {
				ctx, cancel = context.WithCancel(context.Background())
				time.AfterFunc(100*time.Millisecond, cancel)
			} else {
				ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
			}
			defer cancel()
			cast, err := c.p.Cast(c.fn)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := cast.Call(ctx, int64s([]int64{1, -1}))
				done <- err
			}()
			select {
			case err := <-done:
				var e *Error
				want := context.DeadlineExceeded
				if c.cancel {
					want = context.Canceled
				}
				if !errors.As(err, &e) || !e.Trap || !errors.Is(err, want) || !strings.Contains(err.Error(), "stopped: the statement") {
					t.Fatalf("error %v; want a stop by %v", err, want)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the runaway call did not stop")
			}
			// A fresh instance serves the next call (the hand-written spinner loops on any input).
			if c.p == goPlugin {
				if _, err := cast.Call(context.Background(), int64s([]int64{5})); err != nil {
					t.Errorf("the next call fails: %v", err)
				}
			}
		})
	}

	// A context that is already done is refused before the call, without discarding the instance.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := goPlugin.idle[0]
	err = callShout(t, goPlugin, ctx, "x")
	var e *Error
	if !errors.As(err, &e) || e.Trap || !errors.Is(err, context.Canceled) {
		t.Errorf("a canceled context: %v", err)
	}
	if goPlugin.idle[0] != before {
		t.Errorf("a call refused before it ran discarded its instance")
	}
}

// TestWasmTraps: traps and ABI violations of a hand-written module fail the call with Trap set.
func TestWasmTraps(t *testing.T) {
	h := newHost(t, Config{})
	for _, c := range []struct {
		name string
		body []byte
		trap bool
		want string
	}{
		{"unreachable", trapUnreachable, true, `plugin "p", function "noop": the plugin trapped in vcube_cast: unreachable`},
		{"out of bounds", loadOutOfBounds, true, `plugin "p", function "noop": the plugin trapped in vcube_cast: out of bounds memory access`},
		{"refused", returnError, false, `plugin "p", function "noop", row 3: refused`},
		{"fatal status", returnFatal, true, `plugin "p", function "noop", row 3: refused`},
		{"no result", i32const(0), true, `plugin "p", function "noop": the plugin broke the ABI: returned a column of type code 0 where the ABI wants 2`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := h.Load(context.Background(), "p", fakePlugin{row: 3, bodies: map[string][]byte{exportCast: c.body}}.module())
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(context.Background())
			cast, _ := p.Cast("noop")
			_, err = cast.Call(context.Background(), int64s([]int64{1, 2, 3, 4}))
			var e *Error
			if !errors.As(err, &e) || e.Trap != c.trap || err.Error() != c.want {
				t.Fatalf("error %v (trap %v); want %s (trap %v)", err, e != nil && e.Trap, c.want, c.trap)
			}
			if got := len(p.idle); got != map[bool]int{true: 0, false: 1}[c.trap] {
				t.Errorf("the pool holds %d instances after the call", got)
			}
		})
	}
}

// TestConcurrentCalls runs casts from many goroutines: each call gets an instance of its own, results are
// right, and the pool keeps at most MaxIdle instances.
func TestConcurrentCalls(t *testing.T) {
	h := newHost(t, Config{MaxIdle: 2})
	p := load(t, h, "fixed")
	cast, _ := p.Cast("fixed", 1)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				out, err := cast.Call(context.Background(), strings_([]string{"1.25", "-3", itoa(int64(g*100 + i))}))
				if err == nil && render(out) != "[1.3 -3 "+itoa(int64(g*100+i))+"]" {
					err = errors.New("wrong result " + render(out))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(p.idle); n < 1 || n > 2 {
		t.Errorf("the pool holds %d idle instances; want 1..MaxIdle (2)", n)
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := cast.Call(context.Background(), strings_([]string{"1"})); err == nil || !strings.Contains(err.Error(), "uninstalled") {
		t.Errorf("a call after Close: %v", err)
	}
}

// TestContextEndingBetweenCalls: a query's context that ends while no call runs (the query finished, or is
// canceled between batches) refuses further calls under it but leaves the instance in service, for the same
// operator under another context and for the pool.
func TestContextEndingBetweenCalls(t *testing.T) {
	h := newHost(t, Config{})
	p := load(t, h, "sumsq")
	m, _ := p.Measure("sumsq")
	for round := range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		acc, err := m.NewAccumulator(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := acc.UpdateGroup(ctx, 0, float64s([]float64{1, 2})); err != nil {
			t.Fatal(err)
		}
		cancel()
		err = acc.UpdateGroup(ctx, 0, float64s([]float64{3}))
		var e *Error
		if !errors.As(err, &e) || e.Trap || !errors.Is(err, context.Canceled) {
			t.Fatalf("round %d: an update under a canceled context gives %v; want a refusal without a trap", round, err)
		}
		got, err := acc.Finalize(context.Background(), 0, 1)
		if err != nil || render(got) != "[5]" {
			t.Fatalf("round %d: Finalize under another context = %v, %v", round, got, err)
		}
		acc.Release()
		if len(p.idle) != 1 {
			t.Fatalf("round %d: the pool holds %d instances after Release", round, len(p.idle))
		}
	}
}
