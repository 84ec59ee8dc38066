package sdk

import "fmt"

// State is what a measure's state type must implement, on its pointer. The zero value of S is the state of a
// group with no values yet.
type State[In, Out Value, S any] interface {
	*S
	// Update adds the non-NULL values of one group from one batch. The slice (and any string in it) is only
	// valid during the call.
	Update(values []In)
	// Merge adds other, a state of the same group from another partition, into the receiver.
	Merge(other *S)
	// Finalize returns the group's result; false makes it NULL.
	Finalize() (Out, bool)
	// Marshal appends the state's serialised form to dst.
	Marshal(dst []byte) []byte
	// Unmarshal replaces the state with the one data holds. data is only valid during the call: copy what
	// the state keeps.
	Unmarshal(data []byte) error
}

// Measure registers a measure whose per-group state is an S:
//
//	sdk.Measure[float64, float64, median](sdk.MeasureSpec{Name: "median", Arg: "double", Returns: "double"})
func Measure[In, Out Value, S any, P State[In, Out, S]](spec MeasureSpec) {
	f := &function{Name: spec.Name, Kind: "measure", Args: []string{spec.Arg}, Returns: spec.Returns}
	m := &measureImpl[In, Out, S, P]{f: f}
	f.newTab = func() table { return &measureTable[In, Out, S, P]{m: m} }
	register(f, goType[In](), goType[Out]())
}

// table is the group states of one measure table (vcube_measure_new).
type table interface {
	update(rows int, groups []uint32, group uint32, arg *column) error
	merge(rows int, groups []uint32, group uint32, states *column) error
	marshal(first, count int, out *outColumn) error
	finalize(first, count int, out *outColumn) error
}

// measureImpl holds the buffers all tables of one measure share: an instance runs one call at a time.
type measureImpl[In, Out Value, S any, P State[In, Out, S]] struct {
	f        *function
	strs     []string
	compact  []In
	gather   []In
	distinct []uint32
	starts   []int
	out      []Out
	nulls    []bool
	validity []byte
	offsets  []uint32
	data     []byte
	tmp      S
}

type measureTable[In, Out Value, S any, P State[In, Out, S]] struct {
	m      *measureImpl[In, Out, S, P]
	states []S
	// stamp and slot bucket a batch's rows by group without clearing a per-group array for every batch: slot[g]
	// is valid while stamp[g] == gen.
	stamp []uint32
	slot  []int32
	gen   uint32
}

// reserve makes room for groups 0..n-1; new groups start from the zero state.
func (t *measureTable[In, Out, S, P]) reserve(n int) {
	if n <= len(t.states) {
		return
	}
	if n <= cap(t.states) {
		t.states = t.states[:n]
		return
	}
	c := max(n, 2*cap(t.states), 16)
	states := make([]S, n, c)
	copy(states, t.states)
	t.states = states
}

// nonNull returns the values of rows lo..hi-1 that are not NULL.
func (m *measureImpl[In, Out, S, P]) nonNull(vals []In, c *column, lo, hi int) []In {
	if c.validity == nil {
		return vals[lo:hi]
	}
	out := m.compact[:0]
	for i := lo; i < hi; i++ {
		if c.valid(i) {
			out = append(out, vals[i])
		}
	}
	m.compact = out
	return out
}

func (t *measureTable[In, Out, S, P]) update(rows int, groups []uint32, group uint32, arg *column) error {
	m := t.m
	vals := view[In](arg, &m.strs)
	defer func() {
		if _, ok := any(vals).([]string); ok {
			clear(m.strs)
			clear(m.compact)
			clear(m.gather)
		}
	}()
	if groups == nil {
		t.reserve(int(group) + 1)
		P(&t.states[group]).Update(m.nonNull(vals, arg, 0, rows))
		return nil
	}
	top, runs := uint32(0), 0
	for i, g := range groups {
		top = max(top, g)
		if i == 0 || g != groups[i-1] {
			runs++
		}
	}
	t.reserve(int(top) + 1)
	if runs*4 <= rows {
		// Rows come in runs of one group (sorted input): one Update per run.
		start := 0
		for i := 1; i <= rows; i++ {
			if i == rows || groups[i] != groups[start] {
				P(&t.states[groups[start]]).Update(m.nonNull(vals, arg, start, i))
				start = i
			}
		}
		return nil
	}
	// Rows of many groups interleave (hash aggregation): bucket the non-NULL values by group, then one Update
	// per group.
	if len(t.stamp) < len(t.states) {
		t.stamp = append(t.stamp, make([]uint32, len(t.states)-len(t.stamp))...)
		t.slot = append(t.slot, make([]int32, len(t.states)-len(t.slot))...)
	}
	t.gen++
	if t.gen == 0 {
		clear(t.stamp)
		t.gen = 1
	}
	distinct, starts := m.distinct[:0], m.starts[:0]
	for i, g := range groups {
		if !arg.valid(i) {
			continue
		}
		if t.stamp[g] != t.gen {
			t.stamp[g], t.slot[g] = t.gen, int32(len(distinct))
			distinct, starts = append(distinct, g), append(starts, 0)
		}
		starts[t.slot[g]]++
	}
	total := 0
	for k, c := range starts {
		starts[k] = total
		total += c
	}
	m.gather = grow(m.gather, total)
	for i, g := range groups {
		if arg.valid(i) {
			k := t.slot[g]
			m.gather[starts[k]] = vals[i]
			starts[k]++
		}
	}
	lo := 0
	for k, g := range distinct {
		P(&t.states[g]).Update(m.gather[lo:starts[k]])
		lo = starts[k]
	}
	m.distinct, m.starts = distinct, starts
	return nil
}

func (t *measureTable[In, Out, S, P]) merge(rows int, groups []uint32, group uint32, states *column) error {
	m := t.m
	var zero S
	for i := range rows {
		g := group
		if groups != nil {
			g = groups[i]
		}
		t.reserve(int(g) + 1)
		m.tmp = zero
		if err := P(&m.tmp).Unmarshal(states.bytesAt(i)); err != nil {
			return Errorf(i, "cannot read the state of %s: %v", m.f.Name, err)
		}
		P(&t.states[g]).Merge(&m.tmp)
	}
	m.tmp = zero
	return nil
}

func (t *measureTable[In, Out, S, P]) marshal(first, count int, out *outColumn) error {
	m := t.m
	t.reserve(first + count)
	offs, data := append(m.offsets[:0], 0), m.data[:0]
	for g := first; g < first+count; g++ {
		data = P(&t.states[g]).Marshal(data)
		if uint64(len(data)) > 1<<32-1 {
			return fmt.Errorf("the states of %s exceed 4 GiB", m.f.Name)
		}
		offs = append(offs, uint32(len(data)))
	}
	m.offsets, m.data = offs, data
	*out = outColumn{typ: typeBinary, rows: count, offsets: offs, data: data}
	return nil
}

func (t *measureTable[In, Out, S, P]) finalize(first, count int, out *outColumn) error {
	m := t.m
	t.reserve(first + count)
	m.out = grow(m.out, count)
	m.nulls = grow(m.nulls, count)
	for i := range count {
		var ok bool
		m.out[i], ok = P(&t.states[first+i]).Finalize()
		m.nulls[i] = !ok
	}
	output(out, m.f.ret, m.out, m.nulls, &m.validity, &m.offsets, &m.data)
	return nil
}
