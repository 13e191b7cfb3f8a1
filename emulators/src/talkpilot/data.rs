//! TalkPilot's generated data: three agents and their calls (conversations, transcripts,
//! recordings), deterministic from the seed and `now`.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};

use super::super::clock::rfc3339_secs;
use super::super::people::{self, Lang, Person};
use super::super::timegen::{OfficeHours, call_times};
use super::super::wav::{self, SpeechAudio, Voice};
use super::super::{EmulatorOptions, chance, hex, mix64, pick, rng_for, str_hash, uuid_v4};
use super::conversation::{
    Conversation, Turn, broken_transcript, long_conversation, make_vars, normal_conversation,
    transcript_json,
};
use super::scripts::{self, R};
use super::{CALLS_PER_AGENT, MAX_AUDIO_SECS, SAMPLE_RATE};

pub(super) struct AgentRec {
    pub(super) id: String,
    pub(super) name: &'static str,
    pub(super) phone: &'static str,
    pub(super) lang: Lang,
    pub(super) provider: &'static str,
    pub(super) model: &'static str,
    pub(super) voice: &'static str,
    pub(super) created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Special {
    None,
    Long,
    Broken(u8),
    Purged,
    Deleted,
    Ansi,
    Bidi,
}

pub(super) struct CallRec {
    pub(super) id: String,
    pub(super) agent_id: String,
    pub(super) call_id: String,
    pub(super) customer_name: Option<String>,
    pub(super) customer_request: String,
    pub(super) phone: String,
    pub(super) duration: u32,
    pub(super) done: bool,
    pub(super) general_success: bool,
    pub(super) final_score: u8,
    pub(super) disconnection_reason: &'static str,
    pub(super) call_summary: String,
    pub(super) employee: Option<String>,
    pub(super) note: Option<String>,
    pub(super) is_purged: bool,
    pub(super) deleted_at: Option<DateTime<Utc>>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) transcript: String,
    pub(super) turns: usize,
    pub(super) special: Special,
    pub(super) audio: Arc<SpeechAudio>,
}

pub(super) fn agent_json(a: &AgentRec) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "phone_number": a.phone,
        "is_active": true,
        "language": a.lang.code(),
        "llm_provider": a.provider,
        "llm_model": a.model,
        "voice_id": a.voice,
        "created_at": rfc3339_secs(&a.created_at),
    })
}

pub(super) fn call_list_json(c: &CallRec) -> Value {
    json!({
        "id": c.id,
        "call_id": c.call_id,
        "customer_name": c.customer_name,
        "customer_request": c.customer_request,
        "phone_number": if c.is_purged { None } else { Some(&c.phone) },
        "duration": c.duration,
        "done": c.done,
        "general_success": c.general_success,
        "disconnection_reason": c.disconnection_reason,
        "call_summary": c.call_summary,
        "employee": c.employee,
        "note": c.note,
        "agent_id": c.agent_id,
        "is_purged": c.is_purged,
        "deleted_at": c.deleted_at.as_ref().map(rfc3339_secs),
        "created_at": rfc3339_secs(&c.created_at),
        "updated_at": rfc3339_secs(&c.updated_at),
    })
}

struct AgentSpec {
    name: &'static str,
    phone: &'static str,
    lang: Lang,
    provider: &'static str,
    model: &'static str,
    voice: &'static str,
    age_days: u64,
    pitch: f64,
    /// Offset of the practice's local time from UTC (office hours are local).
    tz_hours: i64,
}

const AGENT_SPECS: [AgentSpec; 3] = [
    AgentSpec {
        name: "Rezeption Bot",
        phone: "+4930123456",
        lang: Lang::De,
        provider: "openai",
        model: "gpt-4o",
        voice: "sarah",
        age_days: 96,
        pitch: 205.0,
        tz_hours: 1,
    },
    AgentSpec {
        name: "Front Desk Assistant",
        phone: "+442079460123",
        lang: Lang::En,
        provider: "anthropic",
        model: "claude-3-5-sonnet",
        voice: "emma",
        age_days: 181,
        pitch: 190.0,
        tz_hours: 0,
    },
    AgentSpec {
        name: "Accueil Cabinet",
        phone: "+33199001234",
        lang: Lang::Fr,
        provider: "mistral",
        model: "mistral-large-latest",
        voice: "amelie",
        age_days: 268,
        pitch: 215.0,
        tz_hours: 1,
    },
];

