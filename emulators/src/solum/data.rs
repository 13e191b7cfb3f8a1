//! The Solum emulator's generated data: one company, its assistants and its calls,
//! deterministic from the seed and `now`.

use chrono::{DateTime, Datelike, TimeDelta, Utc, Weekday};
use serde_json::{Value, json};

use super::super::clock::rfc3339_secs;
use super::super::{EmulatorOptions, chance, pick, pick_weighted, rng_for, uuid_v4};
use super::texts::{self, CATEGORIES, CATEGORY_WEIGHTS, Lang, Slots};
use super::{Assistant, PATIENTS, TZ_HOURS};

pub(super) struct CallRec {
    pub(super) id: String,
    pub(super) org_id: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) assistant_id: Option<String>,
    pub(super) phone_number_id: Option<String>,
    /// `type`; null for a few calls (test calls placed from the dashboard).
    pub(super) kind: Option<&'static str>,
    pub(super) started_at: Option<DateTime<Utc>>,
    pub(super) ended_at: Option<DateTime<Utc>>,
    pub(super) summary: Option<String>,
    pub(super) customer_number: Option<String>,
    pub(super) status: &'static str,
    pub(super) category: Option<&'static str>,
    pub(super) duration_secs: Option<u32>,
    pub(super) patient_id: Option<String>,
    pub(super) language: Option<&'static str>,
    pub(super) sessions_scheduled: Option<u32>,
}

impl CallRec {
    /// The record as the list returns it.
    pub(super) fn json(&self) -> Value {
        let duration_min = self.duration_secs.map(|s| {
            if s % 60 == 0 {
                json!(s / 60)
            } else {
                json!(f64::from(s) / 60.0)
            }
        });
        json!({
            "id": self.id,
            "org_id": self.org_id,
            "created_at": rfc3339_secs(&self.created_at),
            "assistant_id": self.assistant_id,
            "phone_number_id": self.phone_number_id,
            "type": self.kind,
            "started_at": self.started_at.as_ref().map(rfc3339_secs),
            "ended_at": self.ended_at.as_ref().map(rfc3339_secs),
            "summary": self.summary,
            "customer_number": self.customer_number,
            "status": self.status,
            "category": self.category,
            "duration_min": duration_min,
            "patient_id": self.patient_id,
            "language": self.language,
            "sessions_scheduled": self.sessions_scheduled,
        })
    }
}

/// A cuid-like id (Prisma's default): `c` and 24 base-36 characters.
fn cuid(rng: &mut fastrand::Rng) -> String {
    const B36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = String::from("c");
    for _ in 0..24 {
        s.push(B36[rng.usize(..36)] as char);
    }
    s
}

struct Patient {
    id: String,
    child: String,
    guardian: String,
    phone: String,
    lang: Lang,
}

fn make_patients(seed: u64) -> Vec<Patient> {
    (0..PATIENTS)
        .map(|i| {
            let mut rng = rng_for(seed, "solum-patient", i as u64);
            let lang = if chance(&mut rng, 0.35) {
                Lang::Spanish
            } else {
                Lang::English
            };
            let (first, last, child) = match lang {
                Lang::English => (texts::EN_FIRST, texts::EN_LAST, texts::EN_CHILD),
                Lang::Spanish => (texts::ES_FIRST, texts::ES_LAST, texts::ES_CHILD),
            };
            let surname = *pick(&mut rng, last);
            Patient {
                id: cuid(&mut rng),
                child: format!("{} {surname}", pick(&mut rng, child)),
                guardian: format!("{} {surname}", pick(&mut rng, first)),
                phone: texts::us_phone(&mut rng),
                lang,
            }
        })
        .collect()
}

/// A start time in the 60 days before `now`, on a weekday in office hours (local UTC−5)
/// for most calls.
fn call_time(rng: &mut fastrand::Rng, now: DateTime<Utc>, web: bool) -> DateTime<Utc> {
    let today = (now + TimeDelta::hours(TZ_HOURS)).date_naive();
    let mut day = today;
    for _ in 0..4 {
        day = today - TimeDelta::days(rng.i64(0..60));
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || chance(rng, 0.15) {
            break;
        }
    }
    let hour = if web {
        rng.u32(7..23)
    } else {
        [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]
            [pick_weighted(rng, &[6, 12, 12, 11, 7, 9, 10, 10, 9, 7, 3])]
    };
    let local = day
        .and_hms_opt(hour, rng.u32(0..60), rng.u32(0..60))
        .map(|d| d.and_utc())
        .unwrap_or(now);
    let mut t = local - TimeDelta::hours(TZ_HOURS);
    while t >= now {
        t -= TimeDelta::days(1);
    }
    t
}

