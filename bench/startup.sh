#!/usr/bin/env bash
# Start-up and turn figures of kodex as shipped, next to a static Go
# hello-world built the same way (CGO_ENABLED=0, -trimpath, -s -w,
# -buildid=), and through the npm and pip entry points. Each table is measured
# alternately (hello, kodex, … hello, kodex, …) and prints medians and the
# ratio to its first line; compare the ratios, not the absolute numbers, on a
# shared machine.
#
#   bench/startup.sh [RUNS]
#
# kodex is the linux binary of a release build of the working tree
# (scripts/release -src . -targets linux/ARCH; KODEX_BENCH_REF=REV builds that
# commit instead), so the npm packages and the wheel are the ones
# `make release` would ship. Codex's native binary, when
# scripts/test-deps.sh has installed it, is measured too.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
out=$(mktemp -d)
fm=
trap 'if [[ -n $fm ]]; then kill "$fm" 2>/dev/null || true; fi; rm -rf "$out"' EXIT

arch=$(go env GOARCH)
case $arch in amd64) npmarch=x64 ;; *) npmarch=$arch ;; esac
export CGO_ENABLED=0
src=(-src .)
if [[ -n ${KODEX_BENCH_REF:-} ]]; then src=(-ref "$KODEX_BENCH_REF"); fi
if ! go run ./scripts/release "${src[@]}" -targets "linux/$arch" -out "$out/dist" 2>"$out/release.log"; then
	cat "$out/release.log" >&2
	exit 1
fi
tar -xzf "$out"/dist/kodex_*_linux_"$arch".tar.gz -C "$out" --strip-components=1 --wildcards '*/kodex'
kodex=$out/kodex
go build -trimpath -ldflags '-s -w -buildid=' -o "$out/hello" ./bench/hello
go build -o "$out/measure" ./bench/measure
go build -o "$out/fakemodel" ./bench/fakemodel
measure() { "$out/measure" -n "$runs" "$@"; }

# The entry points of the packages, installed from the local files.
entries=()
if command -v npm >/dev/null; then
	npm install -g --offline --no-audit --no-fund --loglevel=error --cache "$out/npm-cache" --prefix "$out/npm" \
		"$out"/dist/npm/kodex-cli-kodex-linux-"$npmarch"-*.tgz "$out"/dist/npm/kodex-cli-kodex-0*.tgz >/dev/null
	entries+=("npm|$out/npm/bin/kodex")
fi
if command -v python3 >/dev/null && python3 -m venv "$out/venv" 2>/dev/null; then
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$out/venv/bin/python" -m pip install -q --no-index "$out"/dist/pypi/*"$(uname -m)"*.whl
	entries+=("pip|$out/venv/bin/kodex")
fi
codex=test/compare/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex
[[ $arch == amd64 && -x $codex ]] || codex=

echo "kodex $("$kodex" --version)"
echo "size: kodex $(du -k "$kodex" | cut -f1) KiB, hello $(du -k "$out/hello" | cut -f1) KiB"

# Package init: the median over 15 runs of the total, and of each package
# whose median is over 50 µs (DESIGN.md's budget).
for _ in $(seq 15); do GODEBUG=inittrace=1 "$kodex" --version 2>&1 >/dev/null; done |
	awk '/^init/ { print $2, $5 }' | sort -k1,1 -k2,2g |
	awk 'function flush() { if (n) { m = v[int((n+1)/2)]; total += m; if (m > 0.05) slow = slow sprintf("\n  %-60s %.3f ms", p, m) } }
		$1 != p { flush(); p = $1; n = 0 } { v[++n] = $2 }
		END { flush(); printf "package init (GODEBUG=inittrace=1 kodex --version, medians of 15 runs): %.3f ms in all%s\n", total, (slow == "" ? "; no package over 0.05 ms" : "; over 0.05 ms:" slow) }'

echo
args=(-label "hello-world" -label "kodex --version")
cmds=("$out/hello" ::: "$kodex" --version)
for e in "${entries[@]}"; do
	args+=(-label "${e%%|*}: kodex --version")
	cmds+=(::: "${e#*|}" --version)
done
if command -v node >/dev/null; then
	args+=(-label "node -e '' (npm's floor)")
	cmds+=(::: node -e '')
fi
if [[ -n $codex ]]; then
	args+=(-label "codex --version (native)")
	cmds+=(::: "$codex" --version)
fi
measure "${args[@]}" -- "${cmds[@]}"
if [[ -n $codex ]]; then
	echo
	measure -label "codex --version (native)" -label "kodex --version (ratio to Codex)" -- "$codex" --version ::: "$kodex" --version
fi

# One exec turn against a zero-latency fake model: an answer only, then a
# sandboxed shell call and the answer.
repo=$out/repo home=$out/home
mkdir -p "$repo" "$home"
git -C "$repo" init -q
export KODEX_HOME=$home OPENAI_API_KEY=bench
for builtin in answer shell; do
	"$out/fakemodel" -builtin "$builtin" >"$out/url.$builtin" &
	fm=$!
	for _ in $(seq 100); do [[ -s $out/url.$builtin ]] && break; sleep 0.05; done
	url=$(head -1 "$out/url.$builtin")
	what="exec (answer only)" flags=()
	if [[ $builtin == shell ]]; then what="exec (1 sandboxed command)" flags=(--full-auto); fi
	turn=(exec -C "$repo" --ephemeral "${flags[@]}" -c "openai_base_url=\"$url\"" "hi")
	args=(-label "hello-world" -label "kodex $what")
	cmds=("$out/hello" ::: "$kodex" "${turn[@]}")
	for e in "${entries[@]}"; do
		args+=(-label "${e%%|*}: kodex $what")
		cmds+=(::: "${e#*|}" "${turn[@]}")
	done
	echo
	measure "${args[@]}" -- "${cmds[@]}"
	kill "$fm"
	wait "$fm" 2>/dev/null || true
	fm=
done
