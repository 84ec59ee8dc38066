//go:build wasip1

package sdk

import (
	"fmt"
	"runtime"
	"unsafe"
)

// The vcube_ exports (docs/plugins.md, "Exports"). Addresses are offsets in linear memory, which in a Go wasm
// program are the pointers themselves.

//go:wasmexport vcube_abi_version
func exportABIVersion() int32 { return ABIVersion }

// pinned keeps the buffers vcube_alloc handed out alive until vcube_free.
var pinned = map[uint32][]uint64{}

//go:wasmexport vcube_alloc
func exportAlloc(size int32) uint32 {
	if size <= 0 {
		return 0
	}
	buf := make([]uint64, (int(size)+7)/8) // 8-byte aligned
	addr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	pinned[addr] = buf
	return addr
}

//go:wasmexport vcube_free
func exportFree(addr uint32, size int32) {
	delete(pinned, addr)
	afterCall()
}

var metadata []byte

//go:wasmexport vcube_metadata
func exportMetadata() uint64 {
	var err error
	if metadata == nil {
		metadata, err = metadataJSON()
	}
	if err != nil {
		setError(-1, err.Error())
		return 0
	}
	return uint64(addrOf(metadata))<<32 | uint64(len(metadata))
}

var (
	errMessage []byte
	errRow     int64 = -1
)

func setError(row int64, msg string) {
	errMessage, errRow = []byte(msg), row
}

//go:wasmexport vcube_error_message
func exportErrorMessage() uint64 {
	return uint64(addrOf(errMessage))<<32 | uint64(len(errMessage))
}

//go:wasmexport vcube_error_row
func exportErrorRow() int64 { return errRow }

// Status codes of calls.
const (
	statusOK    = 0
	statusError = 1 // the call failed; the instance is fine
	statusFatal = 2 // the call failed and left the instance in an unknown state (a panic): vcube discards it
)

// run calls f, turning its error or panic into a status and the error exports.
func run(f func() error) (status int32) {
	defer func() {
		if r := recover(); r != nil {
			setError(-1, fmt.Sprintf("panic: %v", r))
			status = statusFatal
		}
		afterCall()
	}()
	if err := f(); err != nil {
		setError(errorRow(err), err.Error())
		return statusError
	}
	return statusOK
}

// afterCall lets the garbage collector's background workers run. A wasmexport call runs on one goroutine from
// start to end, so without a yield a collection that allocation started never finishes and garbage grows
// from call to call.
func afterCall() {
	runtime.Gosched()
}

func lookupFunction(fn int32, kind string) (*function, error) {
	if fn < 0 || int(fn) >= len(functions) {
		return nil, fmt.Errorf("no function #%d", fn)
	}
	f := functions[fn]
	if f.Kind != kind {
		return nil, fmt.Errorf("function %q is not a %s", f.Name, kind)
	}
	return f, nil
}

//go:wasmexport vcube_cast
func exportCast(fn int32, params uint32, nparams int32, args uint32, out uint32) int32 {
	return run(func() error {
		f, err := lookupFunction(fn, "cast")
		if err != nil {
			return err
		}
		if int(nparams) != len(f.params) {
			return fmt.Errorf("function %q takes %d parameters, got %d", f.Name, len(f.params), nparams)
		}
		var ps []int64
		if nparams > 0 {
			ps = unsafe.Slice((*int64)(pointer(params)), nparams)
		}
		arg, err := readColumn(args, f.arg)
		if err != nil {
			return err
		}
		var o outColumn
		if err := f.cast.cast(ps, &arg, &o); err != nil {
			return err
		}
		writeColumn(out, &o)
		return nil
	})
}

type tableEntry struct {
	f *function
	t table
}

var (
	tables    = map[int32]tableEntry{}
	nextTable int32
)

//go:wasmexport vcube_measure_new
func exportMeasureNew(fn int32) int32 {
	var id int32
	if run(func() error {
		f, err := lookupFunction(fn, "measure")
		if err != nil {
			return err
		}
		nextTable++
		id = nextTable
		tables[id] = tableEntry{f, f.newTab()}
		return nil
	}) != statusOK {
		return 0
	}
	return id
}

