// Package wasmexamples builds the example plugins of wasm/examples for tests that install them: no .wasm file
// is kept in git. Each example is built once per process, with Go's own WebAssembly target.
package wasmexamples

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

var builds sync.Map // name -> func() ([]byte, error)

// Build returns the module of the Go example wasm/examples/<name>, building it on the first call.
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
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", out, "./examples/"+name)
	cmd.Dir = wasmDir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building plugin %s: %v\n%s", name, err, b)
	}
	return os.ReadFile(out)
}
