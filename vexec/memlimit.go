package vexec

import (
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/vcubedb/vcube/internal/sqlerr"
)

// LimitAllocator counts the bytes one query holds, Arrow buffers through the allocator and the Go memory of
// hash tables and accumulators as operators charge it. Allocation never fails (arrow-go's kernels allocate on
// goroutines of their own, where a panic would take the server down); once the count passes the limit, every
// operator's next batch fails the query with error 1037 (ER_OUTOFMEMORY), so a query overshoots by at most
// what one step of one operator allocates. It is safe for concurrent use (the runs of a Merge share it).
type LimitAllocator struct {
	mem      memory.Allocator
	limit    int64
	used     atomic.Int64
	peak     atomic.Int64
	exceeded atomic.Bool
}

// NewLimitAllocator returns an allocator over mem that lets a query hold at most limit bytes.
func NewLimitAllocator(mem memory.Allocator, limit int64) *LimitAllocator {
	return &LimitAllocator{mem: mem, limit: limit}
}

func (a *LimitAllocator) add(n int64) {
	used := a.used.Add(n)
	if used > a.limit {
		a.exceeded.Store(true)
	}
	for {
		p := a.peak.Load()
		if used <= p || a.peak.CompareAndSwap(p, used) {
			return
		}
	}
}

// Allocate implements memory.Allocator.
func (a *LimitAllocator) Allocate(size int) []byte {
	a.add(int64(size))
	return a.mem.Allocate(size)
}

// Reallocate implements memory.Allocator.
func (a *LimitAllocator) Reallocate(size int, b []byte) []byte {
	a.add(int64(size - len(b)))
	return a.mem.Reallocate(size, b)
}

// Free implements memory.Allocator.
func (a *LimitAllocator) Free(b []byte) {
	a.used.Add(-int64(len(b)))
	a.mem.Free(b)
}

// Peak returns the most bytes the query held at once.
func (a *LimitAllocator) Peak() int64 { return a.peak.Load() }

// err is the query's error once it has passed its limit.
func (a *LimitAllocator) err() error {
	if !a.exceeded.Load() {
		return nil
	}
	return sqlerr.New(sqlerr.OutOfMemory, "the query needs more than its memory limit of %d bytes (--query-memory-limit); narrow it or raise the limit", a.limit)
}

// charge counts n more (or, negative, fewer) bytes of Go memory an operator holds against the query's limit, if
// the query has one.
func charge(mem memory.Allocator, n int64) {
	if a, ok := mem.(*LimitAllocator); ok {
		a.add(n)
	}
}

// overLimit returns the memory limit error of a query that has passed its limit, or nil.
func overLimit(mem memory.Allocator) error {
	if a, ok := mem.(*LimitAllocator); ok {
		return a.err()
	}
	return nil
}
