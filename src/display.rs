//! The one sanitizer every vendor string passes before it is shown or printed, what the screen
//! needs to draw it as a terminal will ([`width`], [`fit_cells`]), and small display helpers
//! (durations, redacted URLs).
//!
//! ratatui 0.30 drops C0/C1 controls but passes bidi overrides and zero-width characters, and a
//! printed string (CLI) is not filtered at all, so everything vendor-made goes through here.
//! Sanitized text is as wide in ratatui as in a wcwidth terminal, cluster by cluster; the cells
//! ratatui then draws are made what the terminal shows by [`fit_cells`].

use std::borrow::Cow;

use ratatui::buffer::{Buffer, CellWidth};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthChar;

/// What the sanitizer does with one character.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Keep,
    /// Dropped: invisible (zero width, default-ignorable), or a control with no meaning here.
    Remove,
    /// Shown as `⟪U+XXXX⟫`: it would reorder or hide text, or terminals disagree on its width.
    Visible,
    /// A line break or tab: a space in one-line text, a newline where newlines are kept.
    Break,
    /// Replaced by another character that means the same and is drawn as wide as measured.
    Swap(char),
}

/// Bidi controls that can reorder what follows them (Trojan Source): made visible.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Unicode's default-ignorable code points (DerivedCoreProperties): drawn as nothing by some
/// terminals and as a cell or two by others (Hangul fillers), or they hide text (tags,
/// variation selectors, zero-width joiners). Removed.
fn is_default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Noncharacters (never meant for interchange) and format characters that terminals draw with
/// differing widths (Arabic number signs, interlinear annotations, Egyptian format controls).
fn is_suspect(c: char) -> bool {
    let n = c as u32;
    (n & 0xFFFE) == 0xFFFE
        || matches!(c,
            '\u{FDD0}'..='\u{FDEF}' | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}'
            | '\u{0890}' | '\u{0891}' | '\u{08E2}' | '\u{110BD}' | '\u{110CD}'
            | '\u{FFF9}'..='\u{FFFB}' | '\u{13430}'..='\u{1343F}')
}

/// Emoji skin-tone modifiers: one cell pair on their own, none after an emoji, depending on the
/// terminal. Removed, so the emoji keeps its width everywhere.
fn is_emoji_modifier(c: char) -> bool {
    matches!(c, '\u{1F3FB}'..='\u{1F3FF}')
}

fn class(c: char) -> Class {
    match c {
        // Most text: printable ASCII and Latin-1 to Latin Extended (but the soft hyphen).
        ' '..='~' => Class::Keep,
        '\u{A0}'..='\u{2FF}' if c != '\u{AD}' => Class::Keep,
        '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => Class::Break,
        // The halfwidth katakana sound marks ﾞ and ﾟ are one cell wide (as terminals draw
        // them), but ratatui counts them twice (unicode-width already gives them one cell, and
        // ratatui adds one): the rest of the row would be drawn a cell off. Their combining
        // forms mean the same and are measured alike everywhere.
        '\u{FF9E}' => Class::Swap('\u{3099}'),
        '\u{FF9F}' => Class::Swap('\u{309A}'),
        c if c.is_control() => Class::Remove,
        c if is_bidi_control(c) || is_suspect(c) => Class::Visible,
        c if is_default_ignorable(c) || is_emoji_modifier(c) => Class::Remove,
        _ => Class::Keep,
    }
}

fn needs_work(s: &str, keep_newlines: bool) -> bool {
    // One pass over what most text is; the grapheme check only where clusters can form.
    let mut simple = true;
    let mut newlines = 0;
    let mut line_start = true;
    for c in s.chars() {
        match class(c) {
            Class::Keep => {}
            Class::Break if keep_newlines && c == '\n' => {}
            _ => return true,
        }
        if c == '\n' {
            newlines += 1;
            if newlines >= 3 {
                return true;
            }
            line_start = true;
            continue;
        }
        newlines = 0;
        if line_start && c.width() == Some(0) {
            return true;
        }
        line_start = false;
        simple &= never_clusters(c);
    }
    !simple && !s.graphemes(true).all(cluster_fits)
}

