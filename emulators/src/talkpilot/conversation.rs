//! TalkPilot's conversations: placeholder values, normal and very long conversations built from
//! the script packs, transcripts (valid JSON or not).

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::super::clock::shift_business_days;
use super::super::people::{self, Lang, Person};
use super::super::templates;
use super::super::{chance, pick, pick_weighted};
use super::scripts::{CALLBACK, FILLER_SLOTS, Line, Pack, R, SCENARIO_WEIGHTS, Slot};

/// Placeholder values for one conversation (or one topic of a long one).
pub(super) struct Vars(Vec<(&'static str, String)>);

impl Vars {
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.as_str())
    }
}

pub(super) fn fill(tpl: &str, vars: &Vars) -> String {
    templates::fill(tpl, |k| vars.get(k))
}

pub(super) fn make_vars(
    rng: &mut fastrand::Rng,
    lang: Lang,
    pack: &Pack,
    local_day: NaiveDate,
    caller: Option<&Person>,
    emp: &str,
) -> Vars {
    let date = shift_business_days(local_day, rng.u64(1..=15), true);
    let date2 = shift_business_days(date, rng.u64(1..=3), true);
    let old_date = shift_business_days(local_day, rng.u64(1..=8), true);
    let past_date = shift_business_days(local_day, rng.u64(3..=9), false);
    let time = |rng: &mut fastrand::Rng| {
        people::spoken_time(lang, rng.u32(8..17), [0, 15, 30, 45][rng.usize(..4)])
    };
    let dob = NaiveDate::from_ymd_opt(rng.i32(1936..2007), rng.u32(1..=12), rng.u32(1..=28))
        .unwrap_or(local_day);
    let (full, hn, ne, caller_s) = match caller {
        Some(p) => (
            p.full(),
            format!(", {}", p.honorific(lang)),
            if p.female { "née" } else { "né" },
            p.full(),
        ),
        None => (
            String::new(),
            String::new(),
            "né",
            pack.anon_caller.to_string(),
        ),
    };
    Vars(vec![
        ("caller", caller_s),
        ("full", full),
        (", hn", hn),
        ("ne", ne.to_string()),
        ("dob", people::birth_date(lang, dob)),
        ("date", people::spoken_date(lang, date)),
        ("time", time(rng)),
        ("date2", people::spoken_date(lang, date2)),
        ("time2", time(rng)),
        ("old_date", people::spoken_date(lang, old_date)),
        ("past_date", people::spoken_date(lang, past_date)),
        ("inv", rng.u32(1000..99_999).to_string()),
        (
            "amount",
            people::money(lang, rng.u32(15..250) * 100 + [0, 50, 90][rng.usize(..3)]),
        ),
        ("med", pick(rng, pack.meds).to_string()),
        ("ins", pick(rng, pack.insurers).to_string()),
        ("doc", pick(rng, pack.doctors).to_string()),
        ("practice", pack.practice.to_string()),
        ("emp", emp.to_string()),
        ("complaint", pick(rng, pack.complaints).to_string()),
    ])
}

pub(super) type Turn = (R, String);

