//! The detail pane's lines: header, summaries, the transcript as a chat, the recording, and every
//! other field. They are built once per (detail generation, width, search) by [`build`] and only
//! sliced when drawn, so scrolling a 3,000-turn transcript costs nothing.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::theme;
use super::transcript::{self, MatchPos};
use crate::display::{format_duration, format_time, sanitize, sanitize_multiline};
use crate::model::{CallDetail, RecordingRef, TimeZoneSetting, Transcript};
use crate::store::{Entry, HistoryRow, Mark};

/// The pane's lines for one loaded detail at one width and search.
#[derive(Clone, Debug)]
pub struct DetailLayout {
    /// The detail it was built from: changes whenever the call is (re)loaded.
    pub generation: u64,
    pub width: u16,
    pub query: String,
    pub lines: Vec<Line<'static>>,
    pub matches: Vec<MatchPos>,
    /// The line where the transcript starts.
    pub transcript_line: usize,
    /// Lines of each transcript turn (`start..end`), for the turn being heard.
    pub turn_lines: Vec<(usize, usize)>,
    /// The triage it shows (its stamp): a mark, note or history change lays it out again.
    pub triage_stamp: u64,
    /// What privacy mode masked and hid in it.
    pub privacy: Privacy,
}

/// What privacy mode does to the pane: names and numbers masked, the transcript hidden (until
/// revealed for this call).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Privacy {
    pub mask: bool,
    pub hide_transcript: bool,
}

/// Free text as the pane shows it: masked in privacy mode (the call's names, numbers,
/// addresses), else as sent (sanitized where drawn).
fn text_of(p: &Mask<'_>, s: &str) -> String {
    if p.on {
        crate::privacy::mask_text(s, &p.names)
    } else {
        s.to_string()
    }
}

/// Privacy mode's masking while one detail is laid out.
struct Mask<'a> {
    on: bool,
    /// The names masked wherever they appear in free text.
    names: Vec<&'a str>,
}

/// What the pane shows of the call's triage.
pub struct TriageView<'a> {
    pub entry: Option<&'a Entry>,
    /// The call's history (all of it; the pane shows the latest).
    pub history: &'a [HistoryRow],
    /// The vendor's own state for the call, where it has one (Solum `follow_up_needed`, TalkPilot
    /// `done`), labelled as the vendor's.
    pub vendor: Option<String>,
    /// Who is calling back and since when, while the claim holds (one line, made by the caller).
    pub claim: Option<String>,
    pub stamp: u64,
}

fn heading(out: &mut Vec<Line<'static>>, title: String, width: u16) {
    if !out.is_empty() {
        out.push(Line::default());
    }
    let rule = "─".repeat((width as usize).saturating_sub(title.width() + 4));
    out.push(Line::from(vec![
        Span::styled("── ", theme::dim()),
        Span::styled(title, theme::heading()),
        Span::styled(format!(" {rule}"), theme::dim()),
    ]));
}

fn wrapped(out: &mut Vec<Line<'static>>, text: &str, width: u16, style: Style) {
    let text = sanitize_multiline(text);
    for para in text.split('\n') {
        for l in textwrap::wrap(para, (width as usize).max(4)) {
            out.push(Line::styled(l.into_owned(), style));
        }
    }
}

/// What the pane is laid out for: the detail (and its generation), the provider that sent it
/// (named where it does not offer something), the width and the search.
pub struct Request<'a> {
    pub detail: &'a CallDetail,
    pub generation: u64,
    pub provider: &'a str,
    pub width: u16,
    pub query: &'a str,
    pub tz: TimeZoneSetting,
    pub triage: Option<TriageView<'a>>,
    pub privacy: Privacy,
}

/// Builds the pane's lines.
pub fn build(r: Request<'_>) -> DetailLayout {
    let Request {
        detail: d,
        generation,
        provider,
        width,
        query,
        tz,
        triage,
        privacy,
    } = r;
    let provider = sanitize(provider).into_owned();
    let mask = Mask {
        on: privacy.mask,
        names: d
            .call
            .caller_name
            .iter()
            .chain(&d.handled_by)
            .map(String::as_str)
            .collect(),
    };
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut matches = Vec::new();
    header(&mut out, d, tz, &mask);
    summaries(&mut out, d, width, privacy.hide_transcript);
    let triage_stamp = triage.as_ref().map_or(0, |t| t.stamp);
    if let Some(t) = triage {
        triage_section(&mut out, &t, width, tz, &mask);
    }
    // A provider without transcripts (or a call without one) says so, hidden or not.
    let has_transcript = matches!(
        d.transcript,
        crate::model::Transcript::Turns(_) | crate::model::Transcript::Unparsed { .. }
    );
    let (transcript_line, turn_lines) = if privacy.hide_transcript && has_transcript {
        heading(&mut out, "Transcript".into(), width);
        out.push(Line::styled(
            crate::privacy::TRANSCRIPT_HIDDEN,
            theme::warn(),
        ));
        (out.len() - 1, Vec::new())
    } else {
        transcript_section(&mut out, &mut matches, d, &provider, width, query)
    };
    recording(&mut out, &d.recording, &provider, width);
    fields(&mut out, &d.call.fields, width, tz, &mask);
    DetailLayout {
        generation,
        width,
        query: query.to_string(),
        lines: out,
        matches,
        transcript_line,
        turn_lines,
        triage_stamp,
        privacy,
    }
}

