package etcdmeta

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImports keeps the layout true: etcdmeta may use vcube's internal leaf packages, nothing else of vcube.
func TestImports(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	require.NoError(t, err)
	const module = "github.com/vcubedb/vcube/"
	for _, p := range strings.Fields(string(out)) {
		if rest, ok := strings.CutPrefix(p, module); ok && rest != "etcdmeta" {
			require.True(t, strings.HasPrefix(rest, "internal/"), "etcdmeta must not import %s", p)
		}
	}
}