/// The practice sees patients on weekdays: a weekend day moves to the Monday after.
fn weekday_on_or_after(t: DateTime<Utc>) -> DateTime<Utc> {
    match t.weekday() {
        Weekday::Sat => t + TimeDelta::days(2),
        Weekday::Sun => t + TimeDelta::days(1),
        _ => t,
    }
}

pub(super) fn generate(
    opts: &EmulatorOptions,
    count: Option<usize>,
) -> (String, Vec<Assistant>, Vec<CallRec>) {
    let seed = opts.seed;
    let now = opts.now;
    let mut rng = rng_for(seed, "solum-org", 0);
    let org_id = cuid(&mut rng);
    let assistants = vec![
        Assistant {
            id: uuid_v4(&mut rng),
            name: "Front Desk",
            language: Some("english"),
        },
        Assistant {
            id: uuid_v4(&mut rng),
            name: "Recepción",
            language: Some("spanish"),
        },
        Assistant {
            id: uuid_v4(&mut rng),
            name: "Appointment Reminders",
            language: None,
        },
    ];
    let lines: Vec<String> = (0..3).map(|_| uuid_v4(&mut rng)).collect();
    let patients = make_patients(seed);
    let n = 300 + rng.usize(0..=100);
    let n = count.unwrap_or(n);
    let mut calls: Vec<CallRec> = (0..n)
        .map(|i| {
            let ctx = Ctx {
                seed,
                now,
                org_id: &org_id,
                assistants: &assistants,
                lines: &lines,
                patients: &patients,
            };
            gen_call(&ctx, i)
        })
        .collect();
    calls.sort_by(|a, b| match (a.started_at, b.started_at) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => b.created_at.cmp(&a.created_at),
    });
    (org_id, assistants, calls)
}

/// What the generation of one call looks at.
struct Ctx<'a> {
    seed: u64,
    now: DateTime<Utc>,
    org_id: &'a str,
    assistants: &'a [Assistant],
    lines: &'a [String],
    patients: &'a [Patient],
}

/// A caller's family: (caller, child, phone).
fn family(
    rng: &mut fastrand::Rng,
    patient: Option<&Patient>,
    lang: Lang,
) -> (String, String, String) {
    match patient {
        Some(p) => (p.guardian.clone(), p.child.clone(), p.phone.clone()),
        None => {
            let (first, last, kids) = match lang {
                Lang::English => (texts::EN_FIRST, texts::EN_LAST, texts::EN_CHILD),
                Lang::Spanish => (texts::ES_FIRST, texts::ES_LAST, texts::ES_CHILD),
            };
            let surname = *pick(rng, last);
            (
                format!("{} {surname}", pick(rng, first)),
                format!("{} {surname}", pick(rng, kids)),
                texts::us_phone(rng),
            )
        }
    }
}

fn gen_call(ctx: &Ctx, i: usize) -> CallRec {
    let mut rng = rng_for(ctx.seed, "solum-call", i as u64);
    // Rare shapes at fixed positions, so that every seed has them.
    let never_connected = i % 100 == 37;
    let kind = if never_connected {
        "outbound"
    } else {
        ["inbound", "outbound", "web"][pick_weighted(&mut rng, &[72, 18, 10])]
    };
    let id = uuid_v4(&mut rng);
    let slot = call_time(&mut rng, ctx.now, kind == "web");
    let known = chance(&mut rng, if kind == "outbound" { 0.97 } else { 0.6 });
    let patient = known.then(|| &ctx.patients[rng.usize(..ctx.patients.len())]);
    let lang = match patient {
        Some(p) => p.lang,
        None if chance(&mut rng, 0.33) => Lang::Spanish,
        None => Lang::English,
    };
    let (caller, child, phone) = family(&mut rng, patient, lang);
    let assistant = if kind == "outbound" {
        2
    } else {
        match (lang, chance(&mut rng, 0.06)) {
            (Lang::English, false) | (Lang::Spanish, true) => 0,
            _ => 1,
        }
    };
    let base = CallRec {
        id,
        org_id: ctx.org_id.to_string(),
        created_at: slot,
        assistant_id: Some(ctx.assistants[assistant].id.clone()),
        phone_number_id: (kind != "web").then(|| ctx.lines[assistant].clone()),
        kind: (i % 60 != 23).then_some(kind),
        started_at: None,
        ended_at: None,
        summary: None,
        customer_number: (kind != "web").then_some(phone),
        status: "pending",
        category: None,
        duration_secs: None,
        patient_id: patient.map(|p| p.id.clone()),
        language: Some(lang.wire()),
        sessions_scheduled: None,
    };

    // An outbound reminder that never connected: nothing but its identity.
    if never_connected {
        return CallRec {
            status: if ctx.now - slot > TimeDelta::days(2) {
                "done"
            } else {
                "pending"
            },
            language: None,
            ..base
        };
    }
    let talk = Talk {
        kind,
        slot,
        lang,
        caller,
        child,
    };
    connected_call(&mut rng, ctx, i, base, talk)
}

