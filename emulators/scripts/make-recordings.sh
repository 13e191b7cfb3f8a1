#!/usr/bin/env bash
# Generates the emulators' recordings: short two-voice conversations spoken by espeak-ng
# (agent and caller with different voices), encoded the way the vendors deliver audio.
#
#   emulators/scripts/make-recordings.sh   # writes emulators/assets/recordings/*
#
# Needs: espeak-ng sox lame (Debian: apt-get install espeak-ng sox lame).
# Output per conversation NAME:
#   NAME-cbr.mp3     MP3, 32 kbit/s constant bit rate, 16 kHz mono
#   NAME-vbr.mp3     MP3, variable bit rate (lame -V 7), 16 kHz mono
#   NAME-pcm16.wav   WAV, 16-bit PCM, 8 kHz mono
#   NAME-ulaw.wav    WAV, µ-law, 8 kHz mono (telephony)
#   NAME-stereo.wav  WAV, 16-bit PCM, 8 kHz, agent on the left channel, caller on the right
#                    (only en-appointment, to keep the assets small)
#   NAME.turns.tsv   the turns' times (ground truth for the turn alignment): one line per turn,
#                    SPEAKER<TAB>START<TAB>END<TAB>TEXT, speaker A (agent) or C (caller), seconds
#                    from the start of the recording (each turn is its espeak clip, then 0.25 s of
#                    silence; the clip's own leading and trailing silence is inside START..END)
#
#   MANIFESTS_ONLY=1 emulators/scripts/make-recordings.sh
#                    writes only the manifests and checks that their total length matches the
#                    committed pcm16 WAV (the audio files are left as they are)
# The files are committed; rerun only to change them (the output is deterministic for a given
# espeak-ng/sox/lame version).
set -euo pipefail
cd "$(dirname "$0")/.."
out=assets/recordings
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# NAME  AGENT_VOICE  CALLER_VOICE  then lines "A|text" or "C|text" on stdin.
conversation() {
    local name=$1 agent=$2 caller=$3
    local n=0 parts_mono=() parts_left=() parts_right=() at=0 len
    : >"$work/$name.turns.tsv"
    sox -n -r 16000 -c 1 -b 16 "$work/gap.wav" trim 0 0.25
    while IFS='|' read -r who text; do
        [ -z "$who" ] && continue
        n=$((n + 1))
        local voice=$agent
        [ "$who" = C ] && voice=$caller
        espeak-ng -v "$voice" -s 175 -w "$work/raw-$n.wav" "$text"
        sox "$work/raw-$n.wav" -r 16000 -c 1 -b 16 "$work/t-$n.wav" norm -3
        sox "$work/t-$n.wav" "$work/s-$n.wav" vol 0
        len=$(soxi -D "$work/t-$n.wav")
        awk -v w="$who" -v at="$at" -v len="$len" -v text="$text" \
            'BEGIN { printf "%s\t%.4f\t%.4f\t%s\n", w, at, at + len, text }' >>"$work/$name.turns.tsv"
        at=$(awk -v at="$at" -v len="$len" 'BEGIN { printf "%.6f", at + len + 0.25 }')
        parts_mono+=("$work/t-$n.wav" "$work/gap.wav")
        if [ "$who" = A ]; then
            parts_left+=("$work/t-$n.wav" "$work/gap.wav")
            parts_right+=("$work/s-$n.wav" "$work/gap.wav")
        else
            parts_left+=("$work/s-$n.wav" "$work/gap.wav")
            parts_right+=("$work/t-$n.wav" "$work/gap.wav")
        fi
    done
    if [ "${MANIFESTS_ONLY:-}" = 1 ]; then
        # The manifest must describe the committed audio: same total length (to a sample at 8 kHz).
        local committed
        committed=$(soxi -D "$out/$name-pcm16.wav")
        if ! awk -v a="$at" -v b="$committed" 'BEGIN { d = a - b; exit !(d < 0.0002 && d > -0.0002) }'; then
            echo "$name: the turns add up to $at s but $out/$name-pcm16.wav is $committed s;" \
                "this espeak-ng/sox differs from the one that made the audio: manifest not written" >&2
            return 1
        fi
        cp "$work/$name.turns.tsv" "$out/$name.turns.tsv"
        echo "$name: manifest of $n turns, $at s (matches the committed audio)"
        return 0
    fi
    cp "$work/$name.turns.tsv" "$out/$name.turns.tsv"
    sox "${parts_mono[@]}" "$work/$name.wav"
    sox "${parts_left[@]}" "$work/$name-l.wav"
    sox "${parts_right[@]}" "$work/$name-r.wav"
    lame --quiet --cbr -b 32 --resample 16 -m m "$work/$name.wav" "$out/$name-cbr.mp3"
    lame --quiet -V 7 --resample 16 -m m "$work/$name.wav" "$out/$name-vbr.mp3"
    sox "$work/$name.wav" -r 8000 -b 16 -e signed-integer "$out/$name-pcm16.wav"
    sox "$work/$name.wav" -r 8000 -e u-law "$out/$name-ulaw.wav"
    if [ "${STEREO:-}" = 1 ]; then
        sox -M "$work/$name-l.wav" "$work/$name-r.wav" -r 8000 -b 16 -e signed-integer "$out/$name-stereo.wav"
    fi
    echo "$name: $(soxi -D "$out/$name-pcm16.wav") s"
}

STEREO=1 conversation en-appointment en-us+f3 en-gb+m3 <<'TXT'
A|Thank you for calling Valley Health Clinic. This is the virtual assistant. How can I help you today?
C|Hi, I'd like to move my appointment with Doctor Patel. I can't make it on Thursday.
A|Of course. Can you tell me your date of birth, please?
C|June fifteenth, nineteen eighty five.
A|Thank you. I have an opening on Monday at ten thirty, or Tuesday at two in the afternoon.
C|Tuesday at two works for me.
A|Done. You are booked for Tuesday at two p.m. with Doctor Patel. Is there anything else?
C|No, that's all. Thanks a lot, bye.
TXT

conversation de-rezept de+f2 de+m1 <<'TXT'
A|Praxis Doktor Weber, guten Tag. Sie sprechen mit der virtuellen Rezeption. Was kann ich für Sie tun?
C|Guten Tag, ich bräuchte ein neues Rezept für mein Blutdruckmittel.
A|Gerne. Wie ist Ihr Name und Ihr Geburtsdatum?
C|Jürgen Müller, dritter März neunzehnhundertsechzig.
A|Danke, Herr Müller. Das Rezept liegt ab morgen um zehn Uhr an der Anmeldung bereit.
C|Wunderbar, vielen Dank. Auf Wiederhören.
TXT

conversation fr-annulation fr+f3 fr+m2 <<'TXT'
A|Clinique Sainte-Marie, bonjour. Je suis l'assistante virtuelle. Comment puis-je vous aider?
C|Bonjour, je voudrais annuler mon rendez-vous de vendredi matin.
A|Très bien. Quel est votre nom, s'il vous plaît?
C|Sophie Tremblay.
A|Merci madame Tremblay. Votre rendez-vous de vendredi à neuf heures est annulé. Voulez-vous en prendre un autre?
C|Non merci, je rappellerai la semaine prochaine. Au revoir.
TXT

ls -l "$out"
