#!/usr/bin/env bash
# Start-up and turn figures for kodex next to a static Go hello-world built
# the same way (CGO_ENABLED=0, -trimpath, -s -w). Prints medians; compare the
# ratios, not the absolute numbers, on a shared machine.
#
#   bench/startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
out=$(mktemp -d)
trap 'kill $fm 2>/dev/null || true; rm -rf "$out"' EXIT

export CGO_ENABLED=0
go build -trimpath -ldflags '-s -w' -o "$out/kodex" ./cmd/kodex
go build -trimpath -ldflags '-s -w' -o "$out/hello" ./bench/hello
go build -o "$out/measure" ./bench/measure
go build -o "$out/fakemodel" ./bench/fakemodel

echo "binary: kodex $(du -k "$out/kodex" | cut -f1) KiB, hello $(du -k "$out/hello" | cut -f1) KiB"
echo "package init (GODEBUG=inittrace=1 kodex --version):"
GODEBUG=inittrace=1 "$out/kodex" --version 2>&1 >/dev/null |
	awk '/^init/ { ms += $5; kb += $8; n++ } END { printf "  %d packages, %.3f ms clock, %d bytes allocated\n", n, ms, kb }'

"$out/measure" -n "$runs" -label "hello-world" -- "$out/hello"
"$out/measure" -n "$runs" -label "kodex --version" -- "$out/kodex" --version

# One exec turn against a zero-latency fake model.
repo="$out/repo" home="$out/home"
mkdir -p "$repo" "$home"
git -C "$repo" init -q
"$out/fakemodel" -builtin answer >"$out/url" &
fm=$!
for _ in $(seq 100); do [[ -s $out/url ]] && break; sleep 0.05; done
url=$(head -1 "$out/url")
export KODEX_HOME=$home OPENAI_API_KEY=bench
"$out/measure" -n "$runs" -label "kodex exec (answer only)" -- \
	"$out/kodex" exec -C "$repo" --ephemeral -c "openai_base_url=\"$url\"" "hi"
kill $fm; wait $fm 2>/dev/null || true

"$out/fakemodel" -builtin shell >"$out/url2" &
fm=$!
for _ in $(seq 100); do [[ -s $out/url2 ]] && break; sleep 0.05; done
url=$(head -1 "$out/url2")
"$out/measure" -n "$runs" -label "kodex exec (1 shell call)" -- \
	"$out/kodex" exec -C "$repo" --ephemeral --full-auto -c "openai_base_url=\"$url\"" "run echo"
