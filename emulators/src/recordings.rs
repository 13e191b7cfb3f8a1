//! Real speech recordings the emulators serve: short two-voice conversations spoken by espeak-ng
//! and encoded the way the vendors deliver audio (`scripts/make-recordings.sh` made them; the
//! files are in `assets/recordings/` and compiled into the binary).

use std::sync::Arc;

use super::net::ByteSource;

/// How a recording is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AudioFormat {
    /// MP3, 32 kbit/s constant bit rate, 16 kHz mono.
    Mp3Cbr,
    /// MP3, variable bit rate, 16 kHz mono.
    Mp3Vbr,
    /// WAV, 16-bit PCM, 8 kHz mono.
    WavPcm16,
    /// WAV, µ-law, 8 kHz mono (telephony).
    WavMulaw,
    /// WAV, 16-bit PCM, 8 kHz, agent on the left channel, caller on the right.
    WavStereo,
}

impl AudioFormat {
    pub const ALL: [AudioFormat; 5] = [
        AudioFormat::Mp3Cbr,
        AudioFormat::Mp3Vbr,
        AudioFormat::WavPcm16,
        AudioFormat::WavMulaw,
        AudioFormat::WavStereo,
    ];

    /// The `Content-Type` a vendor would send (`audio/mpeg` or `audio/wav`).
    pub fn content_type(self) -> &'static str {
        if self.is_mp3() {
            "audio/mpeg"
        } else {
            "audio/wav"
        }
    }

    pub fn extension(self) -> &'static str {
        if self.is_mp3() { "mp3" } else { "wav" }
    }

    pub fn is_mp3(self) -> bool {
        matches!(self, AudioFormat::Mp3Cbr | AudioFormat::Mp3Vbr)
    }
}

/// One recorded conversation in one format.
#[derive(Debug)]
pub struct Clip {
    /// `en-appointment`, `de-rezept`, `fr-annulation`.
    pub name: &'static str,
    /// ISO 639-1 language of the conversation.
    pub language: &'static str,
    pub format: AudioFormat,
    pub bytes: &'static [u8],
}

macro_rules! clip {
    ($name:literal, $lang:literal, $format:ident, $suffix:literal) => {
        Clip {
            name: $name,
            language: $lang,
            format: AudioFormat::$format,
            bytes: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/assets/recordings/",
                $name,
                "-",
                $suffix
            )),
        }
    };
}

static CLIPS: &[Clip] = &[
    clip!("en-appointment", "en", Mp3Cbr, "cbr.mp3"),
    clip!("en-appointment", "en", Mp3Vbr, "vbr.mp3"),
    clip!("en-appointment", "en", WavPcm16, "pcm16.wav"),
    clip!("en-appointment", "en", WavMulaw, "ulaw.wav"),
    clip!("en-appointment", "en", WavStereo, "stereo.wav"),
    clip!("de-rezept", "de", Mp3Cbr, "cbr.mp3"),
    clip!("de-rezept", "de", Mp3Vbr, "vbr.mp3"),
    clip!("de-rezept", "de", WavPcm16, "pcm16.wav"),
    clip!("de-rezept", "de", WavMulaw, "ulaw.wav"),
    clip!("fr-annulation", "fr", Mp3Cbr, "cbr.mp3"),
    clip!("fr-annulation", "fr", Mp3Vbr, "vbr.mp3"),
    clip!("fr-annulation", "fr", WavPcm16, "pcm16.wav"),
    clip!("fr-annulation", "fr", WavMulaw, "ulaw.wav"),
];

/// Every clip.
pub fn all() -> &'static [Clip] {
    CLIPS
}

/// The clips in one format (never empty).
pub fn in_format(format: AudioFormat) -> impl Iterator<Item = &'static Clip> {
    CLIPS.iter().filter(move |c| c.format == format)
}

/// A clip for a call: the given format, the conversation chosen by `index` (preferring
/// `language` when a clip in it exists). Deterministic for the same arguments.
pub fn pick(format: AudioFormat, language: Option<&str>, index: u64) -> &'static Clip {
    let same_lang: Vec<&'static Clip> = in_format(format)
        .filter(|c| language.is_some_and(|l| l.eq_ignore_ascii_case(c.language)))
        .collect();
    let pool: Vec<&'static Clip> = if same_lang.is_empty() {
        in_format(format).collect()
    } else {
        same_lang
    };
    // `in_format` is never empty: every format has the English clip.
    pool[(index % pool.len() as u64) as usize]
}

/// One turn of a recorded conversation and when it is heard (from `NAME.turns.tsv`, written by
/// `scripts/make-recordings.sh` from the clips it joined: ground truth for turn alignment).
#[derive(Clone, Debug, PartialEq)]
pub struct TurnTiming {
    /// 0 = agent (left channel in stereo), 1 = caller (right channel), as in [`super::wav::Segment`].
    pub speaker: usize,
    /// Seconds from the start of the recording: the turn's clip, its own leading and trailing
    /// silence included (every format but MP3, which may start up to ~140 ms later).
    pub start: f64,
    pub end: f64,
    pub text: &'static str,
}

