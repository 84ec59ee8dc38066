// Package plugins will host WebAssembly plugins (custom type casts and measures) with wazero: the plugin ABI,
// the host side of batch calls, and the function registry built-ins and plugins share. It is the only package
// that may import wazero, and it imports nothing of vcube's engine. It is empty until plugins land; see
// docs/ARCHITECTURE.md.
package plugins
