// Package storage owns vcube's table data on disk: immutable Parquet chunk files under the data directory, written
// crash-safely (temp file, fsync, rename, fsync of the directory) and read back as Arrow record batches by decoding
// column chunks page by page straight into Arrow buffers, skipping row groups whose statistics rule out a scan's
// ranges (pruning.go).
//
// It also holds the data-side work of writes and compaction: BuildIndexRows sorts (and for aggregate indexes
// rolls up) a batch into an index's order, ReadCSV parses CSV files for imports on every core, and Merge k-way
// merges sorted chunk files into new ones cut between keys.
//
// The layout is <Dir()>/t<table id, 16 hex digits>/c<chunk id, 16 hex digits>.parquet. Column names in a file are
// the SQL column names; every column is optional (nullable) and snappy-compressed; strings are dictionary-encoded.
// Which files exist, and what their columns are, is the catalog's business: the engine passes it in, so this
// package imports neither etcd, nor the SQL parser, nor any other vcube package except internal/sqltype and
// internal/sqlerr (internal/layout_test.go keeps it so).
package storage
