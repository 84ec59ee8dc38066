package sqlfront

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/vcubedb/vcube/etcdmeta"
	"github.com/vcubedb/vcube/internal/sqlerr"
	"github.com/vcubedb/vcube/planner"
	"github.com/vcubedb/vcube/plugins"
	"github.com/vcubedb/vcube/storage"
	"github.com/vcubedb/vcube/vexec"
)

// Config is what an Engine is built from.
type Config struct {
	Catalog   *etcdmeta.Store
	Data      *storage.Store
	Mem       memory.Allocator // nil: the Go allocator
	BatchSize int              // rows per batch; 0 for vexec's default
	// ImportBatchRows bounds an import's memory: rows gathered before they are sorted and written as chunks
	// (DefaultImportBatchRows when 0).
	ImportBatchRows int
	// PartitionSplitThreshold is the most rows compaction puts in one partition (DefaultPartitionSplitThreshold
	// when 0); CompactionMinChunks how many new chunks an index gathers before it is compacted.
	PartitionSplitThreshold int
	CompactionMinChunks     int
	// Parallelism is how many chunks a query reads and aggregates at once (GOMAXPROCS when 0).
	Parallelism int
	// QueryMemoryLimit is the most bytes one query may hold (0: no limit): past it the query fails with 1037.
	QueryMemoryLimit int64
	// Plugins runs WebAssembly plugins and PluginDir holds their modules (INSTALL PLUGIN ... SONAME names a file
	// in it); without both, plugin statements are refused.
	Plugins   *plugins.Host
	PluginDir string
}

// Engine runs SQL statements. It is safe for concurrent use.
type Engine struct {
	cfg Config
	// files guards data files against removal while queries read them: queries hold it shared, statements that
	// delete files (DROP) hold it exclusively while they delete.
	files sync.RWMutex
	// compactMu lets one compaction pass run at a time; jobs records them for system.jobs.
	compactMu sync.Mutex
	jobs      jobLog
	running   atomic.Int64 // statements being executed
	plugins   pluginSet
}

// Running returns how many statements are being executed.
func (e *Engine) Running() int64 { return e.running.Load() }

// NewEngine returns an engine over a catalog and a data store.
func NewEngine(cfg Config) *Engine {
	if cfg.Mem == nil {
		cfg.Mem = memory.NewGoAllocator()
	}
	e := &Engine{cfg: cfg}
	e.jobs.e = e
	e.plugins.loaded, e.plugins.broken = map[string]*loadedPlugin{}, map[string]string{}
	return e
}

func (e *Engine) parallelism() int {
	if e.cfg.Parallelism > 0 {
		return e.cfg.Parallelism
	}
	return runtime.GOMAXPROCS(0)
}

// Session holds what lasts between the statements of one client: for now, the default schema.
type Session struct {
	Schema string
}

// Result is a statement's answer: columns and batches for a result set, or the affected row count.
type Result struct {
	Fields       []planner.Field
	Batches      []arrow.RecordBatch
	AffectedRows int64
	// HasRows is true when the statement returns a result set (even an empty one).
	HasRows bool
}

// Rows counts the rows of a result set.
func (r *Result) Rows() int64 {
	var n int64
	for _, b := range r.Batches {
		n += b.NumRows()
	}
	return n
}

// Release frees the result's batches.
func (r *Result) Release() {
	for _, b := range r.Batches {
		b.Release()
	}
	r.Batches = nil
}

