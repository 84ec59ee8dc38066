package main

import "testing"

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "536870912": 536870912, "512MiB": 512 << 20, "512mib": 512 << 20, "2GiB": 2 << 30, "2G": 2 << 30,
		"1.5": -1, "2GB": 2e9, "100kb": 100e3, "64K": 64 << 10, "7b": 7, " 3 MiB ": 3 << 20, "-1": -1, "lots": -1,
		"99999999999TiB": -1,
	} {
		var b byteSize
		err := b.Set(in)
		if want < 0 {
			if err == nil {
				t.Errorf("%q: accepted as %d", in, b)
			}
			continue
		}
		if err != nil || int64(b) != want {
			t.Errorf("%q: %d, %v; want %d", in, b, err, want)
		}
	}
}
