package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/vcubedb/vcube/testsuite"
	"github.com/vcubedb/vcube/testsuite/slt"
)

const conformanceUsage = `usage: vcube conformance [--target T] [--format F] [--rewrite] [files or folders...]

Runs sqllogictest files (by default the suite's own, testsuite/sql of a vcube checkout, found from the
working directory or a folder above it) and reports, per file, the records passed, failed and skipped.
Folders are searched for *.slt files. See docs/conformance.md.

  --target inprocess          a new vcube node in this process for each file, its data in a temporary
                              directory removed afterwards (the default)
  --target http://host:port   a running vcube server, through its HTTP API
  --target mysql://user:password@host:port/
                              a MySQL or MariaDB server, to compare vcube with (differential runs); the
                              records whose answers differ by design are skipped there, each for a reason
                              testsuite/mariadb-differences.md gives

A server keeps its data from one file to the next: the files create their own schemas, so use a scratch
server. After each file the schemas its CREATE SCHEMA statements created are dropped (nothing else is).
Records marked "skipif vcube" / "onlyif vcube" name the vcube targets (inprocess and http); "mysql" names
the mysql:// target.

  --format text|json|junit    text: a table and each failure's first differences; json: one document;
                              junit: JUnit XML for CI systems (written to standard output)
  --rewrite                   replace the expected results of queries whose results differ with what the
                              target returned, in the files themselves, keeping everything else as it is.
                              For recording new cases: review the changes before committing them.

Exit status: 0 when every record passed, 1 when one failed (or a file could not be read or parsed, or the
target could not be reached), 2 for usage errors.
`

// suiteFolder is where the conformance files live in a checkout.
var suiteFolder = filepath.Join("testsuite", "sql")

// serverTarget is a target that keeps its data between files (HTTP, MySQL).
type serverTarget interface {
	slt.Target
	EndFile(ctx context.Context, fr *slt.FileRun) error
}

// adapter is a target that adjusts the records' expectations before they run: the mysql target compares
// vcube's documented differences from MySQL as testsuite/mariadb-differences.md says (booleans as 1/0).
type adapter interface {
	Adapt(records []slt.Record)
}

// conformanceFile is a file to run: where it is, what reports call it, and, in-process, the folder relative
// LOCATION paths resolve from.
type conformanceFile struct {
	path, name, base string
}

func conformance(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), conformanceUsage) }
	target := fs.String("target", "inprocess", "inprocess, http://host:port or mysql://user:password@host:port/")
	format := fs.String("format", "text", "text, json or junit")
	rewrite := fs.Bool("rewrite", false, "rewrite the expected results of queries whose results differ")
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		operands = append(operands, fs.Arg(0)) // flags may follow operands
		args = fs.Args()[1:]
	}
	usageError := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "vcube conformance: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run vcube conformance -h for help")
		return 2
	}
	switch *format {
	case "text", "json", "junit":
	default:
		return usageError("unknown --format %q: want text, json or junit", *format)
	}
	files, err := conformanceFiles(operands)
	if err != nil {
		return usageError("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var (
		label  string
		server serverTarget
	)
	switch {
	case *target == "inprocess":
		label = "inprocess"
	case strings.HasPrefix(*target, "http://") || strings.HasPrefix(*target, "https://"):
		t, err := testsuite.NewHTTP(*target)
		if err != nil {
			return usageError("%v", err)
		}
		if err := t.Ping(ctx); err != nil {
			fmt.Fprintf(stderr, "vcube conformance: cannot reach %s: %v\n", t, err)
			return 1
		}
		label, server = t.String(), t
	case strings.HasPrefix(*target, "mysql://"):
		t, err := testsuite.OpenMySQL(ctx, *target)
		var bad *testsuite.AddressError
		if errors.As(err, &bad) {
			return usageError("%v", err)
		}
		if err != nil {
			fmt.Fprintf(stderr, "vcube conformance: %v\n", err)
			return 1
		}
		defer t.Close()
		label, server = t.String(), t
	default:
		return usageError("unknown --target %q: want inprocess, http://host:port or mysql://user:password@host:port/", *target)
	}

	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.name
	}
	var table *slt.TableWriter
	if *format == "text" {
		targetName := "vcube"
		if server != nil {
			targetName = server.Name()
		}
		fmt.Fprintf(stdout, "target %s (skipif/onlyif name: %s)\n\n", label, targetName)
		table = slt.NewTableWriter(stdout, names)
	}
	var (
		runs      []slt.FileRun
		rewritten []slt.Rewritten
		left      []slt.NotRewritten
		trouble   []string // problems that are not record failures, shown after the report
	)
	for _, f := range files {
		if ctx.Err() != nil {
			trouble = append(trouble, fmt.Sprintf("interrupted: %d files not run", len(files)-len(runs)))
			break
		}
		var fr slt.FileRun
		if server == nil {
			fr, err = runInProcess(ctx, f)
			if err != nil {
				fr = slt.FileRun{Result: slt.Result{File: f.name}, Err: err}
			}
		} else {
			fr = traceOnServer(ctx, server, f)
			if err := server.EndFile(ctx, &fr); err != nil {
				trouble = append(trouble, fmt.Sprintf("%s: %v", f.name, err))
			}
		}
		if *rewrite && fr.Failed > 0 {
			done, notDone, err := slt.RewriteFile(f.path, &fr)
			if err != nil {
				trouble = append(trouble, err.Error())
			}
			rewritten, left = append(rewritten, done...), append(left, notDone...)
		}
		runs = append(runs, fr)
		if table != nil {
			table.File(&fr)
		}
	}

	switch *format {
	case "text":
		table.Finish(runs)
		writeRewrites(stdout, *rewrite, rewritten, left)
	case "json":
		err = slt.WriteJSON(stdout, label, runs, rewritten)
		writeRewrites(stderr, *rewrite, rewritten, left)
	case "junit":
		err = slt.WriteJUnit(stdout, label, runs)
		writeRewrites(stderr, *rewrite, rewritten, left)
	}
	if err != nil {
		trouble = append(trouble, fmt.Sprintf("writing the report: %v", err))
	}
	for _, msg := range trouble {
		fmt.Fprintf(stderr, "vcube conformance: %s\n", msg)
	}
	t := slt.Sum(runs)
	if t.Failed > 0 || t.Errors > 0 || len(trouble) > 0 {
		return 1
	}
	return 0
}

