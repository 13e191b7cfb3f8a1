//! The Voxeme emulator's generated data: the accounts of a clinic group and their call detail
//! records (CDRs), deterministic from the seed and `now`.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use serde_json::{Value, json};

use super::super::clock::rfc3339_millis;
use super::super::people::{self, Lang};
use super::super::recordings::{self, AudioFormat, Clip};
use super::super::timegen::{OfficeHours, call_times};
use super::super::{chance, hex, pick, pick_weighted, rng_for, uuid_v4};

/// CDRs are kept this many days (nothing older is generated or served).
pub const RETENTION_DAYS: i64 = 30;

/// How an account records its calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    Mp3,
    Wav,
}

impl RecordFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordFormat::Mp3 => "mp3",
            RecordFormat::Wav => "wav",
        }
    }

    /// The `Content-Type` the real server streams recordings with.
    pub fn content_type(self) -> &'static str {
        match self {
            RecordFormat::Mp3 => "audio/mp3",
            RecordFormat::Wav => "audio/wav",
        }
    }
}

pub struct AccountSpec {
    pub name: &'static str,
    pub lang: Lang,
    /// The site's main number, digits only.
    pub did: &'static str,
    pub tz_hours: i64,
    pub sip_realm: &'static str,
    /// `Some` when `record_all_calls` is on.
    pub record: Option<RecordFormat>,
    /// Carriers with their share of calls and whether they send numbers with a `+`.
    pub trunks: &'static [(&'static str, u32, bool)],
    /// Host of the feature server that handled the calls.
    pub host: &'static str,
    /// Whether call tracing is on (`trace_id` non-zero).
    pub tracing: bool,
}

pub const ACCOUNT_SPECS: [AccountSpec; 3] = [
    AccountSpec {
        name: "Beacon Health – Boston Downtown",
        lang: Lang::En,
        did: "16175550142",
        tz_hours: -4,
        sip_realm: "boston.beacon-health.sip.voxeme.example",
        record: Some(RecordFormat::Mp3),
        trunks: &[("twilio", 6, false), ("telnyx", 4, true)],
        host: "10.0.1.23",
        tracing: true,
    },
    AccountSpec {
        name: "Beacon Health – Berlin Mitte",
        lang: Lang::De,
        did: "4930901820",
        tz_hours: 1,
        sip_realm: "berlin.beacon-health.sip.voxeme.example",
        record: Some(RecordFormat::Wav),
        trunks: &[("voxbone", 5, false), ("sipgate", 5, true)],
        host: "10.0.2.17",
        tracing: true,
    },
    AccountSpec {
        name: "Beacon Health – Lyon Part-Dieu",
        lang: Lang::Fr,
        did: "33199005678",
        tz_hours: 1,
        sip_realm: "lyon.beacon-health.sip.voxeme.example",
        record: None,
        trunks: &[("voxbone", 7, false), ("ovh", 3, false)],
        host: "10.0.3.41",
        tracing: false,
    },
];

pub struct Account {
    pub sid: String,
    pub spec: &'static AccountSpec,
    pub application_sid: String,
}

/// One call detail record.
pub struct Cdr {
    pub call_sid: String,
    pub attempted_at: DateTime<Utc>,
    pub application_sid: Option<String>,
    pub inbound: bool,
    pub from: String,
    pub to: String,
    pub answered: bool,
    /// `None`: never answered (sent as the epoch).
    pub answered_at: Option<DateTime<Utc>>,
    pub terminated_at: DateTime<Utc>,
    /// Whole seconds.
    pub duration: u32,
    /// `duration` and `sip_status` are sent as floats (`45.0`).
    pub floats: bool,
    pub sip_status: u16,
    pub sip_callid: String,
    pub sip_parent_callid: Option<String>,
    pub termination_reason: &'static str,
    pub remote_host: String,
    pub trunk: &'static str,
    pub trace_id: String,
    /// Relative to `/v1`: `/Accounts/{sid}/RecentCalls/{call_sid}/record/{YYYY}/{MM}/{DD}/{fmt}`.
    pub recording_path: Option<String>,
    /// The recording's object is missing from storage (the URL answers 404).
    pub recording_missing: bool,
    pub clip: Option<&'static Clip>,
}

