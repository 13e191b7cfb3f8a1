//! Unit tests of the test recordings: WAV headers, G.711, tones measured back, MP3 assets.

use super::*;

/// A RIFF chunk: its id and data.
type Chunk<'a> = ([u8; 4], &'a [u8]);

/// The chunks of a RIFF/WAVE file, in order.
fn chunks(b: &[u8]) -> Vec<Chunk<'_>> {
    assert_eq!(&b[0..4], b"RIFF");
    assert_eq!(&b[8..12], b"WAVE");
    let riff_len = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff_len, b.len() - 8, "RIFF size");
    let mut out = Vec::new();
    let mut pos = 12;
    while pos + 8 <= b.len() {
        let id: [u8; 4] = b[pos..pos + 4].try_into().unwrap();
        let len = u32::from_le_bytes(b[pos + 4..pos + 8].try_into().unwrap()) as usize;
        assert!(pos + 8 + len <= b.len(), "chunk {id:?} overruns the file");
        out.push((id, &b[pos + 8..pos + 8 + len]));
        pos += 8 + len + len % 2;
    }
    assert_eq!(pos, b.len(), "no trailing bytes");
    out
}

struct Fmt {
    tag: u16,
    channels: u16,
    rate: u32,
    byte_rate: u32,
    block_align: u16,
    bits: u16,
    len: usize,
}

fn fmt_of(b: &[u8]) -> (Fmt, Vec<Chunk<'_>>) {
    let cs = chunks(b);
    let (_, f) = cs.iter().find(|(id, _)| id == b"fmt ").expect("fmt chunk");
    let u16_at = |i: usize| u16::from_le_bytes([f[i], f[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(f[i..i + 4].try_into().unwrap());
    let fmt = Fmt {
        tag: u16_at(0),
        channels: u16_at(2),
        rate: u32_at(4),
        byte_rate: u32_at(8),
        block_align: u16_at(12),
        bits: u16_at(14),
        len: f.len(),
    };
    (fmt, cs)
}

fn data_of<'a>(cs: &[Chunk<'a>]) -> &'a [u8] {
    cs.iter()
        .find(|(id, _)| id == b"data")
        .expect("data chunk")
        .1
}

#[test]
fn wav_headers_are_valid() {
    let secs = 3;
    for format in TestFormat::ALL.into_iter().filter(|f| !f.is_mp3()) {
        let b = position_tones(format, secs);
        let (f, cs) = fmt_of(&b);
        let frames = secs as usize * WAV_RATE as usize;
        assert_eq!(Some(f.tag), format.wav_format_tag(), "{format:?}");
        assert_eq!(f.rate, WAV_RATE);
        let channels = if format == TestFormat::WavStereo {
            2
        } else {
            1
        };
        assert_eq!(f.channels, channels);
        assert_eq!(f.block_align, f.channels * f.bits / 8);
        assert_eq!(f.byte_rate, f.rate * u32::from(f.block_align));
        let data = data_of(&cs);
        assert_eq!(
            data.len(),
            frames * usize::from(f.block_align),
            "{format:?}"
        );
        if f.tag == 1 {
            assert_eq!((f.len, f.bits, b.len()), (16, 16, 44 + data.len()));
            assert_eq!(cs.len(), 2);
        } else {
            // G.711: an 18-byte fmt with cbSize 0, then a fact chunk with the sample count.
            assert_eq!((f.len, f.bits), (18, 8), "{format:?}");
            assert_eq!(&cs[0].1[16..18], &[0, 0]);
            assert_eq!(&cs[1].0, b"fact");
            assert_eq!(cs[1].1, &(frames as u32).to_le_bytes());
            assert_eq!(b.len(), 58 + data.len());
        }
    }
    let pitch = pitch_tone_wav();
    let (f, cs) = fmt_of(&pitch);
    assert_eq!((f.tag, f.channels, f.rate, f.bits), (1, 1, 16_000, 16));
    assert_eq!(data_of(&cs).len(), 20 * 16_000 * 2);
}

