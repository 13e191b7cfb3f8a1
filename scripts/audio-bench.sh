#!/usr/bin/env bash
# The recording player's figures beside mpv and ffplay (time to first sound, seeks, CPU): starts
# a private PulseAudio server with a null sink (no sound card needed), then runs
# `cargo run --release --example audio_latency` against it and prints markdown tables.
#
# Usage: scripts/audio-bench.sh [--runs N] [--seeks N] [--only first,seek,cpu] [--no-external]
#                               [--formats wav,mp3] [--outputs null,pulse]
#        scripts/audio-bench.sh --repro-drop-hang | --seek-to SECS,…   (the stalls it found)
# A player that does not stop ends the run (exit 2) with what was measured so far: MP3 seeks
# stall now and then, so measure them apart (--only seek --formats mp3 --outputs null).
# Needs Debian's mpv, ffmpeg, pulseaudio and pulseaudio-utils (installed with apt-get when run as
# root and missing). Builds with CARGO_BUILD_JOBS=1 unless told otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need mpv mpv
need ffplay ffmpeg
need pulseaudio pulseaudio
need parec pulseaudio-utils
need pacat pulseaudio-utils
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            $(printf '%s\n' "${missing[@]}" | sort -u)
    else
        echo "missing: ${missing[*]} (apt-get install them)" >&2
        exit 1
    fi
fi

export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}
cargo build --release --example audio_latency

# A PulseAudio server of our own, in a private runtime folder.
rt=$(mktemp -d /tmp/audio-bench.XXXXXX)
chmod 700 "$rt"
export XDG_RUNTIME_DIR=$rt
stop() {
    if [ -f "$rt/pulse/pid" ]; then
        kill "$(cat "$rt/pulse/pid")" 2>/dev/null || true
        sleep 0.3
    fi
    rm -rf "$rt"
}
trap stop EXIT
pulseaudio -n --daemonize=yes --exit-idle-time=-1 \
    -L "module-native-protocol-unix auth-anonymous=1" \
    -L "module-null-sink sink_name=nullsink" \
    -L module-always-sink 2>/dev/null
for _ in $(seq 1 50); do [ -S "$rt/pulse/native" ] && break; sleep 0.1; done
export PULSE_SERVER=unix:$rt/pulse/native
export SDL_AUDIODRIVER=pulseaudio
pactl info >/dev/null

echo "mpv: $(mpv --version | head -1)" >&2
echo "ffplay: $(ffplay -version 2>/dev/null | head -1)" >&2
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
./target/release/examples/audio_latency "$@"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