// Execute parses and runs one statement. Errors are MySQL errors (vitess sqlerror.SQLError) with the number and
// SQLSTATE a MySQL client expects; a failed statement changes nothing.
func (e *Engine) Execute(ctx context.Context, sess *Session, sql string) (res *Result, err error) {
	e.running.Add(1)
	defer e.running.Add(-1)
	defer func() {
		// A bug in planning must fail its statement, not the server: operators recover on their own, the rest
		// of the statement's path here.
		if r := recover(); r != nil {
			res, err = nil, sqlerr.New(sqlerr.Unknown, "internal error: %v\n%s", r, debug.Stack())
		}
	}()
	if sess == nil {
		sess = &Session{}
	}
	if res, ok, err := e.pluginStatement(ctx, sql); ok {
		if err != nil {
			return nil, sqlerr.From(err)
		}
		return res, nil
	}
	if m := showPartitions.FindStringSubmatch(sql); m != nil {
		// SHOW PARTITIONS FROM s.t, which vitess does not parse, is a view of system.partitions.
		sql = fmt.Sprintf("SELECT partition_id, index_name, min_key, max_key, row_count, file_size, active FROM system.partitions "+
			"WHERE table_schema = '%s' AND table_name = '%s' ORDER BY index_name, min_key", m[1], m[2])
		schema := m[1]
		if schema == "" {
			if sess.Schema == "" {
				return nil, sqlerr.New(sqlerr.NoDB, "No database selected")
			}
			schema = sess.Schema
			sql = strings.Replace(sql, "table_schema = ''", "table_schema = '"+schema+"'", 1)
		}
		if _, ok := e.cfg.Catalog.Snapshot().Table(schema, m[2]); !ok {
			return nil, sqlerr.New(sqlerr.NoSuchTable, "Table '%s.%s' doesn't exist", schema, m[2])
		}
	}
	if loc := explainVerbose.FindStringIndex(sql); loc != nil {
		// EXPLAIN VERBOSE, which vitess does not parse: the plan and the rules that shaped it.
		ctx = context.WithValue(ctx, verboseExplainKey{}, true)
		sql = "EXPLAIN " + sql[loc[1]:]
	}
	if loc := explainAnalyzeJSON.FindStringIndex(sql); loc != nil {
		// EXPLAIN ANALYZE FORMAT=JSON, which vitess does not parse: the statement is run as EXPLAIN ANALYZE and
		// answered in JSON.
		ctx = context.WithValue(ctx, jsonExplainKey{}, true)
		sql = "EXPLAIN ANALYZE " + sql[loc[1]:]
	}
	sql = rewriteDialect(sql)
	sql, customColumns, err := e.rewriteCustomTypes(sql)
	if err != nil {
		return nil, err
	}
	head, tail, isCreate, err := splitCreateTable(sql)
	switch {
	case err != nil:
		return nil, err
	case isCreate:
		tail.CustomTypes = customColumns
		// Cube Store's clauses after the column list are read by vcube; vitess parses the rest, strictly.
		stmt, perr := parse(head)
		if perr != nil {
			if err := unknownTypeError(head, perr); err != nil {
				return nil, err
			}
			return nil, perr
		}
		ct, ok := stmt.(*sqlparser.CreateTable)
		if !ok {
			return nil, sqlerr.New(sqlerr.Parse, "You have an error in your SQL syntax near '%s'", head)
		}
		res, err = e.createTable(ctx, sess, ct, tail)
	default:
		stmt, perr := parse(sql)
		if perr != nil {
			return nil, perr
		}
		res, err = e.execute(ctx, sess, stmt)
	}
	if err != nil {
		return nil, sqlerr.From(err)
	}
	return res, nil
}

