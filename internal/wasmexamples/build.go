// Package wasmexamples builds the example plugins of wasm/examples for tests that install them: no .wasm file
// is kept in git. Each example is built once per process, with Go's own WebAssembly target.
package wasmexamples

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

var builds sync.Map // name -> func() ([]byte, error)

// ErrNoCToolchain is returned for the C example when clang or wasm-ld is not installed.
var ErrNoCToolchain = errors.New("the C plugin needs clang and wasm-ld (Debian: apt-get install clang lld)")

// Build returns the module of the example wasm/examples/<name>, building it on the first call: the Go examples
// with Go's WebAssembly target, csum (C) with clang.
func Build(name string) ([]byte, error) {
	f, _ := builds.LoadOrStore(name, sync.OnceValues(func() ([]byte, error) { return build(name) }))
	return f.(func() ([]byte, error))()
}

func build(name string) ([]byte, error) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("building plugin %s: cannot locate the source tree", name)
	}
	wasmDir := filepath.Join(filepath.Dir(self), "..", "..", "wasm")
	tmp, err := os.MkdirTemp("", "vcube-example-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, name+".wasm")
	var cmd *exec.Cmd
	if name == "csum" {
		for _, tool := range []string{"clang", "wasm-ld"} {
			if _, err := exec.LookPath(tool); err != nil {
				return nil, ErrNoCToolchain
			}
		}
		cmd = exec.Command("clang", "--target=wasm32", "-nostdlib", "-O2", "-Wl,--no-entry", "-o", out,
			filepath.Join(wasmDir, "examples", "csum", "csum.c"))
	} else {
		cmd = exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", out, "./examples/"+name)
		cmd.Dir = wasmDir
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building plugin %s: %v\n%s", name, err, b)
	}
	return os.ReadFile(out)
}