pub const EPOCH: &str = "1970-01-01T00:00:00.000Z";

impl Cdr {
    /// The record as RecentCalls lists it; `recording_url` is `url` (already resolved).
    pub fn json(&self, account: &Account, sp_sid: &str, url: Option<String>) -> Value {
        let num = |n: u32| {
            if self.floats {
                json!(f64::from(n))
            } else {
                json!(n)
            }
        };
        json!({
            "attempted_at": rfc3339_millis(&self.attempted_at),
            "account_sid": account.sid,
            "service_provider_sid": sp_sid,
            "application_sid": self.application_sid,
            "call_sid": self.call_sid,
            "direction": if self.inbound { "inbound" } else { "outbound" },
            "from": self.from,
            "to": self.to,
            "answered": self.answered,
            "answered_at": self.answered_at.as_ref().map(rfc3339_millis).unwrap_or_else(|| EPOCH.to_string()),
            "terminated_at": rfc3339_millis(&self.terminated_at),
            "duration": num(self.duration),
            "sip_status": num(u32::from(self.sip_status)),
            "sip_callid": self.sip_callid,
            "sip_parent_callid": self.sip_parent_callid,
            "termination_reason": self.termination_reason,
            "host": account.spec.host,
            "remote_host": self.remote_host,
            "trunk": self.trunk,
            "trace_id": self.trace_id,
            "recording_url": url,
        })
    }

    /// The date in the recording URL: the call's END date (UTC).
    pub fn end_date_path(&self) -> String {
        let d = self.terminated_at.date_naive();
        format!("{:04}/{:02}/{:02}", d.year(), d.month(), d.day())
    }
}

/// A US number in the 555-01xx range reserved for fiction, digits only.
fn us_number(rng: &mut fastrand::Rng) -> String {
    let area = pick(rng, &["617", "508", "781", "857", "978", "339"]);
    format!("1{area}55501{:02}", rng.u8(..100))
}

pub(super) fn caller_number(rng: &mut fastrand::Rng, lang: Lang) -> String {
    match lang {
        Lang::En => us_number(rng),
        _ => people::random_phone(rng, lang)
            .trim_start_matches('+')
            .to_string(),
    }
}

/// Local office hours of a site (each account has its own time zone).
const OFFICE_HOURS: OfficeHours = OfficeHours {
    hours: &[7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 22],
    weights: &[4, 12, 16, 16, 14, 8, 7, 11, 11, 9, 6, 3, 2, 1],
    weekend_keep: Some((0.3, 0.08)),
    tz_hours: 0,
    days_back: RETENTION_DAYS as u64,
    oldest: TimeDelta::minutes(RETENTION_DAYS * 24 * 60 - 30),
    newest: TimeDelta::seconds(90),
    max_attempts: 1_000_000,
};

/// (sip status, termination reason, share) of calls that were not answered.
const UNANSWERED: [(u16, &str, u32); 5] = [
    (487, "caller canceled", 40),
    (480, "no answer", 30),
    (486, "busy", 15),
    (603, "declined", 8),
    (503, "service unavailable", 7),
];

pub fn generate(seed: u64, now: DateTime<Utc>) -> (String, Vec<Account>, Vec<Vec<Cdr>>) {
    let mut rng = rng_for(seed, "vx-sp", 0);
    let sp_sid = uuid_v4(&mut rng);
    let mut accounts = Vec::new();
    let mut all = Vec::new();
    let mut used = HashSet::new();
    for (ai, spec) in ACCOUNT_SPECS.iter().enumerate() {
        let mut rng = rng_for(seed, "vx-account", ai as u64);
        let account = Account {
            sid: uuid_v4(&mut rng),
            spec,
            application_sid: uuid_v4(&mut rng),
        };
        let n = 150 + rng.usize(..=100);
        let (times, midnight_at) = attempt_times(seed, ai, n, now, spec);
        // Callers: a few call often.
        let mut crng = rng_for(seed, "vx-callers", ai as u64);
        let callers: Vec<String> = (0..70)
            .map(|_| caller_number(&mut crng, spec.lang))
            .collect();
        let site = Site {
            seed,
            ai,
            account: &account,
            callers: &callers,
        };
        let cdrs = times
            .iter()
            .enumerate()
            .map(|(i, t)| gen_cdr(&site, i, *t, Some(*t) == midnight_at, &mut used))
            .collect();
        accounts.push(account);
        all.push(cdrs);
    }
    (sp_sid, accounts, all)
}

