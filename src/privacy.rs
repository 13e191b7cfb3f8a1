//! Privacy mode (for sharing the screen in a huddle): names become initials, phone numbers keep
//! their last two digits, and free text (summaries, notes, vendor fields) loses the caller's name
//! and anything that looks like a phone number or an e-mail address. Transcripts are hidden by
//! whoever draws them.
//!
//! Every function here sanitizes first and masks what the sanitizer gave, so it is applied at
//! the point of display — stored data is never altered.
//!
//! The command line's `--redact` is process-wide ([`set_redacting`], read by
//! [`crate::output`]): every call the CLI prints passes through one module, so no output path can
//! forget it.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::display::{sanitize, sanitize_multiline};

/// What stands for a masked character.
pub const BULLET: char = '•';

/// The one line shown instead of a transcript while privacy mode is on.
pub const TRANSCRIPT_HIDDEN: &str = "transcript hidden (privacy mode) — R reveals it";

/// What the detail pane shows instead of the summary in privacy mode.
pub const SUMMARY_HIDDEN: &str = "summary hidden (privacy mode) — R reveals it";

/// The status line when privacy mode is turned on by hand.
pub const ON_TEXT: &str =
    "privacy mode on: names and numbers masked, summaries and transcripts hidden (P: off)";
/// The status line when privacy mode is turned off.
pub const OFF_TEXT: &str = "privacy mode off: names, numbers and transcripts shown";

static REDACTING: AtomicBool = AtomicBool::new(false);

/// `--redact` (or `[ui] privacy = true`) for everything the command line prints from now on.
pub fn set_redacting(on: bool) {
    REDACTING.store(on, Ordering::Relaxed);
}

/// Whether the command line masks what it prints.
pub fn redacting() -> bool {
    REDACTING.load(Ordering::Relaxed)
}

/// A name as its initials: `"Maria Gonzalez"` → `"M. G."`. Each word gives its first letter,
/// upper-cased; a name with no letter but digits (a number in the name field) is masked as a
/// phone number; one with neither is all bullets.
pub fn mask_name(name: &str) -> String {
    let clean = sanitize(name);
    let mut parts = Vec::new();
    for word in clean.split_whitespace() {
        if let Some(c) = word.chars().find(|c| c.is_alphabetic()) {
            parts.push(format!("{}.", c.to_uppercase()));
        }
    }
    if !parts.is_empty() {
        return parts.join(" ");
    }
    if clean.chars().any(char::is_numeric) {
        return mask_phone(&clean);
    }
    clean
        .chars()
        .map(|c| if c.is_whitespace() { c } else { BULLET })
        .collect()
}

/// A phone number with every letter and digit but its last two digits as `•`, the rest (`+`,
/// spaces, dashes, brackets) kept, so it is as wide as it was: `"+1 (555) 123-4582"` →
/// `"+• (•••) •••-••82"`. With fewer than three digits nothing is kept.
pub fn mask_phone(number: &str) -> String {
    let clean = sanitize(number);
    let digits = clean.chars().filter(|c| c.is_numeric()).count();
    let keep_from = if digits < 3 { usize::MAX } else { digits - 2 };
    let mut seen = 0;
    clean
        .chars()
        .map(|c| {
            if c.is_numeric() {
                seen += 1;
                if seen > keep_from { c } else { BULLET }
            } else if c.is_alphanumeric() {
                BULLET
            } else {
                c
            }
        })
        .collect()
}

/// A name as shown: its initials when `on`, else sanitized.
pub fn name(s: &str, on: bool) -> Cow<'_, str> {
    if on {
        Cow::Owned(mask_name(s))
    } else {
        sanitize(s)
    }
}

/// A phone number as shown: its last two digits when `on`, else sanitized.
pub fn phone(s: &str, on: bool) -> Cow<'_, str> {
    if on {
        Cow::Owned(mask_phone(s))
    } else {
        sanitize(s)
    }
}

/// One line of free text as shown: with `names`, numbers and addresses masked when `on`, else
/// sanitized.
pub fn text<'a>(s: &'a str, names: &[&str], on: bool) -> Cow<'a, str> {
    if on {
        Cow::Owned(sanitize(&mask_text(s, names)).into_owned())
    } else {
        sanitize(s)
    }
}

