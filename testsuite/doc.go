// Package testsuite holds vcube's conformance suite: sqllogictest files under sql/, the targets they run
// against (the engine in-process, a vcube server over HTTP, a MySQL-family server through its wire protocol),
// and the tests that run them as part of `make test`. Its slt subpackage reads and runs the files; `vcube
// conformance` (cmd/vcube) runs them from the command line.
package testsuite
