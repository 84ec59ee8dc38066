// Command testplugin is a plugin for vcube's own tests of the plugin host: identity casts of every type (to
// check how values cross the ABI), and functions that misbehave on purpose (panic, run out of memory, loop
// forever, make garbage). It is not an example to follow.
package main

import (
	"strings"

	"github.com/vcubedb/vcube/wasm/sdk"
)

func echo[T sdk.Value](params []int64, in []T, out []T, null []bool) error {
	copy(out, in)
	return nil
}

var (
	kept []byte // memory hog's allocations, kept alive
	sink uint64 // spin's counter, so that the loop is not optimised away
)

func init() {
	sdk.Cast(sdk.CastSpec{Name: "echo_boolean", Type: "t_boolean", Arg: "boolean", Returns: "boolean"}, echo[bool])
	sdk.Cast(sdk.CastSpec{Name: "echo_bigint", Type: "t_bigint", Arg: "bigint", Returns: "bigint"}, echo[int64])
	sdk.Cast(sdk.CastSpec{Name: "echo_double", Type: "t_double", Arg: "double", Returns: "double"}, echo[float64])
	sdk.Cast(sdk.CastSpec{Name: "echo_decimal", Type: "t_decimal", Arg: "decimal(38,2)",
		Params: []sdk.Param{{Name: "s", Default: 2, Max: 30}}, Returns: "decimal(38,s)"}, echo[sdk.Decimal])
	sdk.Cast(sdk.CastSpec{Name: "echo_text", Type: "t_text", Arg: "text", Returns: "text"}, echo[string])
	sdk.Cast(sdk.CastSpec{Name: "echo_timestamp", Type: "t_timestamp", Arg: "timestamp", Returns: "timestamp"}, echo[sdk.Timestamp])

	// shout upper-cases text; the value "error" fails its row, "panic" panics, "nil" dereferences nil, "null"
	// becomes NULL.
	sdk.Cast(sdk.CastSpec{Name: "shout", Type: "t_shout", Arg: "text", Returns: "text"},
		func(params []int64, in, out []string, null []bool) error {
			for i, s := range in {
				switch {
				case null[i]:
				case s == "error":
					return sdk.Errorf(i, "cannot shout %q", s)
				case s == "panic":
					panic("asked to panic")
				case s == "nil":
					var p *int
					out[i] = strings.Repeat("x", *p)
				case s == "null":
					null[i] = true
				default:
					out[i] = strings.ToUpper(s)
				}
			}
			return nil
		})

	// hog keeps v MiB for every row v, until the instance runs out of memory.
	sdk.Cast(sdk.CastSpec{Name: "hog", Type: "t_hog", Arg: "bigint", Returns: "bigint"},
		func(params []int64, in, out []int64, null []bool) error {
			for i, v := range in {
				kept = append(kept, make([]byte, v<<20)...)
				out[i] = int64(len(kept))
			}
			return nil
		})

	// spin loops forever on a negative value.
	sdk.Cast(sdk.CastSpec{Name: "spin", Type: "t_spin", Arg: "bigint", Returns: "bigint"},
		func(params []int64, in, out []int64, null []bool) error {
			for i, v := range in {
				for v < 0 {
					sink++
				}
				out[i] = v
			}
			return nil
		})

	// garbage allocates v bytes for every row v and drops them.
	sdk.Cast(sdk.CastSpec{Name: "garbage", Type: "t_garbage", Arg: "bigint", Returns: "bigint"},
		func(params []int64, in, out []int64, null []bool) error {
			for i, v := range in {
				b := make([]byte, v)
				b[len(b)-1] = 1
				out[i] = int64(len(b)) + int64(b[0])
			}
			return nil
		})
}

func main() {}
