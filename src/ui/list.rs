//! The call list: only the rows on screen are built, so 100,000 loaded calls cost what 40 do.

use crate::app::state::{Rows, Viewport};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use crate::app::state::list::LIVE_REFRESH;
use crate::app::state::{CallList, Focus, Source, State};
use crate::display::{format_duration, format_time, sanitize, sanitize_multiline};
use crate::layout::theme;
use crate::model::Call;
use crate::model::sort::SortColumn;
use crate::privacy;

/// "page 3 of 14 · 57 of 280": where the cursor is among what the server has.
pub fn position_text(list: &CallList) -> String {
    let visible = list.rows.visible.len();
    if visible == 0 {
        return String::new();
    }
    let pos = list.view.cursor + 1;
    let p = &list.paging;
    let page = (pos - 1) / p.page_size.max(1) as usize + 1;
    let filtered_locally = !list.filter.local_keys.is_empty();
    match (p.total_pages, p.total_items) {
        (Some(pages), Some(total)) if !filtered_locally => {
            format!("page {page} of {pages} · {pos} of {total}")
        }
        _ => {
            let more = if p.has_more { "+" } else { "" };
            format!("{pos} of {visible}{more}")
        }
    }
}

/// The caller cell in `width` columns: the name and the number, cut with `…` where they do not
/// fit — the name from its end, the number from its start, so its last digits (all privacy mode
/// leaves) always show.
pub(super) fn caller(c: &Call, masked: bool, width: usize) -> String {
    use crate::display::{fit, fit_end, width as w};
    let name = c.caller_name.as_deref().map(|n| privacy::name(n, masked));
    let phone = c
        .caller_number
        .as_deref()
        .map(|p| privacy::phone(p, masked));
    match (name, phone) {
        (Some(n), Some(p)) => {
            if w(&n) + 1 + w(&p) <= width {
                return format!("{n} {p}");
            }
            let p = fit_end(&p, w(&p).min((width / 2).max(8)));
            let room = width.saturating_sub(w(&p) + 1);
            // Too narrow for both to be read: the name alone (a lone initial beside a cut
            // number helps no one).
            if room < 6 {
                return fit(&n, width);
            }
            format!("{} {p}", fit(&n, room))
        }
        (Some(n), None) => fit(&n, width),
        (None, Some(p)) => fit_end(&p, width),
        (None, None) if c.purged => "(purged)".to_string(),
        (None, None) => "(unknown)".to_string(),
    }
}

/// The triage column: `•` selected, the mark (`⚑` follow-up, `✓` done), `✎` a note.
fn triage_cell(state: &State, c: &Call) -> String {
    let r = c.reference();
    let selected = if state.triage.selected.contains(&r) {
        '•'
    } else {
        ' '
    };
    let (mark, note) = match state.triage.entry(&r) {
        Some(e) => (e.mark.symbol(), if e.note.is_empty() { ' ' } else { '✎' }),
        None => (" ", ' '),
    };
    format!("{selected}{mark}{note}")
}

fn status(c: &Call) -> String {
    let mut s = c
        .status
        .as_deref()
        .map(|s| sanitize(s).into_owned())
        .unwrap_or_default();
    for (flag, on) in [("purged", c.purged), ("deleted", c.deleted)] {
        if on {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(flag);
        }
    }
    s
}

/// The list's title as text (what the top border says).
pub fn title_text(state: &State) -> String {
    title(state).to_string()
}

/// The source's name as the title shows it: in privacy mode, the parent's name (a patient's,
/// an agent's) as initials.
fn source_name(state: &State, s: &Source) -> String {
    let Some(scope) = s.scope.as_ref().filter(|_| state.privacy.on) else {
        return sanitize(&s.scope_name).into_owned();
    };
    let e = state.provider(s.provider);
    let name = e
        .scopes
        .items
        .iter()
        .find(|x| &x.id == scope)
        .or(e.info.pinned_scope.as_ref().filter(|p| &p.id == scope))
        .map(|x| x.name.as_str())
        .filter(|n| !n.trim().is_empty() && s.scope_name.contains(*n));
    match name {
        Some(n) => sanitize(&s.scope_name.replace(n, &privacy::mask_name(n))).into_owned(),
        None => privacy::mask_name(&s.scope_name),
    }
}

