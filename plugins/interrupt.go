package plugins

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Interrupting plugins. A call into a plugin must stop when the statement's context is done, even in the
// middle of a loop that never ends. wazero's own mechanism (RuntimeConfig.WithCloseOnContextDone) leaves
// compiled code at every loop iteration to check the context, which made the example measures 3 to 43 times
// slower than native Go (docs/plugins.md, "Performance"). Instead, Load rewrites each module before compiling
// it:
//
//   - it adds a mutable i32 global, exported as vcube_interrupt, initially 0;
//   - it wraps the body of every function that has a loop as
//     `block $trap (block $body <body> end; return) end; unreachable`, $body typed with the function's results;
//   - after every `loop` instruction it inserts `global.get $vcube_interrupt; br_if $trap`.
//
// Every back edge of a wasm program targets a loop header, so no code runs long without passing a check.
// A check is one load and a branch out of the loop that is never taken; branching to a trap outside the loop
// keeps wazero's code for the loop as it was (an `if` with `unreachable` inside the loop measured 2.5x slower
// on a tight loop). When the caller's context is done, the host sets the global to 1 (context.AfterFunc); the
// next loop header leaves for `unreachable`, the call traps, and the instance, in an unknown state, is
// discarded.
//
// The rewrite decodes every instruction of the WebAssembly 2.0 feature set vcube enables (wazero's
// CoreFeaturesV2: MVP, sign extension, saturating conversions, multi-value, bulk memory, reference types,
// SIMD), which is also all that wazero accepts under that configuration; any other opcode refuses the module.
// DWARF sections go: their code offsets no longer match, and wazero only uses them for stack traces.

const interruptExport = "vcube_interrupt"

// Section ids.
const (
	secCustom   = 0
	secType     = 1
	secImport   = 2
	secFunction = 3
	secGlobal   = 6
	secExport   = 7
	secCode     = 10
	kindGlobal  = 3
	wasmVersion = 1
)

// sectionOrder is the position of each known section id in a module (the data count section comes before
// the code section).
var sectionOrder = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

type section struct {
	id   byte
	body []byte
}

// instrument returns the module with the interrupt global and (when checks) its checks.
func instrument(module []byte, checks bool) ([]byte, error) {
	if len(module) < 8 || !bytes.Equal(module[:4], []byte("\x00asm")) {
		return nil, errors.New("the file does not start with the WebAssembly magic number")
	}
	if module[4] != wasmVersion || module[5] != 0 || module[6] != 0 || module[7] != 0 {
		return nil, fmt.Errorf("unsupported WebAssembly binary version %d", module[4])
	}
	r := &reader{b: module, pos: 8}
	var sections []section
	for r.pos < len(r.b) {
		id := r.byte()
		size := r.u32()
		body := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("malformed section: %w", r.err)
		}
		if id == secCustom {
			name := (&reader{b: body}).name()
			if strings.HasPrefix(name, ".debug_") || strings.HasPrefix(name, "external_debug_info") {
				continue
			}
		}
		sections = append(sections, section{id, body})
	}

	importedGlobals, globals := 0, 0
	var types []funcType
	var funcTypes []uint32
	for _, s := range sections {
		var err error
		switch s.id {
		case secType:
			types, err = parseTypes(s.body)
		case secImport:
			importedGlobals, err = countImportedGlobals(s.body)
		case secFunction:
			funcTypes, err = parseFunctions(s.body)
		case secGlobal:
			sr := &reader{b: s.body}
			globals = int(sr.u32())
			err = sr.err
		case secExport:
			err = checkExportNames(s.body)
		}
		if err != nil && s.id != secExport {
			err = fmt.Errorf("section %d: %w", s.id, err)
		}
		if err != nil {
			return nil, err
		}
	}
	ins := &instrumenter{stop: uint32(importedGlobals + globals), checks: checks, types: types, declared: len(types),
		funcTypes: funcTypes}

	// The new global: mutable i32 initialised by `i32.const 0 end`.
	global := []byte{0x7f, 0x01, 0x41, 0x00, 0x0b}
	export := append(append(uleb(uint32(len(interruptExport))), interruptExport...), kindGlobal)
	export = append(export, uleb(ins.stop)...)

	var out []section
	addedGlobal, addedExport := false, false
	insert := func(id byte, entry []byte) {
		out = append(out, section{id, append(uleb(1), entry...)})
	}
	for _, s := range sections {
		if s.id != secCustom {
			if !addedGlobal && sectionOrder[s.id] > sectionOrder[secGlobal] {
				insert(secGlobal, global)
				addedGlobal = true
			}
			if !addedExport && sectionOrder[s.id] > sectionOrder[secExport] {
				insert(secExport, export)
				addedExport = true
			}
		}
		switch s.id {
		case secGlobal:
			s.body = appendEntry(s.body, global)
			addedGlobal = true
		case secExport:
			s.body = appendEntry(s.body, export)
			addedExport = true
		case secCode:
			body, err := ins.code(s.body)
			if err != nil {
				return nil, err
			}
			s.body = body
		}
		out = append(out, s)
	}
	if len(ins.types) > ins.declared {
		// Block types the wrappers needed: append them to the type section (which precedes the code section).
		for i := range out {
			if out[i].id == secType {
				for _, t := range ins.types[ins.declared:] {
					out[i].body = appendEntry(out[i].body, t.encode())
				}
			}
		}
	}
	if !addedGlobal {
		insert(secGlobal, global)
	}
	if !addedExport {
		insert(secExport, export)
	}
	size := 8
	for _, s := range out {
		size += 6 + len(s.body)
	}
	b := append(make([]byte, 0, size), module[:8]...)
	for _, s := range out {
		b = append(b, s.id)
		b = append(b, uleb(uint32(len(s.body)))...)
		b = append(b, s.body...)
	}
	return b, nil
}

