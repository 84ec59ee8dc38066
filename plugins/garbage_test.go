package plugins

import (
	"context"
	"testing"
)

// TestGoGarbageStaysBounded: a Go plugin's garbage does not pile up across calls. The garbage cast drops
// 8 MiB per call, the host allocates and frees 8 MiB, and a median round keeps a million values (8 MiB),
// ships them as states, merges and finalises them. Under a 128 MiB memory limit, garbage that piled up would
// make the rounds fail; the instance's memory must also stay a small multiple of one round's.
func TestGoGarbageStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("many rounds of large batches")
	}
	h := newHost(t, Config{MaxIdle: 1, MemoryLimit: 128 << 20})
	ctx := context.Background()

	tp := load(t, h, "testplugin")
	garbage, _ := tp.Cast("garbage")
	for round := range 40 {
		if _, err := garbage.Call(ctx, int64s([]int64{1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20})); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	if size := tp.idle[0].mem.Size(); size > 64<<20 {
		t.Errorf("after 40 calls dropping 8 MiB each the instance has %d MiB of memory", size>>20)
	}

	// The host's own pattern when a batch outgrows an instance's scratch memory: allocate, free, repeat.
	in, err := tp.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 40 {
		addr, err := in.call(ctx, "", exportAlloc, 8<<20)
		if err != nil || addr == 0 {
			t.Fatalf("round %d: vcube_alloc gives %d, %v", round, addr, err)
		}
		if _, err := in.call(ctx, "", exportFree, uint32(addr), 8<<20); err != nil {
			t.Fatal(err)
		}
	}
	if size := in.mem.Size(); size > 64<<20 {
		t.Errorf("after 40 rounds of vcube_alloc and vcube_free of 8 MiB the instance has %d MiB of memory", size>>20)
	}
	tp.release(in)

	mp := load(t, h, "median")
	m, _ := mp.Measure("median")
	const rows, batch = 1 << 20, 1 << 16
	vals := make([]float64, batch)
	for i := range vals {
		vals[i] = float64(i % 1024)
	}
	arr := float64s(vals)
	var sizes []uint32
	for round := range 8 {
		partial, err := m.NewAccumulator(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for lo := 0; lo < rows; lo += batch {
			if err := partial.UpdateGroup(ctx, uint32(lo/batch%4), arr); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		states, err := partial.States(ctx, 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		partial.Release()
		final, err := m.NewAccumulator(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := final.Merge(ctx, []uint32{0, 0, 1, 1}, states); err != nil {
			t.Fatal(err)
		}
		res, err := final.Finalize(ctx, 0, 2)
		if err != nil || render(res) != "[511.5 511.5]" {
			t.Fatalf("round %d: medians %v, %v", round, res, err)
		}
		final.Release()
		sizes = append(sizes, mp.idle[0].mem.Size())
	}
	if first, last := sizes[0], sizes[len(sizes)-1]; last > 2*first+(16<<20) {
		t.Errorf("a median round's memory grew from %d MiB to %d MiB over %d rounds: %v", first>>20, last>>20, len(sizes), sizes)
	}
	t.Logf("median instance memory per round (MiB): %v", mib(sizes))
}

func mib(sizes []uint32) []uint32 {
	out := make([]uint32, len(sizes))
	for i, s := range sizes {
		out[i] = s >> 20
	}
	return out
}
