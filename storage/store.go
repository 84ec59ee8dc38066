package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Defaults for the file layout. Row groups are the unit later work prunes and compacts; 16,384 rows keeps a
// group's column chunks small enough to skip cheaply and large enough to compress well.
const (
	DefaultRowGroupRows = 16384
	// DefaultPageBytes bounds the uncompressed values buffered per data page. Pages are the unit of decoding (and,
	// with the page index parquet-go writes, of pruning later), so they stay well below a row group.
	DefaultPageBytes = 256 << 10
	// DefaultDictionaryBytes is the dictionary size past which a string column chunk falls back to plain pages: a
	// dictionary that large no longer saves space and costs memory on both sides.
	DefaultDictionaryBytes = 1 << 20
)

// Store reads and writes the chunk files of every table under one directory. It is safe for concurrent use.
type Store struct {
	dir  string
	conf config
	// dirMu orders creating a table directory plus its first temp file against removing empty table
	// directories, so Remove never deletes a directory a concurrent WriteChunk is about to write into.
	dirMu sync.Mutex
	files *openFiles
}

type config struct {
	cache           *ColumnCache
	rowGroupRows    int
	pageBytes       int
	dictionaryBytes int64
}

// Option changes a setting of a Store.
type Option func(*config)

// WithColumnCache makes reads go through a cache of decoded column chunks (nil: no cache).
func WithColumnCache(c *ColumnCache) Option { return func(conf *config) { conf.cache = c } }

// WithRowGroupRows sets the most rows a row group holds (default DefaultRowGroupRows).
func WithRowGroupRows(n int) Option { return func(c *config) { c.rowGroupRows = n } }

// WithPageBytes sets the uncompressed bytes buffered per data page before it is written (default DefaultPageBytes).
func WithPageBytes(n int) Option { return func(c *config) { c.pageBytes = n } }

// WithDictionaryBytes sets the dictionary size past which a string column chunk switches to plain pages
// (default DefaultDictionaryBytes).
func WithDictionaryBytes(n int64) Option { return func(c *config) { c.dictionaryBytes = n } }

// Open returns the store for dir, which is <data-dir>/data; it creates dir (0o755) if it is missing.
func Open(dir string, opts ...Option) (*Store, error) {
	conf := config{rowGroupRows: DefaultRowGroupRows, pageBytes: DefaultPageBytes, dictionaryBytes: DefaultDictionaryBytes}
	for _, o := range opts {
		o(&conf)
	}
	if conf.rowGroupRows < 1 {
		return nil, fmt.Errorf("storage: row group rows must be positive, got %d", conf.rowGroupRows)
	}
	if conf.pageBytes < 1 {
		return nil, fmt.Errorf("storage: page bytes must be positive, got %d", conf.pageBytes)
	}
	if conf.dictionaryBytes < 1 {
		return nil, fmt.Errorf("storage: dictionary bytes must be positive, got %d", conf.dictionaryBytes)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: data directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("storage: creating data directory: %w", err)
	}
	return &Store{dir: abs, conf: conf, files: newOpenFiles(DefaultOpenFiles)}, nil
}

// Close closes the chunk files the store keeps open; files that readers still use close with their readers.
func (s *Store) Close() error { return s.files.close() }

// Dir returns the absolute path of the data directory; file paths the store hands out are relative to it.
func (s *Store) Dir() string { return s.dir }

// FileInfo describes a chunk file once it is durable.
type FileInfo struct {
	Path  string // relative to Dir(), with forward slashes: "t000000000000002a/c000000000000002b.parquet"
	Rows  int64
	Bytes int64
	// Min and Max hold each column's smallest and largest non-NULL value (nil when the column is all NULL), as
	// internal/sqltype holds values, so the catalog can prune whole files before opening them.
	Min, Max []any
}

// tableDirName and chunkFileName fix the on-disk names: fixed-width hex keeps a directory listing in id order.
func tableDirName(tableID uint64) string { return fmt.Sprintf("t%016x", tableID) }

func chunkFileName(chunkID uint64) string { return fmt.Sprintf("c%016x.parquet", chunkID) }

// ChunkPath returns the path, relative to Dir(), of a table's chunk file.
func ChunkPath(tableID, chunkID uint64) string {
	return tableDirName(tableID) + "/" + chunkFileName(chunkID)
}

// abs turns a path relative to Dir() into an absolute one, refusing paths that would leave Dir(): paths come
// from the catalog, and a corrupt entry must not make the store delete or read files elsewhere.
func (s *Store) abs(rel string) (string, error) {
	local := filepath.FromSlash(rel)
	if rel == "" || !filepath.IsLocal(local) {
		return "", fmt.Errorf("storage: path %q is not inside the data directory", rel)
	}
	return filepath.Join(s.dir, local), nil
}

// Remove deletes the given files (missing files are not an error) and then any table directory left empty.
func (s *Store) Remove(paths []string) error {
	dirs := map[string]bool{}
	var errs []error
	for _, p := range paths {
		full, err := s.abs(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if s.conf.cache != nil {
			s.conf.cache.drop(p)
		}
		s.files.forget(full)
		if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("storage: removing %s: %w", p, err))
			continue
		}
		if d := filepath.Dir(full); d != s.dir {
			dirs[d] = true
		}
	}
	s.removeEmptyDirs(dirs)
	return errors.Join(errs...)
}

// removeEmptyDirs removes the directories that are empty; a directory that still holds files stays, which is
// why the error of os.Remove is not reported.
func (s *Store) removeEmptyDirs(dirs map[string]bool) {
	s.dirMu.Lock()
	defer s.dirMu.Unlock()
	for d := range dirs {
		_ = os.Remove(d)
	}
}

// RemoveOrphans deletes every file under Dir() whose relative path keep does not name, including temp files
// that a crash left behind, then the directories left empty; it returns the relative paths it removed, sorted.
// The engine calls it at start-up, before any write, with the files the catalog references.
//
// Removals are not fsynced: a removal lost in a crash only means the orphan is removed again next start-up.
func (s *Store) RemoveOrphans(keep map[string]bool) ([]string, error) {
	var removed []string
	dirs := map[string]bool{}
	var errs []error
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if d.IsDir() {
			if path != s.dir {
				dirs[path] = true
			}
			return nil
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if keep[rel] {
			return nil
		}
		s.files.forget(path)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("storage: removing orphan %s: %w", rel, err))
			return nil
		}
		removed = append(removed, rel)
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	// Deepest first, so a nested empty directory goes before its parent.
	ordered := make([]string, 0, len(dirs))
	for d := range dirs {
		ordered = append(ordered, d)
	}
	slices.SortFunc(ordered, func(a, b string) int {
		return strings.Count(b, string(filepath.Separator)) - strings.Count(a, string(filepath.Separator))
	})
	s.dirMu.Lock()
	for _, d := range ordered {
		_ = os.Remove(d)
	}
	s.dirMu.Unlock()
	slices.Sort(removed)
	return removed, errors.Join(errs...)
}

// syncDir fsyncs a directory so that entries created or renamed in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
