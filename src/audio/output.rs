//! The output side of the player: a lock-free ring of decoded frames (each carrying its recording
//! position and the generation it was decoded for), the source the audio device pulls from it —
//! which never blocks, plays silence while paused or starved and says "buffering" — and the two
//! outputs: the default device through rodio's mixer (cpal's PulseAudio or ALSA backend), or a
//! paced null output when there is no device, so the timeline still moves.

use std::num::{NonZeroU16, NonZeroU32};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rtrb::{Consumer, Producer, RingBuffer};

/// One decoded frame on its way to the output (mono recordings leave `r` equal to `l`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Frame {
    pub l: f32,
    pub r: f32,
    /// Recording frame this output frame plays (at any speed, in recording time).
    pub pos: u64,
    /// Generation it was decoded for: frames of an older one (before a seek) are dropped.
    pub generation: u32,
}

/// Frames as the output played them, for tests and measurements (a tap on the null output).
pub type Capture = Arc<Mutex<Vec<Frame>>>;

/// Which channel of a stereo recording is heard (agent left, caller right).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ChannelMode {
    #[default]
    Both,
    Agent,
    Caller,
}

impl ChannelMode {
    pub fn next(self) -> ChannelMode {
        match self {
            ChannelMode::Both => ChannelMode::Agent,
            ChannelMode::Agent => ChannelMode::Caller,
            ChannelMode::Caller => ChannelMode::Both,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChannelMode::Both => "both",
            ChannelMode::Agent => "agent",
            ChannelMode::Caller => "caller",
        }
    }

    fn to_u8(self) -> u8 {
        self as u8
    }

    fn from_u8(v: u8) -> ChannelMode {
        match v {
            1 => ChannelMode::Agent,
            2 => ChannelMode::Caller,
            _ => ChannelMode::Both,
        }
    }
}

/// No generation has ended yet.
const NO_END: u32 = u32::MAX;

/// What the player and the output share. Written by the player and the decoder, read by the
/// output on its real-time thread: atomics only, never a lock the output could wait on.
#[derive(Debug)]
pub struct Shared {
    /// The generation being played; frames of others are dropped.
    generation: AtomicU32,
    /// The generation whose last frame the decoder has pushed.
    ended: AtomicU32,
    paused: AtomicBool,
    /// Volume as `f32` bits (1.0 = as recorded).
    volume: AtomicU32,
    channel: AtomicU8,
    /// Recording frame of the last frame played.
    position: AtomicU64,
    /// The output is starved (playing silence while frames are awaited).
    starved: AtomicBool,
    /// The output has played the last frame of the current generation.
    finished: AtomicBool,
    /// The current generation has not played yet (it starts after `start_frames`, not after
    /// `resume_frames`).
    fresh: AtomicBool,
    /// Frames of the current generation that must be in the ring before it starts (or after a
    /// starvation, resumes).
    start_frames: AtomicU32,
    resume_frames: AtomicU32,
    /// When the output pulled its first frame of recording (for the time-to-first-sample figure).
    first_pull: OnceLock<Instant>,
    /// When the output pulled the first frame of the current generation (seek latency).
    generation_pull: Mutex<Option<(u32, Instant)>>,
    /// Frames of recording the output has played (pulled), all generations.
    pulled: AtomicU64,
    /// Where the current generation starts (what a seek resets the position to).
    target: AtomicU64,
}

impl Shared {
    pub fn new(sample_rate: u32) -> Arc<Shared> {
        Arc::new(Shared {
            generation: AtomicU32::new(0),
            ended: AtomicU32::new(NO_END),
            paused: AtomicBool::new(false),
            volume: AtomicU32::new(1.0f32.to_bits()),
            channel: AtomicU8::new(0),
            position: AtomicU64::new(0),
            starved: AtomicBool::new(true),
            finished: AtomicBool::new(false),
            fresh: AtomicBool::new(true),
            // A few hundred milliseconds before the first sound; a second after a starvation.
            start_frames: AtomicU32::new(sample_rate / 4),
            resume_frames: AtomicU32::new(sample_rate),
            first_pull: OnceLock::new(),
            generation_pull: Mutex::new(None),
            pulled: AtomicU64::new(0),
            target: AtomicU64::new(0),
        })
    }

