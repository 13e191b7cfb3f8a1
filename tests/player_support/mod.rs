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
}

/// A running player and what it told.
pub struct Probe {
    pub player: Player,
    rx: UnboundedReceiver<PlayerEvent>,
    pub capture: Capture,
    pub last: Status,
    pub events: Vec<PlayerEvent>,
    pub started: Instant,
}

impl Probe {
    pub fn start(src: Source, pace: f64, autoplay: bool) -> Probe {
        let (tx, rx) = unbounded_channel();
        let capture: Capture = Arc::new(Mutex::new(Vec::new()));
        let options = Options {
            device: false,
            autoplay,
            null_pace: pace,
            capture: Some(capture.clone()),
        };
        let started = Instant::now();
        let player = Player::start(src, options, tokio::runtime::Handle::current(), move |e| {
            let _ = tx.send(e);
        });
        Probe {
            player,
            rx,
            capture,
            last: Status::default(),
            events: Vec::new(),
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
                Ok(Some(e)) => {
                    if let PlayerEvent::Status(s) = &e {
                        self.last = s.clone();
                    }
                    self.events.push(e);
                }
                Ok(None) => panic!("the player stopped; last: {:?}", self.last),
                Err(_) => panic!("timed out; last status: {:?}", self.last),
            }
        }
    }

    /// Waits for an event that satisfies `pred`.
    pub async fn wait_event(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&PlayerEvent) -> bool,
    ) -> PlayerEvent {
        if let Some(e) = self.events.iter().find(|e| pred(e)) {
            return e.clone();
        }
        let until = Instant::now() + timeout;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(e)) => {
                    if let PlayerEvent::Status(s) = &e {
                        self.last = s.clone();
                    }
                    self.events.push(e.clone());
                    if pred(&e) {
                        return e;
                    }
                }
                Ok(None) => panic!("the player stopped; last: {:?}", self.last),
                Err(_) => panic!("timed out; last status: {:?}", self.last),
            }
        }
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
        let w = 2.0 * std::f64::consts::PI * f / f64::from(rate);
        let coeff = 2.0 * w.cos();
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &x in samples {
            let s0 = f64::from(x) + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
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
