package internal_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The package table of docs/ARCHITECTURE.md, enforced: each package may import only the vcube packages listed
// for it (internal/ leaf packages are open to all, but import no other vcube package themselves).
var allowed = map[string][]string{
	"etcdmeta":              {},
	"storage":               {},
	"planner":               {},
	"plugins":               {},
	"vexec":                 {"planner", "storage", "plugins"},
	"sqlfront":              {"planner", "vexec", "storage", "etcdmeta", "plugins"},
	"testsuite/slt":         {},
	"bench":                 {},
	"internal/node":         {"sqlfront", "etcdmeta", "storage", "planner", "vexec", "plugins"},
	"internal/sqlerr":       {},
	"internal/sqltype":      {},
	"internal/wasmexamples": {},
}

// onlyImporters lists third-party packages only one vcube package may import.
var onlyImporters = map[string]string{
	"vitess.io/vitess/go/vt/sqlparser": "sqlfront",
	"go.etcd.io/etcd/client/v3":        "etcdmeta",
	"go.etcd.io/etcd/server/v3/embed":  "etcdmeta",
	"github.com/tetratelabs/wazero":    "plugins",
}

const module = "github.com/vcubedb/vcube/"

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/vcubedb/vcube/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		for _, imp := range fields[1:] {
			if owner, ok := onlyImporters[imp]; ok && pkg != owner {
				t.Errorf("%s imports %s, which only %s may import", pkg, imp, owner)
			}
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			if strings.HasPrefix(dep, "internal/") && !strings.HasPrefix(pkg, "internal/node") {
				if _, leaf := allowed[pkg]; leaf && strings.HasPrefix(pkg, "internal/") {
					t.Errorf("internal leaf package %s imports %s", pkg, dep)
				}
				continue
			}
			rules, ok := allowed[pkg]
			if !ok {
				continue // cmd and testsuite may import everything
			}
			if !contains(rules, dep) {
				t.Errorf("%s imports %s; docs/ARCHITECTURE.md allows it only %v", pkg, dep, rules)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
