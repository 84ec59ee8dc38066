package plugins

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Instructions for hand-written functions.
var (
	localGet0 = []byte{0x20, 0x00}
	localTee0 = []byte{0x22, 0x00}
	i32Add    = []byte{0x6a}
	i32LtU    = []byte{0x49}
	brIf0     = []byte{0x0d, 0x00}
	end       = []byte{0x0b}
)

// loopModule has functions whose loops the instrumentation must check without changing what they compute:
//
//	count(n) -> (n', 7): a loop counting a local up to n, returning two values (its wrapper needs a block
//	  type the module lacks);
//	climb(x) -> x': a loop with a parameter (block type index 1) adding 1 until 100;
//	nested(n) -> 2: loops in loops, left with br_table when a counter reaches 2 (mod 3);
//	flat(x) -> x+1: no loop, left as it is.
func loopModule() *wmodule {
	return &wmodule{funcs: []wfunc{
		{export: "count", params: []byte{tI32}, results: []byte{tI32, tI64}, locals: []byte{tI32}, body: cat(
			[]byte{0x03, 0x40},                                          // loop
			[]byte{0x20, 0x01}, i32const(1), i32Add, []byte{0x22, 0x01}, // i := i + 1
			localGet0, i32LtU, brIf0, // while i < n
			end,
			[]byte{0x20, 0x01}, i64const(7),
		)},
		{export: "climb", params: []byte{tI32}, results: []byte{tI32}, body: cat(
			localGet0,
			[]byte{0x03, 0x01}, // loop (type 1: i32 -> i32)
			i32const(1), i32Add, localTee0,
			localGet0, i32const(100), i32LtU, brIf0,
			end,
		)},
		{export: "nested", params: []byte{tI32}, results: []byte{tI32}, locals: []byte{tI32}, body: cat(
			[]byte{0x02, 0x40}, // block $out
			[]byte{0x03, 0x40}, // loop $a
			[]byte{0x03, 0x40}, // loop $b
			[]byte{0x20, 0x01}, i32const(1), i32Add, []byte{0x22, 0x01},
			[]byte{0x20, 0x01}, i32const(3), []byte{0x70}, // i % 3 (i32.rem_u)
			[]byte{0x0e, 0x02, 0x00, 0x01, 0x02}, // br_table $b $a, default $out
			end,
			end,
			end,
			[]byte{0x20, 0x01},
		)},
		{export: "flat", params: []byte{tI32}, results: []byte{tI32}, body: cat(localGet0, i32const(1), i32Add)},
	}}
}

func instantiate(t *testing.T, wasm []byte) (api.Module, func()) {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCoreFeatures(api.CoreFeaturesV2))
	mod, err := rt.Instantiate(ctx, wasm)
	if err != nil {
		rt.Close(ctx)
		t.Fatalf("instantiate: %v", err)
	}
	return mod, func() { rt.Close(ctx) }
}