/// The top border: the source, where the cursor is (or the Live view's timing), loading.
fn title(state: &State) -> Line<'static> {
    let l = &state.list;
    // A merged list's "(… searched)" goes last: the position must not be cut off first.
    let mut searched = None;
    let name = match crate::app::update::merged_title(state) {
        Some((title, _)) => {
            let title = sanitize(&title).into_owned();
            match title.split_once(" (") {
                Some((name, rest)) => {
                    searched = Some(format!("({rest} "));
                    name.to_string()
                }
                None => title,
            }
        }
        None => l
            .source
            .as_ref()
            .map_or_else(|| "Calls".to_string(), |s| source_name(state, s)),
    };
    let mut spans = vec![Span::styled(format!(" {name} "), theme::bold())];
    let live = l.is_live();
    if live {
        let when = l
            .live
            .refreshed_at
            .map(|t| crate::display::format_clock(t, state.time_zone))
            .unwrap_or_else(|| "…".to_string());
        spans.push(Span::raw(format!(
            "· {} call(s) · refreshed {when}, every {} s · L leaves ",
            l.rows.visible.len(),
            LIVE_REFRESH.as_secs()
        )));
    } else {
        let pos = position_text(l);
        if !pos.is_empty() {
            spans.push(Span::raw(format!("· {pos} ")));
        }
    }
    let p = &l.paging;
    if p.follow_end {
        let pages = p
            .total_pages
            .map(|t| format!(", page {} of {t}", p.next_page.saturating_sub(1)))
            .unwrap_or_default();
        spans.push(Span::styled(
            format!(
                "· loading every page: {} calls{pages} · Esc stops ",
                l.rows.calls.len()
            ),
            theme::warn(),
        ));
    } else if p.loading.is_some() && !(live && l.live.refreshed_at.is_some()) {
        spans.push(Span::styled("· loading… ", theme::warn()));
    }
    if let Some(searched) = searched {
        spans.push(Span::styled(searched, theme::dim()));
    }
    Line::from(spans)
}

/// The bottom border: the filter and what of it runs on loaded calls, or the Live hint.
fn bottom(state: &State) -> Option<Line<'static>> {
    let l = &state.list;
    // A merged list says what is missing from it (a provider failed, slow or not searched).
    if let Some((_, Some(missing))) = crate::app::update::merged_title(state) {
        let mut t = format!(" {} ", sanitize(&missing));
        if !l.filter.text.is_empty() {
            t = format!(
                " filter: {} ·{t}",
                privacy::filter_text(&l.filter.text, state.privacy.on)
            );
        }
        return Some(Line::styled(t, theme::error()));
    }
    if l.filter.text.is_empty() {
        let has_live = l
            .source
            .as_ref()
            .is_some_and(|s| !s.live && state.provider(s.provider).info.capabilities.has_live);
        return has_live.then(|| Line::styled(" L: live calls ", theme::dim()));
    }
    let mut t = format!(
        " filter: {} ",
        privacy::filter_text(&l.filter.text, state.privacy.on)
    );
    if !l.filter.local_keys.is_empty() {
        t.push_str(&format!(
            "(on loaded calls: {}) ",
            l.filter.local_keys.join(", ")
        ));
    }
    Some(Line::styled(t, theme::warn()))
}

