#!/usr/bin/env bash
# Cross-compiles kodex for every supported platform (static, CGO off).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for os in linux darwin windows; do
  for arch in amd64 arm64; do
    CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -o "$out/kodex-$os-$arch" ./cmd/kodex
    CGO_ENABLED=0 GOOS=$os GOARCH=$arch go vet ./... >/dev/null
    echo "cross: $os/$arch ok ($(du -h "$out/kodex-$os-$arch" | cut -f1))"
  done
done