/// A filter line as shown (the list's border): when `on`, what it searches for a person by —
/// `phone:` and `mrn:` values to their last two characters, `patient:` and `note:` values and
/// bare words to initials — is masked; keys such as `dur>5m` or `status:done` stay.
pub fn filter_text(s: &str, on: bool) -> Cow<'_, str> {
    if !on {
        return sanitize(s);
    }
    let masked: Vec<String> = s
        .split_whitespace()
        .map(|w| match w.split_once(':') {
            Some((k, v)) if ["phone", "mrn"].contains(&k.to_ascii_lowercase().as_str()) => {
                format!("{k}:{}", mask_phone(v))
            }
            Some((k, v)) if ["patient", "note"].contains(&k.to_ascii_lowercase().as_str()) => {
                format!("{k}:{}", mask_name(v.trim_matches('"')))
            }
            Some(_) => w.to_string(),
            None if w.contains(['<', '>', '=']) => w.to_string(),
            None => mask_name(w.trim_matches('"')),
        })
        .collect();
    Cow::Owned(sanitize(&masked.join(" ")).into_owned())
}

/// `mask_name` of a name that may be missing.
pub fn name_opt(name: Option<&str>) -> Option<String> {
    name.map(mask_name)
}

/// `mask_phone` of a number that may be missing.
pub fn phone_opt(number: Option<&str>) -> Option<String> {
    number.map(mask_phone)
}

/// The least number of digits a run of text needs to be taken for a phone number.
const PHONE_DIGITS: usize = 7;

/// Characters a phone number is written with besides digits.
fn phone_sep(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '+')
}

/// Free text (a summary, a note, a vendor field) with the words of `names` as initials, and
/// runs that look like phone numbers (7 digits or more, written with spaces, dashes, dots or
/// brackets; not an ISO date) and e-mail addresses masked. Newlines are kept.
pub fn mask_text(text: &str, names: &[&str]) -> String {
    let clean = sanitize_multiline(text);
    let words: Vec<String> = names
        .iter()
        .flat_map(|n| n.split_whitespace())
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .collect();
    let masked = mask_phone_runs(&clean);
    let mut out = String::with_capacity(masked.len());
    // Words: runs of letters, digits and the characters e-mail addresses are made of.
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        out.push_str(&mask_word(word, &words));
        word.clear();
    };
    for c in masked.chars() {
        if c.is_alphanumeric()
            || matches!(c, '@' | '_' | '\'' | '’')
            || (c == '.' && !word.is_empty())
        {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// One word of free text: an e-mail address or one of the names' words masked, else as it is.
fn mask_word(word: &str, names: &[String]) -> String {
    // A trailing full stop ends the sentence, not the word.
    let (core, tail) = match word.strip_suffix('.') {
        Some(w) => (w, "."),
        None => (word, ""),
    };
    if core.contains('@') {
        let first = core.chars().next().unwrap_or(BULLET);
        let first = if first == '@' { BULLET } else { first };
        return format!("{first}•••@•••{tail}");
    }
    let bare = core.trim_end_matches(['\'', '’', 's']).to_lowercase();
    let lower = core.to_lowercase();
    if names.iter().any(|n| *n == lower || *n == bare)
        && let Some(c) = core.chars().find(|c| c.is_alphabetic())
    {
        return format!("{}.{tail}", c.to_uppercase());
    }
    word.to_string()
}

/// Runs of text that look like phone numbers, masked with [`mask_phone`].
fn mask_phone_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts = c.is_numeric()
            || ((c == '+' || c == '(') && chars.get(i + 1).is_some_and(|d| d.is_numeric()));
        // Not the tail of a word or a longer number (an id such as `call_5551234567` is left).
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if !starts || after_word {
            out.push(c);
            i += 1;
            continue;
        }
        // The run: digits and separators, ending at its last digit.
        let mut end = i;
        let mut last_digit = None;
        let mut digits = 0;
        while end < chars.len() && (chars[end].is_numeric() || phone_sep(chars[end])) {
            if chars[end].is_numeric() {
                digits += 1;
                last_digit = Some(end);
            }
            end += 1;
        }
        let Some(last) = last_digit else {
            out.push(c);
            i += 1;
            continue;
        };
        let run: String = chars[i..=last].iter().collect();
        let glued = chars
            .get(last + 1)
            .is_some_and(|c| c.is_alphabetic() || *c == '_');
        if digits >= PHONE_DIGITS && !is_iso_date(&run) && !glued {
            out.push_str(&mask_phone(&run));
        } else {
            out.push_str(&run);
        }
        i = last + 1;
    }
    out
}

