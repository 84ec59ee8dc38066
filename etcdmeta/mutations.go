package etcdmeta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// txnPlan is one all-or-nothing transaction: ops apply only if every compare still holds.
type txnPlan struct {
	cmps []clientv3.Cmp
	ops  []clientv3.Op
}

// commit runs the optimistic loop every mutation shares. plan turns a snapshot into a transaction whose
// compares hold exactly when the keys it read are unchanged in etcd. When they fail, some other writer
// committed first: wait until the cache includes that write and plan again, which either succeeds or returns
// the sentinel error the new state calls for. Before a sentinel error is believed, the cache is brought up to
// date once, so "not found" and "exists" are never the result of a lagging cache.
//
// Once etcd reports a commit, commit reports success even if ctx ends before the cache has caught up: the
// write happened, and a caller that took it for a failure might delete files the catalog now references.
func (s *Store) commit(ctx context.Context, what string, plan func(*Snapshot) (txnPlan, error)) (*clientv3.TxnResponse, error) {
	snap, current := s.Snapshot(), false
	for {
		p, err := plan(snap)
		if err != nil {
			if current {
				return nil, fmt.Errorf("etcdmeta: %s: %w", what, err)
			}
			if snap, err = s.Sync(ctx); err != nil {
				return nil, fmt.Errorf("etcdmeta: %s: %w", what, err)
			}
			current = true
			continue
		}
		resp, err := s.cli.Txn(ctx).If(p.cmps...).Then(p.ops...).Commit()
		if err != nil {
			return nil, fmt.Errorf("etcdmeta: %s: %w", what, err)
		}
		if resp.Succeeded {
			_, _ = s.waitRev(ctx, resp.Header.Revision, false)
			return resp, nil
		}
		if resp.Header.Revision <= snap.rev {
			// Nothing changed since the snapshot, so its compares should have held: a bug, not contention.
			return nil, fmt.Errorf("etcdmeta: %s: compares failed against an unchanged revision %d", what, snap.rev)
		}
		if snap, err = s.waitRev(ctx, resp.Header.Revision, true); err != nil {
			return nil, fmt.Errorf("etcdmeta: %s: %w", what, err)
		}
		current = true
	}
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func (s *Store) key(rel string) string { return s.prefix + rel }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("etcdmeta: encode %T: %v", v, err)) // the catalog types always encode
	}
	return string(b)
}

// takeIDs reserves n IDs from snap's counter: the compare and the put that go into the same transaction.
func (s *Store) takeIDs(snap *Snapshot, n int) (first uint64, cmp clientv3.Cmp, op clientv3.Op, err error) {
	if snap.nextID == 0 {
		return 0, cmp, op, fmt.Errorf("ID counter %s holds no valid number; refusing to allocate", s.key(idsKey))
	}
	first = snap.nextID
	cmp = clientv3.Compare(clientv3.ModRevision(s.key(idsKey)), "=", snap.idsMod)
	op = clientv3.OpPut(s.key(idsKey), strconv.FormatUint(first+uint64(n), 10))
	return first, cmp, op, nil
}

// AllocateIDs reserves n consecutive IDs and returns the first. IDs are unique across the cluster for its
// whole life, so callers build file names from them before committing anything.
//
// It is a compare-and-swap loop on the counter alone: a lost race reads the counter back in the same
// transaction and tries again at once, without waiting for the cache as other mutations do.
func (s *Store) AllocateIDs(ctx context.Context, n int) (first uint64, err error) {
	if n < 1 {
		return 0, fmt.Errorf("etcdmeta: allocate %d IDs: need at least 1", n)
	}
	k := s.key(idsKey)
	snap := s.Snapshot()
	next, mod := snap.nextID, snap.idsMod
	for {
		if next == 0 {
			return 0, fmt.Errorf("etcdmeta: allocate IDs: counter %s holds no valid number; refusing to allocate", k)
		}
		resp, err := s.cli.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(k), "=", mod)).
			Then(clientv3.OpPut(k, strconv.FormatUint(next+uint64(n), 10))).
			Else(clientv3.OpGet(k)).
			Commit()
		if err != nil {
			return 0, fmt.Errorf("etcdmeta: allocate IDs: %w", err)
		}
		if resp.Succeeded {
			_, _ = s.waitRev(ctx, resp.Header.Revision, false) // so this Store's next CreateTable plans on it
			return next, nil
		}
		next, mod = 1, 0
		if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
			next, mod = parseCounter(kvs[0].Value), kvs[0].ModRevision
		}
	}
}

