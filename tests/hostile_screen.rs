//! Hostile vendor strings on the real byte stream: every pane is drawn through a
//! `CrosstermBackend` into a byte buffer, frame after frame as a session would, and the bytes
//! are parsed with `vte` as a wcwidth terminal would take them. No OSC, DCS, APC, PM or SOS may
//! reach the terminal, and every character must land in the cell ratatui meant it for (the same
//! state drawn into a `TestBackend`), so no text leaves its pane and every border stands.

mod hostile;
mod support;

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;

use callbrowser::app::state::State;
use callbrowser::app::update::init;
use crossterm::event::KeyCode;
use hostile::provider::Hostile;
use hostile::term::{self, Grid, Term};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use support::*;

/// The bytes written to the terminal, shared with the test.
#[derive(Clone, Default)]
struct Bytes(Rc<RefCell<Vec<u8>>>);

impl Write for Bytes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A terminal as the program has it (bytes out, parsed back), and what went wrong so far.
struct Session {
    terminal: Terminal<CrosstermBackend<Bytes>>,
    bytes: Bytes,
    screen: Term,
    size: (u16, u16),
    failures: Vec<String>,
    frames: usize,
}

impl Session {
    fn new(size: (u16, u16)) -> Session {
        let viewport = Viewport::Fixed(Rect::new(0, 0, size.0, size.1));
        let bytes = Bytes::default();
        let backend = CrosstermBackend::new(bytes.clone());
        Session {
            terminal: Terminal::with_options(backend, TerminalOptions { viewport }).unwrap(),
            bytes,
            screen: Term::new(size.0, size.1),
            size,
            failures: Vec::new(),
            frames: 0,
        }
    }

    /// Draws `state` as the next frame and checks what the terminal shows against what ratatui
    /// meant.
    fn frame(&mut self, state: &State, what: &str) {
        assert_eq!(state.size, self.size);
        self.frames += 1;
        self.terminal
            .draw(|f| callbrowser::ui::draw(f, state))
            .unwrap();
        let bytes = std::mem::take(&mut *self.bytes.0.borrow_mut());
        self.screen.feed(&bytes);

        let mut reference = Terminal::new(TestBackend::new(self.size.0, self.size.1)).unwrap();
        reference.draw(|f| callbrowser::ui::draw(f, state)).unwrap();
        let mut faults = std::mem::take(&mut self.screen.faults);
        let meant = term::meant(reference.backend().buffer(), &mut faults);
        compare(&meant, &self.screen.cells, &mut faults);
        borders(&meant, state, &mut faults);
        let s = &mut self.screen;
        if s.osc + s.dcs + s.introducers > 0 {
            faults.push(format!(
                "{} OSC, {} DCS, {} string introducers reached the terminal",
                s.osc, s.dcs, s.introducers
            ));
            (s.osc, s.dcs, s.introducers) = (0, 0, 0);
        }
        let size = self.size;
        self.failures
            .extend(faults.into_iter().map(|f| format!("{size:?} {what}: {f}")));
    }
}

/// The terminal's cells against ratatui's, row by row.
fn compare(meant: &Grid, drawn: &Grid, faults: &mut Vec<String>) {
    for (y, (m, d)) in meant.iter().zip(drawn).enumerate() {
        if m != d {
            let x = m.iter().zip(d).position(|(a, b)| a != b).unwrap_or(0);
            let near = |g: &[String]| -> Vec<String> {
                g[x.saturating_sub(2)..(x + 3).min(g.len())]
                    .iter()
                    .map(|c| c.chars().take(6).collect())
                    .collect()
            };
            faults.push(format!(
                "row {y} differs from column {x}: meant {:?}, drawn {:?}",
                near(m),
                near(d)
            ));
        }
    }
}

