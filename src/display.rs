//! The one sanitizer every vendor string passes before it is shown or printed, and small display
//! helpers (durations, redacted URLs).
//!
//! ratatui 0.30 drops C0/C1 controls but passes bidi overrides and zero-width characters, and a
//! printed string (CLI) is not filtered at all, so everything vendor-made goes through here.

use std::borrow::Cow;

/// Bidi controls that can reorder what follows them (Trojan Source): made visible.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Invisible characters that hide text or make two strings look equal: removed.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}')
}

fn needs_work(s: &str, keep_newlines: bool) -> bool {
    s.chars().any(|c| {
        (c.is_control() && !(keep_newlines && c == '\n')) || is_bidi_control(c) || is_invisible(c)
    })
}

/// Escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL/ST`, two-byte `ESC x`) are removed
/// whole, so no stray `[31m` is left; other controls become a space (tab, CR, newline in one-line
/// text) or are dropped; bidi controls are shown as `⟪U+202E⟫`; zero-width characters are removed.
fn clean(s: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    // parameters and intermediates, then one final byte in @..~
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                Some(']') | Some('P') | Some('_') | Some('^') => {
                    chars.next();
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\u{9b}' => {
                for n in chars.by_ref() {
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            }
            '\n' if keep_newlines => out.push('\n'),
            '\r' if keep_newlines => {}
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c if is_bidi_control(c) => {
                out.push_str(&format!("⟪U+{:04X}⟫", c as u32));
            }
            c if is_invisible(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Sanitizes a one-line vendor string: no controls, no newlines, no bidi tricks.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if needs_work(s, false) {
        Cow::Owned(clean(s, false))
    } else {
        Cow::Borrowed(s)
    }
}

/// Sanitizes a multi-line vendor text (summaries, transcript turns): newlines are kept.
pub fn sanitize_multiline(s: &str) -> Cow<'_, str> {
    if needs_work(s, true) {
        Cow::Owned(clean(s, true))
    } else {
        Cow::Borrowed(s)
    }
}

/// A vendor string for an error message: sanitized, one line, at most 300 characters.
pub fn body_safe(s: &str) -> String {
    let clean = sanitize(s.trim());
    let mut out: String = clean.chars().take(300).collect();
    if clean.chars().count() > 300 {
        out.push('…');
    }
    out
}

/// A URL with its query string and fragment removed, for logs and error messages: signed URLs
/// carry their secret in the query.
pub fn redact_url(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let base = &url[..end];
    if end < url.len() {
        format!("{base}?…")
    } else {
        base.to_string()
    }
}

/// A time as the user reads it: local (or UTC) with seconds.
pub fn format_time(
    t: Option<chrono::DateTime<chrono::Utc>>,
    tz: crate::settings::TimeZoneSetting,
) -> String {
    const FMT: &str = "%Y-%m-%d %H:%M:%S";
    match (t, tz) {
        (None, _) => "—".to_string(),
        (Some(t), crate::settings::TimeZoneSetting::Utc) => t.format(FMT).to_string(),
        (Some(t), crate::settings::TimeZoneSetting::Local) => {
            t.with_timezone(&chrono::Local).format(FMT).to_string()
        }
    }
}

/// A vendor field's value as the user reads it: an RFC 3339 timestamp in the user's zone (the
/// same format as the list), anything else sanitized as it came.
pub fn field_value(v: &str, tz: crate::settings::TimeZoneSetting) -> Cow<'_, str> {
    let t = v.trim();
    // Only full timestamps ("2026-03-18T14:22:03.000Z"), not dates or free text.
    if t.len() >= 20
        && t.as_bytes().get(10) == Some(&b'T')
        && let Ok(when) = chrono::DateTime::parse_from_rfc3339(t)
    {
        return Cow::Owned(format_time(Some(when.with_timezone(&chrono::Utc)), tz));
    }
    sanitize(v)
}

/// The time of day, `14:03:07`, in the user's zone.
pub fn format_clock(
    t: chrono::DateTime<chrono::Utc>,
    tz: crate::settings::TimeZoneSetting,
) -> String {
    const FMT: &str = "%H:%M:%S";
    match tz {
        crate::settings::TimeZoneSetting::Utc => t.format(FMT).to_string(),
        crate::settings::TimeZoneSetting::Local => {
            t.with_timezone(&chrono::Local).format(FMT).to_string()
        }
    }
}

/// `3:05`, `1:02:03`; `—` when unknown.
pub fn format_duration(secs: Option<f64>) -> String {
    let Some(s) = secs.filter(|s| s.is_finite() && *s >= 0.0) else {
        return "—".to_string();
    };
    let s = s.round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_fields_read_in_the_users_zone() {
        use crate::settings::TimeZoneSetting::Utc;
        assert_eq!(
            field_value("2026-03-18T14:22:03.000Z", Utc),
            "2026-03-18 14:22:03"
        );
        assert_eq!(
            field_value("2026-03-18T16:22:03+02:00", Utc),
            "2026-03-18 14:22:03"
        );
        // Not timestamps: as they came (sanitized).
        assert_eq!(field_value("2026-03-18", Utc), "2026-03-18");
        assert_eq!(field_value("twilio", Utc), "twilio");
        assert_eq!(field_value("T\u{202E}x", Utc), "T⟪U+202E⟫x");
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(sanitize("Jürgen Müller"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_are_removed_whole() {
        assert_eq!(sanitize("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(sanitize("x\u{1b}]0;title\u{7}y"), "xy");
        assert_eq!(sanitize("x\u{1b}]8;;http://e\u{1b}\\y"), "xy");
        assert_eq!(sanitize("tab\there\r\nnext"), "tab here  next");
        assert_eq!(sanitize("bell\u{7}\u{0}"), "bell");
    }

    #[test]
    fn bidi_is_visible_and_zero_width_gone() {
        assert_eq!(sanitize("abc\u{202E}fed"), "abc⟪U+202E⟫fed");
        assert_eq!(sanitize("pay\u{200B}pal\u{FEFF}"), "paypal");
    }

    #[test]
    fn multiline_keeps_newlines() {
        assert_eq!(sanitize_multiline("a\r\nb\u{1b}[1m"), "a\nb");
    }

    #[test]
    fn urls_lose_their_query() {
        assert_eq!(
            redact_url("https://s.example/a.wav?token=secret&x=1"),
            "https://s.example/a.wav?…"
        );
        assert_eq!(
            redact_url("https://s.example/a.wav"),
            "https://s.example/a.wav"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(Some(185.0)), "3:05");
        assert_eq!(format_duration(Some(3723.4)), "1:02:03");
        assert_eq!(format_duration(None), "—");
    }
}
