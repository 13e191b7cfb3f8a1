//! The analysis thread: decodes the whole recording once, as it downloads, beside playback. It
//! measures the real duration (no header is trusted: VBR MP3 without a Xing header, WAV sizes of
//! 0xFFFFFFFF, truncated files), the level of each channel every 10 ms (for turn alignment) and
//! the waveform strip of the player bar (one level per [`BUCKET_SECS`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::buffer::Reader;
use super::decode::{DecodeError, Decoder};

/// Seconds of recording per waveform level.
pub const BUCKET_SECS: f64 = 0.1;
/// Seconds per energy frame.
pub const ENERGY_SECS: f64 = 0.01;

/// What the analysis tells.
#[derive(Clone, Debug, PartialEq)]
pub enum AnalysisEvent {
    /// Decoded so far: `frames` of recording from `bytes` of the file; waveform levels from
    /// bucket `from` on, per channel (0–255).
    Progress {
        frames: u64,
        bytes: u64,
        sample_rate: u32,
        from: usize,
        levels: Vec<Vec<u8>>,
    },
    /// The whole recording is decoded: its real length and the 10 ms energies per channel.
    Done {
        frames: u64,
        sample_rate: u32,
        energy: Arc<Vec<Vec<f32>>>,
    },
    Failed(DecodeError),
}

/// The running analysis; dropping it stops it.
pub struct Analysis {
    stop: Arc<AtomicBool>,
    reader: Reader,
    thread: Option<JoinHandle<()>>,
}

impl Analysis {
    pub fn start(
        reader: Reader,
        content_type: Option<String>,
        tell: impl Fn(AnalysisEvent) + Send + 'static,
    ) -> Analysis {
        let stop = Arc::new(AtomicBool::new(false));
        let furthest = Arc::new(AtomicU64::new(0));
        let r = reader
            .clone_at(0)
            .with_interrupt(stop.clone())
            .with_progress(furthest.clone());
        let thread = std::thread::Builder::new()
            .name("audio-analysis".into())
            .spawn(move || run(r, content_type.as_deref(), &furthest, &tell))
            .ok();
        Analysis {
            stop,
            reader,
            thread,
        }
    }
}

impl Drop for Analysis {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.reader.recording().wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Levels per channel, kept as they are computed.
struct Levels {
    channels: usize,
    /// Mean square per energy frame per channel, and the running sums of the frame being filled.
    energy: Vec<Vec<f32>>,
    sums: Vec<f64>,
    in_frame: usize,
    per_frame: usize,
    frames: u64,
    /// Waveform levels already sent.
    sent: usize,
}

impl Levels {
    fn new(rate: u32, channels: usize) -> Levels {
        Levels {
            channels,
            energy: vec![Vec::new(); channels],
            sums: vec![0.0; channels],
            in_frame: 0,
            per_frame: ((f64::from(rate) * ENERGY_SECS).round() as usize).max(1),
            frames: 0,
            sent: 0,
        }
    }

    fn push(&mut self, first_frame: u64, samples: &[f32]) {
        // Chunks come in order from one decoder; a gap (a damaged packet skipped) is silence.
        while self.frames < first_frame {
            self.add(&vec![0.0; self.channels]);
        }
        for f in samples.chunks_exact(self.channels) {
            self.add(f);
        }
    }

    fn add(&mut self, frame: &[f32]) {
        for (s, v) in self.sums.iter_mut().zip(frame) {
            *s += f64::from(*v) * f64::from(*v);
        }
        self.in_frame += 1;
        self.frames += 1;
        if self.in_frame == self.per_frame {
            self.close_frame();
        }
    }

    fn close_frame(&mut self) {
        if self.in_frame == 0 {
            return;
        }
        for (c, s) in self.sums.iter_mut().enumerate() {
            self.energy[c].push((*s / self.in_frame as f64) as f32);
            *s = 0.0;
        }
        self.in_frame = 0;
    }

    /// Waveform levels of the complete buckets not sent yet (all of them when `last`).
    fn take_levels(&mut self, last: bool) -> (usize, Vec<Vec<u8>>) {
        let per_bucket = (BUCKET_SECS / ENERGY_SECS).round() as usize;
        let have = self.energy.first().map_or(0, Vec::len);
        let buckets = if last {
            have.div_ceil(per_bucket)
        } else {
            have / per_bucket
        };
        let from = self.sent;
        let levels = (0..self.channels)
            .map(|c| {
                (from..buckets)
                    .map(|b| {
                        let e = &self.energy[c][b * per_bucket..((b + 1) * per_bucket).min(have)];
                        level(e.iter().copied().fold(0.0, f32::max))
                    })
                    .collect()
            })
            .collect();
        self.sent = buckets.max(from);
        (from, levels)
    }
}

/// A mean square as a level 0–255 on a 60 dB scale.
pub fn level(mean_square: f32) -> u8 {
    if mean_square <= 1e-9 {
        return 0;
    }
    let db = 10.0 * mean_square.log10();
    (((db + 60.0) / 60.0).clamp(0.0, 1.0) * 255.0).round() as u8
}

fn run(
    reader: Reader,
    content_type: Option<&str>,
    furthest: &AtomicU64,
    tell: &dyn Fn(AnalysisEvent),
) {
    let mut dec = match Decoder::open(reader, content_type) {
        Ok(d) => d,
        Err(DecodeError::Stopped) => return,
        Err(e) => return tell(AnalysisEvent::Failed(e)),
    };
    let rate = dec.info.sample_rate;
    let mut levels = Levels::new(rate, usize::from(dec.info.channels.max(1)));
    let mut told = Instant::now();
    let progress = |levels: &mut Levels, last: bool| {
        let (from, l) = levels.take_levels(last);
        tell(AnalysisEvent::Progress {
            frames: levels.frames,
            bytes: furthest.load(Ordering::Acquire),
            sample_rate: rate,
            from,
            levels: l,
        });
    };
    loop {
        match dec.next_chunk() {
            Ok(Some(chunk)) => {
                levels.push(chunk.first_frame, &chunk.samples);
                if told.elapsed() >= Duration::from_millis(250) {
                    progress(&mut levels, false);
                    told = Instant::now();
                }
            }
            Ok(None) => {
                levels.close_frame();
                progress(&mut levels, true);
                return tell(AnalysisEvent::Done {
                    frames: levels.frames,
                    sample_rate: rate,
                    energy: Arc::new(std::mem::take(&mut levels.energy)),
                });
            }
            Err(DecodeError::Stopped) => return,
            Err(e) => {
                progress(&mut levels, true);
                return tell(AnalysisEvent::Failed(e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_cover_every_bucket_and_a_gap_is_silence() {
        let mut l = Levels::new(1000, 2);
        l.push(0, &[0.5f32; 2 * 150]);
        l.push(250, &[0.5f32; 2 * 50]);
        l.close_frame();
        let (from, levels) = l.take_levels(true);
        assert_eq!(from, 0);
        assert_eq!(levels.len(), 2);
        assert_eq!(levels[0].len(), 3);
        assert!(levels[0][0] > 200);
        assert!(levels[0][2] > 200);
        assert_eq!(l.frames, 300);
        assert_eq!(level(0.0), 0);
        assert_eq!(level(1.0), 255);
    }
}
