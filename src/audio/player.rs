//! The player actor: one thread owns the output; commands come in, events go out. It downloads
//! the recording into memory, decodes it on its own thread into the output's ring, analyses the
//! whole file beside playback (real duration, waveform, speech energy for turn times) and tells
//! its state about ten times a second while playing.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::analysis::{Analysis, AnalysisEvent};
use super::buffer::{Fill, Recording};
use super::decode::Format;
use super::download::{DownloadEvent, Source, download};
use super::engine::{DecodeCmd, DecodeEvent, DecodeThread};
use super::output::{self, ChannelMode, Output, RingSource, Shared};
use super::turns::Energy;

/// The speeds offered, slowest first.
pub const SPEEDS: [f32; 8] = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5];
/// The note while what was downloaded plays on after the download failed.
const PLAYING_WHAT_CAME: &str = "the download stopped; playing what came";
/// How far back playback starts again after a pause.
pub const BACKTRACK_SECS: f64 = 2.0;

/// What the user asks of the player.
#[derive(Clone, Debug, PartialEq)]
pub enum PlayerCmd {
    TogglePause,
    /// Play on (from where it is, without going back).
    Resume,
    /// Seek by seconds (negative: back).
    SeekBy(f64),
    /// Seek to a second of the recording.
    SeekTo(f64),
    /// Seek to a fraction (0–1) of the recording.
    SeekFraction(f64),
    Faster,
    Slower,
    SetSpeed(f32),
    VolumeUp,
    VolumeDown,
    NextChannel,
    /// Save the recording (once it is all here) into this file; its extension is added.
    Save(PathBuf),
}

/// Where the sound goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// Not opened yet (nothing decoded yet).
    None,
    Device,
    /// No device: played silently at real-time pace; the reason with its fix.
    Null(String),
}

/// The player's state as the player bar shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum PlayState {
    Connecting,
    /// Waiting for audio: the download's percentage when its length is known.
    Buffering(Option<u8>),
    Playing,
    Paused,
    Finished,
    Failed(String),
}

/// Everything the player bar shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub state: PlayState,
    /// Recording time being heard, in seconds.
    pub position: f64,
    /// Length in seconds, and whether it is still an estimate.
    pub duration: Option<f64>,
    pub estimated: bool,
    pub speed: f32,
    /// Percent.
    pub volume: u16,
    pub channel: ChannelMode,
    pub channels: u16,
    /// Frames per second of the recording (0 until known).
    pub sample_rate: u32,
    pub downloaded: u64,
    pub total: Option<u64>,
    /// "MP3", "WAV µ-law", …
    pub format: Option<String>,
    pub content_type: Option<String>,
    pub output: OutputKind,
    /// Something to know (a resumed download, a truncated file).
    pub note: Option<String>,
    /// Whether every byte is downloaded (saving is possible).
    pub complete: bool,
}

impl Default for Status {
    fn default() -> Self {
        Status {
            state: PlayState::Connecting,
            position: 0.0,
            duration: None,
            estimated: true,
            speed: 1.0,
            volume: 100,
            channel: ChannelMode::Both,
            channels: 1,
            sample_rate: 0,
            downloaded: 0,
            total: None,
            format: None,
            content_type: None,
            output: OutputKind::None,
            note: None,
            complete: false,
        }
    }
}

/// What the player tells.
#[derive(Clone, Debug)]
pub enum PlayerEvent {
    Status(Status),
    /// Waveform levels (0–255) per channel from bucket `from` on (see `analysis::BUCKET_SECS`).
    Waveform {
        from: usize,
        levels: Vec<Vec<u8>>,
    },
    /// The whole recording is analysed: speech energy per channel every 10 ms.
    Analysed {
        energy: Arc<Energy>,
    },
    Saved {
        path: PathBuf,
        bytes: u64,
    },
    SaveFailed {
        path: PathBuf,
        reason: String,
    },
}

/// How the player is set up.
#[derive(Clone, Debug)]
pub struct Options {
    /// Try the audio device (off: always the null output, as in tests).
    pub device: bool,
    /// Start playing at once (off: paused at the start, ready).
    pub autoplay: bool,
    /// Pace of the null output (1.0 = real time; tests play faster).
    pub null_pace: f64,
    /// Copies of the frames the null output plays (tests).
    pub capture: Option<output::Capture>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            device: true,
            autoplay: true,
            null_pace: 1.0,
            capture: None,
        }
    }
}

