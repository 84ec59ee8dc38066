package plugins

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Config configures a Host. The zero value is usable.
type Config struct {
	// CacheDir is where compiled modules are cached across restarts (wazero's compilation cache, keyed by the
	// module's hash, the wazero version and the CPU). Empty keeps compiled code in memory only.
	CacheDir string
	// MemoryLimit caps each instance's linear memory, in bytes, rounded down to 64 KiB pages: a plugin that
	// needs more fails its call. 0 means DefaultMemoryLimit; at most 4 GiB.
	MemoryLimit int64
	// MaxIdle is how many idle instances each plugin keeps for reuse; more are closed when given back. 0
	// means DefaultMaxIdle.
	MaxIdle int

	// Benchmarks compare vcube's interruption with wazero's and with none: uninstrumented skips the loop
	// checks (a runaway plugin then cannot be stopped), wazeroInterrupt turns on WithCloseOnContextDone.
	uninstrumented, wazeroInterrupt bool
}

// Defaults of Config.
const (
	DefaultMemoryLimit = 256 << 20 // bytes per instance
	DefaultMaxIdle     = 8         // idle instances per plugin
)

// Host loads and runs plugins: it owns the wazero runtime and the compilation cache. It is safe for
// concurrent use.
type Host struct {
	cfg        Config
	limitPages uint32
	cache      wazero.CompilationCache
	rt         wazero.Runtime
}

// NewHost returns a host for plugins.
func NewHost(ctx context.Context, cfg Config) (*Host, error) {
	if cfg.MemoryLimit == 0 {
		cfg.MemoryLimit = DefaultMemoryLimit
	}
	if cfg.MemoryLimit < 1<<16 || cfg.MemoryLimit > 1<<32 {
		return nil, fmt.Errorf("plugin memory limit %d bytes is out of range 64 KiB..4 GiB", cfg.MemoryLimit)
	}
	if cfg.MaxIdle <= 0 {
		cfg.MaxIdle = DefaultMaxIdle
	}
	h := &Host{cfg: cfg, limitPages: uint32(cfg.MemoryLimit >> 16)}
	if cfg.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("plugin compilation cache %s: %w", cfg.CacheDir, err)
		}
		h.cache = cache
	} else {
		h.cache = wazero.NewCompilationCache()
	}
	// The compiler where wazero has one (amd64, arm64). Interruption is vcube's own (interrupt.go), so the
	// runtime compiles without wazero's per-loop exits.
	rtc := wazero.NewRuntimeConfig().
		WithCompilationCache(h.cache).
		WithMemoryLimitPages(h.limitPages).
		WithCloseOnContextDone(cfg.wazeroInterrupt).
		WithCoreFeatures(api.CoreFeaturesV2).
		WithDebugInfoEnabled(false)
	h.rt = wazero.NewRuntimeWithConfig(ctx, rtc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, h.rt); err != nil {
		_ = h.rt.Close(ctx)
		_ = h.cache.Close(ctx)
		return nil, fmt.Errorf("plugin runtime: %w", err)
	}
	return h, nil
}

// Close closes every plugin and instance of the host. The compiled modules stay in the cache directory.
func (h *Host) Close(ctx context.Context) error {
	return errors.Join(h.rt.Close(ctx), h.cache.Close(ctx))
}

// Plugin is a loaded plugin: a compiled module, its validated metadata and a pool of instances. It is safe
// for concurrent use.
type Plugin struct {
	name      string
	host      *Host
	compiled  wazero.CompiledModule
	exports   map[string]bool
	functions []Function

	mu     sync.Mutex
	idle   []*instance
	closed bool
}

// Load instruments a module for interruption (interrupt.go), compiles it (or takes it from the compilation
// cache), instantiates it once to check its ABI version, exports and metadata, and returns the plugin with
// that instance pooled. name is the name the plugin is installed under; errors are *Error sentences naming
// it. ctx bounds the module's own initialisation: give it a deadline, as for any call into a plugin.
func (h *Host) Load(ctx context.Context, name string, module []byte) (*Plugin, error) {
	if !isName(name) {
		return nil, loadError(name, "a plugin name is a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 64 bytes)")
	}
	instrumented, err := instrument(module, !h.cfg.uninstrumented)
	if err != nil {
		return nil, loadError(name, "not a WebAssembly module vcube can run: %v", err)
	}
	compiled, err := h.rt.CompileModule(ctx, instrumented)
	if err != nil {
		return nil, loadError(name, "not a WebAssembly module vcube can run: %s", firstLine(err.Error()))
	}
	p := &Plugin{name: name, host: h, compiled: compiled, exports: map[string]bool{}}
	fail := func(err error) (*Plugin, error) {
		_ = p.Close(ctx)
		return nil, err
	}
	if err := p.checkModule(); err != nil {
		return fail(err)
	}
	in, err := p.instantiate(ctx)
	if err != nil {
		return fail(err)
	}
	p.idle = append(p.idle, in)
	version, err := in.call(ctx, "", exportABIVersion)
	if err != nil {
		return fail(err)
	}
	if int32(version) != ABIVersion {
		return fail(loadError(name, "the module implements plugin ABI version %d; this vcube implements version %d", int32(version), ABIVersion))
	}
	packed, err := in.call(ctx, "", exportMetadata)
	if err != nil {
		return fail(err)
	}
	if packed == 0 {
		msg := in.guestError(ctx, "", false)
		var e *Error
		if errors.As(msg, &e) {
			return fail(loadError(name, "the module cannot describe its functions: %s", e.Message))
		}
		return fail(msg)
	}
	ptr, n := uint32(packed>>32), uint32(packed)
	if n > maxMetadataBytes {
		return fail(loadError(name, "its metadata is %d bytes, more than the %d allowed", n, maxMetadataBytes))
	}
	doc, ok := in.mem.Read(ptr, n)
	if !ok {
		return fail(loadError(name, "vcube_metadata returned a document outside the module's memory"))
	}
	fns, err := parseMetadata(doc)
	if err != nil {
		return fail(loadError(name, "%v", err))
	}
	p.functions = fns
	for _, f := range fns {
		need := castExports
		if f.Kind == KindMeasure {
			need = measureExports
		}
		if err := p.checkExports(need, f.Kind.String()+" "+f.Name); err != nil {
			return fail(err)
		}
	}
	for export := range p.exports {
		in.fns[export] = in.mod.ExportedFunction(export)
	}
	return p, nil
}