    /// Starts a new generation at recording frame `at` (a seek or a speed change): the output
    /// drops what is left of the older one. Returns the new generation.
    ///
    /// The output may be taking a frame of the older generation meanwhile: the generation is
    /// switched first and the state reset after, and the output, seeing the generation changed
    /// under the frame it took, resets the state again ([`RingSource`]'s `settle`), so the older
    /// frame never leaves its position, "finished" or "started" on the new generation.
    pub fn begin(&self, at: u64) -> u32 {
        let g = self.generation.load(Ordering::SeqCst).wrapping_add(1) % NO_END;
        self.target.store(at, Ordering::SeqCst);
        self.generation.store(g, Ordering::SeqCst);
        self.reset_to_target(at);
        g
    }

    /// The state of a generation that has not played yet, starting at `at`.
    fn reset_to_target(&self, at: u64) {
        self.position.store(at, Ordering::SeqCst);
        self.finished.store(false, Ordering::SeqCst);
        self.starved.store(true, Ordering::SeqCst);
        self.fresh.store(true, Ordering::SeqCst);
    }

    /// The recording's sample rate, once known: the start and resume thresholds follow it.
    pub fn set_rate(&self, sample_rate: u32) {
        self.start_frames.store(sample_rate / 4, Ordering::Release);
        self.resume_frames.store(sample_rate, Ordering::Release);
    }

    pub fn generation(&self) -> u32 {
        self.generation.load(Ordering::Acquire)
    }

    /// The decoder has pushed the last frame of `generation`.
    pub fn end(&self, generation: u32) {
        self.ended.store(generation, Ordering::Release);
    }

    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::Release);
    }

    pub fn paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    pub fn set_volume(&self, v: f32) {
        self.volume.store(v.to_bits(), Ordering::Release);
    }

    pub fn set_channel(&self, m: ChannelMode) {
        self.channel.store(m.to_u8(), Ordering::Release);
    }

    /// Recording frame being heard.
    pub fn position(&self) -> u64 {
        self.position.load(Ordering::Acquire)
    }

    pub fn starved(&self) -> bool {
        self.starved.load(Ordering::Acquire)
    }

    pub fn finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    pub fn first_pull(&self) -> Option<Instant> {
        self.first_pull.get().copied()
    }

    /// When the first frame of `generation` was pulled.
    pub fn generation_pulled(&self, generation: u32) -> Option<Instant> {
        match *self
            .generation_pull
            .lock()
            .unwrap_or_else(|e| e.into_inner())
        {
            Some((g, at)) if g == generation => Some(at),
            _ => None,
        }
    }

    pub fn pulled(&self) -> u64 {
        self.pulled.load(Ordering::Acquire)
    }
}

/// Ring capacity: two seconds of frames at `sample_rate` (the decoder keeps it full).
pub fn ring(sample_rate: u32) -> (Producer<Frame>, Consumer<Frame>) {
    RingBuffer::new((sample_rate as usize * 2).max(4096))
}

/// The source the output pulls: interleaved `f32` samples at the recording's rate, one or two
/// channels. Never ends and never blocks.
pub struct RingSource {
    ring: Consumer<Frame>,
    shared: Arc<Shared>,
    channels: u16,
    sample_rate: u32,
    /// The frame being played and which of its samples comes next.
    frame: [f32; 2],
    next_channel: u16,
    /// Waiting for enough frames before playing (at the start, after a seek or a starvation).
    waiting: bool,
    /// The generation seen last (a new one waits for its first frames again).
    generation: u32,
    /// Where played frames are copied (as heard: channel mode and volume applied).
    tap: Option<Capture>,
}

impl RingSource {
    pub fn new(
        ring: Consumer<Frame>,
        shared: Arc<Shared>,
        channels: u16,
        sample_rate: u32,
    ) -> Self {
        RingSource {
            ring,
            shared,
            channels: channels.clamp(1, 2),
            sample_rate: sample_rate.max(1),
            frame: [0.0; 2],
            next_channel: 0,
            waiting: true,
            generation: 0,
            tap: None,
        }
    }

