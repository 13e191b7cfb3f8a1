//! Helpers: one emulator of each vendor that serves recordings, a call's recording URL fetched
//! over the API as a client does, and body reading that keeps the error and the timings.

pub(crate) use std::time::{Duration, Instant};

pub(crate) use callbrowser_emulators::allomia::AlloMiaEmulator;
pub(crate) use callbrowser_emulators::talkpilot::TalkPilotEmulator;
pub(crate) use callbrowser_emulators::testaudio::{self, TestFormat};
pub(crate) use callbrowser_emulators::voxeme::VoxemeEmulator;
pub(crate) use callbrowser_emulators::welkin::WelkinEmulator;
pub(crate) use callbrowser_emulators::{
    EmulatorOptions, RecordingLink, TestRecording, allomia, solum, talkpilot, voxeme, welkin,
};
pub(crate) use futures_util::StreamExt;
pub(crate) use reqwest::header::HeaderMap;
pub(crate) use reqwest::{Client, StatusCode};
pub(crate) use serde_json::{Value, json};

pub(crate) fn opts() -> EmulatorOptions {
    EmulatorOptions {
        now: "2026-03-20T12:00:00Z".parse().unwrap(),
        rate_limit_per_minute: 100_000,
        rate_limit_per_hour: 1_000_000,
        ..EmulatorOptions::default()
    }
}

/// The four vendors with recordings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Welkin,
    Voxeme,
    TalkPilot,
    AlloMia,
}

pub(crate) const KINDS: [Kind; 4] = [Kind::Welkin, Kind::Voxeme, Kind::TalkPilot, Kind::AlloMia];

impl Kind {
    /// Whether its recordings honour `Range` (signed storage URLs).
    pub(crate) fn ranges(self) -> bool {
        matches!(self, Kind::TalkPilot | Kind::AlloMia)
    }
}

/// A running emulator of one vendor (Welkin with a token).
pub(crate) enum Emu {
    Welkin(WelkinEmulator, String),
    Voxeme(VoxemeEmulator),
    TalkPilot(TalkPilotEmulator),
    AlloMia(AlloMiaEmulator),
}

/// A call's recording as a client reaches it.
#[derive(Clone, Debug)]
pub(crate) struct Rec {
    pub(crate) url: String,
    pub(crate) bearer: Option<String>,
    /// The call's id for the vendor (`recording_bytes`, the detail endpoint).
    pub(crate) id: String,
    /// Welkin's patient id, TalkPilot's agent id.
    pub(crate) parent: String,
}