// appendEntry adds one entry to a vector section body.
func appendEntry(body, entry []byte) []byte {
	r := &reader{b: body}
	n := r.u32()
	return append(append(uleb(n+1), body[r.pos:]...), entry...)
}

func countImportedGlobals(body []byte) (int, error) {
	r := &reader{b: body}
	n, globals := r.u32(), 0
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.name()
		r.name()
		switch kind := r.byte(); kind {
		case 0: // function: type index
			r.u32()
		case 1: // table: reference type, limits
			r.byte()
			r.limits()
		case 2: // memory: limits
			r.limits()
		case kindGlobal: // global: value type, mutability
			r.byte()
			r.byte()
			globals++
		default:
			return 0, fmt.Errorf("unknown import kind %#x", kind)
		}
	}
	return globals, r.err
}

func checkExportNames(body []byte) error {
	r := &reader{b: body}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		if name := r.name(); name == interruptExport {
			return fmt.Errorf("the module exports %s, a name vcube reserves for itself", name)
		}
		r.byte()
		r.u32()
	}
	return r.err
}

// funcType is a function type: its parameter and result value types.
type funcType struct {
	params, results []byte
}

func (t funcType) encode() []byte {
	b := append([]byte{0x60}, uleb(uint32(len(t.params)))...)
	b = append(b, t.params...)
	b = append(b, uleb(uint32(len(t.results)))...)
	return append(b, t.results...)
}

func parseTypes(body []byte) ([]funcType, error) {
	r := &reader{b: body}
	n := r.u32()
	var types []funcType
	for i := uint32(0); i < n && r.err == nil; i++ {
		if form := r.byte(); form != 0x60 && r.err == nil {
			return nil, fmt.Errorf("type #%d is not a function type (%#x)", i, form)
		}
		params := r.bytes(int(r.u32()))
		results := r.bytes(int(r.u32()))
		types = append(types, funcType{params, results})
	}
	return types, r.err
}

func parseFunctions(body []byte) ([]uint32, error) {
	r := &reader{b: body}
	n := r.u32()
	var idx []uint32
	for i := uint32(0); i < n && r.err == nil; i++ {
		idx = append(idx, r.u32())
	}
	return idx, r.err
}

// instrumenter rewrites function bodies.
type instrumenter struct {
	stop      uint32 // index of the interrupt global
	checks    bool   // false leaves loops alone (benchmarks measure the checks' cost with it)
	types     []funcType
	declared  int      // types the module declares; those after it are the wrappers' block types
	funcTypes []uint32 // type index of each function with a body
	body      []byte   // a function's instructions being rewritten, reused
}

