// Command fixed is a vcube plugin with one cast: the `fixed` custom type, a decimal number a driver sends as
// text with any number of digits after the point, stored as DECIMAL(38,s) where s is the type's parameter
// (`price fixed(4)` is DECIMAL(38,4)). Extra digits round half away from zero, as MySQL rounds when it
// converts text to DECIMAL.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o fixed.wasm .
package main

import "github.com/vcubedb/vcube/wasm/sdk"

func init() {
	sdk.Cast(sdk.CastSpec{
		Name:    "fixed",
		Type:    "fixed",
		Params:  []sdk.Param{{Name: "scale", Default: 0, Min: 0, Max: 30}},
		Arg:     "text",
		Returns: "decimal(38,scale)",
	}, castFixed)
}

func castFixed(params []int64, in []string, out []sdk.Decimal, null []bool) error {
	scale := int(params[0])
	for i, s := range in {
		if null[i] {
			continue
		}
		d, err := parseFixed(s, scale)
		if err != nil {
			return sdk.Errorf(i, "%v", err)
		}
		out[i] = d
	}
	return nil
}

func main() {}
