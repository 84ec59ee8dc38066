package sqlfront

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqltype"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/storage"
)

// Compaction merges an index's new chunks (level 0, one per write) with the partitions (level 1) their keys
// overlap, by a k-way sorted merge, into new partitions of at most the split threshold's rows each: a partition
// that grows past it splits. Aggregate indexes roll up equal keys as they merge. The new partitions replace the
// old files in one catalog transaction, so a query sees the old files or the new ones, never a mix; the old files
// are deleted once no query reads them.

// DefaultPartitionSplitThreshold is the most rows a partition holds before compaction splits it.
const DefaultPartitionSplitThreshold = 2_097_152

// DefaultCompactionMinChunks is how many new chunks an index gathers before they are compacted.
const DefaultCompactionMinChunks = 4

// maxMergeChunks caps the new chunks one compaction job merges.
const maxMergeChunks = 16

// Job is one compaction, as system.jobs lists it.
type Job = etcdmeta.Job

// jobLog records compaction jobs in the catalog (jobs/), so system.jobs shows them across restarts and, later,
// across the nodes of a cluster. A job that cannot be recorded still runs: the record is what is lost.
type jobLog struct {
	e        *Engine
	mu       sync.Mutex
	running  map[uint64]Job
	fallback uint64 // IDs for records when the catalog cannot allocate one
}

// jobsKept is how many finished jobs the catalog keeps.
const jobsKept = 1000

func (l *jobLog) start(ctx context.Context, j Job) uint64 {
	id, err := l.e.cfg.Catalog.AllocateIDs(ctx, 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.fallback++
		id = 1<<63 + l.fallback
	}
	now := time.Now().UTC()
	j.ID, j.Type, j.Status, j.Started, j.Heartbeat = id, "compaction", "running", now, now
	if l.running == nil {
		l.running = map[uint64]Job{}
	}
	l.running[id] = j
	_ = l.e.cfg.Catalog.PutJob(ctx, j)
	return id
}

func (l *jobLog) finish(id uint64, update func(*Job)) {
	l.mu.Lock()
	j, ok := l.running[id]
	delete(l.running, id)
	l.mu.Unlock()
	if !ok {
		return
	}
	update(&j)
	j.Finished = time.Now().UTC()
	j.Heartbeat = j.Finished
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.e.cfg.Catalog.PutJob(ctx, j)
	if id%64 == 0 {
		_ = l.e.cfg.Catalog.PruneJobs(ctx, jobsKept)
	}
}

// list returns the recorded jobs, oldest first; jobs the catalog could not record are missing.
func (l *jobLog) list() []Job {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	jobs, err := l.e.cfg.Catalog.Jobs(ctx)
	if err != nil {
		return nil
	}
	return jobs
}

// InterruptJobs marks jobs recorded as running, which no live process runs once this one starts (a node owns its
// data directory alone), as interrupted: the process that ran them stopped before they finished, and their
// outputs were removed as orphans.
func (e *Engine) InterruptJobs(ctx context.Context) {
	jobs, err := e.cfg.Catalog.Jobs(ctx)
	if err != nil {
		return
	}
	for _, j := range jobs {
		if j.Status == "running" {
			j.Status, j.Finished = "interrupted", time.Now().UTC()
			_ = e.cfg.Catalog.PutJob(ctx, j)
		}
	}
}

// RunCompaction compacts every interval until ctx ends.
func (e *Engine) RunCompaction(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = e.CompactOnce(ctx)
		}
	}
}

