package slt_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/vcubedb/vcube/testsuite/slt"
)

// echoTarget returns one row holding the query's text: enough to show a run.
type echoTarget struct{}

func (echoTarget) Name() string                       { return "vcube" }
func (echoTarget) Exec(context.Context, string) error { return nil }
func (echoTarget) Query(_ context.Context, sql string) ([][]string, error) {
	return [][]string{{strings.TrimPrefix(sql, "SELECT ")}}, nil
}

func ExampleRun() {
	recs, err := slt.Parse("echo.slt", strings.NewReader(`statement ok
CREATE TABLE t (a INT)

query T
SELECT hello world
----
hello world

skipif vcube
query T
SELECT anything
----
nothing

query T
SELECT 42
----
41
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(slt.Run(context.Background(), echoTarget{}, recs))
	// Output:
	// echo.slt: 2 passed, 1 failed, 1 skipped
	// echo.slt:15: results differ at row 1 (expected 1 rows, got 1)
	//     expected:
	//         41
	//     actual:
	//         42
	//     sql:
	//         SELECT 42
}
