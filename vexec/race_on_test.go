//go:build race

package vexec

// raceEnabled reports a build with the race detector, which slows tests about tenfold.
const raceEnabled = true
