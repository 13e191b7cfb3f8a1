//! The player's test harness: the demo's emulators, a recording of each vendor, a player on the
//! null output (paced faster than real time where a test says so) whose played frames are
//! captured, and a Goertzel frequency meter.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callbrowser::audio::download::Source;
use callbrowser::audio::output::{Capture, Frame};
use callbrowser::audio::player::{Options, Player, PlayerCmd, PlayerEvent, Status};
use callbrowser::demo::{Demo, demo_options};
use callbrowser::providers::Provider;
use callbrowser_emulators::testaudio::{CYCLE_SECS, SLOT_SECS, SLOTS_PER_CYCLE, detect_slot};
use callbrowser_emulators::{RecordingLink, TestRecording};
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// The vendors whose APIs serve recordings (Solum's does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vendor {
    Welkin,
    TalkPilot,
    Voxeme,
    AlloMia,
}

impl Vendor {
    pub const ALL: [Vendor; 4] = [
        Vendor::Welkin,
        Vendor::TalkPilot,
        Vendor::Voxeme,
        Vendor::AlloMia,
    ];

    /// Index of the vendor in the demo's configuration.
    fn index(self) -> usize {
        match self {
            Vendor::Welkin => 0,
            Vendor::TalkPilot => 2,
            Vendor::Voxeme => 3,
            Vendor::AlloMia => 4,
        }
    }
}

pub struct Harness {
    pub demo: Demo,
    providers: Vec<Option<Arc<dyn Provider>>>,
}

impl Harness {
    pub async fn start() -> Harness {
        let demo = Demo::start(demo_options()).await.expect("emulators start");
        let cfg = demo.config();
        let mut providers = Vec::new();
        for i in 0..cfg.providers.len() {
            let built = callbrowser::setup::build(&cfg, i, None).await;
            providers.push(built.and_then(|b| b.provider.ok()));
        }
        Harness { demo, providers }
    }

    pub fn provider(&self, vendor: Vendor) -> Arc<dyn Provider> {
        self.providers[vendor.index()]
            .clone()
            .expect("provider built")
    }

