// Package testsuite holds vcube's conformance suite: sqllogictest files under sql/, the targets they run
// against (the engine in-process for now), and the tests that run them as part of `make test`. Its slt
// subpackage reads and runs the files.
package testsuite
