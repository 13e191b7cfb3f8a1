//! The one generator of call times: unique moments in the office hours of a practice, over the
//! days before `now`, newest first. Each emulator describes its practice with [`OfficeHours`];
//! the draws from the RNG are the same for every emulator (so a seed gives the same data).

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Days, TimeDelta, Utc, Weekday};

use super::{chance, pick_weighted};

/// When a practice takes calls.
#[derive(Clone, Copy, Debug)]
pub struct OfficeHours {
    /// Local hours a call may start in, with their relative weights.
    pub hours: &'static [u32],
    pub weights: &'static [u32],
    /// Share of Saturdays and Sundays kept (`None`: every day alike, no draw).
    pub weekend_keep: Option<(f64, f64)>,
    /// Offset of local time from UTC, in hours.
    pub tz_hours: i64,
    /// A call falls on one of the local days `0..=days_back` before today.
    pub days_back: u64,
    /// Calls start strictly after `now - oldest` …
    pub oldest: TimeDelta,
    /// … and strictly before `now - newest`.
    pub newest: TimeDelta,
    /// Give up after this many draws (fewer calls then).
    pub max_attempts: u32,
}

/// Up to `count` unique call start times at office hours, newest first.
pub fn call_times(
    rng: &mut fastrand::Rng,
    now: DateTime<Utc>,
    hours: &OfficeHours,
    count: usize,
) -> Vec<DateTime<Utc>> {
    let tz = TimeDelta::hours(hours.tz_hours);
    let local_today = (now + tz).date_naive();
    let earliest = now - hours.oldest;
    let latest = now - hours.newest;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(count);
    let mut attempts = 0u32;
    while out.len() < count && attempts < hours.max_attempts {
        attempts += 1;
        let Some(day) = local_today.checked_sub_days(Days::new(rng.u64(0..=hours.days_back)))
        else {
            continue;
        };
        if let Some((sat, sun)) = hours.weekend_keep {
            let keep = match day.weekday() {
                Weekday::Sat => sat,
                Weekday::Sun => sun,
                _ => 1.0,
            };
            if !chance(rng, keep) {
                continue;
            }
        }
        let hour = hours.hours[pick_weighted(rng, hours.weights)];
        let Some(local) = day.and_hms_opt(hour, rng.u32(0..60), rng.u32(0..60)) else {
            continue;
        };
        let utc = local.and_utc() - tz;
        if utc <= earliest || utc >= latest || !seen.insert(utc) {
            continue;
        }
        out.push(utc);
    }
    out.sort_by(|a, b| b.cmp(a));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    const HOURS: OfficeHours = OfficeHours {
        hours: &[9, 10, 11],
        weights: &[1, 2, 1],
        weekend_keep: Some((0.0, 0.0)),
        tz_hours: -5,
        days_back: 20,
        oldest: TimeDelta::days(20),
        newest: TimeDelta::minutes(5),
        max_attempts: 100_000,
    };

    fn now() -> DateTime<Utc> {
        "2026-03-20T15:00:00Z".parse().unwrap()
    }

    #[test]
    fn times_are_unique_newest_first_and_in_office_hours() {
        let mut rng = fastrand::Rng::with_seed(1);
        let times = call_times(&mut rng, now(), &HOURS, 40);
        assert_eq!(times.len(), 40);
        assert!(times.windows(2).all(|w| w[0] > w[1]));
        for t in &times {
            let local = *t - TimeDelta::hours(5);
            assert!((9..12).contains(&local.hour()), "{t}");
            assert!(!matches!(local.weekday(), Weekday::Sat | Weekday::Sun));
            assert!(*t > now() - TimeDelta::days(20) && *t < now() - TimeDelta::minutes(5));
        }
    }

    #[test]
    fn same_seed_same_times() {
        let a = call_times(&mut fastrand::Rng::with_seed(9), now(), &HOURS, 30);
        let b = call_times(&mut fastrand::Rng::with_seed(9), now(), &HOURS, 30);
        let c = call_times(&mut fastrand::Rng::with_seed(10), now(), &HOURS, 30);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn without_weekend_shares_no_day_is_skipped_and_no_draw_is_spent() {
        // Every day alike: the draws are day, hour, minute, second (nothing for the weekday).
        let every_day = OfficeHours {
            hours: &[13],
            weights: &[1],
            weekend_keep: None,
            tz_hours: 0,
            days_back: 19,
            oldest: TimeDelta::days(21),
            ..HOURS
        };
        let mut rng = fastrand::Rng::with_seed(3);
        let t = call_times(&mut rng, now(), &every_day, 1)[0];
        let mut manual = fastrand::Rng::with_seed(3);
        let day = now().date_naive() - TimeDelta::days(manual.i64(0..20));
        manual.u32(..1);
        let expected = day
            .and_hms_opt(13, manual.u32(0..60), manual.u32(0..60))
            .unwrap()
            .and_utc();
        assert_eq!(t, expected);
    }

    #[test]
    fn too_few_attempts_give_fewer_times() {
        let stingy = OfficeHours {
            max_attempts: 3,
            ..HOURS
        };
        let times = call_times(&mut fastrand::Rng::with_seed(1), now(), &stingy, 40);
        assert!(times.len() <= 3);
    }
}
