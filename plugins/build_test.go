package plugins

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The tests build the guest modules they run from wasm/ (no .wasm file is kept in git): the Go plugins with
// GOOS=wasip1 GOARCH=wasm -buildmode=c-shared, the C one with clang when it is installed. Everything lands in
// one temporary directory per test binary, next to a compilation cache that the tests' hosts share, so a
// module compiles once however many tests load it. Under the race detector, wazero's compiler runs about ten
// times slower (15 s for a Go plugin), so the modules are compiled into the cache by this package's test
// binary built without it (TestPrecompile; a test binary, because wazero keys its cache by its own version,
// which test binaries report as "dev"); the tests then load them from the cache (instrumenting them still
// runs under the race detector).

var (
	tmpDir  string
	modules sync.Map // name -> *built
)

type built struct {
	once  sync.Once
	wasm  []byte
	err   error
	skip  string
	build func(out string) (skip string, err error)
}

func TestMain(m *testing.M) {
	var err error
	if tmpDir, err = os.MkdirTemp("", "vcube-plugins-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmpDir)
	os.Exit(code)
}

// wasmDir is the guest module's folder.
func wasmDir() string { return filepath.Join("..", "wasm") }

// goPlugins are the Go plugins by name, as packages of the wasm module.
var goPlugins = map[string]string{
	"fixed":          "./examples/fixed",
	"median":         "./examples/median",
	"sumsq":          "./examples/sumsq",
	"approxdistinct": "./examples/approxdistinct",
	"testplugin":     "./internal/testplugin",
}

func buildGo(pkg string) func(string) (string, error) {
	return func(out string) (string, error) {
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", out, pkg)
		cmd.Dir = wasmDir()
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
		return "", nil
	}
}

// buildC builds the C example with Debian's clang and lld (wasm-ld); without them it reports why it skips.
func buildC(out string) (string, error) {
	for _, tool := range []string{"clang", "wasm-ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "the C plugin needs clang and wasm-ld (Debian: apt-get install clang lld); " + tool + " is not installed", nil
		}
	}
	cmd := exec.Command("clang", "--target=wasm32", "-nostdlib", "-O2", "-Wall", "-Werror", "-Wl,--no-entry",
		"-o", out, filepath.Join(wasmDir(), "examples", "csum", "csum.c"))
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("clang: %v\n%s", err, b)
	}
	return "", nil
}

// statSources stats every source file under wasm/: go test records the files a test looks at, so a change
// to the guest code invalidates cached results of tests that build it in a subprocess.
var statSources = sync.OnceFunc(func() {
	_ = filepath.WalkDir(wasmDir(), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			_, _ = os.Stat(path)
		}
		return nil
	})
})

// module returns the bytes of a guest module, building it on first use; it skips the test when the module's
// toolchain is missing.
func module(t testing.TB, name string) []byte {
	t.Helper()
	statSources()
	build := buildC
	if pkg, ok := goPlugins[name]; ok {
		build = buildGo(pkg)
	} else if name != "csum" {
		t.Fatalf("no guest module %q", name)
	}
	v, _ := modules.LoadOrStore(name, &built{build: build})
	b := v.(*built)
	b.once.Do(func() {
		out := filepath.Join(tmpDir, name+".wasm")
		if b.skip, b.err = b.build(out); b.err == nil && b.skip == "" {
			b.wasm, b.err = os.ReadFile(out)
		}
		if b.err == nil && b.skip == "" && raceEnabled {
			b.err = precompile(out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	if b.skip != "" {
		t.Skip(b.skip)
	}
	return b.wasm
}

const precompileEnv = "VCUBE_PLUGINS_PRECOMPILE"

var precompiler = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(tmpDir, "plugins-norace.test")
	if b, err := exec.Command("go", "test", "-c", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go test -c: %v\n%s", err, b)
	}
	return bin, nil
})

// precompile compiles a module into the shared cache outside the race detector.
func precompile(wasm string) error {
	bin, err := precompiler()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "-test.run", "^TestPrecompile$")
	cmd.Env = append(os.Environ(), precompileEnv+"="+cacheDir()+string(os.PathListSeparator)+wasm)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("precompile %s: %v\n%s", wasm, err, b)
	}
	return nil
}

// TestPrecompile loads the module $VCUBE_PLUGINS_PRECOMPILE names (cache directory, path list separator,
// module) into a host on that cache directory; without the variable it does nothing.
func TestPrecompile(t *testing.T) {
	spec := os.Getenv(precompileEnv)
	if spec == "" {
		return
	}
	dir, wasm, _ := strings.Cut(spec, string(os.PathListSeparator))
	b, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	h := newHost(t, Config{CacheDir: dir})
	if _, err := h.Load(context.Background(), "precompiled", b); err != nil {
		t.Fatal(err)
	}
}

// cacheDir is the compilation cache the tests' hosts share.
func cacheDir() string { return filepath.Join(tmpDir, "cache") }

// newHost returns a host on the shared cache, closed when the test ends.
func newHost(t testing.TB, cfg Config) *Host {
	t.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = cacheDir()
	}
	h, err := NewHost(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	return h
}

// load loads a guest module under its own name.
func load(t testing.TB, h *Host, name string) *Plugin {
	t.Helper()
	p, err := h.Load(context.Background(), name, module(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