/// Unique attempt times over the retention window (local office hours mostly), newest first,
/// and the one that starts just before midnight UTC (recording accounts).
fn attempt_times(
    seed: u64,
    ai: usize,
    n: usize,
    now: DateTime<Utc>,
    spec: &AccountSpec,
) -> (Vec<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let hours = OfficeHours {
        tz_hours: spec.tz_hours,
        ..OFFICE_HOURS
    };
    let mut times = call_times(&mut rng_for(seed, "vx-times", ai as u64), now, &hours, n);
    // One recorded call a few days ago starts just before midnight UTC and ends after it:
    // its recording URL carries the END date.
    let mut midnight_at = None;
    let idx = times.len().min(12).saturating_sub(1);
    if spec.record.is_some() && !times.is_empty() {
        let day = (now - TimeDelta::days(3)).date_naive();
        if let Some(t) = day.and_hms_opt(23, 57, 12).map(|t| t.and_utc())
            && !times.contains(&t)
        {
            times[idx] = t;
            times.sort_by(|a, b| b.cmp(a));
            midnight_at = Some(t);
        }
    }
    (times, midnight_at)
}

/// What the generation of a site's CDRs looks at.
struct Site<'a> {
    seed: u64,
    ai: usize,
    account: &'a Account,
    callers: &'a [String],
}

