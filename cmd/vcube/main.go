// Command vcube is vcube's one binary. `vcube serve` runs a single-node server: embedded etcd, the SQL engine and
// the HTTP API in one process. Every flag can also be set by an environment variable VCUBE_<NAME> (for
// --data-dir, VCUBE_DATA_DIR); a flag on the command line wins.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vcubedb/vcube/internal/node"
	"github.com/vcubedb/vcube/sqlfront"
	"github.com/vcubedb/vcube/vexec"
)

const usage = `vcube: a MySQL-compatible analytical store for rollups

usage:
  vcube serve [flags]    run a single-node server (see vcube serve -h)
  vcube conformance      run the SQL conformance files against vcube or MySQL (see vcube conformance -h)
  vcube bench            measure vcube on a rollup workload, optionally beside DuckDB (see vcube bench -h)
  vcube version          print the version
`

var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "conformance":
		return conformance(args[1:], stdout, stderr)
	case "bench":
		return benchCmd(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "vcube", version)
		return 0
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "vcube: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "./.vcube", "directory for the catalog (etcd/) and table data (data/)")
	httpAddr := fs.String("http-addr", "127.0.0.1:3030", "address of the HTTP SQL API")
	etcd := fs.String("etcd-endpoints", "", "comma-separated etcd client URLs; empty runs an embedded etcd in the data directory")
	queryTimeout := fs.Duration("query-timeout", 0, "longest a query may run (e.g. 30s); 0 for no limit")
	splitRows := fs.Int("partition-split-threshold", sqlfront.DefaultPartitionSplitThreshold,
		"rows at which compaction splits a partition")
	importRows := fs.Int("import-batch-rows", sqlfront.DefaultImportBatchRows,
		"rows a CSV import gathers before sorting and writing them; bounds import memory (about 2 x this many rows)")
	batchSize := fs.Int("batch-size", vexec.DefaultBatchSize, "rows per batch the executor passes between operators")
	cacheSize := byteSize(node.DefaultColumnCacheBytes)
	fs.Var(&cacheSize, "column-cache-size", "memory for decoded column chunks that warm queries reuse (e.g. 512MiB, 2GiB); 0 disables the cache")
	memLimit := byteSize(DefaultQueryMemoryLimit)
	fs.Var(&memLimit, "query-memory-limit", "most memory one query may hold (e.g. 4GiB); past it the query fails with error 1037; 0 for no limit")
	pluginDir := fs.String("plugin-dir", "", "directory of WebAssembly plugin modules (INSTALL PLUGIN ... SONAME names a file in it); <data-dir>/plugins when empty")
	pluginMem := byteSize(0)
	fs.Var(&pluginMem, "plugin-memory-limit", "most memory one plugin instance may use (e.g. 256MiB); 0 for the default, 256MiB")
	if err := parseFlags(fs, args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := node.Config{DataDir: *dataDir, QueryTimeout: *queryTimeout, ImportBatchRows: *importRows,
		PartitionSplitThreshold: *splitRows, ColumnCacheBytes: int64(cacheSize), QueryMemoryLimit: int64(memLimit),
		BatchSize: *batchSize, PluginDir: *pluginDir, PluginMemoryLimit: int64(pluginMem)}
	if *batchSize < 1 || *batchSize > 1<<20 {
		fmt.Fprintf(stderr, "vcube: --batch-size must be between 1 and 1048576, not %d\n", *batchSize)
		return 2
	}
	if cacheSize == 0 {
		cfg.ColumnCacheBytes = -1
	}
	if *etcd != "" {
		cfg.EtcdEndpoints = strings.Split(*etcd, ",")
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	n, err := node.Open(startCtx, cfg)
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "vcube: %v\n", err)
		return 1
	}
	if err := n.ServeHTTP(*httpAddr); err != nil {
		n.Close()
		fmt.Fprintf(stderr, "vcube: %v\n", err)
		return 1
	}
	log.Info("vcube is serving", "http", "http://"+n.HTTPAddr(), "data_dir", *dataDir)
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-n.Served():
		log.Error("HTTP server stopped", "err", err)
	}
	if err := n.Close(); err != nil {
		fmt.Fprintf(stderr, "vcube: shutdown: %v\n", err)
		return 1
	}
	return 0
}

// parseFlags fills flags from VCUBE_<NAME> environment variables, then from the command line.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		env := "VCUBE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q: %v", env, v, err)
			}
		}
	})
	if envErr != nil {
		fmt.Fprintf(fs.Output(), "vcube: %v\n", envErr)
		return envErr
	}
	return fs.Parse(args)
}
