package etcdmeta

import (
	"net/url"
	"strconv"
	"strings"
)

// Keys relative to the Store's prefix; the layout is documented in doc.go.
const (
	idsKey     = "ids"
	schemasDir = "schemas/"
	tablesDir  = "tables/"
	chunksDir  = "chunks/"
)

// escapeName makes a schema or table name a single key segment: PathEscape turns '/' into %2F and '%' into
// %25, so distinct names give distinct segments and none contains '/'.
func escapeName(name string) string { return url.PathEscape(name) }

func schemaKey(name string) string { return schemasDir + escapeName(name) }

// tablesOf is the key prefix of all tables of one schema; the trailing '/' keeps schema "a" from matching
// the tables of schema "ab".
func tablesOf(schema string) string { return tablesDir + escapeName(schema) + "/" }

func tableKey(schema, name string) string { return tablesOf(schema) + escapeName(name) }

// hex16 spells an ID as fixed-width hex so keys sort in ID order.
func hex16(id uint64) string {
	s := strconv.FormatUint(id, 16)
	return strings.Repeat("0", 16-len(s)) + s
}

func chunksOf(tableID uint64) string { return chunksDir + hex16(tableID) + "/" }

func chunkKey(tableID, chunkID uint64) string { return chunksOf(tableID) + hex16(chunkID) }

// parseChunkKey reads the table and chunk IDs back from a relative chunk key.
func parseChunkKey(rel string) (tableID, chunkID uint64, ok bool) {
	rest, found := strings.CutPrefix(rel, chunksDir)
	if !found || len(rest) != 33 || rest[16] != '/' {
		return 0, 0, false
	}
	t, err1 := strconv.ParseUint(rest[:16], 16, 64)
	c, err2 := strconv.ParseUint(rest[17:], 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return t, c, true
}
