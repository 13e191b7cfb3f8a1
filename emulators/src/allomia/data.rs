//! The AlloMia emulator's generated data: three organizations, their assistants and calls,
//! deterministic from the seed and `now` (the text of a call is generated when asked, see
//! `content`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::super::clock::rfc3339_secs;
use super::super::people::{self, Lang, Person};
use super::super::recordings::{self, AudioFormat, Clip};
use super::super::timegen::{OfficeHours, call_times};
use super::super::{
    EmulatorOptions, chance, mix64, pick, pick_weighted, rng_for, str_hash, uuid_v4,
};
use super::scripts::{self, SCENARIOS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    FrontDesk,
    Billing,
    Reminder,
}

pub(super) struct AgentSpec {
    pub(super) name: &'static str,
    pub(super) team: Option<&'static str>,
    pub(super) kind: Kind,
    /// Share of French-speaking callers.
    pub(super) fr: f64,
    pub(super) weight: u32,
}

pub(super) struct OrgSpec {
    pub(super) name: &'static str,
    pub(super) phone: &'static str,
    pub(super) timezone: &'static str,
    /// Standard-time offset used for office hours.
    pub(super) tz_hours: i64,
    pub(super) age_days: i64,
    pub(super) area_codes: &'static [&'static str],
    /// The health card (English, French).
    pub(super) card: (&'static str, &'static str),
    pub(super) pharmacies: &'static [&'static str],
    /// Doctors (English, French forms).
    pub(super) doctors: &'static [(&'static str, &'static str)],
    pub(super) agents: &'static [AgentSpec],
}

pub(super) const ORG_SPECS: [OrgSpec; 3] = [
    OrgSpec {
        name: "Clinique médicale Saint-Laurent",
        phone: "+15145550100",
        timezone: "America/Montreal",
        tz_hours: -5,
        age_days: 900,
        area_codes: &["514", "438", "450"],
        card: ("RAMQ card", "carte d'assurance maladie"),
        pharmacies: &[
            "Pharmaprix Côte-des-Neiges",
            "Jean Coutu Saint-Laurent",
            "Brunet Décarie",
        ],
        doctors: &[
            ("Dr. Gagnon", "la Dre Gagnon"),
            ("Dr. Tremblay", "le Dr Tremblay"),
            ("Dr. Nguyen", "la Dre Nguyen"),
        ],
        agents: &[
            AgentSpec {
                name: "Réception",
                team: Some("Accueil"),
                kind: Kind::FrontDesk,
                fr: 0.85,
                weight: 60,
            },
            AgentSpec {
                name: "Rappels de rendez-vous",
                team: Some("Accueil"),
                kind: Kind::Reminder,
                fr: 0.85,
                weight: 28,
            },
            AgentSpec {
                name: "Facturation",
                team: Some("Administration"),
                kind: Kind::Billing,
                fr: 0.85,
                weight: 12,
            },
        ],
    },
    OrgSpec {
        name: "Riverside Family Health Team",
        phone: "+16135550142",
        timezone: "America/Toronto",
        tz_hours: -5,
        age_days: 500,
        area_codes: &["613", "343"],
        card: ("OHIP card", "carte Santé de l'Ontario"),
        pharmacies: &["Shoppers Drug Mart on Bank Street", "Rexall Westboro"],
        doctors: &[
            ("Dr. Patel", "la Dre Patel"),
            ("Dr. Campbell", "le Dr Campbell"),
            ("Dr. Lefebvre", "la Dre Lefebvre"),
        ],
        agents: &[
            AgentSpec {
                name: "Front desk",
                team: None,
                kind: Kind::FrontDesk,
                fr: 0.1,
                weight: 55,
            },
            AgentSpec {
                name: "Accueil francophone",
                team: None,
                kind: Kind::FrontDesk,
                fr: 1.0,
                weight: 20,
            },
            AgentSpec {
                name: "Appointment reminders",
                team: None,
                kind: Kind::Reminder,
                fr: 0.25,
                weight: 25,
            },
        ],
    },
    OrgSpec {
        name: "Valley Health Clinic",
        phone: "+14155551234",
        timezone: "America/Los_Angeles",
        tz_hours: -8,
        age_days: 200,
        area_codes: &["415", "650", "510"],
        card: ("insurance card", "carte d'assurance"),
        pharmacies: &["CVS on Castro Street", "Walgreens on Market Street"],
        doctors: &[
            ("Dr. Ramirez", "le Dr Ramirez"),
            ("Dr. Chen", "la Dre Chen"),
            ("Dr. Okafor", "le Dr Okafor"),
        ],
        agents: &[
            AgentSpec {
                name: "Front desk",
                team: Some("Front Office"),
                kind: Kind::FrontDesk,
                fr: 0.0,
                weight: 70,
            },
            AgentSpec {
                name: "Billing line",
                team: Some("Billing"),
                kind: Kind::Billing,
                fr: 0.0,
                weight: 30,
            },
        ],
    },
];