#[test]
fn g711_matches_the_tables() {
    // Encodings as sox (`-D`) and g711.c give them (values away from the 16-to-14/13-bit
    // rounding, where the two differ by one step).
    let ulaw: [(i16, u8); 19] = [
        (0, 0xFF),
        (7, 0xFE),
        (8, 0xFE),
        (-8, 0x7E),
        (100, 0xF2),
        (-100, 0x72),
        (500, 0xDC),
        (-501, 0x5C),
        (1000, 0xCE),
        (-1000, 0x4E),
        (4000, 0xAF),
        (-4000, 0x2F),
        (12345, 0x97),
        (-12345, 0x17),
        (31000, 0x81),
        (-31000, 0x01),
        (32636, 0x80),
        (32767, 0x80),
        (-32768, 0x00),
    ];
    for (x, u) in ulaw {
        assert_eq!(linear_to_ulaw(x), u, "µ-law of {x}");
    }
    let alaw: [(i16, u8); 17] = [
        (0, 0xD5),
        (8, 0xD5),
        (-8, 0x55),
        (100, 0xD3),
        (500, 0xCA),
        (-501, 0x4A),
        (1000, 0xFA),
        (-1000, 0x7A),
        (4000, 0x9A),
        (-4000, 0x1A),
        (12345, 0xBD),
        (-12345, 0x3D),
        (31000, 0xAB),
        (-31000, 0x2B),
        (32636, 0xAA),
        (32767, 0xAA),
        (-32768, 0x2A),
    ];
    for (x, a) in alaw {
        assert_eq!(linear_to_alaw(x), a, "A-law of {x}");
    }
    // Decoding: the G.711 reconstruction values.
    let ulaw_dec = [
        (0xFF, 0),
        (0x7F, 0),
        (0xFE, 8),
        (0x7E, -8),
        (0xF2, 104),
        (0xCE, 988),
    ];
    for (u, x) in ulaw_dec.into_iter().chain([(0x80, 32124), (0x00, -32124)]) {
        assert_eq!(ulaw_to_linear(u), x, "µ-law {u:#04x}");
    }
    let alaw_dec = [
        (0xD5, 8),
        (0x55, -8),
        (0xD3, 104),
        (0xFA, 1008),
        (0x7A, -1008),
    ];
    for (a, x) in alaw_dec.into_iter().chain([(0xAA, 32256), (0x2A, -32256)]) {
        assert_eq!(alaw_to_linear(a), x, "A-law {a:#04x}");
    }
}

#[test]
fn g711_round_trips_within_a_step() {
    for x in (i16::MIN..=i16::MAX).step_by(7) {
        let xi = i32::from(x);
        // Half a quantisation step (1/16 of the value within a segment), more where the
        // codes end (µ-law's largest value is 32124, A-law's 32256).
        let bound = if xi.abs() > 32000 {
            700
        } else {
            xi.abs() / 15 + 40
        };
        let u = i32::from(ulaw_to_linear(linear_to_ulaw(x)));
        let a = i32::from(alaw_to_linear(linear_to_alaw(x)));
        assert!((u - xi).abs() <= bound, "µ-law {x} → {u}");
        assert!((a - xi).abs() <= bound, "A-law {x} → {a}");
    }
}

#[test]
fn tone_frequencies_follow_the_position() {
    assert_eq!(position_tone_hz(0.0), 300.0);
    assert_eq!(position_tone_hz(0.099), 300.0);
    assert_eq!(position_tone_hz(0.1), 340.0);
    assert_eq!(position_tone_hz(0.3), 420.0);
    assert_eq!(position_tone_hz(4.95), 2260.0);
    assert_eq!(position_tone_hz(5.0), 300.0);
    assert_eq!(position_tone_hz(7.25), 1180.0);
    // Whole cycles per slot: every slot starts at phase 0 (no click).
    for i in 0..50u64 {
        let cycles = slot_hz(i) * SLOT_SECS;
        assert!((cycles - cycles.round()).abs() < 1e-9, "{i}");
        assert_eq!(position_sample(i * 800, 8000), 0.0);
    }
}

fn pcm16(data: &[u8], channels: usize, channel: usize) -> Vec<f32> {
    data.chunks_exact(2 * channels)
        .map(|f| f32::from(i16::from_le_bytes([f[2 * channel], f[2 * channel + 1]])) / 32768.0)
        .collect()
}

fn decoded_mono(format: TestFormat, secs: u32) -> Vec<f32> {
    let b = position_tones(format, secs);
    let (_, cs) = fmt_of(&b);
    let data = data_of(&cs);
    match format {
        TestFormat::WavMulaw => data
            .iter()
            .map(|&u| f32::from(ulaw_to_linear(u)) / 32768.0)
            .collect(),
        TestFormat::WavAlaw => data
            .iter()
            .map(|&a| f32::from(alaw_to_linear(a)) / 32768.0)
            .collect(),
        TestFormat::WavStereo => pcm16(data, 2, 0),
        _ => pcm16(data, 1, 0),
    }
}

