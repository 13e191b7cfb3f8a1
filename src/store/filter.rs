//! The filter line of the triage queue (the TUI's Follow-ups view and `callbrowser triage list`):
//! free text plus `key:value` tokens, quoted with `"` where a value holds spaces.
//!
//! - `triage:followup|done|none` — the mark (`follow-up` and `clear` are taken too); several
//!   `triage:` tokens, or values joined with `,`, mean any of them.
//! - `tag:X` — the call carries tag X (every `tag:` token must hold).
//! - `note:TEXT` — the note contains TEXT, ignoring case (every `note:` token must hold).
//! - free text — the words, joined by single spaces, found (ignoring case) in the caller's name or
//!   number, the summary, the note or the call id.
//!
//! An unknown key is an error that lists the allowed ones, never silence.

use super::{Entry, Mark, clean_tag};

/// The keys this filter takes, with what each means (for errors and help).
pub const KEYS: &[(&str, &str)] = &[
    ("triage", "triage:followup|done|none — the mark"),
    ("tag", "tag:billing — calls carrying this tag"),
    (
        "note",
        "note:rückruf — the note contains this text (ignoring case)",
    ),
];

/// A parsed triage filter. Empty fields mean "no constraint".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TriageFilter {
    /// Any of these marks (empty: any mark).
    pub marks: Vec<Mark>,
    /// Every one of these tags (as stored: lowercase).
    pub tags: Vec<String>,
    /// Every one of these texts in the note (lowercase).
    pub notes: Vec<String>,
    /// Free text (the bare words joined with single spaces, lowercase).
    pub text: Option<String>,
}

fn allowed() -> String {
    let keys: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
    format!("{} (and free text)", keys.join(", "))
}

/// Splits a filter line at whitespace outside `"…"` quotes (the quotes are dropped).
fn tokenize(input: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let (mut in_quote, mut any) = (false, false);
    for ch in input.chars() {
        match ch {
            '"' => {
                in_quote = !in_quote;
                any = true;
            }
            c if c.is_whitespace() && !in_quote => {
                if any {
                    tokens.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if in_quote {
        return Err("unclosed quote in filter".into());
    }
    if any {
        tokens.push(cur);
    }
    Ok(tokens)
}

/// Parses a triage filter line; an unknown key or a bad value is a sentence saying what is
/// allowed.
pub fn parse(input: &str) -> Result<TriageFilter, String> {
    let mut f = TriageFilter::default();
    let mut words: Vec<String> = Vec::new();
    for tok in tokenize(input)? {
        let Some((key, value)) = tok.split_once(':') else {
            words.push(tok);
            continue;
        };
        // "https://…" or a time "10:30" in free text is not a key (as in the calls' filter).
        if key.is_empty() || value.starts_with("//") || key.chars().any(|c| c.is_ascii_digit()) {
            words.push(tok);
            continue;
        }
        let key_l = key.to_lowercase();
        let bad =
            |expected: &str| format!("bad value '{value}' for '{key_l}': expected {expected}");
        match key_l.as_str() {
            "triage" => {
                for v in value.split([',', '|']) {
                    let m = Mark::parse(v.trim()).ok_or_else(|| bad("followup, done or none"))?;
                    if !f.marks.contains(&m) {
                        f.marks.push(m);
                    }
                }
            }
            "tag" => {
                let t = clean_tag(value).ok_or_else(|| {
                    bad("a tag: one word of letters, digits, - or _ (at most 32)")
                })?;
                f.tags.push(t);
            }
            "note" if value.trim().is_empty() => return Err(bad("some text")),
            "note" => f.notes.push(value.to_lowercase()),
            _ => {
                return Err(format!(
                    "unknown filter key '{key}': allowed are {}",
                    allowed()
                ));
            }
        }
    }
    if !words.is_empty() {
        f.text = Some(words.join(" ").to_lowercase());
    }
    Ok(f)
}

impl TriageFilter {
    pub fn is_empty(&self) -> bool {
        *self == TriageFilter::default()
    }

    /// Whether triaged call `e` passes this filter.
    pub fn matches(&self, e: &Entry) -> bool {
        if !self.marks.is_empty() && !self.marks.contains(&e.mark) {
            return false;
        }
        if !self.tags.iter().all(|t| e.tags.contains(t)) {
            return false;
        }
        if !self.notes.is_empty() {
            let note = e.note.to_lowercase();
            if !self.notes.iter().all(|n| note.contains(n.as_str())) {
                return false;
            }
        }
        if let Some(t) = &self.text {
            let has = |s: &str| s.to_lowercase().contains(t.as_str());
            let snap = e.snapshot.as_ref();
            let hit = has(&e.note)
                || has(&e.call.id)
                || snap.is_some_and(|c| {
                    [&c.caller_name, &c.caller_number, &c.summary]
                        .iter()
                        .any(|f| f.as_deref().is_some_and(has))
                });
            if !hit {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Utc;

    use super::*;
    use crate::model::{Account, Call, CallRef, ProviderKind};

    fn entry(mark: Mark, note: &str, tags: &[&str], caller: Option<&str>) -> Entry {
        let account = Account::new(ProviderKind::Solum, "https://s.example", None);
        let call = CallRef {
            account: account.clone(),
            id: "call-7".into(),
        };
        let mut snap = Call::new(&Arc::new(account), None, "call-7");
        snap.caller_name = caller.map(str::to_string);
        snap.caller_number = Some("+4930123456".into());
        snap.summary = Some("Rezept abholen".into());
        Entry {
            call,
            mark,
            note: note.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            updated_by: "anna".into(),
            snapshot: Some(snap),
            claimed_by: None,
            claimed_at: None,
        }
    }

    #[test]
    fn marks_tags_notes_and_free_text() {
        let e = entry(
            Mark::FollowUp,
            "Rückruf morgen\nzweite Zeile",
            &["billing", "urgent"],
            Some("Jürgen Müller"),
        );
        for (line, want) in [
            ("", true),
            ("triage:followup", true),
            ("TRIAGE:follow-up", true),
            ("triage:done", false),
            ("triage:done,followup", true),
            ("triage:done triage:followup", true),
            ("triage:none", false),
            ("tag:billing", true),
            ("tag:#Billing tag:urgent", true),
            ("tag:billing tag:other", false),
            ("note:RÜCKRUF", true),
            ("note:\"zweite zeile\"", true),
            ("note:nothing", false),
            ("müller", true),
            ("jürgen müller", true),
            ("0123", true),
            ("rezept", true),
            ("morgen", true),
            ("call-7", true),
            ("triage:followup nobody", false),
            ("10:30", false),
        ] {
            let f = parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(f.matches(&e), want, "{line}");
        }
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn a_call_without_a_snapshot_matches_on_its_note() {
        let mut e = entry(Mark::Done, "paid", &[], None);
        e.snapshot = None;
        assert!(parse("paid").unwrap().matches(&e));
        assert!(!parse("rezept").unwrap().matches(&e));
    }

    #[test]
    fn unknown_keys_and_bad_values_say_what_is_allowed() {
        let e = parse("status:open").unwrap_err();
        assert!(
            e.contains("unknown filter key 'status'") && e.contains("triage, tag, note"),
            "{e}"
        );
        let e = parse("triage:maybe").unwrap_err();
        assert!(e.contains("followup, done or none"), "{e}");
        assert!(parse("tag:\"two words\"").is_err());
        assert!(parse("note:").is_err());
        assert!(parse("note:\"open").is_err());
    }
}
