//! Writes the 16-bit PCM mono WAV sources that `scripts/make-test-audio.sh` encodes into the
//! committed test MP3s and GSM WAV, from the same generator as the WAV test recordings
//! (`callbrowser_emulators::testaudio`).
//!
//! ```text
//! test_audio_source position RATE SECS OUT.wav
//! test_audio_source noisy-intro RATE SECS NOISY_SECS OUT.wav
//! ```
//! `position`: the position tones. `noisy-intro`: the position tones mixed with white noise
//! (deterministic, amplitude 0.4) during the first NOISY_SECS seconds, then the position tones
//! alone at amplitude `MP3_NO_XING_TAIL_AMPLITUDE` (0.01): lame gives the first part large frames
//! and the rest small ones.

use callbrowser_emulators::testaudio::{
    MP3_NO_XING_TAIL_AMPLITUDE, TONE_AMPLITUDE, position_sample, wav_pcm16,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize| -> u32 {
        args.get(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| usage())
    };
    let (rate, secs) = (num(1), num(2));
    let (noisy_secs, out) = match args.first().map(String::as_str) {
        Some("position") if args.len() == 4 => (0, &args[3]),
        Some("noisy-intro") if args.len() == 5 => (num(3), &args[4]),
        _ => usage(),
    };
    let mut rng = fastrand::Rng::with_seed(0x7e57_a0d1);
    let noisy_frames = u64::from(noisy_secs) * u64::from(rate);
    let samples: Vec<i16> = (0..u64::from(secs) * u64::from(rate))
        .map(|n| {
            let tone = position_sample(n, rate);
            let v = if n < noisy_frames {
                tone + (rng.f64() * 2.0 - 1.0) * 0.4
            } else {
                tone * (MP3_NO_XING_TAIL_AMPLITUDE / TONE_AMPLITUDE)
            };
            (v * 32767.0).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect();
    if let Err(e) = std::fs::write(out, wav_pcm16(rate, 1, &samples)) {
        eprintln!("{out}: {e}");
        std::process::exit(1);
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: test_audio_source position RATE SECS OUT.wav\n       \
         test_audio_source noisy-intro RATE SECS NOISY_SECS OUT.wav"
    );
    std::process::exit(2);
}
