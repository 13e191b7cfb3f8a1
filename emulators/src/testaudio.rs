//! Deterministic test recordings for the audio player's tests: audio whose content tells the
//! position it was taken from, in every format the vendors deliver, plus files made to break
//! players (a truncated WAV, a VBR MP3 without a Xing header, a GSM 6.10 WAV).
//!
//! # Position tones
//! A sine of amplitude [`TONE_AMPLITUDE`] whose frequency changes every [`SLOT_SECS`] (100 ms):
//! slot `i = floor(t / 0.1)` sounds at `f(i) = 300 + 40 * (i % 50)` Hz ([`position_tone_hz`]).
//! Measuring the frequency of ~40 ms of audio taken inside one slot ([`detect_slot`], a
//! Goertzel filter over the 50 candidate frequencies) gives `i % 50`: the position modulo
//! [`CYCLE_SECS`] (5 s) to ±50 ms. Every slot holds a whole number of cycles
//! (`0.1 * f(i) = 30 + 4 * (i % 50)`), so each slot starts at phase 0 and the wave is phase
//! continuous (no clicks) and exactly periodic every 5 s. At 8 kHz a slot is 800 samples, at
//! 16 kHz 1,600.
//!
//! # Formats ([`TestFormat`], [`position_tones`])
//! - WAV at 8 kHz, generated here on demand: 16-bit PCM mono, µ-law (format tag 7) and A-law
//!   (tag 6) with an 18-byte `fmt ` chunk and a `fact` chunk as proper non-PCM WAVs have (G.711
//!   encoded here, [`linear_to_ulaw`], [`linear_to_alaw`]), and 16-bit PCM stereo whose left
//!   channel is the position tones and whose right channel is a steady [`RIGHT_TONE_HZ`] tone at
//!   amplitude [`RIGHT_AMPLITUDE`] (so a channel choice is testable).
//! - MP3 at 16 kHz mono, made once by `scripts/make-test-audio.sh` (lame) and committed in
//!   `assets/test-audio/` (an MP3 cannot be encoded here): CBR 32 kbit/s ([`MP3_SECS`] long,
//!   no Info tag),
//!   VBR with a Xing/LAME header ([`MP3_SECS`]) and VBR **without** a Xing header (`lame -t`,
//!   [`MP3_NO_XING_SECS`] long). For these `secs` is ignored ([`TestFormat::fixed_secs`]).
//!
//! The VBR file without a Xing header is made to be cut short by a decoder that is given the
//! byte length: without a Xing/VBRI header a decoder estimates the duration from the average
//! size of the first frames (symphonia 0.5 averages the first 16 or 17 frames, about 0.6 s, and
//! then trims the audio after the estimate). So its first [`MP3_NO_XING_NOISY_SECS`] (15 s) are
//! the position tones mixed with loud white noise (frames of ~29 kbit/s) and the rest is the
//! position tones alone at amplitude [`MP3_NO_XING_TAIL_AMPLITUDE`] (frames of ~9 kbit/s): the
//! estimate from the first frames is about 40 s of the real [`MP3_NO_XING_SECS`] (120 s; the
//! unit tests check it is under half). Its tones follow the file's own time throughout (slot `i`
//! at `t = 0.1 i`), the noisy part included, and measure back through the noise.
//!
//! An MP3 decoder that reads no LAME tag (the file without a Xing header) outputs the tones
//! late: lame puts 576 samples (36 ms at 16 kHz) before the audio and a decoder that does not
//! compensate its own delay adds 529 more, [`MP3_ENCODER_DELAY_SAMPLES`] in all (69 ms; the
//! "140 ms late" of `AUDIO.md` at 8 kHz). So does the CBR file: lame writes no Info/LAME tag
//! into its 144-byte frames (32 kbit/s at 16 kHz); its length still gives its exact duration.
//! The VBR file with a Xing header carries a LAME tag, which decoders that read it trim by.
//!
//! # Other files
//! [`gsm_wav`]: 10 s of position tones in GSM 6.10 (`sox -e gsm-full-rate`, WAV format tag
//! [`GSM_FMT_TAG`] 0x0031), for the "unsupported codec is named" path. [`tone_wav`] /
//! [`pitch_tone_wav`]: a steady 1 kHz tone (16-bit PCM, 16 kHz mono, 20 s) for pitch tests.
//! [`truncated`]: a file cut to a fraction of its bytes, header unchanged (still promising the
//! whole length). [`mp3_frames`] / [`has_xing_header`] read MP3 frame headers (real duration).