fn visible(out: &mut String, c: char) {
    out.push_str(&format!("⟪U+{:04X}⟫", c as u32));
}

/// The cells `s` takes on screen: every character its own width, one after the other, as a
/// wcwidth terminal draws it and ratatui places sanitized text. Not `UnicodeWidthStr::width`,
/// which joins ligatures such as Arabic lam-alef (لا) into fewer cells than are drawn.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// The most cells one grapheme cluster may take: wider ones (a run of jamo, a stack of vowel
/// signs) are not writing, and ratatui drops a cluster that does not fit whole, with all the
/// text after it.
const MAX_CLUSTER_WIDTH: usize = 8;

/// The most marks (characters of no width) one cluster may carry: terminals draw stacked marks
/// over the rows above and below (Zalgo text).
const MAX_MARKS: usize = 8;

/// Whether ratatui, which measures a grapheme cluster as a whole (unicode-width's ligatures and
/// conjuncts), gives it the cells a terminal draws it in, one character after the other, and
/// the cluster is no wider and carries no more marks than writing does.
fn cluster_fits(g: &str) -> bool {
    if g.len() == 1 || g.contains(char::is_control) {
        return true;
    }
    let drawn = width(g);
    drawn == usize::from(g.cell_width())
        && drawn <= MAX_CLUSTER_WIDTH
        && g.chars().filter(|c| c.width() == Some(0)).count() <= MAX_MARKS
}

fn clusters_fit(s: &str) -> bool {
    s.chars().all(never_clusters) || s.graphemes(true).all(cluster_fits)
}

/// Characters that never join others into a cluster of more than one: Latin with its accents
/// as precomposed letters, general punctuation but the joiners, CJK ideographs. Text made only
/// of them (most names, most transcripts) needs no grapheme segmentation.
fn never_clusters(c: char) -> bool {
    matches!(c,
        '\n' | ' '..='~' | '\u{A0}'..='\u{2FF}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}'
        | '\u{20A0}'..='\u{20C0}' | '\u{2190}'..='\u{25FF}' | '\u{4E00}'..='\u{9FFF}')
}

/// Where in cluster `g` (byte offsets) the characters are whose width there is not their own:
/// a Khmer coeng, which unicode-width takes back with the consonant it subscripts, or the first
/// of two Kirat Rai vowel signs it draws as one. Each character's share is its cluster width
/// with it less without it, within the few characters after it that can change it.
fn disputed(g: &str) -> Vec<usize> {
    const CONTEXT: usize = 16;
    let starts: Vec<usize> = g.char_indices().map(|(i, _)| i).chain([g.len()]).collect();
    let n = starts.len() - 1;
    let width = |a: usize, b: usize| {
        if a < b {
            i64::from(g[starts[a]..starts[b]].cell_width())
        } else {
            0
        }
    };
    let mut out: Vec<usize> = (0..n)
        .filter(|&k| {
            let end = (k + CONTEXT).min(n);
            let own = g[starts[k]..].chars().next().and_then(|c| c.width());
            width(k, end) - width(k + 1, end) != own.unwrap_or(0) as i64
        })
        .map(|k| starts[k])
        .collect();
    if out.is_empty() {
        out.push(starts[n.saturating_sub(1)]);
    }
    out
}

/// Rewrites every cluster that does not fit (each round replaces or drops at least one
/// character, and the next round sees the clusters that result).
fn fit_clusters(mut s: String) -> String {
    while !clusters_fit(&s) {
        let mut out = String::with_capacity(s.len() + 16);
        for g in s.graphemes(true) {
            if cluster_fits(g) {
                out.push_str(g);
            } else {
                fit_cluster(&mut out, g);
            }
        }
        s = out;
    }
    s
}

