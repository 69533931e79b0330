# kodex build and test entry points. `make test` is the one command that runs
# the whole suite (CI runs exactly it, see .ci/run).

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS   := -s -w -X github.com/kodex-cli/kodex/internal/version.Version=$(VERSION) -X github.com/kodex-cli/kodex/internal/version.Commit=$(COMMIT)

.PHONY: build install test check lint fmt vet tidy cross bench release

## build: static binary in ./bin/kodex
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/kodex ./cmd/kodex

## install: static binary into $(go env GOPATH)/bin
install:
	CGO_ENABLED=0 $(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/kodex

## test: everything CI checks: deps, format, tidy, vet, lint, race tests, cross-compile
test:
	./scripts/test.sh

## lint: golangci-lint pinned in tools/go.mod
lint:
	$(GO) tool -modfile=tools/go.mod golangci-lint run ./...

## cross: compile for linux, darwin, windows × amd64, arm64
cross:
	./scripts/cross.sh

## release: reproducible release artifacts of HEAD in dist/ (archives, universal
## macOS binary, SHA256SUMS, SBOM, installers, npm packages, wheels)
release:
	./scripts/release.sh

## bench: start-up and exec figures
bench:
	./bench/startup.sh