/// How a call attempt ended: (answered at, seconds, SIP status, reason, terminated at).
type Ending = (Option<DateTime<Utc>>, u32, u16, &'static str, DateTime<Utc>);

fn ending(
    r: &mut fastrand::Rng,
    attempted_at: DateTime<Utc>,
    answered: bool,
    forced_midnight: bool,
) -> Ending {
    let ring = TimeDelta::milliseconds(r.i64(1_500..22_000));
    if !answered {
        let w: Vec<u32> = UNANSWERED.iter().map(|u| u.2).collect();
        let (status, reason, _) = UNANSWERED[pick_weighted(r, &w)];
        return (None, 0, status, reason, attempted_at + ring);
    }
    let at = attempted_at + ring;
    let secs = if forced_midnight {
        420
    } else if chance(r, 0.1) {
        r.u32(600..1500)
    } else {
        r.u32(8..480)
    };
    let reason = if chance(r, 0.6) {
        "caller hungup"
    } else {
        "called party hungup"
    };
    (
        Some(at),
        secs,
        200u16,
        reason,
        at + TimeDelta::seconds(i64::from(secs)),
    )
}

fn gen_cdr(
    site: &Site,
    i: usize,
    attempted_at: DateTime<Utc>,
    forced_midnight: bool,
    used: &mut HashSet<String>,
) -> Cdr {
    let spec = site.account.spec;
    let mut r = rng_for(site.seed, "vx-cdr", ((site.ai as u64) << 32) | i as u64);
    let mut call_sid = uuid_v4(&mut r);
    while !used.insert(call_sid.clone()) {
        call_sid = uuid_v4(&mut r);
    }
    let inbound = forced_midnight || chance(&mut r, 0.72);
    let weights: Vec<u32> = spec.trunks.iter().map(|t| t.1).collect();
    let (trunk, _, plus) = spec.trunks[pick_weighted(&mut r, &weights)];
    let other = if chance(&mut r, 0.4) {
        site.callers[r.usize(..8)].clone()
    } else {
        site.callers[r.usize(..site.callers.len())].clone()
    };
    let fmt_num = |n: &str| {
        if plus { format!("+{n}") } else { n.to_string() }
    };
    let (from, to) = if inbound {
        (fmt_num(&other), spec.did.to_string())
    } else {
        (spec.did.to_string(), fmt_num(&other))
    };
    let answered = forced_midnight || chance(&mut r, 0.78);
    let (answered_at, duration, sip_status, reason, terminated_at) =
        ending(&mut r, attempted_at, answered, forced_midnight);
    let floats = chance(&mut r, 0.25);
    let application_sid =
        (inbound || chance(&mut r, 0.5)).then(|| site.account.application_sid.clone());
    let sip_callid = format!("{}@{}", uuid_v4(&mut r), spec.host);
    let sip_parent_callid =
        (!inbound && chance(&mut r, 0.15)).then(|| format!("{}@{}", uuid_v4(&mut r), spec.host));
    let remote_host = format!(
        "{}.{}.{}.{}",
        pick(&mut r, &[3u8, 18, 34, 52, 54, 185]),
        r.u8(1..255),
        r.u8(1..255),
        r.u8(1..255)
    );
    let trace_id = if spec.tracing {
        hex(&mut r, 32)
    } else {
        "0".repeat(32)
    };
    let recorded = spec.record.is_some()
        && answered
        && duration > 0
        && (forced_midnight || chance(&mut r, 0.9));
    let mut cdr = Cdr {
        call_sid,
        attempted_at,
        application_sid,
        inbound,
        from,
        to,
        answered,
        answered_at,
        terminated_at,
        duration,
        floats,
        sip_status,
        sip_callid,
        sip_parent_callid,
        termination_reason: reason,
        remote_host,
        trunk,
        trace_id,
        recording_path: None,
        recording_missing: false,
        clip: None,
    };
    if recorded {
        attach_recording(&mut r, &mut cdr, site.account, i, forced_midnight);
    }
    cdr
}

/// The recording of a recorded call: its URL path, whether its object is missing, its clip.
fn attach_recording(
    r: &mut fastrand::Rng,
    cdr: &mut Cdr,
    account: &Account,
    i: usize,
    forced_midnight: bool,
) {
    let Some(fmt) = account.spec.record else {
        return;
    };
    cdr.recording_path = Some(format!(
        "/Accounts/{}/RecentCalls/{}/record/{}/{}",
        account.sid,
        cdr.call_sid,
        cdr.end_date_path(),
        fmt.as_str()
    ));
    cdr.recording_missing = !forced_midnight && i > 2 && chance(r, 0.05);
    let format = match fmt {
        RecordFormat::Mp3 if chance(r, 0.3) => AudioFormat::Mp3Vbr,
        RecordFormat::Mp3 => AudioFormat::Mp3Cbr,
        RecordFormat::Wav if chance(r, 0.4) => AudioFormat::WavMulaw,
        RecordFormat::Wav => AudioFormat::WavPcm16,
    };
    cdr.clip = Some(recordings::pick(
        format,
        Some(account.spec.lang.code()),
        r.u64(..),
    ));
}

pub fn account_json(a: &Account, sp_sid: &str) -> Value {
    json!({
        "account_sid": a.sid,
        "name": a.spec.name,
        "sip_realm": a.spec.sip_realm,
        "service_provider_sid": sp_sid,
        "registration_hook_sid": null,
        "queue_event_hook_sid": null,
        "device_calling_application_sid": a.application_sid,
        "siprec_hook_sid": null,
        "is_active": true,
        "disable_cdrs": false,
        "record_all_calls": a.spec.record.is_some(),
        "record_format": a.spec.record.map_or("mp3", RecordFormat::as_str),
        "bucket_credential": if a.spec.record.is_some() {
            json!({"vendor": "aws_s3", "name": "beacon-call-recordings", "region": "us-east-1"})
        } else {
            Value::Null
        },
        "plan_type": "paid",
        "enable_debug_log": false,
        "subspace_client_id": null,
    })
}
