package vexec

// Time function kernels. See functions.go for how a family registers its kernels.
var timeKernels = map[string]kernelCompiler{}