// CreateSchema creates an empty schema, or fails with ErrSchemaExists.
func (s *Store) CreateSchema(ctx context.Context, name string) (Schema, error) {
	if name == "" {
		return Schema{}, errors.New("etcdmeta: create schema: empty name")
	}
	var out Schema
	_, err := s.commit(ctx, "create schema "+name, func(snap *Snapshot) (txnPlan, error) {
		if _, ok := snap.Schema(name); ok {
			return txnPlan{}, ErrSchemaExists
		}
		id, idCmp, idOp, err := s.takeIDs(snap, 1)
		if err != nil {
			return txnPlan{}, err
		}
		out = Schema{ID: id, Name: name, CreatedAt: now()}
		k := s.key(schemaKey(name))
		return txnPlan{
			cmps: []clientv3.Cmp{idCmp, clientv3.Compare(clientv3.CreateRevision(k), "=", 0)},
			ops:  []clientv3.Op{idOp, clientv3.OpPut(k, mustJSON(out))},
		}, nil
	})
	if err != nil {
		return Schema{}, err
	}
	return out, nil
}

// DropSchema drops a schema with all its tables and their chunks in one transaction, and returns the dropped
// chunks so the caller can delete their files. It fails with ErrSchemaNotFound.
func (s *Store) DropSchema(ctx context.Context, name string) ([]Chunk, error) {
	var tables int
	resp, err := s.commit(ctx, "drop schema "+name, func(snap *Snapshot) (txnPlan, error) {
		sc, ok := snap.schemas[schemaKey(name)]
		if !ok {
			return txnPlan{}, ErrSchemaNotFound
		}
		ts := snap.tablesIn(name)
		tables = len(ts)
		sk, tp := s.key(schemaKey(name)), s.key(tablesOf(name))
		p := txnPlan{
			cmps: []clientv3.Cmp{
				clientv3.Compare(clientv3.ModRevision(sk), "=", sc.mod),
				// No table of the schema created or changed since the snapshot: otherwise a table created
				// meanwhile would be dropped without its chunks being listed here.
				clientv3.Compare(clientv3.ModRevision(tp), "<", snap.rev+1).WithPrefix(),
			},
			ops: []clientv3.Op{clientv3.OpDelete(sk), clientv3.OpDelete(tp, clientv3.WithPrefix())},
		}
		for _, t := range ts {
			// Deleting the whole range, not a list of known chunks, also takes chunks added after the
			// snapshot; PrevKV reports exactly what was deleted.
			p.ops = append(p.ops, clientv3.OpDelete(s.key(chunksOf(t.t.ID)), clientv3.WithPrefix(), clientv3.WithPrevKV()))
		}
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	var chunks []Chunk
	for _, r := range resp.Responses[2 : 2+tables] {
		cs, err := decodeChunks(r.GetResponseDeleteRange().PrevKvs)
		if err != nil {
			return nil, fmt.Errorf("etcdmeta: drop schema %s: %w", name, err)
		}
		chunks = append(chunks, cs...)
	}
	return chunks, nil
}

// CreateTable creates a table, assigning its ID and its indexes' IDs. It fails with ErrSchemaNotFound or
// ErrTableExists.
func (s *Store) CreateTable(ctx context.Context, t Table) (Table, error) {
	return s.CreateTableWithChunks(ctx, t, nil)
}

// CreateTableWithChunks creates a table together with its first chunks in one transaction, so a table
// imported from files at creation exists with all its data or not at all. When t.ID is set, t and its indexes
// carry IDs taken from AllocateIDs (the chunk files are named after them, so they are chosen before the files
// are written); otherwise CreateTable assigns them.
func (s *Store) CreateTableWithChunks(ctx context.Context, t Table, chunks []Chunk) (Table, error) {
	if err := validateTable(t); err != nil {
		return Table{}, err
	}
	if t.ID != 0 {
		for _, ix := range t.Indexes {
			if ix.ID == 0 {
				return Table{}, fmt.Errorf("etcdmeta: create table %s.%s: index %s has no ID while the table has one", t.Schema, t.Name, ix.Name)
			}
		}
	}
	for _, c := range chunks {
		if c.ID == 0 || c.File == "" || t.ID == 0 {
			return Table{}, fmt.Errorf("etcdmeta: create table %s.%s: chunks need IDs, files and a table with a preallocated ID", t.Schema, t.Name)
		}
	}
	var out Table
	var outChunks []Chunk
	_, err := s.commit(ctx, "create table "+t.Schema+"."+t.Name, func(snap *Snapshot) (txnPlan, error) {
		sc, ok := snap.schemas[schemaKey(t.Schema)]
		if !ok {
			return txnPlan{}, ErrSchemaNotFound
		}
		if _, ok := snap.tables[tableKey(t.Schema, t.Name)]; ok {
			return txnPlan{}, ErrTableExists
		}
		out = t.clone()
		out.CreatedAt = now()
		tk := s.key(tableKey(t.Schema, t.Name))
		p := txnPlan{
			cmps: []clientv3.Cmp{
				// The schema still exists as seen, so a racing DropSchema cannot leave an orphan table.
				clientv3.Compare(clientv3.ModRevision(s.key(schemaKey(t.Schema))), "=", sc.mod),
				clientv3.Compare(clientv3.CreateRevision(tk), "=", 0),
			},
		}
		if t.ID == 0 {
			id, idCmp, idOp, err := s.takeIDs(snap, 1+len(t.Indexes))
			if err != nil {
				return txnPlan{}, err
			}
			out.ID = id
			for i := range out.Indexes {
				out.Indexes[i].ID = id + 1 + uint64(i)
			}
			p.cmps = append(p.cmps, idCmp)
			p.ops = append(p.ops, idOp)
		}
		p.ops = append(p.ops, clientv3.OpPut(tk, mustJSON(out)))
		outChunks = make([]Chunk, len(chunks))
		for i, c := range chunks {
			c.TableID, c.CreatedAt = out.ID, out.CreatedAt
			outChunks[i] = c
			k := s.key(chunkKey(out.ID, c.ID))
			p.cmps = append(p.cmps, clientv3.Compare(clientv3.CreateRevision(k), "=", 0))
			p.ops = append(p.ops, clientv3.OpPut(k, mustJSON(c)))
		}
		return p, nil
	})
	if err != nil {
		return Table{}, err
	}
	return out.clone(), nil
}

// AddIndex adds an index to a table that holds no data yet (an index of a table with data would have to be
// built from it). It fails with ErrTableNotFound, ErrIndexExists, or ErrTableHasData.
func (s *Store) AddIndex(ctx context.Context, schema, name string, ix Index) (Table, error) {
	var out Table
	_, err := s.commit(ctx, "add index to "+schema+"."+name, func(snap *Snapshot) (txnPlan, error) {
		te, ok := snap.tables[tableKey(schema, name)]
		if !ok {
			return txnPlan{}, ErrTableNotFound
		}
		for _, x := range te.t.Indexes {
			if x.Name == ix.Name {
				return txnPlan{}, ErrIndexExists
			}
		}
		if len(snap.chunks[te.t.ID]) > 0 {
			return txnPlan{}, ErrTableHasData
		}
		id, idCmp, idOp, err := s.takeIDs(snap, 1)
		if err != nil {
			return txnPlan{}, err
		}
		out = te.t.clone()
		ix.ID = id
		ix.Columns = append([]string(nil), ix.Columns...)
		out.Indexes = append(out.Indexes, ix)
		if err := validateTable(out); err != nil {
			return txnPlan{}, err
		}
		tk := s.key(tableKey(schema, name))
		return txnPlan{
			cmps: []clientv3.Cmp{
				idCmp,
				clientv3.Compare(clientv3.ModRevision(tk), "=", te.mod),
				// Still no chunk: none committed since the snapshot either.
				clientv3.Compare(clientv3.ModRevision(s.key(chunksOf(te.t.ID))), "<", snap.rev+1).WithPrefix(),
			},
			ops: []clientv3.Op{idOp, clientv3.OpPut(tk, mustJSON(out))},
		}, nil
	})
	if err != nil {
		return Table{}, err
	}
	return out.clone(), nil
}

// DropTable drops a table and all its chunks in one transaction, and returns both. It fails with
// ErrSchemaNotFound or ErrTableNotFound.
func (s *Store) DropTable(ctx context.Context, schema, name string) (Table, []Chunk, error) {
	resp, err := s.commit(ctx, "drop table "+schema+"."+name, func(snap *Snapshot) (txnPlan, error) {
		if _, ok := snap.schemas[schemaKey(schema)]; !ok {
			return txnPlan{}, ErrSchemaNotFound
		}
		te, ok := snap.tables[tableKey(schema, name)]
		if !ok {
			return txnPlan{}, ErrTableNotFound
		}
		tk := s.key(tableKey(schema, name))
		return txnPlan{
			// CreateRevision, not ModRevision: it names this incarnation of the table, whatever else changed.
			cmps: []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(tk), "=", te.create)},
			ops: []clientv3.Op{
				clientv3.OpDelete(tk, clientv3.WithPrevKV()),
				clientv3.OpDelete(s.key(chunksOf(te.t.ID)), clientv3.WithPrefix(), clientv3.WithPrevKV()),
			},
		}, nil
	})
	if err != nil {
		return Table{}, nil, err
	}
	prev := resp.Responses[0].GetResponseDeleteRange().PrevKvs
	var t Table
	if len(prev) != 1 || json.Unmarshal(prev[0].Value, &t) != nil {
		return Table{}, nil, fmt.Errorf("etcdmeta: drop table %s.%s: dropped, but its stored definition did not decode", schema, name)
	}
	chunks, err := decodeChunks(resp.Responses[1].GetResponseDeleteRange().PrevKvs)
	if err != nil {
		return t, nil, fmt.Errorf("etcdmeta: drop table %s.%s: %w", schema, name, err)
	}
	return t, chunks, nil
}

