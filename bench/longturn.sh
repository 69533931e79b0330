#!/usr/bin/env bash
# bench/longturn.sh [RUNS] [CALLS]: one exec turn of CALLS (100) shell calls
# that each print ~1 MB, against the scripted model (bench/fakemodel), for
# kodex and for the real Codex CLI (installed by scripts/test-deps.sh under
# test/compare), alternated: median wall and CPU time, peak RSS, and the
# ratio to kodex's wall time (bench/measure). Automatic compaction is off on
# both sides (the scripted model does not summarise).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
CALLS=${2:-100}
CODEX=test/compare/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex
[[ -x $CODEX ]] || { echo "longturn: the Codex CLI is not installed: run scripts/test-deps.sh" >&2; exit 1; }
CODEX=$PWD/$CODEX
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$T/kodex" ./cmd/kodex
go build -o "$T/fakemodel" ./bench/fakemodel
go build -o "$T/measure" ./bench/measure
python3 - "$T" "$CALLS" <<'PY'
import json, sys
t, n = sys.argv[1], int(sys.argv[2])
cmd = "yes abcdefghijklmnopqrstuvwxyz | head -c 1000000"
calls = lambda name, args: [{"calls": [{"name": name, "call_id": f"c{i}", "arguments": args}]} for i in range(n)]
json.dump({"responses": calls("shell", {"command": ["bash", "-c", cmd]}) + [{"text": "done"}]}, open(t + "/kodex.json", "w"))
json.dump({"responses": calls("exec_command", {"cmd": cmd, "login": False}) + [{"text": "done"}]}, open(t + "/codex.json", "w"))
PY
mkdir -p "$T/ws" "$T/kh" "$T/ch"
git -C "$T/ws" init -q
"$T/fakemodel" -script "$T/kodex.json" >"$T/k.url" &
"$T/fakemodel" -script "$T/codex.json" >"$T/c.url" &
for _ in $(seq 100); do [[ -s $T/k.url && -s $T/c.url ]] && break; sleep 0.05; done
provider() { printf 'model = "gpt-5.5"\nmodel_provider = "fake"\n%s\n[model_providers.fake]\nname = "fake"\nbase_url = "%s"\nenv_key = "FAKE_API_KEY"\nwire_api = "responses"\n' "$1" "$(head -1 "$2")"; }
provider $'model_auto_compact_token_limit = 100000000\n[features]\nunified_exec = false' "$T/k.url" >"$T/kh/config.toml"
provider $'check_for_update_on_startup = false\nmodel_auto_compact_token_limit = 100000000\n[analytics]\nenabled = false' "$T/c.url" >"$T/ch/config.toml"
cd "$T/ws"
echo "one exec turn, $CALLS shell calls of ~1 MB output each (RUNS=$RUNS):"
FAKE_API_KEY=x "$T/measure" -n "$RUNS" -label kodex -label "codex (test/compare)" -- \
  env KODEX_HOME="$T/kh" "$T/kodex" exec --full-auto go ::: \
  env CODEX_HOME="$T/ch" "$CODEX" exec -s workspace-write go
