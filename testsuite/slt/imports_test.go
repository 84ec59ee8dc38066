package slt

import (
	goparser "go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The runner reaches databases only through Target: it must not import other vcube packages, or the engine
// could not import it back to wire itself in.
func TestImportsNoVcubePackage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		f, err := goparser.ParseFile(token.NewFileSet(), name, src, goparser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			require.False(t, strings.HasPrefix(path, "github.com/vcubedb/vcube"), "%s imports %s", name, path)
		}
		checked++
	}
	require.NotZero(t, checked)
}