/// The conversation of a call that connected.
struct Talk {
    kind: &'static str,
    slot: DateTime<Utc>,
    lang: Lang,
    caller: String,
    child: String,
}

/// The category of a call and how long it took (seconds).
fn category_and_secs(rng: &mut fastrand::Rng, hangup: bool, kind: &str) -> (&'static str, u32) {
    let category: &'static str = if hangup {
        "miscellaneous"
    } else if kind == "outbound" {
        [
            "existing_appointment",
            "rescheduling",
            "authorization",
            "billing",
        ][pick_weighted(rng, &[70, 15, 5, 10])]
    } else {
        CATEGORIES[pick_weighted(rng, &CATEGORY_WEIGHTS)]
    };
    let secs: u32 = if hangup {
        rng.u32(5..26)
    } else {
        match category {
            "miscellaneous" => rng.u32(20..150),
            "billing" | "authorization" => rng.u32(120..600),
            "new_appointment" => rng.u32(180..720),
            _ => rng.u32(60..420),
        }
    };
    // Whole minutes now and then, so both integer and fractional values are seen.
    let secs = if chance(rng, 0.1) {
        (secs / 60).max(1) * 60
    } else {
        secs
    };
    (category, secs)
}

/// The summary of a call (`None` for some hang-ups).
fn call_summary(
    rng: &mut fastrand::Rng,
    talk: &Talk,
    hangup: bool,
    category: &str,
    sessions: u32,
) -> Option<String> {
    let lang = talk.lang;
    let appt = weekday_on_or_after(talk.slot + TimeDelta::days(rng.i64(1..10)));
    let appt2 = weekday_on_or_after(appt + TimeDelta::days(rng.i64(1..6)));
    let slots = Slots {
        caller: talk.caller.clone(),
        patient: talk.child.split(' ').next().unwrap_or("").to_string(),
        therapy: texts::therapy(rng, lang),
        day: texts::spoken_day(lang, appt),
        day2: texts::spoken_day(lang, appt2),
        time: texts::spoken_time(lang, rng.u32(8..18), [0, 15, 30, 45][rng.usize(..4)]),
        n: if sessions > 0 {
            sessions
        } else {
            rng.u32(2..20)
        },
        amount: format!("${}.{:02}", rng.u32(25..420), rng.u32(0..100)),
        insurer: texts::insurer(rng),
    };
    if hangup {
        chance(rng, 0.6).then(|| texts::short_summary(lang).to_string())
    } else {
        Some(texts::summary(rng, lang, category, &slots))
    }
}

fn connected_call(
    rng: &mut fastrand::Rng,
    ctx: &Ctx,
    i: usize,
    base: CallRec,
    talk: Talk,
) -> CallRec {
    let (now, slot, kind) = (ctx.now, talk.slot, talk.kind);
    let age = now - slot;
    let hangup = chance(rng, 0.04);
    let (category, secs) = category_and_secs(rng, hangup, kind);
    let sessions: u32 = match category {
        "new_appointment" => rng.u32(1..=4),
        "rescheduling" => 1,
        "existing_appointment" if chance(rng, 0.2) => 1,
        _ => 0,
    };
    let summary = call_summary(rng, &talk, hangup, category, sessions);
    let follow_p = if matches!(category, "billing" | "authorization") {
        0.3
    } else {
        0.08
    };
    let status = if age < TimeDelta::hours(48) && chance(rng, 0.55) {
        "pending"
    } else if chance(rng, follow_p) {
        "follow_up_needed"
    } else if age > TimeDelta::hours(48) || chance(rng, 0.6) {
        "done"
    } else {
        "pending"
    };
    let end_known = !chance(rng, 0.02);
    let ended = slot + TimeDelta::seconds(i64::from(secs));
    let created = if end_known {
        ended + TimeDelta::seconds(rng.i64(3..30))
    } else {
        slot
    };
    CallRec {
        created_at: created.min(now).max(slot),
        assistant_id: if i % 70 == 41 {
            None
        } else {
            base.assistant_id.clone()
        },
        started_at: Some(slot),
        ended_at: end_known.then_some(ended),
        summary,
        status,
        category: (!chance(rng, 0.04)).then_some(category),
        duration_secs: end_known.then_some(secs),
        // The assistant does not always match a known family to its patient.
        patient_id: if kind == "inbound" && chance(rng, 0.1) {
            None
        } else {
            base.patient_id.clone()
        },
        language: if (hangup && chance(rng, 0.5)) || chance(rng, 0.02) {
            None
        } else {
            base.language
        },
        sessions_scheduled: (!chance(rng, 0.04)).then_some(sessions),
        ..base
    }
}
