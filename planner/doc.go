// Package planner owns vcube's query plans: bound expressions, plan nodes whose names are the ones Cube Store
// users know from EXPLAIN (Scan, Filter, Projection, FullHashAggregate, Sort, GlobalLimit, SkipRows, ...), the
// choices that turn a bound query into a physical plan, and EXPLAIN rendering.
//
// Plans are immutable once built, so one plan can run many times and on many goroutines; runtime figures
// (EXPLAIN ANALYZE) are kept by the executor keyed by node ID, never stored on nodes.
//
// planner must not import vexec, storage or sqlfront: it describes work, others do it.
package planner