func TestInstrumentKeepsWhatFunctionsCompute(t *testing.T) {
	plain := loopModule().bytes()
	checked, err := instrument(plain, true)
	if err != nil {
		t.Fatal(err)
	}
	a, closeA := instantiate(t, plain)
	defer closeA()
	b, closeB := instantiate(t, checked)
	defer closeB()
	ctx := context.Background()
	for _, c := range []struct {
		fn   string
		args []uint64
	}{
		{"count", []uint64{10}}, {"count", []uint64{0}}, {"climb", []uint64{5}}, {"climb", []uint64{500}}, {"nested", []uint64{0}}, {"flat", []uint64{41}},
	} {
		want, err := a.ExportedFunction(c.fn).Call(ctx, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.ExportedFunction(c.fn).Call(ctx, c.args...)
		if err != nil || !slicesEqual(got, want) {
			t.Errorf("%s%v: instrumented gives %v, %v; want %v", c.fn, c.args, got, err, want)
		}
	}
	// The global is there, and a set global stops every loop.
	g, ok := b.ExportedGlobal(interruptExport).(api.MutableGlobal)
	if !ok || g.Get() != 0 {
		t.Fatalf("the instrumented module exports %s: %v", interruptExport, ok)
	}
	g.Set(1)
	for _, fn := range []string{"count", "climb", "nested"} {
		if _, err := b.ExportedFunction(fn).Call(ctx, 10); err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Errorf("%s with the interrupt set: %v; want a trap", fn, err)
		}
	}
	if got, err := b.ExportedFunction("flat").Call(ctx, 1); err != nil || got[0] != 2 {
		t.Errorf("flat (no loop) with the interrupt set: %v, %v", got, err)
	}
	// Without checks, only the global and its export are added.
	unchecked, err := instrument(plain, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(unchecked) >= len(checked) {
		t.Errorf("without checks the module is %d bytes, with them %d", len(unchecked), len(checked))
	}
}

func slicesEqual(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestInstrumentIndexesTheGlobalAfterImportedAndDeclaredOnes(t *testing.T) {
	m := loopModule()
	m.globals = []string{"a", "b"}
	checked, err := instrument(m.bytes(), true)
	if err != nil {
		t.Fatal(err)
	}
	mod, closeMod := instantiate(t, checked)
	defer closeMod()
	mod.ExportedGlobal("b").(api.MutableGlobal).Set(1) // not the interrupt
	if _, err := mod.ExportedFunction("count").Call(context.Background(), 5); err != nil {
		t.Errorf("setting another global interrupted: %v", err)
	}
	mod.ExportedGlobal(interruptExport).(api.MutableGlobal).Set(1)
	if _, err := mod.ExportedFunction("count").Call(context.Background(), 5); err == nil {
		t.Error("setting the interrupt did not interrupt")
	}
	// A global imported by the module comes before the module's own in the index space.
	withImport := []byte("\x00asm\x01\x00\x00\x00")
	withImport = append(withImport, wsection(2, vec(cat(wname("env"), wname("g"), []byte{0x03, tI32, 0x00})))...)
	ins, err := instrument(withImport, true)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(ins, cat(wname(interruptExport), []byte{0x03, 0x01})) {
		t.Errorf("with one imported global, the interrupt should be global 1: % x", ins)
	}
}

func TestInstrumentRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		wasm []byte
		want string
	}{
		{"unknown opcode", (&wmodule{funcs: []wfunc{{export: "f", body: []byte{0xf0}}}}).bytes(), "instruction 0xf0 is outside the WebAssembly features vcube supports"},
		{"threads", (&wmodule{funcs: []wfunc{{export: "f", body: []byte{0xfe, 0x03, 0x00}}}}).bytes(), "instruction 0xfe"},
		{"truncated body", (&wmodule{funcs: []wfunc{{export: "f", body: []byte{0x41}}}}).bytes(), "unexpected end"},
		{"version 2", []byte("\x00asm\x02\x00\x00\x00"), "unsupported WebAssembly binary version 2"},
		{"bad section size", []byte("\x00asm\x01\x00\x00\x00\x01\x7f"), "malformed section"},
	} {
		if _, err := instrument(c.wasm, true); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error containing %q", c.name, err, c.want)
		}
	}
}

// FuzzInstrument: instrumenting never panics, and a module wazero accepts is still accepted instrumented.
func FuzzInstrument(f *testing.F) {
	f.Add(loopModule().bytes())
	f.Add(fakePlugin{}.module())
	f.Add(fakePlugin{bodies: map[string][]byte{exportCast: spinForever}}.module())
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(api.CoreFeaturesV2))
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, err := instrument(wasm, true)
		if err != nil {
			return
		}
		orig, err := rt.CompileModule(ctx, wasm)
		if err != nil {
			return
		}
		orig.Close(ctx)
		ins, err := rt.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("wazero accepts the module but not its instrumented form: %v", err)
		}
		ins.Close(ctx)
	})
}