/// One cluster that does not fit: the characters whose width in it is disputed, and the one
/// that would make it wider than writing, are shown as `⟪U+XXXX⟫` (which ends the cluster);
/// marks beyond the most a cluster carries are dropped.
fn fit_cluster(out: &mut String, g: &str) {
    let bad = if width(g) == usize::from(g.cell_width()) {
        Vec::new()
    } else {
        disputed(g)
    };
    let (mut cells, mut marks) = (0, 0);
    for (i, c) in g.char_indices() {
        let w = c.width().unwrap_or(0);
        if bad.contains(&i) || (cells > 0 && cells + w > MAX_CLUSTER_WIDTH) {
            visible(out, c);
            (cells, marks) = (0, 0);
        } else if w == 0 {
            marks += 1;
            if marks <= MAX_MARKS {
                out.push(c);
            }
        } else {
            cells += w;
            out.push(c);
        }
    }
}

/// Where an escape sequence starting at `chars[i]` (ESC, or a C1 introducer) ends: the index of
/// the first character after it. A string sequence (OSC, DCS, APC, PM, SOS) without its
/// terminator loses only its introducer, so the text after it stays visible.
fn escape_end(chars: &[char], i: usize) -> usize {
    let (kind, body) = match chars[i] {
        '\u{9b}' => ('[', i + 1),
        '\u{9d}' => (']', i + 1),
        '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => ('P', i + 1),
        _ => match chars.get(i + 1) {
            Some(&k @ ('[' | ']' | 'P' | '_' | '^' | 'X')) => (k, i + 2),
            Some(_) => return escape_end_short(chars, i + 1),
            None => return i + 1,
        },
    };
    if kind == '[' {
        // Parameters and intermediates, then one final byte in @..~ (if any).
        let mut j = body;
        while chars
            .get(j)
            .is_some_and(|c| ('\u{20}'..='\u{3f}').contains(c))
        {
            j += 1;
        }
        return match chars.get(j) {
            Some(c) if ('@'..='~').contains(c) => j + 1,
            _ => j,
        };
    }
    for j in body..chars.len() {
        match chars[j] {
            '\u{7}' | '\u{9c}' => return j + 1,
            '\u{1b}' if chars.get(j + 1) == Some(&'\\') => return j + 2,
            _ => {}
        }
    }
    body
}

/// `ESC` then intermediates (space../) and one final character (0..~): character set
/// selections, resets, keypad modes.
fn escape_end_short(chars: &[char], mut j: usize) -> usize {
    while chars
        .get(j)
        .is_some_and(|c| ('\u{20}'..='\u{2f}').contains(c))
    {
        j += 1;
    }
    match chars.get(j) {
        Some(c) if ('0'..='~').contains(c) => j + 1,
        _ => j,
    }
}

/// Escape sequences are removed whole, so no stray `[31m` is left; a run of line breaks and
/// tabs becomes one space (or stays line breaks, at most one blank line, where newlines are
/// kept); other controls and default-ignorable characters are dropped; bidi controls and
/// characters of disputed width are shown as `⟪U+202E⟫`; a mark with nothing before it on its
/// line is dropped (it would sit on whatever is drawn before the string).
fn clean(s: &str, keep_newlines: bool) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    // Whether the last character kept was the space of a run of breaks.
    let mut in_break = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(
            c,
            '\u{1b}' | '\u{9b}' | '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}'
        ) {
            i = escape_end(&chars, i);
            continue;
        }
        let class = class(c);
        in_break &= matches!(class, Class::Break | Class::Remove);
        match class {
            Class::Keep => push(&mut out, c),
            Class::Remove => {}
            Class::Visible => visible(&mut out, c),
            Class::Swap(to) => push(&mut out, to),
            Class::Break if keep_newlines && c == '\r' && chars.get(i + 1) == Some(&'\n') => {}
            Class::Break if keep_newlines && c != '\t' => {
                if !out.ends_with("\n\n") {
                    out.push('\n');
                }
            }
            Class::Break if keep_newlines => out.push(' '),
            Class::Break if !in_break => {
                out.push(' ');
                in_break = true;
            }
            Class::Break => {}
        }
        i += 1;
    }
    out
}