/// `2026-03-18…`: a date (with maybe a time after it), not a number.
fn is_iso_date(run: &str) -> bool {
    let b = run.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// What a vendor field's key says its value is.
fn field_kind(key: &str) -> Option<fn(&str) -> String> {
    let lower = key.to_lowercase();
    let parts: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    let part = |words: &[&str]| parts.iter().any(|p| words.contains(p));
    let within = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let alone = |words: &[&str]| matches!(parts.as_slice(), [p] if words.contains(p));
    // Numbers, and the identifiers of a patient (a record number, a birth date), keep their
    // last two characters.
    if within(&["phone", "number", "msisdn", "mobile", "mrn", "birth"])
        || part(&["ani", "dnis", "tel", "from", "to", "callee", "ssn", "dob"])
    {
        Some(mask_phone)
    } else if within(&["name"]) || alone(&["patient", "customer", "contact", "caller"]) {
        Some(mask_name)
    } else {
        None
    }
}

/// A vendor field's value as privacy mode shows it: a name or a number by its key, else as free
/// text with the call's names and any numbers masked.
pub fn mask_field(key: &str, value: &str, names: &[&str]) -> String {
    match field_kind(key) {
        Some(mask) => mask(value),
        None => mask_text(value, names),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_initials() {
        assert_eq!(mask_name("Maria Gonzalez"), "M. G.");
        assert_eq!(mask_name("  jürgen   müller "), "J. M.");
        assert_eq!(mask_name("Émile Zola-Durand"), "É. Z.");
        assert_eq!(mask_name("王小明"), "王.");
        assert_eq!(mask_name("Dr. Ana de la Cruz"), "D. A. D. L. C.");
        assert_eq!(mask_name(""), "");
        // A number in the name field is masked as one.
        assert_eq!(mask_name("+1 555 123 4582"), "+• ••• ••• ••82");
        assert_eq!(mask_name("--"), "••");
        // Sanitized first: a bidi override is no initial.
        assert_eq!(mask_name("\u{202E}Ann Lee"), "U. L.");
    }

    #[test]
    fn numbers_keep_their_last_two_digits_and_their_shape() {
        assert_eq!(mask_phone("+1 (555) 123-4582"), "+• (•••) •••-••82");
        assert_eq!(mask_phone("+4915112345678"), "+•••••••••••78");
        assert_eq!(mask_phone("12"), "••");
        assert_eq!(
            filter_text(
                "phone:+14155550108 dur>5m Doe mrn:MRN-00877 status:done",
                true
            ),
            "phone:+•••••••••08 dur>5m D. mrn:•••-•••77 status:done"
        );
        assert_eq!(
            filter_text("phone:+14155550108", false),
            "phone:+14155550108"
        );
        assert_eq!(mask_phone("7"), "•");
        assert_eq!(mask_phone("123"), "•23");
        assert_eq!(mask_phone("anonymous"), "•••••••••");
        assert_eq!(mask_phone("sip:alice@example.com"), "•••:•••••@•••••••.•••");
        assert_eq!(mask_phone(""), "");
        assert_eq!(
            crate::display::width(&mask_phone("+49 151 1234 5678")),
            crate::display::width("+49 151 1234 5678")
        );
    }

    #[test]
    fn free_text_loses_names_numbers_and_addresses() {
        let t = mask_text(
            "Maria Gonzalez called from +1 555-123-4582 about Maria's bill; write to maria.g@example.com.",
            &["Maria Gonzalez"],
        );
        assert_eq!(
            t,
            "M. G. called from +• •••-•••-••82 about M. bill; write to m•••@•••."
        );
        // Dates, times, ids, amounts and short numbers stay.
        let t = mask_text(
            "On 2026-03-18 14:22:03 call_5551234567 paid 1,250.00 for 3 visits",
            &[],
        );
        assert_eq!(
            t,
            "On 2026-03-18 14:22:03 call_5551234567 paid 1,250.00 for 3 visits"
        );
        assert_eq!(mask_text("line 1\nline 2", &[]), "line 1\nline 2");
    }

    #[test]
    fn fields_are_masked_by_what_their_key_says() {
        assert_eq!(mask_field("to_number", "+15551234582", &[]), "+•••••••••82");
        assert_eq!(mask_field("patientName", "Ana Ruiz", &[]), "A. R.");
        assert_eq!(
            mask_field("agent", "Front desk for Ana Ruiz", &["Ana Ruiz"]),
            "Front desk for A. R."
        );
        assert_eq!(mask_field("duration", "120", &[]), "120");
        assert_eq!(mask_field("customer", "Ana Ruiz", &[]), "A. R.");
        assert_eq!(
            mask_field("customer_request", "Frage zur Rechnung", &["Ana Ruiz"]),
            "Frage zur Rechnung"
        );
    }
}
