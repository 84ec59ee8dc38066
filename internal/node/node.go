// Package node wires a single-node vcube: the data directory and its lock, the catalog in etcd (embedded or
// external), table data, the SQL engine and the HTTP API. `vcube serve` runs one; tests and the conformance
// runner start them in-process.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/plugins"
	"github.com/vcubedb/vcube/sqlfront"
	"github.com/vcubedb/vcube/storage"
)

// Config says where a node keeps its data and how it is reached.
type Config struct {
	DataDir       string        // holds LOCK, etcd/ (embedded catalog) and data/ (Parquet files)
	EtcdEndpoints []string      // empty: run an embedded etcd under DataDir/etcd
	EtcdPrefix    string        // key prefix of the catalog; "/vcube/" when empty
	QueryTimeout  time.Duration // 0: none
	BatchSize     int           // rows per batch; 0 for the executor's default
	// ImportBatchRows bounds the memory of CSV imports (see sqlfront.Config); 0 for the default.
	ImportBatchRows int
	// PartitionSplitThreshold and CompactionMinChunks tune compaction (see sqlfront.Config); 0 for the defaults.
	PartitionSplitThreshold int
	CompactionMinChunks     int
	// CompactionInterval is how often compaction looks for work; 0 for a second, negative to never run it.
	CompactionInterval time.Duration
	// ColumnCacheBytes bounds the cache of decoded column chunks; 0 for DefaultColumnCacheBytes, negative for
	// no cache.
	ColumnCacheBytes int64
	// QueryMemoryLimit is the most bytes one query may hold; 0 for no limit.
	QueryMemoryLimit int64
	// PluginDir holds plugin modules (INSTALL PLUGIN ... SONAME names a file in it); DataDir/plugins when
	// empty. PluginMemoryLimit caps each plugin instance's memory; 0 for the plugins package's default.
	PluginDir         string
	PluginMemoryLimit int64
}

// DefaultColumnCacheBytes is the column cache's size when the configuration does not set one.
const DefaultColumnCacheBytes = 512 << 20

// Node is a running single-node vcube.
type Node struct {
	cfg     Config
	lock    *os.File
	embed   *etcdmeta.Embedded
	Catalog *etcdmeta.Store
	Data    *storage.Store
	Cache   *storage.ColumnCache // nil when disabled
	Engine  *sqlfront.Engine
	Plugins *plugins.Host
	http    *sqlfront.HTTPServer
	ln      net.Listener
	served  chan error

	stopCompaction context.CancelFunc
	compacting     sync.WaitGroup
}

