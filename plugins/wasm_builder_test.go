package plugins

import (
	"encoding/binary"
	"strings"
)

// A small builder of WebAssembly modules, for tests that need modules no toolchain would produce: ones that
// break the ABI, trap, or loop forever. Function bodies are raw instructions (without the final end).

const (
	tI32 = 0x7f
	tI64 = 0x7e
)

type wfunc struct {
	params, results []byte
	locals          []byte // one value type per local
	body            []byte
	export          string
	importFrom      string // module.name of an imported function
}

type wmodule struct {
	funcs []wfunc
	pages uint32
	data  map[uint32][]byte
	// noMemoryExport leaves the memory unexported.
	noMemoryExport bool
	// globals are extra mutable i32 globals, exported under their names.
	globals []string
}

func vec(items ...[]byte) []byte {
	b := uleb(uint32(len(items)))
	for _, it := range items {
		b = append(b, it...)
	}
	return b
}

func wname(s string) []byte { return append(uleb(uint32(len(s))), s...) }

func wsection(id byte, body []byte) []byte {
	return append(append([]byte{id}, uleb(uint32(len(body)))...), body...)
}

func (m *wmodule) bytes() []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	var types, imports, funcs, exports, code [][]byte
	imported := 0
	for _, f := range m.funcs {
		if f.importFrom != "" {
			imported++
		}
	}
	idxImport, idxLocal := 0, imported
	for _, f := range m.funcs {
		ti := uleb(uint32(len(types)))
		types = append(types, append(append([]byte{0x60}, vec(split(f.params)...)...), vec(split(f.results)...)...))
		var idx int
		if f.importFrom != "" {
			mod, name, _ := strings.Cut(f.importFrom, ".")
			imports = append(imports, append(append(append(wname(mod), wname(name)...), 0x00), ti...))
			idx, idxImport = idxImport, idxImport+1
		} else {
			funcs = append(funcs, ti)
			var locals [][]byte
			for _, l := range f.locals {
				locals = append(locals, []byte{1, l})
			}
			body := append(vec(locals...), f.body...)
			body = append(body, 0x0b)
			code = append(code, append(uleb(uint32(len(body))), body...))
			idx, idxLocal = idxLocal, idxLocal+1
		}
		if f.export != "" {
			exports = append(exports, append(append(wname(f.export), 0x00), uleb(uint32(idx))...))
		}
	}
	if !m.noMemoryExport {
		exports = append(exports, append(append(wname("memory"), 0x02), 0))
	}
	var globals [][]byte
	for i, g := range m.globals {
		globals = append(globals, []byte{tI32, 0x01, 0x41, 0x00, 0x0b})
		exports = append(exports, append(append(wname(g), 0x03), uleb(uint32(i))...))
	}
	out = append(out, wsection(1, vec(types...))...)
	if len(imports) > 0 {
		out = append(out, wsection(2, vec(imports...))...)
	}
	out = append(out, wsection(3, vec(funcs...))...)
	pages := max(m.pages, 1)
	out = append(out, wsection(5, vec(append([]byte{0x00}, uleb(pages)...)))...)
	if len(globals) > 0 {
		out = append(out, wsection(6, vec(globals...))...)
	}
	out = append(out, wsection(7, vec(exports...))...)
	out = append(out, wsection(10, vec(code...))...)
	var data [][]byte
	for addr, b := range m.data {
		seg := append([]byte{0x00, 0x41}, sleb32(int32(addr))...)
		seg = append(seg, 0x0b)
		seg = append(seg, wname(string(b))...)
		data = append(data, seg)
	}
	if len(data) > 0 {
		out = append(out, wsection(11, vec(data...))...)
	}
	return out
}

func split(types []byte) [][]byte {
	var out [][]byte
	for _, t := range types {
		out = append(out, []byte{t})
	}
	return out
}

func sleb32(v int32) []byte { return sleb64(int64(v)) }