// code rewrites the code section.
func (ins *instrumenter) code(body []byte) ([]byte, error) {
	r := &reader{b: body}
	n := r.u32()
	if int(n) != len(ins.funcTypes) {
		return nil, fmt.Errorf("the code section has %d bodies for %d functions", n, len(ins.funcTypes))
	}
	out := append(make([]byte, 0, len(body)+len(body)/16), uleb(n)...)
	var fn []byte
	for i := uint32(0); i < n; i++ {
		size := r.u32()
		code := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("code section: %w", r.err)
		}
		if int(ins.funcTypes[i]) >= len(ins.types) {
			return nil, fmt.Errorf("function #%d has an unknown type", i)
		}
		var err error
		if fn, err = ins.function(fn[:0], code, ins.types[ins.funcTypes[i]].results); err != nil {
			return nil, fmt.Errorf("function #%d: %w", i, err)
		}
		out = appendUleb(out, uint32(len(fn)))
		out = append(out, fn...)
	}
	return out, nil
}

// blockType returns the block type of a block that takes nothing and leaves results.
func (ins *instrumenter) blockType(results []byte) []byte {
	switch len(results) {
	case 0:
		return []byte{0x40}
	case 1:
		return results[:1]
	}
	for i, t := range ins.types {
		if len(t.params) == 0 && bytes.Equal(t.results, results) {
			return sleb33(uint32(i))
		}
	}
	ins.types = append(ins.types, funcType{results: results})
	return sleb33(uint32(len(ins.types) - 1))
}

// function rewrites one function body (locals and instructions) into out.
func (ins *instrumenter) function(out, code, results []byte) ([]byte, error) {
	r := &reader{b: code}
	groups := r.u32() // local declarations: count and type
	for i := uint32(0); i < groups; i++ {
		r.u32()
		r.byte()
	}
	if r.err != nil {
		return nil, r.err
	}
	locals := code[:r.pos]
	body := ins.body[:0]
	defer func() { ins.body = body }()
	open, loops := 0, false // constructs open inside the body
	copied := r.pos         // code before copied is in body
	for r.pos < len(r.b) {
		start := r.pos
		op := r.byte()
		switch {
		case op == 0x02 || op == 0x03 || op == 0x04: // block, loop, if
			r.blockType()
			open++
		case op == 0x0b: // end
			open--
		case op == 0x0c || op == 0x0d || op == 0x10 || op >= 0x20 && op <= 0x26 || op == 0xd2: // branches, call, variables, tables, ref.func
			r.u32()
		case op == 0x0e: // br_table
			n := r.u32()
			for i := uint32(0); i <= n && r.err == nil; i++ {
				r.u32()
			}
		case op == 0x11: // call_indirect
			r.u32()
			r.u32()
		case op == 0x1c: // select with types
			n := r.u32()
			r.bytes(int(n))
		case op >= 0x28 && op <= 0x3e: // loads and stores
			r.memarg()
		case op == 0x3f || op == 0x40: // memory.size, memory.grow
			r.u32()
		case op == 0x41 || op == 0x42: // i32.const, i64.const
			r.sleb()
		case op == 0x43:
			r.bytes(4)
		case op == 0x44:
			r.bytes(8)
		case op == 0xd0: // ref.null
			r.byte()
		case op == 0xfc:
			r.prefixedFC()
		case op == 0xfd:
			r.prefixedSIMD()
		case op <= 0x01 || op == 0x05 || op == 0x0f || op == 0x1a || op == 0x1b || op >= 0x45 && op <= 0xc4 || op == 0xd1:
			// no immediates
		default:
			return nil, fmt.Errorf("instruction %#x is outside the WebAssembly features vcube supports", op)
		}
		if r.err != nil {
			return nil, r.err
		}
		if open < 0 { // the function's own end
			if r.pos != len(r.b) {
				return nil, errors.New("code after the end of the function")
			}
			body = append(body, code[copied:start]...)
			break
		}
		if op == 0x03 && ins.checks {
			// Labels from the loop outwards: the open constructs, then $body, then $trap.
			loops = true
			body = append(body, code[copied:r.pos]...)
			body = appendUleb(append(body, 0x23), ins.stop)
			body = appendUleb(append(body, 0x0d), uint32(open+1))
			copied = r.pos
		}
	}
	if open >= 0 {
		return nil, errTruncated
	}
	out = append(out, locals...)
	if !loops {
		out = append(out, body...)
		return append(out, 0x0b), nil
	}
	out = append(out, 0x02, 0x40, 0x02) // block $trap; block $body
	out = append(out, ins.blockType(results)...)
	out = append(out, body...)
	return append(out, 0x0b, 0x0f, 0x0b, 0x00, 0x0b), nil // end $body; return; end $trap; unreachable; end
}

