//! Privacy mode through `update`: `P` toggles it, `R` reveals one call's transcript (and only
//! that call's), and it turns on by itself after the configured idle time, on the state's clock.

mod support;

use std::cell::Cell;
use std::time::Duration;

use callbrowser::app::msg::{Msg, Subscription};
use callbrowser::app::state::PrivacyState;
use callbrowser::app::update::{subscriptions, update};
use callbrowser::fixtures::fixed_now;
use callbrowser::privacy::TRANSCRIPT_HIDDEN;
use chrono::{DateTime, Utc};
use crossterm::event::KeyCode;
use support::*;

fn detail_text(s: &World) -> String {
    s.detail
        .layout
        .as_ref()
        .map(|l| {
            l.lines
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[test]
fn p_toggles_privacy_mode_with_a_status_line() {
    let mut s = loaded(40, (120, 30));
    assert!(!s.privacy.on);
    press(&mut s, KeyCode::Char('P'));
    assert!(s.privacy.on);
    assert!(
        s.status.text.starts_with("privacy mode on"),
        "{}",
        s.status.text
    );
    assert!(!s.status.is_error);
    press(&mut s, KeyCode::Char('P'));
    assert!(!s.privacy.on);
    assert!(
        s.status.text.starts_with("privacy mode off"),
        "{}",
        s.status.text
    );
}

#[test]
fn the_open_call_is_masked_and_its_transcript_hidden_until_revealed() {
    let mut s = loaded(40, (120, 30));
    press(&mut s, KeyCode::Enter);
    let name = s
        .detail
        .detail
        .as_ref()
        .unwrap()
        .call
        .caller_name
        .clone()
        .unwrap();
    let plain = detail_text(&s);
    assert!(plain.contains(&name) && !plain.contains(TRANSCRIPT_HIDDEN));

    press(&mut s, KeyCode::Char('P'));
    let masked = detail_text(&s);
    assert!(!masked.contains(&name), "{masked}");
    assert!(masked.contains(TRANSCRIPT_HIDDEN), "{masked}");
    // A search finds nothing hidden.
    assert!(s.detail.layout.as_ref().unwrap().turn_lines.is_empty());

    // R reveals this call's transcript; names stay masked.
    press(&mut s, KeyCode::Char('R'));
    let revealed = detail_text(&s);
    assert!(!revealed.contains(TRANSCRIPT_HIDDEN), "{revealed}");
    let header = revealed.lines().next().unwrap();
    assert!(!header.contains(&name), "{header}");
    assert!(s.status.text.contains("revealed"), "{}", s.status.text);

    // Another call: hidden.
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Enter);
    assert!(detail_text(&s).contains(TRANSCRIPT_HIDDEN));
    // Back to the first: hidden again (a shared screen does not show it by itself).
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char('k'));
    press(&mut s, KeyCode::Enter);
    assert!(detail_text(&s).contains(TRANSCRIPT_HIDDEN));
    press(&mut s, KeyCode::Char('R'));
    assert!(!detail_text(&s).contains(TRANSCRIPT_HIDDEN));
    // R again hides it.
    press(&mut s, KeyCode::Char('R'));
    assert!(detail_text(&s).contains(TRANSCRIPT_HIDDEN));
    press(&mut s, KeyCode::Char('R'));

    // Turning privacy mode off and on again forgets what was revealed.
    press(&mut s, KeyCode::Char('P'));
    assert!(!detail_text(&s).contains(TRANSCRIPT_HIDDEN));
    press(&mut s, KeyCode::Char('P'));
    assert!(detail_text(&s).contains(TRANSCRIPT_HIDDEN));
}

#[test]
fn r_with_privacy_off_changes_nothing() {
    let mut s = loaded(40, (120, 30));
    press(&mut s, KeyCode::Enter);
    let before = detail_text(&s);
    press(&mut s, KeyCode::Char('R'));
    assert_eq!(detail_text(&s), before);
    assert!(s.privacy.revealed.is_empty());
    assert!(
        s.status.text.contains("privacy mode is off"),
        "{}",
        s.status.text
    );
}

thread_local! {
    /// Seconds past `fixed_now` on this test's clock.
    static ELAPSED: Cell<i64> = const { Cell::new(0) };
}

fn clock() -> DateTime<Utc> {
    fixed_now() + chrono::Duration::seconds(ELAPSED.with(Cell::get))
}

fn at(secs: i64) {
    ELAPSED.with(|e| e.set(secs));
}

fn idle_timer(s: &World) -> Option<(u64, Duration)> {
    subscriptions(s).into_iter().find_map(|sub| match sub {
        Subscription::IdleTimer { round, after } => Some((round, after)),
        _ => None,
    })
}

#[test]
fn privacy_turns_on_after_the_idle_time_without_a_key() {
    let mut s = loaded(40, (120, 30));
    at(0);
    s.now = clock;
    // No idle time configured: no timer.
    assert_eq!(idle_timer(&s), None);
    s.privacy = PrivacyState::new(false, 60);
    assert_eq!(idle_timer(&s), Some((0, Duration::from_secs(60))));

    // A key at 30 s: the timer of round 0 comes due at 60 s, finds 30 s of idleness, and the
    // next round waits for the rest.
    at(30);
    press(&mut s, KeyCode::Char('j'));
    at(60);
    update(&mut s, Msg::IdleTick { round: 0 });
    assert!(!s.privacy.on);
    assert_eq!(idle_timer(&s), Some((1, Duration::from_secs(30))));
    // A stale tick changes nothing.
    at(120);
    update(&mut s, Msg::IdleTick { round: 0 });
    assert!(!s.privacy.on);

    at(90);
    update(&mut s, Msg::IdleTick { round: 1 });
    assert!(s.privacy.on);
    assert!(
        s.status.text.contains("privacy mode turned on after 60 s"),
        "{}",
        s.status.text
    );
    // On: no timer; off again by hand: a fresh one from that key press.
    assert_eq!(idle_timer(&s), None);
    at(100);
    press(&mut s, KeyCode::Char('P'));
    assert!(!s.privacy.on);
    assert_eq!(idle_timer(&s), Some((2, Duration::from_secs(60))));
}

#[test]
fn with_no_key_since_the_start_the_first_tick_turns_it_on() {
    let mut s = loaded(10, (120, 30));
    s.privacy = PrivacyState::new(false, 5);
    update(&mut s, Msg::IdleTick { round: 0 });
    assert!(s.privacy.on);
}

#[test]
fn a_privacy_default_starts_on() {
    let mut s = loaded(10, (120, 30));
    s.privacy = PrivacyState::new(true, 0);
    assert!(s.privacy.on);
    assert_eq!(idle_timer(&s), None);
}