fn pick_str(rng: &mut fastrand::Rng, items: &[&'static str]) -> &'static str {
    items[rng.usize(..items.len())]
}

fn push_lines(turns: &mut Vec<Turn>, lines: &[Line], vars: &Vars) {
    turns.extend(lines.iter().map(|(r, t)| (*r, fill(t, vars))));
}

/// Insert filler exchanges where they fit (see [`scripts::Slot`]) between `lo`
/// and `hi` (the start of the goodbye) until `turns` has `target` turns. Each
/// filler is used at most once per call unless all have been used.
#[allow(clippy::too_many_arguments)]
fn add_fillers(
    rng: &mut fastrand::Rng,
    turns: &mut Vec<Turn>,
    pack: &Pack,
    vars: &Vars,
    lo: usize,
    mut hi: usize,
    target: usize,
    used: &mut Vec<usize>,
) {
    // Turns inserted here (a filler is never split by another one).
    let mut inserted = vec![false; turns.len()];
    let mut guard = 0;
    while turns.len() < target && guard < 400 {
        guard += 1;
        if used.len() >= pack.fillers.len() {
            used.clear();
        }
        let fi = rng.usize(..pack.fillers.len());
        if used.contains(&fi) {
            continue;
        }
        let hi_c = hi.min(turns.len());
        let pos = match FILLER_SLOTS[fi] {
            Slot::BeforeEnd => Some(hi_c),
            Slot::AfterAgent => {
                let spots: Vec<usize> = (lo.max(1)..hi_c)
                    .filter(|&i| !inserted[i - 1] && !inserted[i])
                    .filter(|&i| turns[i - 1].0 == R::A && turns[i].0 == R::U)
                    .collect();
                (!spots.is_empty()).then(|| spots[rng.usize(..spots.len())])
            }
            Slot::AfterUser => {
                let spots: Vec<usize> = (lo.max(1)..hi_c)
                    .filter(|&i| !inserted[i - 1] && !inserted[i])
                    .filter(|&i| turns[i - 1].0 == R::U && turns[i].0 == R::A)
                    .collect();
                (!spots.is_empty()).then(|| spots[rng.usize(..spots.len())])
            }
        };
        let Some(pos) = pos else {
            continue;
        };
        used.push(fi);
        let lines: Vec<Turn> = pack.fillers[fi]
            .iter()
            .map(|(r, t)| (*r, fill(t, vars)))
            .collect();
        let n = lines.len();
        turns.splice(pos..pos, lines);
        inserted.splice(pos..pos, std::iter::repeat_n(true, n));
        hi += n;
    }
}

/// "Hallo, ich bräuchte …" → "Ich bräuchte …" (for a second topic in one call).
fn strip_greeting(s: &str) -> String {
    const PREFIXES: [&str; 9] = [
        "Ja, guten Tag, ",
        "Guten Tag, ",
        "Hallo, ",
        "Hi there, ",
        "Hi, ",
        "Hello, ",
        "Oui bonjour, ",
        "Bonjour, ",
        "Oui, ",
    ];
    for p in PREFIXES {
        if let Some(rest) = s.strip_prefix(p) {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                // Keep "I" and names capitalised; lower-case nothing, upper-case the first.
                return c.to_uppercase().chain(chars).collect();
            }
        }
    }
    s.to_string()
}

pub(super) struct Conversation {
    pub(super) turns: Vec<Turn>,
    pub(super) request: String,
    pub(super) summary: String,
    pub(super) success: bool,
    pub(super) disconnection: &'static str,
}

fn role_name(r: R) -> &'static str {
    match r {
        R::A => "agent",
        R::U => "user",
    }
}

/// A normal conversation of about 6–40 turns.
pub(super) fn normal_conversation(
    rng: &mut fastrand::Rng,
    pack: &Pack,
    vars: &Vars,
    named: bool,
) -> Conversation {
    let sc_idx = pick_weighted(rng, &SCENARIO_WEIGHTS);
    let sc = &pack.scenarios[sc_idx];
    let short = chance(rng, 0.07);
    let success = !short && chance(rng, if sc_idx == CALLBACK { 0.6 } else { 0.8 });
    let disconnection = if short {
        "user_hangup"
    } else if sc_idx == CALLBACK && success {
        "call_transfer"
    } else {
        ["user_hangup", "agent_hangup", "call_transfer"][pick_weighted(rng, &[62, 25, 13])]
    };

    let mut turns: Vec<Turn> = Vec::new();
    let mut used = Vec::new();
    turns.push((R::A, fill(pick_str(rng, pack.greetings), vars)));
    turns.push((R::U, fill(pick_str(rng, sc.openings), vars)));
    if sc.needs_id {
        push_lines(
            &mut turns,
            if named {
                pack.ident_named
            } else {
                pack.ident_anon
            },
            vars,
        );
    }
    let body_start = turns.len();
    if short {
        push_lines(&mut turns, &sc.core[..sc.core.len().min(2)], vars);
        push_lines(&mut turns, pack.end_user_abrupt, vars);
    } else {
        push_lines(&mut turns, sc.core, vars);
        push_lines(&mut turns, if success { sc.ok } else { sc.fail }, vars);
        let ending = match disconnection {
            "call_transfer" => pack.end_transfer,
            "agent_hangup" => pack.end_agent_hangup,
            _ if !success && chance(rng, 0.5) => pack.end_user_abrupt,
            _ => pack.end_user_hangup,
        };
        let body_end = turns.len();
        push_lines(&mut turns, ending, vars);
        let target = 6 + (rng.f64().powf(1.7) * 34.0) as usize;
        add_fillers(
            rng, &mut turns, pack, vars, body_start, body_end, target, &mut used,
        );
    }
    if turns.len() < 6 {
        let end = turns.len() - 1;
        add_fillers(rng, &mut turns, pack, vars, body_start, end, 6, &mut used);
    }

    let mut summary = vec![fill(pick_str(rng, sc.summary), vars)];
    if short {
        summary.push(
            match pack.anon_caller {
                "Ein anonymer Anrufer" => "Anrufer legte auf, bevor das Anliegen geklärt war.",
                "Un appelant anonyme" => "L'appelant a raccroché avant la fin de la demande.",
                _ => "Caller hung up before the request was resolved.",
            }
            .to_string(),
        );
    } else if chance(rng, 0.9) {
        let s = if success {
            sc.summary_ok
        } else {
            sc.summary_fail
        };
        summary.push(fill(pick_str(rng, s), vars));
    }
    if disconnection == "call_transfer" && sc_idx != CALLBACK {
        summary.push(fill(pack.transfer_summary, vars));
    }
    Conversation {
        turns,
        request: fill(pick_str(rng, sc.requests), vars),
        summary: summary.join(" "),
        success,
        disconnection,
    }
}

