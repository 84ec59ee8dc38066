// Package sdk is the guest side of vcube's plugin ABI (docs/plugins.md) for plugins written in Go. A plugin is
// a package main built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o plugin.wasm .
//
// whose init functions register its functions; the SDK provides every vcube_ export, turns the column
// buffers vcube writes into linear memory into Go slices, and turns the function's results and errors back
// into buffers and status codes. A plugin author writes ordinary Go over slices:
//
//	func init() {
//		sdk.Cast(sdk.CastSpec{Name: "fixed", Type: "fixed", Arg: "text", Returns: "decimal(38,scale)",
//			Params: []sdk.Param{{Name: "scale", Max: 30}}}, parseFixed)
//		sdk.Measure[float64, float64, median](sdk.MeasureSpec{Name: "median", Arg: "double", Returns: "double"})
//	}
//
//	func main() {}
//
// Casts receive a batch of input values and fill a batch of outputs. Measures keep one state per group; the
// SDK keeps the table of states, hands each state the non-NULL values of its group (SQL aggregates skip NULLs),
// and serialises states with the Marshal and Unmarshal methods so that vcube can aggregate partially on every
// worker and merge the partial states on the router.
//
// Values that come from vcube (strings included) are views of memory vcube owns for the duration of one call:
// a measure that keeps a string must copy it (strings.Clone). A panic in a plugin function fails the call, and
// vcube discards the instance. The SDK reuses its buffers between calls and lets the Go garbage collector run
// after each call, so a plugin's memory stays bounded by what its states keep.
//
// Only the exports in exports_wasip1.go need GOOS=wasip1; the rest builds anywhere, so that plugin logic can
// be unit tested natively.
package sdk
