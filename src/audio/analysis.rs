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
use super::turns::Energy;

/// Seconds of recording per waveform level.
pub const BUCKET_SECS: f64 = 0.1;
/// Seconds per energy frame.
pub const ENERGY_SECS: f64 = 0.01;

/// What the analysis tells.
#[derive(Clone, Debug)]
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
        /// The length the container's header declares, if it does.
        declared: Option<u64>,
        sample_rate: u32,
        energy: Arc<Energy>,
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
        tell: impl Fn(AnalysisEvent) + Send + Sync + 'static,
    ) -> Analysis {
        let stop = Arc::new(AtomicBool::new(false));
        let furthest = Arc::new(AtomicU64::new(0));
        let r = reader
            .clone_at(0)
            .with_interrupt(stop.clone())
            .with_progress(furthest.clone());
        let tell = Arc::new(tell);
        let thread = std::thread::Builder::new()
            .name("audio-analysis".into())
            .spawn({
                let stop = stop.clone();
                let tell = tell.clone();
                move || run(r, content_type.as_deref(), &furthest, &stop, &*tell)
            });
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                tell(AnalysisEvent::Failed(DecodeError::Io(format!(
                    "the analysis thread could not start: {e}"
                ))));
                None
            }
        };
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

/// The energy being measured, and how much of the waveform was sent.
struct Levels {
    energy: Energy,
    channels: usize,
    rate: u32,
    /// Waveform levels already sent.
    sent: usize,
}

impl Levels {
    fn new(rate: u32, channels: usize) -> Levels {
        Levels {
            energy: Energy::new(),
            channels,
            rate,
            sent: 0,
        }
    }

    fn push(&mut self, first_frame: u64, samples: &[f32]) {
        self.energy
            .push(first_frame, samples, self.channels, self.rate);
    }

    /// Frames of recording decoded.
    fn frames(&self) -> u64 {
        (self.energy.secs() * f64::from(self.rate)).round() as u64
    }

    /// Waveform levels of the complete buckets not sent yet (all of them when `last`).
    fn take_levels(&mut self, last: bool) -> (usize, Vec<Vec<u8>>) {
        let per_bucket = (BUCKET_SECS / ENERGY_SECS).round() as usize;
        let have = self.energy.frames();
        let buckets = if last {
            have.div_ceil(per_bucket)
        } else {
            have / per_bucket
        };
        let from = self.sent.min(buckets);
        let levels = (0..self.channels)
            .map(|c| {
                (from..buckets)
                    .map(|b| {
                        let peak = (b * per_bucket..((b + 1) * per_bucket).min(have))
                            .filter_map(|k| self.energy.level_db(k, c))
                            .fold(f32::MIN, f32::max);
                        level(peak)
                    })
                    .collect()
            })
            .collect();
        self.sent = buckets;
        (from, levels)
    }
}

/// A level in dBFS as 0–255 on a 60 dB scale.
pub fn level(db: f32) -> u8 {
    (((db + 60.0) / 60.0).clamp(0.0, 1.0) * 255.0).round() as u8
}

fn run(
    reader: Reader,
    content_type: Option<&str>,
    furthest: &AtomicU64,
    stop: &AtomicBool,
    tell: &dyn Fn(AnalysisEvent),
) {
    let mut dec = match Decoder::open(reader, content_type) {
        Ok(d) => d,
        Err(DecodeError::Stopped) if stop.load(Ordering::Acquire) => return,
        Err(e) => return tell(AnalysisEvent::Failed(e)),
    };
    let rate = dec.info.sample_rate;
    let mut levels = Levels::new(rate, usize::from(dec.info.channels.max(1)));
    let mut told = Instant::now();
    let progress = |levels: &mut Levels, last: bool| {
        let (from, l) = levels.take_levels(last);
        tell(AnalysisEvent::Progress {
            frames: levels.frames(),
            bytes: furthest.load(Ordering::Acquire),
            sample_rate: rate,
            from,
            levels: l,
        });
    };
    loop {
        // Stopped (the player closed): a recording all downloaded decodes without waiting,
        // so the flag is looked at between chunks too.
        if stop.load(Ordering::Acquire) {
            return;
        }
        match dec.next_chunk() {
            Ok(Some(chunk)) => {
                levels.push(chunk.first_frame, &chunk.samples);
                if told.elapsed() >= Duration::from_millis(250) {
                    progress(&mut levels, false);
                    told = Instant::now();
                }
            }
            Ok(None) => {
                progress(&mut levels, true);
                return tell(AnalysisEvent::Done {
                    frames: levels.frames(),
                    declared: dec.info.frames,
                    sample_rate: rate,
                    energy: Arc::new(std::mem::take(&mut levels.energy)),
                });
            }
            // Stopped by the player: nobody listens any more. Stopped otherwise (the download
            // ended early) is told like any failure, so the player knows the analysis is over.
            Err(DecodeError::Stopped) if stop.load(Ordering::Acquire) => return,
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
    fn levels_cover_every_bucket_and_a_gap_is_not_decoded() {
        let mut l = Levels::new(1000, 2);
        l.push(0, &[0.5f32; 2 * 150]);
        l.push(250, &[0.5f32; 2 * 50]);
        let (from, levels) = l.take_levels(true);
        assert_eq!(from, 0);
        assert_eq!(levels.len(), 2);
        assert_eq!(levels[0].len(), 3);
        assert!(levels[0][0] > 200, "{levels:?}");
        assert!(levels[0][2] > 200, "{levels:?}");
        assert_eq!(l.frames(), 300);
        assert_eq!(level(-100.0), 0);
        assert_eq!(level(0.0), 255);
        // Nothing new: nothing sent again.
        assert!(l.take_levels(true).1.iter().all(Vec::is_empty));
    }
}
