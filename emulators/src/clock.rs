//! Time formats the emulators write and read.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, SecondsFormat, Utc, Weekday};

/// RFC 3339 in whole seconds, UTC with `Z` (`2026-03-18T14:22:00Z`).
pub fn rfc3339_secs(d: &DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// RFC 3339 with milliseconds, UTC with `Z` (`2026-03-18T14:22:00.000Z`).
pub fn rfc3339_millis(d: &DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// What a bare date stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateAt {
    /// Midnight UTC.
    Midnight,
    /// The day's last millisecond (UTC).
    EndOfDay,
}

/// An ISO 8601 date-time as a vendor reads one: RFC 3339 (any offset), a date-time without zone
/// in one of `naive_formats` (taken as UTC), or a date (`%Y-%m-%d`, see [`DateAt`]).
pub fn parse_iso(s: &str, naive_formats: &[&str], date_at: DateAt) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in naive_formats {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc());
        }
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    match date_at {
        DateAt::Midnight => d.and_hms_opt(0, 0, 0),
        DateAt::EndOfDay => d.and_hms_milli_opt(23, 59, 59, 999),
    }
    .map(|d| d.and_utc())
}

/// The naive date-time forms most vendors accept.
pub const T_FORMATS: [&str; 3] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
];

/// Saturday or Sunday.
pub fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The day `n` business days (Monday to Friday) after (`forward`) or before `d`.
pub fn shift_business_days(d: NaiveDate, n: u64, forward: bool) -> NaiveDate {
    let mut d = d;
    let mut k = 0;
    let mut guard = 0;
    while k < n && guard < 100 {
        guard += 1;
        let next = if forward {
            d.checked_add_days(Days::new(1))
        } else {
            d.checked_sub_days(Days::new(1))
        };
        let Some(next) = next else { break };
        d = next;
        if !is_weekend(d) {
            k += 1;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_skip_weekends() {
        let fri = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
        let mon = NaiveDate::from_ymd_opt(2026, 3, 23).unwrap();
        assert_eq!(shift_business_days(fri, 1, true), mon);
        assert_eq!(shift_business_days(mon, 1, false), fri);
        assert_eq!(shift_business_days(fri, 0, true), fri);
        assert_eq!(
            shift_business_days(fri, 6, true),
            NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()
        );
        assert!(is_weekend(NaiveDate::from_ymd_opt(2026, 3, 22).unwrap()));
    }

    #[test]
    fn formats() {
        let d: DateTime<Utc> = "2026-03-18T14:22:00.5Z".parse().unwrap();
        assert_eq!(rfc3339_secs(&d), "2026-03-18T14:22:00Z");
        assert_eq!(rfc3339_millis(&d), "2026-03-18T14:22:00.500Z");
    }

    #[test]
    fn parsing_follows_the_given_forms() {
        let p = |s| parse_iso(s, &T_FORMATS, DateAt::Midnight).map(|d| rfc3339_millis(&d));
        assert_eq!(
            p("2026-03-18T14:22:00+01:00").unwrap(),
            "2026-03-18T13:22:00.000Z"
        );
        assert_eq!(p("2026-03-18T14:22").unwrap(), "2026-03-18T14:22:00.000Z");
        assert_eq!(p("2026-03-18").unwrap(), "2026-03-18T00:00:00.000Z");
        assert_eq!(p("2026-03-18 14:22:00"), None);
        assert_eq!(p("yesterday"), None);
        let end = parse_iso("2026-03-18", &[], DateAt::EndOfDay).unwrap();
        assert_eq!(rfc3339_millis(&end), "2026-03-18T23:59:59.999Z");
        let spaced = parse_iso(
            "2026-03-18 14:22:00",
            &["%Y-%m-%d %H:%M:%S"],
            DateAt::Midnight,
        );
        assert!(spaced.is_some());
    }
}