func writeRewrites(w io.Writer, rewrite bool, done []slt.Rewritten, left []slt.NotRewritten) {
	if !rewrite {
		return
	}
	fmt.Fprintf(w, "\nrewrote the expected results of %d records (review them before committing):\n", len(done))
	for _, r := range done {
		fmt.Fprintf(w, "  %s:%d\n", r.File, r.Line)
	}
	if len(left) > 0 {
		fmt.Fprintf(w, "left %d failed records as they are:\n", len(left))
		for _, r := range left {
			fmt.Fprintf(w, "  %s:%d: %s\n", r.File, r.Line, r.Reason)
		}
	}
}

// runInProcess runs one file on a new node whose data lives in a temporary directory, removed afterwards. The
// node runs with f.base as the working directory, so that relative LOCATION paths resolve as under go test.
func runInProcess(ctx context.Context, f conformanceFile) (slt.FileRun, error) {
	dir, err := os.MkdirTemp("", "vcube-conformance-")
	if err != nil {
		return slt.FileRun{}, err
	}
	defer os.RemoveAll(dir)
	t, err := testsuite.OpenInProcess(ctx, dir, nil)
	if err != nil {
		return slt.FileRun{}, fmt.Errorf("starting an in-process node: %w", err)
	}
	defer t.Close()
	wd, err := os.Getwd()
	if err != nil {
		return slt.FileRun{}, err
	}
	if err := os.Chdir(f.base); err != nil {
		return slt.FileRun{}, err
	}
	defer os.Chdir(wd)
	return slt.TraceFile(ctx, t, f.path, f.name), nil
}

// traceOnServer runs one file on a server target, adapted to the target when it is an adapter.
func traceOnServer(ctx context.Context, server serverTarget, f conformanceFile) slt.FileRun {
	a, ok := server.(adapter)
	if !ok {
		return slt.TraceFile(ctx, server, f.path, f.name)
	}
	file, err := os.Open(f.path)
	if err != nil {
		return slt.FileRun{Result: slt.Result{File: f.name}, Err: err}
	}
	recs, err := slt.Parse(f.name, file)
	file.Close()
	if err != nil {
		return slt.FileRun{Result: slt.Result{File: f.name}, Err: err}
	}
	a.Adapt(recs)
	fr := slt.Trace(ctx, server, recs)
	fr.File = f.name
	return fr
}

// conformanceFiles lists the files to run: those named, the *.slt files of the folders named, or, with no
// operands, the suite's own folder.
func conformanceFiles(operands []string) ([]conformanceFile, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if len(operands) == 0 {
		suite, ok := findSuite(wd)
		if !ok {
			return nil, fmt.Errorf("cannot find the conformance suite: no %s folder in %s or a folder above it; "+
				"run from a vcube checkout, or name the files or folders to run, e.g. vcube conformance path/to/vcube/%s",
				suiteFolder, wd, suiteFolder)
		}
		operands = []string{suite}
	}
	var files []conformanceFile
	for _, op := range operands {
		abs, err := filepath.Abs(op)
		if err != nil {
			return nil, err
		}
		info, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("no such file or folder: %s", op)
		}
		if !info.IsDir() {
			files = append(files, conformanceFile{path: abs, name: displayName(wd, abs), base: filepath.Dir(filepath.Dir(abs))})
			continue
		}
		found, err := slt.Files(abs)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("no .slt files under %s", op)
		}
		for _, p := range found {
			files = append(files, conformanceFile{path: p, name: displayName(wd, p), base: filepath.Dir(abs)})
		}
	}
	return files, nil
}

// findSuite looks for testsuite/sql in dir and the folders above it.
func findSuite(dir string) (string, bool) {
	for {
		candidate := filepath.Join(dir, suiteFolder)
		if info, err := os.Stat(candidate); err == nil && info.IsDir() {
			return candidate, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// displayName is the path reports show: relative to the working directory when that is shorter.
func displayName(wd, abs string) string {
	if rel, err := filepath.Rel(wd, abs); err == nil && len(rel) < len(abs) {
		return filepath.ToSlash(rel)
	}
	return abs
}
