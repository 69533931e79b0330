#!/usr/bin/env bash
# Builds the release artifacts of a commit (default HEAD) into dist/ (or
# $KODEX_DIST), reproducibly: see scripts/release/main.go for what is built.
# Uncommitted changes are never included: the build runs on `git archive`.
#
#   scripts/release.sh [-ref REV] [-version X.Y.Z] [-targets os/arch,...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
	echo "release: the working tree has uncommitted changes; they are not part of the release (building the commit)" >&2
fi
exec go run ./scripts/release -out "${KODEX_DIST:-dist}" "$@"
