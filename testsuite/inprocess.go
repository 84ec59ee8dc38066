package testsuite

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/vcubedb/vcube/internal/node"
	"github.com/vcubedb/vcube/sqlfront"
)

// InProcess runs records against a single-node vcube in this process: embedded etcd, real Parquet files in its
// data directory, the same engine `vcube serve` runs.
type InProcess struct {
	node    *node.Node
	sess    sqlfront.Session
	plugins bool
}

// OpenInProcess starts a node on dataDir. Background compaction is off, so that what files show (chunk IDs in
// EXPLAIN, system.chunks) depends only on the statements they run. Modules (file name -> WebAssembly module)
// are written into the node's plugin directory first, for files to INSTALL PLUGIN; with any, the target
// answers to "plugins".
func OpenInProcess(ctx context.Context, dataDir string, modules map[string][]byte) (*InProcess, error) {
	pluginDir := filepath.Join(dataDir, "plugins")
	if len(modules) > 0 {
		if err := os.MkdirAll(pluginDir, 0o755); err != nil {
			return nil, err
		}
		for name, m := range modules {
			if err := os.WriteFile(filepath.Join(pluginDir, name), m, 0o644); err != nil {
				return nil, err
			}
		}
	}
	n, err := node.Open(ctx, node.Config{DataDir: dataDir, PluginDir: pluginDir, CompactionInterval: -1})
	if err != nil {
		return nil, err
	}
	return &InProcess{node: n, plugins: len(modules) > 0}, nil
}

// Name is the target name skipif/onlyif lines use.
func (t *InProcess) Name() string { return "vcube" }

// Traits: every file runs on a new node (see slt.Traits), which has plugin modules to install when it was
// given some.
func (t *InProcess) Traits() []string {
	if t.plugins {
		return []string{"fresh", "plugins"}
	}
	return []string{"fresh"}
}

// Exec runs a statement; USE changes the schema of later statements.
func (t *InProcess) Exec(ctx context.Context, sql string) error {
	res, err := t.node.Engine.Execute(ctx, &t.sess, sql)
	if err != nil {
		return err
	}
	res.Release()
	return nil
}

// Query runs a query and renders its rows as text. A value spanning several lines (an EXPLAIN plan) in a
// one-column result becomes one row per line, so files can show plans as they print.
func (t *InProcess) Query(ctx context.Context, sql string) ([][]string, error) {
	res, err := t.node.Engine.Execute(ctx, &t.sess, sql)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	rows := res.TextRows()
	if len(res.Fields) != 1 {
		return rows, nil
	}
	var out [][]string
	for _, r := range rows {
		for _, line := range strings.Split(r[0], "\n") {
			out = append(out, []string{line})
		}
	}
	return out, nil
}

// Close stops the node.
func (t *InProcess) Close() error { return t.node.Close() }
