package storage

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openFDs counts the descriptors the process holds on path (Linux's /proc/self/fd).
func openFDs(t *testing.T, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("needs /proc/self/fd")
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && (target == path || target == path+" (deleted)") {
			n++
		}
	}
	return n
}

func countRows(t *testing.T, r *Reader) int64 {
	t.Helper()
	var rows int64
	for {
		b, err := r.Next()
		if err == io.EOF {
			return rows
		}
		require.NoError(t, err)
		rows += b.NumRows()
	}
}

// Readers of one chunk file share one descriptor and decoded footer, which stays open for the next reader; a
// removed file is closed once its last reader is done, and reading it goes on until then; no more than the
// bound of unused files stay open.
func TestOpenFilesAreShared(t *testing.T) {
	s := openStore(t)
	defer s.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fi, want := writeRandom(t, s, 1, 1, allTypesColumns, 3000, 1)
	releaseAll(want)
	full := filepath.Join(s.Dir(), filepath.FromSlash(fi.Path))
	opts := ScanOptions{Columns: []int{0, 3}, Mem: mem}

	r1, err := s.OpenChunk(fi.Path, allTypesColumns, opts)
	require.NoError(t, err)
	r2, err := s.OpenChunk(fi.Path, allTypesColumns, opts)
	require.NoError(t, err)
	assert.Equal(t, 1, openFDs(t, full), "two readers, one descriptor")
	assert.Equal(t, int64(3000), countRows(t, r1))
	require.NoError(t, r1.Close())
	require.NoError(t, r2.Close())
	assert.Equal(t, 1, openFDs(t, full), "kept open for the next reader")

	r3, err := s.OpenChunk(fi.Path, allTypesColumns, opts)
	require.NoError(t, err)
	require.NoError(t, s.Remove([]string{fi.Path}))
	assert.Equal(t, int64(3000), countRows(t, r3), "a reader of a removed file reads on")
	assert.Equal(t, 1, openFDs(t, full))
	require.NoError(t, r3.Close())
	assert.Equal(t, 0, openFDs(t, full), "closed with its last reader")
	_, err = s.OpenChunk(fi.Path, allTypesColumns, opts)
	assert.Error(t, err, "a removed file is not served from the open files")

	// The bound: unused files beyond it close, least recently used first.
	s.files.max = 2
	var paths []string
	for id := uint64(2); id <= 5; id++ {
		fi, want := writeRandom(t, s, 1, id, allTypesColumns, 100, id)
		releaseAll(want)
		r, err := s.OpenChunk(fi.Path, allTypesColumns, opts)
		require.NoError(t, err)
		require.NoError(t, r.Close())
		paths = append(paths, filepath.Join(s.Dir(), filepath.FromSlash(fi.Path)))
	}
	assert.Equal(t, []int{0, 0, 1, 1}, []int{openFDs(t, paths[0]), openFDs(t, paths[1]), openFDs(t, paths[2]), openFDs(t, paths[3])})
	require.NoError(t, s.Close())
	assert.Equal(t, []int{0, 0}, []int{openFDs(t, paths[2]), openFDs(t, paths[3])}, "Close closes the unused files")
}