func (e *Engine) execute(ctx context.Context, sess *Session, stmt sqlparser.Statement) (*Result, error) {
	switch s := stmt.(type) {
	case *sqlparser.Select, *sqlparser.Union:
		return e.query(ctx, sess, s.(sqlparser.TableStatement))
	case *sqlparser.ExplainStmt:
		return e.explain(ctx, sess, s)
	case *sqlparser.Insert:
		return e.insert(ctx, sess, s)
	case *sqlparser.CreateDatabase:
		return e.createSchema(ctx, s)
	case *sqlparser.DropDatabase:
		return e.dropSchema(ctx, s)
	case *sqlparser.CreateTable:
		return e.createTable(ctx, sess, s, nil)
	case *sqlparser.AlterTable:
		return e.alterTable(ctx, sess, s)
	case *sqlparser.DropTable:
		return e.dropTable(ctx, sess, s)
	case *sqlparser.Show:
		return e.show(sess, s)
	case *sqlparser.ExplainTab:
		return e.describe(sess, e.cfg.Catalog.Snapshot(), s.Table, strings.Trim(s.Wild, "'\"`"))
	case *sqlparser.Use:
		name := s.DBName.String()
		if _, ok := e.cfg.Catalog.Snapshot().Schema(name); !ok {
			return nil, sqlerr.New(sqlerr.BadDB, "Unknown database '%s'", name)
		}
		sess.Schema = name
		return &Result{}, nil
	}
	return nil, sqlerr.New(sqlerr.NotSupportedYet, "This version of vcube doesn't yet support '%s'", statementKind(stmt))
}

// explainAnalyzeJSON matches the head of EXPLAIN ANALYZE FORMAT=JSON.
var explainAnalyzeJSON = regexp.MustCompile(`(?i)^\s*EXPLAIN\s+ANALYZE\s+FORMAT\s*=\s*JSON\s+`)

type jsonExplainKey struct{}

// explainVerbose matches the head of EXPLAIN VERBOSE.
var explainVerbose = regexp.MustCompile(`(?i)^\s*EXPLAIN\s+VERBOSE\s+`)

type verboseExplainKey struct{}

// showPartitions matches SHOW PARTITIONS FROM [schema.]table with plain identifiers.
var showPartitions = regexp.MustCompile(`(?i)^\s*SHOW\s+PARTITIONS\s+FROM\s+(?:([A-Za-z0-9_]+)\.)?([A-Za-z0-9_]+)\s*;?\s*$`)

func statementKind(stmt sqlparser.Statement) string {
	s := sqlparser.String(stmt)
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}

// query plans and runs a SELECT.
func (e *Engine) query(ctx context.Context, sess *Session, stmt sqlparser.TableStatement) (*Result, error) {
	// The read lock is taken before the snapshot: files the snapshot names stay on disk until the query ends.
	e.files.RLock()
	defer e.files.RUnlock()
	snap := e.cfg.Catalog.Snapshot()
	plan, err := e.plan(ctx, sess, snap, stmt)
	if err != nil {
		return nil, err
	}
	batches, _, err := vexec.Run(ctx, plan, e.execConfig())
	if err != nil {
		return nil, err
	}
	return &Result{Fields: plan.Fields(), Batches: batches, HasRows: true}, nil
}

// execConfig is what one query runs with: its own allocator, which enforces the query memory limit.
func (e *Engine) execConfig() vexec.Config {
	mem := e.cfg.Mem
	if e.cfg.QueryMemoryLimit > 0 {
		mem = vexec.NewLimitAllocator(mem, e.cfg.QueryMemoryLimit)
	}
	return vexec.Config{Mem: mem, BatchSize: e.cfg.BatchSize, Data: e.cfg.Data, Measures: e.Measure}
}

func (e *Engine) plan(ctx context.Context, sess *Session, snap *etcdmeta.Snapshot, stmt sqlparser.TableStatement) (planner.Node, error) {
	plan, err := e.bindQuery(ctx, sess, snap, stmt)
	if err != nil {
		return nil, err
	}
	plan = shownResults(plan)
	planner.Number(plan)
	return plan, nil
}