    /// Copies every frame played into `capture`.
    pub fn with_tap(mut self, capture: Option<Capture>) -> Self {
        self.tap = capture;
        self
    }

    /// Takes the next frame to play: silence while paused, starved or finished.
    fn next_frame(&mut self) -> [f32; 2] {
        if self.shared.paused.load(Ordering::Acquire) {
            return [0.0; 2];
        }
        let generation = self.shared.generation.load(Ordering::SeqCst);
        let frame = self.take_frame(generation);
        self.settle(generation);
        frame
    }

    /// A seek that landed while a frame of `generation` was taken: the state that frame left
    /// (its position, "finished", "started") is the seek's again. Repeated while seeks keep
    /// landing (see [`Shared::begin`]).
    fn settle(&self, generation: u32) {
        let sh = &self.shared;
        let mut seen = generation;
        loop {
            let now = sh.generation.load(Ordering::SeqCst);
            if now == seen {
                return;
            }
            sh.reset_to_target(sh.target.load(Ordering::SeqCst));
            seen = now;
        }
    }

    /// The frame of `generation` to play: silence while starved or finished.
    fn take_frame(&mut self, generation: u32) -> [f32; 2] {
        let sh = &self.shared;
        if generation != self.generation {
            self.generation = generation;
            self.waiting = true;
        }
        // Read the end mark before looking at the ring: everything of an ended generation is
        // already in it.
        let ended = sh.ended.load(Ordering::Acquire) == generation;
        // Drop what was decoded for an older generation (bounded by the ring's size).
        while let Ok(f) = self.ring.peek() {
            if f.generation == generation {
                break;
            }
            let _ = self.ring.pop();
        }
        let available = self.ring.slots() as u32;
        if self.waiting {
            let needed = if sh.fresh.load(Ordering::Acquire) {
                sh.start_frames.load(Ordering::Acquire)
            } else {
                sh.resume_frames.load(Ordering::Acquire)
            };
            if available < needed && !ended {
                sh.starved.store(true, Ordering::SeqCst);
                return [0.0; 2];
            }
            self.waiting = false;
        }
        let Ok(f) = self.ring.pop() else {
            if ended {
                sh.finished.store(true, Ordering::SeqCst);
            } else {
                sh.starved.store(true, Ordering::SeqCst);
                self.waiting = true;
            }
            return [0.0; 2];
        };
        if f.generation != generation {
            return [0.0; 2];
        }
        if sh.starved.swap(false, Ordering::SeqCst) && sh.fresh.swap(false, Ordering::SeqCst) {
            let now = Instant::now();
            let _ = sh.first_pull.set(now);
            let mut g = sh.generation_pull.lock().unwrap_or_else(|e| e.into_inner());
            if g.is_none_or(|(gen_, _)| gen_ != generation) {
                *g = Some((generation, now));
            }
        }
        sh.position.store(f.pos, Ordering::SeqCst);
        sh.pulled.fetch_add(1, Ordering::AcqRel);
        let volume = f32::from_bits(sh.volume.load(Ordering::Acquire));
        let (l, r) = match ChannelMode::from_u8(sh.channel.load(Ordering::Acquire)) {
            ChannelMode::Both => (f.l, f.r),
            ChannelMode::Agent => (f.l, f.l),
            ChannelMode::Caller => (f.r, f.r),
        };
        if let Some(tap) = &self.tap {
            tap.lock().unwrap_or_else(|e| e.into_inner()).push(Frame {
                l: l * volume,
                r: r * volume,
                pos: f.pos,
                generation,
            });
        }
        if self.channels == 1 {
            [l * volume, 0.0]
        } else {
            [l * volume, r * volume]
        }
    }
}

impl Iterator for RingSource {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if self.next_channel == 0 {
            self.frame = self.next_frame();
        }
        let s = self.frame[usize::from(self.next_channel)];
        self.next_channel = (self.next_channel + 1) % self.channels;
        Some(s)
    }
}

impl rodio::Source for RingSource {
    fn current_span_len(&self) -> Option<usize> {
        None
    }

    fn channels(&self) -> rodio::ChannelCount {
        NonZeroU16::new(self.channels).unwrap_or(NonZeroU16::MIN)
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        NonZeroU32::new(self.sample_rate).unwrap_or(NonZeroU32::MIN)
    }