// CompactOnce runs one compaction pass over every index that has enough new chunks, and returns how many
// indexes it compacted. Only one pass runs at a time.
func (e *Engine) CompactOnce(ctx context.Context) (int, error) {
	e.compactMu.Lock()
	defer e.compactMu.Unlock()
	snap := e.cfg.Catalog.Snapshot()
	done := 0
	var errs []error
	for _, t := range allTables(snap) {
		chunks := snap.Chunks(t.ID)
		for _, ix := range t.Indexes {
			var fresh, parts []etcdmeta.Chunk
			for _, c := range chunks {
				if c.IndexID != ix.ID {
					continue
				}
				if c.Level == 0 {
					fresh = append(fresh, c)
				} else {
					parts = append(parts, c)
				}
			}
			if len(fresh) < e.minChunks() {
				// Nothing new enough to merge: split a partition a capped pass left too big, if there is one.
				var big *etcdmeta.Chunk
				for i := range parts {
					if parts[i].Rows > int64(e.splitThreshold()) && (big == nil || parts[i].Rows > big.Rows) {
						big = &parts[i]
					}
				}
				if big == nil {
					continue
				}
				fresh, parts = []etcdmeta.Chunk{*big}, nil
			}
			// A merge holds a read buffer per input and column: at most maxMergeChunks new chunks (the oldest) a
			// job keeps its memory bounded however far behind compaction is; the next pass takes the rest.
			if len(fresh) > maxMergeChunks {
				fresh = fresh[:maxMergeChunks]
			}
			if err := e.compactIndex(ctx, t, ix, fresh, parts); err != nil {
				errs = append(errs, err)
				continue
			}
			done++
		}
	}
	return done, errors.Join(errs...)
}

func (e *Engine) minChunks() int {
	if e.cfg.CompactionMinChunks > 0 {
		return e.cfg.CompactionMinChunks
	}
	return DefaultCompactionMinChunks
}

func (e *Engine) splitThreshold() int {
	if e.cfg.PartitionSplitThreshold > 0 {
		return e.cfg.PartitionSplitThreshold
	}
	return DefaultPartitionSplitThreshold
}

// compactIndex merges the fresh chunks of one index with the partitions whose first key column overlaps them.
func (e *Engine) compactIndex(ctx context.Context, t etcdmeta.Table, ix etcdmeta.Index, fresh, parts []etcdmeta.Chunk) error {
	cols, err := storageColumns(t)
	if err != nil {
		return err
	}
	writes, err := indexWrites(t, cols)
	if err != nil {
		return err
	}
	var iw indexWrite
	for _, w := range writes {
		if w.index.ID == ix.ID {
			iw = w
		}
	}
	fields := make([]planner.Field, len(iw.cols))
	for i, c := range iw.cols {
		fields[i] = planner.Field{Name: c.Name, Type: c.Type}
	}
	// Key positions within the index file, and the span of the fresh chunks' first key column.
	key := make([]int, len(iw.layout.Key))
	for i, k := range iw.layout.Key {
		key[i] = indexOf(iw.layout.Columns, k)
	}
	// Inputs go oldest first (partitions, then chunks in the order they were written), which is what decides
	// the row kept per unique key when no __seq does.
	var inputs []etcdmeta.Chunk
	span, spanKnown := keySpan(fresh, key[0], fields)
	for _, p := range parts {
		if !spanKnown || noBounds(p, key[0]) || chunkMayMatch(p, fields, []planner.ColumnRange{{Column: key[0], Range: span}}) {
			inputs = append(inputs, p)
		}
	}
	inputs = append(inputs, fresh...)
	var rollups []storage.RollupSpec
	for _, r := range iw.layout.Rollup {
		rollups = append(rollups, storage.RollupSpec{Column: r.Column, Func: r.Func})
	}
	var rows, bytes int64
	paths := make([]string, len(inputs))
	remove := make([]uint64, len(inputs))
	for i, c := range inputs {
		paths[i], remove[i] = c.File, c.ID
		rows += c.Rows
		bytes += c.Bytes
	}
	maxRows := partitionRows(rows, bytes, e.splitThreshold())
	jobID := e.jobs.start(ctx, Job{Schema: t.Schema, Table: t.Name, Index: ix.Name, Inputs: len(inputs), Rows: rows})
	fail := func(status string, err error) error {
		e.jobs.finish(jobID, func(j *Job) {
			j.Status = status
			if err != nil {
				j.Error = err.Error()
			}
		})
		return err
	}
	var ids []uint64
	out, err := e.cfg.Data.Merge(ctx, storage.MergeSpec{
		TableID: t.ID, Inputs: paths, Cols: iw.cols, Key: key, Rollup: rollups, Unique: iw.layout.Unique, MaxRows: maxRows,
		NextID: func() (uint64, error) {
			id, err := e.cfg.Catalog.AllocateIDs(ctx, 1)
			ids = append(ids, id)
			return id, err
		},
		Mem: e.cfg.Mem,
	})
	if err != nil {
		return fail("failed", err)
	}
	added := make([]etcdmeta.Chunk, len(out))
	outPaths := make([]string, len(out))
	for i, f := range out {
		outPaths[i] = f.Path
		added[i] = etcdmeta.Chunk{ID: ids[i], TableID: t.ID, IndexID: ix.ID, File: f.Path, Rows: f.Rows, Bytes: f.Bytes,
			Min: encodeBounds(fields, f.Min), Max: encodeBounds(fields, f.Max), Level: 1}
	}
	if _, err := e.cfg.Catalog.ReplaceChunks(ctx, t.ID, remove, added); err != nil {
		if errors.Is(err, etcdmeta.ErrChunkNotFound) || isTableGone(err) {
			// Someone else changed the inputs (a drop, another compaction): ours is moot, and never committed.
			_ = e.cfg.Data.Remove(outPaths)
			return fail("abandoned", nil)
		}
		return fail("failed", err)
	}
	e.removeFiles(inputs)
	e.jobs.finish(jobID, func(j *Job) { j.Status, j.Outputs = "done", len(out) })
	return nil
}