use std::f64::consts::PI;

/// Length of one tone slot in seconds.
pub const SLOT_SECS: f64 = 0.1;
/// Slots before the frequencies repeat.
pub const SLOTS_PER_CYCLE: u32 = 50;
/// The position is recognisable modulo this many seconds.
pub const CYCLE_SECS: f64 = 5.0;
/// Amplitude of the position tones (full scale = 1).
pub const TONE_AMPLITUDE: f64 = 0.5;
/// The steady tone of the stereo file's right channel.
pub const RIGHT_TONE_HZ: f64 = 2500.0;
/// Its amplitude.
pub const RIGHT_AMPLITUDE: f64 = 0.3;
/// Sample rate of the WAV formats.
pub const WAV_RATE: u32 = 8000;
/// Sample rate of the MP3 files.
pub const MP3_RATE: u32 = 16_000;
/// Length of the CBR and VBR (with Xing) MP3 files, in seconds of audio.
pub const MP3_SECS: u32 = 60;
/// Real length of the VBR MP3 without a Xing header, in seconds of audio.
pub const MP3_NO_XING_SECS: f64 = 120.0;
/// Its noisy (high bit rate) beginning, in seconds.
pub const MP3_NO_XING_NOISY_SECS: f64 = 15.0;
/// Amplitude of the tones after the noisy part.
pub const MP3_NO_XING_TAIL_AMPLITUDE: f64 = 0.01;
/// How late a decoder that reads no LAME tag and does not compensate its own delay outputs the
/// tones (lame's 576 + the decoder's 529 samples, 69 ms at 16 kHz).
pub const MP3_ENCODER_DELAY_SAMPLES: u32 = 1105;
/// Length of [`gsm_wav`] in seconds.
pub const GSM_SECS: u32 = 10;
/// WAV format tag of GSM 6.10 (`WAVE_FORMAT_GSM610`).
pub const GSM_FMT_TAG: u16 = 0x0031;
/// Frequency, rate and length of [`pitch_tone_wav`].
pub const PITCH_TONE_HZ: f64 = 1000.0;
pub const PITCH_TONE_RATE: u32 = 16_000;
pub const PITCH_TONE_SECS: u32 = 20;

const MP3_CBR: &[u8] = include_bytes!("../assets/test-audio/position-cbr.mp3");
const MP3_VBR: &[u8] = include_bytes!("../assets/test-audio/position-vbr.mp3");
const MP3_VBR_NO_XING: &[u8] = include_bytes!("../assets/test-audio/position-vbr-noxing.mp3");
const GSM_WAV: &[u8] = include_bytes!("../assets/test-audio/position-gsm.wav");

/// The frequency sounding at `t_secs` (see the module docs). A tiny epsilon keeps `t = 0.3`
/// in slot 3 despite floating point.
pub fn position_tone_hz(t_secs: f64) -> f64 {
    slot_hz((t_secs.max(0.0) / SLOT_SECS + 1e-9).floor() as u64)
}

/// The frequency of slot `slot` (`300 + 40 * (slot % 50)`).
pub fn slot_hz(slot: u64) -> f64 {
    300.0 + 40.0 * (slot % u64::from(SLOTS_PER_CYCLE)) as f64
}

/// Sample `n` (at `sample_rate`, a multiple of 10 Hz) of the position tones, in [-0.5, 0.5].
pub fn position_sample(n: u64, sample_rate: u32) -> f64 {
    let per_slot = u64::from(sample_rate / 10).max(1);
    let (slot, k) = (n / per_slot, n % per_slot);
    let tau = k as f64 / f64::from(sample_rate);
    TONE_AMPLITUDE * (2.0 * PI * slot_hz(slot) * tau).sin()
}

/// A WAV recording format the player must handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TestFormat {
    /// WAV, 16-bit PCM, 8 kHz mono.
    WavPcm16,
    /// WAV, µ-law (format tag 7), 8 kHz mono.
    WavMulaw,
    /// WAV, A-law (format tag 6), 8 kHz mono.
    WavAlaw,
    /// WAV, 16-bit PCM, 8 kHz stereo: position tones left, a steady 2500 Hz tone right.
    WavStereo,
    /// MP3, 32 kbit/s CBR, 16 kHz mono, 60 s (committed asset; no Info/LAME tag).
    Mp3Cbr,
    /// MP3, VBR with a Xing/LAME header, 16 kHz mono, 60 s (committed asset).
    Mp3Vbr,
    /// MP3, VBR without a Xing header, 16 kHz mono, 120 s, noisy first 15 s (committed asset).
    Mp3VbrNoXing,
}

