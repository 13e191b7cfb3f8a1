//! How well turn times estimated from the audio match where the turns really are: recordings
//! whose turn times are known (the emulators' synthetic speech laid out from turn lists, and the
//! espeak conversations with their manifests), decoded by the player's decoder, aligned with
//! `audio::turns`. Prints the median and largest error of the turn starts per case.

use callbrowser::audio::buffer::{Fill, Recording};
use callbrowser::audio::decode::Decoder;
use callbrowser::audio::turns::{
    self, Energy, Segment as Speech, Speaker, TurnInfo, TurnTime, align_segments, next_turn,
    prev_turn, turn_at,
};
use callbrowser_emulators::net::ByteSource;
use callbrowser_emulators::recordings::{self, AudioFormat};
use callbrowser_emulators::wav::{Segment, SpeechAudio, Voice, layout_turns};

/// Decodes a whole recording into its energy, as the player's analysis thread does.
fn energy_of(bytes: &[u8], content_type: &str) -> Energy {
    let rec = Recording::new();
    rec.append(bytes);
    rec.finish(Fill::Complete);
    let mut dec = Decoder::open(rec.reader(), Some(content_type)).expect("the recording opens");
    let (channels, rate) = (usize::from(dec.info.channels), dec.info.sample_rate);
    let mut energy = Energy::new();
    while let Some(chunk) = dec.next_chunk().expect("the recording decodes") {
        energy.push(chunk.first_frame, &chunk.samples, channels, rate);
    }
    energy
}

/// Median and largest error of the estimated turn starts.
fn errors(est: &[TurnTime], truth: &[f64]) -> (f64, f64) {
    assert_eq!(est.len(), truth.len());
    let mut e: Vec<f64> = est
        .iter()
        .zip(truth)
        .map(|(t, s)| (t.start - s).abs())
        .collect();
    e.sort_by(f64::total_cmp);
    let median = if e.is_empty() {
        0.0
    } else if e.len() % 2 == 1 {
        e[e.len() / 2]
    } else {
        (e[e.len() / 2 - 1] + e[e.len() / 2]) / 2.0
    };
    (median, e.last().copied().unwrap_or(0.0))
}

fn check_sane(est: &[TurnTime], duration: f64) {
    let mut prev = 0.0;
    for t in est {
        assert!(
            t.start >= prev && t.end >= t.start && t.end <= duration + 1e-9,
            "{est:?}"
        );
        prev = t.end;
    }
}

/// Aligns, checks the times are sane, prints the figures; returns (median, max) of the errors.
/// `TURNS_CASE=text` measures only the cases whose name holds it, `TURNS_DEBUG=1` prints the
/// speech found and every turn.
fn measure(case: &str, energy: &Energy, turns: &[TurnInfo], truth: &[f64]) -> (f64, f64) {
    if std::env::var("TURNS_CASE").is_ok_and(|c| !case.contains(&c)) {
        return (0.0, 0.0);
    }
    let clock = std::time::Instant::now();
    let est = turns::align(energy, turns);
    let took = clock.elapsed().as_secs_f64() * 1000.0;
    check_sane(&est, energy.secs());
    let (median, max) = errors(&est, truth);
    eprintln!(
        "{case:<36} {:>3} turns {:>5.0} s  median {median:.2} s  max {max:.2} s  ({took:.0} ms)",
        turns.len(),
        energy.secs()
    );
    if std::env::var_os("TURNS_DEBUG").is_some() {
        for s in turns::speech_segments(energy) {
            eprintln!("  seg {:7.2} {:7.2} {:?}", s.start, s.end, s.channel);
        }
        for t in turns {
            eprint!("{} ", t.chars);
        }
        eprintln!();
        for (t, s) in est.iter().zip(truth) {
            eprintln!("    {:7.2} {:7.2}  {:+.2}", s, t.start, t.start - s);
        }
    }
    (median, max)
}

