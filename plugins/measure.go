package plugins

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/vcubedb/vcube/internal/sqltype"
)

// Measure is a plugin's aggregate function.
type Measure struct {
	p *Plugin
	f Function
}

// Measure returns the measure called name.
func (p *Plugin) Measure(name string) (*Measure, error) {
	f, err := p.function(name, KindMeasure)
	if err != nil {
		return nil, err
	}
	return &Measure{p: p, f: f}, nil
}

// Function returns the measure's declaration.
func (m *Measure) Function() Function { return m.f }

// Type returns the type of the measure's results.
func (m *Measure) Type() sqltype.Type { return m.f.Returns }

// Accumulator aggregates many groups at once: a table of per-group states, numbered from 0, inside one
// plugin instance that the accumulator holds until Release. One goroutine uses an accumulator at a time; an
// operator takes one for its run.
//
// A Partial aggregate calls Update with each batch and ships States; a Final aggregate Merges the states it
// receives and calls Finalize. Groups the accumulator has not seen are in the measure's initial state.
type Accumulator struct {
	m      *Measure
	in     *instance
	table  uint32
	groups int
}

// NewAccumulator takes an instance from the plugin's pool and creates an empty table of states in it.
func (m *Measure) NewAccumulator(ctx context.Context) (*Accumulator, error) {
	in, err := m.p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	a := &Accumulator{m: m, in: in}
	if err := a.newTable(ctx); err != nil {
		m.p.release(in)
		return nil, err
	}
	return a, nil
}

func (a *Accumulator) newTable(ctx context.Context) error {
	id, err := a.in.call(ctx, a.m.f.Name, exportMeasureNew, uint32(a.m.f.index))
	if err != nil {
		return err
	}
	if uint32(id) == 0 {
		return a.in.guestError(ctx, a.m.f.Name, false)
	}
	a.table, a.groups = uint32(id), 0
	return nil
}

// Groups returns one more than the highest group number the accumulator has been given.
func (a *Accumulator) Groups() int { return a.groups }

func (a *Accumulator) errorf(format string, args ...any) error {
	return &Error{Plugin: a.m.p.name, Function: a.m.f.Name, Row: -1, Message: fmt.Sprintf(format, args...)}
}

// Update adds a batch: row i of the argument arrays belongs to group groups[i].
func (a *Accumulator) Update(ctx context.Context, groups []uint32, args ...arrow.Array) error {
	if len(args) > 0 && len(groups) != args[0].Len() {
		return a.errorf("%d group numbers for %d rows", len(groups), args[0].Len())
	}
	return a.update(ctx, groups, 0, args)
}

// UpdateGroup adds a batch whose rows all belong to one group: a global aggregate, or a run of sorted input.
func (a *Accumulator) UpdateGroup(ctx context.Context, group uint32, args ...arrow.Array) error {
	return a.update(ctx, nil, group, args)
}

// errReleased is what methods of a released accumulator return.
func (a *Accumulator) errReleased() error {
	return a.errorf("the accumulator was released")
}

func (a *Accumulator) update(ctx context.Context, groups []uint32, group uint32, args []arrow.Array) error {
	if a.in == nil {
		return a.errReleased()
	}
	f := a.m.f
	if len(args) != len(f.Args) {
		return a.errorf("takes %d arguments, got %d", len(f.Args), len(args))
	}
	var buf [4]column
	cols := buf[:0]
	for i, arr := range args {
		c, err := columnOf(arr, f.Args[i], false)
		if err != nil {
			return a.errorf("argument %d: %v", i+1, err)
		}
		if c.rows != args[0].Len() {
			return a.errorf("argument %d has %d rows, argument 1 has %d", i+1, c.rows, args[0].Len())
		}
		cols = append(cols, c)
	}
	return a.call(ctx, exportMeasureUpdate, cols, groups, group)
}

// Merge adds states, as States returned them (from any accumulator of the same measure), into groups: row i
// into group groups[i].
func (a *Accumulator) Merge(ctx context.Context, groups []uint32, states arrow.Array) error {
	if len(groups) != states.Len() {
		return a.errorf("%d group numbers for %d states", len(groups), states.Len())
	}
	return a.merge(ctx, groups, 0, states)
}

