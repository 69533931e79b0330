#!/bin/sh
# Median overhead of running `true` through the sandbox helper at each level
# (read-only / workspace-write × namespaces / no namespaces) over running it
# directly, then `kodex sandbox -- true` with the real, stripped binary.
# Usage: bench/sandbox-overhead.sh [RUNS]
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/kodex
trap 'rm -rf "$(dirname "$bin")"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$bin" ./cmd/kodex
CGO_ENABLED=0 KODEX_BENCH_RUNS="${1:-50}" KODEX_BENCH_BIN="$bin" go test -count=1 -run '^TestSandboxOverhead$' -v ./internal/sandbox/ |
	grep -E 'median|ok|FAIL'
