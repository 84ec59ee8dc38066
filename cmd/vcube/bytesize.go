package main

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultQueryMemoryLimit is --query-memory-limit's default.
const DefaultQueryMemoryLimit = 4 << 30

// byteSize is a flag holding a number of bytes, written as a plain number or with a unit: KB, MB, GB, TB (powers
// of 1000) or KiB, MiB, GiB, TiB (powers of 1024); K, M, G and T alone are binary.
type byteSize int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(s string) error {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("%q is not a size in bytes (e.g. 536870912, 512MiB, 2GB)", s)
	}
	*b = byteSize(n * mult)
	return nil
}
