package slt

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rewriteTarget answers testdata/rewrite.slt; the records marked "stale" there get answers that differ.
func rewriteTarget() *cannedTarget {
	return &cannedTarget{
		name: "vcube",
		rows: map[string][][]string{
			"SELECT a, b FROM t ORDER BY a":                    {{"1", "one"}, {"2", "two"}, {"3", "three"}},
			"SELECT a FROM t":                                  {{"3"}, {"1"}, {"2"}},
			"SELECT a, a * 10 FROM t ORDER BY a":               {{"1", "10"}, {"2", "20"}, {"3", "30"}},
			"SELECT b FROM t WHERE a > 2\n  AND b IS NOT NULL": {{"three"}, {""}},
			"SELECT a, b FROM t":                               {{"2", "two"}, {"1", "one"}, {"4", "NULL"}},
		},
		errs: map[string]error{"SELECT nosuch FROM t": errNoTable},
	}
}

// copyFixture copies a testdata file to a temporary directory, with CRLF line endings when crlf is set.
func copyFixture(t *testing.T, name string, crlf bool) (path, text string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	text = string(data)
	if crlf {
		text = strings.ReplaceAll(text, "\n", "\r\n")
	}
	path = filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o640))
	return path, text
}

func TestRewriteReplacesOnlyTheResultsThatDiffer(t *testing.T) {
	for _, crlf := range []bool{false, true} {
		path, original := copyFixture(t, "rewrite.slt", crlf)
		fr := TraceFile(context.Background(), rewriteTarget(), path, path)
		require.NoError(t, fr.Err)
		require.Equal(t, 6, fr.Failed, "%s", fr)

		done, left, err := RewriteFile(path, &fr)
		require.NoError(t, err)
		assert.Equal(t, []Rewritten{{path, 8}, {path, 23}, {path, 32}, {path, 38}, {path, 52}}, done)
		assert.Equal(t, []NotRewritten{{path, 43, "the query failed: only results are rewritten, not errors"}}, left)

		// The expected file: the original with exactly the stale results replaced.
		want := strings.NewReplacer(
			"1\tone\n2\ttwo\n\n", "1\tone\n2\ttwo\n3\tthree\n\n",
			"1\n10\n2\n20\n", "1\n10\n2\n20\n3\n30\n",
			"3 values hashing to 00000000000000000000000000000000", "3 values hashing to c0710d6b4f15dfa88f600b0e6b624077",
			"  AND b IS NOT NULL\n", "  AND b IS NOT NULL\n----\nthree\n(empty)\n",
			"----\n1 one\n", "----\n1 one\n2 two\n4 NULL\n",
		).Replace(strings.ReplaceAll(original, "\r\n", "\n"))
		if crlf {
			want = strings.ReplaceAll(want, "\n", "\r\n")
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, want, string(data))
		info, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o640), info.Mode().Perm())

		// Run again: only the error record still fails.
		fr = TraceFile(context.Background(), rewriteTarget(), path, path)
		require.NoError(t, fr.Err)
		assert.Equal(t, 1, fr.Failed, "%s", fr)
		assert.Equal(t, 49, fr.Failures[0].Line, "the error record, moved down by the rows added above it")
		done, _, err = RewriteFile(path, &fr)
		require.NoError(t, err)
		assert.Empty(t, done)
	}
}

func TestRewriteFixtureOnlyChangesTheFailingRecord(t *testing.T) {
	path, original := copyFixture(t, "report.slt", false)
	fr := TraceFile(context.Background(), fixtureTarget(), path, path)
	done, left, err := RewriteFile(path, &fr)
	require.NoError(t, err)
	assert.Equal(t, []Rewritten{{path, 15}}, done)
	assert.Empty(t, left)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, strings.Replace(original, "41\tanswer", "42\tanswer", 1), string(data))
}

func TestRewriteSeparatorsAndValuesResultsCannotHold(t *testing.T) {
	cases := []struct {
		name, results string
		rows          [][]string
		want          string // the new results, or "" when the record is left alone
	}{
		{"a space in a value needs TABs", "1 a\n", [][]string{{"1", "a b"}}, "1\ta b\n"},
		{"no expected rows: TABs", "", [][]string{{"1", "a"}}, "1\ta\n"},
		{"a TAB in a value", "1\ta\n", [][]string{{"1", "a\tb"}}, ""},
		{"a line break in a value", "1\ta\n", [][]string{{"1", "a\nb"}}, ""},
		{"a blank line", "1\ta\n", [][]string{{" ", " "}}, ""},
		{"no rows", "1\ta\n", nil, "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			text := "query IT nosort\nQ\n----\n" + c.results + "\n# after\n"
			path := writeFile(t, dir, "c.slt", text)
			target := &cannedTarget{name: "vcube", rows: map[string][][]string{"Q": c.rows}}
			fr := TraceFile(context.Background(), target, path, path)
			require.Equal(t, 1, fr.Failed, "%s", fr)
			done, left, err := RewriteFile(path, &fr)
			require.NoError(t, err)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			if c.want == "" {
				assert.Empty(t, done)
				assert.Len(t, left, 1)
				assert.Equal(t, text, string(data))
				return
			}
			assert.Len(t, done, 1)
			want := "query IT nosort\nQ\n----\n" + c.want + "\n# after\n"
			if c.want == "\n" {
				want = "query IT nosort\nQ\n----\n\n# after\n"
			}
			assert.Equal(t, want, string(data))
		})
	}
}

func TestRewriteLeavesOtherFailures(t *testing.T) {
	dir := t.TempDir()
	text := "statement ok\nS\n\nquery I nosort label\nQ\n----\n1\n\nquery I nosort label\nP\n----\n2\n\nquery II\nQ\n----\n1 2\n\nstatement error\nS\n"
	path := writeFile(t, dir, "c.slt", text)
	target := &cannedTarget{name: "vcube", rows: map[string][][]string{"Q": {{"1"}}, "P": {{"2"}}},
		errs: map[string]error{"S": errNoTable}}
	fr := TraceFile(context.Background(), target, path, path)
	require.Equal(t, 3, fr.Failed, "%s", fr)
	done, left, err := RewriteFile(path, &fr)
	require.NoError(t, err)
	assert.Empty(t, done)
	require.Len(t, left, 3, "%v", left)
	assert.Contains(t, left[0].Reason, "a statement")
	assert.Contains(t, left[1].Reason, "same label")
	assert.Contains(t, left[2].Reason, "number of columns")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, text, string(data))
}

func TestRewriteRefusesAFileThatChanged(t *testing.T) {
	path, _ := copyFixture(t, "report.slt", false)
	fr := TraceFile(context.Background(), fixtureTarget(), path, path)
	require.NoError(t, os.WriteFile(path, []byte("query I\nSELECT 1\n----\n1\n"), 0o644))
	_, _, err := RewriteFile(path, &fr)
	assert.ErrorContains(t, err, "changed since it ran")
}