impl TestFormat {
    pub const ALL: [TestFormat; 7] = [
        TestFormat::WavPcm16,
        TestFormat::WavMulaw,
        TestFormat::WavAlaw,
        TestFormat::WavStereo,
        TestFormat::Mp3Cbr,
        TestFormat::Mp3Vbr,
        TestFormat::Mp3VbrNoXing,
    ];

    /// `audio/wav` or `audio/mpeg`.
    pub fn content_type(self) -> &'static str {
        if self.is_mp3() {
            "audio/mpeg"
        } else {
            "audio/wav"
        }
    }

    /// `wav` or `mp3`.
    pub fn extension(self) -> &'static str {
        if self.is_mp3() { "mp3" } else { "wav" }
    }

    pub fn is_mp3(self) -> bool {
        matches!(
            self,
            TestFormat::Mp3Cbr | TestFormat::Mp3Vbr | TestFormat::Mp3VbrNoXing
        )
    }

    /// The length of a committed file (MP3s), whatever `secs` asks; `None` for generated WAVs.
    pub fn fixed_secs(self) -> Option<f64> {
        match self {
            TestFormat::Mp3Cbr | TestFormat::Mp3Vbr => Some(f64::from(MP3_SECS)),
            TestFormat::Mp3VbrNoXing => Some(MP3_NO_XING_SECS),
            _ => None,
        }
    }

    /// Sample rate of the audio (8 kHz WAV, 16 kHz MP3).
    pub fn sample_rate(self) -> u32 {
        if self.is_mp3() { MP3_RATE } else { WAV_RATE }
    }

    /// WAV format tag (1 PCM, 7 µ-law, 6 A-law); `None` for MP3.
    pub fn wav_format_tag(self) -> Option<u16> {
        match self {
            TestFormat::WavPcm16 | TestFormat::WavStereo => Some(1),
            TestFormat::WavMulaw => Some(7),
            TestFormat::WavAlaw => Some(6),
            _ => None,
        }
    }
}

/// `secs` seconds of position tones in `format` (MP3s: the committed file, `secs` ignored).
pub fn position_tones(format: TestFormat, secs: u32) -> Vec<u8> {
    let frames = u64::from(secs) * u64::from(WAV_RATE);
    let mono = || (0..frames).map(|n| to_i16(position_sample(n, WAV_RATE)));
    match format {
        TestFormat::WavPcm16 => wav_pcm16(WAV_RATE, 1, &mono().collect::<Vec<_>>()),
        TestFormat::WavMulaw => wav_g711(7, &mono().map(linear_to_ulaw).collect::<Vec<_>>()),
        TestFormat::WavAlaw => wav_g711(6, &mono().map(linear_to_alaw).collect::<Vec<_>>()),
        TestFormat::WavStereo => {
            let right = |n: u64| {
                let t = n as f64 / f64::from(WAV_RATE);
                to_i16(RIGHT_AMPLITUDE * (2.0 * PI * RIGHT_TONE_HZ * t).sin())
            };
            let samples: Vec<i16> = (0..frames)
                .flat_map(|n| [to_i16(position_sample(n, WAV_RATE)), right(n)])
                .collect();
            wav_pcm16(WAV_RATE, 2, &samples)
        }
        TestFormat::Mp3Cbr => MP3_CBR.to_vec(),
        TestFormat::Mp3Vbr => MP3_VBR.to_vec(),
        TestFormat::Mp3VbrNoXing => MP3_VBR_NO_XING.to_vec(),
    }
}

/// 10 s of position tones in a GSM 6.10 WAV (format tag 0x0031): a codec players do not
/// support, to be named.
pub fn gsm_wav() -> &'static [u8] {
    GSM_WAV
}

/// A steady tone of amplitude 0.5: WAV, 16-bit PCM, mono.
pub fn tone_wav(hz: f64, secs: u32, sample_rate: u32) -> Vec<u8> {
    let frames = u64::from(secs) * u64::from(sample_rate);
    let samples: Vec<i16> = (0..frames)
        .map(|n| to_i16(0.5 * (2.0 * PI * hz * n as f64 / f64::from(sample_rate)).sin()))
        .collect();
    wav_pcm16(sample_rate, 1, &samples)
}

