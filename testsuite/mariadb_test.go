package testsuite

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/testsuite/slt"
)

// TestConformanceAgainstMariaDB runs every conformance file against the MariaDB that VCUBE_MARIADB_DSN names
// (mysql://user:password@host:port/, a scratch server), as `vcube conformance --target mysql://...` does: every
// record passes, or is left out for a reason mariadb-differences.md gives. Without the variable it is skipped;
// make differential runs it with a scratch MariaDB.
func TestConformanceAgainstMariaDB(t *testing.T) {
	dsn := os.Getenv("VCUBE_MARIADB_DSN")
	if dsn == "" {
		t.Skip("set VCUBE_MARIADB_DSN=mysql://user:password@127.0.0.1:3306/ to run the suite against MariaDB, or run make differential")
	}
	ctx := context.Background()
	target, err := OpenMySQL(ctx, dsn)
	require.NoError(t, err)
	defer target.Close()
	files, err := slt.Files("sql")
	require.NoError(t, err)
	var passed, skipped int
	for _, f := range files {
		recs, err := slt.ParseFile(f)
		require.NoError(t, err)
		target.Adapt(recs)
		fr := slt.Trace(ctx, target, recs)
		require.NoError(t, target.EndFile(ctx, &fr))
		passed += fr.Passed
		skipped += fr.Skipped
		if fr.Failed > 0 {
			t.Error(fr.Result.String())
		}
	}
	t.Logf("against %s: %d records passed, %d skipped (see %s)", target, passed, skipped, DifferencesFile)
}
