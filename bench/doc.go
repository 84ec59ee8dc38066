// Package bench is `vcube bench`: it generates a rollup workload from a seed (cached by scale), loads it into a
// vcube server it drives over HTTP (a `vcube serve` it starts, or a running one), and measures ingest, each
// query's latency and, at several client counts, throughput. With the DuckDB companion (testsuite/benchpeer, a
// separate cgo module run as a child process) the same queries run on DuckDB over its own tables and over Parquet
// in the same run, engine by engine in turn, their answers compared with vcube's. Results are JSON files, which
// Markdown and SVG render into docs/benchmarks.md.
//
// The package drives vcube from outside, as a user would: it imports none of vcube's engine packages.
package bench
