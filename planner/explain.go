package planner

import (
	"encoding/json"
	"strings"
)

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

// explainNode is one node of EXPLAIN FORMAT=JSON.
type explainNode struct {
	Node     string         `json:"node"`
	Detail   string         `json:"detail"`
	Fields   []string       `json:"fields"`
	Figures  map[string]any `json:"figures,omitempty"`
	Children []*explainNode `json:"children,omitempty"`
}

// ExplainJSON renders a plan as an indented JSON tree for tools: each node's name (the first word of its EXPLAIN
// line), its whole line, its output columns, and with figures (EXPLAIN ANALYZE) the node's runtime figures.
func ExplainJSON(root Node, figures func(Node) map[string]any) string {
	var build func(n Node) *explainNode
	build = func(n Node) *explainNode {
		line := n.Explain()
		name, _, _ := strings.Cut(line, ",")
		out := &explainNode{Node: name, Detail: line, Fields: []string{}}
		for _, f := range n.Fields() {
			out.Fields = append(out.Fields, f.Name+" "+f.Type.String())
		}
		if figures != nil {
			out.Figures = figures(n)
		}
		for _, c := range n.Children() {
			out.Children = append(out.Children, build(c))
		}
		return out
	}
	b, err := json.MarshalIndent(build(root), "", "  ")
	if err != nil {
		panic(err) // strings, numbers and maps of them always marshal
	}
	return string(b)
}
