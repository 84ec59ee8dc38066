package storage

import (
	"container/list"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ColumnCache keeps decoded column chunks (one column of one row group, as an Arrow array: for TEXT, a
// dictionary array when a reader asked for one, see Reader.cachedColumn) in memory, up to a budget of bytes,
// least recently used out first. A warm query then slices cached arrays instead of reading, decompressing and
// decoding Parquet pages. Files are immutable, so an entry never goes stale; entries of a removed file are
// dropped with it. It is safe for concurrent use.
type ColumnCache struct {
	mu     sync.Mutex
	budget int64
	used   int64
	lru    *list.List // of *cacheEntry, most recently used first
	byKey  map[cacheKey]*list.Element
	byPath map[string]map[cacheKey]struct{}
	mem    memory.Allocator // decoded arrays live here, outside any query's allocator
	hits   int64
	misses int64
}

type cacheKey struct {
	path   string
	column string // name and type: a table recreated under the same path never matches another's column
	group  int
	dict   bool // the chunk as a dictionary array (ScanOptions.Dictionary)
}

type cacheEntry struct {
	key   cacheKey
	arr   arrow.Array
	bytes int64
}

// NewColumnCache returns a cache holding up to budget bytes of decoded arrays.
func NewColumnCache(budget int64) *ColumnCache {
	return &ColumnCache{budget: budget, lru: list.New(), byKey: map[cacheKey]*list.Element{},
		byPath: map[string]map[cacheKey]struct{}{}, mem: memory.NewGoAllocator()}
}

// get returns the cached array for key, retained for the caller, or nil.
func (c *ColumnCache) get(key cacheKey) arrow.Array {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		c.misses++
		return nil
	}
	c.hits++
	c.lru.MoveToFront(el)
	arr := el.Value.(*cacheEntry).arr
	arr.Retain()
	return arr
}

// put adds arr (the cache takes its own reference) unless it alone exceeds the budget, evicting the least
// recently used entries to make room.
func (c *ColumnCache) put(key cacheKey, arr arrow.Array) {
	size := arraySize(arr.Data())
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.budget {
		return
	}
	if _, ok := c.byKey[key]; ok {
		return // another reader decoded it at the same time
	}
	for c.used+size > c.budget {
		c.evict(c.lru.Back())
	}
	arr.Retain()
	c.byKey[key] = c.lru.PushFront(&cacheEntry{key: key, arr: arr, bytes: size})
	if c.byPath[key.path] == nil {
		c.byPath[key.path] = map[cacheKey]struct{}{}
	}
	c.byPath[key.path][key] = struct{}{}
	c.used += size
}

func (c *ColumnCache) evict(el *list.Element) {
	e := c.lru.Remove(el).(*cacheEntry)
	delete(c.byKey, e.key)
	if keys := c.byPath[e.key.path]; keys != nil {
		delete(keys, e.key)
		if len(keys) == 0 {
			delete(c.byPath, e.key.path)
		}
	}
	c.used -= e.bytes
	e.arr.Release()
}

// drop removes every entry of the file at path.
func (c *ColumnCache) drop(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key := range c.byPath[path] {
		c.evict(c.byKey[key])
	}
}

// CacheStats are a cache's figures.
type CacheStats struct {
	Bytes, Budget, Entries int64
	Hits, Misses           int64
}

// Stats returns the cache's current figures.
func (c *ColumnCache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Bytes: c.used, Budget: c.budget, Entries: int64(len(c.byKey)), Hits: c.hits, Misses: c.misses}
}

// arraySize is the bytes of an array's buffers, its children's and its dictionary's. A cached dictionary
// array's dictionary belongs to it alone (it was decoded for its column chunk), so it is counted with it.
func arraySize(d arrow.ArrayData) int64 {
	var n int64
	if dict, ok := d.Dictionary().(*array.Data); ok && dict != nil {
		n += arraySize(dict)
	}
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += arraySize(c)
	}
	return n
}
