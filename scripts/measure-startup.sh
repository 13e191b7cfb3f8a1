#!/usr/bin/env bash
# Measures the demo: time from start to the first frame and to the first page of calls on
# screen, then CPU time and redraws over 10 s of idling with the TUI open.
# Usage: scripts/measure-startup.sh [runs]   (needs tmux; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet
bin=$PWD/target/release/callbrowser
tmp=$(mktemp -d)
sock="cb-measure-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT
tick=$(getconf CLK_TCK)

for i in $(seq 1 "$runs"); do
    trace="$tmp/trace-$i"
    tmux -L "$sock" new-session -d -s m -x 160 -y 45 \
        "env HOME=$tmp XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/state CALLBROWSER_TRACE=$trace $bin"
    for _ in $(seq 1 100); do grep -q first_calls_frame_ms "$trace" 2>/dev/null && break; sleep 0.1; done
    ff=$(awk '/first_frame_ms/{print $2}' "$trace")
    fc=$(awk '/first_calls_frame_ms/{print $2}' "$trace")
    echo "run $i: first frame ${ff} ms, first page of calls ${fc} ms"
    if [ "$i" = "$runs" ]; then
        pid=$(tmux -L "$sock" list-panes -t m -F '#{pane_pid}')
        sleep 1
        frames0=$(grep -c '^frame ' "$trace")
        cpu0=$(awk '{print $14+$15}' "/proc/$pid/stat")
        sleep 10
        cpu1=$(awk '{print $14+$15}' "/proc/$pid/stat")
        frames1=$(grep -c '^frame ' "$trace")
        echo "idle 10 s: CPU $(( (cpu1-cpu0) * 1000 / tick )) ms, redraws $((frames1-frames0))"
    fi
    tmux -L "$sock" send-keys -t m q
    sleep 0.5
    tmux -L "$sock" kill-server 2>/dev/null || true
done