// shownResults rounds the DECIMAL results that hold more digits than they show (sqltype.Type.Extra) to the digits
// they show, in the query's last projection (under its sorts and limits), or in a projection added on top.
func shownResults(n planner.Node) planner.Node {
	held := false
	for _, f := range n.Fields() {
		held = held || f.Type.Extra > 0
	}
	if !held {
		return n
	}
	switch n := n.(type) {
	case *planner.Sort:
		n.Input = shownResults(n.Input)
		return n
	case *planner.GlobalLimit:
		n.Input = shownResults(n.Input)
		return n
	case *planner.SkipRows:
		n.Input = shownResults(n.Input)
		return n
	case *planner.Union:
		for i := range n.Inputs {
			n.Inputs[i] = shownResults(n.Inputs[i])
		}
		return n
	case *planner.Projection:
		for i, x := range n.Exprs {
			n.Exprs[i] = castTo(x, x.Type().Shown())
		}
		return n
	}
	fields := n.Fields()
	p := &planner.Projection{Input: n, Exprs: make([]planner.Expr, len(fields)), Names: make([]string, len(fields))}
	for i, f := range fields {
		p.Exprs[i] = castTo(&planner.ColumnRef{Index: i, Name: f.Name, T: f.Type}, f.Type.Shown())
		p.Names[i] = f.Name
	}
	return p
}

// bindQuery binds a SELECT or a UNION of them (also as a derived table) into an unnumbered plan.
func (e *Engine) bindQuery(ctx context.Context, sess *Session, snap *etcdmeta.Snapshot, stmt sqlparser.TableStatement) (planner.Node, error) {
	ctx = withPlanNotes(ctx)
	if ctx.Value(subqueryKey{}) == nil {
		ctx = withSubqueries(ctx, &subqueryEnv{e: e, sess: sess, snap: snap})
		ctx = context.WithValue(ctx, measuresKey{}, &e.plugins)
		ctx = context.WithValue(ctx, statementTimeKey{}, time.Now())
	}
	switch s := stmt.(type) {
	case *sqlparser.Select:
		b := &selectBinder{ctx: ctx, engine: e, sess: sess, snap: snap}
		return b.bind(s)
	case *sqlparser.Union:
		return e.bindUnion(ctx, sess, snap, s)
	}
	return nil, sqlerr.New(sqlerr.NotSupportedYet, "This version of vcube doesn't yet support '%s'", statementKind(stmt))
}

// explain answers EXPLAIN with the plan, and EXPLAIN ANALYZE by running the query and adding each node's figures.
func (e *Engine) explain(ctx context.Context, sess *Session, s *sqlparser.ExplainStmt) (*Result, error) {
	sel, ok := s.Statement.(sqlparser.TableStatement)
	if !ok {
		return nil, sqlerr.New(sqlerr.NotSupportedYet, "This version of vcube doesn't yet support EXPLAIN of '%s'", statementKind(s.Statement))
	}
	e.files.RLock()
	defer e.files.RUnlock()
	snap := e.cfg.Catalog.Snapshot()
	ctx = withPlanNotes(ctx)
	plan, err := e.plan(ctx, sess, snap, sel)
	if err != nil {
		return nil, err
	}
	switch s.Type {
	case sqlparser.EmptyType, sqlparser.TreeType, sqlparser.TraditionalType:
		text := planner.Explain(plan, nil)
		if verbose, _ := ctx.Value(verboseExplainKey{}).(bool); verbose {
			text = verboseExplain(text, planNotesOf(ctx))
		}
		return textResult([]string{"logical plan"}, [][]string{{text}}), nil
	case sqlparser.JSONType:
		return textResult([]string{"logical plan"}, [][]string{{planner.ExplainJSON(plan, nil)}}), nil
	case sqlparser.AnalyzeType:
		batches, stats, err := vexec.Run(ctx, plan, e.execConfig())
		if err != nil {
			return nil, err
		}
		for _, b := range batches {
			b.Release()
		}
		text := planner.Explain(plan, stats.Annotate)
		if json, _ := ctx.Value(jsonExplainKey{}).(bool); json {
			text = planner.ExplainJSON(plan, stats.Figures)
		}
		return textResult([]string{"node type", "node name", "physical plan"}, [][]string{{"router", "", text}}), nil
	}
	return nil, sqlerr.New(sqlerr.NotSupportedYet, "This version of vcube doesn't yet support this EXPLAIN format")
}