    fn total_duration(&self) -> Option<Duration> {
        None
    }

    fn try_seek(&mut self, _: Duration) -> Result<(), rodio::source::SeekError> {
        // Seeking is the decoder's job (a new generation); the output only drops older frames.
        Ok(())
    }
}

/// Where the samples go.
pub enum Output {
    /// The default audio device (its stream lives as long as this).
    Device(rodio::stream::MixerDeviceSink),
    /// No device: a thread pulls the source at real-time pace.
    Null(NullOutput),
}

impl Output {
    /// Plays `source` on the default device; on failure, returns the reason in one sentence and
    /// the source back (for a null output).
    pub fn device(source: RingSource) -> Result<Output, (String, RingSource)> {
        // The recording's own rate and channels with a short buffer first (the sound server
        // resamples a small stream cheaply, and a 20 ms pull period keeps seeks quick); the
        // device's default configuration when it refuses that.
        let rate = NonZeroU32::new(source.sample_rate).unwrap_or(NonZeroU32::MIN);
        let channels = NonZeroU16::new(source.channels).unwrap_or(NonZeroU16::MIN);
        let frames = (source.sample_rate / 50).max(64);
        let tuned = rodio::DeviceSinkBuilder::from_default_device().and_then(|b| {
            b.with_sample_rate(rate)
                .with_channels(channels)
                .with_buffer_size(cpal::BufferSize::Fixed(frames))
                .with_error_callback(|e| tracing::warn!("audio output: {e}"))
                .open_stream()
        });
        let opened = tuned.or_else(|e| {
            tracing::info!(
                "the audio device refused {rate} Hz × {channels}: {e}; its default then"
            );
            rodio::DeviceSinkBuilder::from_default_device().and_then(|b| {
                b.with_error_callback(|e| tracing::warn!("audio output: {e}"))
                    .open_stream()
            })
        });
        match opened {
            Ok(mut sink) => {
                sink.log_on_drop(false);
                sink.mixer().add(source);
                Ok(Output::Device(sink))
            }
            Err(e) => Err((no_device_sentence(&e.to_string()), source)),
        }
    }

    /// Plays `source` on a null output paced at `pace` × real time (1.0 but in tests).
    pub fn null(source: RingSource, pace: f64) -> Output {
        Output::Null(NullOutput::start(source, pace))
    }

    pub fn is_device(&self) -> bool {
        matches!(self, Output::Device(_))
    }
}

/// The one-line reason there is no sound, with the fix.
pub fn no_device_sentence(error: &str) -> String {
    tracing::info!("no audio output: {error}");
    "No audio device here (over SSH, forward your PulseAudio socket: see the README, \
     \"Listening over SSH\"); playing silently — press s to save the recording"
        .to_string()
}