/// What the list says when no row is shown: why, and what to do.
fn empty_message(state: &State) -> Text<'static> {
    let l = &state.list;
    if state.providers.is_empty() {
        let path = state.config_path.as_deref().unwrap_or("the config file");
        return Text::from(vec![
            Line::styled("No provider is configured.", theme::warn()),
            Line::raw(""),
            Line::raw(format!(
                "Add a [[providers]] block for each account to {path} \
                 (`callbrowser config init` wrote a commented template), then start \
                 callbrowser again."
            )),
        ]);
    }
    if let Some(e) = &l.paging.error {
        let mut lines: Vec<Line> = sanitize_multiline(e)
            .lines()
            .map(|x| Line::styled(x.to_string(), theme::error()))
            .collect();
        if l.source
            .as_ref()
            .is_some_and(|s| state.provider(s.provider).usable())
        {
            lines.push(Line::styled("r to try again", theme::dim()));
        }
        return Text::from(lines);
    }
    // A merged list that came to its end with providers missing says why, and how to retry.
    if l.merged.is_some()
        && !l.paging.has_more
        && let Some((_, Some(missing))) = crate::app::update::merged_title(state)
    {
        let none_answered = l.merged.as_ref().is_some_and(|m| {
            m.inbox
                .standings()
                .iter()
                .all(|s| s.absent.is_some() || s.failed >= s.scopes.unwrap_or(1).max(1))
        });
        let head = if none_answered {
            "No provider answered."
        } else {
            "No calls from the providers that answered."
        };
        return Text::from(vec![
            Line::styled(head, theme::dim()),
            Line::styled(sanitize(&missing).into_owned(), theme::error()),
            Line::styled("r to try again", theme::dim()),
        ]);
    }
    let line = if l.paging.loading.is_some()
        || (l.source.is_some() && l.rows.calls.is_empty() && l.paging.nothing_asked())
        || (l.merged.is_some() && l.paging.has_more)
    {
        Line::styled("loading…", theme::dim())
    } else if l.is_live() {
        Line::styled(
            "No calls in progress (refreshed every few seconds).",
            theme::dim(),
        )
    } else if !l.is_open() {
        Line::styled(
            "Choose a provider or agent in the sidebar (Tab, Enter).",
            theme::dim(),
        )
    } else {
        return no_match(state);
    };
    Text::from(line)
}

/// No call passes the filter: and when the filter asks for what the provider does not offer
/// at all, it says so.
fn no_match(state: &State) -> Text<'static> {
    let mut lines = vec![Line::styled("No calls match.", theme::dim())];
    let Some(source) = &state.list.source else {
        return Text::from(lines);
    };
    let info = &state.provider(source.provider).info;
    let f = &state.list.filter.filter;
    let label = sanitize(&info.label).into_owned();
    for (asked, offered, what, key) in [
        (
            f.has_recording,
            info.capabilities.has_recordings,
            "recordings",
            "has:recording",
        ),
        (
            f.has_transcript,
            info.capabilities.has_transcripts,
            "transcripts",
            "has:transcript",
        ),
    ] {
        if asked == Some(true) && !offered {
            lines.push(Line::styled(
                format!("{label} does not offer {what}, so {key} matches no call."),
                theme::warn(),
            ));
        }
    }
    Text::from(lines)
}

pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let focused = state.focus == Focus::List;
    if state.triage.view.is_some() {
        return super::triage::draw_followups(f, area, state, focused);
    }
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(title(state));
    if let Some(b) = bottom(state) {
        block = block.title_bottom(b);
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let l = &state.list;
    // While `r` reloads, what was loaded stays on screen until the first page replaces it.
    let (rows, view) = match &l.reloading {
        Some(r) if l.rows.visible.is_empty() => (&r.rows, &r.view),
        _ => (&l.rows, &l.view),
    };
    if rows.visible.is_empty() {
        f.render_widget(
            Paragraph::new(empty_message(state)).wrap(ratatui::widgets::Wrap { trim: false }),
            inner,
        );
        return;
    }
    draw_table(f, inner, state, (rows, view), focused);
}