    /// (scope, id) of a call of `vendor` with a recording.
    pub fn recorded_call(&self, vendor: Vendor, n: usize) -> (String, String) {
        let d = &self.demo;
        match vendor {
            Vendor::Welkin => {
                let mut found = Vec::new();
                for p in d.welkin.patients().iter().take(10) {
                    let pid = p["id"].as_str().unwrap_or_default().to_string();
                    for c in d.welkin.calls(&pid) {
                        if c["hasRecording"] == true {
                            found.push((pid.clone(), c["id"].as_str().unwrap().to_string()));
                        }
                    }
                }
                found.swap_remove(n % found.len())
            }
            Vendor::TalkPilot => {
                let facts: Vec<_> = d
                    .talkpilot
                    .call_facts()
                    .into_iter()
                    .filter(|f| !f.is_purged && !f.is_deleted)
                    .collect();
                let f = &facts[n % facts.len()];
                (f.agent_id.clone(), f.id.clone())
            }
            Vendor::Voxeme => {
                let acc = d.voxeme.accounts()[0]["account_sid"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let missing = d.voxeme.missing_recordings();
                let calls: Vec<_> = d
                    .voxeme
                    .calls(&acc)
                    .into_iter()
                    .filter(|c| !c["recording_url"].is_null())
                    .map(|c| c["call_sid"].as_str().unwrap().to_string())
                    .filter(|sid| !missing.contains(sid))
                    .collect();
                (acc, calls[n % calls.len()].clone())
            }
            Vendor::AlloMia => {
                let facts: Vec<_> = d
                    .allomia
                    .call_facts()
                    .into_iter()
                    .filter(|f| f.has_recording)
                    .collect();
                let f = &facts[n % facts.len()];
                (f.organization_id.clone(), f.id.clone())
            }
        }
    }

    pub fn source(&self, vendor: Vendor, n: usize) -> Source {
        let (scope, id) = self.recorded_call(vendor, n);
        Source {
            provider: self.provider(vendor),
            scope: Some(scope),
            id,
        }
    }

    /// A recording of `vendor` and its bytes, read once through the provider.
    pub async fn recording(&self, vendor: Vendor) -> (Source, Vec<u8>) {
        let src = self.source(vendor, 0);
        let mut stream = src
            .provider
            .open_recording(src.scope.as_deref(), &src.id, 0)
            .await
            .expect("the recording opens");
        let mut bytes = Vec::new();
        while let Some(c) = stream.chunk().await.expect("the recording reads") {
            bytes.extend_from_slice(&c);
        }
        (src, bytes)
    }

    /// A player of `src` on the null output at `pace` × real time, playing at once.
    pub fn play(&self, src: Source, pace: f64) -> Probe {
        Probe::start(src, pace, true)
    }

    /// Serves `fixture` as every recording of `vendor` (`None`: the calls' own again), over a
    /// link at full speed with no latency and no drop armed.
    pub fn serve(&self, vendor: Vendor, fixture: Option<TestRecording>) {
        let d = &self.demo;
        match vendor {
            Vendor::Welkin => d.welkin.set_test_recording(fixture),
            Vendor::TalkPilot => d.talkpilot.set_test_recording(fixture),
            Vendor::Voxeme => d.voxeme.set_test_recording(fixture),
            Vendor::AlloMia => d.allomia.set_test_recording(fixture),
        }
        self.link(vendor).reset();
    }

    /// The link `vendor`'s recordings travel over (throttle, latency, one-shot drop).
    pub fn link(&self, vendor: Vendor) -> &RecordingLink {
        let d = &self.demo;
        match vendor {
            Vendor::Welkin => d.welkin.recording_link(),
            Vendor::TalkPilot => d.talkpilot.recording_link(),
            Vendor::Voxeme => d.voxeme.recording_link(),
            Vendor::AlloMia => d.allomia.recording_link(),
        }
    }

    /// Exactly the bytes `vendor` serves for the recording of `src`.
    pub fn served(&self, vendor: Vendor, src: &Source) -> Vec<u8> {
        let d = &self.demo;
        let scope = src.scope.as_deref().unwrap_or_default();
        match vendor {
            Vendor::Welkin => d.welkin.recording_bytes(scope, &src.id),
            Vendor::TalkPilot => d.talkpilot.recording_bytes(&src.id),
            Vendor::Voxeme => d.voxeme.recording_bytes(&src.id),
            Vendor::AlloMia => d.allomia.recording_bytes(&src.id),
        }
        .expect("the call has a recording")
    }
}

/// A running player and what it told.
pub struct Probe {
    pub player: Player,
    rx: UnboundedReceiver<(Instant, PlayerEvent)>,
    pub capture: Capture,
    pub last: Status,
    pub events: Vec<PlayerEvent>,
    /// When each of `events` was told.
    pub told_at: Vec<Instant>,
    pub started: Instant,
}

impl Probe {
    pub fn start(src: Source, pace: f64, autoplay: bool) -> Probe {
        Probe::start_with(src, pace, autoplay, false)
    }

    /// A player that tries the audio device when `device` (and the null output otherwise).
    pub fn start_with(src: Source, pace: f64, autoplay: bool, device: bool) -> Probe {
        let (tx, rx) = unbounded_channel();
        let capture: Capture = Arc::new(Mutex::new(Vec::new()));
        let options = Options {
            device,
            autoplay,
            null_pace: pace,
            capture: Some(capture.clone()),
        };
        let started = Instant::now();
        let player = Player::start(src, options, tokio::runtime::Handle::current(), move |e| {
            let _ = tx.send((Instant::now(), e));
        });
        Probe {
            player,
            rx,
            capture,
            last: Status::default(),
            events: Vec::new(),
            told_at: Vec::new(),
            started,
        }
    }

    pub fn send(&self, cmd: PlayerCmd) {
        self.player.send(cmd);
    }

