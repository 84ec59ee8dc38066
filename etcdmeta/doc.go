// Package etcdmeta owns vcube's catalog and cluster metadata kept in etcd, and the embedded etcd server that
// single-node mode runs in-process. It is the only package of vcube that imports the etcd client and server;
// it imports nothing of vcube except internal/ leaf packages, so every other layer sees etcd only through the
// Store and Snapshot types here.
//
// # Cache
//
// A Store loads every key under its prefix at one revision, then watches from the next revision and applies
// each watch response as a whole, so a Snapshot is always the catalog exactly as it was at Snapshot.Revision.
// Reads never go to etcd. Each mutation is one etcd transaction whose compares check that the keys it depends
// on are still as the snapshot it was planned on saw them; if another writer got there first, the Store waits
// until its cache has caught up with that writer and plans again. A mutation returns once the cache holds the
// revision it committed, so the caller's next Snapshot sees its own write. A sentinel error (ErrTableExists and
// the like) means nothing was written; an error from etcd itself (timeout, lost connection) leaves the outcome
// unknown, so a caller must not delete files on it: Sync shows what was committed, and files no chunk
// references are swept at start-up (Snapshot.Files).
//
// # Key layout
//
// All keys live under the prefix given to Connect (for example "/vcube/"); values are JSON.
//
//	<prefix>ids                                        next unallocated ID, a JSON number; IDs start at 1
//	<prefix>schemas/<schema>                           Schema
//	<prefix>tables/<schema>/<table>                    Table, with its columns and indexes
//	<prefix>chunks/<tableID 16-hex>/<chunkID 16-hex>   Chunk: file, index, level (0 new, 1 partition), bounds
//	<prefix>jobs/<id 20-digit>                         Job (compactions), read on demand
//	<prefix>plugins/<name>                             Plugin: module file and SHA-256, read on demand
//
// Schema and table names are path-escaped (url.PathEscape) so a '/' in a name cannot move a key into another
// schema's range, and are compared exactly, as MySQL on Linux does. Schemas, tables, indexes and chunks share
// one ID sequence, so an ID names one object for the life of the cluster and file names built from chunk IDs
// never collide. Chunks are keyed by table ID, not name: a table dropped and created again under the same name
// does not inherit the old table's chunks, and one DeleteRange removes all of a table's chunks.
//
// Every mutation is one transaction however large: DropTable removes a table's chunks with one DeleteRange,
// but AddChunks carries a put and a compare per chunk and DropSchema a DeleteRange per table, so etcd must allow
// that many operations and that large a request. The embedded server is configured for it (MaxTxnOps 1<<20,
// 10 MiB requests); an external cluster needs --max-txn-ops and --max-request-bytes raised to match.
package etcdmeta