/// A very long conversation (300–600 turns) about many topics.
pub(super) fn long_conversation(
    rng: &mut fastrand::Rng,
    lang: Lang,
    pack: &Pack,
    local_day: NaiveDate,
    caller: Option<&Person>,
    emp: &str,
) -> Conversation {
    // A topic block adds at most ~35 turns and the goodbye 3, so this stays within 300–600.
    let target = rng.usize(300..=550);
    let first_vars = make_vars(rng, lang, pack, local_day, caller, emp);
    let mut turns: Vec<Turn> = vec![(R::A, fill(pick_str(rng, pack.greetings), &first_vars))];
    let mut topics: Vec<&str> = Vec::new();
    let mut first = true;
    let mut used = Vec::new();
    while turns.len() < target {
        let sc_idx = pick_weighted(rng, &SCENARIO_WEIGHTS[..CALLBACK]);
        let sc = &pack.scenarios[sc_idx];
        let vars = if first {
            Vars(first_vars.0.clone())
        } else {
            make_vars(rng, lang, pack, local_day, caller, emp)
        };
        if !first {
            turns.push((R::U, pick(rng, pack.more_topics).to_string()));
        }
        let opening = fill(pick_str(rng, sc.openings), &vars);
        turns.push((
            R::U,
            if first {
                opening
            } else {
                strip_greeting(&opening)
            },
        ));
        if first && sc.needs_id {
            push_lines(
                &mut turns,
                if caller.is_some() {
                    pack.ident_named
                } else {
                    pack.ident_anon
                },
                &vars,
            );
        }
        let start = turns.len();
        push_lines(&mut turns, sc.core, &vars);
        push_lines(
            &mut turns,
            if chance(rng, 0.85) { sc.ok } else { sc.fail },
            &vars,
        );
        let end = turns.len();
        let extra = turns.len() + rng.usize(0..=6);
        add_fillers(rng, &mut turns, pack, &vars, start, end, extra, &mut used);
        if !topics.contains(&sc.topic) {
            topics.push(sc.topic);
        }
        first = false;
    }
    push_lines(&mut turns, pack.end_agent_hangup, &first_vars);
    let topic_list = topics.join(", ");
    let mut vars = first_vars;
    vars.0.push(("topics", topic_list));
    Conversation {
        turns,
        request: pack.long_request.to_string(),
        summary: format!(
            "{} {}",
            fill(pack.long_summary, &vars),
            fill(pack.long_summary2, &vars)
        ),
        success: true,
        disconnection: "agent_hangup",
    }
}

pub(super) fn transcript_json(turns: &[Turn]) -> String {
    let items: Vec<Value> = turns
        .iter()
        .map(|(r, t)| json!({"role": role_name(*r), "text": t}))
        .collect();
    serde_json::to_string(&items).unwrap_or_default()
}

/// A transcript string that is not valid JSON.
pub(super) fn broken_transcript(kind: u8, json_text: &str, turns: &[Turn]) -> String {
    match kind {
        0 => {
            let mut cut = json_text.len() * 3 / 5;
            while cut > 0 && !json_text.is_char_boundary(cut) {
                cut -= 1;
            }
            json_text[..cut].to_string()
        }
        1 => {
            let items: Vec<String> = turns
                .iter()
                .map(|(r, t)| {
                    format!(
                        "{{'role': '{}', 'text': '{}'}}",
                        role_name(*r),
                        t.replace('\'', "\\'")
                    )
                })
                .collect();
            format!("[{}]", items.join(", "))
        }
        _ => turns
            .iter()
            .map(|(r, t)| format!("{}: {t}", role_name(*r)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