/// The call's triage: the mark, tags, who and when, the note, the vendor's own state, and the
/// latest history.
fn triage_section(
    out: &mut Vec<Line<'static>>,
    t: &TriageView<'_>,
    width: u16,
    tz: TimeZoneSetting,
    mask: &Mask<'_>,
) {
    heading(out, "Triage".into(), width);
    match t.entry {
        Some(e) if e.mark != Mark::None || !e.note.is_empty() || !e.tags.is_empty() => {
            let mark = match e.mark {
                Mark::FollowUp => "⚑ follow-up",
                Mark::Done => "✓ done",
                Mark::None => "not marked",
            };
            let mut facts = vec![Span::styled(mark.to_string(), theme::bold())];
            if !e.tags.is_empty() {
                facts.push(Span::raw(format!(
                    "  tags: {}",
                    sanitize(&e.tags.join(" "))
                )));
            }
            facts.push(Span::styled(
                format!(
                    "  · {} at {}",
                    sanitize(&e.updated_by),
                    format_time(Some(e.updated_at), tz)
                ),
                theme::dim(),
            ));
            out.push(Line::from(facts));
            if !e.note.is_empty() {
                wrapped(out, &text_of(mask, &e.note), width, Style::new());
            }
        }
        _ => wrapped(
            out,
            "Not triaged: m marks it for follow-up, d done, e writes a note, t adds tags.",
            width,
            theme::dim(),
        ),
    }
    if let Some(c) = &t.claim {
        wrapped(out, &sanitize(c), width, theme::warn());
    }
    if let Some(v) = &t.vendor {
        out.push(Line::styled(sanitize(v).into_owned(), theme::dim()));
    }
    let shown = t.history.len().min(5);
    if shown > 0 {
        out.push(Line::styled(
            format!(
                "history ({} change{}):",
                t.history.len(),
                if t.history.len() == 1 { "" } else { "s" }
            ),
            theme::dim(),
        ));
    }
    for h in &t.history[t.history.len() - shown..] {
        let change = match h.field.as_str() {
            "note" if h.new.is_empty() => "note removed".to_string(),
            "note" => format!(
                "note: {}",
                text_of(mask, h.new.lines().next().unwrap_or_default())
            ),
            _ => {
                let shown = |v: &str| {
                    if v.is_empty() {
                        "—".to_string()
                    } else {
                        v.to_string()
                    }
                };
                format!("{}: {} → {}", h.field, shown(&h.old), shown(&h.new))
            }
        };
        let line = format!("  {} {} {}", format_time(Some(h.at), tz), h.who, change);
        let cut: String = sanitize(&line).chars().take(usize::from(width)).collect();
        out.push(Line::styled(cut, theme::dim()));
    }
}

/// Who called, when, how long, how it went, and what the vendor warned about.
fn header(out: &mut Vec<Line<'static>>, d: &CallDetail, tz: TimeZoneSetting, mask: &Mask<'_>) {
    let c = &d.call;
    let name = c.caller_name.as_deref().map(|n| {
        if mask.on {
            crate::privacy::mask_name(n)
        } else {
            sanitize(n).into_owned()
        }
    });
    let number = match (&c.caller_number, c.purged) {
        (Some(n), _) if mask.on => crate::privacy::mask_phone(n),
        (Some(n), _) => sanitize(n).into_owned(),
        (None, true) => "number purged".to_string(),
        (None, false) => "no number".to_string(),
    };
    out.push(Line::from(vec![
        Span::styled(
            name.unwrap_or_else(|| "Unknown caller".into()),
            theme::bold(),
        ),
        Span::raw("  "),
        Span::raw(number),
    ]));
    let mut facts = vec![
        format_time(c.started_at, tz),
        format_duration(c.duration_secs),
    ];
    facts.extend(c.direction.map(|d| d.as_str().to_string()));
    facts.extend(c.status.as_deref().map(|s| sanitize(s).into_owned()));
    facts.extend(d.score.as_deref().map(|s| format!("score {}", sanitize(s))));
    out.push(Line::styled(facts.join(" · "), Style::new()));
    let labelled = [
        ("outcome", &d.outcome),
        ("sentiment", &d.sentiment),
        ("request", &d.intent),
        ("handled by", &d.handled_by),
    ];
    for (k, v) in labelled {
        if let Some(v) = v {
            let v = match k {
                "handled by" if mask.on => crate::privacy::mask_name(v),
                _ => sanitize(&text_of(mask, v)).into_owned(),
            };
            out.push(Line::from(vec![
                Span::styled(format!("{k}: "), theme::dim()),
                Span::raw(v),
            ]));
        }
    }
    if c.purged {
        out.push(Line::styled(
            "PURGED — the provider removed the transcript, recording and phone number",
            theme::warn(),
        ));
    }
    if c.deleted {
        out.push(Line::styled(
            "DELETED — soft-deleted at the provider",
            theme::warn(),
        ));
    }
    for w in &d.warnings {
        out.push(Line::styled(
            format!("⚠ {}", sanitize(&text_of(mask, w))),
            theme::warn(),
        ));
    }
}

