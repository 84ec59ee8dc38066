//go:build !goexperiment.simd || !amd64

package vexec

// Without GOEXPERIMENT=simd, or off amd64, the kernels of simd_purego.go are the only ones.

// simdKernels names the instruction set the kernels use: none in this build.
const simdKernels = "none"

func sumInt64(vals []int64, valid []byte, off int) (int64, bool) { return sumInt64Go(vals, valid, off) }
func sumFloat64(vals []float64, valid []byte, off int) float64   { return sumFloat64Go(vals, valid, off) }
func minInt64(vals []int64, valid []byte, off int) int64         { return minInt64Go(vals, valid, off) }
func maxInt64(vals []int64, valid []byte, off int) int64         { return maxInt64Go(vals, valid, off) }
func minFloat64(vals []float64, valid []byte, off int) (float64, bool) {
	return minFloat64Go(vals, valid, off)
}
func maxFloat64(vals []float64, valid []byte, off int) (float64, bool) {
	return maxFloat64Go(vals, valid, off)
}
