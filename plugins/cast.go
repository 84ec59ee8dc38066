package plugins

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/vcubedb/vcube/internal/sqltype"
)

// Cast is a cast bound to its type parameters: what a column declared `fixed(4)` converts its values with.
type Cast struct {
	p      *Plugin
	f      Function
	params []int64
	ret    sqltype.Type
}

// Cast returns the cast called name with its parameters (fewer than declared take the defaults of the rest).
func (p *Plugin) Cast(name string, params ...int64) (*Cast, error) {
	f, err := p.function(name, KindCast)
	if err != nil {
		return nil, err
	}
	values, err := f.paramValues(params)
	if err != nil {
		return nil, &Error{Plugin: p.name, Function: name, Row: -1, Message: err.Error()}
	}
	ret, err := f.returns.resolve(f.Params, values)
	if err != nil {
		return nil, &Error{Plugin: p.name, Function: name, Row: -1, Message: err.Error()}
	}
	return &Cast{p: p, f: f, params: values, ret: ret}, nil
}

// CastForType returns the cast that handles a custom column type (declared `fixed(4)`: "fixed", 4).
func (p *Plugin) CastForType(customType string, params ...int64) (*Cast, error) {
	for _, f := range p.functions {
		if f.Kind == KindCast && f.CustomType == customType {
			return p.Cast(f.Name, params...)
		}
	}
	return nil, &Error{Plugin: p.name, Row: -1, Message: fmt.Sprintf("the plugin has no cast for the type %q", customType)}
}

// Function returns the cast's declaration.
func (c *Cast) Function() Function { return c.f }

// Params returns the parameters the cast runs with, defaults included.
func (c *Cast) Params() []int64 { return append([]int64(nil), c.params...) }

// Type returns the type of the cast's results, its parameters applied: decimal(38,4) for fixed(4).
func (c *Cast) Type() sqltype.Type { return c.ret }

// Call converts one batch. It takes an instance from the plugin's pool for the call. The result has the
// input's length; the caller releases it. An error is an *Error; its Row is the row of in.
func (c *Cast) Call(ctx context.Context, in arrow.Array) (arrow.Array, error) {
	col, err := columnOf(in, c.f.Args[0], false)
	if err != nil {
		return nil, &Error{Plugin: c.p.name, Function: c.f.Name, Row: -1, Message: err.Error()}
	}
	if col.rows == 0 {
		return array.MakeArrayOfNull(memory.DefaultAllocator, c.ret.Arrow(), 0), nil
	}
	inst, err := c.p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer c.p.release(inst)

	f := &inst.frame
	f.reset()
	paramsOff := -1
	if len(c.params) > 0 {
		b := f.zeros(8 * len(c.params))
		for i, v := range c.params {
			binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
		}
		paramsOff = f.add(b)
	}
	argOff := f.addColumns(col)
	outOff := f.add(f.zeros(descriptorSize))
	base, err := inst.reserve(ctx, c.f.Name, f.size)
	if err != nil {
		return nil, err
	}
	if !f.write(inst, base) {
		return nil, inst.abiError(c.f.Name, "its scratch memory for the batch lies outside its memory")
	}
	paramsAddr := uint32(0)
	if paramsOff >= 0 {
		paramsAddr = base + uint32(paramsOff)
	}
	if err := inst.status(ctx, c.f.Name, exportCast, uint32(c.f.index), paramsAddr, uint32(len(c.params)),
		base+uint32(argOff), base+uint32(outOff)); err != nil {
		return nil, err
	}
	out, err := inst.readColumn(base+uint32(outOff), c.ret, false, col.rows)
	if err != nil {
		return nil, inst.abiError(c.f.Name, err.Error())
	}
	return out, nil
}

// abiError reports a plugin that broke the ABI, and retires its instance.
func (in *instance) abiError(function, msg string) error {
	in.broken = true
	return &Error{Plugin: in.p.name, Function: function, Row: -1, Message: "the plugin broke the ABI: " + msg, Trap: true}
}
