#!/bin/sh
# Median overhead of running `true` through the sandbox helper at each level
# (read-only / workspace-write × namespaces / no namespaces) over running it
# directly. Usage: bench/sandbox-overhead.sh [RUNS]
set -eu
cd "$(dirname "$0")/.."
CGO_ENABLED=0 KODEX_BENCH_RUNS="${1:-50}" go test -count=1 -run '^TestSandboxOverhead$' -v ./internal/sandbox/ |
	grep -E 'median|ok|FAIL'