struct Caller {
    person: Option<Person>,
    phone: String,
    pitch: f64,
}

/// Callers that call often (picked for ~35% of calls).
const FREQUENT_CALLERS: usize = 8;
const CALLERS_PER_AGENT: usize = 95;

fn make_callers(seed: u64, ai: usize, lang: Lang) -> Vec<Caller> {
    let mut rng = rng_for(seed, "callers", ai as u64);
    let forced: &[(&str, &str, bool)] = match lang {
        Lang::De => &[("Jürgen", "Müller", false), ("Käthe", "Weiß", true)],
        Lang::En => &[("Zoë", "Clarke", true), ("Seán", "O'Connor", false)],
        Lang::Fr => &[("Renée", "Lefèvre", true), ("François", "Dubois", false)],
    };
    let mut phones = HashSet::new();
    let mut out = Vec::with_capacity(CALLERS_PER_AGENT);
    for i in 0..CALLERS_PER_AGENT {
        let person = if let Some((f, l, female)) = forced.get(i) {
            Some(Person {
                first: (*f).to_string(),
                last: (*l).to_string(),
                female: *female,
            })
        } else if i == forced.len() || (i > FREQUENT_CALLERS && chance(&mut rng, 0.1)) {
            // One frequent caller and ~10% of the others never give a name.
            None
        } else {
            Some(people::random_person(&mut rng, lang))
        };
        let mut phone = people::random_phone(&mut rng, lang);
        while !phones.insert(phone.clone()) {
            phone = people::random_phone(&mut rng, lang);
        }
        let female = person.as_ref().map_or_else(|| rng.bool(), |p| p.female);
        let pitch = if female {
            175.0 + rng.f64() * 60.0
        } else {
            95.0 + rng.f64() * 50.0
        };
        out.push(Caller {
            person,
            phone,
            pitch,
        });
    }
    out
}

/// Office hours of a practice (local time; each agent has its own time zone).
const OFFICE_HOURS: OfficeHours = OfficeHours {
    hours: &[8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    weights: &[10, 16, 16, 14, 8, 6, 10, 10, 8, 5],
    weekend_keep: Some((0.2, 0.03)),
    tz_hours: 0,
    days_back: 60,
    oldest: TimeDelta::days(60),
    newest: TimeDelta::minutes(5),
    max_attempts: 1_000_000,
};

fn assign_specials(seed: u64, ai: usize, n: usize) -> Vec<Special> {
    let mut rng = rng_for(seed, "specials", ai as u64);
    let mut specials = vec![Special::None; n];
    let mut first: Vec<usize> = (0..20.min(n)).collect();
    let mut rest: Vec<usize> = (20.min(n)..n).collect();
    rng.shuffle(&mut first);
    rng.shuffle(&mut rest);
    let first_kinds = [
        Special::Long,
        Special::Broken(0),
        Special::Purged,
        Special::Deleted,
        Special::Ansi,
        Special::Bidi,
    ];
    let rest_kinds = [
        Special::Long,
        Special::Long,
        Special::Broken(1),
        Special::Broken(2),
        Special::Purged,
        Special::Purged,
        Special::Purged,
        Special::Purged,
        Special::Deleted,
        Special::Deleted,
        Special::Deleted,
        Special::Deleted,
    ];
    for (idx, kind) in first.iter().zip(first_kinds) {
        specials[*idx] = kind;
    }
    for (idx, kind) in rest.iter().zip(rest_kinds) {
        specials[*idx] = kind;
    }
    specials
}

/// What the generation of an agent's calls looks at.
struct Ctx<'a> {
    seed: u64,
    now: DateTime<Utc>,
    ai: usize,
    agent: &'a AgentRec,
    spec: &'a AgentSpec,
    callers: &'a [Caller],
}

