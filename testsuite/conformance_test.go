package testsuite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/internal/wasmexamples"
	"github.com/vcubedb/vcube/testsuite/slt"
)

// TestConformance runs every sqllogictest file under sql/ against a fresh in-process node, which has the
// example plugins in its plugin directory (plugins.slt installs them).
func TestConformance(t *testing.T) {
	files, err := slt.Files("sql")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no .slt files under testsuite/sql")
	modules := map[string][]byte{}
	for _, name := range []string{"fixed", "median"} {
		m, err := wasmexamples.Build(name)
		require.NoError(t, err)
		modules[name+".wasm"] = m
	}
	var passed, skipped int
	for _, f := range files {
		name := strings.TrimSuffix(filepath.ToSlash(strings.TrimPrefix(f, "sql"+string(filepath.Separator))), ".slt")
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			target, err := OpenInProcess(ctx, t.TempDir(), modules)
			require.NoError(t, err)
			defer target.Close()
			res, err := slt.RunFile(ctx, target, f)
			require.NoError(t, err)
			passed += res.Passed
			skipped += res.Skipped
			if res.Failed > 0 {
				t.Error(res.String())
			}
			require.Positive(t, res.Passed, "%s ran no record", f)
		})
	}
	t.Logf("conformance: %d records passed, %d skipped", passed, skipped)
}
