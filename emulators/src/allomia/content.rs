//! The text of an AlloMia call, generated when asked (deterministic from the call): transcript
//! (`Agent: …` / `User: …` lines, unusual or unformatted for a few calls) and both summaries;
//! and the list and detail records.

use chrono::{Datelike, NaiveDate, TimeDelta};
use serde_json::{Value, json};

use super::super::clock::{rfc3339_secs, shift_business_days};
use super::super::people::{self, Lang, Person};
use super::super::templates;
use super::super::{lock, pick};
use super::data::{CallRec, OrgSpec, Special};
use super::scripts::{self, SCENARIOS, W};
use super::{Host, Redirect, Shared};

/// The lazily generated text of one call.
pub(super) struct Content {
    pub(super) transcript: String,
    pub(super) summary_en: String,
    pub(super) summary_fr: String,
}

/// The values a call's templates are filled with (drawn from the call's own seed).
struct Values {
    date: NaiveDate,
    date2: NaiveDate,
    time: (u32, u32),
    time2: (u32, u32),
    doc: (&'static str, &'static str),
    med: (&'static str, &'static str),
    pharmacy: &'static str,
    cents: u32,
    inv: String,
    dob: NaiveDate,
}

impl Values {
    fn draw(rng: &mut fastrand::Rng, spec: &OrgSpec, local_day: NaiveDate) -> Values {
        let date = shift_business_days(local_day, rng.u64(1..=12), true);
        let date2 = shift_business_days(date, rng.u64(1..=4), true);
        let time = (rng.u32(8..17), [0, 15, 30, 45][rng.usize(..4)]);
        let time2 = (rng.u32(8..17), [0, 15, 30, 45][rng.usize(..4)]);
        let doc = *pick(rng, spec.doctors);
        let med = *pick(rng, scripts::MEDS);
        let pharmacy = *pick(rng, spec.pharmacies);
        let cents = rng.u32(25..180) * 100 + [0, 50, 75][rng.usize(..3)];
        let inv = rng.u32(10_000..99_999).to_string();
        let dob = NaiveDate::from_ymd_opt(rng.i32(1938..2006), rng.u32(1..=12), rng.u32(1..=28))
            .unwrap_or(local_day);
        Values {
            date,
            date2,
            time,
            time2,
            doc,
            med,
            pharmacy,
            cents,
            inv,
            dob,
        }
    }

    /// The placeholder values in one language.
    fn vars(&self, c: &CallRec, spec: &OrgSpec, lang: Lang) -> Vec<(&'static str, String)> {
        let fr = lang == Lang::Fr;
        let pair = |p: (&'static str, &'static str)| if fr { p.1 } else { p.0 }.to_string();
        vec![
            ("clinic", spec.name.to_string()),
            (
                "caller",
                match &c.caller {
                    Some(p) => p.full(),
                    None if fr => scripts::ANON_FR.to_string(),
                    None => scripts::ANON_EN.to_string(),
                },
            ),
            ("doc", pair(self.doc)),
            ("date", spoken_date(lang, self.date)),
            ("date2", spoken_date(lang, self.date2)),
            ("time", people::spoken_time(lang, self.time.0, self.time.1)),
            (
                "time2",
                people::spoken_time(lang, self.time2.0, self.time2.1),
            ),
            ("med", pair(self.med)),
            ("pharmacy", self.pharmacy.to_string()),
            ("amount", money(lang, self.cents)),
            ("inv", self.inv.clone()),
            ("card", pair(spec.card)),
            ("dob", birth_date(lang, self.dob)),
            (
                "ne",
                if c.caller.as_ref().is_some_and(|p| p.female) {
                    "née"
                } else {
                    "né"
                }
                .to_string(),
            ),
        ]
    }
}

