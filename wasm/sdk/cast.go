package sdk

import "fmt"

// Cast registers a cast. fn converts one batch: in holds the input values, out has one element per row for
// the results, and null has one flag per row, set where the input is NULL (fn leaves those rows alone) and
// that fn sets where a result is NULL. params holds the cast's parameters in declared order. An error returned
// with Errorf names its row; vcube fails the statement with it.
//
// Strings in `in` are views of vcube's memory, valid until fn returns; strings fn stores into `out` are copied
// when it returns.
func Cast[In, Out Value](spec CastSpec, fn func(params []int64, in []In, out []Out, null []bool) error) {
	f := &function{Name: spec.Name, Kind: "cast", Type: spec.Type, Args: []string{spec.Arg},
		Returns: spec.Returns, params: spec.Params}
	f.cast = &castImpl[In, Out]{fn: fn, f: f}
	if !isName(spec.Type) {
		if registerErr == nil {
			registerErr = fmt.Errorf("function %q: the custom type name %q must be a lower-case SQL identifier", spec.Name, spec.Type)
		}
		return
	}
	register(f, goType[In](), goType[Out]())
}

type caster interface {
	cast(params []int64, arg *column, out *outColumn) error
}

// castImpl runs one cast; its buffers are reused from call to call.
type castImpl[In, Out Value] struct {
	f        *function
	fn       func(params []int64, in []In, out []Out, null []bool) error
	strs     []string
	out      []Out
	nulls    []bool
	validity []byte
	offsets  []uint32
	data     []byte
}

func (c *castImpl[In, Out]) cast(params []int64, arg *column, out *outColumn) error {
	in := view[In](arg, &c.strs)
	n := arg.rows
	c.out = grow(c.out, n)
	clear(c.out)
	c.nulls = grow(c.nulls, n)
	for i := range c.nulls {
		c.nulls[i] = !arg.valid(i)
	}
	err := c.fn(params, in, c.out, c.nulls)
	clear(c.strs) // let the collector reclaim vcube's input buffer once vcube frees it
	if err != nil {
		return err
	}
	output(out, c.f.ret.resolve(c.f.params, params), c.out, c.nulls, &c.validity, &c.offsets, &c.data)
	if _, ok := any(c.out).([]string); ok {
		clear(c.out) // the strings were copied into c.data
	}
	return nil
}
