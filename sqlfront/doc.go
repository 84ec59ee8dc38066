// Package sqlfront is vcube's SQL front end: it parses MySQL-dialect statements (it is the only importer of
// vitess's sqlparser), binds names and types against the catalog, builds plans through the planner, runs them with
// vexec, and serves the result over HTTP. Engine is the facade every client path (HTTP, the MySQL wire protocol,
// the conformance runner) goes through.
//
// sqlfront may import planner, vexec, storage and etcdmeta; nothing below it imports sqlfront.
package sqlfront