pub(super) struct AgentRec {
    pub(super) id: String,
    pub(super) name: &'static str,
    pub(super) team: Option<(String, &'static str)>,
}

pub(super) struct OrgRec {
    pub(super) id: String,
    pub(super) spec: &'static OrgSpec,
    pub(super) agents: Vec<AgentRec>,
    pub(super) created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Special {
    None,
    /// 0: blank lines + CRLF, 1: continuation lines (the rest of a sentence, then a
    /// `Note: …` line that is no speaker), 2: a very long line, 3: all of them.
    Unusual(u8),
    Unformatted,
}

pub(super) struct CallRec {
    pub(super) id: String,
    pub(super) org: usize,
    pub(super) agent: usize,
    pub(super) call_type: &'static str,
    pub(super) lang: Lang,
    pub(super) scenario: usize,
    pub(super) outcome: usize,
    pub(super) sentiment: Option<&'static str>,
    pub(super) caller: Option<Person>,
    pub(super) user_phone: Option<String>,
    pub(super) started: DateTime<Utc>,
    pub(super) duration: u32,
    pub(super) created: DateTime<Utc>,
    pub(super) duration_number: bool,
    pub(super) has_transcript: bool,
    pub(super) has_recording: bool,
    pub(super) summary_en: bool,
    pub(super) special: Special,
    pub(super) conv_seed: u64,
    pub(super) clip: &'static Clip,
}

impl CallRec {
    pub(super) fn lang_tag(&self) -> &'static str {
        if self.lang == Lang::Fr { "fr-CA" } else { "en" }
    }

    pub(super) fn is_voicemail(&self) -> bool {
        SCENARIOS[self.scenario].outcomes[self.outcome].name == "voicemail_left"
    }

    pub(super) fn intent(&self) -> Option<&'static str> {
        (!self.is_voicemail()).then_some(SCENARIOS[self.scenario].intent)
    }
}

pub(super) fn org_json(o: &OrgRec) -> Value {
    json!({
        "id": o.id,
        "name": o.spec.name,
        "phoneNumber": o.spec.phone,
        "timezone": o.spec.timezone,
        "createdAt": rfc3339_secs(&o.created_at),
    })
}

struct Caller {
    person: Option<Person>,
    phone: String,
    lang: Lang,
}

const CALLERS_PER_ORG: usize = 90;
const FREQUENT_CALLERS: usize = 6;

fn make_callers(seed: u64, oi: usize, spec: &OrgSpec) -> Vec<Caller> {
    let mut rng = rng_for(seed, "allomia-callers", oi as u64);
    let fr_share = {
        let total: u32 = spec.agents.iter().map(|a| a.weight).sum();
        spec.agents
            .iter()
            .map(|a| a.fr * f64::from(a.weight))
            .sum::<f64>()
            / f64::from(total.max(1))
    };
    let mut phones = HashSet::new();
    let mut out = Vec::with_capacity(CALLERS_PER_ORG);
    while out.len() < CALLERS_PER_ORG {
        let lang = if chance(&mut rng, fr_share) {
            Lang::Fr
        } else {
            Lang::En
        };
        let person = (out.len() < FREQUENT_CALLERS || !chance(&mut rng, 0.12))
            .then(|| people::random_person(&mut rng, lang));
        let phone = format!(
            "+1{}5550{}",
            pick(&mut rng, spec.area_codes),
            rng.u32(100..200)
        );
        if !phones.insert(phone.clone()) {
            continue;
        }
        out.push(Caller {
            person,
            phone,
            lang,
        });
    }
    out
}

