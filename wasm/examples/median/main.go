// Command median is a vcube plugin with one measure: median(double), the exact median. Its state is every
// value of the group, so it splits into partial aggregates on workers and a final one on the router like SUM,
// at the price of shipping the values.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o median.wasm .
package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/vcubedb/vcube/wasm/sdk"
)

func init() {
	sdk.Measure[float64, float64, median](sdk.MeasureSpec{Name: "median", Arg: "double", Returns: "double"})
}

// median is the state of one group: its values, in no particular order.
type median struct {
	values []float64
}

func (m *median) Update(values []float64) { m.values = append(m.values, values...) }

func (m *median) Merge(other *median) { m.values = append(m.values, other.values...) }

// Finalize returns the middle value, or the mean of the two middle values of an even count; NULL for a group
// without values.
func (m *median) Finalize() (float64, bool) {
	n := len(m.values)
	if n == 0 {
		return 0, false
	}
	slices.Sort(m.values)
	if n%2 == 1 {
		return m.values[n/2], true
	}
	return m.values[n/2-1]/2 + m.values[n/2]/2, true
}

// Marshal writes the values as little-endian float64s.
func (m *median) Marshal(dst []byte) []byte {
	for _, v := range m.values {
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
	}
	return dst
}

func (m *median) Unmarshal(data []byte) error {
	if len(data)%8 != 0 {
		return fmt.Errorf("a median state is a multiple of 8 bytes, got %d", len(data))
	}
	m.values = make([]float64, len(data)/8)
	for i := range m.values {
		m.values[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
	}
	return nil
}

func main() {}