const WORDS: &[&str] = &[
    "I",
    "a",
    "the",
    "appointment",
    "Thursday",
    "please",
    "thank",
    "you",
    "can",
    "your",
    "date",
    "of",
    "birth",
    "prescription",
    "pharmacy",
    "insurance",
    "number",
    "is",
    "it",
    "we",
    "have",
    "an",
    "opening",
    "at",
    "ten",
    "doctor",
    "tomorrow",
    "morning",
    "yes",
    "no",
    "okay",
    "sure",
];

/// A conversation of `n` turns: mostly alternating speakers, short and long turns.
fn conversation(rng: &mut fastrand::Rng, n: usize) -> Vec<(usize, String)> {
    let mut speaker = 0;
    (0..n)
        .map(|i| {
            if i > 0 && rng.f64() > 0.15 {
                speaker = 1 - speaker;
            }
            let words = match rng.u32(0..10) {
                0..=2 => rng.usize(1..4),
                3..=7 => rng.usize(5..16),
                _ => rng.usize(20..45),
            };
            let text: Vec<&str> = (0..words)
                .map(|_| WORDS[rng.usize(..WORDS.len())])
                .collect();
            (speaker, text.join(" "))
        })
        .collect()
}

/// How a synthetic call is laid out.
#[derive(Clone, Copy)]
enum Layout {
    /// As TalkPilot lays out its calls (`wav::layout_turns`: turn gaps of 0.25 s or more).
    Emulator,
    /// Quick turn-taking: gaps of 0–0.4 s (many under the 0.25 s a pause must last to split).
    Quick,
    /// As the emulator, with a short backchannel of the other speaker ("mm-hm", not in the
    /// transcript) inside some long turns.
    Backchannels,
}

/// Segments of the turns (speaker, word count) laid out by hand, the call's length and the
/// turns' starts.
fn lay_out(
    rng: &mut fastrand::Rng,
    words: &[(usize, usize)],
    layout: Layout,
) -> (Vec<Segment>, f64, Vec<f64>) {
    let mut t = 0.5;
    let mut segs = Vec::new();
    let mut starts = Vec::new();
    for &(speaker, n) in words {
        let len = (n as f64 * 0.36 * (0.85 + rng.f64() * 0.3) + 0.25).max(0.6);
        let gap = match layout {
            Layout::Quick => rng.f64() * 0.4,
            _ => 0.3 + rng.f64() * 0.5,
        };
        t += gap;
        starts.push(t);
        if matches!(layout, Layout::Backchannels) && len > 4.0 {
            let at = t + len * (0.3 + rng.f64() * 0.4);
            let mm = at + 0.4 + rng.f64() * 0.3;
            segs.push(Segment {
                start: t,
                end: at,
                speaker,
            });
            segs.push(Segment {
                start: at + 0.05,
                end: mm,
                speaker: 1 - speaker,
            });
            segs.push(Segment {
                start: mm + 0.05,
                end: t + len + 0.1,
                speaker,
            });
            t += 0.1;
        } else {
            segs.push(Segment {
                start: t,
                end: t + len,
                speaker,
            });
        }
        t += len;
    }
    (segs, t + 0.8, starts)
}

/// Synthetic speech for these turns and the turns' true starts.
fn synthetic(
    seed: u64,
    channels: u16,
    turns: &[(usize, String)],
    layout: Layout,
) -> (Vec<u8>, Vec<f64>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let words: Vec<(usize, usize)> = turns
        .iter()
        .map(|(s, t)| (*s, t.split_whitespace().count()))
        .collect();
    let (segments, total, starts) = match layout {
        Layout::Emulator => {
            let (segments, total) = layout_turns(&mut rng, &words);
            let starts = segments.iter().map(|s| s.start).collect();
            (segments, total, starts)
        }
        _ => lay_out(&mut rng, &words, layout),
    };
    let voices = [
        Voice {
            pitch_hz: 120.0 + rng.f64() * 90.0,
            syllable_secs: 0.19,
            gain: 0.8,
        },
        Voice {
            pitch_hz: 110.0 + rng.f64() * 110.0,
            syllable_secs: 0.17 + rng.f64() * 0.06,
            gain: 0.65 + rng.f64() * 0.2,
        },
    ];
    let secs = (total.round() as u32).max(5);
    let audio = SpeechAudio::new(seed, channels, 16_000, secs, 900, segments, voices);
    let mut bytes = vec![0u8; audio.byte_len() as usize];
    audio.read_at(0, &mut bytes);
    (bytes, starts)
}

