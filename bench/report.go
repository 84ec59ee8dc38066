package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

// The goals the issue sets for 10m rows. They are reported with the figures, never asserted by tests: timings
// depend on the machine and on what else runs on it.
const (
	goalHashRatio   = 1.5
	goalIngestRows  = 1_000_000
	goalLoadClients = 32
	goalLoadQPS     = 2000
	goalLoadP99MS   = 50
)

// EvaluateGoals says which goals a result meets.
func EvaluateGoals(res *Result) []Goal {
	var goals []Goal
	if len(res.PeerThreads) > 0 {
		tables, parquet := TablesEngine(res.PeerThreads[0]), ParquetEngine(res.PeerThreads[0])
		for _, q := range res.Queries {
			v := q.Timing(Vcube)
			switch q.Kind {
			case "index":
				if t := q.Timing(tables); v != nil && t != nil && v.Error == "" && t.Error == "" {
					ratio := v.MedianMS / t.MedianMS
					goals = append(goals, Goal{Goal: fmt.Sprintf("%s %s at least as fast as DuckDB over its tables", q.ID, q.Name),
						Met: ratio <= 1, Detail: fmt.Sprintf("%s against %s: ratio %.2f", fmtMS(v.MedianMS), fmtMS(t.MedianMS), ratio)})
				}
			case "hash":
				if t := q.Timing(parquet); v != nil && t != nil && v.Error == "" && t.Error == "" {
					ratio := v.MedianMS / t.MedianMS
					goals = append(goals, Goal{Goal: fmt.Sprintf("%s %s within %.1fx of DuckDB over Parquet", q.ID, q.Name, goalHashRatio),
						Met: ratio <= goalHashRatio, Detail: fmt.Sprintf("%s against %s: ratio %.2f", fmtMS(v.MedianMS), fmtMS(t.MedianMS), ratio)})
				}
			}
		}
	}
	if ing := res.IngestOf(Vcube); ing != nil {
		goals = append(goals, Goal{Goal: "ingest at least 1M rows/s", Met: ing.RowsPerSec >= goalIngestRows,
			Detail: fmt.Sprintf("%s rows/s", fmtCount(ing.RowsPerSec))})
	}
	if q := res.Query(PointQuery); q != nil {
		if l := q.Load(Vcube, goalLoadClients); l != nil {
			goals = append(goals, Goal{Goal: fmt.Sprintf("%s %s at %d clients: at least %d queries/s with p99 under %d ms",
				q.ID, q.Name, goalLoadClients, goalLoadQPS, goalLoadP99MS),
				Met:    l.QPS >= goalLoadQPS && l.P99MS < goalLoadP99MS && l.Errors == 0,
				Detail: fmt.Sprintf("%.0f queries/s, p99 %s, %d errors", l.QPS, fmtMS(l.P99MS), l.Errors)})
		}
	}
	return goals
}

