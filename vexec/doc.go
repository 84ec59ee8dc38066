// Package vexec runs physical plans: operators that pull Arrow record batches from their children, and expression
// kernels compiled once per query into typed loops over Arrow buffers (or arrow-go's compute kernels where their
// semantics are MySQL's).
//
// Every operator is wrapped by one choke point (instrumented.Next) that checks for cancellation, turns panics into
// errors and keeps per-node figures for EXPLAIN ANALYZE outside the plan. vexec imports planner (plan types) and
// storage (to read data); it must not import sqlfront or etcdmeta.
package vexec