impl Emu {
    pub(crate) async fn start(kind: Kind) -> Emu {
        match kind {
            Kind::Welkin => {
                let emu = welkin::start(opts()).await.unwrap();
                let r: Value = Client::new()
                    .post(format!("{}/auth/token", emu.base_url()))
                    .json(&json!({"secret": emu.secret(), "apiClient": emu.client_key()}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let token = r["token"].as_str().unwrap().to_string();
                Emu::Welkin(emu, token)
            }
            Kind::Voxeme => Emu::Voxeme(voxeme::start(opts()).await.unwrap()),
            Kind::TalkPilot => Emu::TalkPilot(talkpilot::start(opts()).await.unwrap()),
            Kind::AlloMia => Emu::AlloMia(allomia::start(opts()).await.unwrap()),
        }
    }

    pub(crate) fn link(&self) -> &RecordingLink {
        match self {
            Emu::Welkin(e, _) => e.recording_link(),
            Emu::Voxeme(e) => e.recording_link(),
            Emu::TalkPilot(e) => e.recording_link(),
            Emu::AlloMia(e) => e.recording_link(),
        }
    }

    pub(crate) fn set_test_recording(&self, fixture: Option<TestRecording>) {
        match self {
            Emu::Welkin(e, _) => e.set_test_recording(fixture),
            Emu::Voxeme(e) => e.set_test_recording(fixture),
            Emu::TalkPilot(e) => e.set_test_recording(fixture),
            Emu::AlloMia(e) => e.set_test_recording(fixture),
        }
    }

    /// What the emulator says it serves for `rec`.
    pub(crate) fn recording_bytes(&self, rec: &Rec) -> Option<Vec<u8>> {
        match self {
            Emu::Welkin(e, _) => e.recording_bytes(&rec.parent, &rec.id),
            Emu::Voxeme(e) => e.recording_bytes(&rec.id),
            Emu::TalkPilot(e) => e.recording_bytes(&rec.id),
            Emu::AlloMia(e) => e.recording_bytes(&rec.id),
        }
    }

    /// A call with a recording (TalkPilot: the shortest one) and its URL.
    pub(crate) async fn recording(&self) -> Rec {
        match self {
            Emu::Welkin(e, token) => {
                let (p, c) = e
                    .patients()
                    .iter()
                    .map(|p| p["id"].as_str().unwrap().to_string())
                    .find_map(|p| {
                        let c = e
                            .calls(&p)
                            .into_iter()
                            .find(|c| c["hasRecording"] == true)?;
                        Some((p, c["id"].as_str().unwrap().to_string()))
                    })
                    .unwrap();
                let url = format!(
                    "{}/{}/{}/patients/{p}/calls/{c}/recording",
                    e.base_url(),
                    e.tenant(),
                    e.instance()
                );
                Rec {
                    url,
                    bearer: Some(token.clone()),
                    id: c,
                    parent: p,
                }
            }
            Emu::Voxeme(e) => voxeme_recording(e),
            Emu::TalkPilot(e) => {
                let f = e
                    .call_facts()
                    .into_iter()
                    .filter(|f| !f.is_purged)
                    .min_by_key(|f| f.recording_bytes)
                    .unwrap();
                let mut rec = Rec {
                    url: String::new(),
                    bearer: None,
                    id: f.id,
                    parent: f.agent_id,
                };
                rec.url = self.fresh_url(&rec).await;
                rec
            }
            Emu::AlloMia(e) => {
                let f = e.call_facts().into_iter().find(|f| f.has_recording);
                let mut rec = Rec {
                    url: String::new(),
                    bearer: None,
                    id: f.unwrap().id,
                    parent: String::new(),
                };
                rec.url = self.fresh_url(&rec).await;
                rec
            }
        }
    }

    /// The call's detail fetched over the API (TalkPilot, AlloMia).
    pub(crate) async fn detail(&self, rec: &Rec) -> Value {
        let rb = match self {
            Emu::TalkPilot(e) => Client::new()
                .get(format!(
                    "{}/v1/agents/{}/calls/{}",
                    e.base_url(),
                    rec.parent,
                    rec.id
                ))
                .header("X-API-Key", e.api_key()),
            Emu::AlloMia(e) => Client::new()
                .get(format!("{}/api/calls/{}", e.base_url(), rec.id))
                .bearer_auth(e.tenant_key()),
            _ => panic!("no signed URLs"),
        };
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// A freshly signed recording URL from the call's detail (TalkPilot, AlloMia).
    pub(crate) async fn fresh_url(&self, rec: &Rec) -> String {
        let key = match self {
            Emu::TalkPilot(_) => "audio_file_url",
            _ => "recordingUrl",
        };
        self.detail(rec).await[key].as_str().unwrap().to_string()
    }
}

fn voxeme_recording(e: &VoxemeEmulator) -> Rec {
    let missing = e.missing_recordings();
    let c = e
        .accounts()
        .iter()
        .flat_map(|a| e.calls(a["account_sid"].as_str().unwrap()))
        .find(|c| {
            let sid = c["call_sid"].as_str().unwrap().to_string();
            !c["recording_url"].is_null() && !missing.contains(&sid)
        })
        .unwrap();
    Rec {
        url: format!(
            "{}/v1{}",
            e.base_url(),
            c["recording_url"].as_str().unwrap()
        ),
        bearer: Some(e.api_key()),
        id: c["call_sid"].as_str().unwrap().to_string(),
        parent: String::new(),
    }
}

/// `GET` (or `HEAD`) the recording, with a `Range` header if given.
pub(crate) async fn fetch(rec: &Rec, range: Option<&str>) -> reqwest::Response {
    fetch_url(&rec.url, rec.bearer.as_deref(), range).await
}

pub(crate) async fn fetch_url(
    url: &str,
    bearer: Option<&str>,
    range: Option<&str>,
) -> reqwest::Response {
    let mut rb = Client::new().get(url);
    if let Some(b) = bearer {
        rb = rb.bearer_auth(b);
    }
    if let Some(r) = range {
        rb = rb.header("Range", r);
    }
    rb.send().await.unwrap()
}

/// A body read to its end or to an error.
#[derive(Debug)]
pub(crate) struct Read {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Vec<u8>,
    pub(crate) error: Option<reqwest::Error>,
    /// From `started` to the answer's headers, the first body byte and the end.
    pub(crate) headers_at: Duration,
    pub(crate) first_byte_at: Option<Duration>,
    pub(crate) end_at: Duration,
}

/// Send a request for the recording and read the answer's body.
pub(crate) async fn read(rec: &Rec, range: Option<&str>) -> Read {
    let started = Instant::now();
    let resp = fetch(rec, range).await;
    read_body(resp, started).await
}

pub(crate) async fn read_body(resp: reqwest::Response, started: Instant) -> Read {
    let headers_at = started.elapsed();
    let status = resp.status();
    let headers = resp.headers().clone();
    let mut stream = resp.bytes_stream();
    let mut bytes = Vec::new();
    let mut error = None;
    let mut first_byte_at = None;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                if !c.is_empty() && first_byte_at.is_none() {
                    first_byte_at = Some(started.elapsed());
                }
                bytes.extend_from_slice(&c);
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    Read {
        status,
        headers,
        bytes,
        error,
        headers_at,
        first_byte_at,
        end_at: started.elapsed(),
    }
}

impl Read {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn content_length(&self) -> Option<usize> {
        self.header("content-length").map(|v| v.parse().unwrap())
    }

    /// A complete 200/206 body.
    pub(crate) fn ok(&self) -> &[u8] {
        assert!(self.status.is_success(), "{}", self.status);
        assert!(self.error.is_none(), "{:?}", self.error);
        &self.bytes
    }
}

/// A fixture of `secs` seconds of position tones in `format`.
pub(crate) fn tones(format: TestFormat, secs: u32) -> TestRecording {
    TestRecording::position_tones(format, secs)
}
