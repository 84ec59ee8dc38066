package sqlfront

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// Every write lands in every index of the table: the rows of a statement become one sorted chunk per index
// (rolled up for aggregate indexes), and all of them are committed in one catalog transaction.

// indexWrite is how one index stores a table's rows.
type indexWrite struct {
	index  etcdmeta.Index
	layout storage.IndexLayout
	cols   []storage.Column // the index file's columns
}

// indexWrites derives the storage layout of every index of t, whose columns are cols.
func indexWrites(t etcdmeta.Table, cols []storage.Column) ([]indexWrite, error) {
	pos := func(name string) int {
		for i, c := range cols {
			if c.Name == name {
				return i
			}
		}
		return -1
	}
	aggs := map[string]string{}
	for _, a := range t.Aggregations {
		aggs[a.Column] = a.Func
	}
	var out []indexWrite
	for _, ix := range t.Indexes {
		w := indexWrite{index: ix}
		for _, name := range ix.Columns {
			p := pos(name)
			if p < 0 {
				return nil, sqlerr.New(sqlerr.Unknown, "catalog: index %s of %s.%s names unknown column %s", ix.Name, t.Schema, t.Name, name)
			}
			w.layout.Key = append(w.layout.Key, p)
		}
		if len(t.UniqueKey) > 0 {
			w.layout.Unique = &storage.UniqueSpec{Prefix: len(t.UniqueKey), Seq: -1}
			for i, c := range cols {
				if strings.EqualFold(c.Name, SeqColumn) && c.Type.Kind == sqltype.KindInt {
					w.layout.Unique.Seq = i
				}
			}
		}
		if ix.Aggregate {
			w.layout.Columns = append(w.layout.Columns, w.layout.Key...)
			for _, a := range t.Aggregations {
				w.layout.Rollup = append(w.layout.Rollup, storage.RollupSpec{Column: len(w.layout.Columns), Func: a.Func})
				w.layout.Columns = append(w.layout.Columns, pos(a.Column))
			}
		} else {
			// A regular index stores every column in table order, sorted by its key.
			for i := range cols {
				w.layout.Columns = append(w.layout.Columns, i)
			}
		}
		for _, c := range w.layout.Columns {
			w.cols = append(w.cols, cols[c])
		}
		out = append(out, w)
	}
	return out, nil
}

// chunkWriter writes a table's rows as chunk files, one per index per flush, and remembers them so that a
// failed statement can remove what it wrote.
type chunkWriter struct {
	e      *Engine
	table  etcdmeta.Table
	writes []indexWrite
	mu     sync.Mutex // guards chunks
	chunks []etcdmeta.Chunk
}

func (e *Engine) newChunkWriter(t etcdmeta.Table) (*chunkWriter, error) {
	cols, err := storageColumns(t)
	if err != nil {
		return nil, err
	}
	writes, err := indexWrites(t, cols)
	if err != nil {
		return nil, err
	}
	return &chunkWriter{e: e, table: t, writes: writes}, nil
}

// write stores the rows of batches (table columns, in table order) as one new chunk per index.
func (w *chunkWriter) write(ctx context.Context, batches []arrow.RecordBatch) error {
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	if rows == 0 {
		return nil
	}
	all, err := sqltype.ConcatBatches(w.e.cfg.Mem, batches[0].Schema(), batches)
	if err != nil {
		return err
	}
	// Only the sorted copies are needed once they exist: the joined input goes as soon as every index has its
	// rows, which keeps an import to about two copies of a flush in memory.
	var allOnce sync.Once
	releaseAll := func() { allOnce.Do(all.Release) }
	defer releaseAll()
	// Indexes are sorted in parallel, then written in parallel as parts of at most chunkPartRows rows each:
	// both steps are single-threaded per batch, and an import should keep every core busy.
	sorted := make([]arrow.RecordBatch, len(w.writes))
	defer func() {
		for _, b := range sorted {
			if b != nil {
				b.Release()
			}
		}
	}()
	err = parallel(len(w.writes), func(i int) error {
		b, err := storage.BuildIndexRows(ctx, w.e.cfg.Mem, all, w.writes[i].layout)
		if err != nil {
			return sqlerr.New(sqlerr.DataOutOfRange, "index %s: %v", w.writes[i].index.Name, err)
		}
		sorted[i] = b
		return nil
	})
	releaseAll()
	if err != nil {
		return err
	}
	type part struct {
		index      int
		start, end int64
	}
	var parts []part
	for i, b := range sorted {
		n := b.NumRows()
		pieces := max(1, min(int64(runtime.GOMAXPROCS(0)), (n+chunkPartRows-1)/chunkPartRows))
		for p := int64(0); p < pieces; p++ {
			parts = append(parts, part{index: i, start: n * p / pieces, end: n * (p + 1) / pieces})
		}
	}
	first, err := w.e.cfg.Catalog.AllocateIDs(ctx, len(parts))
	if err != nil {
		return err
	}
	chunks := make([]etcdmeta.Chunk, len(parts))
	err = parallel(len(parts), func(k int) error {
		p := parts[k]
		slice := sorted[p.index].NewSlice(p.start, p.end)
		defer slice.Release()
		c, err := w.writeChunk(slice, w.writes[p.index], first+uint64(k))
		chunks[k] = c
		return err
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range chunks {
		if c.File != "" {
			w.chunks = append(w.chunks, c)
		}
	}
	return err
}

// chunkPartRows is the size above which one index's rows of a write are split into several files written in
// parallel.
const chunkPartRows = 1 << 17

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines and joins their errors.
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// writeChunk writes index rows as chunk id and describes it for the catalog.
func (w *chunkWriter) writeChunk(rows arrow.RecordBatch, iw indexWrite, id uint64) (etcdmeta.Chunk, error) {
	info, err := w.e.cfg.Data.WriteChunk(w.table.ID, id, iw.cols, []arrow.RecordBatch{rows})
	if err != nil {
		return etcdmeta.Chunk{}, err
	}
	fields := make([]planner.Field, len(iw.cols))
	for c, col := range iw.cols {
		fields[c] = planner.Field{Name: col.Name, Type: col.Type}
	}
	return etcdmeta.Chunk{ID: id, TableID: w.table.ID, IndexID: iw.index.ID, File: info.Path,
		Rows: info.Rows, Bytes: info.Bytes, Min: encodeBounds(fields, info.Min), Max: encodeBounds(fields, info.Max)}, nil
}

// discard removes the files written so far (the statement failed before its commit).
func (w *chunkWriter) discard() {
	w.mu.Lock()
	defer w.mu.Unlock()
	paths := make([]string, len(w.chunks))
	for i, c := range w.chunks {
		paths[i] = c.File
	}
	_ = w.e.cfg.Data.Remove(paths)
	w.chunks = nil
}

// location turns a LOCATION entry into a local path.
func location(loc string) (string, error) {
	switch {
	case strings.HasPrefix(loc, "file://"):
		return strings.TrimPrefix(loc, "file://"), nil
	case strings.Contains(loc, "://"):
		return "", notSupported(fmt.Sprintf("LOCATION '%s' (only local files and file:// URLs)", loc))
	}
	return loc, nil
}