func fmtMS(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

func fmtCount(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2fG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func fmtRatio(r float64) string {
	if r == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", r)
}

// peerEngines lists the DuckDB engines of a result in column order.
func peerEngines(res *Result) []string {
	var out []string
	for _, t := range res.PeerThreads {
		out = append(out, TablesEngine(t), ParquetEngine(t))
	}
	return out
}

func timingCell(q *QueryResult, engine string) string {
	t := q.Timing(engine)
	switch {
	case t == nil:
		return "-"
	case t.Error != "":
		return "error"
	}
	return fmtMS(t.MedianMS)
}

// Text writes a run's figures as plain tables.
func Text(w io.Writer, res *Result) {
	fmt.Fprintf(w, "vcube bench: %s rows (seed %d), %d runs after %d warm-up, %d CPUs, load average %s\n",
		fmtCount(float64(res.Rows)), res.Seed, res.Runs, res.Warmup, res.Machine.CPUs, res.Machine.LoadAvg)
	fmt.Fprintf(w, "vcube %s", res.Versions.Vcube)
	if res.Versions.DuckDB != "" {
		fmt.Fprintf(w, ", DuckDB %s", res.Versions.DuckDB)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ingest\trows/s\tseconds\tCPU s\tsettle s\tpeak memory\ton disk")
	for _, in := range res.Ingest {
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%.1f\t%.1f\t%s\t%s\n", in.Engine, fmtCount(in.RowsPerSec), in.Seconds, in.CPUSeconds,
			in.SettleSeconds, humanBytes(in.PeakRSSBytes), humanBytes(in.DiskBytes))
	}
	tw.Flush()
	fmt.Fprintln(w)

	peers := peerEngines(res)
	head := []string{"query", "vcube", "min", "p95", "CPU", "rows/s"}
	for i, p := range peers {
		head = append(head, p)
		if i < 2 {
			head = append(head, "ratio")
		}
	}
	head = append(head, "bytes read", "check")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for i := range res.Queries {
		q := &res.Queries[i]
		v := q.Timing(Vcube)
		row := []string{q.ID + " " + q.Name, timingCell(q, Vcube)}
		if v != nil && v.Error == "" {
			row = append(row, fmtMS(v.MinMS), fmtMS(v.P95MS), cpuCell(v), fmtCount(v.RowsPerSec))
		} else {
			row = append(row, "-", "-", "-", "-")
		}
		for j, p := range peers {
			row = append(row, timingCell(q, p))
			if j < 2 {
				row = append(row, fmtRatio(q.RatioAgainst(p)))
			}
		}
		bytes := "-"
		if q.ColdProfile != nil {
			bytes = humanBytes(q.ColdProfile.BytesRead)
		}
		row = append(row, bytes, q.Check.Status)
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()

	if hasLoads(res) {
		fmt.Fprintln(w)
		fmt.Fprintln(tw, "concurrency\tclients\tvcube q/s\tvcube p99\tDuckDB q/s\tDuckDB p99")
		for i := range res.Queries {
			q := &res.Queries[i]
			for _, l := range q.Loads {
				if l.Engine != Vcube {
					continue
				}
				dq, dp := "-", "-"
				if len(peers) > 0 {
					if d := q.Load(peers[0], l.Clients); d != nil {
						dq, dp = fmt.Sprintf("%.0f", d.QPS), p99Cell(d)
					}
				}
				fmt.Fprintf(tw, "%s %s\t%d\t%.0f\t%s\t%s\t%s\n", q.ID, q.Name, l.Clients, l.QPS, p99Cell(&l), dq, dp)
			}
		}
		tw.Flush()
	}
	if len(res.Goals) > 0 {
		fmt.Fprintln(w)
		for _, g := range res.Goals {
			mark := "MISSED"
			if g.Met {
				mark = "met"
			}
			fmt.Fprintf(w, "goal %-6s %s (%s)\n", mark, g.Goal, g.Detail)
		}
	}
	for i := range res.Queries {
		if q := &res.Queries[i]; q.Check.Status == "mismatch" || q.Check.Status == "error" {
			fmt.Fprintf(w, "\n%s answer %s: %s\n", q.ID, q.Check.Status, q.Check.Detail)
		}
	}
}

func hasCPU(res *Result) bool {
	for i := range res.Queries {
		for _, t := range res.Queries[i].Timings {
			if t.CPUMS > 0 {
				return true
			}
		}
	}
	return false
}

// p99Cell is a load run's p99, marked as a lower bound (with how many queries were cut off) when it is one.
func p99Cell(l *Load) string {
	if l.CutOff > 0 {
		return fmt.Sprintf(">= %s (%d cut off)", fmtMS(l.P99MS), l.CutOff)
	}
	return fmtMS(l.P99MS)
}

func cpuCell(t *Timing) string {
	if t == nil || t.CPUMS == 0 {
		return "-"
	}
	return fmtMS(t.CPUMS)
}

func hasLoads(res *Result) bool {
	for _, q := range res.Queries {
		if len(q.Loads) > 0 {
			return true
		}
	}
	return false
}

// WriteDocs renders results (one per scale) as Markdown at mdPath, with one SVG chart of the ratios per scale
// beside it (benchmarks-<scale>.svg for benchmarks.md).
func WriteDocs(mdPath string, results []*Result) error {
	results = slices.Clone(results)
	slices.SortStableFunc(results, func(a, b *Result) int { return int(a.Rows - b.Rows) })
	dir := filepath.Dir(mdPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base := strings.TrimSuffix(filepath.Base(mdPath), filepath.Ext(mdPath))
	charts := make([]string, len(results))
	for i, res := range results {
		charts[i] = fmt.Sprintf("%s-%s.svg", base, res.Scale)
		var sb strings.Builder
		SVG(&sb, res)
		if _, err := writeAtomically(filepath.Join(dir, charts[i]), func(w io.Writer) error {
			_, err := io.WriteString(w, sb.String())
			return err
		}); err != nil {
			return err
		}
	}
	var sb strings.Builder
	Markdown(&sb, results, charts)
	_, err := writeAtomically(mdPath, func(w io.Writer) error {
		_, err := io.WriteString(w, sb.String())
		return err
	})
	return err
}

// Markdown writes the benchmark page: how to reproduce, then per result its tables, chart, goals and the plan
// nodes the slowest queries spend their time in.
func Markdown(w io.Writer, results []*Result, charts []string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# vcube benchmarks\n\n")
	p("<!-- Generated by `make bench` (`vcube bench report`) from the JSON results in bench/results; change bench/report.go, not this file. -->\n\n")
	p("`vcube bench` measures vcube on a rollup workload, side by side with DuckDB in the same run: the same queries on the\n")
	p("same data, DuckDB reading its own tables (loaded from the same CSV file) and the same rows from Parquet, engine by\n")
	p("engine in turn so that both see the same machine. Every answer is compared between the engines. Reproduce with\n")
	p("`make bench` (10m rows), or `bin/vcube bench --scale 1m --peer duckdb` after `make bench` built the DuckDB companion.\n\n")
	p("**The workload.** `bench.orders`, one row per hour, product, zip code, platform and gender that saw orders, over two\n")
	p("years (created_at TIMESTAMP, product_category TEXT of %d values, product_name TEXT of %d, zip_code INT of %d,\n", Categories, Products, ZipCodes)
	p("platform TEXT of %d, gender TEXT of %d, order_count BIGINT, order_total DECIMAL(18,2), unit_price DOUBLE), skewed\n", len(Platforms), len(Genders))
	p("(Zipf-like) dimension values generated from a seed; in vcube a default index (every column, time first), an index\n")
	p("`by_category (product_category, zip_code, product_name)` and an aggregate index `by_zip (zip_code)` rolling up\n")
	p("`sum(order_count), sum(order_total)`; and `bench.products` (%d rows) to join.\n\n", Products)
	p("**How to read it.** Times are medians of the timed runs, in milliseconds; a ratio is vcube's median over DuckDB's\n")
	p("(below 1, vcube is faster). vcube is timed as a client sees it: over HTTP on loopback, until the JSON answer is\n")
	p("read; DuckDB in process, until its Go driver has read every row. `Nt` is DuckDB's thread count; vcube uses every\n")
	p("core. rows/s is the table's rows over vcube's median. Bytes read are the compressed column chunks vcube's scans\n")
	p("read from files on the query's first run (EXPLAIN ANALYZE; columns already in the column cache count nothing).\n")
	p("Concurrency runs send a query from N clients in a loop for a fixed time (vcube over HTTP, DuckDB from N\n")
	p("connections in process); queries still running well after it (10 s, or twice the run's time) are cancelled and\n")
	p("counted as cut off, their time so far in the percentiles, which are then lower bounds (>=). The machine may be\n")
	p("shared with other work: the load average is given with each run.\n\n")
	p("| query | SQL |\n| --- | --- |\n")
	for _, q := range Queries {
		p("| %s %s: %s | `%s` |\n", q.ID, q.Name, q.Title, q.SQL)
	}
	p("\n")
	for i, res := range results {
		markdownResult(w, res, charts[i])
	}
}

func markdownResult(w io.Writer, res *Result, chart string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## %s rows\n\n", fmtCount(float64(res.Rows)))
	m := res.Machine
	p("Run %s: seed %d, %d timed runs per query and engine after %d warm-up; %d CPUs (%s), %s of memory, %s/%s, %s;\n",
		res.Started.Format("2006-01-02 15:04 MST"), res.Seed, res.Runs, res.Warmup, m.CPUs, orDash(m.CPUModel),
		humanBytes(m.MemBytes), m.OS, m.Arch, m.Go)
	p("load average %s at the start. vcube %s", orDash(m.LoadAvg), orDash(res.Versions.Vcube))
	if res.Versions.DuckDB != "" {
		p(", DuckDB %s", res.Versions.DuckDB)
	}
	p(". Data: %s of CSV", humanBytes(res.Dataset.CSVBytes))
	if res.Dataset.ParquetBytes > 0 {
		p(", %s of Parquet", humanBytes(res.Dataset.ParquetBytes))
	}
	p(".\n\n")

	p("### Ingest\n\n| engine | rows/s | seconds | CPU seconds | settle (s) | peak memory | on disk | how |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, in := range res.Ingest {
		p("| %s | %s | %.1f | %.1f | %.1f | %s | %s | %s |\n", in.Engine, fmtCount(in.RowsPerSec), in.Seconds, in.CPUSeconds,
			in.SettleSeconds, humanBytes(in.PeakRSSBytes), humanBytes(in.DiskBytes), in.Note)
	}
	p("\n### Queries\n\n")
	peers := peerEngines(res)
	p("| query | rows out | vcube | vcube min / p95 | vcube rows/s |")
	align := "| --- | ---: | ---: | ---: | ---: |"
	for i, e := range peers {
		p(" %s |", e)
		align += " ---: |"
		if i < 2 {
			p(" ratio |")
			align += " ---: |"
		}
	}
	p(" bytes read | answers |\n%s ---: | --- |\n", align)
	for i := range res.Queries {
		q := &res.Queries[i]
		v := q.Timing(Vcube)
		minp95, rps := "-", "-"
		if v != nil && v.Error == "" {
			minp95, rps = fmtMS(v.MinMS)+" / "+fmtMS(v.P95MS), fmtCount(v.RowsPerSec)
		}
		p("| %s %s | %d | %s | %s | %s |", q.ID, q.Name, q.ResultRows, timingCell(q, Vcube), minp95, rps)
		for j, e := range peers {
			p(" %s |", timingCell(q, e))
			if j < 2 {
				r := q.RatioAgainst(e)
				cell := fmtRatio(r)
				if r > 1 {
					cell = "**" + cell + "**"
				}
				p(" %s |", cell)
			}
		}
		bytes := "-"
		if q.ColdProfile != nil {
			bytes = humanBytes(q.ColdProfile.BytesRead)
		}
		check := q.Check.Status
		if q.Check.Detail != "" && check != "unchecked" {
			check += ": " + q.Check.Detail
		}
		p(" %s | %s |\n", bytes, strings.ReplaceAll(check, "|", "\\|"))
	}
	if chart != "" && len(peers) > 0 {
		p("\n![vcube's time over DuckDB's per query, %s rows](%s)\n", fmtCount(float64(res.Rows)), chart)
	}
	if hasCPU(res) {
		p("\nCPU time per run (all the process's threads, from /proc in 10 ms ticks: coarse for fast queries, but\n")
		p("hardly affected by other work on the machine):\n\n| query | vcube |")
		align := "| --- | ---: |"
		for _, e := range peers {
			p(" %s |", e)
			align += " ---: |"
		}
		p("\n%s\n", align)
		for i := range res.Queries {
			q := &res.Queries[i]
			p("| %s %s | %s |", q.ID, q.Name, cpuCell(q.Timing(Vcube)))
			for _, e := range peers {
				p(" %s |", cpuCell(q.Timing(e)))
			}
			p("\n")
		}
	}

	if hasLoads(res) {
		p("\n### Concurrency\n\n")
		p("| query | clients | vcube q/s | vcube p50 | vcube p99 |")
		align := "| --- | ---: | ---: | ---: | ---: |"
		if len(peers) > 0 {
			p(" %s q/s | %s p99 |", peers[0], peers[0])
			align += " ---: | ---: |"
		}
		p("\n%s\n", align)
		for i := range res.Queries {
			q := &res.Queries[i]
			for _, l := range q.Loads {
				if l.Engine != Vcube {
					continue
				}
				errs := ""
				if l.Errors > 0 {
					errs = fmt.Sprintf(" (%d errors: %s)", l.Errors, truncate(l.FirstError, 80))
				}
				p("| %s %s | %d | %.0f%s | %s | %s |", q.ID, q.Name, l.Clients, l.QPS, errs, fmtMS(l.P50MS), p99Cell(&l))
				if len(peers) > 0 {
					if d := q.Load(peers[0], l.Clients); d != nil {
						p(" %.0f | %s |", d.QPS, p99Cell(d))
					} else {
						p(" - | - |")
					}
				}
				p("\n")
			}
		}
	}

	if len(res.Goals) > 0 {
		p("\n### Goals\n\nThe issue's targets, set for 10m rows on this 2-core machine: reported, not asserted.\n\n| goal | met | figures |\n| --- | --- | --- |\n")
		for _, g := range res.Goals {
			met := "no"
			if g.Met {
				met = "yes"
			}
			p("| %s | %s | %s |\n", g.Goal, met, g.Detail)
		}
	}

	p("\n### Where vcube spends its time\n\nThe three plan nodes with the most time of their own in EXPLAIN ANALYZE after the timed runs, slowest queries first.\n\n")
	order := make([]*QueryResult, 0, len(res.Queries))
	for i := range res.Queries {
		if res.Queries[i].Profile != nil {
			order = append(order, &res.Queries[i])
		}
	}
	slices.SortStableFunc(order, func(a, b *QueryResult) int {
		return -cmpFloat(medianOf(a, Vcube), medianOf(b, Vcube))
	})
	for _, q := range order {
		pr := q.Profile
		p("- **%s %s** (%s; scans read %s rows from %d of %d files):", q.ID, q.Name, fmtMS(medianOf(q, Vcube)),
			fmtCount(float64(pr.RowsScanned)), pr.Files, pr.FilesTotal)
		for k, n := range pr.Top {
			sep := ";"
			if k == 0 {
				sep = ""
			}
			p("%s `%s` %s (%.0f%%)", sep, strings.ReplaceAll(n.Detail, "`", "'"), fmtMS(n.TimeMS), 100*n.Share)
		}
		p("\n")
	}
	if len(res.Notes) > 0 {
		p("\n")
		for _, n := range res.Notes {
			p("- %s\n", n)
		}
	}
	p("\n")
}

func medianOf(q *QueryResult, engine string) float64 {
	if t := q.Timing(engine); t != nil {
		return t.MedianMS
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// SVG draws vcube's time over DuckDB's per query (over its tables and over Parquet, at the first thread count)
// as horizontal bars on a log scale centred on 1: bars to the left mean vcube is faster.
func SVG(w io.Writer, res *Result) {
	var against []string
	if len(res.PeerThreads) > 0 {
		against = []string{TablesEngine(res.PeerThreads[0]), ParquetEngine(res.PeerThreads[0])}
	}
	colors := []string{"#4c78a8", "#f58518"}
	const (
		labelW = 190
		plotW  = 520
		rowH   = 30
		barH   = 11
		top    = 48
		limit  = 6.0 // log2 of the widest ratio drawn: 1/64 to 64
	)
	height := top + rowH*len(res.Queries) + 40
	width := labelW + plotW + 70
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p(`<text x="10" y="18" font-size="14" font-weight="bold">vcube time / DuckDB time, %s rows (log scale; left of 1: vcube faster)</text>`+"\n",
		html.EscapeString(fmtCount(float64(res.Rows))))
	for i, e := range against {
		x := labelW + i*220
		p(`<rect x="%d" y="28" width="12" height="10" fill="%s"/><text x="%d" y="37">against %s</text>`+"\n", x, colors[i], x+16, html.EscapeString(e))
	}
	xOf := func(ratio float64) float64 {
		l := math.Max(-limit, math.Min(limit, math.Log2(ratio)))
		return labelW + plotW/2 + l/limit*plotW/2
	}
	plotBottom := top + rowH*len(res.Queries)
	for _, tick := range []float64{1.0 / 64, 1.0 / 16, 1.0 / 4, 1, 4, 16, 64} {
		x := xOf(tick)
		stroke, dash := "#ccc", ` stroke-dasharray="3,3"`
		if tick == 1 {
			stroke, dash = "#333", ""
		}
		label := fmt.Sprintf("%g", tick)
		if tick < 1 {
			label = fmt.Sprintf("1/%g", 1/tick)
		}
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"%s/>`+"\n", x, top-4, x, plotBottom, stroke, dash)
		p(`<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", x, plotBottom+16, label)
	}
	for i := range res.Queries {
		q := &res.Queries[i]
		y := top + i*rowH
		p(`<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+rowH/2+4, html.EscapeString(q.ID+" "+q.Name))
		for k, e := range against {
			r := q.RatioAgainst(e)
			by := y + 3 + k*(barH+2)
			if r <= 0 {
				p(`<text x="%.1f" y="%d" fill="#999">n/a</text>`+"\n", xOf(1)+4, by+barH-1)
				continue
			}
			x0, x1 := xOf(1), xOf(r)
			if x1 < x0 {
				x0, x1 = x1, x0
			}
			p(`<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %s against %s: %.3f</title></rect>`+"\n",
				x0, by, math.Max(x1-x0, 1), barH, colors[k], html.EscapeString(q.ID), Vcube, html.EscapeString(e), r)
			p(`<text x="%.1f" y="%d" font-size="10" fill="#333">%.2f</text>`+"\n", math.Max(xOf(r), xOf(1))+3, by+barH-1, r)
		}
	}
	p("</svg>\n")
}

// ReadResults reads result files.
func ReadResults(paths []string) ([]*Result, error) {
	var out []*Result
	for _, path := range paths {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		r, err := ReadResult(path)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