fn infos(turns: &[(usize, String)]) -> Vec<TurnInfo> {
    turns
        .iter()
        .map(|(s, t)| TurnInfo {
            speaker: if *s == 0 {
                Speaker::Agent
            } else {
                Speaker::Caller
            },
            chars: t.chars().count(),
        })
        .collect()
}

/// Adds white noise `db` below full scale to a 16-bit PCM WAV (a noisy line).
fn add_noise(bytes: &mut [u8], db: f64, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let amp = 10f64.powf(db / 20.0) * 32767.0 * 3f64.sqrt();
    for s in bytes[44..].chunks_exact_mut(2) {
        let v = f64::from(i16::from_le_bytes([s[0], s[1]])) + (rng.f64() * 2.0 - 1.0) * amp;
        s.copy_from_slice(&(v.clamp(-32768.0, 32767.0) as i16).to_le_bytes());
    }
}

fn synthetic_case(
    seed: u64,
    n: usize,
    channels: u16,
    layout: Layout,
    noise_db: Option<f64>,
) -> (f64, f64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let turns = conversation(&mut rng, n);
    let (mut bytes, truth) = synthetic(seed, channels, &turns, layout);
    if let Some(db) = noise_db {
        add_noise(&mut bytes, db, seed);
    }
    let energy = energy_of(&bytes, "audio/wav");
    let kind = match layout {
        Layout::Emulator => "",
        Layout::Quick => " quick",
        Layout::Backchannels => " backchannels",
    };
    let noise = noise_db.map_or(String::new(), |db| format!(" noise {db} dB"));
    let ch = if channels == 1 { "mono" } else { "stereo" };
    let case = format!("synthetic {seed} {ch}{kind}{noise}");
    measure(&case, &energy, &infos(&turns), &truth)
}

#[test]
fn synthetic_calls_as_the_emulator_makes_them() {
    for (seed, n, channels) in [
        (1, 12, 1),
        (2, 20, 1),
        (3, 30, 1),
        (4, 8, 1),
        (5, 20, 2),
        (6, 30, 2),
        (7, 150, 1),
        (8, 150, 2),
    ] {
        let (median, _) = synthetic_case(seed, n, channels, Layout::Emulator, None);
        assert!(median <= 1.0, "synthetic {seed}: median {median:.2} s");
    }
}

/// Harder than the emulator makes them. Turn-taking quicker than the 0.25 s pause that splits
/// speech is out of reach on mono (nothing in the energy says where one voice ends and the next
/// begins): those figures are reported and only checked for a gross failure.
#[test]
fn synthetic_calls_harder() {
    for (seed, n, channels, layout, noise, bound) in [
        (11, 20, 1, Layout::Quick, None, 5.0),
        (12, 30, 1, Layout::Quick, None, 5.0),
        (13, 20, 2, Layout::Quick, None, 1.0),
        (14, 20, 1, Layout::Backchannels, None, 1.0),
        (15, 30, 2, Layout::Backchannels, None, 1.0),
        (16, 20, 1, Layout::Emulator, Some(-30.0), 1.0),
        (17, 20, 2, Layout::Emulator, Some(-30.0), 1.0),
        (18, 20, 1, Layout::Quick, Some(-35.0), 5.0),
        (19, 20, 2, Layout::Quick, Some(-35.0), 1.0),
    ] {
        let (median, _) = synthetic_case(seed, n, channels, layout, noise);
        assert!(median <= bound, "synthetic {seed}: median {median:.2} s");
    }
}