/// Local office hours of a clinic (each organization has its own time zone).
const OFFICE_HOURS: OfficeHours = OfficeHours {
    hours: &[8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18],
    weights: &[8, 16, 16, 14, 8, 8, 12, 10, 8, 6, 3],
    weekend_keep: Some((0.15, 0.02)),
    tz_hours: 0,
    days_back: 60,
    oldest: TimeDelta::days(60),
    newest: TimeDelta::minutes(5),
    max_attempts: 200_000,
};

/// The organizations and `per_org` calls of each (fewer if office hours cannot hold them).
pub(super) fn generate(opts: &EmulatorOptions, per_org: usize) -> (Vec<OrgRec>, Vec<CallRec>) {
    let seed = opts.seed;
    let now = opts.now;
    let mut orgs = Vec::new();
    let mut calls = Vec::new();
    for (oi, spec) in ORG_SPECS.iter().enumerate() {
        orgs.push(make_org(seed, oi, spec, now));
        let callers = make_callers(seed, oi, spec);
        let hours = OfficeHours {
            tz_hours: spec.tz_hours,
            max_attempts: OFFICE_HOURS
                .max_attempts
                .max(u32::try_from(per_org.saturating_mul(10)).unwrap_or(u32::MAX)),
            ..OFFICE_HOURS
        };
        let times = call_times(
            &mut rng_for(seed, "allomia-times", oi as u64),
            now,
            &hours,
            per_org,
        );
        let specials = assign_specials(seed, oi, times.len());
        let clinic = Clinic {
            seed,
            oi,
            spec,
            callers: &callers,
        };
        for (i, (started, special)) in times.iter().zip(specials).enumerate() {
            calls.push(gen_call(&clinic, i, *started, special));
        }
    }
    (orgs, calls)
}

fn make_org(seed: u64, oi: usize, spec: &'static OrgSpec, now: DateTime<Utc>) -> OrgRec {
    let mut rng = rng_for(seed, "allomia-org", oi as u64);
    let org_id = uuid_v4(&mut rng);
    let mut teams: HashMap<&str, String> = HashMap::new();
    let agents: Vec<AgentRec> = spec
        .agents
        .iter()
        .map(|a| AgentRec {
            id: uuid_v4(&mut rng),
            name: a.name,
            team: a.team.map(|t| {
                let id = teams.entry(t).or_insert_with(|| uuid_v4(&mut rng)).clone();
                (id, t)
            }),
        })
        .collect();
    let created_at = (now - TimeDelta::days(spec.age_days))
        .date_naive()
        .and_hms_opt(15, 4, 11)
        .map(|d| d.and_utc())
        .unwrap_or(now);
    OrgRec {
        id: org_id,
        spec,
        agents,
        created_at,
    }
}

/// Special transcripts: one unusual among the 20 newest, three more and one unformatted among
/// the rest.
fn assign_specials(seed: u64, oi: usize, n: usize) -> Vec<Special> {
    let mut srng = rng_for(seed, "allomia-specials", oi as u64);
    let mut specials = vec![Special::None; n];
    if n > 25 {
        specials[srng.usize(2..20)] = Special::Unusual(3);
        let mut rest: Vec<usize> = (20..n).collect();
        srng.shuffle(&mut rest);
        for (idx, kind) in rest.iter().zip([
            Special::Unusual(0),
            Special::Unusual(1),
            Special::Unusual(2),
            Special::Unformatted,
        ]) {
            specials[*idx] = kind;
        }
    }
    specials
}

/// What the generation of a clinic's calls looks at.
struct Clinic<'a> {
    seed: u64,
    oi: usize,
    spec: &'static OrgSpec,
    callers: &'a [Caller],
}