/// A thread that pulls the source at real-time pace and throws the samples away.
pub struct NullOutput {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl NullOutput {
    fn start(mut source: RingSource, pace: f64) -> NullOutput {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("audio-null-output".into())
            .spawn(move || {
                let rate = (f64::from(source.sample_rate) * pace.clamp(0.01, 1000.0)) as u64;
                let per_frame = usize::from(source.channels);
                let started = Instant::now();
                let mut frames: u64 = 0;
                while !flag.load(Ordering::Acquire) {
                    let due = started.elapsed().as_micros() as u64 * rate / 1_000_000;
                    while frames < due {
                        for _ in 0..per_frame {
                            let _ = source.next();
                        }
                        frames += 1;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
            .ok();
        NullOutput { stop, thread }
    }
}

impl Drop for NullOutput {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(n: u64, generation: u32, from: u64) -> impl Iterator<Item = Frame> {
        (0..n).map(move |i| Frame {
            l: 0.5,
            r: -0.5,
            pos: from + i,
            generation,
        })
    }

    #[test]
    fn silence_until_enough_is_buffered_then_the_frames_in_order() {
        let shared = Shared::new(8000);
        let (mut tx, rx) = ring(8000);
        let mut src = RingSource::new(rx, shared.clone(), 2, 8000);
        for f in frames(100, 0, 0) {
            tx.push(f).ok();
        }
        assert_eq!(
            (src.next(), src.next()),
            (Some(0.0), Some(0.0)),
            "not 250 ms yet"
        );
        assert!(shared.starved());
        for f in frames(2000, 0, 100) {
            tx.push(f).ok();
        }
        assert_eq!((src.next(), src.next()), (Some(0.5), Some(-0.5)));
        assert_eq!(shared.position(), 0);
        assert!(!shared.starved());
        assert!(shared.first_pull().is_some());
    }

    #[test]
    fn an_older_generation_is_dropped_and_the_end_is_reported() {
        let shared = Shared::new(8000);
        let (mut tx, rx) = ring(8000);
        let mut src = RingSource::new(rx, shared.clone(), 1, 8000);
        for f in frames(50, 0, 0) {
            tx.push(f).ok();
        }
        let g = shared.begin(4000);
        for f in frames(10, g, 4000) {
            tx.push(f).ok();
        }
        shared.end(g);
        for _ in 0..10 {
            assert_eq!(src.next(), Some(0.5));
        }
        assert_eq!(shared.position(), 4009);
        assert!(!shared.finished());
        assert_eq!(src.next(), Some(0.0));
        assert!(shared.finished());
    }

    #[test]
    fn pause_volume_and_channel_mode_apply_at_the_output() {
        let shared = Shared::new(100);
        let (mut tx, rx) = ring(100);
        let mut src = RingSource::new(rx, shared.clone(), 2, 100);
        for f in frames(200, 0, 0) {
            tx.push(f).ok();
        }
        shared.set_paused(true);
        assert_eq!((src.next(), src.next()), (Some(0.0), Some(0.0)));
        shared.set_paused(false);
        shared.set_volume(0.5);
        shared.set_channel(ChannelMode::Caller);
        assert_eq!((src.next(), src.next()), (Some(-0.25), Some(-0.25)));
    }

    /// A seek lands while the output is taking a frame of the generation before (or finding
    /// it ended): that frame must leave neither its position, nor "finished", nor "started" on
    /// the new generation (the position jumped back, the player said Finished after a seek, or
    /// the new generation waited for a second of audio instead of a quarter).
    #[test]
    fn a_seek_racing_the_output_leaves_the_new_generation_clean() {
        let shared = Shared::new(8000);
        let (mut tx, rx) = ring(8000);
        let mut src = RingSource::new(rx, shared.clone(), 1, 8000);
        let calls = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let output = {
            let (calls, stop) = (calls.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    let _ = src.next();
                    calls.fetch_add(1, Ordering::AcqRel);
                }
            })
        };
        let mut bad = Vec::new();
        for i in 0..10_000u64 {
            let g = shared.generation();
            for f in frames(40, g, 0) {
                let _ = tx.push(f);
            }
            shared.end(g);
            // Vary the moment of the seek within the output's work on those frames.
            for _ in 0..(i % 97) * 4 {
                std::hint::spin_loop();
            }
            let at = 1_000_000 + i;
            shared.begin(at);
            let c = calls.load(Ordering::Acquire);
            while calls.load(Ordering::Acquire) < c + 3 {
                std::hint::spin_loop();
            }
            let fresh = shared.fresh.load(Ordering::Acquire);
            if shared.position() != at || shared.finished() || !shared.starved() || !fresh {
                bad.push((
                    i,
                    shared.position(),
                    shared.finished(),
                    shared.starved(),
                    fresh,
                ));
            }
        }
        stop.store(true, Ordering::Release);
        let _ = output.join();
        assert!(
            bad.is_empty(),
            "{} stale seeks, e.g. {:?}",
            bad.len(),
            &bad[..bad.len().min(5)]
        );
    }

    #[test]
    fn the_null_output_advances_at_real_time_pace() {
        let shared = Shared::new(1000);
        let (mut tx, rx) = ring(1000);
        for f in frames(1500, 0, 0) {
            tx.push(f).ok();
        }
        let out = Output::null(RingSource::new(rx, shared.clone(), 1, 1000), 1.0);
        std::thread::sleep(Duration::from_millis(300));
        drop(out);
        // Paced, not drained at once (1500 frames would be 1.5 s).
        let pos = shared.position();
        assert!(pos > 0 && pos < 1499, "{pos}");
    }
}
