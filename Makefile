# vcube's build. `make serve` builds and starts a single-node server; `make test` runs every test.
GO      ?= go
BIN     := bin/vcube
DATADIR ?= ./.vcube
ADDR    ?= 127.0.0.1:3030
# vcube is built with GOEXPERIMENT=simd, for the AVX-512 kernels of vexec/simd_amd64.go (docs/RATIONALE.md, "SIMD
# kernels for whole-column aggregates"); SIMD= builds with the plain Go kernels only. NOSIMD is the other build.
SIMD    ?= GOEXPERIMENT=simd
NOSIMD  := $(if $(SIMD),GOEXPERIMENT=,GOEXPERIMENT=simd)

.PHONY: all build serve test test-short vet fmt conformance conformance-http differential bench pgo plugins clean

all: build

build:
	$(SIMD) $(GO) build -trimpath -o $(BIN) ./cmd/vcube

# Profile-guided optimisation (docs/RATIONALE.md): `go build` reads cmd/vcube/default.pgo, a CPU profile of
# imports, compaction and queries taken from the benchmarks below, and inlines the calls it shows hot. `make pgo`
# takes the profile again (about two minutes); refresh it when hot paths change.
PGO_BENCH := 'sqlfront:ImportCSV/three_indexes:3x' 'sqlfront:PointQuery|EagerAggregationQ10:2s' \
	'vexec:AggregateStrategies|GroupKeys|MergeJoin|HashJoin:5x' 'storage:Merge$$|Scan:3x'