/// The rows on screen as a table: time, caller, direction (when any call has one), duration,
/// status and summary.
fn draw_table(
    f: &mut Frame,
    inner: Rect,
    state: &State,
    (rows, view): (&Rows, &Viewport),
    focused: bool,
) {
    let l = &state.list;
    let rows_h = inner.height.saturating_sub(1) as usize;
    let end = (view.offset + rows_h).min(rows.visible.len());
    let window = &rows.visible[view.offset.min(end)..end];
    let calls = || window.iter().map(|&i| &rows.calls[i]);
    // On a narrow pane the columns give way by priority: the summary first (it takes what is
    // left), then the direction; the status is shortened with …, the caller cut with … .
    let show_dir = calls().any(|c| c.direction.is_some()) && inner.width >= 72;
    let merged = l.merged.is_some();
    let origin = |k: usize| -> String {
        window
            .get(k)
            .and_then(|&i| rows.origin.get(i))
            .map(|p| sanitize(&state.provider(*p).info.name).into_owned())
            .unwrap_or_default()
    };
    let provider_w = if merged {
        (0..window.len())
            .map(|k| origin(k).chars().count())
            .max()
            .unwrap_or(8)
            .clamp(8, 14) as u16
    } else {
        0
    };
    let status_w = calls()
        .map(|c| status(c).chars().count())
        .max()
        .unwrap_or(6) as u16;
    let w = plan(
        inner.width,
        merged.then_some(provider_w),
        show_dir,
        status_w,
    );
    let today = format_time(Some((state.now)()), state.time_zone);
    let time = |c: &Call| time_cell(format_time(c.started_at, state.time_zone), &today, &w);
    let (caller_w, show_status, status_w) = (w.caller, w.status.is_some(), w.status.unwrap_or(0));
    let masked = state.privacy.on;
    let rows = calls().enumerate().map(|(k, c)| {
        let mut cells = vec![Cell::from(triage_cell(state, c))];
        if merged {
            cells.push(Cell::from(origin(k)));
        }
        cells.extend([
            Cell::from(time(c)),
            Cell::from(caller(c, masked, usize::from(caller_w))),
        ]);
        if show_dir {
            cells.push(Cell::from(c.direction.map_or("", |d| d.short())));
        }
        cells.push(Cell::from(
            Line::from(format_duration(c.duration_secs)).right_aligned(),
        ));
        if show_status {
            cells.push(Cell::from(crate::display::fit(
                &status(c),
                usize::from(status_w),
            )));
        }
        // In privacy mode no summary is shown: free text names whoever the call was about.
        cells.push(Cell::from(if masked {
            String::new()
        } else {
            c.summary
                .as_deref()
                .map(|s| crate::display::fit(&privacy::text(s, &[], false), usize::from(w.summary)))
                .unwrap_or_default()
        }));
        let row = Row::new(cells);
        if view.offset + k == view.cursor {
            row.style(theme::selected(focused))
        } else if c.deleted || c.purged {
            row.style(theme::dim())
        } else {
            row
        }
    });
    let (widths, header) = columns(l.sort, &w);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::dim()))
        .column_spacing(1);
    f.render_widget(table, inner);
}

