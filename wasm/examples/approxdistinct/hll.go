package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

const (
	precision = 14
	registers = 1 << precision
	// maxSparse is the number of registers a sketch keeps as a sorted list before it switches to one byte
	// per register: a small group costs 4 bytes per distinct register, not 16 KiB.
	maxSparse = registers / 8
)

// sketch is a HyperLogLog sketch. While few registers are set it keeps them as a sorted list of
// index<<8|rank entries (sparse); then as one byte per register (dense).
type sketch struct {
	sparse []uint32
	dense  []uint8
}

// hash is FNV-1a over the bytes followed by a 64-bit finalizer (splitmix64's), so that every output bit
// depends on every input bit. It must never change: sketches from different partitions and versions merge.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}

func (s *sketch) add(h uint64) {
	idx := uint32(h >> (64 - precision))
	rank := uint8(bits.LeadingZeros64(h<<precision|1<<(precision-1)) + 1)
	s.set(idx, rank)
}

// set raises register idx to rank.
func (s *sketch) set(idx uint32, rank uint8) {
	if s.dense != nil {
		s.dense[idx] = max(s.dense[idx], rank)
		return
	}
	i, found := slices.BinarySearchFunc(s.sparse, idx, func(e, idx uint32) int { return int(e>>8) - int(idx) })
	if found {
		if uint8(s.sparse[i]) < rank {
			s.sparse[i] = idx<<8 | uint32(rank)
		}
		return
	}
	if len(s.sparse) < maxSparse {
		s.sparse = slices.Insert(s.sparse, i, idx<<8|uint32(rank))
		return
	}
	s.dense = make([]uint8, registers)
	for _, e := range s.sparse {
		s.dense[e>>8] = uint8(e)
	}
	s.sparse = nil
	s.dense[idx] = max(s.dense[idx], rank)
}

func (s *sketch) Merge(other *sketch) {
	if other.dense != nil {
		if s.dense == nil {
			s.dense = make([]uint8, registers)
			for _, e := range s.sparse {
				s.dense[e>>8] = uint8(e)
			}
			s.sparse = nil
		}
		for i, r := range other.dense {
			s.dense[i] = max(s.dense[i], r)
		}
		return
	}
	for _, e := range other.sparse {
		s.set(e>>8, uint8(e))
	}
}

func (s *sketch) estimate() int64 {
	const m = float64(registers)
	zeros, sum := 0, 0.0
	if s.dense != nil {
		for _, r := range s.dense {
			if r == 0 {
				zeros++
			}
			sum += math.Ldexp(1, -int(r))
		}
	} else {
		zeros = registers - len(s.sparse)
		sum = float64(zeros)
		for _, e := range s.sparse {
			sum += math.Ldexp(1, -int(uint8(e)))
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros)) // linear counting is more accurate for small counts
	}
	return int64(math.Round(e))
}

// Serialised form: a format byte, then for format 1 (sparse) the entries as little-endian uint32s, for format 2
// (dense) one byte per register. An empty sketch is format 1 without entries.
const (
	formatSparse = 1
	formatDense  = 2
)

func (s *sketch) Marshal(dst []byte) []byte {
	if s.dense != nil {
		return append(append(dst, formatDense), s.dense...)
	}
	dst = append(dst, formatSparse)
	for _, e := range s.sparse {
		dst = binary.LittleEndian.AppendUint32(dst, e)
	}
	return dst
}

func (s *sketch) Unmarshal(data []byte) error {
	*s = sketch{}
	switch {
	case len(data) == 1+registers && data[0] == formatDense:
		s.dense = slices.Clone(data[1:])
		return nil
	case len(data) >= 1 && data[0] == formatSparse && (len(data)-1)%4 == 0 && (len(data)-1)/4 <= maxSparse:
		s.sparse = make([]uint32, (len(data)-1)/4)
		for i := range s.sparse {
			e := binary.LittleEndian.Uint32(data[1+4*i:])
			if e>>8 >= registers || i > 0 && e>>8 <= s.sparse[i-1]>>8 {
				return fmt.Errorf("a sparse sketch entry is out of order or range")
			}
			s.sparse[i] = e
		}
		return nil
	}
	return fmt.Errorf("not a HyperLogLog sketch (%d bytes)", len(data))
}
