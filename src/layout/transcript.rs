//! The transcript as a chat: a pure function of (turns, width, search) → lines.
//!
//! Wide panes get bubbles — the agent on the left, the caller on the right — and narrow ones a
//! speaker gutter. Consecutive turns of one speaker are grouped under one label. Wrapping is by
//! display width (CJK and emoji count double). Every vendor string is sanitized first.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::display::{sanitize_multiline, width as drawn};
use crate::layout::theme;
use crate::model::{Speaker, Turn};

/// From this inner width on, turns are drawn as bubbles.
pub const BUBBLE_MIN_WIDTH: u16 = 60;

/// A search match: the line, and the span inside it that holds the match.
pub type MatchPos = (usize, usize);

fn speaker_color(s: &Speaker) -> ratatui::style::Color {
    match s {
        Speaker::Agent => theme::AGENT,
        Speaker::Caller => theme::CALLER,
        Speaker::Other(_) => theme::OTHER,
    }
}

/// Splits `text` into spans with every case-insensitive occurrence of `query` highlighted.
/// Returns the spans and the indices (within them) of the matches.
pub fn highlight(text: &str, query_lower: &str, base: Style) -> (Vec<Span<'static>>, Vec<usize>) {
    if query_lower.is_empty() {
        return (vec![Span::styled(text.to_string(), base)], Vec::new());
    }
    // Lower-case char by char, keeping each char's byte range in `text`.
    let mut lowered = String::with_capacity(text.len());
    let mut origin: Vec<usize> = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        for l in c.to_lowercase() {
            let start = lowered.len();
            lowered.push(l);
            origin.extend(std::iter::repeat_n(i, lowered.len() - start));
        }
    }
    origin.push(text.len());
    let mut spans = Vec::new();
    let mut hits = Vec::new();
    let mut last = 0usize; // byte in `text`
    let mut from = 0usize; // byte in `lowered`
    while let Some(pos) = lowered[from..].find(query_lower) {
        let ls = from + pos;
        let le = ls + query_lower.len();
        let (s, e) = (origin[ls], origin[le.min(origin.len() - 1)]);
        let e = if e <= s {
            next_char_boundary(text, s)
        } else {
            e
        };
        if s < last {
            from = le;
            continue;
        }
        if s > last {
            spans.push(Span::styled(text[last..s].to_string(), base));
        }
        hits.push(spans.len());
        spans.push(Span::styled(text[s..e].to_string(), theme::matched(false)));
        last = e;
        from = le;
    }
    if last < text.len() || spans.is_empty() {
        spans.push(Span::styled(text[last..].to_string(), base));
    }
    (spans, hits)
}