impl Shared {
    pub(super) fn list_json(&self, c: &CallRec) -> Value {
        let org = &self.orgs[c.org];
        let agent = &org.agents[c.agent];
        let ended = c.started + TimeDelta::seconds(i64::from(c.duration));
        let duration = if c.duration_number {
            json!(c.duration)
        } else {
            json!(c.duration.to_string())
        };
        json!({
            "id": c.id,
            "organizationId": org.id,
            "callType": c.call_type,
            "agentId": agent.id,
            "agentName": agent.name,
            "teamId": agent.team.as_ref().map(|t| &t.0),
            "teamName": agent.team.as_ref().map(|t| t.1),
            "phoneNumber": (c.call_type != "Web").then_some(org.spec.phone),
            "callStartedAt": rfc3339_secs(&c.started),
            "callEndedAt": rfc3339_secs(&ended),
            "callDurationSeconds": duration,
            "userPhoneNumber": c.user_phone,
            "createdAt": rfc3339_secs(&c.created),
        })
    }

    pub(super) fn detail_json(&self, c: &CallRec, expired: bool) -> Value {
        let mut v = self.list_json(c);
        let content = self.content(c);
        let out = &SCENARIOS[c.scenario].outcomes[c.outcome];
        let transcript_url = c.has_transcript.then(|| {
            let path = self.object_path(c, "transcripts", "txt");
            self.sign(Host::Storage, &path, expired)
        });
        let redirect = lock(&self.knobs).redirect_recordings;
        let recording_url = c.has_recording.then(|| {
            let kind = if redirect == Redirect::None {
                "recordings"
            } else {
                "recordings-redirect"
            };
            self.sign(Host::Storage, &self.object_path(c, kind, "mp3"), expired)
        });
        if let Value::Object(m) = &mut v {
            m.insert("callEndedReason".into(), json!(out.ended));
            m.insert(
                "userName".into(),
                json!(
                    c.caller
                        .as_ref()
                        .filter(|_| !c.is_voicemail())
                        .map(Person::full)
                ),
            );
            m.insert("userPrimaryIntent".into(), json!(c.intent()));
            m.insert("userSentiment".into(), json!(c.sentiment));
            m.insert("callOutcome".into(), json!(out.name));
            m.insert(
                "callSummary".into(),
                json!(c.summary_en.then_some(content.summary_en)),
            );
            m.insert("callSummaryFr".into(), json!(content.summary_fr));
            m.insert("transcriptUrl".into(), json!(transcript_url));
            m.insert("recordingUrl".into(), json!(recording_url));
        }
        v
    }

    /// The transcript file of a call (a replaced one, or the generated one).
    pub(super) fn transcript(&self, c: &CallRec) -> String {
        match lock(&self.transcripts).get(&c.id) {
            Some(t) => t.clone(),
            None => self.content(c).transcript,
        }
    }

    /// Generates the transcript and both summaries of a call (deterministic).
    pub(super) fn content(&self, c: &CallRec) -> Content {
        let mut rng = fastrand::Rng::with_seed(c.conv_seed);
        let spec = self.orgs[c.org].spec;
        let sc = &SCENARIOS[c.scenario];
        let out = &sc.outcomes[c.outcome];
        let local_day = (c.started + TimeDelta::hours(spec.tz_hours)).date_naive();
        let values = Values::draw(&mut rng, spec, local_day);
        let v_call = values.vars(c, spec, c.lang);
        // In a French conversation "{doc}" at the start of a sentence reads "La Dre Gagnon".
        let text = if c.lang == Lang::Fr { &out.fr } else { &out.en };
        let mut turns: Vec<(W, String)> = Vec::new();
        if !sc.outbound {
            let greeting = if c.lang == Lang::Fr {
                scripts::GREETING_FR
            } else {
                scripts::GREETING_EN
            };
            turns.push((W::A, fill(greeting, &v_call)));
        }
        for (w, t) in text.turns {
            turns.push((*w, capitalise(&fill(t, &v_call))));
        }
        Content {
            transcript: transcript_text(c, &turns, &v_call),
            summary_en: capitalise(&fill(out.en.summary, &values.vars(c, spec, Lang::En))),
            summary_fr: capitalise(&fill(out.fr.summary, &values.vars(c, spec, Lang::Fr))),
        }
    }
}

