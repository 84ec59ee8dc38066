package etcdmeta

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

const (
	// maxRequestBytes bounds one transaction's request (AddChunks of tens of thousands of chunks fits); the
	// embedded server accepts it and the client may send it. etcd itself warns above 10 MiB.
	maxRequestBytes = 10 << 20
	// grpcOverhead is etcd's allowance for gRPC framing on top of MaxRequestBytes.
	grpcOverhead = 512 << 10
	// loadPage keys per range request while loading, so a large catalog never needs one huge response.
	loadPage = 1000
	// progressEvery is how often a waiter asks etcd to confirm the watch is caught up: needed when the
	// revision waited for belongs to a write outside the prefix, which the watch never reports as an event.
	progressEvery = 250 * time.Millisecond
	minBackoff    = 50 * time.Millisecond
	maxBackoff    = 2 * time.Second
)

// Store is the catalog over an etcd cluster, read from an in-memory cache that a watch keeps current.
// It is safe for concurrent use.
type Store struct {
	cli    *clientv3.Client
	prefix string

	state atomic.Pointer[cacheState]

	ctx    context.Context // the watch's context; RequestProgress must use it to reach the same stream
	cancel context.CancelFunc
	done   chan struct{} // closed when the watch loop has exited

	closeOnce sync.Once
	closeErr  error

	// beforeWatch, when set by tests, runs after a load and before the watch starts from its revision.
	beforeWatch func(rev int64)
}

// cacheState pairs a snapshot with a channel closed when a newer snapshot replaces it, so waiters block on a
// channel instead of polling.
type cacheState struct {
	snap *Snapshot
	next chan struct{}
}

// Connect opens a Store on the etcd cluster at endpoints, keeping the catalog under prefix, which must end in
// '/' so that no other prefix's keys fall inside it (e.g. "/vcube/"). It returns once the whole catalog is
// loaded; ctx bounds that load, not the Store's life.
func Connect(ctx context.Context, endpoints []string, prefix string) (*Store, error) {
	return connect(ctx, endpoints, prefix, nil)
}

func connect(ctx context.Context, endpoints []string, prefix string, beforeWatch func(int64)) (*Store, error) {
	if prefix == "" || !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("etcdmeta: prefix %q must be non-empty and end in '/'", prefix)
	}
	lg, err := quietLogger(nil)
	if err != nil {
		return nil, err
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:          endpoints,
		Logger:             lg,
		MaxCallSendMsgSize: maxRequestBytes + grpcOverhead,
		MaxCallRecvMsgSize: 1<<31 - 1, // a dropped table's chunk list comes back whole
	})
	if err != nil {
		return nil, fmt.Errorf("etcdmeta: connect to %v: %w", endpoints, err)
	}
	s := &Store{cli: cli, prefix: prefix, done: make(chan struct{}), beforeWatch: beforeWatch}
	snap, err := s.load(ctx)
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("etcdmeta: load catalog from %v: %w", endpoints, err)
	}
	s.state.Store(&cacheState{snap: snap, next: make(chan struct{})})
	base, cancel := context.WithCancel(context.Background())
	// Require a leader so a member cut off from the cluster ends the watch and the Store reloads elsewhere,
	// instead of serving a catalog that silently stopped changing.
	s.ctx, s.cancel = clientv3.WithRequireLeader(base), cancel
	go s.watchLoop()
	return s, nil
}

// Close stops the watch and closes the etcd client. Snapshots already taken stay usable.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		<-s.done
		s.closeErr = s.cli.Close()
	})
	return s.closeErr
}

// Snapshot returns the current cached catalog without a round trip to etcd.
func (s *Store) Snapshot() *Snapshot { return s.state.Load().snap }

// Sync returns a snapshot that includes every write committed anywhere before Sync was called: use it where
// another process's write must be visible (a worker told about a table the router just created).
func (s *Store) Sync(ctx context.Context) (*Snapshot, error) {
	resp, err := s.cli.Get(ctx, s.prefix+idsKey, clientv3.WithCountOnly())
	if err != nil {
		return nil, fmt.Errorf("etcdmeta: sync: %w", err)
	}
	return s.waitRev(ctx, resp.Header.Revision, true)
}

func (s *Store) publish(snap *Snapshot) {
	old := s.state.Load()
	s.state.Store(&cacheState{snap: snap, next: make(chan struct{})})
	close(old.next)
}