/// The conversation of a call (with its special text, if any) and its transcript string.
fn converse(
    rng: &mut fastrand::Rng,
    spec: &AgentSpec,
    special: Special,
    local_day: NaiveDate,
    person: Option<&Person>,
    emp: &str,
) -> (Conversation, String) {
    let lang = spec.lang;
    let pack = scripts::pack(lang);
    let mut conv = if special == Special::Long {
        long_conversation(rng, lang, pack, local_day, person, emp)
    } else {
        let vars = make_vars(rng, lang, pack, local_day, person, emp);
        normal_conversation(rng, pack, &vars, person.is_some())
    };
    match special {
        Special::Ansi => {
            conv.summary = format!("{}{}", pack.ansi_summary_prefix, conv.summary);
            let pos = 2.min(conv.turns.len());
            conv.turns.insert(pos, (R::U, pack.ansi_turn.to_string()));
        }
        Special::Bidi => {
            conv.summary = format!("{} {}", conv.summary, pack.bidi_summary);
            let pos = conv.turns.len().saturating_sub(1);
            conv.turns.insert(pos, (R::U, pack.zwsp_turn.to_string()));
        }
        _ => {}
    }
    let transcript_ok = transcript_json(&conv.turns);
    let transcript = match special {
        Special::Broken(k) => broken_transcript(k, &transcript_ok, &conv.turns),
        _ => transcript_ok,
    };
    (conv, transcript)
}

/// The recording of a call (its timeline follows the transcript turns) and its duration.
fn record(
    rng: &mut fastrand::Rng,
    seed: u64,
    call_id: &str,
    turns: &[Turn],
    agent_pitch: f64,
    caller_pitch: f64,
) -> (SpeechAudio, u32) {
    let words: Vec<(usize, usize)> = turns
        .iter()
        .map(|(r, t)| (usize::from(*r == R::U), t.split_whitespace().count()))
        .collect();
    let (segments, total) = wav::layout_turns(rng, &words);
    let duration = (total.round() as u32).max(5);
    let stereo = chance(rng, 0.3);
    let voices = [
        Voice {
            pitch_hz: agent_pitch,
            syllable_secs: 0.19,
            gain: 0.8,
        },
        Voice {
            pitch_hz: caller_pitch,
            syllable_secs: 0.17 + rng.f64() * 0.06,
            gain: 0.65 + rng.f64() * 0.2,
        },
    ];
    let audio = SpeechAudio::new(
        mix64(seed ^ str_hash(call_id)),
        if stereo { 2 } else { 1 },
        SAMPLE_RATE,
        duration,
        MAX_AUDIO_SECS,
        segments,
        voices,
    );
    (audio, duration)
}

