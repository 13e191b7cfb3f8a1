//! Lazily generated, speech-like WAV recordings (16-bit PCM).
//!
//! A recording is a list of speech segments (one per transcript turn), each
//! spoken by one of two voices. A voice is a few summed harmonics of a pitch that
//! changes per syllable, shaped by vowel-like formant weights and a syllable
//! envelope, with short noise bursts for consonants and pauses between words.
//! Between turns there is only a faint line hiss. Any byte range can be produced
//! on its own, so large files are never built in memory.

use std::f64::consts::PI;

use super::mix64;
use super::net::ByteSource;

/// One speaker's turn in the recording, in seconds from the start.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    /// 0 = agent (left channel in stereo), 1 = caller (right channel).
    pub speaker: usize,
}

/// How a speaker sounds.
#[derive(Clone, Copy, Debug)]
pub struct Voice {
    /// Base pitch in Hz (≈ 110 low male voice … 220 high female voice).
    pub pitch_hz: f64,
    /// Length of one syllable slot in seconds (≈ 0.16 … 0.24).
    pub syllable_secs: f64,
    /// Loudness 0..1.
    pub gain: f64,
}

/// A WAV file of speech-like audio, generated on demand.
#[derive(Clone, Debug)]
pub struct SpeechAudio {
    pub sample_rate: u32,
    pub channels: u16,
    pub frames: u64,
    pub segments: Vec<Segment>,
    pub voices: [Voice; 2],
    pub seed: u64,
}

/// Lay out turns on a timeline. `turns` holds (speaker, word count). Returns the
/// segments and the total length in seconds.
pub fn layout_turns(rng: &mut fastrand::Rng, turns: &[(usize, usize)]) -> (Vec<Segment>, f64) {
    let mut t = 0.4 + rng.f64() * 0.8;
    let mut segs = Vec::with_capacity(turns.len());
    let mut prev: Option<usize> = None;
    for &(speaker, words) in turns {
        let per_word = if speaker == 0 { 0.34 } else { 0.38 } * (0.85 + rng.f64() * 0.3);
        let len = (words as f64 * per_word + 0.25).clamp(0.6, 45.0);
        let gap = match prev {
            None => 0.0,
            Some(p) if p == speaker => 0.5 + rng.f64() * 0.8,
            Some(_) => 0.25 + rng.f64() * 0.7,
        };
        t += gap;
        segs.push(Segment {
            start: t,
            end: t + len,
            speaker,
        });
        t += len;
        prev = Some(speaker);
    }
    (segs, t + 0.4 + rng.f64() * 0.6)
}

const HEADER_LEN: u64 = 44;

/// Per-syllable parameters (cached while rendering consecutive samples).
#[derive(Clone, Debug)]
struct Syllable {
    key: (usize, u64),
    silent: bool,
    active: f64,
    pitch: f64,
    amp: f64,
    glide: f64,
    burst: bool,
    weights: Vec<f64>,
}

fn unit(h: u64, shift: u32) -> f64 {
    ((h >> shift) & 0xFFFF) as f64 / 65535.0
}

