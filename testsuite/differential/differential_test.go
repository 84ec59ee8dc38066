package differential

import (
	"context"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	flagQueries = flag.Int("differential.queries", 0, "queries to compare (default $VCUBE_DIFF_QUERIES, else 2000)")
	flagSeed    = flag.String("differential.seed", "", `generator seed, or "random" (default $VCUBE_DIFF_SEED, else 1)`)
)

// settings of a pass, from flags, then environment variables, then defaults.
func passConfig(t *testing.T) Config {
	cfg := Config{
		Target:     os.Getenv("VCUBE_MARIADB_DSN"),
		Queries:    envInt(t, "VCUBE_DIFF_QUERIES", 2000),
		Shrink:     envInt(t, "VCUBE_DIFF_SHRINK", 10),
		ShrinkTime: time.Duration(envInt(t, "VCUBE_DIFF_SHRINK_SECONDS", 20)) * time.Second,
		SaveDir:    "../sql/regressions",
	}
	if *flagQueries > 0 {
		cfg.Queries = *flagQueries
	}
	seed := os.Getenv("VCUBE_DIFF_SEED")
	if *flagSeed != "" {
		seed = *flagSeed
	}
	switch seed {
	case "":
		cfg.Seed = 1
	case "random":
		cfg.Seed = uint64(time.Now().UnixNano())
	default:
		n, err := strconv.ParseUint(seed, 10, 64)
		if err != nil {
			t.Fatalf("seed %q: want a number or random", seed)
		}
		cfg.Seed = n
	}
	cfg.SQL = os.Getenv("VCUBE_DIFF_SQL")
	if avoid := os.Getenv("VCUBE_DIFF_AVOID"); avoid != "" {
		cfg.Avoid = strings.Split(avoid, ",")
	}
	if dir, ok := os.LookupEnv("VCUBE_DIFF_SAVE_DIR"); ok {
		cfg.SaveDir = dir
	}
	return cfg
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a number", name, v)
	}
	return n
}

// TestDifferential compares vcube with MariaDB on generated queries (see the package documentation). It runs
// only when VCUBE_MARIADB_DSN names a scratch MariaDB; make differential starts one.
func TestDifferential(t *testing.T) {
	cfg := passConfig(t)
	if cfg.Target == "" {
		t.Skip("set VCUBE_MARIADB_DSN=mysql://user:password@127.0.0.1:3306/ to compare vcube with MariaDB, " +
			"or run make differential, which starts a scratch MariaDB (see docs/conformance.md, \"Differential testing\"); " +
			"VCUBE_DIFF_QUERIES (2000) and VCUBE_DIFF_SEED (1, or random) choose the pass")
	}
	cfg.DataDir = t.TempDir()
	cfg.Logf = t.Logf
	t.Logf("seed %d, %d queries, against %s", cfg.Seed, cfg.Queries, redactTarget(cfg.Target))
	rep, err := Run(context.Background(), cfg)
	if rep != nil {
		t.Log("\n" + rep.Summary(cfg.Seed))
	}
	if err != nil {
		t.Fatal(err)
	}
	allowed := envInt(t, "VCUBE_DIFF_MAX_DISAGREEMENTS", 0)
	if n := rep.Disagreements(); n > allowed {
		t.Errorf("vcube and MariaDB disagree on %d of %d queries (seed %d); shrunk cases are in %s", n, rep.Queries, cfg.Seed, cfg.SaveDir)
	}
}
