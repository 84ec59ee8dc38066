package planner

import "strings"

// Number assigns pre-order IDs to every node of a plan (the root is 0) and returns the node count. Plans are
// numbered once, when they are finished, and not changed afterwards.
func Number(root Node) int {
	next := 0
	var walk func(n Node)
	walk = func(n Node) {
		n.(interface{ setID(int) }).setID(next)
		next++
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(root)
	return next
}

// Walk calls fn for every node in pre-order with its depth.
func Walk(root Node, fn func(n Node, depth int)) {
	var walk func(n Node, depth int)
	walk = func(n Node, depth int) {
		fn(n, depth)
		for _, c := range n.Children() {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
}

// Explain renders a plan as Cube Store does: one node a line, two spaces of indent per level. annotate, when not
// nil, returns text appended to a node's line (EXPLAIN ANALYZE's runtime figures).
func Explain(root Node, annotate func(Node) string) string {
	var b strings.Builder
	Walk(root, func(n Node, depth int) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(n.Explain())
		if annotate != nil {
			if s := annotate(n); s != "" {
				b.WriteString(" ")
				b.WriteString(s)
			}
		}
	})
	return b.String()
}