// AddChunks commits chunks of one table in one transaction, guarded by the table still existing: it fails with
// ErrTableNotFound if the table was dropped meanwhile, and then commits nothing. Chunk IDs come from
// AllocateIDs, before the files are written. It returns the chunks with TableID and CreatedAt set.
func (s *Store) AddChunks(ctx context.Context, tableID uint64, chunks []Chunk) ([]Chunk, error) {
	return s.ReplaceChunks(ctx, tableID, nil, chunks)
}

// ReplaceChunks removes the chunks with IDs remove and adds chunks add, all of one table, in one transaction:
// how compaction swaps merged files for their sources. It fails with ErrTableNotFound if the table is gone and
// with ErrChunkNotFound if a chunk to remove is no longer committed; either way nothing changes.
func (s *Store) ReplaceChunks(ctx context.Context, tableID uint64, remove []uint64, add []Chunk) ([]Chunk, error) {
	what := fmt.Sprintf("commit chunks of table %d", tableID)
	if len(remove) == 0 && len(add) == 0 {
		return nil, nil
	}
	out := make([]Chunk, len(add))
	seen := make(map[uint64]bool, len(remove)+len(add))
	for _, id := range remove {
		if id == 0 || seen[id] {
			return nil, fmt.Errorf("etcdmeta: %s: chunk ID %d to remove is zero or repeated", what, id)
		}
		seen[id] = true
	}
	for i, c := range add {
		switch {
		case c.ID == 0 || seen[c.ID]:
			return nil, fmt.Errorf("etcdmeta: %s: chunk ID %d is zero or repeated; take IDs from AllocateIDs", what, c.ID)
		case c.TableID != 0 && c.TableID != tableID:
			return nil, fmt.Errorf("etcdmeta: %s: chunk %d belongs to table %d", what, c.ID, c.TableID)
		case c.File == "":
			return nil, fmt.Errorf("etcdmeta: %s: chunk %d has no file", what, c.ID)
		}
		seen[c.ID] = true
		c.TableID = tableID
		out[i] = c
	}
	_, err := s.commit(ctx, what, func(snap *Snapshot) (txnPlan, error) {
		te, ok := snap.tableEntryByID(tableID)
		if !ok {
			return txnPlan{}, ErrTableNotFound
		}
		p := txnPlan{cmps: []clientv3.Cmp{
			clientv3.Compare(clientv3.CreateRevision(s.key(tableKey(te.t.Schema, te.t.Name))), "=", te.create),
		}}
		for _, id := range remove {
			ce, ok := snap.chunk(tableID, id)
			if !ok {
				return txnPlan{}, fmt.Errorf("%w: chunk %d", ErrChunkNotFound, id)
			}
			k := s.key(chunkKey(tableID, id))
			p.cmps = append(p.cmps, clientv3.Compare(clientv3.ModRevision(k), "=", ce.mod))
			p.ops = append(p.ops, clientv3.OpDelete(k))
		}
		at := now()
		for i := range out {
			if _, ok := snap.chunk(tableID, out[i].ID); ok {
				return txnPlan{}, fmt.Errorf("chunk %d is already committed", out[i].ID)
			}
			out[i].CreatedAt = at
			k := s.key(chunkKey(tableID, out[i].ID))
			p.cmps = append(p.cmps, clientv3.Compare(clientv3.CreateRevision(k), "=", 0))
			p.ops = append(p.ops, clientv3.OpPut(k, mustJSON(out[i])))
		}
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func decodeChunks(kvs []*mvccpb.KeyValue) ([]Chunk, error) {
	out := make([]Chunk, 0, len(kvs))
	for _, kv := range kvs {
		var c Chunk
		if err := json.Unmarshal(kv.Value, &c); err != nil {
			return nil, fmt.Errorf("chunk %s did not decode: %w", kv.Key, err)
		}
		out = append(out, c)
	}
	return out, nil
}
