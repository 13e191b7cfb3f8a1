//! The detail pane: header, summaries, the transcript as a chat, the recording, and every other
//! field. Its lines are built once per (call, width, search) by [`build`] and only sliced when
//! drawn, so scrolling a 3,000-turn transcript costs nothing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState,
};
use unicode_width::UnicodeWidthStr;

use super::theme;
use super::transcript::{self, MatchPos};
use crate::app::state::{Focus, State};
use crate::display::{format_duration, format_time, sanitize, sanitize_multiline};
use crate::model::TimeZoneSetting;
use crate::model::{CallDetail, RecordingRef, Transcript};

/// The pane's lines for one call at one width and search.
#[derive(Clone, Debug)]
pub struct DetailLayout {
    pub call_id: String,
    pub width: u16,
    pub query: String,
    pub lines: Vec<Line<'static>>,
    pub matches: Vec<MatchPos>,
    /// The line where the transcript starts.
    pub transcript_line: usize,
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

/// Builds the pane's lines.
pub fn build(d: &CallDetail, width: u16, query: &str, tz: TimeZoneSetting) -> DetailLayout {
    let c = &d.call;
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut matches = Vec::new();

    // Who
    let name = c
        .caller_name
        .as_deref()
        .map(sanitize)
        .map(|s| s.into_owned());
    let number = match (&c.caller_number, c.purged) {
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
    // When, how long, how it went
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
            out.push(Line::from(vec![
                Span::styled(format!("{k}: "), theme::dim()),
                Span::raw(sanitize(v).into_owned()),
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
        out.push(Line::styled(format!("⚠ {}", sanitize(w)), theme::warn()));
    }

    // Summaries
    if c.summary.is_some() || !d.other_summaries.is_empty() {
        heading(&mut out, "Summary".into(), width);
        if let Some(s) = &c.summary {
            wrapped(&mut out, s, width, Style::new());
        }
        for (lang, s) in &d.other_summaries {
            out.push(Line::styled(format!("[{}]", sanitize(lang)), theme::dim()));
            wrapped(&mut out, s, width, Style::new());
        }
    }

    // Transcript
    let transcript_line;
    match &d.transcript {
        Transcript::Turns(turns) => {
            heading(
                &mut out,
                format!("Transcript · {} turns", turns.len()),
                width,
            );
            transcript_line = out.len();
            transcript::layout(turns, width, query, &mut out, &mut matches);
        }
        Transcript::Unparsed { raw, .. } => {
            heading(
                &mut out,
                "Transcript (as sent: it could not be read)".into(),
                width,
            );
            transcript_line = out.len();
            let q = query.to_lowercase();
            for para in sanitize_multiline(raw).split('\n') {
                for l in textwrap::wrap(para, (width as usize).max(4)) {
                    let (spans, hits) = transcript::highlight(&l, &q, theme::dim());
                    matches.extend(hits.into_iter().map(|h| (out.len(), h)));
                    out.push(Line::from(spans));
                }
            }
        }
        other => {
            heading(&mut out, "Transcript".into(), width);
            transcript_line = out.len();
            let msg = match other {
                Transcript::Purged => "Purged by the provider.",
                Transcript::Missing => "This call has no transcript.",
                _ => "Transcripts are not offered by this provider.",
            };
            out.push(Line::styled(msg, theme::dim()));
        }
    }

    // Recording
    heading(&mut out, "Recording".into(), width);
    let rec = match &d.recording {
        RecordingRef::SignedUrl { .. } => "Available (a signed link, fetched without credentials).",
        RecordingRef::Endpoint { .. } => "Available from the provider.",
        RecordingRef::Purged => "Purged by the provider.",
        RecordingRef::Missing => "This call has no recording.",
        RecordingRef::NotOffered => "Recordings are not offered by this provider.",
    };
    out.push(Line::styled(rec, theme::dim()));

    // Every other field
    if !c.fields.is_empty() {
        heading(&mut out, "Fields".into(), width);
        let kw = c
            .fields
            .iter()
            .map(|(k, _)| k.width())
            .max()
            .unwrap_or(0)
            .min(24);
        for (k, v) in &c.fields {
            let key = sanitize(k);
            let pad = " ".repeat(kw.saturating_sub(key.width()));
            let value = crate::display::field_value(v, tz).into_owned();
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

    DetailLayout {
        call_id: c.id.clone(),
        width,
        query: query.to_string(),
        lines: out,
        matches,
        transcript_line,
    }
}

pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let focused = state.focus == Focus::Detail;
    let d = &state.detail;
    let mut title = vec![Span::styled(" Call ", theme::bold())];
    if let Some(l) = &d.layout
        && !d.search.query.is_empty()
    {
        let pos = d
            .search
            .current
            .map_or("–".to_string(), |i| (i + 1).to_string());
        title.push(Span::styled(
            format!(
                "· “{}” {pos}/{} ",
                sanitize(&d.search.query),
                l.matches.len()
            ),
            theme::warn(),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);

    if let Some(err) = &d.error {
        let mut lines = vec![Line::styled(sanitize(err).into_owned(), theme::error())];
        lines.push(Line::styled("r to try again", theme::dim()));
        f.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            inner,
        );
        return;
    }
    let Some(layout) = &d.layout else {
        let msg = if d.loading.is_some() {
            "loading…"
        } else if d.key.is_some() {
            "This provider has no detail endpoint: what the list shows is all there is."
        } else {
            ""
        };
        f.render_widget(Paragraph::new(Line::styled(msg, theme::dim())), inner);
        return;
    };
    let h = inner.height as usize;
    let start = d.scroll.min(layout.lines.len());
    let end = (start + h).min(layout.lines.len());
    let mut visible: Vec<Line> = layout.lines[start..end].to_vec();
    if let Some((line, span)) = d.search.current.and_then(|i| layout.matches.get(i))
        && (start..end).contains(line)
        && let Some(s) = visible[line - start].spans.get_mut(*span)
    {
        s.style = theme::matched(true);
    }
    let text_area = Rect {
        width: inner.width.saturating_sub(1),
        ..inner
    };
    f.render_widget(Paragraph::new(visible), text_area);
    if layout.lines.len() > h {
        let mut sb = ScrollbarState::new(layout.lines.len().saturating_sub(h)).position(start);
        f.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None),
            area.inner(ratatui::layout::Margin {
                vertical: 1,
                horizontal: 0,
            }),
            &mut sb,
        );
    }
}