/// Deterministic white noise in [-1, 1].
fn noise(seed: u64, n: u64, ch: u64) -> f64 {
    let h = mix64(seed ^ n.wrapping_mul(0x9E37_79B9) ^ (ch << 61));
    (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

impl SpeechAudio {
    /// `duration_secs` is the call's duration; the audio is capped at `max_secs`.
    pub fn new(
        seed: u64,
        channels: u16,
        sample_rate: u32,
        duration_secs: u32,
        max_secs: u32,
        segments: Vec<Segment>,
        voices: [Voice; 2],
    ) -> Self {
        let secs = u64::from(duration_secs.min(max_secs));
        SpeechAudio {
            sample_rate,
            channels: channels.clamp(1, 2),
            frames: secs * u64::from(sample_rate),
            segments,
            voices,
            seed,
        }
    }

    fn frame_bytes(&self) -> u64 {
        u64::from(self.channels) * 2
    }

    /// The 44-byte canonical WAV header.
    pub fn header(&self) -> [u8; 44] {
        let data_len = (self.frames * self.frame_bytes()).min(u64::from(u32::MAX - 36)) as u32;
        let byte_rate = self.sample_rate * u32::from(self.channels) * 2;
        let block_align = self.channels * 2;
        let mut h = [0u8; 44];
        h[0..4].copy_from_slice(b"RIFF");
        h[4..8].copy_from_slice(&(36 + data_len).to_le_bytes());
        h[8..12].copy_from_slice(b"WAVE");
        h[12..16].copy_from_slice(b"fmt ");
        h[16..20].copy_from_slice(&16u32.to_le_bytes());
        h[20..22].copy_from_slice(&1u16.to_le_bytes());
        h[22..24].copy_from_slice(&self.channels.to_le_bytes());
        h[24..28].copy_from_slice(&self.sample_rate.to_le_bytes());
        h[28..32].copy_from_slice(&byte_rate.to_le_bytes());
        h[32..34].copy_from_slice(&block_align.to_le_bytes());
        h[34..36].copy_from_slice(&16u16.to_le_bytes());
        h[36..40].copy_from_slice(b"data");
        h[40..44].copy_from_slice(&data_len.to_le_bytes());
        h
    }

    fn syllable(&self, seg_idx: usize, slot: u64) -> Syllable {
        let seg = &self.segments[seg_idx];
        let voice = &self.voices[seg.speaker.min(1)];
        let h =
            mix64(self.seed ^ ((seg_idx as u64) << 24) ^ slot.wrapping_mul(0xA24B_AED4_963E_E407));
        let h2 = mix64(h);
        // Word gaps: about one slot in seven is silent (never the first one).
        let silent = slot > 0 && h % 100 < 14;
        let active = 0.55 + 0.4 * unit(h, 8);
        let seg_len = (seg.end - seg.start).max(0.1);
        let pos = (slot as f64 * voice.syllable_secs / seg_len).min(1.0);
        // Declination: pitch falls slowly over a turn; questions rise at the end.
        let rise = if h2.is_multiple_of(4) && pos > 0.85 {
            1.15
        } else {
            1.0
        };
        let pitch = voice.pitch_hz * (0.88 + 0.26 * unit(h, 16)) * (1.06 - 0.12 * pos) * rise;
        let amp = 0.55 + 0.45 * unit(h, 24);
        let glide = (unit(h, 40) - 0.5) * 0.16;
        let burst = !(h >> 56).is_multiple_of(3);
        // Vowel formants (F1, F2) of a, e, i, o, u.
        const VOWELS: [(f64, f64); 5] = [
            (800.0, 1250.0),
            (450.0, 1900.0),
            (300.0, 2250.0),
            (480.0, 850.0),
            (330.0, 750.0),
        ];
        let (f1, f2) = VOWELS[((h2 >> 8) % 5) as usize];
        let n = ((3800.0 / pitch) as usize).clamp(1, 28);
        let mut weights: Vec<f64> = (1..=n)
            .map(|k| {
                let f = k as f64 * pitch;
                let a = ((f - f1) / 140.0).powi(2);
                let b = ((f - f2) / 230.0).powi(2);
                (0.12 + (-a).exp() + 0.6 * (-b).exp()) / (k as f64).powf(0.5)
            })
            .collect();
        let sum: f64 = weights.iter().sum();
        for w in &mut weights {
            *w /= sum.max(1e-9);
        }
        Syllable {
            key: (seg_idx, slot),
            silent,
            active,
            pitch,
            amp,
            glide,
            burst,
            weights,
        }
    }

    fn voice_sample(&self, seg_idx: usize, t: f64, n: u64, cache: &mut Option<Syllable>) -> f64 {
        let seg = self.segments[seg_idx];
        let voice = self.voices[seg.speaker.min(1)];
        let tau = t - seg.start;
        let slot_len = voice.syllable_secs.max(0.05);
        let slot_f = tau / slot_len;
        let slot = slot_f as u64;
        let x = slot_f - slot as f64;
        if cache.as_ref().map(|s| s.key) != Some((seg_idx, slot)) {
            *cache = Some(self.syllable(seg_idx, slot));
        }
        let Some(syl) = cache.as_ref() else {
            return 0.0;
        };
        if syl.silent || x >= syl.active {
            return 0.0;
        }
        let xe = x / syl.active;
        let edge = (tau / 0.02).min((seg.end - t) / 0.02).clamp(0.0, 1.0);
        let env = (PI * xe).sin() * (1.0 - 0.3 * xe) * edge;
        let ts = x * slot_len;
        let span = syl.active * slot_len;
        let phase = 2.0 * PI * syl.pitch * (ts + syl.glide * ts * ts / (2.0 * span));
        let (s1, c) = phase.sin_cos();
        let two_c = 2.0 * c;
        let (mut prev, mut cur) = (0.0, s1);
        let mut acc = syl.weights[0] * s1;
        for w in &syl.weights[1..] {
            let next = two_c * cur - prev;
            prev = cur;
            cur = next;
            acc += w * cur;
        }
        let mut v = acc * env * syl.amp;
        if syl.burst && xe < 0.12 {
            v += noise(self.seed ^ 0x55, n, 7) * 0.22 * (1.0 - xe / 0.12) * syl.amp * edge;
        }
        v * voice.gain
    }

    /// Render `count` frames starting at `frame0` as little-endian i16 samples.
    fn render(&self, frame0: u64, count: u64, out: &mut Vec<u8>) {
        let sr = f64::from(self.sample_rate);
        let t0 = frame0 as f64 / sr;
        let mut idx = self.segments.partition_point(|s| s.end <= t0);
        let mut cache: Option<Syllable> = None;
        for n in frame0..frame0 + count {
            let t = n as f64 / sr;
            while idx < self.segments.len() && self.segments[idx].end <= t {
                idx += 1;
            }
            let mut v = [0.0f64; 2];
            if let Some(seg) = self.segments.get(idx)
                && seg.start <= t
            {
                v[seg.speaker.min(1)] = self.voice_sample(idx, t, n, &mut cache);
            }
            let hiss = 0.0025;
            if self.channels == 1 {
                let s = v[0] + v[1] + noise(self.seed, n, 0) * hiss;
                push_sample(out, s);
            } else {
                push_sample(out, v[0] + noise(self.seed, n, 0) * hiss);
                push_sample(out, v[1] + noise(self.seed, n, 1) * hiss);
            }
        }
    }
}

fn push_sample(out: &mut Vec<u8>, v: f64) {
    let s = (v * 32767.0).round().clamp(-32768.0, 32767.0) as i16;
    out.extend_from_slice(&s.to_le_bytes());
}

impl ByteSource for SpeechAudio {
    fn byte_len(&self) -> u64 {
        HEADER_LEN + self.frames * self.frame_bytes()
    }

    fn read_at(&self, offset: u64, out: &mut [u8]) {
        let mut written = 0usize;
        let mut pos = offset;
        if pos < HEADER_LEN {
            let h = self.header();
            let n = ((HEADER_LEN - pos) as usize).min(out.len());
            out[..n].copy_from_slice(&h[pos as usize..pos as usize + n]);
            written = n;
            pos += n as u64;
        }
        if written >= out.len() {
            return;
        }
        let fb = self.frame_bytes();
        let data_pos = pos - HEADER_LEN;
        let first_frame = data_pos / fb;
        let skip = (data_pos % fb) as usize;
        let need = out.len() - written;
        let frames = (skip + need).div_ceil(fb as usize) as u64;
        let frames = frames.min(self.frames.saturating_sub(first_frame));
        let mut buf = Vec::with_capacity((frames * fb) as usize);
        self.render(first_frame, frames, &mut buf);
        let avail = buf.len().saturating_sub(skip).min(need);
        out[written..written + avail].copy_from_slice(&buf[skip..skip + avail]);
        // Anything past the end (should not happen) stays zero.
    }
}
