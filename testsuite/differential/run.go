package differential

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Config is one differential pass.
type Config struct {
	Target  string // the MariaDB to compare with: mysql://user:password@host:port/
	DataDir string // vcube's data directory (a new, empty one)
	Queries int    // how many queries to generate and compare
	Seed    uint64 // the generator's seed: the same seed writes the same queries
	// Shrink is how many disagreements to shrink and save (the first ones found); shrinking one takes up to
	// ShrinkTime.
	Shrink     int
	ShrinkTime time.Duration
	// SaveDir is where shrunk cases are written as regression files; "" to write none.
	SaveDir string
	// SQL, when set, is the one query to compare (instead of generated ones), shrunk (its data only) and saved
	// when the engines disagree on it.
	SQL string
	// Avoid names what the generator leaves out (see Avoidable), to look past a known bug.
	Avoid []string
	// Logf reports progress; nil for none.
	Logf func(format string, args ...any)
}

// Finding is a query the engines disagree on.
type Finding struct {
	N       int // the query's number in the pass, from 1
	SQL     string
	Verdict Verdict
	Detail  string
	Query   *Query
	Shrunk  *Case  // nil when it was not shrunk
	File    string // the regression file that holds the shrunk case
	New     bool   // the file was written by this pass (not there before)
	Err     error  // shrinking failed
}

// Report is what a pass found.
type Report struct {
	Queries  int
	Verdicts map[Verdict]int
	// BothFailCodes counts the queries both engines refused, by "vcube error / MariaDB error" number.
	BothFailCodes map[string]int
	Findings      []Finding
	Elapsed       time.Duration // the whole pass, shrinking included
	CompareTime   time.Duration // generating and comparing the queries
	Stats         map[string]int
}

// Disagreements is the number of queries the engines disagreed on.
func (r *Report) Disagreements() int {
	return r.Verdicts[VcubeFails] + r.Verdicts[MariaDBFails] + r.Verdicts[ResultsDiffer]
}

// Summary is the pass in a few lines: the counts, then each finding.
func (r *Report) Summary(seed uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "differential: seed %d, %d queries in %s (comparing %s): %d agree, %d both fail, %d disagree (%d vcube fails, %d MariaDB fails, %d results differ)\n",
		seed, r.Queries, r.Elapsed.Round(time.Millisecond), r.CompareTime.Round(time.Millisecond), r.Verdicts[Agree],
		r.Verdicts[BothFail], r.Disagreements(), r.Verdicts[VcubeFails], r.Verdicts[MariaDBFails], r.Verdicts[ResultsDiffer])
	var keys []string
	for k := range r.Stats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, r.Stats[k]))
	}
	fmt.Fprintf(&b, "queries with: %s\n", strings.Join(parts, ", "))
	if len(r.BothFailCodes) > 0 {
		keys = keys[:0]
		for k := range r.BothFailCodes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts = parts[:0]
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s: %d", k, r.BothFailCodes[k]))
		}
		fmt.Fprintf(&b, "both failed (vcube/MariaDB error numbers): %s\n", strings.Join(parts, ", "))
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "\nquery %d: %s: %s\n    %s\n", f.N, f.Verdict, oneLine(f.Detail), f.SQL)
		switch {
		case f.Err != nil:
			fmt.Fprintf(&b, "  shrinking failed: %v\n", f.Err)
		case f.Shrunk != nil:
			fmt.Fprintf(&b, "  shrunk to (%d rows, %s): %s\n    %s\n", f.Shrunk.Data.RowCount(), ddlFlavour(f.Shrunk.Cube),
				oneLine(f.Shrunk.Detail), f.Shrunk.Query.SQL())
			if f.File != "" {
				state := "already there"
				if f.New {
					state = "new"
				}
				fmt.Fprintf(&b, "  saved as %s (%s)\n", f.File, state)
			}
		}
	}
	return b.String()
}

func ddlFlavour(cube bool) string {
	if cube {
		return "vcube tables with Cube Store indexes"
	}
	return "plain tables"
}

// mainSchema holds the full dataset in both engines; shrinking works in shrinkSchema.
const (
	mainSchema   = "vcube_differential"
	shrinkSchema = "vcube_differential_shrink"
)

