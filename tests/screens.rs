//! Screens rendered into ratatui's TestBackend and compared with insta snapshots.

mod support;

use callbrowser::app::state::State;

use callbrowser::fixtures::MemoryProvider;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::*;

fn render(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(s.size.0, s.size.1)).unwrap();
    t.draw(|f| callbrowser::ui::draw(f, s)).unwrap();
    format!("{}", t.backend())
}

fn with_turns(size: (u16, u16), turns: usize) -> World {
    let mut p = MemoryProvider::new("talkpilot", 250);
    p.turns = turns;
    let mut s = state_with(vec![p.arc()], size);
    let e = callbrowser::app::update::init(&mut s);
    pump(&mut s, e);
    s
}

#[test]
fn main_screen_80x24() {
    insta::assert_snapshot!(render(&loaded(250, (80, 24))));
}

#[test]
fn main_screen_160x45() {
    insta::assert_snapshot!(render(&loaded(250, (160, 45))));
}

#[test]
fn detail_german_80x24() {
    let mut s = with_turns((80, 24), 10);
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(render(&s));
    // Further down: the transcript in the gutter layout.
    for _ in 0..8 {
        press(&mut s, KeyCode::Char('j'));
    }
    insta::assert_snapshot!("detail_german_80x24_scrolled", render(&s));
}

#[test]
fn detail_german_160x45() {
    let mut s = with_turns((160, 45), 10);
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn transcript_300_turns_searched_160x45() {
    let mut s = with_turns((160, 45), 300);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "versichertenkarte");
    press(&mut s, KeyCode::Enter);
    for _ in 0..40 {
        press(&mut s, KeyCode::Char('n'));
    }
    insta::assert_snapshot!(render(&s));
}

#[test]
fn transcript_300_turns_80x24() {
    let mut s = with_turns((80, 24), 300);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('G'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn help_is_generated_from_the_keymap() {
    // Tall enough for every key of the list at once (a small screen scrolls: tested below).
    let mut s = loaded(20, (80, 54));
    press(&mut s, KeyCode::Char('?'));
    let screen = render(&s);
    for b in callbrowser::app::keymap::bindings_for(s.focus) {
        assert!(
            screen.contains(b.help),
            "help lacks {:?}:\n{screen}",
            b.help
        );
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn vendor_text_is_sanitized_on_screen() {
    let mut p = MemoryProvider::new("talkpilot", 5);
    p.calls[0].caller_name = Some("Eve\u{1b}[31m\u{202E}evil\u{200B}".into());
    p.calls[0].summary = Some("line\u{7}one".into());
    let mut s = state_with(vec![p.arc()], (180, 30));
    let e = callbrowser::app::update::init(&mut s);
    pump(&mut s, e);
    let screen = render(&s);
    assert!(screen.contains("Eve⟪U+202E⟫evil"), "{screen}");
    assert!(
        !screen.contains('\u{202E}') && !screen.contains('\u{200B}') && !screen.contains("[31m")
    );
}

const MANY_KEYS: &[callbrowser::model::FilterKey] = &[
    callbrowser::model::FilterKey {
        name: "category",
        kind: callbrowser::model::FilterKind::Text,
        help: "",
    },
    callbrowser::model::FilterKey {
        name: "assistant",
        kind: callbrowser::model::FilterKind::Text,
        help: "",
    },
    callbrowser::model::FilterKey {
        name: "sessions_min",
        kind: callbrowser::model::FilterKind::Int,
        help: "",
    },
    callbrowser::model::FilterKey {
        name: "tag_mode",
        kind: callbrowser::model::FilterKind::Text,
        help: "",
    },
    callbrowser::model::FilterKey {
        name: "the_very_last_key",
        kind: callbrowser::model::FilterKind::Text,
        help: "",
    },
];

#[test]
fn help_wraps_and_scrolls_to_every_line_on_a_small_screen() {
    let mut p = MemoryProvider::new("talkpilot", 20);
    p.caps.provider_keys = MANY_KEYS;
    let mut s = state_with(vec![p.arc()], (60, 16));
    let e = callbrowser::app::update::init(&mut s);
    pump(&mut s, e);
    press(&mut s, KeyCode::Char('?'));
    let first = render(&s);
    assert!(first.contains("j k PgDn PgUp scroll"), "{first}");
    assert!(!first.contains("the_very_last_key:"), "{first}");
    press(&mut s, KeyCode::Char('G'));
    let last = render(&s);
    assert!(
        last.contains("the_very_last_key:"),
        "wrapped, not cut: {last}"
    );
    assert!(s.help, "scrolling keeps the help open");
    insta::assert_snapshot!(last);
    press(&mut s, KeyCode::Char('x'));
    assert!(!s.help, "any other key closes it");
}

#[test]
fn an_input_line_shows_its_own_keys_in_the_footer() {
    let mut s = loaded(20, (120, 30));
    press(&mut s, KeyCode::Char('/'));
    let screen = render(&s);
    let footer = screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        footer.contains("Enter apply") && footer.contains("Esc cancel"),
        "{footer}"
    );
    assert!(!footer.contains("open the call"), "{footer}");
}

/// The list and the open call in privacy mode: initials, numbers to their last two digits, the
/// transcript hidden, the PRIVACY marker in the title bar.
fn privacy_screen(size: (u16, u16)) -> String {
    let mut s = with_turns(size, 10);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('P'));
    let screen = render(&s);
    for c in &s.list.rows.calls {
        if let Some(n) = &c.caller_name {
            let surname = n.split_whitespace().last().unwrap();
            assert!(!screen.contains(surname), "{surname} on screen:\n{screen}");
        }
        if let Some(p) = &c.caller_number {
            assert!(
                !screen.contains(&p[..p.len() - 2]),
                "{p} on screen:\n{screen}"
            );
        }
    }
    assert!(screen.contains("PRIVACY"));
    screen
}

#[test]
fn privacy_mode_80x24() {
    insta::assert_snapshot!(privacy_screen((80, 24)));
}

#[test]
fn privacy_mode_list_80x24() {
    let mut s = loaded(250, (80, 24));
    press(&mut s, KeyCode::Char('P'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn privacy_mode_60x20() {
    insta::assert_snapshot!(privacy_screen((60, 20)));
}

#[test]
fn privacy_mode_160x45() {
    insta::assert_snapshot!(privacy_screen((160, 45)));
}