enum Input {
    Cmd(PlayerCmd),
    /// The handle was dropped.
    Stop,
    Download(DownloadEvent),
    Decode(DecodeEvent),
    Analysis(AnalysisEvent),
}

/// The running player; dropping it stops playback and the download.
pub struct Player {
    tx: Sender<Input>,
    thread: Option<JoinHandle<()>>,
    shared: Arc<std::sync::OnceLock<Arc<Shared>>>,
}

impl Player {
    /// Starts downloading and playing `source` (downloads run on `runtime`).
    pub fn start(
        source: Source,
        options: Options,
        runtime: tokio::runtime::Handle,
        tell: impl Fn(PlayerEvent) + Send + 'static,
    ) -> Player {
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = Arc::new(std::sync::OnceLock::new());
        let actor = Actor::new(tx.clone(), options, shared.clone());
        let thread = std::thread::Builder::new()
            .name("audio-player".into())
            .spawn(move || actor.run(source, rx, runtime, &tell))
            .ok();
        Player { tx, thread, shared }
    }

    pub fn send(&self, cmd: PlayerCmd) {
        let _ = self.tx.send(Input::Cmd(cmd));
    }

    /// When the output pulled its first sample of recording (for measurements).
    pub fn first_sample_at(&self) -> Option<Instant> {
        self.shared.get().and_then(|s| s.first_pull())
    }

    /// When the output pulled the first sample after the latest seek.
    pub fn seek_landed_at(&self) -> Option<Instant> {
        let s = self.shared.get()?;
        s.generation_pulled(s.generation())
    }