// reader decodes the binary format; the first error sticks.
type reader struct {
	b   []byte
	pos int
	err error
}

var errTruncated = errors.New("unexpected end of data")

func (r *reader) byte() byte {
	if r.err != nil || r.pos >= len(r.b) {
		r.err = errTruncated
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b)-r.pos {
		r.err = errTruncated
		return nil
	}
	b := r.b[r.pos : r.pos+n]
	r.pos += n
	return b
}

func (r *reader) u32() uint32 {
	if r.pos < len(r.b) && r.b[r.pos] < 0x80 { // most numbers take one byte
		r.pos++
		return uint32(r.b[r.pos-1])
	}
	return r.u32Long()
}

func (r *reader) u32Long() uint32 {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	if r.err == nil {
		r.err = errors.New("malformed LEB128 number")
	}
	return 0
}

// sleb skips a signed LEB128 number of up to 64 bits.
func (r *reader) sleb() {
	if r.pos < len(r.b) && r.b[r.pos] < 0x80 {
		r.pos++
		return
	}
	r.slebLong()
}

func (r *reader) slebLong() {
	for i := 0; i < 10; i++ {
		if r.byte()&0x80 == 0 {
			return
		}
	}
	if r.err == nil {
		r.err = errors.New("malformed LEB128 number")
	}
}

func (r *reader) name() string {
	return string(r.bytes(int(r.u32())))
}

func (r *reader) limits() {
	if flags := r.byte(); flags&1 != 0 {
		r.u32()
		r.u32()
	} else {
		r.u32()
	}
}

func (r *reader) memarg() {
	r.u32() // alignment
	r.u32() // offset
}

// blockType skips a block type: empty, a value type, or a type index (a signed 33-bit number).
func (r *reader) blockType() {
	if r.pos < len(r.b) {
		switch r.b[r.pos] {
		case 0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f:
			r.pos++
			return
		}
	}
	r.sleb()
}

// prefixedFC skips a 0xfc instruction: saturating conversions, bulk memory and table operations.
func (r *reader) prefixedFC() {
	switch op := r.u32(); {
	case op <= 7: // trunc_sat
	case op == 8: // memory.init: data index, memory
		r.u32()
		r.u32()
	case op == 9 || op == 13 || op == 11 || op >= 15 && op <= 17: // data.drop, elem.drop, memory.fill, table.grow/size/fill
		r.u32()
	case op == 10 || op == 12 || op == 14: // memory.copy, table.init, table.copy
		r.u32()
		r.u32()
	default:
		if r.err == nil {
			r.err = fmt.Errorf("instruction 0xfc %d is outside the WebAssembly features vcube supports", op)
		}
	}
}

// prefixedSIMD skips a 0xfd (128-bit SIMD) instruction.
func (r *reader) prefixedSIMD() {
	switch op := r.u32(); {
	case op <= 11 || op == 92 || op == 93: // loads and stores
		r.memarg()
	case op == 12 || op == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case op >= 21 && op <= 34: // lane extract and replace
		r.byte()
	case op >= 84 && op <= 91: // lane loads and stores
		r.memarg()
		r.byte()
	case op <= 255:
		// no immediates
	default:
		if r.err == nil {
			r.err = fmt.Errorf("instruction 0xfd %d is outside the WebAssembly features vcube supports", op)
		}
	}
}

// sleb33 encodes a type index as a block type: a non-negative signed 33-bit number.
func sleb33(v uint32) []byte {
	var b []byte
	x := uint64(v)
	for {
		c := byte(x & 0x7f)
		x >>= 7
		if x != 0 || c&0x40 != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func uleb(v uint32) []byte { return appendUleb(nil, v) }

func appendUleb(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}