/// Every pane's frame stands whole on every row (unless a popup covers it).
fn borders(g: &Grid, state: &State, faults: &mut Vec<String>) {
    if state.help || state.input.is_some() {
        return;
    }
    let a = state.areas();
    for r in [Some(a.sidebar), a.list, a.detail].into_iter().flatten() {
        if r.width < 2 || r.height < 2 {
            continue;
        }
        let (left, right) = (r.x as usize, r.right() as usize - 1);
        let (top, bottom) = (r.y as usize, r.bottom() as usize - 1);
        for (y, row) in g.iter().enumerate().take(bottom + 1).skip(top) {
            let (l, rr): (&[&str], &[&str]) = if y == top {
                (&["┌"], &["┐"])
            } else if y == bottom {
                (&["└"], &["┘"])
            } else {
                // The detail pane's scrollbar runs on its right border.
                (&["│"], &["│", "║", "█"])
            };
            if !l.contains(&row[left].as_str()) || !rr.contains(&row[right].as_str()) {
                faults.push(format!(
                    "pane {r:?} lost its border on row {y}: {:?}",
                    row.concat()
                ));
            }
        }
    }
}

fn world(strings: &[String], offset: usize, size: (u16, u16), fail_list: bool) -> World {
    let mut p = Hostile::new(strings, offset);
    p.fail_list = fail_list;
    let note = p.text(53);
    let mut w = state_with(vec![Arc::new(p)], size);
    let e = init(&mut w);
    pump(&mut w, e);
    w.providers[0].note = Some(note);
    w
}

/// A session over one provider: the list, help, the status line, a call's detail scrolled to
/// its end, an unreadable transcript, a detail that failed, the sidebar focused.
fn session(strings: &[String], offset: usize, size: (u16, u16)) -> Vec<String> {
    let mut s = Session::new(size);
    let mut w = world(strings, offset, size, false);
    s.frame(&w, "list");
    press(&mut w, KeyCode::Char('?'));
    s.frame(&w, "help");
    press(&mut w, KeyCode::Char('?'));
    w.set_status(strings[(offset + 56) % strings.len()].clone(), true);
    s.frame(&w, "status error");
    press(&mut w, KeyCode::Enter);
    s.frame(&w, "detail");
    for k in 0..12 {
        press(&mut w, KeyCode::PageDown);
        s.frame(&w, &format!("detail, page {}", k + 2));
    }
    press(&mut w, KeyCode::Char('G'));
    s.frame(&w, "detail, fields at the end");
    press(&mut w, KeyCode::Char('?'));
    s.frame(&w, "detail help");
    press(&mut w, KeyCode::Char('?'));
    for (call, what) in [(1, "unreadable transcript"), (2, "failed detail")] {
        press(&mut w, KeyCode::Esc);
        press(&mut w, KeyCode::Char('j'));
        press(&mut w, KeyCode::Enter);
        s.frame(&w, &format!("{what} (call {call})"));
        press(&mut w, KeyCode::PageDown);
        s.frame(&w, &format!("{what}, page 2"));
    }
    press(&mut w, KeyCode::Esc);
    press(&mut w, KeyCode::Tab);
    s.frame(&w, "sidebar");

    let failed = world(strings, offset, size, true);
    s.frame(&failed, "list that failed");
    s.failures
}

#[test]
fn hostile_strings_in_every_pane_stay_in_their_cells_and_send_no_sequences() {
    let strings = hostile::strings::all();
    assert!(strings.len() >= 40, "{} strings", strings.len());
    let mut failures = Vec::new();
    for size in [(40, 15), (80, 24), (132, 40)] {
        for offset in 0..strings.len() {
            failures.extend(session(&strings, offset, size));
        }
    }
    assert!(
        failures.is_empty(),
        "{} faults, the first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(12)].join("\n")
    );
}