// MergeGroup adds states all into one group.
func (a *Accumulator) MergeGroup(ctx context.Context, group uint32, states arrow.Array) error {
	return a.merge(ctx, nil, group, states)
}

func (a *Accumulator) merge(ctx context.Context, groups []uint32, group uint32, states arrow.Array) error {
	if a.in == nil {
		return a.errReleased()
	}
	c, err := columnOf(states, sqltype.Type{}, true)
	if err != nil {
		return a.errorf("%v", err)
	}
	var buf [1]column
	buf[0] = c
	return a.call(ctx, exportMeasureMerge, buf[:], groups, group)
}

// call runs update or merge: (table, rows, groups, group, columns).
func (a *Accumulator) call(ctx context.Context, export string, cols []column, groups []uint32, group uint32) error {
	rows := cols[0].rows
	top := int(group)
	for _, g := range groups {
		top = max(top, int(g))
	}
	if rows == 0 {
		return nil
	}
	f := &a.in.frame
	f.reset()
	colsOff := f.addColumns(cols...)
	groupsOff := -1
	if groups != nil {
		groupsOff = f.add(sliceBytes(groups))
	}
	base, err := a.in.reserve(ctx, a.m.f.Name, f.size)
	if err != nil {
		return err
	}
	if !f.write(a.in, base) {
		return a.in.abiError(a.m.f.Name, "its scratch memory for the batch lies outside its memory")
	}
	groupsAddr := uint32(0)
	if groupsOff >= 0 {
		groupsAddr = base + uint32(groupsOff)
	}
	if err := a.in.status(ctx, a.m.f.Name, export, a.table, uint32(rows), groupsAddr, group, base+uint32(colsOff)); err != nil {
		return err
	}
	a.groups = max(a.groups, top+1)
	return nil
}

// States serialises the states of groups first..first+count-1 into a binary array, one row per group, for a
// Final aggregate to Merge.
func (a *Accumulator) States(ctx context.Context, first, count int) (arrow.Array, error) {
	return a.output(ctx, exportMeasureStates, first, count, true)
}

// Finalize returns the results of groups first..first+count-1, one row per group, of the measure's type.
func (a *Accumulator) Finalize(ctx context.Context, first, count int) (arrow.Array, error) {
	return a.output(ctx, exportMeasureFinalize, first, count, false)
}

func (a *Accumulator) output(ctx context.Context, export string, first, count int, states bool) (arrow.Array, error) {
	if a.in == nil {
		return nil, a.errReleased()
	}
	if first < 0 || count < 0 || first+count > 1<<31-1 {
		return nil, a.errorf("groups %d..%d are out of range", first, first+count-1)
	}
	base, err := a.in.reserve(ctx, a.m.f.Name, descriptorSize)
	if err != nil {
		return nil, err
	}
	if !a.in.mem.Write(base, emptyDescriptor[:]) {
		return nil, a.in.abiError(a.m.f.Name, "its scratch memory lies outside its memory")
	}
	if err := a.in.status(ctx, a.m.f.Name, export, a.table, uint32(first), uint32(count), base); err != nil {
		return nil, err
	}
	a.groups = max(a.groups, first+count)
	out, err := a.in.readColumn(base, a.m.f.Returns, states, count)
	if err != nil {
		return nil, a.in.abiError(a.m.f.Name, err.Error())
	}
	return out, nil
}

var emptyDescriptor [descriptorSize]byte

// Reset empties the table: every group goes back to the initial state. A streaming aggregate can carry an
// open group over a Reset with States and MergeGroup.
func (a *Accumulator) Reset(ctx context.Context) error {
	if a.in == nil {
		return a.errReleased()
	}
	if err := a.in.status(ctx, a.m.f.Name, exportMeasureDrop, a.table); err != nil {
		return err
	}
	return a.newTable(ctx)
}

// Release drops the table and gives the instance back to the plugin's pool (or closes it after a trap). The
// accumulator is unusable afterwards.
func (a *Accumulator) Release() {
	if a.in == nil {
		return
	}
	if !a.in.broken {
		// The caller's context may be done already (a canceled query); dropping a table is short work under a
		// context of its own, and an instance that cannot drop it is not reused.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := a.in.status(ctx, a.m.f.Name, exportMeasureDrop, a.table); err != nil {
			a.in.broken = true
		}
		cancel()
	}
	a.m.p.release(a.in)
	a.in = nil
}