    /// Waits for a status that satisfies `pred` (panics with the last one after `timeout`).
    pub async fn wait(&mut self, timeout: Duration, pred: impl Fn(&Status) -> bool) -> Status {
        let until = Instant::now() + timeout;
        loop {
            if pred(&self.last) {
                return self.last.clone();
            }
            let left = until.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some((at, e))) => self.take(at, e),
                Ok(None) => panic!("the player stopped; last: {:?}", self.last),
                Err(_) => panic!("timed out; last status: {:?}", self.last),
            }
        }
    }

    /// Waits for an event that satisfies `pred` (one told already included).
    pub async fn wait_event(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&PlayerEvent) -> bool,
    ) -> PlayerEvent {
        if let Some(e) = self.events.iter().find(|e| pred(e)) {
            return e.clone();
        }
        self.next_event(timeout, pred).await
    }

    /// Waits for an event not taken yet that satisfies `pred`.
    pub async fn next_event(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&PlayerEvent) -> bool,
    ) -> PlayerEvent {
        let seen = self.events.len();
        self.pump();
        if let Some(e) = self.events[seen..].iter().find(|e| pred(e)) {
            return e.clone();
        }
        let until = Instant::now() + timeout;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some((at, e))) => {
                    self.take(at, e.clone());
                    if pred(&e) {
                        return e;
                    }
                }
                Ok(None) => panic!("the player stopped; last: {:?}", self.last),
                Err(_) => panic!("timed out; last status: {:?}", self.last),
            }
        }
    }

    fn take(&mut self, at: Instant, e: PlayerEvent) {
        if let PlayerEvent::Status(s) = &e {
            self.last = s.clone();
        }
        self.events.push(e);
        self.told_at.push(at);
    }

    /// Takes the events told so far without waiting.
    pub fn pump(&mut self) {
        loop {
            match self.rx.try_recv() {
                Ok((at, e)) => self.take(at, e),
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    panic!("the player stopped; last: {:?}", self.last)
                }
            }
        }
    }

    /// Waits (taking events meanwhile) until `pred` holds of the probe; panics after `timeout`
    /// saying `what` was awaited.
    pub async fn until(&mut self, timeout: Duration, what: &str, pred: impl Fn(&Probe) -> bool) {
        let until = Instant::now() + timeout;
        loop {
            self.pump();
            if pred(self) {
                return;
            }
            if Instant::now() >= until {
                panic!(
                    "timed out waiting for {what}; {} frames captured; last status: {:?}",
                    self.capture.lock().unwrap().len(),
                    self.last
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The statuses told so far, in order.
    pub fn statuses(&self) -> Vec<Status> {
        self.events
            .iter()
            .filter_map(|e| match e {
                PlayerEvent::Status(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    /// The first status told that satisfies `pred`, and when it was told.
    pub fn first_status(&self, pred: impl Fn(&Status) -> bool) -> Option<(Instant, Status)> {
        self.events
            .iter()
            .zip(&self.told_at)
            .find_map(|(e, at)| match e {
                PlayerEvent::Status(s) if pred(s) => Some((*at, s.clone())),
                _ => None,
            })
    }

    /// Frames captured so far.
    pub fn captured_len(&self) -> usize {
        self.capture.lock().unwrap().len()
    }

    /// The generation of the latest captured frame (0 before any).
    pub fn latest_generation(&self) -> u32 {
        self.capture
            .lock()
            .unwrap()
            .last()
            .map_or(0, |f| f.generation)
    }

    /// Frames of generation `g` captured so far.
    pub fn of_generation(&self, g: u32) -> Vec<Frame> {
        self.capture
            .lock()
            .unwrap()
            .iter()
            .filter(|f| f.generation == g)
            .copied()
            .collect()
    }

    /// Frames captured from index `from` on.
    pub fn captured_from(&self, from: usize) -> Vec<Frame> {
        let c = self.capture.lock().unwrap();
        c[from.min(c.len())..].to_vec()
    }

    pub fn captured(&self) -> Vec<Frame> {
        self.capture.lock().unwrap().clone()
    }

    pub fn captured_last_pos(&self) -> u64 {
        self.capture.lock().unwrap().last().map_or(0, |f| f.pos)
    }

    /// Frames played since the latest seek or speed change.
    pub fn captured_of_latest_generation(&self) -> Vec<Frame> {
        let all = self.captured();
        let Some(g) = all.last().map(|f| f.generation) else {
            return all;
        };
        all.into_iter().filter(|f| f.generation == g).collect()
    }

    pub fn sample_rate(&self) -> u32 {
        self.last.sample_rate
    }
}

/// The frequency (Hz) among `candidates` with the most energy in `samples` (Goertzel).
pub fn strongest(samples: &[f32], rate: u32, candidates: impl Iterator<Item = f64>) -> f64 {
    let mut best = (0.0, f64::MIN);
    for f in candidates {
        let power = callbrowser_emulators::testaudio::goertzel(samples, rate, f);
        if power > best.1 {
            best = (f, power);
        }
    }
    best.0
}

/// The dominant frequency of `samples` between 50 Hz and the Nyquist frequency, to 1 Hz.
pub fn dominant_hz(samples: &[f32], rate: u32) -> f64 {
    let coarse = strongest(samples, rate, (50..rate / 2).step_by(10).map(f64::from));
    strongest(
        samples,
        rate,
        (0..=20).map(|i| coarse - 10.0 + f64::from(i)),
    )
}

/// The left channel of `frames`.
pub fn left(frames: &[Frame]) -> Vec<f32> {
    frames.iter().map(|f| f.l).collect()
}

/// The right channel of `frames`.
pub fn right(frames: &[Frame]) -> Vec<f32> {
    frames.iter().map(|f| f.r).collect()
}

/// Root mean square of `samples`.
pub fn rms(samples: &[f32]) -> f64 {
    let sum: f64 = samples.iter().map(|x| f64::from(*x) * f64::from(*x)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// The position tones' slot heard in `samples` (~40 ms inside one slot), at any level: the
/// samples are scaled to the tones' level first (a quiet tail or a lowered volume still
/// measures; silence does not).
pub fn slot_of(samples: &[f32], rate: u32) -> Option<u32> {
    let level = rms(samples);
    if level < 1e-5 {
        return None;
    }
    let gain = (0.5 / std::f64::consts::SQRT_2 / level) as f32;
    let scaled: Vec<f32> = samples.iter().map(|x| x * gain).collect();
    detect_slot(&scaled, rate)
}

/// Distance between two positions modulo the tones' cycle (5 s).
pub fn cycle_diff(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(CYCLE_SECS);
    d.min(CYCLE_SECS - d)
}

/// Where a seek landed, from what was heard: the middle of the slot the first 40 ms of `frames`
/// sound, modulo 5 s, moved back by the window's half and forward by the decoder's delay
/// (`delay_frames`: the tones sound that late). `None` when no tone is recognised.
pub fn heard_position(frames: &[Frame], rate: u32, delay_frames: u32) -> Option<f64> {
    let n = (f64::from(rate) * 0.04) as usize;
    if frames.len() < n {
        return None;
    }
    let slot = slot_of(&left(&frames[..n]), rate)?;
    let mid = (f64::from(slot) + 0.5) * SLOT_SECS;
    Some((mid - 0.02 + f64::from(delay_frames) / f64::from(rate)).rem_euclid(CYCLE_SECS))
}

/// What a check of heard tones against the frames' positions found.
#[derive(Debug, Default)]
pub struct ToneCheck {
    /// Windows measured.
    pub windows: usize,
    /// Windows whose tone is another slot's: (position in seconds, heard slot, expected slot).
    pub wrong: Vec<(f64, u32, u32)>,
    /// Windows where no tone stood out.
    pub silent: usize,
}

/// Checks that `frames` (one generation) sound the tones of the positions they carry: for each
/// slot of the recording, the frames whose position lies in the slot's middle (30–70 %) are
/// measured and must sound that slot (`delay_frames`: the decoder outputs the tones that late).
/// Works at any speed (the window is whatever output frames carry those positions).
pub fn check_tones(frames: &[Frame], rate: u32, delay_frames: u32) -> ToneCheck {
    let per_slot = (f64::from(rate) * SLOT_SECS) as u64;
    let delay = u64::from(delay_frames);
    let mut check = ToneCheck::default();
    let mut i = 0;
    while i < frames.len() {
        let Some(p) = frames[i].pos.checked_sub(delay) else {
            i += 1;
            continue;
        };
        let slot = p / per_slot;
        let mut j = i;
        let mut window = Vec::new();
        while j < frames.len() {
            let Some(q) = frames[j].pos.checked_sub(delay) else {
                break;
            };
            if q / per_slot != slot {
                break;
            }
            let within = q % per_slot;
            if within * 10 >= per_slot * 3 && within * 10 < per_slot * 7 {
                window.push(frames[j].l);
            }
            j += 1;
        }
        // Only windows with most of the slot's middle heard (a seek or the end may cut one).
        let middle_out = (per_slot as f64 * 0.4) as usize;
        let span = frames[j.max(i + 1) - 1].pos.saturating_sub(frames[i].pos) + 1;
        let speed = span as f64 / (j.max(i + 1) - i) as f64;
        if window.len() as f64 >= 0.8 * middle_out as f64 / speed.max(1.0) && window.len() >= 80 {
            check.windows += 1;
            let expected = (slot % u64::from(SLOTS_PER_CYCLE)) as u32;
            match slot_of(&window, rate) {
                Some(s) if s == expected => {}
                Some(s) => check.wrong.push((p as f64 / f64::from(rate), s, expected)),
                None => check.silent += 1,
            }
        }
        i = j.max(i + 1);
    }
    check
}

/// Panics unless every frame of `frames` follows the one before it (positions one apart):
/// playback at 1× without a jump, a repeat or a restart.
pub fn assert_continuous(frames: &[Frame], what: &str) {
    for w in frames.windows(2) {
        assert!(
            w[1].pos == w[0].pos + 1 && w[1].generation == w[0].generation,
            "{what}: playback jumped from frame {} (generation {}) to frame {} (generation {})",
            w[0].pos,
            w[0].generation,
            w[1].pos,
            w[1].generation
        );
    }
}
