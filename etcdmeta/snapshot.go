package etcdmeta

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Snapshot is the catalog as it was at one etcd revision. It is immutable: the Store replaces it, never
// changes it, so a query can plan against one Snapshot while the catalog moves on. Methods return copies.
type Snapshot struct {
	rev int64
	// nextID is the next unallocated ID (1 when the counter key does not exist yet, 0 when its value is
	// unreadable, which stops allocation rather than risk handing out IDs twice); idsMod is its ModRevision.
	nextID uint64
	idsMod int64

	// Maps are keyed by the relative etcd key, so a delete event finds its entry without decoding anything.
	schemas   map[string]schemaEntry
	tables    map[string]tableEntry
	tableByID map[uint64]string       // table ID -> relative table key
	chunks    map[uint64][]chunkEntry // table ID -> chunks sorted by ID
}

// The revisions kept with each entry are what transaction compares check against.
type schemaEntry struct {
	s   Schema
	mod int64
}

type tableEntry struct {
	t           Table
	create, mod int64 // CreateRevision identifies this incarnation of the table key
}

type chunkEntry struct {
	c   Chunk
	mod int64
}

func emptySnapshot() *Snapshot {
	return &Snapshot{
		nextID:    1,
		schemas:   map[string]schemaEntry{},
		tables:    map[string]tableEntry{},
		tableByID: map[uint64]string{},
		chunks:    map[uint64][]chunkEntry{},
	}
}

// Revision is the etcd revision this snapshot reflects: every change up to it and none after.
func (s *Snapshot) Revision() int64 { return s.rev }