/// Pushes `c` unless it is a mark with nothing before it on its line.
fn push(out: &mut String, c: char) {
    if c.width() == Some(0) && (out.is_empty() || out.ends_with('\n')) {
        return;
    }
    out.push(c);
}

/// Makes every cell of a drawn frame what a wcwidth terminal will draw, before it is sent:
///
/// - ratatui keeps a grapheme cluster in one cell and takes the cells after it as hidden, but
///   a terminal draws every character of it that moves the cursor in a cell of its own (क and
///   ि, the two letters of a flag, two jamo). When that first cell is drawn again the terminal
///   keeps the others, and letters ratatui believes gone stay on screen. Such a cluster is
///   spread over the cells the terminal draws it in (what it shows does not change).
/// - Characters of no width that start a cell are dropped: they would mark the cell before it
///   (a border, another column).
/// - A wide character whose second cell holds something else (ratatui's word wrap can end a
///   line with a wide character one cell too far, over the pane's border) or that runs past
///   the edge is blanked: the terminal would draw it over its neighbour.
pub fn fit_cells(buf: &mut Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            // Most cells hold one printable ASCII character: one cell, nothing to spread.
            if let [b' '..=b'~'] = buf[(x, y)].symbol().as_bytes() {
                x += 1;
                continue;
            }
            let given = buf[(x, y)].symbol().cell_width().max(1);
            let end = x.saturating_add(given);
            if end > area.right() || (x + 1..end).any(|k| buf[(k, y)].symbol() != " ") {
                buf[(x, y)].set_symbol(" ");
                x += 1;
                continue;
            }
            if let Some(parts) = spread(buf[(x, y)].symbol()) {
                let cell = buf[(x, y)].clone();
                let mut at = x;
                for (part, w) in parts {
                    if at + w > end {
                        break;
                    }
                    buf[(at, y)] = cell.clone();
                    buf[(at, y)].set_symbol(&part);
                    for k in at + 1..at + w {
                        buf[(k, y)] = cell.clone();
                        buf[(k, y)].set_symbol(" ");
                    }
                    at += w;
                }
                for k in at..end {
                    buf[(k, y)] = cell.clone();
                    buf[(k, y)].set_symbol(" ");
                }
            }
            x = end;
        }
    }
}

/// The cells a terminal draws `symbol` in, each one character that moves the cursor with the
/// marks on it; `None` when that is the one cell ratatui gave it.
fn spread(symbol: &str) -> Option<Vec<(String, u16)>> {
    let mut chars = symbol.chars();
    let first = chars.next()?;
    if chars.as_str().is_empty() && first.width() != Some(0) {
        return None;
    }
    let mut parts: Vec<(String, u16)> = Vec::new();
    let mut leading = false;
    for c in symbol.chars() {
        match (c.width().unwrap_or(0), parts.last_mut()) {
            (0, Some((part, _))) => part.push(c),
            (0, None) => leading = true,
            (w, _) => parts.push((c.to_string(), w as u16)),
        }
    }
    (parts.len() > 1 || leading).then_some(parts)
}

/// Sanitizes a one-line vendor string: no controls, no newlines, no bidi tricks.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if needs_work(s, false) {
        Cow::Owned(fit_clusters(clean(s, false)))
    } else {
        Cow::Borrowed(s)
    }
}

/// Sanitizes a multi-line vendor text (summaries, transcript turns): newlines are kept.
pub fn sanitize_multiline(s: &str) -> Cow<'_, str> {
    if needs_work(s, true) {
        Cow::Owned(fit_clusters(clean(s, true)))
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

/// `s` cut to `max` columns of display width, ending in `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    let kept = out.trim_end().len();
    out.truncate(kept);
    out.push('…');
    out
}

