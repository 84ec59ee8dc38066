package storage

import (
	"container/list"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// DefaultOpenFiles is how many chunk files a store keeps open, with their footers decoded, when no reader uses
// them.
const DefaultOpenFiles = 256

// openFiles keeps chunk files open with their footers decoded. A chunk file never changes once written, and
// opening one (a stat, a read of the footer, decoding its thrift metadata) is most of what a point query costs
// besides its rows: BenchmarkPointQuery spent a fifth of its CPU time there. Files in use by readers are never
// closed under them; of the rest, the least recently used beyond the bound are. A removed file is closed as soon
// as no reader uses it, so its disk space is freed. *parquet.File is safe for concurrent readers: each reader
// reads its own pages through ReadAt.
type openFiles struct {
	mu      sync.Mutex
	max     int
	entries map[string]*openFile // by absolute path
	idle    list.List            // of *openFile with no readers, most recently used first
	closed  bool
}

type openFile struct {
	path    string
	f       *os.File
	pf      *parquet.File
	readers int
	idle    *list.Element // in openFiles.idle while readers == 0
	removed bool          // forgotten: closed when its last reader is done
}

func newOpenFiles(max int) *openFiles {
	return &openFiles{max: max, entries: map[string]*openFile{}}
}

// acquire returns the open file at path for one more reader, opening it when it is not open; rel names it in
// errors.
func (o *openFiles) acquire(path, rel string) (*openFile, error) {
	o.mu.Lock()
	if e, ok := o.entries[path]; ok {
		o.use(e)
		o.mu.Unlock()
		return e, nil
	}
	o.mu.Unlock()

	// Opened outside the lock: a slow disk must not hold up readers of other files.
	e, err := openChunkFile(path, rel)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if cur, ok := o.entries[path]; ok { // another reader opened it meanwhile
		_ = e.f.Close()
		o.use(cur)
		return cur, nil
	}
	e.readers = 1
	if !o.closed {
		o.entries[path] = e
	} else {
		e.removed = true // not kept: closed by its reader
	}
	return e, nil
}

func (o *openFiles) use(e *openFile) {
	if e.readers == 0 && e.idle != nil {
		o.idle.Remove(e.idle)
		e.idle = nil
	}
	e.readers++
}

// release ends one reader's use of a file.
func (o *openFiles) release(e *openFile) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	e.readers--
	if e.readers > 0 {
		return nil
	}
	if e.removed {
		return e.f.Close()
	}
	e.idle = o.idle.PushFront(e)
	var errs []error
	for o.idle.Len() > o.max {
		last := o.idle.Remove(o.idle.Back()).(*openFile)
		last.idle = nil
		delete(o.entries, last.path)
		errs = append(errs, last.f.Close())
	}
	return errors.Join(errs...)
}

// forget drops a file being removed: closed now if no reader uses it, else when its last reader is done.
func (o *openFiles) forget(path string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	e, ok := o.entries[path]
	if !ok {
		return
	}
	delete(o.entries, path)
	e.removed = true
	if e.readers == 0 {
		if e.idle != nil {
			o.idle.Remove(e.idle)
			e.idle = nil
		}
		_ = e.f.Close()
	}
}

// close closes every file no reader uses and stops keeping files; files in use close with their last reader.
func (o *openFiles) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	var errs []error
	for path, e := range o.entries {
		delete(o.entries, path)
		e.removed = true
		if e.readers == 0 {
			errs = append(errs, e.f.Close())
		}
	}
	o.idle.Init()
	return errors.Join(errs...)
}

func openChunkFile(path, rel string) (*openFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("storage: opening chunk: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("storage: opening chunk %s: %w", rel, err)
	}
	// The page index and bloom filters are not needed to scan; skipping them keeps opening to one footer read.
	pf, err := parquet.OpenFile(f, st.Size(),
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(readBufferSize),
	)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("storage: opening chunk %s: %w", rel, err)
	}
	return &openFile{path: path, f: f, pf: pf}, nil
}