/// What happened to a call after it ended.
struct Aftermath {
    done: bool,
    employee: Option<String>,
    note: Option<String>,
    final_score: u8,
    updated: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

#[allow(clippy::too_many_arguments)]
fn aftermath(
    rng: &mut fastrand::Rng,
    now: DateTime<Utc>,
    created: DateTime<Utc>,
    duration: u32,
    special: Special,
    conv: &Conversation,
    emp: &str,
    notes: &[&'static str],
) -> Aftermath {
    let age = now - created;
    let p_done = if age < TimeDelta::hours(48) {
        0.35
    } else if age < TimeDelta::days(7) {
        0.7
    } else {
        0.94
    };
    let done = chance(rng, p_done);
    let employee = (done || conv.disconnection == "call_transfer" || chance(rng, 0.4))
        .then(|| emp.to_string());
    let note = chance(rng, if done { 0.3 } else { 0.12 }).then(|| pick(rng, notes).to_string());
    let final_score = if special == Special::Long {
        rng.u8(7..=9)
    } else if conv.success {
        rng.u8(6..=10)
    } else {
        rng.u8(1..=6)
    };
    let call_end = created + TimeDelta::seconds(i64::from(duration));
    let mut updated = call_end + TimeDelta::seconds(rng.i64(20..400));
    if done || note.is_some() {
        updated += TimeDelta::seconds(rng.i64(0..=72 * 3600));
    }
    if special == Special::Purged {
        updated += TimeDelta::days(rng.i64(1..=5));
    }
    let mut updated = updated.min(now).max(created);
    let deleted_at = (special == Special::Deleted).then(|| {
        let d = (created + TimeDelta::seconds(rng.i64(3600..=7 * 86_400)))
            .min(now - TimeDelta::seconds(30))
            .max(call_end.min(now))
            .max(created);
        updated = d;
        d
    });
    Aftermath {
        done,
        employee,
        note,
        final_score,
        updated,
        deleted_at,
    }
}

fn gen_call(
    ctx: &Ctx,
    i: usize,
    created: DateTime<Utc>,
    special: Special,
    used_call_ids: &mut HashSet<String>,
) -> CallRec {
    let (seed, spec) = (ctx.seed, ctx.spec);
    let mut rng = rng_for(seed, "call", ((ctx.ai as u64) << 32) | i as u64);
    let pack = scripts::pack(spec.lang);
    let caller = if chance(&mut rng, 0.35) {
        &ctx.callers[rng.usize(..FREQUENT_CALLERS)]
    } else {
        &ctx.callers[rng.usize(..ctx.callers.len())]
    };
    let id = uuid_v4(&mut rng);
    let mut call_id = format!("lk_call_{}", hex(&mut rng, 12));
    while !used_call_ids.insert(call_id.clone()) {
        call_id = format!("lk_call_{}", hex(&mut rng, 12));
    }
    let emp = pick(&mut rng, pack.employees).to_string();
    let local_day = (created + TimeDelta::hours(spec.tz_hours)).date_naive();
    let person = caller.person.as_ref();
    let (conv, transcript) = converse(&mut rng, spec, special, local_day, person, &emp);
    let (audio, duration) = record(
        &mut rng,
        seed,
        &call_id,
        &conv.turns,
        spec.pitch,
        caller.pitch,
    );
    let after = aftermath(
        &mut rng, ctx.now, created, duration, special, &conv, &emp, pack.notes,
    );
    CallRec {
        id,
        agent_id: ctx.agent.id.clone(),
        call_id,
        customer_name: person.map(Person::full),
        customer_request: conv.request,
        phone: caller.phone.clone(),
        duration,
        done: after.done,
        general_success: conv.success,
        final_score: after.final_score,
        disconnection_reason: conv.disconnection,
        call_summary: conv.summary,
        employee: after.employee,
        note: after.note,
        is_purged: special == Special::Purged,
        deleted_at: after.deleted_at,
        created_at: created,
        updated_at: after.updated,
        transcript,
        turns: conv.turns.len(),
        special,
        audio: Arc::new(audio),
    }
}

pub(super) fn generate(opts: &EmulatorOptions) -> (Vec<AgentRec>, Vec<Vec<CallRec>>) {
    let seed = opts.seed;
    let now = opts.now;
    let mut agents = Vec::new();
    let mut all_calls = Vec::new();
    let mut used_call_ids = HashSet::new();
    for (ai, spec) in AGENT_SPECS.iter().enumerate() {
        let mut rng = rng_for(seed, "agent", ai as u64);
        let created_day = (now - TimeDelta::days(spec.age_days as i64)).date_naive();
        let created_at = created_day
            .and_hms_opt(9 + ai as u32, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(now);
        let agent = AgentRec {
            id: uuid_v4(&mut rng),
            name: spec.name,
            phone: spec.phone,
            lang: spec.lang,
            provider: spec.provider,
            model: spec.model,
            voice: spec.voice,
            created_at,
        };
        let callers = make_callers(seed, ai, spec.lang);
        let hours = OfficeHours {
            tz_hours: spec.tz_hours,
            ..OFFICE_HOURS
        };
        let times = call_times(
            &mut rng_for(seed, "times", ai as u64),
            now,
            &hours,
            CALLS_PER_AGENT,
        );
        let specials = assign_specials(seed, ai, times.len());
        let ctx = Ctx {
            seed,
            now,
            ai,
            agent: &agent,
            spec,
            callers: &callers,
        };
        let calls = times
            .iter()
            .zip(specials)
            .enumerate()
            .map(|(i, (created, special))| gen_call(&ctx, i, *created, special, &mut used_call_ids))
            .collect();
        agents.push(agent);
        all_calls.push(calls);
    }
    (agents, all_calls)
}