/// Forty Hangul fillers before an agent's name and sixty line separators before a caller's
/// name push neither into another row nor out of sight; an unterminated OSC 52 hides nothing.
#[test]
fn fillers_separators_and_open_sequences_hide_nothing() {
    let mut p = callbrowser::fixtures::MemoryProvider::new("talkpilot", 3);
    p.scopes[0].name = format!("{}Spoof", "\u{3164}".repeat(40));
    p.calls[0].caller_name = Some(format!("{}Visible", "\u{2028}".repeat(60)));
    p.calls[0].summary = Some("\u{1b}]52;c;QQ== shown".into());
    let mut w = state_with(vec![p.arc()], (100, 24));
    let e = init(&mut w);
    pump(&mut w, e);
    let mut s = Session::new((100, 24));
    s.frame(&w, "list");
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
    let rows: Vec<String> = s.screen.cells.iter().map(|r| r.concat()).collect();
    // The sidebar: the provider, "all agents", then its agents one a row.
    assert!(rows[3].starts_with("│   all agents "), "{}", rows[3]);
    assert!(
        rows[4].starts_with("│   Spoof "),
        "{}",
        term::show(&s.screen.cells)
    );
    assert!(rows[5].starts_with("│   Front Desk"), "{}", rows[5]);
    // The list: the first call's row holds its caller and its summary.
    assert!(
        rows[3].contains(" Visible …00000000") && rows[3].contains("52;c;QQ== shown"),
        "{}",
        rows[3]
    );
}

/// A turn in Arabic (lam-alef drawn in two cells, measured by unicode-width as one) keeps its
/// bubble closed on every line, and its last word on screen.
#[test]
fn bubbles_of_arabic_turns_close_on_every_line() {
    let strings = ["سلام لا لا لا عليكم".to_string(), "hello there".to_string()];
    let mut w = state_with(vec![Arc::new(Hostile::new(&strings, 0))], (120, 40));
    let e = init(&mut w);
    pump(&mut w, e);
    press(&mut w, KeyCode::Enter);
    press(&mut w, KeyCode::PageDown);
    let mut s = Session::new((120, 40));
    s.frame(&w, "detail");
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
    let g = &s.screen.cells;
    let mut bubbles = 0;
    for (y, row) in g.iter().enumerate() {
        let Some(right) = row.iter().position(|c| c == "╮") else {
            continue;
        };
        bubbles += 1;
        for below in &g[y + 1..] {
            // Closed, or cut off by the bottom of the pane.
            if below[right] == "╯" || below[right] == "─" {
                break;
            }
            assert_eq!(below[right], "│", "{}", term::show(g));
        }
    }
    assert!(
        bubbles >= 2 && term::show(g).contains("عليكم │"),
        "{}",
        term::show(g)
    );
}

/// A detail error that ratatui's word wrap ended one cluster past the pane (over the border and
/// past the screen's edge, where the buffer panicked) stays inside it.
#[test]
fn a_detail_error_stays_in_its_pane() {
    for n in 48..56 {
        let mut w = loaded(3, (80, 24));
        press(&mut w, KeyCode::Enter);
        w.detail.error = Some(format!("a {}ᄀᄀᄀᄀx", "b".repeat(n)));
        let mut s = Session::new((80, 24));
        s.frame(&w, "detail error");
        assert!(s.failures.is_empty(), "{:#?}", s.failures);
    }
}

/// The emulator itself sees what it must: a raw escape sequence written by a broken program
/// would be caught.
#[test]
fn the_emulated_terminal_catches_sequences_and_spills() {
    let mut t = Term::new(10, 2);
    t.feed("\u{1b}]52;c;QQ==\u{7}\u{1b}P1$r\u{1b}\\\u{1b}_x\u{1b}\\".as_bytes());
    assert_eq!((t.osc, t.dcs), (1, 1));
    assert_eq!(t.introducers, 3);
    t.feed("\u{1b}[1;9H中中".as_bytes());
    assert!(!t.faults.is_empty(), "a wide character past the edge");
    let mut t = Term::new(4, 1);
    t.feed("a中b".as_bytes());
    assert_eq!(term::show(&t.cells), "a中b");
}