fn next_char_boundary(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(s.len(), |c| i + c.len_utf8())
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(4);
    let mut out = Vec::new();
    for para in text.split('\n') {
        if para.trim().is_empty() {
            out.push(String::new());
            continue;
        }
        out.extend(
            textwrap::wrap(para, width)
                .into_iter()
                .map(|c| c.into_owned()),
        );
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

/// Appends the transcript's lines to `out`, and the positions of search matches to `matches`.
/// Returns the lines of each turn (`start..end` in `out`).
pub fn layout(
    turns: &[Turn],
    width: u16,
    query: &str,
    out: &mut Vec<Line<'static>>,
    matches: &mut Vec<MatchPos>,
) -> Vec<(usize, usize)> {
    let query = query.to_lowercase();
    let mut turn_lines = Vec::with_capacity(turns.len());
    if width >= BUBBLE_MIN_WIDTH {
        bubbles(turns, width as usize, &query, out, matches, &mut turn_lines);
    } else {
        gutter(turns, width as usize, &query, out, matches, &mut turn_lines);
    }
    turn_lines
}

fn push_line(
    out: &mut Vec<Line<'static>>,
    matches: &mut Vec<MatchPos>,
    mut before: Vec<Span<'static>>,
    text: &str,
    query: &str,
    base: Style,
    after: Vec<Span<'static>>,
) {
    let offset = before.len();
    let (spans, hits) = highlight(text, query, base);
    let line_no = out.len();
    matches.extend(hits.into_iter().map(|h| (line_no, h + offset)));
    before.extend(spans);
    before.extend(after);
    out.push(Line::from(before));
}

fn bubbles(
    turns: &[Turn],
    width: usize,
    query: &str,
    out: &mut Vec<Line<'static>>,
    matches: &mut Vec<MatchPos>,
    turn_lines: &mut Vec<(usize, usize)>,
) {
    let max_inner = (width * 3 / 4).saturating_sub(4).max(10);
    let mut prev: Option<&Speaker> = None;
    for turn in turns {
        let start = out.len();
        let right = turn.speaker == Speaker::Caller;
        let color = speaker_color(&turn.speaker);
        let border = Style::new().fg(color);
        if prev != Some(&turn.speaker) {
            if prev.is_some() {
                out.push(Line::default());
            }
            let label = crate::display::sanitize(turn.speaker.label()).into_owned();
            let pad = if right {
                width.saturating_sub(drawn(&label) + 1)
            } else {
                1
            };
            out.push(Line::from(vec![
                Span::raw(" ".repeat(pad)),
                Span::styled(label, theme::bold().fg(color)),
            ]));
        }
        prev = Some(&turn.speaker);
        let text = sanitize_multiline(&turn.text);
        let lines = wrap(&text, max_inner);
        let inner = lines.iter().map(|l| drawn(l)).max().unwrap_or(0).max(1);
        let indent = if right {
            " ".repeat(width.saturating_sub(inner + 4))
        } else {
            String::new()
        };
        out.push(Line::from(vec![
            Span::raw(indent.clone()),
            Span::styled(format!("╭{}╮", "─".repeat(inner + 2)), border),
        ]));
        for l in &lines {
            let pad = " ".repeat(inner - drawn(l).min(inner) + 1);
            push_line(
                out,
                matches,
                vec![Span::raw(indent.clone()), Span::styled("│ ", border)],
                l,
                query,
                Style::new(),
                vec![Span::raw(pad), Span::styled("│", border)],
            );
        }
        out.push(Line::from(vec![
            Span::raw(indent),
            Span::styled(format!("╰{}╯", "─".repeat(inner + 2)), border),
        ]));
        turn_lines.push((start, out.len()));
    }
}

fn gutter(
    turns: &[Turn],
    width: usize,
    query: &str,
    out: &mut Vec<Line<'static>>,
    matches: &mut Vec<MatchPos>,
    turn_lines: &mut Vec<(usize, usize)>,
) {
    let labels: Vec<String> = turns
        .iter()
        .map(|t| crate::display::sanitize(t.speaker.label()).into_owned())
        .collect();
    let gw = labels
        .iter()
        .map(|l| drawn(l))
        .max()
        .unwrap_or(5)
        .clamp(5, 10);
    let text_w = width.saturating_sub(gw + 3).max(8);
    let mut prev: Option<&Speaker> = None;
    for (turn, label) in turns.iter().zip(&labels) {
        let start = out.len();
        let color = speaker_color(&turn.speaker);
        let new_speaker = prev != Some(&turn.speaker);
        prev = Some(&turn.speaker);
        let text = sanitize_multiline(&turn.text);
        for (k, l) in wrap(&text, text_w).iter().enumerate() {
            let name = if new_speaker && k == 0 {
                let mut n: String = label.chars().take(gw).collect();
                let w = drawn(&n);
                n.push_str(&" ".repeat(gw.saturating_sub(w)));
                n
            } else {
                " ".repeat(gw)
            };
            push_line(
                out,
                matches,
                vec![
                    Span::styled(name, theme::bold().fg(color)),
                    Span::styled(" │ ", Style::new().fg(color)),
                ],
                l,
                query,
                Style::new(),
                Vec::new(),
            );
        }
        turn_lines.push((start, out.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    fn t(s: Speaker, text: &str) -> Turn {
        Turn {
            speaker: s,
            text: text.into(),
        }
    }

    fn plain(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn highlight_is_case_insensitive_and_counts() {
        let (spans, hits) = highlight("Rechnung und RECHNUNG", "rechnung", Style::new());
        assert_eq!(hits.len(), 2);
        assert_eq!(spans[hits[1]].content, "RECHNUNG");
        let (spans, hits) = highlight("Straße in Köln", "köln", Style::new());
        assert_eq!(spans[hits[0]].content, "Köln");
    }

    #[test]
    fn gutter_groups_speakers_and_wraps_by_width() {
        let turns = vec![
            t(Speaker::Agent, "Guten Tag, wie kann ich Ihnen helfen?"),
            t(Speaker::Agent, "Ich höre."),
            t(Speaker::Caller, "日本語のテキストです"),
        ];
        let mut out = Vec::new();
        let mut m = Vec::new();
        layout(&turns, 30, "", &mut out, &mut m);
        let lines = plain(&out);
        assert!(lines[0].starts_with("Agent  │ Guten Tag"), "{lines:?}");
        assert_eq!(lines.iter().filter(|l| l.starts_with("Agent")).count(), 1);
        assert!(lines.iter().all(|l| l.width() <= 30), "{lines:?}");
    }

    #[test]
    fn bubbles_put_the_caller_on_the_right() {
        let turns = vec![t(Speaker::Agent, "Hallo"), t(Speaker::Caller, "Hi")];
        let mut out = Vec::new();
        let mut m = Vec::new();
        layout(&turns, 80, "hi", &mut out, &mut m);
        let lines = plain(&out);
        assert!(lines[1].starts_with("╭"), "{lines:?}");
        let caller_box = lines.iter().find(|l| l.contains("Hi")).unwrap();
        assert!(caller_box.width() == 80 && caller_box.trim_end().ends_with('│'));
        assert_eq!(m.len(), 1);
        assert!(lines.iter().all(|l| l.width() <= 80));
    }
}