func sleb64(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// Instructions.
func i32const(v int32) []byte { return append([]byte{0x41}, sleb32(v)...) }
func i64const(v int64) []byte { return append([]byte{0x42}, sleb64(v)...) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// Addresses of the fake plugin's data.
const (
	fakeMetadataAddr = 1024
	fakeMessageAddr  = 8192
	fakeHeapAddr     = 65536
)

// fakePlugin describes a hand-written plugin: every export of the ABI, with bodies a test may replace.
type fakePlugin struct {
	version  int32
	metadata string
	message  string
	row      int64
	// bodies replaces the body of an export (by its name); a nil entry drops the export.
	bodies map[string][]byte
	extra  []wfunc
}

// module builds the fake plugin: vcube_alloc always hands out fakeHeapAddr (the host allocates once per
// instance), the measure and cast exports succeed without doing anything unless replaced.
func (f fakePlugin) module() []byte {
	if f.version == 0 {
		f.version = ABIVersion
	}
	if f.metadata == "" {
		f.metadata = `{"functions":[{"name":"noop","kind":"cast","type":"noop","args":["bigint"],"returns":"bigint"}]}`
	}
	if f.message == "" {
		f.message = "refused"
	}
	packed := func(addr uint32, s string) []byte {
		return i64const(int64(addr)<<32 | int64(len(s)))
	}
	status0 := i32const(0)
	fns := []wfunc{
		{export: exportABIVersion, results: []byte{tI32}, body: i32const(f.version)},
		{export: exportAlloc, params: []byte{tI32}, results: []byte{tI32}, body: i32const(fakeHeapAddr)},
		{export: exportFree, params: []byte{tI32, tI32}},
		{export: exportMetadata, results: []byte{tI64}, body: packed(fakeMetadataAddr, f.metadata)},
		{export: exportErrorMessage, results: []byte{tI64}, body: packed(fakeMessageAddr, f.message)},
		{export: exportErrorRow, results: []byte{tI64}, body: i64const(f.row)},
		{export: exportCast, params: []byte{tI32, tI32, tI32, tI32, tI32}, results: []byte{tI32}, body: status0},
		{export: exportMeasureNew, params: []byte{tI32}, results: []byte{tI32}, body: i32const(1)},
		{export: exportMeasureDrop, params: []byte{tI32}, results: []byte{tI32}, body: status0},
		{export: exportMeasureUpdate, params: []byte{tI32, tI32, tI32, tI32, tI32}, results: []byte{tI32}, body: status0},
		{export: exportMeasureMerge, params: []byte{tI32, tI32, tI32, tI32, tI32}, results: []byte{tI32}, body: status0},
		{export: exportMeasureStates, params: []byte{tI32, tI32, tI32, tI32}, results: []byte{tI32}, body: status0},
		{export: exportMeasureFinalize, params: []byte{tI32, tI32, tI32, tI32}, results: []byte{tI32}, body: status0},
	}
	m := wmodule{pages: 4, data: map[uint32][]byte{fakeMetadataAddr: []byte(f.metadata), fakeMessageAddr: []byte(f.message)}}
	for _, fn := range fns {
		if body, ok := f.bodies[fn.export]; ok {
			if body == nil {
				continue
			}
			fn.body = body
		}
		m.funcs = append(m.funcs, fn)
	}
	m.funcs = append(m.funcs, f.extra...)
	return m.bytes()
}

// Bodies for the fake plugin's exports.
var (
	// spinForever loops without end, as a buggy plugin might.
	spinForever = cat([]byte{0x03, 0x40, 0x0c, 0x00, 0x0b}, i32const(0)) // loop br 0 end; i32.const 0
	// trapUnreachable traps.
	trapUnreachable = []byte{0x00}
	// loadOutOfBounds reads far past the end of memory.
	loadOutOfBounds = cat(i32const(-16), []byte{0x28, 0x02, 0x00}) // i32.load
	// returnError fails the call with status 1.
	returnError = i32const(1)
	// returnFatal fails the call with status 2.
	returnFatal = i32const(2)
)

// putU32 writes a little-endian u32 (for expected descriptors in tests).
func putU32(b []byte, v uint32) { binary.LittleEndian.PutUint32(b, v) }