/// The widths of the columns on a pane `width` wide. On a narrow pane the columns give way by
/// priority: the summary first (it takes what is left), then the direction; the status is
/// shortened with …, the caller cut with … . A merged list on a narrow pane gives the provider
/// column room from the time: the year and seconds go (`03-20 14:55`); on a very narrow pane a
/// call of today shows its time (`14:55`), an older one its day (`03-20`), as mail programs do,
/// and the status goes when it would leave the caller under 12 columns (a number with its …).
fn plan(width: u16, provider: Option<u16>, dir: bool, status_w: u16) -> Widths {
    let short_time = provider.is_some() && width < 100;
    let compact = width < 50;
    let time: u16 = match (compact, short_time) {
        (true, _) => 5,
        (false, true) => 11,
        (false, false) => 19,
    };
    let status_max = if width < 72 { 9 } else { 16 };
    let status_w = status_w.clamp(6, status_max);
    let dur: u16 = if compact { 6 } else { 7 };
    let dir_w = if dir { 4 } else { 0 };
    let fixed = 3 + 1 + provider.map_or(0, |p| p + 1) + time + 1 + dir_w + dur + 1 + 1;
    // The status is shortened (to 6, with …) before the caller would get under 20 columns: a
    // name and its number's last digits need them.
    let short_of = 20u16.saturating_sub(width.saturating_sub(fixed + status_w + 1));
    let status_w = status_w.saturating_sub(short_of).max(6);
    let show_status = !compact || width.saturating_sub(fixed + status_w + 1) >= 12;
    let rest = width.saturating_sub(fixed + if show_status { status_w + 1 } else { 0 });
    let caller = (rest / 2).clamp(rest.min(18), 36);
    Widths {
        provider,
        time,
        caller,
        summary: rest.saturating_sub(caller),
        dir,
        dur,
        status: show_status.then_some(status_w),
        short_time,
        compact,
    }
}

/// A call's time as the time column shows it (see [`plan`]); `today` is now, formatted alike.
fn time_cell(t: String, today: &str, w: &Widths) -> String {
    if t.len() < 16 {
        t
    } else if w.compact && t.get(..10) == today.get(..10) {
        t[11..16].to_string()
    } else if w.compact {
        t[5..10].to_string()
    } else if w.short_time {
        t[5..16].to_string()
    } else {
        t
    }
}

/// The widths of the table's columns that vary.
struct Widths {
    /// The provider column (merged lists).
    provider: Option<u16>,
    time: u16,
    caller: u16,
    /// Whether the direction column is shown.
    dir: bool,
    dur: u16,
    /// The status column, when shown.
    status: Option<u16>,
    /// What is left for the summary (cut with … to it).
    summary: u16,
    /// Times without year and seconds; on a very narrow pane, the time of today or the day.
    short_time: bool,
    compact: bool,
}

/// The columns' widths and headers; the sorted column's header carries ▼ or ▲.
fn columns(sort: crate::model::sort::Sort, w: &Widths) -> (Vec<Constraint>, Vec<String>) {
    let head = |name: &str, col: SortColumn| {
        let arrow = if sort.is_natural() {
            ""
        } else {
            sort.arrow(col)
        };
        format!("{name}{arrow}")
    };
    let mut widths = vec![Constraint::Length(3)];
    let mut header = vec![head("", SortColumn::Triage)];
    if let Some(p) = w.provider {
        widths.push(Constraint::Length(p));
        header.push(head("Provider", SortColumn::Provider));
    }
    widths.extend([Constraint::Length(w.time), Constraint::Length(w.caller)]);
    header.extend([
        head("Time", SortColumn::Time),
        head("Caller", SortColumn::Caller),
    ]);
    if w.dir {
        widths.push(Constraint::Length(3));
        header.push("Dir".to_string());
    }
    let dur = head("Dur", SortColumn::Duration);
    widths.push(Constraint::Length(w.dur));
    header.push(format!("{dur:>width$}", width = usize::from(w.dur)));
    if let Some(status) = w.status {
        widths.push(Constraint::Length(status));
        header.push(head("Status", SortColumn::Status));
    }
    widths.push(Constraint::Fill(1));
    header.push("Summary".to_string());
    (widths, header)
}

#[cfg(test)]
mod plan_tests {
    use super::plan;

    #[test]
    fn the_status_shortens_before_the_caller_gets_too_narrow_for_a_name_and_its_number() {
        // A merged list at 80 columns beside the sidebar: 58 inside, `COMPLETED` statuses.
        let w = plan(58, Some(8), false, 9);
        assert_eq!(w.status, Some(6));
        assert!(w.caller >= 17, "{}", w.caller);
        // Wide enough: nothing shortened.
        let w = plan(140, Some(8), true, 9);
        assert_eq!(w.status, Some(9));
    }
}