// waitRev returns once the cache reflects revision rev. nudge asks etcd for a progress report at once, for
// when rev may have no event under the prefix; otherwise the first report is requested after progressEvery.
func (s *Store) waitRev(ctx context.Context, rev int64, nudge bool) (*Snapshot, error) {
	if st := s.state.Load(); st.snap.rev >= rev {
		return st.snap, nil
	}
	if nudge {
		s.requestProgress()
	}
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	for {
		st := s.state.Load()
		if st.snap.rev >= rev {
			return st.snap, nil
		}
		select {
		case <-st.next:
		case <-tick.C:
			s.requestProgress()
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.done:
			return nil, ErrClosed
		}
	}
}

// requestProgress asks etcd to tell the watch which revision it has caught up to. Failures are ignored: the
// next tick asks again, and a broken watch is reloaded by the watch loop.
func (s *Store) requestProgress() {
	_ = s.cli.RequestProgress(s.ctx)
}

// load reads the whole catalog at one revision, page by page.
func (s *Store) load(ctx context.Context) (*Snapshot, error) {
	for {
		snap, err := s.loadOnce(ctx)
		if errors.Is(err, rpctypes.ErrCompacted) {
			continue // the pinned revision was compacted between pages: start over at the current one
		}
		return snap, err
	}
}

func (s *Store) loadOnce(ctx context.Context) (*Snapshot, error) {
	b := newBuilder(emptySnapshot())
	key, end := s.prefix, clientv3.GetPrefixRangeEnd(s.prefix)
	var rev int64
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(loadPage)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.cli.Get(ctx, key, opts...)
		if err != nil {
			return nil, err
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			b.put(strings.TrimPrefix(string(kv.Key), s.prefix), kv.Value, kv.CreateRevision, kv.ModRevision)
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return b.finish(rev), nil
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// watchLoop keeps the cache current until Close: it watches from the cache's revision, and whenever the
// watch ends (compaction, lost leader, etcd restart) it reloads everything and watches again.
func (s *Store) watchLoop() {
	defer close(s.done)
	backoff := minBackoff
	for {
		rev := s.Snapshot().rev
		if s.beforeWatch != nil {
			s.beforeWatch(rev)
		}
		if s.watch(rev) {
			backoff = minBackoff
		} else if !s.sleep(backoff) {
			return
		} else {
			backoff = min(2*backoff, maxBackoff)
		}
		for {
			if s.ctx.Err() != nil {
				return
			}
			snap, err := s.load(s.ctx)
			if err == nil {
				s.publish(snap)
				break
			}
			if !s.sleep(backoff) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
		}
	}
}

// sleep waits d, reporting false if the Store closed meanwhile.
func (s *Store) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// watch applies watch responses from rev+1 on until the watch ends. It reports whether the watch delivered
// anything, so a watch that fails at once is retried with backoff rather than in a tight loop.
func (s *Store) watch(rev int64) (delivered bool) {
	wctx, cancel := context.WithCancel(s.ctx) // same stream key as s.ctx: RequestProgress reaches this watch
	defer cancel()
	for resp := range s.cli.Watch(wctx, s.prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1)) {
		if resp.Err() != nil || resp.Canceled {
			return delivered
		}
		cur := s.Snapshot()
		switch {
		case resp.IsProgressNotify():
			// Every event up to the header revision has been delivered, so the cache is current there.
			if resp.Header.Revision > cur.rev {
				next := *cur
				next.rev = resp.Header.Revision
				s.publish(&next)
			}
			delivered = true
		case len(resp.Events) > 0:
			// A response holds whole revisions, so applying it as one step keeps every snapshot at a
			// revision boundary. The header revision may run ahead of the events while the watch catches
			// up, so the snapshot takes the last event's revision.
			b := newBuilder(cur)
			for _, ev := range resp.Events {
				rel := strings.TrimPrefix(string(ev.Kv.Key), s.prefix)
				if ev.Type == clientv3.EventTypeDelete {
					b.del(rel)
				} else {
					b.put(rel, ev.Kv.Value, ev.Kv.CreateRevision, ev.Kv.ModRevision)
				}
			}
			s.publish(b.finish(max(cur.rev, resp.Events[len(resp.Events)-1].Kv.ModRevision)))
			delivered = true
		}
	}
	return delivered
}
