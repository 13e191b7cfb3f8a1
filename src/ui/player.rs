//! The player bar at the top of the detail pane: the state, elapsed / total (`~` while the length
//! is estimated), speed, volume, channel and download; under it the waveform of the whole call
//! (one row, or agent and caller rows for stereo) with the downloaded part, the played part and
//! the playhead.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::PlayerPane;
use crate::audio::analysis::BUCKET_SECS;
use crate::audio::player::{OutputKind, PlayState, Status, clock};
use crate::display::sanitize;
use crate::layout::theme;

const BLOCKS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub fn draw(f: &mut Frame, area: Rect, p: &PlayerPane) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let mut lines = vec![status_line(&p.status, usize::from(area.width))];
    let stereo = p.status.channels >= 2;
    let rows = usize::from(area.height) - 1;
    for c in 0..rows.min(if stereo { 2 } else { 1 }) {
        let label = match (stereo, c) {
            (false, _) => "",
            (true, 0) => "A ",
            _ => "C ",
        };
        lines.push(waveform_row(p, c, label, usize::from(area.width)));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn state_text(s: &Status) -> (String, Style) {
    match &s.state {
        PlayState::Connecting => ("… connecting".into(), theme::dim()),
        PlayState::Buffering(Some(p)) => (format!("… buffering {p} %"), theme::warn()),
        PlayState::Buffering(None) => ("… buffering".into(), theme::warn()),
        PlayState::Playing => ("▶ playing".into(), theme::bold()),
        PlayState::Paused => ("⏸ paused".into(), Style::new()),
        PlayState::Finished => ("■ finished".into(), theme::dim()),
        PlayState::Failed(why) => (format!("✗ {}", sanitize(why)), theme::error()),
    }
}

/// `▶ playing  0:42 / ~3:10  1.5×  vol 100 %  agent  MP3 · 45 % loaded · no device`
pub fn status_line(s: &Status, width: usize) -> Line<'static> {
    let (state, style) = state_text(s);
    let total = match s.duration {
        Some(d) if s.estimated => format!("~{}", clock(d)),
        Some(d) => clock(d),
        None => "?".into(),
    };
    let mut facts = vec![format!("{} / {total}", clock(s.position))];
    facts.push(format!("{}×", trim_speed(s.speed)));
    facts.push(format!("vol {} %", s.volume));
    if s.channels >= 2 {
        facts.push(format!(
            "{} channel{}",
            s.channel.label(),
            plural(s.channel)
        ));
    }
    let mut tail = Vec::new();
    if let Some(fmt) = &s.format {
        tail.push(sanitize(fmt).into_owned());
    }
    if !s.complete {
        match s.total.filter(|t| *t > 0) {
            Some(t) => tail.push(format!("{} % loaded", s.downloaded * 100 / t)),
            None if s.downloaded > 0 => tail.push(format!("{} KB loaded", s.downloaded / 1000)),
            None => {}
        }
    }
    if let OutputKind::Null(_) = s.output {
        tail.push("no audio device: silent".into());
    }
    if let Some(note) = &s.note {
        tail.push(sanitize(note).into_owned());
    }
    let text = format!("  {}  {}", facts.join("  "), tail.join(" · "));
    // The paragraph clips what does not fit.
    let _ = width;
    Line::from(vec![Span::styled(state, style), Span::raw(text)])
}

fn plural(m: crate::audio::output::ChannelMode) -> &'static str {
    if m == crate::audio::output::ChannelMode::Both {
        "s"
    } else {
        ""
    }
}

fn trim_speed(s: f32) -> String {
    let t = format!("{s:.2}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One channel's waveform across `width` cells: levels as block heights, the played part bright,
/// the downloaded rest normal, what is not downloaded yet a dim dot; the playhead reversed.
fn waveform_row(p: &PlayerPane, channel: usize, label: &str, width: usize) -> Line<'static> {
    let cells = width.saturating_sub(label.chars().count()).max(1);
    let levels = p.waveform.get(channel).map_or(&[][..], Vec::as_slice);
    // Heights over the 30 dB under the loudest level of the call (levels are 60 dB over 255):
    // speech stands out of line hiss instead of every cell being nearly full.
    let top = levels.iter().copied().max().unwrap_or(0).max(1);
    let floor = top.saturating_sub(128);
    let duration = p
        .status
        .duration
        .unwrap_or(levels.len() as f64 * BUCKET_SECS)
        .max(BUCKET_SECS);
    let per_cell = duration / cells as f64;
    let head = ((p.status.position / per_cell) as usize).min(cells - 1);
    let mut spans = vec![Span::styled(label.to_string(), theme::dim())];
    let mut run = String::new();
    let mut run_style = Style::new();
    for i in 0..cells {
        let from = (i as f64 * per_cell / BUCKET_SECS) as usize;
        let to = (((i + 1) as f64 * per_cell / BUCKET_SECS).ceil() as usize).max(from + 1);
        let known = from < levels.len();
        let ch = if known {
            // The cell's mean level: a cell that is half pause shows lower than one of speech.
            let cell = &levels[from..to.min(levels.len())];
            let mean = cell.iter().map(|&l| usize::from(l)).sum::<usize>() / cell.len().max(1);
            let above = mean.saturating_sub(usize::from(floor));
            let span = usize::from(top - floor).max(1);
            BLOCKS[(above * 8).div_ceil(span).min(8)]
        } else {
            '·'
        };
        let style = if i == head {
            theme::bold().add_modifier(Modifier::REVERSED)
        } else if !known {
            theme::dim()
        } else if i < head {
            theme::played()
        } else {
            Style::new()
        };
        if style != run_style && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), run_style));
        }
        run_style = style;
        run.push(ch);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, run_style));
    }
    Line::from(spans)
}
