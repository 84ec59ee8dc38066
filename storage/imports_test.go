package storage

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps the package's dependency rule true: the catalog (etcd), the SQL parser and the other vcube
// packages reach storage only through what the engine passes in.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	allowed := map[string]bool{
		"github.com/vcubedb/vcube/storage":          true,
		"github.com/vcubedb/vcube/internal/sqltype": true,
		"github.com/vcubedb/vcube/internal/sqlerr":  true,
	}
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(pkg, "github.com/vcubedb/vcube/") && !allowed[pkg],
			strings.HasPrefix(pkg, "go.etcd.io/"),
			strings.HasPrefix(pkg, "vitess.io/vitess/go/vt/sqlparser"),
			strings.HasPrefix(pkg, "github.com/tetratelabs/wazero"):
			t.Errorf("storage depends on %s", pkg)
		}
	}
}
