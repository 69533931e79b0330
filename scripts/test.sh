#!/usr/bin/env bash
# The whole test suite, as CI runs it (`make test`). Each step names itself;
# the first failure stops the run.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "test dependencies"
./scripts/test-deps.sh

step "gofmt"
# shellcheck disable=SC2046 # one word per file
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [[ -n $unformatted ]]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi

step "go mod tidy"
go mod tidy -diff
(cd tools && go mod tidy -diff)

step "go vet"
go vet ./...

step "golangci-lint"
go tool -modfile=tools/go.mod golangci-lint run ./...

step "shellcheck"
shellcheck packaging/install.sh scripts/*.sh bench/*.sh

step "go test -race"
# The race detector needs cgo; the kodex binaries the tests build themselves
# are static (CGO_ENABLED=0), as shipped. test/release runs on its own below,
# once the cross-compile has filled the build cache.
# shellcheck disable=SC2046 # one word per package
CGO_ENABLED=1 go test -race -count=1 $(go list ./... | grep -v '/test/release$')

step "cross-compile"
./scripts/cross.sh

step "release: built twice identically, size budget, install.sh, npm, pip"
go test -count=1 -timeout 30m ./test/release

step "static binary"
CGO_ENABLED=0 go build -trimpath -o /tmp/kodex-static-check ./cmd/kodex
kind=$(file /tmp/kodex-static-check)
echo "$kind"
grep -q 'statically linked' <<<"$kind"
/tmp/kodex-static-check --version
rm -f /tmp/kodex-static-check
echo
echo "all checks passed"
