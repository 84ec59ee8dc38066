package vexec

// String function kernels. See functions.go for how a family registers its kernels.
var stringKernels = map[string]kernelCompiler{}