// checkModule checks what a module imports and the exports every plugin has.
func (p *Plugin) checkModule() error {
	for _, imp := range p.compiled.ImportedFunctions() {
		module, name, _ := imp.Import()
		if module != wasi_snapshot_preview1.ModuleName {
			return loadError(p.name, "the module imports %s.%s; vcube provides plugins only with %s", module, name, wasi_snapshot_preview1.ModuleName)
		}
	}
	if len(p.compiled.ImportedMemories()) > 0 {
		return loadError(p.name, "the module imports its memory; a plugin defines and exports its own")
	}
	if _, ok := p.compiled.ExportedMemories()[exportMemory]; !ok {
		return loadError(p.name, "the module lacks export %s (its linear memory)", exportMemory)
	}
	return p.checkExports(commonExports, "")
}

// checkExports checks that the module exports each function with its signature; what names the
// declaration that needs them.
func (p *Plugin) checkExports(want map[string]signature, what string) error {
	defs := p.compiled.ExportedFunctions()
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		sig := want[name]
		def, ok := defs[name]
		because := ""
		if what != "" {
			because = ", which its " + what + " needs"
		}
		if !ok {
			return loadError(p.name, "the module lacks export %s%s", name, because)
		}
		if !slices.Equal(def.ParamTypes(), sig.params) || !slices.Equal(def.ResultTypes(), sig.results) {
			return loadError(p.name, "export %s has the signature %s; the ABI wants %s", name,
				spell(def.ParamTypes(), def.ResultTypes()), spell(sig.params, sig.results))
		}
		p.exports[name] = true
	}
	return nil
}

func spell(params, results []api.ValueType) string {
	s := "("
	for i, t := range params {
		if i > 0 {
			s += ", "
		}
		s += api.ValueTypeName(t)
	}
	s += ") -> ("
	for i, t := range results {
		if i > 0 {
			s += ", "
		}
		s += api.ValueTypeName(t)
	}
	return s + ")"
}

// Name returns the name the plugin was loaded under.
func (p *Plugin) Name() string { return p.name }

// Functions returns the functions the plugin declares, in its order.
func (p *Plugin) Functions() []Function { return slices.Clone(p.functions) }

// Function returns the function of a name.
func (p *Plugin) Function(name string) (Function, bool) {
	for _, f := range p.functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

func (p *Plugin) function(name string, kind Kind) (Function, error) {
	f, ok := p.Function(name)
	if !ok {
		return f, &Error{Plugin: p.name, Function: name, Row: -1, Message: "the plugin has no such function"}
	}
	if f.Kind != kind {
		return f, &Error{Plugin: p.name, Function: name, Row: -1, Message: fmt.Sprintf("the function is a %s, not a %s", f.Kind, kind)}
	}
	return f, nil
}

// acquire takes an idle instance or starts one.
func (p *Plugin) acquire(ctx context.Context) (*instance, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, &Error{Plugin: p.name, Row: -1, Message: "the plugin has been uninstalled"}
	}
	if n := len(p.idle); n > 0 {
		in := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return in, nil
	}
	p.mu.Unlock()
	return p.instantiate(ctx)
}

// release gives an instance back to the pool, or closes it when it is broken or the pool is full.
func (p *Plugin) release(in *instance) {
	in.unwatch()
	p.mu.Lock()
	if !in.broken && !p.closed && len(p.idle) < p.host.cfg.MaxIdle {
		p.idle = append(p.idle, in)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	in.close()
}

// Close closes the plugin's idle instances and its compiled code; instances in use close when given back.
func (p *Plugin) Close(ctx context.Context) error {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, in := range idle {
		in.close()
	}
	return p.compiled.Close(ctx)
}