/// The main summary, then the ones in further languages.
/// In privacy mode the summaries are hidden with the transcript until revealed: free text names
/// whoever the call was about (a child, a relative), which no mask can know.
fn summaries(out: &mut Vec<Line<'static>>, d: &CallDetail, width: u16, hidden: bool) {
    if d.call.summary.is_none() && d.other_summaries.is_empty() {
        return;
    }
    heading(out, "Summary".into(), width);
    if hidden {
        out.push(Line::styled(crate::privacy::SUMMARY_HIDDEN, theme::warn()));
        return;
    }
    if let Some(s) = &d.call.summary {
        wrapped(out, s, width, Style::new());
    }
    for (lang, s) in &d.other_summaries {
        out.push(Line::styled(format!("[{}]", sanitize(lang)), theme::dim()));
        wrapped(out, s, width, Style::new());
    }
}

/// The transcript as a chat (or as sent, or why there is none); returns its first line.
fn transcript_section(
    out: &mut Vec<Line<'static>>,
    matches: &mut Vec<MatchPos>,
    d: &CallDetail,
    provider: &str,
    width: u16,
    query: &str,
) -> (usize, Vec<(usize, usize)>) {
    let first = match &d.transcript {
        Transcript::Turns(turns) => {
            heading(out, format!("Transcript · {} turns", turns.len()), width);
            let first = out.len();
            let lines = transcript::layout(turns, width, query, out, matches);
            return (first, lines);
        }
        Transcript::Unparsed { raw, .. } => {
            heading(
                out,
                "Transcript (as sent: it could not be read)".into(),
                width,
            );
            let first = out.len();
            let q = query.to_lowercase();
            for para in sanitize_multiline(raw).split('\n') {
                for l in textwrap::wrap(para, (width as usize).max(4)) {
                    let (spans, hits) = transcript::highlight(&l, &q, theme::dim());
                    matches.extend(hits.into_iter().map(|h| (out.len(), h)));
                    out.push(Line::from(spans));
                }
            }
            first
        }
        other => {
            heading(out, "Transcript".into(), width);
            let first = out.len();
            let msg = match other {
                Transcript::Purged => "Purged by the provider.".to_string(),
                Transcript::Missing => "This call has no transcript.".to_string(),
                _ => format!("{provider} does not offer transcripts."),
            };
            out.push(Line::styled(msg, theme::dim()));
            first
        }
    };
    (first, Vec::new())
}

fn recording(out: &mut Vec<Line<'static>>, rec: &RecordingRef, provider: &str, width: u16) {
    heading(out, "Recording".into(), width);
    let text = match rec {
        RecordingRef::SignedUrl { .. } => {
            "Available (a signed link, fetched without credentials): Space plays it, s saves it."
                .to_string()
        }
        RecordingRef::Endpoint { .. } => {
            "Available from the provider: Space plays it, s saves it.".to_string()
        }
        RecordingRef::Purged => "Purged by the provider.".to_string(),
        RecordingRef::Missing => "This call has no recording.".to_string(),
        RecordingRef::NotOffered => format!("{provider} does not offer recordings."),
    };
    out.push(Line::styled(text, theme::dim()));
}

/// Every other field the vendor sent, as `key: value`, values wrapped under themselves.
fn fields(
    out: &mut Vec<Line<'static>>,
    fields: &[(String, String)],
    width: u16,
    tz: TimeZoneSetting,
    mask: &Mask<'_>,
) {
    if fields.is_empty() {
        return;
    }
    heading(out, "Fields".into(), width);
    let kw = fields
        .iter()
        .map(|(k, _)| crate::display::width(&sanitize(k)))
        .max()
        .unwrap_or(0)
        .min(24);
    for (k, v) in fields {
        let key = sanitize(k);
        let pad = " ".repeat(kw.saturating_sub(crate::display::width(&key)));
        let value = crate::display::field_value(v, tz).into_owned();
        let value = if mask.on {
            crate::privacy::mask_field(k, &value, &mask.names)
        } else {
            value
        };
        let avail = (width as usize).saturating_sub(kw + 2).max(8);
        for (i, l) in textwrap::wrap(&value, avail).iter().enumerate() {
            let lead = if i == 0 {
                Span::styled(format!("{key}{pad}: "), theme::key())
            } else {
                Span::raw(" ".repeat(kw + 2))
            };
            out.push(Line::from(vec![lead, Span::raw(l.to_string())]));
        }
    }
}
