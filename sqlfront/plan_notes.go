package sqlfront

import (
	"context"
	"fmt"
	"strings"
)

// Planning decisions are noted as they are made, rule by rule, so that EXPLAIN VERBOSE can say why the plan is
// what it is: which index a read uses and why, how an aggregate runs, what pruning left, which side of a join is
// built, which subqueries ran. A statement's notes live in its context.

type planNotesKey struct{}

type planNotes struct{ lines []string }

func withPlanNotes(ctx context.Context) context.Context {
	if _, ok := ctx.Value(planNotesKey{}).(*planNotes); ok {
		return ctx
	}
	return context.WithValue(ctx, planNotesKey{}, &planNotes{})
}

// note records one decision of a rule ("index", "aggregate", ...) with its reason.
func note(ctx context.Context, rule, format string, args ...any) {
	if n, ok := ctx.Value(planNotesKey{}).(*planNotes); ok {
		n.lines = append(n.lines, rule+": "+fmt.Sprintf(format, args...))
	}
}

func planNotesOf(ctx context.Context) []string {
	if n, ok := ctx.Value(planNotesKey{}).(*planNotes); ok {
		return n.lines
	}
	return nil
}

// verboseExplain is the plan followed by the rules that shaped it.
func verboseExplain(plan string, notes []string) string {
	var b strings.Builder
	b.WriteString(plan)
	b.WriteString("\nrules:")
	for _, n := range notes {
		b.WriteString("\n- ")
		b.WriteString(n)
	}
	return b.String()
}