// Open starts everything but the HTTP API. It fails if another process holds the data directory.
func Open(ctx context.Context, cfg Config) (_ *Node, err error) {
	if cfg.EtcdPrefix == "" {
		cfg.EtcdPrefix = "/vcube/"
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	n := &Node{cfg: cfg}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	if n.lock, err = lockDir(cfg.DataDir); err != nil {
		return nil, err
	}
	endpoints := cfg.EtcdEndpoints
	if len(endpoints) == 0 {
		if n.embed, err = etcdmeta.StartEmbedded(ctx, filepath.Join(cfg.DataDir, "etcd")); err != nil {
			return nil, fmt.Errorf("embedded etcd: %w", err)
		}
		endpoints = n.embed.Endpoints()
	}
	if n.Catalog, err = etcdmeta.Connect(ctx, endpoints, cfg.EtcdPrefix); err != nil {
		return nil, fmt.Errorf("catalog at %s: %w", strings.Join(endpoints, ","), err)
	}
	var opts []storage.Option
	if cfg.ColumnCacheBytes >= 0 {
		size := cfg.ColumnCacheBytes
		if size == 0 {
			size = DefaultColumnCacheBytes
		}
		n.Cache = storage.NewColumnCache(size)
		opts = append(opts, storage.WithColumnCache(n.Cache))
	}
	if n.Data, err = storage.Open(filepath.Join(cfg.DataDir, "data"), opts...); err != nil {
		return nil, err
	}
	// Files no committed chunk points to are leftovers of statements that failed or were cut off by a crash.
	snap, err := n.Catalog.Sync(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if _, err := n.Data.RemoveOrphans(snap.Files()); err != nil {
		return nil, fmt.Errorf("removing unreferenced data files: %w", err)
	}
	if cfg.PluginDir == "" {
		cfg.PluginDir = filepath.Join(cfg.DataDir, "plugins")
	}
	if err := os.MkdirAll(cfg.PluginDir, 0o755); err != nil {
		return nil, fmt.Errorf("plugin directory: %w", err)
	}
	// Compiled plugin code is cached across restarts, beside the data.
	if n.Plugins, err = plugins.NewHost(ctx, plugins.Config{CacheDir: filepath.Join(cfg.DataDir, "plugin-cache"),
		MemoryLimit: cfg.PluginMemoryLimit}); err != nil {
		return nil, fmt.Errorf("plugins: %w", err)
	}
	n.Engine = sqlfront.NewEngine(sqlfront.Config{Catalog: n.Catalog, Data: n.Data, BatchSize: cfg.BatchSize,
		ImportBatchRows: cfg.ImportBatchRows, PartitionSplitThreshold: cfg.PartitionSplitThreshold,
		CompactionMinChunks: cfg.CompactionMinChunks, QueryMemoryLimit: cfg.QueryMemoryLimit,
		Plugins: n.Plugins, PluginDir: cfg.PluginDir})
	// Installed plugins load again; one that cannot is logged and shown by SHOW PLUGINS, and the rest run.
	if err := n.Engine.LoadPlugins(ctx, slog.Default()); err != nil {
		return nil, fmt.Errorf("plugins: %w", err)
	}
	// Jobs recorded as running belong to a process that stopped before they finished.
	n.Engine.InterruptJobs(ctx)
	if cfg.CompactionInterval >= 0 {
		interval := cfg.CompactionInterval
		if interval == 0 {
			interval = time.Second
		}
		ctx, cancel := context.WithCancel(context.Background())
		n.stopCompaction = cancel
		n.compacting.Add(1)
		go func() {
			defer n.compacting.Done()
			n.Engine.RunCompaction(ctx, interval)
		}()
	}
	return n, nil
}

// lockDir takes an exclusive lock on DataDir/LOCK for the life of the process, so that two servers never share
// one data directory. The lock goes with the process, even on kill -9.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid := strings.TrimSpace(string(holder))
			if pid == "" {
				pid = "unknown"
			}
			return nil, fmt.Errorf("data directory %s is in use by another vcube process (pid %s); stop it or choose another --data-dir", dir, pid)
		}
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

// ServeHTTP starts the HTTP API on addr (host:port; port 0 picks a free one) and returns once it accepts
// connections.
func (n *Node) ServeHTTP(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	n.ln = ln
	n.http = sqlfront.NewHTTPServer(n.Engine, sqlfront.HTTPConfig{QueryTimeout: n.cfg.QueryTimeout})
	n.served = make(chan error, 1)
	go func() { n.served <- n.http.Serve(ln) }()
	return nil
}

// HTTPAddr is the address the HTTP API listens on.
func (n *Node) HTTPAddr() string { return n.ln.Addr().String() }

// Served reports when the HTTP server stops on its own (nil channel when it was never started).
func (n *Node) Served() <-chan error { return n.served }

// Close stops the HTTP API (waiting up to 10 s for requests in flight), the catalog and etcd, and releases the
// data directory.
func (n *Node) Close() error {
	var errs []error
	if n.stopCompaction != nil {
		n.stopCompaction()
		n.compacting.Wait()
	}
	if n.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, n.http.Shutdown(ctx))
		cancel()
	}
	if n.Engine != nil {
		n.Engine.ClosePlugins(context.Background())
	}
	if n.Plugins != nil {
		errs = append(errs, n.Plugins.Close(context.Background()))
	}
	if n.Data != nil {
		errs = append(errs, n.Data.Close())
	}
	if n.Catalog != nil {
		errs = append(errs, n.Catalog.Close())
	}
	if n.embed != nil {
		errs = append(errs, n.embed.Close())
	}
	if n.lock != nil {
		errs = append(errs, n.lock.Close())
	}
	return errors.Join(errs...)
}
