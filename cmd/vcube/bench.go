package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vcubedb/vcube/bench"
)

const benchUsage = `usage: vcube bench [flags]
       vcube bench report --md FILE RESULT.json...

Measures vcube on a rollup workload (bench.orders: orders per hour, product, zip code, platform and gender over
two years, with skewed values; bench.products to join), generated from a seed and cached by scale. It starts
vcube serve on a free loopback port with its data under the cache folder (or uses --target), imports the data
(ingest rows/s, peak memory), runs each query --runs times after a warm-up (min, median, p95, rows/s, bytes
read, the top EXPLAIN ANALYZE nodes), then at each --concurrency level for --load-time (queries/s, p99).
See docs/benchmarks.md.

  --scale 1m|10m|100m        rows of bench.orders (default 1m)
  --seed N                   the generator's seed (default 1)
  --queries all|q1,q3,...    queries to run, by id or name (default all)
  --runs N                   timed runs per query and engine (default 5)
  --warmup N                 untimed runs before them (default 1)
  --concurrency 1,8,32       client counts of the load runs; "none" skips them (default 1,8,32)
  --load-time D              how long each load run lasts (default 3s)
  --peer duckdb              run the same queries on DuckDB too, over its own tables and over Parquet, engine by
                             engine in turn, compare the answers and report vcube's time over DuckDB's. Needs the
                             companion bin/vcube-benchpeer (make bench builds it)
  --peer-bin PATH            the companion (default: vcube-benchpeer beside this binary, then on PATH)
  --peer-threads 2,1         DuckDB thread counts; ratios are against the first (default: the CPUs, then 1)
  --out FILE                 where to write the JSON result (default: results/<scale>-<time>.json in the cache)
  --cache-dir DIR            the data sets' cache (default $XDG_CACHE_HOME/vcube-bench)
  --target http://host:port  a running vcube server on this machine (it imports the cached files by path) into a
                             schema bench it must not have yet; by default the bench starts its own
  --keep-data                leave the engines' data folders in the cache after the run

vcube bench report --md docs/benchmarks.md bench/results/1m.json bench/results/10m.json
  renders result files as Markdown, with an SVG chart of the ratios per result beside it.

Exit status: 0 when the run completed (goals met or not) and every answer matched the peer's, 1 when a run
failed or answers differed, 2 for usage errors.
`

func benchCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "report" {
		return benchReport(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), benchUsage) }
	scale := fs.String("scale", "1m", "")
	seed := fs.Uint64("seed", 1, "")
	queries := fs.String("queries", "all", "")
	runs := fs.Int("runs", 5, "")
	warmup := fs.Int("warmup", 1, "")
	concurrency := fs.String("concurrency", "1,8,32", "")
	loadTime := fs.Duration("load-time", 3*time.Second, "")
	peer := fs.String("peer", "", "")
	peerBin := fs.String("peer-bin", "", "")
	peerThreads := fs.String("peer-threads", "", "")
	out := fs.String("out", "", "")
	cacheDir := fs.String("cache-dir", "", "")
	target := fs.String("target", "", "")
	keep := fs.Bool("keep-data", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usageError := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "vcube bench: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run vcube bench -h for help")
		return 2
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	cfg := bench.Config{Seed: *seed, Runs: *runs, Warmup: *warmup, LoadTime: *loadTime, Peer: *peer,
		CacheDir: *cacheDir, Target: strings.TrimRight(*target, "/"), KeepData: *keep, Version: version + gitCommit(),
		Log: stderr}
	var err error
	if cfg.Scale, err = bench.ParseScale(*scale); err != nil {
		return usageError("--scale: %v", err)
	}
	if cfg.Queries, err = bench.SelectQueries(*queries); err != nil {
		return usageError("--queries: %v", err)
	}
	if *runs < 1 {
		return usageError("--runs must be at least 1, not %d", *runs)
	}
	if *warmup < 0 {
		return usageError("--warmup must not be negative, not %d", *warmup)
	}
	if *concurrency != "none" && *concurrency != "" {
		if cfg.Concurrency, err = positiveInts(*concurrency); err != nil {
			return usageError("--concurrency: %v (or none)", err)
		}
		if *loadTime <= 0 {
			return usageError("--load-time must be positive, not %s", *loadTime)
		}
	}
	switch *peer {
	case "":
		if *peerBin != "" || *peerThreads != "" {
			return usageError("--peer-bin and --peer-threads need --peer duckdb")
		}
	case "duckdb":
		if cfg.PeerBin, err = findPeer(*peerBin); err != nil {
			return usageError("%v", err)
		}
		cfg.PeerThreads = []int{runtime.NumCPU()}
		if runtime.NumCPU() > 1 {
			cfg.PeerThreads = append(cfg.PeerThreads, 1)
		}
		if *peerThreads != "" {
			if cfg.PeerThreads, err = positiveInts(*peerThreads); err != nil {
				return usageError("--peer-threads: %v", err)
			}
		}
	default:
		return usageError("unknown --peer %q: want duckdb", *peer)
	}
	if cfg.Target != "" && !strings.HasPrefix(cfg.Target, "http://") && !strings.HasPrefix(cfg.Target, "https://") {
		return usageError("--target %q: want http://host:port", cfg.Target)
	}
	if cfg.CacheDir == "" {
		cfg.CacheDir = bench.DefaultCacheDir()
	}
	if cfg.CacheDir, err = filepath.Abs(cfg.CacheDir); err != nil {
		return usageError("--cache-dir: %v", err)
	}
	if *out == "" {
		*out = filepath.Join(cfg.CacheDir, "results", fmt.Sprintf("%s-%s.json", cfg.Scale.Name, time.Now().UTC().Format("20060102-150405")))
	}
	if cfg.Target == "" {
		if cfg.VcubeBin, err = os.Executable(); err != nil {
			fmt.Fprintf(stderr, "vcube bench: cannot find this binary to start vcube serve: %v\n", err)
			return 1
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "vcube bench: %v\n", err)
		return 1
	}
	if err := res.WriteFile(*out); err != nil {
		fmt.Fprintf(stderr, "vcube bench: writing the result: %v\n", err)
		return 1
	}
	bench.Text(stdout, res)
	fmt.Fprintf(stdout, "\nresult: %s\n", *out)
	for _, q := range res.Queries {
		if q.Check.Status == "mismatch" || q.Check.Status == "error" {
			return 1
		}
	}
	return 0
}

func benchReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), benchUsage) }
	md := fs.String("md", "", "")
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0)) // flags may follow operands
		args = fs.Args()[1:]
	}
	if *md == "" || len(files) == 0 {
		fmt.Fprintln(stderr, "vcube bench report: want --md FILE and at least one result file")
		fmt.Fprintln(stderr, "run vcube bench -h for help")
		return 2
	}
	results, err := bench.ReadResults(files)
	if err != nil {
		fmt.Fprintf(stderr, "vcube bench report: %v\n", err)
		return 1
	}
	if err := bench.WriteDocs(*md, results); err != nil {
		fmt.Fprintf(stderr, "vcube bench report: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s from %d results\n", *md, len(results))
	return 0
}

// positiveInts reads a comma-separated list of positive integers.
func positiveInts(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", part)
		}
		out = append(out, n)
	}
	return out, nil
}

// findPeer locates the DuckDB companion: the path given, vcube-benchpeer beside this binary, or on PATH.
func findPeer(given string) (string, error) {
	const name = "vcube-benchpeer"
	if given != "" {
		if _, err := os.Stat(given); err != nil {
			return "", fmt.Errorf("--peer-bin %s: %v", given, err)
		}
		return filepath.Abs(given)
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("--peer duckdb needs the DuckDB companion %s (beside this binary or on PATH); build it with make bench, or name it with --peer-bin", name)
}

// gitCommit names the checkout's commit, " (commit abc1234)" with "+changes" when the tree differs from it, so
// that results say which code they measured; empty outside a git checkout.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += "+changes"
	}
	return " (commit " + c + ")"
}
