//! A process that writes to a triage store until it is killed, saying on standard output what
//! it saved, each line flushed as soon as the store said so. `tests/store_crash.rs` kills it with
//! SIGKILL at random moments and checks that everything it reported is still there.
//!
//! ```text
//! triage_writer STORE changes FIRST SEED   marks, notes, tags and drafts on calls c0…c5
//! triage_writer STORE typing               a note typed into the editor key by key
//! ```
//!
//! `changes` numbers its changes from FIRST and, for each, prints before the transaction
//! `about N CALL FIELD VALUE` and after its commit `saved N CALL FIELD VALUE`, where FIELD is
//! `mark`, `note`, `tags` or `draft` and VALUE the field's new value as a JSON string (`tags`:
//! the tags joined by spaces, as the history keeps them; `draft`: the draft's text).
//!
//! `typing` resumes the draft left for call `editor` (as the TUI's editor does after a crash)
//! and types on: before each save `typing editor LEN`, after it `draft editor LEN`, where the
//! text of a draft of LEN characters is [`typed`]`(LEN)`. Every 400 characters the note is
//! saved (`saving editor LEN` before, `note editor LEN` after the commit, which drops the draft)
//! and a new draft begins.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use callbrowser::model::{Account, Call, CallRef, ProviderKind};
use callbrowser::store::{Change, Mark, Store, StoreError};

/// The calls `changes` writes to.
const CALLS: usize = 6;
const TAGS: [&str; 5] = ["billing", "urgent", "rückruf", "qa", "x-1"];
/// A note saved after this many characters typed.
const NOTE_EVERY: usize = 400;
/// What `typing` types, over and over.
const TEXT: &str = "Rückruf bei Frau Ğül Şahin, \"dringend\": Rezept, Überweisung; 患者に電話。\n";

/// The text of a draft `len` characters long (the test computes the same).
fn typed(len: usize) -> String {
    TEXT.chars().cycle().take(len).collect()
}

fn call(id: &str) -> CallRef {
    CallRef {
        account: Account::new(ProviderKind::TalkPilot, "https://crash.example", None),
        id: id.into(),
    }
}

fn snapshot(r: &CallRef) -> Call {
    let mut c = Call::new(&Arc::new(r.account.clone()), Some("agent-1"), &r.id);
    c.caller_name = Some(format!("Caller {}", r.id));
    c.caller_number = Some("+4930123456".into());
    c
}

/// One line on standard output, sent at once. A closed output ends the process.
fn say(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))
}

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A note of varying length (mostly short, sometimes tens of kilobytes) that names change `n`.
fn note_text(rng: &mut fastrand::Rng, n: u64) -> String {
    let len = match rng.u8(0..10) {
        0..=2 => rng.usize(0..40),
        3..=7 => rng.usize(40..2_000),
        _ => rng.usize(2_000..40_000),
    };
    let mut text = format!("change {n}: ");
    let words = [
        "Rückruf",
        "done,",
        "\"quoted\"",
        "患者",
        "line\n",
        "Ünïcödé",
        "x",
    ];
    while text.chars().count() < len {
        text.push_str(words[rng.usize(0..words.len())]);
        text.push(' ');
    }
    text
}

fn changes(store: &mut Store, mut n: u64, seed: u64) -> Result<(), StoreError> {
    let mut rng = fastrand::Rng::with_seed(seed);
    loop {
        let id = format!("c{}", rng.usize(0..CALLS));
        let r = call(&id);
        let current = store.get(&r)?;
        let (mark, note, tags, version) = match &current {
            Some(e) => (e.mark, e.note.clone(), e.tags.clone(), e.version),
            None => (Mark::None, String::new(), Vec::new(), 0),
        };
        let (field, value, change) = match rng.u8(0..4) {
            0 => {
                let others: Vec<Mark> = [Mark::None, Mark::FollowUp, Mark::Done]
                    .into_iter()
                    .filter(|m| *m != mark)
                    .collect();
                let m = others[rng.usize(0..others.len())];
                ("mark", m.as_str().to_string(), Some(Change::Mark(m)))
            }
            1 => {
                let text = note_text(&mut rng, n);
                let change = Change::Note {
                    text: text.clone(),
                    base: version,
                };
                ("note", text, Some(change))
            }
            2 => {
                let tag = TAGS[rng.usize(0..TAGS.len())].to_string();
                let mut after = tags.clone();
                let change = if let Some(i) = after.iter().position(|t| *t == tag) {
                    after.remove(i);
                    Change::RemoveTag(tag)
                } else {
                    after.push(tag.clone());
                    after.sort();
                    Change::AddTag(tag)
                };
                ("tags", after.join(" "), Some(change))
            }
            _ => {
                let mut text = note.clone();
                text.push_str(&format!(" draft {n}"));
                ("draft", text, None)
            }
        };
        let line = format!("{n} {id} {field} {}", json(&value));
        say(&format!("about {line}")).map_err(StoreError::Other)?;
        match change {
            Some(c) => {
                store.apply(&r, Some(&snapshot(&r)), c)?;
            }
            None => store.save_draft(&r, &value, version)?,
        }
        say(&format!("saved {line}")).map_err(StoreError::Other)?;
        n += 1;
    }
}

fn typing(store: &mut Store) -> Result<(), StoreError> {
    let r = call("editor");
    let mut text = match store.draft(&r)? {
        Some((text, _)) => text,
        None => String::new(),
    };
    let mut len = text.chars().count();
    if text != typed(len) {
        return Err(StoreError::Other(format!(
            "the draft left behind is not what was typed ({len} characters)"
        )));
    }
    loop {
        let base = store.get(&r)?.map_or(0, |e| e.version);
        if len >= NOTE_EVERY {
            say(&format!("saving editor {len}")).map_err(StoreError::Other)?;
            store.apply(
                &r,
                Some(&snapshot(&r)),
                Change::Note {
                    text: text.clone(),
                    base,
                },
            )?;
            say(&format!("note editor {len}")).map_err(StoreError::Other)?;
            text.clear();
            len = 0;
        }
        let next = TEXT.chars().cycle().nth(len).unwrap_or(' ');
        text.push(next);
        len += 1;
        say(&format!("typing editor {len}")).map_err(StoreError::Other)?;
        store.save_draft(&r, &text, base)?;
        say(&format!("draft editor {len}")).map_err(StoreError::Other)?;
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: triage_writer STORE changes FIRST SEED | triage_writer STORE typing";
    let (Some(path), Some(mode)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let mut store = match Store::open(&PathBuf::from(path), "crash-test") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("triage_writer: {e}");
            return ExitCode::FAILURE;
        }
    };
    let number = |i: usize| args.get(i).and_then(|s| s.parse::<u64>().ok());
    let result = match (mode.as_str(), number(2), number(3)) {
        ("changes", Some(first), Some(seed)) => changes(&mut store, first, seed),
        ("typing", _, _) => typing(&mut store),
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("triage_writer: {e}");
            ExitCode::FAILURE
        }
    }
}