    /// The recording frame being heard and frames pulled so far (for measurements).
    pub fn output_position(&self) -> Option<(u64, u64)> {
        self.shared.get().map(|s| (s.position(), s.pulled()))
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        let _ = self.tx.send(Input::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The actor's state (lives on its thread).
struct Actor {
    tx: Sender<Input>,
    options: Options,
    published: Arc<std::sync::OnceLock<Arc<Shared>>>,
    status: Status,
    rec: Recording,
    shared: Option<Arc<Shared>>,
    format: Option<Format>,
    decoder: Option<DecodeThread>,
    analysis: Option<Analysis>,
    output: Option<Output>,
    /// Consumer side of the ring until the output exists.
    pending_source: Option<rtrb::Consumer<output::Frame>>,
    producer: Option<rtrb::Producer<output::Frame>>,
    /// Frames of the real length once analysed.
    frames: Option<u64>,
    /// Estimated length from the analysis' progress.
    estimate: Option<f64>,
    /// The analysis has ended (done or stopped): only then is the end of playback told, so the
    /// real length and a truncation note come with it, never after it.
    analysis_over: bool,
    /// Decoding reached the end of the current generation.
    decoded_all: bool,
    /// Saves asked for before the download ended.
    save_when_complete: Vec<PathBuf>,
    /// Why decoding stopped before the end of the recording (the download failed, the file is
    /// damaged): told once the output has played the last frame that came.
    failure: Option<String>,
    paused: bool,
    speed: f32,
    volume: u16,
    channel: ChannelMode,
    last_told: Option<Status>,
}

impl Actor {
    fn new(
        tx: Sender<Input>,
        options: Options,
        published: Arc<std::sync::OnceLock<Arc<Shared>>>,
    ) -> Actor {
        let paused = !options.autoplay;
        Actor {
            tx,
            options,
            published,
            status: Status::default(),
            rec: Recording::new(),
            shared: None,
            format: None,
            decoder: None,
            analysis: None,
            analysis_over: false,
            output: None,
            pending_source: None,
            producer: None,
            frames: None,
            estimate: None,
            decoded_all: false,
            save_when_complete: Vec::new(),
            failure: None,
            paused,
            speed: 1.0,
            volume: 100,
            channel: ChannelMode::Both,
            last_told: None,
        }
    }

    fn run(
        mut self,
        source: Source,
        rx: Receiver<Input>,
        runtime: tokio::runtime::Handle,
        tell: &dyn Fn(PlayerEvent),
    ) {
        let download_task = {
            let rec = self.rec.clone();
            let tx = self.tx.clone();
            runtime.spawn(download(source, rec, move |e| {
                let _ = tx.send(Input::Download(e));
            }))
        };
        self.tell_status(tell, true);
        loop {
            let input = match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(Input::Stop) => break,
                Ok(i) => Some(i),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            if let Some(input) = input {
                self.handle(input, tell);
            }
            self.tell_status(tell, false);
        }
        download_task.abort();
        self.rec.cancel();
        // Stop the threads before the output (the decoder may be waiting on the ring).
        self.decoder = None;
        self.analysis = None;
        self.output = None;
    }

    fn handle(&mut self, input: Input, tell: &dyn Fn(PlayerEvent)) {
        match input {
            Input::Cmd(cmd) => self.command(cmd, tell),
            Input::Download(e) => self.download_event(e, tell),
            Input::Decode(e) => self.decode_event(e),
            Input::Analysis(e) => self.analysis_event(e, tell),
            Input::Stop => {}
        }
    }

    fn download_event(&mut self, e: DownloadEvent, tell: &dyn Fn(PlayerEvent)) {
        match e {
            DownloadEvent::Started {
                content_type,
                total,
            } => {
                self.status.content_type = content_type.clone();
                self.status.total = total;
                self.start_decoding(content_type);
            }
            DownloadEvent::Progress { bytes, total } => {
                self.status.downloaded = bytes;
                self.status.total = total;
            }
            DownloadEvent::Resuming { at, attempt, cause } => {
                tracing::info!(
                    "recording download resuming at byte {at} (attempt {attempt}): {cause}"
                );
                self.status.note = Some(format!("the connection dropped ({cause}); resuming"));
            }
            DownloadEvent::Complete { bytes } => {
                self.status.downloaded = bytes;
                self.status.complete = true;
                if self
                    .status
                    .note
                    .as_deref()
                    .is_some_and(|n| n.ends_with("resuming"))
                {
                    self.status.note = None;
                }
                for path in std::mem::take(&mut self.save_when_complete) {
                    self.save(path, tell);
                }
            }
            DownloadEvent::Failed { reason } => {
                // Playing on what came: said until the reason is (the state, at its end).
                self.status.note = self.format.is_some().then(|| PLAYING_WHAT_CAME.to_string());
                for path in std::mem::take(&mut self.save_when_complete) {
                    tell(PlayerEvent::SaveFailed {
                        path,
                        reason: reason.clone(),
                    });
                }
                if self.format.is_none() {
                    self.status.state = PlayState::Failed(reason);
                }
                // Otherwise playback goes on to the last byte that came, then says why.
            }
        }
    }

    fn start_decoding(&mut self, content_type: Option<String>) {
        let (producer, consumer) = output::ring(48_000);
        self.pending_source = Some(consumer);
        self.producer = Some(producer);
        let tx = self.tx.clone();
        let tx2 = self.tx.clone();
        self.analysis_over = false;
        self.analysis = Some(Analysis::start(
            self.rec.reader(),
            content_type.clone(),
            move |e| {
                let _ = tx2.send(Input::Analysis(e));
            },
        ));
        // The decoder thread needs the shared state, which needs the sample rate: it is made
        // with a provisional rate and adjusted when the decoder opens.
        let shared = Shared::new(8000);
        let _ = self.published.set(shared.clone());
        self.shared = Some(shared.clone());
        shared.set_paused(self.paused);
        if let Some(producer) = self.producer.take() {
            self.decoder = Some(DecodeThread::start(
                self.rec.reader(),
                content_type,
                producer,
                shared,
                move |e| {
                    let _ = tx.send(Input::Decode(e));
                },
            ));
        }
    }

    fn decode_event(&mut self, e: DecodeEvent) {
        match e {
            DecodeEvent::Opened(format) => {
                if let (Some(shared), Some(consumer)) = (&self.shared, self.pending_source.take()) {
                    shared.set_rate(format.sample_rate);
                    let source = RingSource::new(
                        consumer,
                        shared.clone(),
                        format.channels,
                        format.sample_rate,
                    )
                    .with_tap(self.options.capture.clone());
                    let pace = self.options.null_pace;
                    self.output = Some(if self.options.device {
                        match Output::device(source) {
                            Ok(o) => {
                                self.status.output = OutputKind::Device;
                                o
                            }
                            Err((why, source)) => {
                                self.status.output = OutputKind::Null(why);
                                Output::null(source, pace)
                            }
                        }
                    } else {
                        self.status.output = OutputKind::Null(
                            "Audio is off (--no-audio): playing silently — s saves the recording"
                                .into(),
                        );
                        Output::null(source, pace)
                    });
                }
                self.status.channels = format.channels;
                self.status.sample_rate = format.sample_rate;
                self.status.format = Some(format.name.clone());
                if let Some(frames) = format.frames {
                    self.estimate = Some(frames as f64 / f64::from(format.sample_rate));
                }
                self.format = Some(format);
            }
            DecodeEvent::Ended { generation, .. } => {
                if self
                    .shared
                    .as_ref()
                    .is_some_and(|s| s.generation() == generation)
                {
                    self.decoded_all = true;
                }
            }
            // Playing: what was decoded plays to its last frame, then the reason is told.
            DecodeEvent::Failed(e) if self.output.is_some() => {
                self.failure = Some(e.to_string());
            }
            DecodeEvent::Failed(e) => {
                self.status.state = PlayState::Failed(e.to_string());
            }
        }
    }

    fn analysis_event(&mut self, e: AnalysisEvent, tell: &dyn Fn(PlayerEvent)) {
        match e {
            AnalysisEvent::Progress {
                frames,
                bytes,
                sample_rate,
                from,
                levels,
            } => {
                if !levels.iter().all(Vec::is_empty) {
                    tell(PlayerEvent::Waveform { from, levels });
                }
                let decoded = frames as f64 / f64::from(sample_rate.max(1));
                // Without a length in the header: what is decoded, scaled to the whole file.
                let from_bytes = match (self.status.total, bytes) {
                    (Some(total), b) if b > 0 => Some(decoded * total as f64 / b as f64),
                    _ => None,
                };
                let header = self
                    .format
                    .as_ref()
                    .and_then(|f| f.frames)
                    .map(|f| f as f64 / f64::from(sample_rate.max(1)));
                // A header claiming far more than the bytes can hold (sizes of 0xFFFFFFFF) is
                // not believed.
                self.estimate = match (header, from_bytes) {
                    (Some(h), Some(b)) if h > b * 1.5 => Some(b),
                    (Some(h), _) => Some(h),
                    (None, b) => b.or(self.estimate),
                };
            }
            AnalysisEvent::Done {
                frames,
                declared,
                sample_rate,
                energy,
            } => {
                self.frames = Some(frames);
                let secs = frames as f64 / f64::from(sample_rate.max(1));
                // The analysis' own header reading: the player's decoder may not have opened yet.
                if let Some(declared) = declared
                    && declared > frames + u64::from(sample_rate) / 2
                    && !matches!(self.rec.fill(), Fill::Failed(_))
                {
                    self.status.note = Some(format!(
                        "the file is truncated: it ends at {} of the {} its header promises",
                        clock(secs),
                        clock(declared as f64 / f64::from(sample_rate.max(1)))
                    ));
                }
                self.analysis_over = true;
                tell(PlayerEvent::Analysed { energy });
            }
            AnalysisEvent::Failed(e) => {
                self.analysis_over = true;
                tracing::info!("analysis of the recording stopped: {e}");
            }
        }
    }

    fn duration(&self) -> Option<f64> {
        let rate = f64::from(self.format.as_ref()?.sample_rate.max(1));
        match self.frames {
            Some(f) => Some(f as f64 / rate),
            None => self.estimate,
        }
    }

    fn position(&self) -> f64 {
        match (&self.shared, &self.format) {
            (Some(s), Some(f)) => s.position() as f64 / f64::from(f.sample_rate.max(1)),
            _ => 0.0,
        }
    }

    fn command(&mut self, cmd: PlayerCmd, tell: &dyn Fn(PlayerEvent)) {
        match cmd {
            PlayerCmd::TogglePause => self.toggle_pause(),
            PlayerCmd::Resume => {
                if self.paused {
                    self.paused = false;
                    if let Some(s) = &self.shared {
                        s.set_paused(false);
                    }
                }
            }
            PlayerCmd::SeekBy(d) => self.seek(self.position() + d),
            PlayerCmd::SeekTo(t) => self.seek(t),
            PlayerCmd::SeekFraction(f) => {
                if let Some(d) = self.duration() {
                    self.seek(d * f.clamp(0.0, 1.0));
                }
            }
            PlayerCmd::Faster | PlayerCmd::Slower | PlayerCmd::SetSpeed(_) => {
                let speed = match cmd {
                    PlayerCmd::SetSpeed(s) => s.clamp(SPEEDS[0], SPEEDS[SPEEDS.len() - 1]),
                    PlayerCmd::Faster => SPEEDS
                        .iter()
                        .copied()
                        .find(|s| *s > self.speed + 1e-3)
                        .unwrap_or(self.speed),
                    _ => SPEEDS
                        .iter()
                        .rev()
                        .copied()
                        .find(|s| *s < self.speed - 1e-3)
                        .unwrap_or(self.speed),
                };
                if (speed - self.speed).abs() > 1e-3 {
                    self.speed = speed;
                    self.seek(self.position());
                }
            }
            PlayerCmd::VolumeUp | PlayerCmd::VolumeDown => {
                self.volume = if cmd == PlayerCmd::VolumeUp {
                    (self.volume + 10).min(200)
                } else {
                    self.volume.saturating_sub(10)
                };
                if let Some(s) = &self.shared {
                    s.set_volume(f32::from(self.volume) / 100.0);
                }
            }
            PlayerCmd::NextChannel => {
                if self.status.channels > 1 {
                    self.channel = self.channel.next();
                    if let Some(s) = &self.shared {
                        s.set_channel(self.channel);
                    }
                }
            }
            PlayerCmd::Save(path) => match self.rec.fill() {
                Fill::Complete => self.save(path, tell),
                // The bytes will not all come: saying so, not waiting for ever.
                Fill::Failed(reason) => tell(PlayerEvent::SaveFailed { path, reason }),
                Fill::Filling => self.save_when_complete.push(path),
            },
        }
    }

    fn toggle_pause(&mut self) {
        let Some(shared) = self.shared.clone() else {
            self.paused = !self.paused;
            return;
        };
        if shared.finished() {
            // Play again from the start.
            self.paused = false;
            shared.set_paused(false);
            self.seek(0.0);
            return;
        }
        self.paused = !self.paused;
        if self.paused {
            shared.set_paused(true);
        } else {
            self.seek(self.position() - BACKTRACK_SECS);
            shared.set_paused(false);
        }
    }

    /// Plays from `secs` (clamped to the recording) at the current speed: a new generation.
    fn seek(&mut self, secs: f64) {
        let (Some(shared), Some(format), Some(decoder)) =
            (&self.shared, &self.format, &self.decoder)
        else {
            return;
        };
        let mut secs = secs.max(0.0);
        if let Some(d) = self
            .frames
            .map(|f| f as f64 / f64::from(format.sample_rate.max(1)))
        {
            secs = secs.min((d - 0.05).max(0.0));
        }
        let frame = (secs * f64::from(format.sample_rate)).round() as u64;
        let generation = shared.begin(frame);
        self.decoded_all = false;
        decoder.send(DecodeCmd::Start {
            frame,
            tempo: self.speed,
            generation,
        });
    }

    fn save(&mut self, path: PathBuf, tell: &dyn Fn(PlayerEvent)) {
        let bytes = self.rec.snapshot();
        let ext = super::extension_of(self.status.content_type.as_deref(), &bytes);
        match super::save_new(&path, ext, &bytes) {
            Ok(path) => tell(PlayerEvent::Saved {
                path,
                bytes: bytes.len() as u64,
            }),
            Err(e) => tell(PlayerEvent::SaveFailed {
                path: path.with_extension(ext),
                reason: e.to_string(),
            }),
        }
    }

    fn current_state(&self) -> PlayState {
        if let PlayState::Failed(why) = &self.status.state {
            return PlayState::Failed(why.clone());
        }
        let Some(shared) = &self.shared else {
            return PlayState::Connecting;
        };
        if self.format.is_none() {
            return PlayState::Connecting;
        }
        if shared.finished() {
            return match &self.failure {
                Some(why) => PlayState::Failed(why.clone()),
                None if self.analysis_over => PlayState::Finished,
                // The last frame is played; the length and any note are a moment away.
                None => PlayState::Playing,
            };
        }
        if self.paused {
            return PlayState::Paused;
        }
        if shared.starved() {
            let pct = self
                .status
                .total
                .filter(|t| *t > 0)
                .map(|t| (self.status.downloaded * 100 / t).min(100) as u8);
            return PlayState::Buffering(pct);
        }
        PlayState::Playing
    }

    /// Tells the status when it changed (the position is told at most ten times a second).
    fn tell_status(&mut self, tell: &dyn Fn(PlayerEvent), force: bool) {
        self.status.state = self.current_state();
        if matches!(self.status.state, PlayState::Failed(_))
            && self.status.note.as_deref() == Some(PLAYING_WHAT_CAME)
        {
            self.status.note = None;
        }
        self.status.position = self.position();
        self.status.duration = self.duration();
        self.status.estimated = self.frames.is_none();
        self.status.speed = self.speed;
        self.status.volume = self.volume;
        self.status.channel = self.channel;
        if force || self.last_told.as_ref() != Some(&self.status) {
            self.last_told = Some(self.status.clone());
            tell(PlayerEvent::Status(self.status.clone()));
        }
    }
}

/// `m:ss`, or `h:mm:ss` from an hour.
pub fn clock(secs: f64) -> String {
    let s = secs.max(0.0).floor() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}