// Partitions split past the row threshold or about partitionSplitBytes of Parquet, into at most maxChildren
// partitions a pass (a larger merge makes fewer, bigger ones, which later passes split again).
const (
	partitionSplitBytes = 100 << 20
	maxChildren         = 16
)

// partitionRows is how many rows each output of a merge of rows rows and bytes bytes may hold.
func partitionRows(rows, bytes int64, threshold int) int {
	limit := int64(threshold)
	if rows > 0 && bytes > 0 {
		if byBytes := partitionSplitBytes * rows / bytes; byBytes < limit {
			limit = max(byBytes, 1)
		}
	}
	if perChild := (rows + maxChildren - 1) / maxChildren; perChild > limit {
		limit = perChild
	}
	return int(limit)
}

// keySpan is the range of a column's values over chunks (false when some chunk has no bounds).
func keySpan(chunks []etcdmeta.Chunk, col int, fields []planner.Field) (sqltype.Range, bool) {
	var lo, hi any
	for _, c := range chunks {
		if col >= len(c.Min) || col >= len(c.Max) {
			return sqltype.Range{}, false
		}
		if c.Min[col] == nil {
			continue // only NULLs in this column
		}
		l, err1 := sqltype.DecodeValue(fields[col].Type, *c.Min[col])
		h, err2 := sqltype.DecodeValue(fields[col].Type, *c.Max[col])
		if err1 != nil || err2 != nil {
			return sqltype.Range{}, false
		}
		if lo == nil || sqltype.Compare(l, lo) < 0 {
			lo = l
		}
		if hi == nil || sqltype.Compare(h, hi) > 0 {
			hi = h
		}
	}
	if lo == nil {
		return sqltype.Range{Values: []any{}}, true
	}
	return sqltype.Range{Lo: lo, LoIncl: true, Hi: hi, HiIncl: true}, true
}

// noBounds reports whether a chunk records no bounds for column col (it has only NULLs there, or was written
// without bounds): it may hold any key, so it takes part in the merge. Partitions of one index therefore never
// overlap on non-NULL keys; NULL keys, which chunk bounds do not record, may appear in more than one.
func noBounds(c etcdmeta.Chunk, col int) bool {
	return col >= len(c.Min) || c.Min[col] == nil
}

func indexOf(list []int, v int) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}
