#!/usr/bin/env bash
# bench/resume.sh [RUNS] [MB] [LIVE_MB]: resume and listing at size (issue 14).
# In a temporary KODEX_HOME, bench/resumegen writes a realistic transcript of
# ~MB (100) MB — messages, reasoning, shell calls with large outputs, two
# compactions, LIVE_MB (16) MB of history after the last one — and 2,000
# small sessions over 8 directories and 2,000 hours. Then, with bench/measure
# (median wall and CPU, peak RSS), each beside its target:
#   - kodex exec resume ID "…": one turn (an answer) of the big session
#     against bench/fakemodel, the same with a 4 MB live history, and with
#     none compacted (all ~26 MB of its history live: the worst case);
#   - kodex sessions list (the cwd's), --json, --all -n 0 (2,001 sessions).
# KODEX_BENCH_BIN=PATH measures that binary instead of building the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
MB=${2:-100}
LIVE=${3:-16}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
if [[ -n ${KODEX_BENCH_BIN:-} ]]; then
  cp "$KODEX_BENCH_BIN" "$T/kodex"
else
  CGO_ENABLED=0 go build -trimpath -o "$T/kodex" ./cmd/kodex
fi
go build -o "$T/fakemodel" ./bench/fakemodel
go build -o "$T/measure" ./bench/measure
go build -o "$T/resumegen" ./bench/resumegen
mkdir -p "$T/ws" "$T/kh" "$T/kh4" "$T/kh0"
"$T/resumegen" -home "$T/kh" -cwd "$T/ws" -mb "$MB" -live-mb "$LIVE" -sessions 2000 >"$T/id"
"$T/resumegen" -home "$T/kh4" -cwd "$T/ws" -mb "$MB" -live-mb 4 -sessions 0 >"$T/id4"
"$T/resumegen" -home "$T/kh0" -cwd "$T/ws" -mb "$MB" -live-mb "$MB" -compactions 0 -sessions 0 >"$T/id0"
ID=$(cat "$T/id")
ID4=$(cat "$T/id4")
ID0=$(cat "$T/id0")
# -discard: the fake model reads each request without decoding it, so that
# the wall time is kodex's, not the model's.
"$T/fakemodel" -builtin answer -discard >"$T/url" &
for _ in $(seq 100); do [[ -s $T/url ]] && break; sleep 0.05; done
# Compaction off: the scripted model does not summarise, and a resume is
# measured up to its first request, as the history stands.
for h in kh kh4 kh0; do
  printf 'model = "gpt-5.5"\nmodel_provider = "fake"\nmodel_auto_compact_token_limit = 100000000\n[model_providers.fake]\nname = "fake"\nbase_url = "%s"\nenv_key = "FAKE_API_KEY"\nwire_api = "responses"\n' "$(head -1 "$T/url")" >"$T/$h/config.toml"
done
size() { du -m "$(find "$T/$1/sessions" -name "*$2*.jsonl")" | cut -f1; }
cd "$T/ws"
export FAKE_API_KEY=x
echo "resume: one turn of a recorded session against the scripted model (target: ≤ 1 s, ≤ 64 MiB peak)"
echo "  the big transcript: $(size kh "$ID") MB, ${LIVE} MB of history after its last compaction; then one with 4 MB"
# Each run appends a turn; the history grows by a few hundred bytes a run.
"$T/measure" -n "$RUNS" -label "exec resume (${LIVE} MB live)" -label "exec resume (4 MB live)" -label "exec resume (no compaction)" -- \
  env KODEX_HOME="$T/kh" "$T/kodex" exec --skip-git-repo-check resume "$ID" "go on" ::: \
  env KODEX_HOME="$T/kh4" "$T/kodex" exec --skip-git-repo-check resume "$ID4" "go on" ::: \
  env KODEX_HOME="$T/kh0" "$T/kodex" exec --skip-git-repo-check resume "$ID0" "go on"
echo
echo "sessions list with $(find "$T/kh/sessions" -name '*.jsonl' | wc -l) sessions (target: ≤ 100 ms)"
"$T/measure" -n "$RUNS" -label "sessions list (this cwd, 50)" -label "sessions list --json" -label "sessions list --all -n 0" -- \
  env KODEX_HOME="$T/kh" "$T/kodex" sessions list ::: \
  env KODEX_HOME="$T/kh" "$T/kodex" sessions list --json ::: \
  env KODEX_HOME="$T/kh" "$T/kodex" sessions list --all -n 0