/// `s` cut to its last `max` columns, starting with `…` when cut (a phone number keeps the
/// digits that tell numbers apart).
pub fn fit_end(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        tail.push(c);
        used += w;
    }
    std::iter::once('…').chain(tail.into_iter().rev()).collect()
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
    fn fit_cuts_with_an_ellipsis_at_the_end_and_fit_end_at_the_start() {
        assert_eq!(fit("Jürgen Müller", 20), "Jürgen Müller");
        assert_eq!(fit("Jürgen Müller", 8), "Jürgen…");
        assert_eq!(fit_end("+13125550182", 20), "+13125550182");
        assert_eq!(fit_end("+13125550182", 6), "…50182");
        assert_eq!(width(&fit_end("+13125550182", 6)), 6);
    }

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
        assert_eq!(sanitize("tab\there\r\nnext"), "tab here next");
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
        assert_eq!(sanitize_multiline("a\u{2028}b\u{2029}c\rd"), "a\nb\nc\nd");
        // At most one blank line in a row: sixty separators push nothing out of sight.
        assert_eq!(sanitize_multiline("a\n\n\n\nb"), "a\n\nb");
        assert_eq!(
            sanitize_multiline(&format!("a{}b", "\u{2028}".repeat(60))),
            "a\n\nb"
        );
    }

    #[test]
    fn runs_of_breaks_are_one_space_and_marks_need_a_base() {
        assert_eq!(
            sanitize(&format!("{}rest of the row", "\u{2028}".repeat(60))),
            " rest of the row"
        );
        assert_eq!(sanitize("a\r\n\t\u{85}b"), "a b");
        assert_eq!(sanitize("a\n\u{200B}\u{1b}[0m\nb"), "a b");
        assert_eq!(sanitize("a \n b"), "a   b");
        assert_eq!(sanitize("\u{301}\u{308}first"), "first");
        assert_eq!(sanitize("\u{1b}[0m\u{301}x"), "x");
        assert_eq!(sanitize("e\u{301}"), "e\u{301}");
        assert_eq!(sanitize_multiline("a\n\u{301}b"), "a\nb");
        assert_eq!(sanitize(" \u{301}"), " \u{301}");
    }

    #[test]
    fn separators_fillers_tags_and_noncharacters_cannot_misalign_a_row() {
        assert_eq!(sanitize("a\u{2028}b\u{2029}c"), "a b c");
        assert_eq!(sanitize(&"\u{3164}".repeat(40)), "");
        assert_eq!(sanitize("x\u{FFA0}\u{115F}y"), "xy");
        assert_eq!(sanitize("hi\u{E0041}\u{E0042}\u{E007F}!"), "hi!");
        assert_eq!(sanitize("a\u{FFFE}b\u{10FFFF}"), "a⟪U+FFFE⟫b⟪U+10FFFF⟫");
        assert_eq!(sanitize("❤\u{FE0F}\u{200D}🔥"), "❤🔥");
        assert_eq!(sanitize("👍\u{1F3FD}"), "👍");
        assert_eq!(sanitize("\u{0600}12"), "⟪U+0600⟫12");
    }

    #[test]
    fn an_unterminated_string_sequence_hides_nothing() {
        assert_eq!(
            sanitize("a\u{1b}]52;c;SGVsbG8= and more"),
            "a52;c;SGVsbG8= and more"
        );
        assert_eq!(sanitize("a\u{1b}Pq#0;2;0 rest"), "aq#0;2;0 rest");
        assert_eq!(sanitize("a\u{9d}8;;x rest"), "a8;;x rest");
        // Terminated ones go whole, with any of the three terminators.
        assert_eq!(sanitize("a\u{1b}]52;c;QQ==\u{7}b"), "ab");
        assert_eq!(sanitize("a\u{1b}_apc\u{1b}\\b"), "ab");
        assert_eq!(sanitize("a\u{9d}0;t\u{9c}b"), "ab");
        // A CSI cut short by text keeps the text.
        assert_eq!(sanitize("a\u{1b}[12;Zürich"), "aürich");
        assert_eq!(sanitize("a\u{1b}(Bb\u{1b}"), "ab");
    }

    #[test]
    fn halfwidth_sound_marks_are_as_wide_as_drawn() {
        // ratatui counted ﾞ as two cells where terminals draw one.
        assert_eq!(sanitize("ﾔﾏﾀﾞ ﾊﾟﾝ"), "ﾔﾏﾀ\u{3099} ﾊ\u{309A}ﾝ");
        assert_eq!(sanitize("ヤマダ"), "ヤマダ");
    }

    #[test]
    fn clusters_ratatui_measures_otherwise_show_the_disputed_character() {
        // unicode-width draws a Khmer subscript consonant in no cell; a terminal gives it one.
        assert_eq!(sanitize("ក្ក"), "ក⟪U+17D2⟫ក");
        // Two Kirat Rai vowel signs unicode-width draws as one.
        assert_eq!(sanitize("\u{16D63}\u{16D67}"), "⟪U+16D63⟫\u{16D67}");
        // Conjuncts measured as their characters stay.
        for s in ["क्ष", "नमस्ते", "가", "\u{1100}\u{1161}\u{11A8}", "🇩🇪", "لا"]
        {
            assert!(matches!(sanitize(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn cells_are_what_the_terminal_draws() {
        use ratatui::layout::Rect;
        use ratatui::style::Style;
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 1));
        buf.set_string(0, 0, "कि🇩🇪ᄀᄀx", Style::new());
        assert_eq!(buf[(0, 0)].symbol(), "कि");
        fit_cells(&mut buf);
        let cells: Vec<&str> = (0..12).map(|x| buf[(x, 0)].symbol()).collect();
        assert_eq!(
            cells,
            ["क", "ि", "🇩", "🇪", "ᄀ", " ", "ᄀ", " ", "x", " ", " ", " "]
        );
        // A mark that starts a cell has nothing to sit on.
        buf[(9, 0)].set_symbol("\u{301} ");
        // A wide character over a border, and one past the edge.
        buf[(4, 0)].set_symbol("中");
        buf[(5, 0)].set_symbol("│");
        buf[(11, 0)].set_symbol("中");
        fit_cells(&mut buf);
        assert_eq!(buf[(9, 0)].symbol(), " ");
        assert_eq!([buf[(4, 0)].symbol(), buf[(5, 0)].symbol()], [" ", "│"]);
        assert_eq!(buf[(11, 0)].symbol(), " ");
    }

    #[test]
    fn clusters_are_no_wider_than_writing_and_carry_few_marks() {
        // A run of jamo is one cluster of eighty cells: ratatui drops it, and the name after it.
        let jamo = sanitize(&format!("{} Mallory", "\u{1100}".repeat(40))).into_owned();
        assert!(
            jamo.ends_with(" Mallory") && jamo.contains("⟪U+1100⟫"),
            "{jamo}"
        );
        assert!(jamo.starts_with(&"\u{1100}".repeat(4)), "{jamo}");
        let zalgo = sanitize(&format!("Z{}algo", "\u{301}".repeat(300))).into_owned();
        assert_eq!(zalgo, format!("Z{}algo", "\u{301}".repeat(8)));
        // Writing keeps its clusters: conjuncts with vowel signs, Tibetan stacks, niqqud.
        for s in ["स्त्री क्षि", "བསྒྲུབས", "שָׁלוֹם", "Nguyễn"]
        {
            assert!(matches!(sanitize(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn width_is_what_is_drawn() {
        use unicode_width::UnicodeWidthStr;
        assert_eq!(width("لا لا"), 5);
        assert_eq!("لا لا".width(), 3);
        assert_eq!(width("Jürgen 中"), 9);
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
