//! Filter dates are read in the zone the user chose (`--utc`), not the machine's. Its own test
//! binary: it sets `TZ` for the whole process.

mod support;

use callbrowser::model::TimeZoneSetting;
use crossterm::event::KeyCode;
use support::*;

#[test]
fn filter_dates_follow_the_chosen_zone() {
    // SAFETY: set before any other thread of this test binary reads the environment.
    unsafe { std::env::set_var("TZ", "Pacific/Kiritimati") }; // UTC+14: a different day
    let mut s = loaded(10, (160, 45));
    assert_eq!(s.time_zone, TimeZoneSetting::Utc);
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "from:2026-03-01");
    press(&mut s, KeyCode::Enter);
    assert_eq!(
        s.list.filter.filter.from,
        Some("2026-03-01T00:00:00Z".parse().unwrap()),
        "midnight in UTC, as the screen shows times"
    );
    // In the local zone, local midnight.
    s.time_zone = TimeZoneSetting::Local;
    press(&mut s, KeyCode::Char('/'));
    for _ in 0.."from:2026-03-01".len() {
        press(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "from:2026-03-02");
    press(&mut s, KeyCode::Enter);
    assert_eq!(
        s.list.filter.filter.from,
        Some("2026-03-01T10:00:00Z".parse().unwrap())
    );
}