static MANIFESTS: &[(&str, &str)] = &[
    (
        "en-appointment",
        include_str!("../assets/recordings/en-appointment.turns.tsv"),
    ),
    (
        "de-rezept",
        include_str!("../assets/recordings/de-rezept.turns.tsv"),
    ),
    (
        "fr-annulation",
        include_str!("../assets/recordings/fr-annulation.turns.tsv"),
    ),
];

/// The turns of the conversation `name` (`en-appointment`, …) with their times, in order; empty
/// for an unknown name.
pub fn turn_times(name: &str) -> Vec<TurnTiming> {
    MANIFESTS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or_else(Vec::new, |(_, tsv)| parse_turns(tsv))
}

/// Parses `SPEAKER<TAB>START<TAB>END<TAB>TEXT` lines; a malformed line is skipped.
fn parse_turns(tsv: &'static str) -> Vec<TurnTiming> {
    tsv.lines()
        .filter_map(|line| {
            let mut f = line.splitn(4, '\t');
            let speaker = match f.next()? {
                "A" => 0,
                "C" => 1,
                _ => return None,
            };
            let start = f.next()?.parse().ok()?;
            let end = f.next()?.parse().ok()?;
            Some(TurnTiming {
                speaker,
                start,
                end,
                text: f.next()?,
            })
        })
        .collect()
}

/// A clip as a [`ByteSource`] for [`super::net::serve_bytes`] and [`super::net::ranged_body`].
pub fn source(clip: &'static Clip) -> Arc<dyn ByteSource> {
    Arc::new(StaticBytes(clip.bytes))
}

struct StaticBytes(&'static [u8]);

impl ByteSource for StaticBytes {
    fn byte_len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, out: &mut [u8]) {
        let start = (offset as usize).min(self.0.len());
        let end = (start + out.len()).min(self.0.len());
        out[..end - start].copy_from_slice(&self.0[start..end]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_clips_and_headers_match() {
        for f in AudioFormat::ALL {
            assert!(in_format(f).count() >= 1, "{f:?}");
            for c in in_format(f) {
                if f.is_mp3() {
                    // ID3 tag or an MPEG frame sync.
                    assert!(
                        c.bytes.starts_with(b"ID3")
                            || (c.bytes[0] == 0xFF && c.bytes[1] & 0xE0 == 0xE0),
                        "{} {f:?}",
                        c.name
                    );
                } else {
                    assert_eq!(&c.bytes[0..4], b"RIFF", "{}", c.name);
                    assert_eq!(&c.bytes[8..12], b"WAVE", "{}", c.name);
                    let fmt_tag = u16::from_le_bytes([c.bytes[20], c.bytes[21]]);
                    let channels = u16::from_le_bytes([c.bytes[22], c.bytes[23]]);
                    match f {
                        AudioFormat::WavMulaw => assert_eq!(fmt_tag, 7, "{}", c.name),
                        AudioFormat::WavStereo => assert_eq!(channels, 2, "{}", c.name),
                        _ => assert_eq!((fmt_tag, channels), (1, 1), "{}", c.name),
                    }
                }
            }
        }
    }

    #[test]
    fn every_conversation_has_its_turn_times() {
        for name in ["en-appointment", "de-rezept", "fr-annulation"] {
            let turns = turn_times(name);
            assert!(turns.len() >= 6, "{name}");
            assert_eq!(turns[0].speaker, 0, "{name}");
            assert_eq!(turns[0].start, 0.0, "{name}");
            for w in turns.windows(2) {
                assert!(w[0].start < w[0].end, "{name}");
                // Each turn is followed by 0.25 s of silence.
                assert!((w[1].start - w[0].end - 0.25).abs() < 0.001, "{name}");
                assert_ne!(w[0].speaker, w[1].speaker, "{name}");
            }
            assert!(turns.iter().all(|t| !t.text.is_empty()), "{name}");
            // The last turn and its gap end where the recording does.
            let clip = all()
                .iter()
                .find(|c| c.name == name && c.format == AudioFormat::WavPcm16)
                .map(|c| (c.bytes.len() - 44) as f64 / 16000.0);
            let last = turns.last().map(|t| t.end + 0.25);
            assert!(
                matches!((clip, last), (Some(c), Some(l)) if (c - l).abs() < 0.001),
                "{name}: {clip:?} {last:?}"
            );
        }
        assert!(turn_times("nope").is_empty());
    }

    #[test]
    fn pick_prefers_the_language_and_is_deterministic() {
        let c = pick(AudioFormat::Mp3Cbr, Some("de"), 7);
        assert_eq!(c.language, "de");
        assert_eq!(pick(AudioFormat::WavStereo, Some("fr"), 3).language, "en");
        assert_eq!(
            pick(AudioFormat::WavPcm16, None, 5).name,
            pick(AudioFormat::WavPcm16, None, 5).name
        );
        let src = source(c);
        let mut buf = [0u8; 3];
        src.read_at(0, &mut buf);
        assert_eq!(&buf, &c.bytes[..3]);
    }
}
