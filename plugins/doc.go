// Package plugins hosts vcube's WebAssembly plugins: custom type casts and measures (aggregates with a
// serialisable state) that users install as modules implementing the plugin ABI (docs/plugins.md). It owns
// the host side of the ABI: loading and validating modules (abi.go, metadata.go), instrumenting them so that
// a statement's context can interrupt any loop (interrupt.go), pooling instances under a memory limit
// (host.go, instance.go), and batch calls that move Arrow arrays in and out of linear memory (columns.go,
// cast.go, measure.go). Every failure is an *Error naming the plugin, the function and the row.
//
// It is the only package that imports wazero, and it imports nothing of vcube's engine (only the
// internal/sqltype leaf, for the SQL types functions declare). The guest side, the Go SDK and the example
// plugins, is the separate Go module in wasm/.
package plugins