#[test]
fn synthetic_one_long_turn() {
    let turns = vec![(0, WORDS.repeat(3).join(" "))];
    let (bytes, truth) = synthetic(9, 1, &turns, Layout::Emulator);
    let energy = energy_of(&bytes, "audio/wav");
    let (median, _) = measure("synthetic one long turn", &energy, &infos(&turns), &truth);
    assert!(median <= 0.3);
}

/// The espeak conversations: each turn an espeak clip, then 0.25 s of silence.
#[test]
fn espeak_conversations_every_format() {
    for clip in recordings::all() {
        let timings = recordings::turn_times(clip.name);
        assert!(!timings.is_empty(), "{}", clip.name);
        let turns: Vec<(usize, String)> = timings
            .iter()
            .map(|t| (t.speaker, t.text.to_string()))
            .collect();
        let truth: Vec<f64> = timings.iter().map(|t| t.start).collect();
        let energy = energy_of(clip.bytes, clip.format.content_type());
        let case = format!("{} {:?}", clip.name, clip.format);
        let (median, _) = measure(&case, &energy, &infos(&turns), &truth);
        assert!(median <= 1.0, "{case}: median {median:.2} s");
        if clip.format == AudioFormat::WavStereo {
            assert!(median <= 0.3, "{case}");
        }
    }
}

fn info(speaker: Speaker, chars: usize) -> TurnInfo {
    TurnInfo { speaker, chars }
}

fn mono(start: f64, end: f64) -> Speech {
    Speech {
        start,
        end,
        channel: None,
    }
}

fn starts(times: &[TurnTime]) -> Vec<(f64, bool)> {
    times
        .iter()
        .map(|t| ((t.start * 100.0).round() / 100.0, t.estimated))
        .collect()
}

#[test]
fn more_turns_than_speech_fewer_none() {
    let u = Speaker::Unknown;
    // More turns than speech: they share it by their text.
    let t = align_segments(&[mono(1.0, 5.0)], 6.0, &[info(u, 10), info(u, 30)]);
    assert_eq!(starts(&t), vec![(1.0, false), (2.0, true)]);
    // Fewer: a turn takes several segments.
    let three = [mono(1.0, 2.0), mono(2.3, 4.0), mono(4.3, 5.0)];
    let t = align_segments(&three, 6.0, &[info(u, 10)]);
    assert_eq!((t[0].start, t[0].end), (1.0, 5.0));
    // No speech: the turns share the recording by their text. No turns: no times.
    let t = align_segments(&[], 10.0, &[info(u, 10), info(u, 30)]);
    assert_eq!(starts(&t), vec![(0.0, true), (2.5, true)]);
    check_sane(&t, 10.0);
    assert!(align_segments(&three, 6.0, &[]).is_empty());
    // Segments beyond the recording (still downloading) are cut to it.
    let t = align_segments(&three, 3.0, &[info(u, 10), info(u, 10), info(u, 10)]);
    check_sane(&t, 3.0);
}

#[test]
fn the_player_moves_turn_by_turn() {
    let t = [(1.0, 3.0), (4.0, 6.0), (6.0, 9.0)].map(|(start, end)| TurnTime {
        start,
        end,
        estimated: false,
    });
    let heard: Vec<_> = [0.5, 1.0, 3.5, 6.5, 9.5]
        .iter()
        .map(|&x| turn_at(&t, x))
        .collect();
    assert_eq!(heard, vec![None, Some(0), Some(0), Some(2), None]);
    assert_eq!(
        (next_turn(&t, 0.0), next_turn(&t, 4.0), next_turn(&t, 7.0)),
        (Some(0), Some(2), None)
    );
    // Back: to the start of the turn when well into it, else to the one before.
    assert_eq!(
        (prev_turn(&t, 0.5), prev_turn(&t, 1.2), prev_turn(&t, 4.5)),
        (None, Some(0), Some(0))
    );
    assert_eq!(prev_turn(&t, 5.8), Some(1));
    assert_eq!(next_turn(&[], 1.0), None);
}