/// The transcript file of a call from its turns (unusual or unformatted for special calls).
fn transcript_text(c: &CallRec, turns: &[(W, String)], vars: &[(&'static str, String)]) -> String {
    let fr = c.lang == Lang::Fr;
    match c.special {
        Special::Unformatted => {
            let raw = if fr {
                scripts::UNFORMATTED_FR
            } else {
                scripts::UNFORMATTED_EN
            };
            fill(raw, vars)
        }
        Special::Unusual(kind) => {
            let (long, note) = if fr {
                (scripts::LONG_LINE_FR, scripts::NOTE_FR)
            } else {
                (scripts::LONG_LINE_EN, scripts::NOTE_EN)
            };
            let lines = UnusualLines {
                long: fill(long, vars),
                note: fill(note, vars),
            };
            unusual_transcript(kind, turns, &lines)
        }
        Special::None => plain_transcript(turns),
    }
}

fn plain_transcript(turns: &[(W, String)]) -> String {
    let mut s = String::new();
    for (w, t) in turns {
        s.push_str(w.prefix());
        s.push_str(": ");
        s.push_str(t);
        s.push('\n');
    }
    s
}

/// The extra lines of an unusual transcript.
pub(super) struct UnusualLines {
    /// A ~1,700-character caller line.
    pub(super) long: String,
    /// A `Note: …` / `Rappel : …` line: no speaker, so it continues the first turn.
    pub(super) note: String,
}

/// A transcript with the unusual lines real exports have.
pub(super) fn unusual_transcript(kind: u8, turns: &[(W, String)], extra: &UnusualLines) -> String {
    let blank = kind == 0 || kind == 3;
    let split = kind == 1 || kind == 3;
    let long = kind == 2 || kind == 3;
    let eol = if kind == 0 { "\r\n" } else { "\n" };
    let mut lines: Vec<String> = Vec::new();
    if kind == 3 {
        lines.push(String::new());
    }
    for (i, (w, t)) in turns.iter().enumerate() {
        if split && i == 0 {
            // The turn continues on a line without a speaker.
            match t.find(". ") {
                Some(cut) => {
                    lines.push(format!("{}: {}", w.prefix(), &t[..=cut]));
                    lines.push(t[cut + 2..].to_string());
                }
                None => {
                    lines.push(format!("{}: {t}", w.prefix()));
                    lines.push("(pause)".to_string());
                }
            }
            lines.push(extra.note.clone());
        } else if kind == 3 && i == 2 {
            lines.push(format!("{}:   {t}", w.prefix()));
        } else {
            lines.push(format!("{}: {t}", w.prefix()));
        }
        if long && i == 1 {
            lines.push(format!("User: {}", extra.long));
        }
        if blank {
            lines.push(String::new());
        }
    }
    let mut s = lines.join(eol);
    s.push_str(eol);
    s
}

fn fill(tpl: &str, vars: &[(&'static str, String)]) -> String {
    templates::fill(tpl, |k| templates::lookup(vars, k))
}

/// Upper-cases the first letter ("la Dre Gagnon a …" at the start of a sentence).
fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_lowercase() => c.to_uppercase().chain(chars).collect(),
        _ => s.to_string(),
    }
}

/// "Thursday, March 14" / "jeudi 14 mars".
fn spoken_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Fr => people::spoken_date(Lang::Fr, d),
        _ => format!(
            "{}, {} {}",
            people::weekday_name(Lang::En, d.weekday()),
            people::month_name(Lang::En, d.month()),
            d.day()
        ),
    }
}

/// "March 12, 1968" / "12 mars 1968".
fn birth_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Fr => format!(
            "{} {} {}",
            d.day(),
            people::month_name(Lang::Fr, d.month()),
            d.year()
        ),
        _ => format!(
            "{} {}, {}",
            people::month_name(Lang::En, d.month()),
            d.day(),
            d.year()
        ),
    }
}

/// "$84.50" / "84,50 $".
fn money(lang: Lang, cents: u32) -> String {
    match lang {
        Lang::Fr => format!("{},{:02} $", cents / 100, cents % 100),
        _ => format!("${}.{:02}", cents / 100, cents % 100),
    }
}
