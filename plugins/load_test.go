package plugins

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vcubedb/vcube/internal/sqltype"
)

func TestLoadDescribesExamples(t *testing.T) {
	h := newHost(t, Config{})
	for _, c := range []struct {
		plugin string
		want   string // Function fields, as describe spells them
	}{
		{"fixed", "fixed cast type=fixed params=[scale 0 0..30] args=[text] returns=decimal(38,0)"},
		{"median", "median measure args=[double] returns=double"},
		{"sumsq", "sumsq measure args=[double] returns=double"},
		{"approxdistinct", "approx_distinct measure args=[text] returns=bigint"},
		{"csum", "fast_sum measure args=[double] returns=double"},
	} {
		t.Run(c.plugin, func(t *testing.T) {
			p := load(t, h, c.plugin)
			if p.Name() != c.plugin {
				t.Errorf("Name() = %q", p.Name())
			}
			fns := p.Functions()
			if len(fns) != 1 || describe(fns[0]) != c.want {
				t.Fatalf("Functions() = %v, want [%s]", fns, c.want)
			}
			if _, ok := p.Function(fns[0].Name); !ok {
				t.Errorf("Function(%q) not found", fns[0].Name)
			}
		})
	}
}

func describe(f Function) string {
	var b strings.Builder
	b.WriteString(f.Name + " " + f.Kind.String())
	if f.CustomType != "" {
		b.WriteString(" type=" + f.CustomType)
	}
	if len(f.Params) > 0 {
		b.WriteString(" params=[")
		for i, p := range f.Params {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(p.Name + " " + itoa(p.Default) + " " + itoa(p.Min) + ".." + itoa(p.Max))
		}
		b.WriteString("]")
	}
	b.WriteString(" args=[")
	for i, a := range f.Args {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(a.String())
	}
	b.WriteString("] returns=" + f.Returns.String())
	return b.String()
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func TestFixedReturnTypeFollowsTheScaleParameter(t *testing.T) {
	h := newHost(t, Config{})
	p := load(t, h, "fixed")
	f, _ := p.Function("fixed")
	for _, c := range []struct {
		params []int64
		want   string
		err    string
	}{
		{nil, "decimal(38,0)", ""},
		{[]int64{4}, "decimal(38,4)", ""},
		{[]int64{30}, "decimal(38,30)", ""},
		{[]int64{31}, "", "fixed parameter scale is 31, out of its range 0..30"},
		{[]int64{1, 2}, "", "fixed takes 1 parameters, got 2"},
	} {
		got, err := f.ReturnType(c.params...)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("ReturnType(%v) = %v, %v; want error %q", c.params, got, err, c.err)
			}
			continue
		}
		if err != nil || got.String() != c.want || got.Kind != sqltype.KindDecimal {
			t.Errorf("ReturnType(%v) = %v, %v; want %s", c.params, got, err, c.want)
		}
		cast, err := p.Cast("fixed", c.params...)
		if err != nil || cast.Type().String() != c.want {
			t.Errorf("Cast(fixed, %v).Type() = %v, %v; want %s", c.params, cast.Type(), err, c.want)
		}
	}
	if c, err := p.CastForType("fixed", 3); err != nil || c.Function().Name != "fixed" || c.Type().String() != "decimal(38,3)" {
		t.Errorf("CastForType(fixed, 3) = %v, %v", c, err)
	}
	if _, err := p.CastForType("money"); err == nil || err.Error() != `plugin "fixed": the plugin has no cast for the type "money"` {
		t.Errorf("CastForType(money) = %v", err)
	}
	if _, err := p.Measure("fixed"); err == nil || !strings.Contains(err.Error(), "is a cast, not a measure") {
		t.Errorf("Measure(fixed) = %v; want an error saying it is a cast", err)
	}
	if _, err := p.Cast("nope"); err == nil || !strings.Contains(err.Error(), "no such function") {
		t.Errorf("Cast(nope) = %v; want an error", err)
	}
}

