package testsuite

import (
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcubedb/vcube/testsuite/slt"
)

// TestMariaDBDifferencesAreTraced checks that every conformance record left out of the mysql target (skipif
// mysql, onlyif vcube, onlyif fresh) names, in a "# mariadb-differences:" comment, the entries of
// mariadb-differences.md that say why, and that every name is an entry there.
func TestMariaDBDifferencesAreTraced(t *testing.T) {
	entries, err := ReadDifferences(DifferencesFile)
	require.NoError(t, err)
	require.NotEmpty(t, entries, "no entries (### `id`: title) in %s", DifferencesFile)
	files, err := slt.Files("sql")
	require.NoError(t, err)
	used := map[string]int{}
	skipped := 0
	for _, f := range files {
		diffs, err := MySQLDifferences(f)
		require.NoError(t, err)
		for _, d := range diffs {
			if msg := d.Problem(entries); msg != "" {
				t.Errorf("%s:%d: %s\n    %s", d.File, d.Line, msg, d.SQL)
			}
			if !d.Runs {
				skipped++
			}
			for _, id := range d.IDs {
				used[id]++
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(entries)) {
		if used[id] == 0 {
			t.Logf("entry %q is named by no record (a normalisation, a setting, or one the differential test uses)", id)
		}
	}
	t.Logf("%d records are left out of the mysql target, for %d entries", skipped, len(used))
}

func TestMySQLDifferencesReadsComments(t *testing.T) {
	path := t.TempDir() + "/x.slt"
	require.NoError(t, os.WriteFile(path, []byte(`statement ok
CREATE SCHEMA s

# Why, in words.
skipif mysql
# mariadb-differences: b-entry, a-entry
query I nosort
SELECT 1
----
1

onlyif fresh
query T nosort
EXPLAIN SELECT 1
----
x

skipif mysql
query I nosort
SELECT 2
----
2

# mariadb-differences: a-entry
query I nosort
SELECT 3
----
3

skipif vcube
query I nosort
SELECT 4
----
4
`), 0o644))
	diffs, err := MySQLDifferences(path)
	require.NoError(t, err)
	require.Len(t, diffs, 4)
	entries := map[string]string{"a-entry": "", "b-entry": "", FreshOnly: ""}
	assert.Equal(t, []string{"a-entry", "b-entry"}, diffs[0].IDs)
	assert.Equal(t, 7, diffs[0].Line)
	assert.Empty(t, diffs[0].Problem(entries))
	assert.Equal(t, []string{FreshOnly}, diffs[1].IDs)
	assert.Empty(t, diffs[1].Problem(entries))
	assert.Contains(t, diffs[2].Problem(entries), "without a")
	assert.Contains(t, diffs[3].Problem(entries), "runs on the mysql target")
	assert.Contains(t, diffs[0].Problem(map[string]string{"a-entry": ""}), `"b-entry"`)
}