//go:wasmexport vcube_measure_drop
func exportMeasureDrop(tab int32) int32 {
	return run(func() error {
		delete(tables, tab)
		return nil
	})
}

func lookup(tab int32) (tableEntry, error) {
	t, ok := tables[tab]
	if !ok {
		return t, fmt.Errorf("no measure table #%d", tab)
	}
	return t, nil
}

func groupIDs(groups uint32, rows int32) []uint32 {
	if groups == 0 || rows == 0 {
		return nil
	}
	return unsafe.Slice((*uint32)(pointer(groups)), rows)
}

//go:wasmexport vcube_measure_update
func exportMeasureUpdate(tab int32, rows int32, groups uint32, group uint32, args uint32) int32 {
	return run(func() error {
		t, err := lookup(tab)
		if err != nil {
			return err
		}
		arg, err := readColumn(args, t.f.arg)
		if err != nil {
			return err
		}
		if arg.rows != int(rows) {
			return fmt.Errorf("the argument has %d rows, the call %d", arg.rows, rows)
		}
		return t.t.update(int(rows), groupIDs(groups, rows), group, &arg)
	})
}

//go:wasmexport vcube_measure_merge
func exportMeasureMerge(tab int32, rows int32, groups uint32, group uint32, states uint32) int32 {
	return run(func() error {
		t, err := lookup(tab)
		if err != nil {
			return err
		}
		st, err := readColumn(states, sqlType{code: typeBinary})
		if err != nil {
			return err
		}
		if st.rows != int(rows) {
			return fmt.Errorf("the states have %d rows, the call %d", st.rows, rows)
		}
		return t.t.merge(int(rows), groupIDs(groups, rows), group, &st)
	})
}

//go:wasmexport vcube_measure_states
func exportMeasureStates(tab int32, first int32, count int32, out uint32) int32 {
	return run(func() error {
		t, err := lookup(tab)
		if err != nil {
			return err
		}
		var o outColumn
		if err := t.t.marshal(int(first), int(count), &o); err != nil {
			return err
		}
		writeColumn(out, &o)
		return nil
	})
}

//go:wasmexport vcube_measure_finalize
func exportMeasureFinalize(tab int32, first int32, count int32, out uint32) int32 {
	return run(func() error {
		t, err := lookup(tab)
		if err != nil {
			return err
		}
		var o outColumn
		if err := t.t.finalize(int(first), int(count), &o); err != nil {
			return err
		}
		writeColumn(out, &o)
		return nil
	})
}

func pointer(addr uint32) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(nil), uintptr(addr))
}

func addrOf[T any](s []T) uint32 {
	if len(s) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(s))))
}

func bytesAt(addr uint32, n int) []byte {
	if addr == 0 || n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(pointer(addr)), n)
}

// readColumn decodes the column descriptor at addr, which must hold a column of want's type.
func readColumn(addr uint32, want sqlType) (column, error) {
	d := (*[8]uint32)(pointer(addr))
	c := column{typ: d[0], rows: int(d[1]), scale: int32(d[6])}
	if c.typ != want.code {
		return c, fmt.Errorf("expected a %s column, got type %d", typeNames[want.code], c.typ)
	}
	c.validity = bytesAt(d[2], (c.rows+7)/8)
	switch c.typ {
	case typeText, typeBinary:
		if d[3] == 0 {
			return c, fmt.Errorf("a %s column without offsets", typeNames[c.typ])
		}
		c.offsets = unsafe.Slice((*uint32)(pointer(d[3])), c.rows+1)
		c.data = bytesAt(d[4], int(d[5]))
	default:
		size, ok := valueSize[c.typ]
		if !ok {
			return c, fmt.Errorf("unknown column type %d", c.typ)
		}
		c.values = bytesAt(d[3], c.rows*size)
	}
	return c, nil
}

// writeColumn fills the column descriptor at addr.
func writeColumn(addr uint32, o *outColumn) {
	d := (*[8]uint32)(pointer(addr))
	*d = [8]uint32{o.typ, uint32(o.rows), addrOf(o.validity), addrOf(o.values), 0, 0, uint32(o.scale), uint32(o.precision)}
	if o.offsets != nil {
		d[3], d[4], d[5] = addrOf(o.offsets), addrOf(o.data), uint32(len(o.data))
	}
}
