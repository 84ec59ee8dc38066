// Command sumsq is a vcube plugin with one measure: sumsq(double), the sum of the squares of a group's values
// (NULL for a group without values). It is the smallest useful Go measure, and the one vcube's benchmarks
// compare with the same loop in native Go.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o sumsq.wasm .
package main

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vcubedb/vcube/wasm/sdk"
)

func init() {
	sdk.Measure[float64, float64, sumsq](sdk.MeasureSpec{Name: "sumsq", Arg: "double", Returns: "double"})
}

type sumsq struct {
	sum float64
	n   int64
}

func (s *sumsq) Update(values []float64) {
	sum := s.sum
	for _, v := range values {
		sum += v * v
	}
	s.sum, s.n = sum, s.n+int64(len(values))
}

func (s *sumsq) Merge(other *sumsq) { s.sum, s.n = s.sum+other.sum, s.n+other.n }

func (s *sumsq) Finalize() (float64, bool) { return s.sum, s.n > 0 }

// Marshal writes the sum and the count, little endian: 16 bytes.
func (s *sumsq) Marshal(dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(s.sum))
	return binary.LittleEndian.AppendUint64(dst, uint64(s.n))
}

func (s *sumsq) Unmarshal(data []byte) error {
	if len(data) != 16 {
		return fmt.Errorf("a sumsq state is 16 bytes, got %d", len(data))
	}
	s.sum = math.Float64frombits(binary.LittleEndian.Uint64(data))
	s.n = int64(binary.LittleEndian.Uint64(data[8:]))
	return nil
}

func main() {}