/// The pitch reference: a steady 1 kHz tone, 16-bit PCM, 16 kHz mono, 20 s.
pub fn pitch_tone_wav() -> Vec<u8> {
    tone_wav(PITCH_TONE_HZ, PITCH_TONE_SECS, PITCH_TONE_RATE)
}

/// The first `keep` (0..=1) of the file's bytes, rounded down; its header is unchanged, so it
/// still promises the whole length. Serve it whole to test "the file ends early".
pub fn truncated(bytes: &[u8], keep: f64) -> Vec<u8> {
    let keep = if keep.is_finite() {
        keep.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let n = ((bytes.len() as f64) * keep).floor() as usize;
    bytes[..n.min(bytes.len())].to_vec()
}

fn to_i16(v: f64) -> i16 {
    (v * 32767.0).round().clamp(-32768.0, 32767.0) as i16
}

// ---------------------------------------------------------------------------
// WAV
// ---------------------------------------------------------------------------

fn riff(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let body: usize = chunks.iter().map(|(_, d)| 8 + d.len() + d.len() % 2).sum();
    let mut out = Vec::with_capacity(12 + body);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((4 + body) as u32).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    for (id, data) in chunks {
        out.extend_from_slice(*id);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(0);
        }
    }
    out
}

fn fmt_chunk(tag: u16, channels: u16, rate: u32, bits: u16, extended: bool) -> Vec<u8> {
    let block_align = channels * bits / 8;
    let mut f = Vec::with_capacity(18);
    f.extend_from_slice(&tag.to_le_bytes());
    f.extend_from_slice(&channels.to_le_bytes());
    f.extend_from_slice(&rate.to_le_bytes());
    f.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    f.extend_from_slice(&block_align.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes());
    if extended {
        f.extend_from_slice(&0u16.to_le_bytes());
    }
    f
}

/// A canonical 44-byte-header WAV of interleaved 16-bit PCM samples.
pub fn wav_pcm16(sample_rate: u32, channels: u16, samples: &[i16]) -> Vec<u8> {
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    riff(&[
        (b"fmt ", &fmt_chunk(1, channels, sample_rate, 16, false)),
        (b"data", &data),
    ])
}

/// An 8 kHz mono G.711 WAV (`tag` 7 µ-law or 6 A-law): 18-byte `fmt `, `fact`, `data`.
fn wav_g711(tag: u16, bytes: &[u8]) -> Vec<u8> {
    let fact = (bytes.len() as u32).to_le_bytes();
    riff(&[
        (b"fmt ", &fmt_chunk(tag, 1, WAV_RATE, 8, true)),
        (b"fact", &fact),
        (b"data", bytes),
    ])
}

// ---------------------------------------------------------------------------
// G.711 (the CCITT reference algorithm, as in Sun's g711.c and sox)
// ---------------------------------------------------------------------------

fn segment(v: i32, ends: &[i32; 8]) -> usize {
    ends.iter().position(|&e| v <= e).unwrap_or(8)
}

/// µ-law encode a 16-bit sample.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    const ENDS: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
    let mut v = i32::from(sample) >> 2;
    let mask = if v < 0 {
        v = -v;
        0x7F
    } else {
        0xFF
    };
    let v = v.min(8159) + (0x84 >> 2);
    let seg = segment(v, &ENDS);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    (((seg as i32) << 4) as u8 | ((v >> (seg + 1)) & 0xF) as u8) ^ mask
}

