#!/usr/bin/env bash
# Generates the committed test recordings that cannot be encoded in Rust (see
# src/testaudio.rs): MP3s of the position tones and a GSM 6.10 WAV.
#
#   emulators/scripts/make-test-audio.sh   # writes emulators/assets/test-audio/*
#
# Needs: cargo, sox, lame (Debian: apt-get install sox lame; installed when missing).
# The sources are written by the example `test_audio_source` from the same generator as the
# WAV test recordings. Output:
#   position-cbr.mp3         MP3, 32 kbit/s CBR, 16 kHz mono, 60 s (no Info/LAME tag: lame
#                            leaves it out of 144-byte frames)
#   position-vbr.mp3         MP3, VBR (lame -V 9, Xing/LAME header), 16 kHz mono, 60 s
#   position-vbr-noxing.mp3  MP3, VBR without a Xing header (lame -t -V 9), 16 kHz mono, 120 s:
#                            the first 15 s mixed with loud white noise (frames of ~29 kbit/s),
#                            the rest the tones alone, quiet (~9 kbit/s), so that a duration
#                            estimated from the first frames' average size is far too short
#                            (about 40 s)
#   position-gsm.wav         WAV, GSM 6.10 (format tag 0x0031), 8 kHz mono, 10 s
# The files are committed; rerun only to change them (deterministic for a given sox/lame).
set -euo pipefail
cd "$(dirname "$0")/.."
out=assets/test-audio
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

if ! command -v sox >/dev/null || ! command -v lame >/dev/null; then
    apt-get install -y sox lame
fi

# The crate includes these files: placeholders let it build the first time.
for f in position-cbr.mp3 position-vbr.mp3 position-vbr-noxing.mp3 position-gsm.wav; do
    [ -e "$out/$f" ] || : >"$out/$f"
done

src() {
    cargo run --quiet -p callbrowser-emulators --example test_audio_source -- "$@"
}

src position 16000 60 "$work/pos16k-60.wav"
src noisy-intro 16000 120 15 "$work/noisy16k-120.wav"
src position 8000 10 "$work/pos8k-10.wav"

lame --quiet --cbr -b 32 -m m "$work/pos16k-60.wav" "$out/position-cbr.mp3"
lame --quiet -V 9 -m m "$work/pos16k-60.wav" "$out/position-vbr.mp3"
lame --quiet -t -V 9 -m m "$work/noisy16k-120.wav" "$out/position-vbr-noxing.mp3"
sox "$work/pos8k-10.wav" -e gsm-full-rate "$out/position-gsm.wav"

for f in "$out"/*; do
    echo "$f: $(stat -c %s "$f") bytes"
done
