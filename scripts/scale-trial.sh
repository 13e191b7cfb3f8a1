#!/usr/bin/env bash
# The scale trial on the running program: the AlloMia emulator serving 100,000 calls in its own
# process (examples/scale_server.rs), the release callbrowser pointed at it in tmux, "all
# organizations" opened and G pressed (every page merged), then:
#   - resident memory of the callbrowser process (VmRSS, peak VmHWM from /proc/PID/status),
#   - key → frame on the running binary with 100,000 calls loaded (CALLBROWSER_TRACE writes when
#     each key is taken from the event queue and when each frame is drawn): j, o (sort), O,
#     a local filter and its removal.
# Usage: scripts/scale-trial.sh [CALLS]   (needs tmux; builds the release binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-100000}
cargo build --release --quiet --bin callbrowser --example scale_server
bin=$PWD/target/release/callbrowser
tmp=$(mktemp -d)
sock="cb-scale-$$"
server_pid=
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

target/release/examples/scale_server "$calls" "$tmp/config.toml" >"$tmp/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do grep -q '^config:' "$tmp/server.out" 2>/dev/null && break; sleep 0.1; done
head -1 "$tmp/server.out"
served=$(awk '/^serving/{print $2}' "$tmp/server.out")

trace="$tmp/trace"
tmux -L "$sock" new-session -d -s s -x 160 -y 45 \
    "env HOME=$tmp XDG_CONFIG_HOME=$tmp/cfg XDG_STATE_HOME=$tmp/state XDG_DATA_HOME=$tmp/data TZ=UTC CALLBROWSER_TRACE=$trace $bin --config $tmp/config.toml"
screen() { tmux -L "$sock" capture-pane -p -t s; }
wait_for() { # pattern, seconds
    for _ in $(seq 1 $(($2 * 10))); do screen | grep -Eq "$1" && return 0; sleep 0.1; done
    echo "timed out waiting for: $1"; screen; exit 1
}
keys() { for k in "$@"; do tmux -L "$sock" send-keys -t s "$k"; sleep 0.3; done; }

wait_for 'page 1 of' 30
pid=$(pgrep -n -x callbrowser)
rss() { awk -v f="$1" '$1==f{printf "%.1f", $2/1024}' "/proc/$pid/status"; }
echo "started: resident $(rss VmRSS:) MB"
# The sidebar: Follow-ups, AlloMia, all organizations, the organizations (the cursor on the first).
keys Tab k Enter
wait_for 'all organizations · 1 of' 30
start=$(date +%s.%N)
keys G
wait_for " of ${served}([^0-9+]|$)" 600
loaded=$(date +%s.%N)
sleep 2
echo "loaded ${served} calls with G in $(echo "$loaded - $start" | bc) s"
echo "resident with every call loaded: $(rss VmRSS:) MB (peak $(rss VmHWM:) MB)"

lines_before=$(wc -l <"$trace")
keys g j j j j j j j j j j o o O
keys / h a s : r e c o r d i n g Enter
sleep 2
keys Escape
sleep 2
echo "after sorting and filtering: resident $(rss VmRSS:) MB (peak $(rss VmHWM:) MB)"
echo "key → next frame on the running program (ms), in order: g, j×10, o, o, O, the filter line's keys, Enter (filtering 100,000 calls), Esc (the filter cleared)"
tail -n +"$((lines_before + 1))" "$trace" | awk '
    /^key /   { if (k == "") k = $2; next }
    /^frame / { if (k != "") { printf "%.2f\n", $3 - k; k = "" } }' >"$tmp/deltas"
tr '\n' ' ' <"$tmp/deltas"; echo
n=$(wc -l <"$tmp/deltas")
sort -n "$tmp/deltas" | awk -v n="$n" '
    NR == int((n + 1) / 2) { med = $1 } { max = $1 }
    END { printf "keys %d, median %.2f ms, max %.2f ms\n", n, med, max }'
keys q