// TestLoadRefuses checks that modules that are not plugins, or break the ABI, are refused at load with a
// sentence that says what is wrong.
func TestLoadRefuses(t *testing.T) {
	h := newHost(t, Config{})
	meta := func(fn string) string { return `{"functions":[` + fn + `]}` }
	for _, c := range []struct {
		name   string
		module []byte
		want   string
	}{
		{"garbage", []byte("not wasm at all"), `plugin "p": not a WebAssembly module vcube can run: the file does not start with the WebAssembly magic number`},
		{"truncated", fakePlugin{}.module()[:200], `plugin "p": not a WebAssembly module vcube can run`},
		{"no alloc", fakePlugin{bodies: map[string][]byte{exportAlloc: nil}}.module(), `plugin "p": the module lacks export vcube_alloc`},
		{"no memory", (&wmodule{noMemoryExport: true, funcs: []wfunc{{export: "f"}}}).bytes(), `plugin "p": the module lacks export memory (its linear memory)`},
		{"bad signature", fakePlugin{extra: nil, bodies: map[string][]byte{exportABIVersion: nil}}.moduleWith(wfunc{export: exportABIVersion, results: []byte{tI64}, body: i64const(1)}),
			`plugin "p": export vcube_abi_version has the signature () -> (i64); the ABI wants () -> (i32)`},
		{"abi version", fakePlugin{version: 2}.module(), `plugin "p": the module implements plugin ABI version 2; this vcube implements version 1`},
		{"imports", fakePlugin{extra: []wfunc{{importFrom: "env.now", results: []byte{tI64}}}}.module(),
			`plugin "p": the module imports env.now; vcube provides plugins only with wasi_snapshot_preview1`},
		{"reserved export", (&wmodule{globals: []string{"vcube_interrupt"}}).bytes(), `plugin "p": not a WebAssembly module vcube can run: the module exports vcube_interrupt, a name vcube reserves for itself`},
		{"bad json", fakePlugin{metadata: `{"functions": [`}.module(), `plugin "p": its metadata is not valid JSON`},
		{"no functions", fakePlugin{metadata: `{"functions": []}`}.module(), `plugin "p": its metadata declares no functions`},
		{"unknown kind", fakePlugin{metadata: meta(`{"name":"f","kind":"window","args":["bigint"],"returns":"bigint"}`)}.module(),
			`plugin "p": function "f" declares unknown kind "window" (want cast or measure)`},
		{"unknown type", fakePlugin{metadata: meta(`{"name":"f","kind":"measure","args":["int128"],"returns":"bigint"}`)}.module(),
			`plugin "p": function "f" declares an argument of unknown type "int128" (want bigint, double, decimal(p,s), text, boolean or timestamp)`},
		{"unknown return type", fakePlugin{metadata: meta(`{"name":"f","kind":"measure","args":["text"],"returns":"varchar(3)"}`)}.module(),
			`plugin "p": function "f" returns unknown type "varchar(3)"`},
		{"bare decimal result", fakePlugin{metadata: meta(`{"name":"f","kind":"measure","args":["text"],"returns":"decimal"}`)}.module(),
			`plugin "p": function "f" returns a decimal result needs its precision and scale: decimal(p,s)`},
		{"decimal out of range", fakePlugin{metadata: meta(`{"name":"f","kind":"measure","args":["text"],"returns":"decimal(40,2)"}`)}.module(),
			`plugin "p": function "f" returns type "decimal(40,2)": decimal precision 40 is out of range 1..38`},
		{"unknown parameter", fakePlugin{metadata: meta(`{"name":"f","kind":"cast","type":"t","args":["text"],"returns":"decimal(38,s)"}`)}.module(),
			`plugin "p": function "f" returns type "decimal(38,s)": scale "s" is neither a number nor a declared parameter`},
		{"bad name", fakePlugin{metadata: meta(`{"name":"Bad-Name","kind":"measure","args":["text"],"returns":"bigint"}`)}.module(),
			`plugin "p": function #0 has the name "Bad-Name"`},
		{"cast without type", fakePlugin{metadata: meta(`{"name":"f","kind":"cast","args":["text"],"returns":"bigint"}`)}.module(),
			`plugin "p": function "f" declares the custom type ""`},
		{"cast with two args", fakePlugin{metadata: meta(`{"name":"f","kind":"cast","type":"t","args":["text","text"],"returns":"bigint"}`)}.module(),
			`plugin "p": function "f" is a cast with 2 arguments; a cast takes one`},
		{"twice", fakePlugin{metadata: meta(`{"name":"f","kind":"measure","args":["text"],"returns":"bigint"},{"name":"f","kind":"measure","args":["text"],"returns":"bigint"}`)}.module(),
			`plugin "p": function "f" is declared twice`},
		{"param range", fakePlugin{metadata: meta(`{"name":"f","kind":"cast","type":"t","params":[{"name":"s","default":9,"min":0,"max":4}],"args":["text"],"returns":"decimal(38,s)"}`)}.module(),
			`plugin "p": function "f" parameter s needs min <= default <= max, got 0 <= 9 <= 4`},
		{"measure exports missing", fakePlugin{metadata: meta(`{"name":"m","kind":"measure","args":["double"],"returns":"double"}`),
			bodies: map[string][]byte{exportMeasureMerge: nil}}.module(),
			`plugin "p": the module lacks export vcube_measure_merge, which its measure m needs`},
		{"cast export missing", fakePlugin{bodies: map[string][]byte{exportCast: nil}}.module(),
			`plugin "p": the module lacks export vcube_cast, which its cast noop needs`},
		{"metadata outside memory", fakePlugin{bodies: map[string][]byte{exportMetadata: i64const(0x7fff0000<<32 | 10)}}.module(),
			`plugin "p": vcube_metadata returned a document outside the module's memory`},
		{"metadata fails", fakePlugin{message: "no functions registered", bodies: map[string][]byte{exportMetadata: i64const(0)}}.module(),
			`plugin "p": the module cannot describe its functions: no functions registered`},
		{"initialize traps", fakePlugin{extra: []wfunc{{export: "_initialize", body: trapUnreachable}}}.module(),
			`plugin "p": cannot start an instance: the plugin trapped in _initialize: unreachable`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := h.Load(context.Background(), "p", c.module)
			if err == nil {
				p.Close(context.Background())
				t.Fatalf("Load succeeded; want %q", c.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Plugin != "p" || e.Row != -1 {
				t.Errorf("error %#v is not an *Error about plugin p", err)
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("Load error:\n  %v\nwant it to start with\n  %s", err, c.want)
			}
		})
	}
	if _, err := h.Load(context.Background(), "Bad Name", fakePlugin{}.module()); err == nil ||
		!strings.Contains(err.Error(), "a plugin name is a lower-case SQL identifier") {
		t.Errorf("Load with a bad plugin name: %v", err)
	}
}

// moduleWith is the fake plugin plus a function (used to replace an export with one of another signature).
func (f fakePlugin) moduleWith(fn wfunc) []byte {
	f.extra = append(f.extra, fn)
	return f.module()
}

func TestCompilationCacheIsUsedAcrossHosts(t *testing.T) {
	dir := t.TempDir()
	wasm := fakePlugin{}.module()
	for i := range 2 {
		h := newHost(t, Config{CacheDir: dir})
		p, err := h.Load(context.Background(), "fake", wasm)
		if err != nil {
			t.Fatalf("host %d: %v", i, err)
		}
		p.Close(context.Background())
		h.Close(context.Background())
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("the cache directory holds %d entries (%v); want the compiled module", len(entries), err)
	}
}

func TestNewHostChecksTheMemoryLimit(t *testing.T) {
	for _, limit := range []int64{1000, 5 << 30} {
		if _, err := NewHost(context.Background(), Config{MemoryLimit: limit}); err == nil {
			t.Errorf("NewHost accepted a memory limit of %d bytes", limit)
		}
	}
}
