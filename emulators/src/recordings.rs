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
