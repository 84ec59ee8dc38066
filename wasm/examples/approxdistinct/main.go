// Command approxdistinct is a vcube plugin with one measure: approx_distinct(text), an estimate of the number
// of distinct values with a HyperLogLog sketch (2^14 registers, a standard error of about 0.8%). Sketches
// merge exactly, so partial aggregates on workers combine on the router into the sketch of the whole. Other
// types count through their text form.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o approxdistinct.wasm .
package main

import "github.com/vcubedb/vcube/wasm/sdk"

func init() {
	sdk.Measure[string, int64, sketch](sdk.MeasureSpec{Name: "approx_distinct", Arg: "text", Returns: "bigint"})
}

func (s *sketch) Update(values []string) {
	for _, v := range values {
		s.add(hash(v))
	}
}

// Finalize returns the estimate; a group without values counts 0.
func (s *sketch) Finalize() (int64, bool) { return s.estimate(), true }

func main() {}