/// µ-law decode to a 16-bit sample.
pub fn ulaw_to_linear(u: u8) -> i16 {
    let u = !u;
    let t = ((i32::from(u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
    (if u & 0x80 != 0 { 0x84 - t } else { t - 0x84 }) as i16
}

/// A-law encode a 16-bit sample.
pub fn linear_to_alaw(sample: i16) -> u8 {
    const ENDS: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
    let mut v = i32::from(sample) >> 3;
    let mask = if v >= 0 {
        0xD5
    } else {
        v = -v - 1;
        0x55
    };
    let seg = segment(v, &ENDS);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let shift = if seg < 2 { 1 } else { seg };
    (((seg as u8) << 4) | ((v >> shift) & 0xF) as u8) ^ mask
}

/// A-law decode to a 16-bit sample.
pub fn alaw_to_linear(a: u8) -> i16 {
    let a = a ^ 0x55;
    let mut t = i32::from(a & 0x0F) << 4;
    let seg = (a & 0x70) >> 4;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

// ---------------------------------------------------------------------------
// Measuring the tones back
// ---------------------------------------------------------------------------

/// Power of `samples` at `hz` (Goertzel), normalised so a full-scale sine gives about 0.25.
pub fn goertzel(samples: &[f32], sample_rate: u32, hz: f64) -> f64 {
    let w = 2.0 * PI * hz / f64::from(sample_rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    let n = samples.len().max(1) as f64;
    power / (n * n)
}

/// The slot (`i % 50`) whose frequency dominates `samples` (mono, ~40 ms taken inside one
/// slot), or `None` when no candidate stands out (silence, a slot boundary, noise). The
/// position is then `0.1 * slot` (+ a multiple of 5 s) to within the window's length.
pub fn detect_slot(samples: &[f32], sample_rate: u32) -> Option<u32> {
    let mut powers: Vec<(u32, f64)> = (0..SLOTS_PER_CYCLE)
        .map(|i| (i, goertzel(samples, sample_rate, slot_hz(u64::from(i)))))
        .collect();
    powers.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (best, p) = powers[0];
    let second = powers[1].1;
    (p > 1e-4 && p > 4.0 * second).then_some(best)
}

// ---------------------------------------------------------------------------
// MP3 frame headers
// ---------------------------------------------------------------------------

/// One MPEG audio (layer III) frame found in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mp3Frame {
    /// Byte offset of the frame header.
    pub offset: usize,
    /// Frame length in bytes (header included).
    pub len: usize,
    pub bitrate_kbps: u32,
    pub sample_rate: u32,
    /// Samples per channel the frame decodes to (1152 MPEG-1, 576 MPEG-2/2.5).
    pub samples: u32,
}

fn parse_frame_header(b: &[u8]) -> Option<(usize, u32, u32, u32)> {
    if b.len() < 4 || b[0] != 0xFF || b[1] & 0xE0 != 0xE0 || (b[1] >> 1) & 3 != 1 {
        return None; // not a sync, or not layer III
    }
    let version = (b[1] >> 3) & 3; // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
    const V1: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const V2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let bi = usize::from(b[2] >> 4);
    let si = usize::from((b[2] >> 2) & 3);
    if bi == 0 || bi == 15 || si == 3 || version == 1 {
        return None;
    }
    let (bitrate, base_rate) = match version {
        3 => (V1[bi], [44_100, 48_000, 32_000][si]),
        2 => (V2[bi], [22_050, 24_000, 16_000][si]),
        _ => (V2[bi], [11_025, 12_000, 8_000][si]),
    };
    let padding = usize::from((b[2] >> 1) & 1);
    let (samples, factor) = if version == 3 { (1152, 144) } else { (576, 72) };
    let len = (factor * bitrate as usize * 1000) / base_rate as usize + padding;
    Some((len, bitrate, base_rate, samples))
}

/// The layer III frames of an MP3 file, in order (an ID3v2 tag at the start is skipped; the
/// scan stops at the first byte that does not start a frame, e.g. an ID3v1 tag).
pub fn mp3_frames(bytes: &[u8]) -> Vec<Mp3Frame> {
    let mut pos = 0;
    if bytes.len() >= 10 && &bytes[..3] == b"ID3" {
        let size = bytes[6..10]
            .iter()
            .fold(0usize, |acc, b| (acc << 7) | usize::from(b & 0x7F));
        pos = 10 + size;
    }
    let mut frames = Vec::new();
    while let Some((len, bitrate_kbps, sample_rate, samples)) =
        bytes.get(pos..).and_then(parse_frame_header)
    {
        if len < 4 || pos + len > bytes.len() {
            break;
        }
        frames.push(Mp3Frame {
            offset: pos,
            len,
            bitrate_kbps,
            sample_rate,
            samples,
        });
        pos += len;
    }
    frames
}

/// Whether the first frame is a Xing/Info (or VBRI) header frame.
pub fn has_xing_header(bytes: &[u8]) -> bool {
    mp3_frames(bytes).first().is_some_and(|f| {
        let frame = &bytes[f.offset..f.offset + f.len];
        frame
            .windows(4)
            .any(|w| w == b"Xing" || w == b"Info" || w == b"VBRI")
    })
}

/// Seconds of audio in the frames of an MP3 (the Xing frame, if any, counted as one frame;
/// encoder delay and padding included).
pub fn mp3_frames_secs(frames: &[Mp3Frame]) -> f64 {
    frames
        .iter()
        .map(|f| f64::from(f.samples) / f64::from(f.sample_rate))
        .sum()
}

#[cfg(test)]
mod tests;