#[test]
fn tones_are_measured_back_at_their_positions() {
    let secs = 12;
    for format in [
        TestFormat::WavPcm16,
        TestFormat::WavMulaw,
        TestFormat::WavAlaw,
        TestFormat::WavStereo,
    ] {
        let samples = decoded_mono(format, secs);
        // 40 ms windows starting 30 ms into a slot, at a few positions.
        for t in [0.03, 0.73, 2.43, 4.93, 5.03, 7.23, 11.83] {
            let start = (t * f64::from(WAV_RATE)) as usize;
            let window = &samples[start..start + 320];
            let slot = detect_slot(window, WAV_RATE).unwrap_or_else(|| panic!("{format:?} {t}"));
            assert_eq!(
                slot_hz(u64::from(slot)),
                position_tone_hz(t),
                "{format:?} at {t}"
            );
        }
    }
    // The stereo file's right channel is the steady 2500 Hz tone.
    let b = position_tones(TestFormat::WavStereo, 2);
    let (_, cs) = fmt_of(&b);
    let right = pcm16(data_of(&cs), 2, 1);
    let window = &right[4000..4320];
    let p = goertzel(window, WAV_RATE, RIGHT_TONE_HZ);
    assert!((p - 0.3f64.powi(2) / 4.0).abs() < 0.005, "{p}");
    assert!(goertzel(window, WAV_RATE, 1000.0) < p / 100.0);
    assert_eq!(detect_slot(&vec![0.0; 320], WAV_RATE), None);
}

#[test]
fn the_pitch_tone_is_one_kilohertz() {
    let b = pitch_tone_wav();
    let (_, cs) = fmt_of(&b);
    let s = pcm16(data_of(&cs), 1, 0);
    let w = &s[160_000..160_640];
    let at = |hz: f64| goertzel(w, PITCH_TONE_RATE, hz);
    assert!(at(1000.0) > 0.05);
    for hz in [667.0, 1500.0, 2000.0] {
        assert!(at(hz) < at(1000.0) / 100.0, "{hz}");
    }
}

#[test]
fn truncated_files_keep_their_header() {
    let b = position_tones(TestFormat::WavMulaw, 4);
    let t = truncated(&b, 0.5);
    assert_eq!(t.len(), b.len() / 2);
    assert_eq!(&t[..], &b[..t.len()]);
    // Still promising the whole length.
    assert_eq!(&t[4..8], &b[4..8]);
    assert_eq!(truncated(&b, 2.0), b);
    assert!(truncated(&b, -1.0).is_empty());
}

#[test]
fn mp3_assets_are_what_they_claim() {
    // lame writes no Info tag into 144-byte CBR frames (32 kbit/s at 16 kHz).
    for (format, xing) in [(TestFormat::Mp3Cbr, false), (TestFormat::Mp3Vbr, true)] {
        let b = position_tones(format, 1);
        let frames = mp3_frames(&b);
        assert_eq!(has_xing_header(&b), xing, "{format:?}");
        assert!(
            frames
                .iter()
                .all(|f| f.sample_rate == MP3_RATE && f.samples == 576)
        );
        let secs = mp3_frames_secs(&frames);
        assert!((secs - 60.0).abs() < 0.3, "{format:?} {secs}");
        let covered: usize = frames.iter().map(|f| f.len).sum();
        assert!(
            covered + 200 >= b.len(),
            "{format:?}: frames cover the file"
        );
        let rates: Vec<u32> = frames[1..].iter().map(|f| f.bitrate_kbps).collect();
        if format == TestFormat::Mp3Cbr {
            assert!(rates.iter().all(|r| *r == 32));
        } else {
            assert!(rates.iter().any(|r| *r != rates[0]), "VBR");
        }
    }
}

#[test]
fn the_mp3_without_xing_is_cut_short_by_a_length_estimate() {
    let b = position_tones(TestFormat::Mp3VbrNoXing, 1);
    assert!(!has_xing_header(&b));
    let frames = mp3_frames(&b);
    let real = mp3_frames_secs(&frames);
    assert!((real - MP3_NO_XING_SECS).abs() < 0.3, "{real}");
    // symphonia 0.5: the average size of the first 17 frames, the byte length divided by it.
    let first = &frames[..17];
    let avg = first.iter().map(|f| f.len).sum::<usize>() as f64 / 17.0;
    let estimate = (b.len() - frames[0].offset) as f64 / avg * 576.0 / f64::from(MP3_RATE);
    assert!(estimate < real / 2.0, "estimate {estimate} of {real}");
    // And averaged over its whole noisy part (as other estimators may do).
    let noisy = (MP3_NO_XING_NOISY_SECS * f64::from(MP3_RATE) / 576.0) as usize;
    let avg = frames[..noisy].iter().map(|f| f.len).sum::<usize>() as f64 / noisy as f64;
    let estimate = b.len() as f64 / avg * 576.0 / f64::from(MP3_RATE);
    assert!(estimate < real * 0.6, "estimate {estimate} of {real}");
}

#[test]
fn the_gsm_wav_is_gsm() {
    let b = gsm_wav();
    let (f, cs) = fmt_of(b);
    assert_eq!((f.tag, f.channels, f.rate), (GSM_FMT_TAG, 1, 8000));
    // 65 bytes per 320 samples.
    let data = data_of(&cs);
    assert!((data.len() as f64 / 65.0 * 320.0 / 8000.0 - f64::from(GSM_SECS)).abs() < 0.1);
}
