#!/usr/bin/env bash
# bench/tui-idle.sh [SECONDS] [TURNS]: what an idle TUI costs (issue 12).
# Starts the kodex TUI in a detached tmux pane (100×30) against
# bench/fakemodel, runs TURNS (3) one-answer turns, lets it settle, then
# counts its system calls with `strace -c -f` and its CPU time from /proc
# over SECONDS (10), and its resident memory at the start and the end of
# that window; beside it a Go program blocked reading stdin (the floor: no
# system calls at all). Target: an idle TUI makes no wake-ups (only the
# terminal's input, the session's events and a running turn's spinner wake
# it). Then it types a line and checks the screen shows it: the paused
# renderer wakes up. KODEX_BENCH_BIN=PATH measures that binary instead.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
TURNS=${2:-3}
T=$(mktemp -d)
SOCK=kodex-idle-$$
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
for tool in tmux strace; do
  command -v "$tool" >/dev/null || { echo "bench/tui-idle.sh needs $tool" >&2; exit 1; }
done
if [[ -n ${KODEX_BENCH_BIN:-} ]]; then
  cp "$KODEX_BENCH_BIN" "$T/kodex"
else
  CGO_ENABLED=0 go build -trimpath -o "$T/kodex" ./cmd/kodex
fi
go build -o "$T/fakemodel" ./bench/fakemodel
mkdir -p "$T/block" "$T/home" "$T/ws"
cat >"$T/block/main.go" <<'GO'
package main

import "os"

func main() { _, _ = os.Stdin.Read(make([]byte, 1)) }
GO
(cd "$T/block" && go mod init block >/dev/null 2>&1 && CGO_ENABLED=0 go build -o "$T/blocked" .)
"$T/fakemodel" -builtin answer >"$T/url" &
for _ in $(seq 100); do [[ -s $T/url ]] && break; sleep 0.05; done
printf 'model = "gpt-5.5"\nmodel_provider = "fake"\n[model_providers.fake]\nname = "fake"\nbase_url = "%s"\nenv_key = "FAKE_API_KEY"\nwire_api = "responses"\n[projects."%s"]\ntrust_level = "trusted"\n' \
  "$(head -1 "$T/url")" "$T/ws" >"$T/home/config.toml"

tmux -L "$SOCK" -f /dev/null new-session -d -x 100 -y 30 -s idle \
  "cd $T/ws && exec env KODEX_HOME=$T/home FAKE_API_KEY=x TERM=xterm-256color $T/kodex"
tmux -L "$SOCK" new-window -d -t idle "exec $T/blocked"
screen() { tmux -L "$SOCK" capture-pane -p -t idle:0; }
waitfor() { # waitfor TEXT: poll the screen for up to 20 s
  for _ in $(seq 200); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
  echo "the TUI never showed \"$1\"; screen:" >&2; screen >&2; exit 1
}
waitfor "Ask kodex"
for i in $(seq "$TURNS"); do
  tmux -L "$SOCK" send-keys -t idle:0 "question $i" Enter
  waitfor "question $i"
done
sleep 2 # the last turn's frames and its spinner settle
pane() { tmux -L "$SOCK" list-panes -t "idle:$1" -F '#{pane_pid}'; }
KPID=$(pane 0)
BPID=$(pane 1)

cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }           # utime+stime, clock ticks
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }        # KiB
# Context switches of all the process's threads: every wake-up is one, and
# counting them needs no tracer (attaching strace itself wakes the Go
# runtime's threads: a burst of ~50 calls in its first 100 ms).
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}'; }
measure() { # measure LABEL PID
  local r0 c0 c1 s0 s1 calls hz
  r0=$(rss "$2"); c0=$(cpu "$2"); s0=$(switches "$2")
  sleep "$SECS"
  c1=$(cpu "$2"); s1=$(switches "$2"); hz=$(getconf CLK_TCK)
  timeout -s INT "$SECS" strace -c -f -p "$2" -o "$T/strace.$2" 2>/dev/null || true
  calls=$(awk '$NF == "total" {print $4}' "$T/strace.$2")
  printf '%-30s %6s wake-ups (%s/s)  CPU %s%% of a core  RSS %s → %s KiB  strace -c: %s syscalls\n' "$1" \
    $((s1 - s0)) "$(awk -v c=$((s1 - s0)) -v s="$SECS" 'BEGIN {printf "%.1f", c/s}')" \
    "$(awk -v d=$((c1 - c0)) -v hz="$hz" -v s="$SECS" 'BEGIN {printf "%.2f", 100*d/hz/s}')" "$r0" "$(rss "$2")" "${calls:-0}"
}
echo "idle for ${SECS} s after ${TURNS} turns (context switches and CPU from /proc; then ${SECS} s under strace -c -f):"
measure "Go program blocked on stdin" "$BPID"
measure "kodex TUI, idle" "$KPID"
echo
echo "top system calls of the idle TUI:"
sed -n '3,8p' "$T/strace.$KPID"
tmux -L "$SOCK" send-keys -t idle:0 "typed after the idle window"
waitfor "typed after the idle window"
echo "a key typed after the idle window reached the screen: the renderer woke up"