/// A caller of the agent's language when there is one (reminders go to patients the clinic
/// knows by name).
fn pick_caller<'a>(
    rng: &mut fastrand::Rng,
    callers: &'a [Caller],
    want_fr: bool,
    outbound: bool,
) -> &'a Caller {
    let pick_one = |rng: &mut fastrand::Rng| {
        if chance(rng, 0.3) {
            &callers[rng.usize(..FREQUENT_CALLERS)]
        } else {
            &callers[rng.usize(..callers.len())]
        }
    };
    let mut c = pick_one(rng);
    for _ in 0..40 {
        let lang_ok = (c.lang == Lang::Fr) == want_fr;
        if lang_ok && (!outbound || c.person.is_some()) {
            break;
        }
        c = pick_one(rng);
    }
    c
}

fn gen_call(clinic: &Clinic, i: usize, started: DateTime<Utc>, special: Special) -> CallRec {
    let (seed, spec) = (clinic.seed, clinic.spec);
    let mut rng = rng_for(seed, "allomia-call", ((clinic.oi as u64) << 32) | i as u64);
    let weights: Vec<u32> = spec.agents.iter().map(|a| a.weight).collect();
    let ai = pick_weighted(&mut rng, &weights);
    let agent = &spec.agents[ai];
    let sc_weights = match agent.kind {
        Kind::FrontDesk => &scripts::FRONT_DESK_WEIGHTS,
        Kind::Billing => &scripts::BILLING_WEIGHTS,
        Kind::Reminder => &scripts::REMINDER_WEIGHTS,
    };
    let scenario = pick_weighted(&mut rng, sc_weights);
    let sc = &SCENARIOS[scenario];
    let ow: Vec<u32> = sc.outcomes.iter().map(|o| o.weight).collect();
    let mut outcome = pick_weighted(&mut rng, &ow);
    if special != Special::None && sc.outcomes[outcome].name == "voicemail_left" {
        outcome = 0;
    }
    let out = &sc.outcomes[outcome];
    let call_type = if sc.outbound {
        "Outbound"
    } else if chance(&mut rng, 0.18) {
        "Web"
    } else {
        "Inbound"
    };
    let want_fr = chance(&mut rng, agent.fr);
    let caller = pick_caller(&mut rng, clinic.callers, want_fr, sc.outbound);
    let lang = if agent.fr >= 1.0 {
        Lang::Fr
    } else if agent.fr <= 0.0 {
        Lang::En
    } else {
        caller.lang
    };
    let duration = rng.u32(out.secs.0..=out.secs.1)
        + if matches!(special, Special::Unusual(2) | Special::Unusual(3)) {
            240
        } else {
            0
        };
    let sentiment = if out.name == "voicemail_left" {
        None
    } else {
        Some(["positive", "neutral", "negative"][pick_weighted(&mut rng, &out.sentiment)])
    };
    let has_transcript = special != Special::None || !chance(&mut rng, 0.05);
    let has_recording = !chance(&mut rng, if call_type == "Web" { 0.3 } else { 0.05 });
    let summary_en = !(lang == Lang::Fr && chance(&mut rng, 0.1));
    let ended = started + TimeDelta::seconds(i64::from(duration));
    let created = ended + TimeDelta::seconds(rng.i64(8..75));
    let id = uuid_v4(&mut rng);
    let format = if i.is_multiple_of(3) {
        AudioFormat::Mp3Vbr
    } else {
        AudioFormat::Mp3Cbr
    };
    let clip = recordings::pick(
        format,
        Some(if lang == Lang::Fr { "fr" } else { "en" }),
        str_hash(&id),
    );
    CallRec {
        conv_seed: mix64(seed ^ str_hash(&id)),
        id,
        org: clinic.oi,
        agent: ai,
        call_type,
        lang,
        scenario,
        outcome,
        sentiment,
        caller: caller.person.clone(),
        user_phone: (call_type != "Web").then(|| caller.phone.clone()),
        started,
        duration,
        created,
        duration_number: i % 23 == 7,
        has_transcript,
        has_recording,
        summary_en,
        special,
        clip,
    }
}
