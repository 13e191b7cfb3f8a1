//! Live calls (`GET /v1/Accounts/{sid}/Calls`): a deterministic schedule over the emulator's
//! live clock, so answers change between requests without any state.
//!
//! Each account has its own slot length (130, 150 and 180 s): one call is born per slot, at a
//! seeded moment in its first third, so a new call appears in the emulator every ~50 s on
//! average, and one every 87–240 s in one account. A call goes `trying` (0.5–2.5 s) → `ringing`
//! (3–15 s, the last 40 % `early-media` for one call in five) → `in-progress` (20–200 s, the
//! duration growing each second) → `completed`; or ends `no-answer` (after 25–30 s of ringing),
//! `busy` or `failed`. Calls that ended more than ten minutes ago are not returned: with these
//! numbers an account shows 4–6 calls on average (3–7 at any one moment).

use serde_json::{Value, json};

use super::super::people;
use super::super::{chance, hex, pick_weighted, rng_for, uuid_v4};
use super::data::{Account, caller_number};

/// Calls that ended longer ago than this are gone from the live list.
pub const RETAIN_SECS: f64 = 600.0;
/// A call's whole life including the retention is shorter than this.
const MAX_LIFE_SECS: f64 = 1000.0;

pub fn slot_secs(account_index: usize) -> f64 {
    [130.0, 150.0, 180.0][account_index % 3]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Answered,
    NoAnswer,
    Busy,
    Failed,
}

/// One live call as the endpoint shows it at one moment.
#[derive(Clone, Debug)]
pub struct LiveCall {
    pub call_sid: String,
    pub call_id: String,
    pub status: &'static str,
    pub sip_status: u16,
    pub duration: u64,
    pub inbound: bool,
    pub from: String,
    pub to: String,
    pub caller_name: String,
    pub application_sid: Option<String>,
    /// Seconds on the live clock when the call started.
    pub born: f64,
}

impl LiveCall {
    pub fn json(&self, account: &Account) -> Value {
        let mut v = json!({
            "account_sid": account.sid,
            "call_id": self.call_id,
            "call_sid": self.call_sid,
            "call_status": self.status,
            "caller_name": self.caller_name,
            "direction": if self.inbound { "inbound" } else { "outbound" },
            "duration": self.duration,
            "from": self.from,
            "service_url": format!("http://{}:3000", account.spec.host),
            "sip_status": self.sip_status,
            "to": self.to,
        });
        // As in the vendor's examples, some calls have no `application_sid` key at all.
        if let (Some(app), Value::Object(m)) = (&self.application_sid, &mut v) {
            m.insert("application_sid".into(), json!(app));
        }
        v
    }
}

/// The calls of account `ai` visible at live-clock second `t`, newest first.
pub fn calls_at(seed: u64, ai: usize, account: &Account, t: f64) -> Vec<LiveCall> {
    let slot = slot_secs(ai);
    let first = ((t - MAX_LIFE_SECS) / slot).floor() as i64 - 1;
    let last = (t / slot).floor() as i64;
    let mut out: Vec<LiveCall> = (first..=last)
        .filter_map(|k| call_at(seed, ai, account, k, slot, t))
        .collect();
    out.sort_by(|a, b| b.born.total_cmp(&a.born));
    out
}

fn call_at(seed: u64, ai: usize, account: &Account, k: i64, slot: f64, t: f64) -> Option<LiveCall> {
    let mut r = rng_for(seed, "vx-live", ((ai as u64) << 56) ^ k as u64);
    let born = k as f64 * slot + r.f64() * slot / 3.0;
    let trying = 0.5 + r.f64() * 2.0;
    let outcome = [
        Outcome::Answered,
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::Failed,
    ][pick_weighted(&mut r, &[74, 13, 8, 5])];
    let ring = match outcome {
        Outcome::Answered => 3.0 + r.f64() * 12.0,
        Outcome::NoAnswer => 25.0 + r.f64() * 5.0,
        Outcome::Busy => 0.5 + r.f64() * 1.5,
        Outcome::Failed => r.f64(),
    };
    let early_media = chance(&mut r, 0.2);
    let talk = if outcome == Outcome::Answered {
        20.0 + r.f64() * 180.0
    } else {
        0.0
    };
    let end = born + trying + ring + talk;
    if t < born || t >= end + RETAIN_SECS {
        return None;
    }
    let e = t - born;
    let (status, sip_status, duration) = if e < trying {
        ("trying", 100, 0)
    } else if e < trying + ring {
        if early_media && e > trying + ring * 0.6 && outcome != Outcome::Failed {
            ("early-media", 183, 0)
        } else {
            ("ringing", 180, 0)
        }
    } else {
        match outcome {
            Outcome::Answered if e < trying + ring + talk => {
                ("in-progress", 200, (e - trying - ring).floor() as u64)
            }
            Outcome::Answered => ("completed", 200, talk.floor() as u64),
            Outcome::NoAnswer => ("no-answer", 480, 0),
            Outcome::Busy => ("busy", 486, 0),
            Outcome::Failed => ("failed", 503, 0),
        }
    };
    let spec = account.spec;
    let inbound = chance(&mut r, 0.7);
    let other = caller_number(&mut r, spec.lang);
    let (from, to) = if inbound {
        (other, spec.did.to_string())
    } else {
        (spec.did.to_string(), other)
    };
    let caller_name = if inbound && chance(&mut r, 0.65) {
        people::random_person(&mut r, spec.lang).full()
    } else {
        String::new()
    };
    let call_sid = uuid_v4(&mut r);
    let call_id = format!(
        "{}-{}-123a-{}-{}",
        hex(&mut r, 8),
        hex(&mut r, 4),
        hex(&mut r, 4),
        hex(&mut r, 12)
    );
    let application_sid = (inbound || chance(&mut r, 0.5)).then(|| account.application_sid.clone());
    Some(LiveCall {
        call_sid,
        call_id,
        status,
        sip_status,
        duration,
        inbound,
        from,
        to,
        caller_name,
        application_sid,
        born,
    })
}
