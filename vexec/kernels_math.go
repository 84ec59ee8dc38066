package vexec

// Math function kernels. See functions.go for how a family registers its kernels.
var mathKernels = map[string]kernelCompiler{}