pgo:
	@tmp=$$(mktemp -d) && n=0 && for spec in $(PGO_BENCH); do \
	  pkg=$${spec%%:*}; rest=$${spec#*:}; bench=$${rest%:*}; time=$${rest##*:}; n=$$((n+1)); \
	  echo "$(GO) test ./$$pkg -run '^$$' -bench '$$bench' -benchtime $$time"; \
	  $(SIMD) $(GO) test ./$$pkg -run '^$$' -bench "$$bench" -benchtime $$time -cpuprofile $$tmp/$$n.prof -o $$tmp/$$n.test >/dev/null || exit 1; \
	done && $(GO) tool pprof -proto $$tmp/*.prof > cmd/vcube/default.pgo && rm -rf $$tmp && ls -l cmd/vcube/default.pgo

serve: build
	./$(BIN) serve --data-dir $(DATADIR) --http-addr $(ADDR)

# The whole suite: formatting, vet, unit and end-to-end tests (with the race detector), and the sqllogictest
# conformance files under testsuite/sql, run in-process; then vexec again in the other build, with the plain Go
# kernels only (or with the SIMD ones when SIMD= is given).
test: vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(SIMD) $(GO) test -race -timeout 12m ./...
	$(NOSIMD) $(GO) test ./vexec

test-short:
	$(SIMD) $(GO) test -short ./...

vet:
	$(SIMD) $(GO) vet ./...
	$(NOSIMD) $(GO) vet ./vexec

fmt:
	gofmt -w $$(git ls-files '*.go')

# Only the conformance files, verbosely: make conformance [RUN=select]
conformance:
	$(GO) test ./testsuite/ -run 'TestConformance/$(RUN)' -v -count=1

# The whole suite against a real server over HTTP: builds bin/vcube, starts `vcube serve` on a free loopback port
# with a temporary data directory (in testsuite/, which the files' LOCATION paths are relative to), waits for
# /healthz, runs `vcube conformance --target http://...` on every file, stops the server and exits with the
# runner's status. FLAGS go to vcube conformance: make conformance-http FLAGS='--format junit'
conformance-http: build
	@dir=$$(mktemp -d); log=$$dir/serve.log; \
	(cd testsuite && exec ../$(BIN) serve --data-dir "$$dir/data" --http-addr 127.0.0.1:0) 2>"$$log" & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null; rm -rf "$$dir"' EXIT; \
	addr=; tries=0; \
	while [ -z "$$addr" ]; do \
	  kill -0 $$pid 2>/dev/null || { echo "vcube serve exited:" >&2; cat "$$log" >&2; exit 1; }; \
	  tries=$$((tries + 1)); [ $$tries -le 600 ] || { echo "vcube serve did not answer /healthz in 60 s:" >&2; cat "$$log" >&2; exit 1; }; \
	  sleep 0.1; \
	  a=$$(sed -n 's|.*vcube is serving.*http=http://\([^ ]*\).*|\1|p' "$$log" | head -n 1); \
	  [ -n "$$a" ] && curl -fsS "http://$$a/healthz" >/dev/null 2>&1 && addr=$$a; \
	done; \
	./$(BIN) conformance --target "http://$$addr" $(FLAGS)

# Differential testing (docs/conformance.md, "Differential testing"): the conformance files against MariaDB
# (TestConformanceAgainstMariaDB: every record passes, or is skipped for a reason testsuite/mariadb-differences.md
# gives), and vcube in-process against MariaDB on VCUBE_DIFF_QUERIES generated queries from seed VCUBE_DIFF_SEED
# (a number, or random), disagreements shrunk into testsuite/sql/regressions. Against the server VCUBE_MARIADB_DSN
# names (mysql://user:password@host:port/; a scratch server: the pass creates and drops databases there), or,
# without it, against a MariaDB that .ci/mariadb starts on loopback in a temporary folder (mariadbd must be
# installed) and stops afterwards.
#   make differential VCUBE_DIFF_QUERIES=20000 VCUBE_DIFF_SEED=random
VCUBE_DIFF_QUERIES ?= 2000
VCUBE_DIFF_SEED    ?= 1
differential:
	@run() { VCUBE_MARIADB_DSN="$$1" VCUBE_DIFF_QUERIES='$(VCUBE_DIFF_QUERIES)' VCUBE_DIFF_SEED='$(VCUBE_DIFF_SEED)' \
	  $(GO) test ./testsuite/ ./testsuite/differential/ -run 'TestConformanceAgainstMariaDB$$|TestDifferential$$' \
	  -count=1 -v -timeout 120m; }; \
	if [ -n "$$VCUBE_MARIADB_DSN" ]; then run "$$VCUBE_MARIADB_DSN"; exit $$?; fi; \
	dir=$$(mktemp -d); \
	trap '.ci/mariadb stop "$$dir"' EXIT; \
	dsn=$$(.ci/mariadb start "$$dir") || exit 1; \
	run "$$dsn"

# Benchmarks (docs/benchmarks.md): builds bin/vcube and the DuckDB companion bin/vcube-benchpeer (testsuite/benchpeer,
# a Go module of its own that needs cgo, so that DuckDB stays out of vcube's binary and make test never needs cgo),
# runs `vcube bench --peer duckdb` at each of BENCH_SCALES into bench/results/<scale>.json, and renders
# docs/benchmarks.md (with an SVG chart per scale) from every result there. Data sets are generated once and cached
# under $XDG_CACHE_HOME/vcube-bench. Takes about ten minutes at 10m; never part of make test.
#   make bench BENCH_SCALES='1m 10m' BENCH_FLAGS='--runs 10 --concurrency 1,8,32'
BENCH_SCALES ?= 10m
BENCH_FLAGS  ?=
bench: build
	cd testsuite/benchpeer && CGO_ENABLED=1 $(GO) build -trimpath -o ../../bin/vcube-benchpeer .
	@set -e; for s in $(BENCH_SCALES); do \
	  echo "./$(BIN) bench --scale $$s --peer duckdb --out bench/results/$$s.json $(BENCH_FLAGS)"; \
	  ./$(BIN) bench --scale $$s --peer duckdb --out bench/results/$$s.json $(BENCH_FLAGS); \
	done
	./$(BIN) bench report --md docs/benchmarks.md bench/results/*.json

# The example plugins (docs/plugins.md) as WebAssembly modules in bin/plugins/: the Go ones from wasm/ (a Go module
# of its own) with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared, the C one with clang and wasm-ld when they are
# installed (Debian: clang lld), skipped with a message otherwise.
PLUGINS := fixed median sumsq approxdistinct
plugins:
	@mkdir -p bin/plugins
	@set -e; for p in $(PLUGINS); do \
	  echo "wasm/examples/$$p -> bin/plugins/$$p.wasm"; \
	  (cd wasm && GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 $(GO) build -buildmode=c-shared -trimpath -o ../bin/plugins/$$p.wasm ./examples/$$p); \
	done
	@if command -v clang >/dev/null && command -v wasm-ld >/dev/null; then \
	  echo "wasm/examples/csum/csum.c -> bin/plugins/csum.wasm"; \
	  clang --target=wasm32 -nostdlib -O2 -Wall -Werror -Wl,--no-entry -o bin/plugins/csum.wasm wasm/examples/csum/csum.c; \
	else echo "skipping wasm/examples/csum: it needs clang and wasm-ld (Debian: apt-get install clang lld)"; fi

clean:
	rm -rf bin