// Schemas returns all schemas sorted by name.
func (s *Snapshot) Schemas() []Schema {
	out := make([]Schema, 0, len(s.schemas))
	for _, e := range s.schemas {
		out = append(out, e.s)
	}
	slices.SortFunc(out, func(a, b Schema) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Schema looks a schema up by its exact name.
func (s *Snapshot) Schema(name string) (Schema, bool) {
	e, ok := s.schemas[schemaKey(name)]
	return e.s, ok
}

// Tables returns the tables of one schema sorted by name.
func (s *Snapshot) Tables(schema string) []Table {
	var out []Table
	for _, e := range s.tablesIn(schema) {
		out = append(out, e.t.clone())
	}
	return out
}

// tablesIn returns a schema's table entries sorted by name, sharing the snapshot's slices.
func (s *Snapshot) tablesIn(schema string) []tableEntry {
	p := tablesOf(schema)
	var out []tableEntry
	for k, e := range s.tables {
		if strings.HasPrefix(k, p) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b tableEntry) int { return strings.Compare(a.t.Name, b.t.Name) })
	return out
}

// Table looks a table up by its exact schema and name.
func (s *Snapshot) Table(schema, name string) (Table, bool) {
	e, ok := s.tables[tableKey(schema, name)]
	if !ok {
		return Table{}, false
	}
	return e.t.clone(), true
}

// TableByID looks a table up by ID, as chunk and file names refer to it.
func (s *Snapshot) TableByID(id uint64) (Table, bool) {
	e, ok := s.tableEntryByID(id)
	if !ok {
		return Table{}, false
	}
	return e.t.clone(), true
}

func (s *Snapshot) tableEntryByID(id uint64) (tableEntry, bool) {
	k, ok := s.tableByID[id]
	if !ok {
		return tableEntry{}, false
	}
	e, ok := s.tables[k]
	return e, ok
}

// Chunks returns a table's chunks sorted by ID.
func (s *Snapshot) Chunks(tableID uint64) []Chunk {
	es := s.chunks[tableID]
	out := make([]Chunk, len(es))
	for i, e := range es {
		out[i] = e.c
	}
	return out
}

// chunk finds one committed chunk by binary search.
func (s *Snapshot) chunk(tableID, chunkID uint64) (chunkEntry, bool) {
	es := s.chunks[tableID]
	i, ok := slices.BinarySearchFunc(es, chunkID, func(e chunkEntry, id uint64) int { return cmp.Compare(e.c.ID, id) })
	if !ok {
		return chunkEntry{}, false
	}
	return es[i], true
}

// Files returns the File of every chunk, so start-up can delete data files no chunk references.
func (s *Snapshot) Files() map[string]bool {
	out := map[string]bool{}
	for _, es := range s.chunks {
		for _, e := range es {
			out[e.c.File] = true
		}
	}
	return out
}

// builder makes the next Snapshot from the current one and a batch of etcd changes. It copies the top-level
// maps once per batch and rebuilds only the chunk lists of tables the batch touched, so a batch costs the
// catalog's table count plus the touched tables' chunk counts, not the whole catalog.
type builder struct {
	s          *Snapshot
	chunkEdits map[uint64]map[uint64]*chunkEntry // table ID -> chunk ID -> new entry, nil for deleted
}

func newBuilder(base *Snapshot) *builder {
	return &builder{
		s: &Snapshot{
			rev:       base.rev,
			nextID:    base.nextID,
			idsMod:    base.idsMod,
			schemas:   maps.Clone(base.schemas),
			tables:    maps.Clone(base.tables),
			tableByID: maps.Clone(base.tableByID),
			chunks:    maps.Clone(base.chunks),
		},
		chunkEdits: map[uint64]map[uint64]*chunkEntry{},
	}
}

// put applies one key's new value. A value that does not decode removes the entry: the catalog then shows
// what can be trusted rather than a stale earlier value. Keys of unknown shape are left to other readers.
func (b *builder) put(rel string, value []byte, create, mod int64) {
	switch {
	case rel == idsKey:
		b.s.nextID, b.s.idsMod = parseCounter(value), mod
	case strings.HasPrefix(rel, schemasDir):
		var sc Schema
		if json.Unmarshal(value, &sc) != nil {
			b.del(rel)
			return
		}
		b.s.schemas[rel] = schemaEntry{s: sc, mod: mod}
	case strings.HasPrefix(rel, tablesDir):
		var t Table
		if json.Unmarshal(value, &t) != nil {
			b.del(rel)
			return
		}
		b.dropTableID(rel)
		b.s.tables[rel] = tableEntry{t: t, create: create, mod: mod}
		b.s.tableByID[t.ID] = rel
	case strings.HasPrefix(rel, chunksDir):
		tid, cid, ok := parseChunkKey(rel)
		if !ok {
			return
		}
		var c Chunk
		if json.Unmarshal(value, &c) != nil {
			b.del(rel)
			return
		}
		c.TableID, c.ID = tid, cid // the key is the identity the compares use
		b.editChunk(tid, cid, &chunkEntry{c: c, mod: mod})
	}
}

// parseCounter reads the ID counter; 0 means unreadable, which stops allocation (see Snapshot.nextID).
func parseCounter(value []byte) uint64 {
	n, err := strconv.ParseUint(string(value), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// del applies one key's deletion.
func (b *builder) del(rel string) {
	switch {
	case rel == idsKey:
		b.s.nextID, b.s.idsMod = 1, 0
	case strings.HasPrefix(rel, schemasDir):
		delete(b.s.schemas, rel)
	case strings.HasPrefix(rel, tablesDir):
		b.dropTableID(rel)
		delete(b.s.tables, rel)
	case strings.HasPrefix(rel, chunksDir):
		if tid, cid, ok := parseChunkKey(rel); ok {
			b.editChunk(tid, cid, nil)
		}
	}
}

// dropTableID forgets the ID index entry of the table now at rel, if the index still points there.
func (b *builder) dropTableID(rel string) {
	if old, ok := b.s.tables[rel]; ok && b.s.tableByID[old.t.ID] == rel {
		delete(b.s.tableByID, old.t.ID)
	}
}

func (b *builder) editChunk(tableID, chunkID uint64, e *chunkEntry) {
	m := b.chunkEdits[tableID]
	if m == nil {
		m = map[uint64]*chunkEntry{}
		b.chunkEdits[tableID] = m
	}
	m[chunkID] = e
}

// finish merges the chunk edits into fresh sorted lists and returns the snapshot at rev.
func (b *builder) finish(rev int64) *Snapshot {
	for tid, edits := range b.chunkEdits {
		ids := slices.Sorted(maps.Keys(edits))
		old := b.s.chunks[tid]
		merged := make([]chunkEntry, 0, len(old)+len(ids))
		i, j := 0, 0
		for i < len(old) || j < len(ids) {
			switch {
			case j == len(ids) || (i < len(old) && old[i].c.ID < ids[j]):
				merged = append(merged, old[i])
				i++
			default:
				if i < len(old) && old[i].c.ID == ids[j] {
					i++ // replaced or deleted by the edit
				}
				if e := edits[ids[j]]; e != nil {
					merged = append(merged, *e)
				}
				j++
			}
		}
		if len(merged) == 0 {
			delete(b.s.chunks, tid)
		} else {
			b.s.chunks[tid] = merged
		}
	}
	b.s.rev = rev
	s := b.s
	b.s, b.chunkEdits = nil, nil
	return s
}