// Run runs a pass: loads the dataset into vcube (in-process, on cfg.DataDir) and MariaDB, compares cfg.Queries
// generated queries, then shrinks and saves the first cfg.Shrink disagreements. The schemas it creates on
// MariaDB (vcube_differential, vcube_differential_shrink) are dropped first and at the end.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	start := time.Now()
	vc, err := openVcube(ctx, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("starting vcube: %w", err)
	}
	defer vc.close()
	mdb, err := openMariaDB(ctx, cfg.Target)
	if err != nil {
		return nil, err
	}
	defer mdb.close()
	defer func() {
		for _, s := range []string{mainSchema, shrinkSchema} {
			mdb.exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+s)
		}
	}()

	ds := Generate()
	if err := load(ctx, vc, mainSchema, ds, true); err != nil {
		return nil, err
	}
	if err := load(ctx, mdb, mainSchema, ds, false); err != nil {
		return nil, err
	}
	logf("loaded %d rows into vcube and %s", ds.RowCount(), mdb.target)

	rep := &Report{Verdicts: map[Verdict]int{}, BothFailCodes: map[string]int{}, Stats: map[string]int{}}
	for _, a := range cfg.Avoid {
		if _, ok := Avoidable[a]; !ok {
			return nil, fmt.Errorf("cannot avoid %q: the generator knows how to avoid %v", a, avoidableNames())
		}
	}
	avoid := slices.Clone(cfg.Avoid)
	if a := mdb.query(ctx, "SELECT CONVERT_TZ('2024-01-01 00:00:00', 'UTC', 'Europe/Paris')"); a.Err != nil || len(a.Rows) != 1 || a.Rows[0][0] == "NULL" {
		logf("%s has no time zone tables loaded: CONVERT_TZ with offsets only", mdb.target)
		avoid = append(avoid, "named-time-zones")
	}
	g := NewGenerator(ds, cfg.Seed, avoid...)
	compareStart := time.Now()
	queries := cfg.Queries
	if cfg.SQL != "" {
		queries = 1
	}
	for n := 1; n <= queries; n++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		var q *Query
		if cfg.SQL != "" {
			q = &Query{Raw: cfg.SQL, Limit: -1}
		} else {
			q = g.Query()
		}
		sql := q.SQL()
		count(rep.Stats, q)
		a, b := vc.query(ctx, sql), mdb.query(ctx, sql)
		v, detail := Compare(a, b, q.Ordered())
		rep.Queries++
		rep.Verdicts[v]++
		switch {
		case v == BothFail:
			rep.BothFailCodes[fmt.Sprintf("%d/%d", a.Code(), b.Code())]++
		case v.Disagrees():
			rep.Findings = append(rep.Findings, Finding{N: n, SQL: sql, Verdict: v, Detail: detail, Query: q})
		}
		if n%500 == 0 {
			logf("%d queries: %d agree, %d both fail, %d disagree", n, rep.Verdicts[Agree], rep.Verdicts[BothFail], rep.Disagreements())
		}
	}
	rep.CompareTime = time.Since(compareStart)

	for i := range rep.Findings {
		if i >= cfg.Shrink {
			break
		}
		f := &rep.Findings[i]
		logf("shrinking query %d (%s)", f.N, f.Verdict)
		s := &shrinker{vc: vc, mdb: mdb, schema: shrinkSchema, want: f.Verdict,
			deadline: time.Now().Add(cfg.ShrinkTime), maxTries: 3000}
		c := &Case{Query: f.Query, Data: ds, Cube: true}
		if err := s.Shrink(ctx, c); err != nil {
			f.Err = err
			continue
		}
		f.Shrunk = c
		if cfg.SaveDir != "" {
			origin := fmt.Sprintf("seed %d, query %d", cfg.Seed, f.N)
			if cfg.SQL != "" {
				origin = "a query given to it"
			}
			f.File, f.New, f.Err = SaveRegression(cfg.SaveDir, c, origin)
		}
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

func avoidableNames() []string {
	var names []string
	for n := range Avoidable {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// count notes what a query uses, to show what a pass covered.
func count(stats map[string]int, q *Query) {
	if len(q.Joins) > 0 {
		stats["joins"]++
		if slices.ContainsFunc(q.Joins, func(j Join) bool { return j.Left }) {
			stats["left joins"]++
		}
		if slices.ContainsFunc(q.Joins, func(j Join) bool { return j.Right }) {
			stats["right joins"]++
		}
	}
	if len(q.Where) > 0 {
		stats["WHERE"]++
	}
	agg := false
	for _, e := range q.Items {
		agg = agg || e.Agg
	}
	if len(q.GroupBy) > 0 {
		stats["GROUP BY"]++
	} else if agg {
		stats["aggregates without GROUP BY"]++
	}
	if len(q.Having) > 0 {
		stats["HAVING"]++
	}
	if q.Distinct {
		stats["DISTINCT"]++
	}
	if q.Ordered() {
		stats["ORDER BY"]++
	}
	if q.Limit >= 0 {
		stats["LIMIT"]++
	}
	sql := q.SQL()
	if q.Derived != nil {
		stats["derived tables"]++
		if len(q.Derived.GroupBy) > 0 {
			stats["grouped derived tables"]++
		}
	}
	if len(q.Union) > 0 {
		stats["UNION"]++
		if slices.Contains(q.UnionAll, true) {
			stats["UNION ALL"]++
		}
	}
	subqueries := strings.Count(sql, "(SELECT ")
	if q.Derived != nil {
		subqueries-- // the derived table's
	}
	if subqueries > 0 {
		stats["subqueries"]++
	}
	if slices.ContainsFunc(q.Items, func(e *Expr) bool { return strings.Contains(e.SQL, "(SELECT ") }) {
		stats["subqueries in the select list"]++
	}
	if strings.Contains(sql, "CONVERT_TZ(") {
		stats["CONVERT_TZ"]++
	}
	if strings.Contains(sql, "CAST(") {
		stats["CAST"]++
	}
}
