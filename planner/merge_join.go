package planner

import (
	"fmt"
	"slices"
	"strings"
)

// MergeJoin joins Left and Right, each sorted on its keys in order (ascending, NULLs first, as an index sorts
// its rows), on LeftKeys[i] = RightKeys[i] (column positions in each input; NULL keys match nothing): the two
// streams are walked side by side and each run of equal keys on the left meets the run of that key on the
// right, the only rows a join holds. Type is inner or left; its output is in Left's order. A key pair's two
// columns have one kind (and one scale for DECIMALs), so their values compare without casts.
type MergeJoin struct {
	base
	Left, Right         Node
	Type                JoinType
	LeftKeys, RightKeys []int
	// On names the key pairs for EXPLAIN as the query wrote them, in key order; input field names when empty.
	On []string
}

func (j *MergeJoin) Fields() []Field {
	return append(slices.Clone(j.Left.Fields()), j.Right.Fields()...)
}
func (j *MergeJoin) Children() []Node { return []Node{j.Left, j.Right} }
func (j *MergeJoin) Explain() string {
	on := j.On
	if len(on) != len(j.LeftKeys) {
		lf, rf := j.Left.Fields(), j.Right.Fields()
		on = make([]string, len(j.LeftKeys))
		for i := range j.LeftKeys {
			on[i] = lf[j.LeftKeys[i]].Name + " = " + rf[j.RightKeys[i]].Name
		}
	}
	return fmt.Sprintf("MergeJoin, type: %s, on: [%s]", j.Type, strings.Join(on, ", "))
}
