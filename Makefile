# vcube's build. `make serve` builds and starts a single-node server; `make test` runs every test.
GO      ?= go
BIN     := bin/vcube
DATADIR ?= ./.vcube
ADDR    ?= 127.0.0.1:3030

.PHONY: all build serve test test-short vet fmt conformance clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/vcube

serve: build
	./$(BIN) serve --data-dir $(DATADIR) --http-addr $(ADDR)

# The whole suite: formatting, vet, unit and end-to-end tests (with the race detector), and the sqllogictest
# conformance files under testsuite/sql, run in-process.
test: vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) test -race -timeout 12m ./...

test-short:
	$(GO) test -short ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

# Only the conformance files, verbosely: make conformance [RUN=select]
conformance:
	$(GO) test ./testsuite/ -run 'TestConformance/$(RUN)' -v -count=1

clean:
	rm -rf bin
