//! The filter line: free text plus `key:value` tokens, one vocabulary across providers.
//!
//! A provider declares which keys its server applies ([`super::Capabilities::server_filters`]);
//! the rest of a valid filter is applied to what was loaded ([`Filter::matches_local`]). `phone:`
//! means "the caller's number contains these digits"; a server that only matches a number
//! exactly declares [`Filter::PHONE_EXACT`] and gets it only when the value is a whole number.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use super::{Call, Capabilities, Direction, TimeZoneSetting};

/// The value a provider-specific key takes.
#[derive(Clone, Copy, Debug)]
pub enum FilterKind {
    Bool,
    Text,
    Int,
    Enum(&'static [&'static str]),
}

/// A provider-specific filter key.
#[derive(Clone, Copy, Debug)]
pub struct FilterKey {
    pub name: &'static str,
    pub kind: FilterKind,
    pub help: &'static str,
}

/// Keys every provider understands (applied locally where the server cannot).
pub const GENERIC_KEYS: &[(&str, &str)] = &[
    (
        "from",
        "from:2026-03-01 — calls on or after a date (or RFC 3339 time)",
    ),
    ("to", "to:2026-03-31 — calls on or before a date"),
    (
        "since",
        "since:7d — the last N days (d), hours (h) or weeks (w)",
    ),
    ("today", "today — calls since local midnight"),
    ("yesterday", "yesterday — calls of the previous local day"),
    ("dir", "dir:in|out|web — direction"),
    ("status", "status:… — the vendor's status"),
    (
        "phone",
        "phone:+4930123456 — the caller's number, or phone:0142 — digits it contains",
    ),
    ("dur", "dur>60, dur<2m — duration in seconds (or m)"),
    ("has", "has:recording|transcript"),
];

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("unknown filter key '{key}': allowed are {allowed}")]
    UnknownKey { key: String, allowed: String },
    #[error("bad value '{value}' for '{key}': expected {expected}")]
    BadValue {
        key: String,
        value: String,
        expected: String,
    },
    #[error("unclosed quote in filter")]
    UnclosedQuote,
}

/// A parsed filter. Empty fields mean "no constraint".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Free text (all bare words joined with single spaces).
    pub text: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub direction: Option<Direction>,
    pub status: Option<String>,
    pub phone: Option<String>,
    pub min_duration_secs: Option<f64>,
    pub max_duration_secs: Option<f64>,
    pub has_recording: Option<bool>,
    pub has_transcript: Option<bool>,
    /// Provider-specific keys, validated against the provider's [`FilterKey`]s.
    pub extra: BTreeMap<String, String>,
}

fn tokenize(input: &str) -> Result<Vec<String>, FilterError> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut any = false;
    for ch in input.chars() {
        match ch {
            '"' => {
                in_quote = !in_quote;
                any = true;
            }
            c if c.is_whitespace() && !in_quote => {
                if any {
                    tokens.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if in_quote {
        return Err(FilterError::UnclosedQuote);
    }
    if any {
        tokens.push(cur);
    }
    Ok(tokens)
}

fn parse_bool(key: &str, v: &str) -> Result<bool, FilterError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(FilterError::BadValue {
            key: key.into(),
            value: v.into(),
            expected: "true or false".into(),
        }),
    }
}

fn parse_secs(key: &str, v: &str) -> Result<f64, FilterError> {
    let bad = || FilterError::BadValue {
        key: key.into(),
        value: v.into(),
        expected: "a number of seconds, or minutes with m (90, 2m)".into(),
    };
    let (num, mult) = match v.strip_suffix('m') {
        Some(n) => (n, 60.0),
        None => (v.strip_suffix('s').unwrap_or(v), 1.0),
    };
    let n: f64 = num.parse().map_err(|_| bad())?;
    if !n.is_finite() || n < 0.0 {
        return Err(bad());
    }
    let secs = n * mult;
    if secs > MAX_DURATION_SECS {
        return Err(FilterError::BadValue {
            key: key.into(),
            value: v.into(),
            expected: format!("at most {MAX_DURATION_SECS} s (a week): no call lasts longer"),
        });
    }
    Ok(secs)
}

/// The longest duration a filter takes (`dur>…`): a week.
const MAX_DURATION_SECS: f64 = 7.0 * 86_400.0;
/// The furthest back `since:` reaches: a hundred years.
const MAX_SINCE_DAYS: i64 = 36_525;

/// A date (`2026-03-01`, local midnight) or an RFC 3339 time. `end_of_day` moves a bare date to
/// the last second of that local day (for `to:`).
fn parse_when<Tz: TimeZone>(
    key: &str,
    v: &str,
    tz: &Tz,
    end_of_day: bool,
) -> Result<DateTime<Utc>, FilterError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| FilterError::BadValue {
        key: key.into(),
        value: v.into(),
        expected: "a date like 2026-03-01 or a time like 2026-03-01T09:00:00Z".into(),
    })?;
    Ok(if end_of_day {
        local_midnight(tz, date + Duration::days(1)) - Duration::seconds(1)
    } else {
        local_midnight(tz, date)
    })
}

/// A number as people type it, without spaces, dashes, dots, slashes and parentheses.
fn strip_phone_separators(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | '(' | ')'))
        .collect()
}

fn local_midnight<Tz: TimeZone>(tz: &Tz, date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_time(NaiveTime::MIN);
    match tz.from_local_datetime(&naive).earliest() {
        Some(t) => t.with_timezone(&Utc),
        // A day that starts inside a DST gap: fall back to UTC midnight of that date.
        None => Utc.from_utc_datetime(&naive),
    }
}

impl Filter {
    /// Listed in [`Capabilities::server_filters`] instead of `"phone"` by a provider whose server
    /// matches the caller's number only exactly: `phone:` is then sent only when its value is a
    /// whole number ([`Filter::whole_phone`]), and a part of a number is applied locally.
    pub const PHONE_EXACT: &'static str = "phone:exact";

    /// The `phone:` value when it is a whole number: `+` and 8–15 digits once spaces, dashes,
    /// dots, slashes and parentheses are removed (E.164, as the APIs store numbers).
    pub fn whole_phone(&self) -> Option<String> {
        let kept = strip_phone_separators(self.phone.as_deref()?);
        let digits = kept.strip_prefix('+')?;
        ((8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()))
            .then_some(kept)
    }

    /// Whether the provider's server applies this filter's `key` (the rest is applied locally).
    pub fn applied_by_server(&self, key: &str, caps: &Capabilities) -> bool {
        caps.server_filters.contains(&key)
            || (key == "phone"
                && caps.server_filters.contains(&Self::PHONE_EXACT)
                && self.whole_phone().is_some())
    }

    /// Parses a filter line at `now`, reading dates (`from:`, `today`, …) in the zone the user
    /// chose (`--utc` or `time_zone` in the config), as they are shown.
    pub fn parse_at(
        input: &str,
        caps: &Capabilities,
        now: DateTime<Utc>,
        zone: TimeZoneSetting,
    ) -> Result<Filter, FilterError> {
        match zone {
            TimeZoneSetting::Utc => Filter::parse(input, caps, now),
            TimeZoneSetting::Local => Filter::parse(input, caps, now.with_timezone(&chrono::Local)),
        }
    }

    /// The part of this filter the provider's server applies: two filters with the same server
    /// part fetch the same calls, and differ only in what is applied to them once loaded.
    pub fn server_part(&self, caps: &Capabilities) -> Filter {
        let on = |k: &str| self.applied_by_server(k, caps);
        let keep = |k: &str, v: &Option<String>| v.clone().filter(|_| on(k));
        Filter {
            text: keep("text", &self.text),
            from: self.from.filter(|_| on("from")),
            to: self.to.filter(|_| on("to")),
            direction: self.direction.filter(|_| on("dir")),
            status: keep("status", &self.status),
            phone: keep("phone", &self.phone),
            min_duration_secs: self.min_duration_secs.filter(|_| on("dur")),
            max_duration_secs: self.max_duration_secs.filter(|_| on("dur")),
            has_recording: self.has_recording.filter(|_| on("has")),
            has_transcript: self.has_transcript.filter(|_| on("has")),
            extra: self
                .extra
                .iter()
                .filter(|(k, _)| on(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// Parses a filter line against a provider's capabilities, with `now` in the user's time zone.
    pub fn parse<Tz: TimeZone>(
        input: &str,
        caps: &Capabilities,
        now: DateTime<Tz>,
    ) -> Result<Filter, FilterError> {
        let mut f = Filter::default();
        let mut words: Vec<String> = Vec::new();
        for tok in tokenize(input)? {
            if f.day_word(&tok, &now) || f.duration_bound(&tok)? {
                continue;
            }
            let Some((key, value)) = tok.split_once(':') else {
                words.push(tok);
                continue;
            };
            // "https://…" or a time "10:30" in free text is not a key.
            if key.is_empty() || value.starts_with("//") || key.chars().any(|c| c.is_ascii_digit())
            {
                words.push(tok);
                continue;
            }
            f.set(key, value, caps, &now)?;
        }
        if !words.is_empty() {
            f.text = Some(words.join(" "));
        }
        Ok(f)
    }

    /// `today` or `yesterday`, in `now`'s zone.
    fn day_word<Tz: TimeZone>(&mut self, tok: &str, now: &DateTime<Tz>) -> bool {
        let tz = now.timezone();
        let today = now.date_naive();
        let start = local_midnight(&tz, today);
        match tok.to_ascii_lowercase().as_str() {
            "today" => self.from = Some(start),
            "yesterday" => {
                self.from = Some(local_midnight(&tz, today - Duration::days(1)));
                self.to = Some(start - Duration::seconds(1));
            }
            _ => return false,
        }
        true
    }

    /// `dur>60`, `dur<2m`, `dur>=…`, `dur<=…`.
    fn duration_bound(&mut self, tok: &str) -> Result<bool, FilterError> {
        let lower = tok.to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix("dur") else {
            return Ok(false);
        };
        let Some(op) = ["<=", ">=", "<", ">"]
            .iter()
            .find(|op| rest.starts_with(**op))
        else {
            return Ok(false);
        };
        let secs = parse_secs("dur", &tok[3 + op.len()..])?;
        match *op {
            ">" | ">=" => self.min_duration_secs = Some(secs),
            _ => self.max_duration_secs = Some(secs),
        }
        Ok(true)
    }

    /// One `key:value` token.
    fn set<Tz: TimeZone>(
        &mut self,
        key: &str,
        value: &str,
        caps: &Capabilities,
        now: &DateTime<Tz>,
    ) -> Result<(), FilterError> {
        let tz = now.timezone();
        let key_l = key.to_ascii_lowercase();
        let bad = |expected: &str| FilterError::BadValue {
            key: key_l.clone(),
            value: value.to_string(),
            expected: expected.to_string(),
        };
        match key_l.as_str() {
            "from" => self.from = Some(parse_when("from", value, &tz, false)?),
            "to" => self.to = Some(parse_when("to", value, &tz, true)?),
            "since" => {
                let span =
                    parse_span(value).ok_or_else(|| bad("a count with d, h or w (7d, 12h, 2w)"))?;
                let from = (span <= Duration::days(MAX_SINCE_DAYS))
                    .then(|| now.with_timezone(&Utc).checked_sub_signed(span))
                    .flatten();
                let Some(from) = from else {
                    return Err(bad(&format!(
                        "a span of at most {MAX_SINCE_DAYS} days (a hundred years)"
                    )));
                };
                self.from = Some(from);
            }
            "dir" => {
                self.direction = Some(match value.to_ascii_lowercase().as_str() {
                    "in" | "inbound" => Direction::Inbound,
                    "out" | "outbound" => Direction::Outbound,
                    "web" => Direction::Web,
                    _ => return Err(bad("in, out or web")),
                })
            }
            "status" if !value.is_empty() => self.status = Some(value.to_string()),
            "phone" => {
                let kept = strip_phone_separators(value);
                let digits = kept.strip_prefix('+').unwrap_or(&kept);
                if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                    return Err(bad(
                        "a phone number or some of its digits (+4930123456, 0142)",
                    ));
                }
                self.phone = Some(value.to_string());
            }
            "has" => match value.to_ascii_lowercase().as_str() {
                "recording" => self.has_recording = Some(true),
                "transcript" => self.has_transcript = Some(true),
                _ => return Err(bad("recording or transcript")),
            },
            _ => {
                let v = provider_value(key, &key_l, value, caps)?;
                self.extra.insert(key_l, v);
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// The names of the constraints this filter sets ("text", "from", "to", "dir", …, extra keys).
    pub fn keys_used(&self) -> Vec<&str> {
        let mut keys = Vec::new();
        let generic = [
            ("text", self.text.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("dir", self.direction.is_some()),
            ("status", self.status.is_some()),
            ("phone", self.phone.is_some()),
            (
                "dur",
                self.min_duration_secs.is_some() || self.max_duration_secs.is_some(),
            ),
            (
                "has",
                self.has_recording.is_some() || self.has_transcript.is_some(),
            ),
        ];
        keys.extend(generic.iter().filter(|(_, on)| *on).map(|(k, _)| *k));
        keys.extend(self.extra.keys().map(String::as_str));
        keys
    }

    /// The keys of this filter the provider's server does not apply (the screen says which).
    pub fn local_keys(&self, caps: &Capabilities) -> Vec<String> {
        self.keys_used()
            .into_iter()
            .filter(|k| !self.applied_by_server(k, caps))
            .map(str::to_string)
            .collect()
    }

    /// Whether a loaded call passes the part of the filter the server did not apply.
    pub fn matches_local(&self, call: &Call, caps: &Capabilities) -> bool {
        let local = |k: &str| !self.applied_by_server(k, caps);
        if local("text")
            && let Some(t) = &self.text
        {
            let t = t.to_lowercase();
            let hit = [&call.caller_name, &call.caller_number, &call.summary]
                .iter()
                .any(|f| f.as_deref().is_some_and(|s| s.to_lowercase().contains(&t)));
            if !hit {
                return false;
            }
        }
        if local("from")
            && self
                .from
                .is_some_and(|from| call.started_at.is_none_or(|s| s < from))
        {
            return false;
        }
        if local("to")
            && self
                .to
                .is_some_and(|to| call.started_at.is_none_or(|s| s > to))
        {
            return false;
        }
        if local("dir") && self.direction.is_some() && call.direction != self.direction {
            return false;
        }
        if local("status")
            && let Some(st) = &self.status
            && !call
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(st))
        {
            return false;
        }
        if local("phone")
            && let Some(p) = &self.phone
        {
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            let want = digits(p);
            if !call
                .caller_number
                .as_deref()
                .is_some_and(|n| digits(n).contains(&want))
            {
                return false;
            }
        }
        if local("dur") {
            let d = call.duration_secs.unwrap_or(0.0);
            if self.min_duration_secs.is_some_and(|m| d <= m) {
                return false;
            }
            if self.max_duration_secs.is_some_and(|m| d >= m) {
                return false;
            }
        }
        if local("has") {
            if self.has_recording == Some(true) && call.has_recording == Some(false) {
                return false;
            }
            if self.has_transcript == Some(true) && call.has_transcript == Some(false) {
                return false;
            }
        }
        for (k, v) in &self.extra {
            if local(k) {
                let field = call.fields.iter().find(|(fk, _)| fk == k);
                if !field.is_some_and(|(_, fv)| fv.eq_ignore_ascii_case(v)) {
                    return false;
                }
            }
        }
        true
    }
}

/// `7d`, `12h`, `2w` as a span of time.
/// `7d`, `12h`, `2w` as a span of time (`None` for anything else; a span too large to hold is
/// [`Duration::MAX`], for the caller's range check to name).
fn parse_span(value: &str) -> Option<Duration> {
    let unit = value.chars().last()?;
    let n: i64 = value[..value.len() - unit.len_utf8()].parse().ok()?;
    if n < 0 {
        return None;
    }
    let span = match unit {
        'd' => Duration::try_days(n),
        'h' => Duration::try_hours(n),
        'w' => Duration::try_weeks(n),
        _ => return None,
    };
    Some(span.unwrap_or(Duration::MAX))
}

/// The value of a provider's own key, checked against its kind.
fn provider_value(
    key: &str,
    key_l: &str,
    value: &str,
    caps: &Capabilities,
) -> Result<String, FilterError> {
    let bad = |expected: &str| FilterError::BadValue {
        key: key_l.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    };
    let Some(pk) = caps.provider_keys.iter().find(|k| k.name == key_l) else {
        if GENERIC_KEYS.iter().any(|(k, _)| *k == key_l) {
            return Err(bad("a value"));
        }
        return Err(FilterError::UnknownKey {
            key: key.to_string(),
            allowed: allowed_keys(caps),
        });
    };
    Ok(match pk.kind {
        FilterKind::Bool => parse_bool(pk.name, value)?.to_string(),
        FilterKind::Int => value
            .parse::<i64>()
            .map_err(|_| bad("a whole number"))?
            .to_string(),
        FilterKind::Text if value.is_empty() => return Err(bad("some text")),
        FilterKind::Text => value.to_string(),
        FilterKind::Enum(allowed) => {
            let v = value.to_ascii_lowercase();
            match allowed.iter().find(|a| a.eq_ignore_ascii_case(&v)) {
                Some(a) => a.to_string(),
                None => return Err(bad(&allowed.join(", "))),
            }
        }
    })
}

fn allowed_keys(caps: &Capabilities) -> String {
    let mut keys: Vec<&str> = GENERIC_KEYS
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| *k != "today" && *k != "yesterday")
        .collect();
    keys.extend(caps.provider_keys.iter().map(|k| k.name));
    format!("{} (plus today, yesterday and free text)", keys.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    const KEYS: &[FilterKey] = &[FilterKey {
        name: "done",
        kind: FilterKind::Bool,
        help: "",
    }];

    fn caps() -> Capabilities {
        Capabilities {
            scope_noun: Some("agent"),
            has_detail: true,
            has_transcripts: true,
            has_recordings: true,
            has_live: false,
            max_page_size: 100,
            server_filters: &["text", "from", "to", "done"],
            provider_keys: KEYS,
        }
    }

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-03-20T15:00:00+01:00").unwrap()
    }

    #[test]
    fn parses_keys_words_and_dates() {
        let f = Filter::parse(
            "Hans done:no from:2026-03-01 dir:in dur>2m rechnung",
            &caps(),
            now(),
        )
        .unwrap();
        assert_eq!(f.text.as_deref(), Some("Hans rechnung"));
        assert_eq!(f.extra.get("done").map(String::as_str), Some("false"));
        assert_eq!(f.from.unwrap().to_rfc3339(), "2026-02-28T23:00:00+00:00");
        assert_eq!(f.direction, Some(Direction::Inbound));
        assert_eq!(f.min_duration_secs, Some(120.0));
        assert_eq!(f.local_keys(&caps()), vec!["dir", "dur"]);
    }

    #[test]
    fn today_yesterday_since_and_to() {
        let f = Filter::parse("yesterday", &caps(), now()).unwrap();
        assert_eq!(f.from.unwrap().to_rfc3339(), "2026-03-18T23:00:00+00:00");
        assert_eq!(f.to.unwrap().to_rfc3339(), "2026-03-19T22:59:59+00:00");
        let f = Filter::parse("since:7d to:2026-03-19", &caps(), now()).unwrap();
        assert_eq!(f.from.unwrap().to_rfc3339(), "2026-03-13T14:00:00+00:00");
        assert_eq!(f.to.unwrap().to_rfc3339(), "2026-03-19T22:59:59+00:00");
    }

    #[test]
    fn errors_list_what_is_allowed() {
        let e = Filter::parse("colour:red", &caps(), now()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("unknown filter key 'colour'"), "{msg}");
        assert!(msg.contains("done"), "{msg}");
        let e = Filter::parse("done:maybe", &caps(), now()).unwrap_err();
        assert!(e.to_string().contains("true or false"));
        let e = Filter::parse("dir:sideways", &caps(), now()).unwrap_err();
        assert!(e.to_string().contains("in, out or web"));
        assert_eq!(
            Filter::parse("\"open", &caps(), now()).unwrap_err(),
            FilterError::UnclosedQuote
        );
    }

    #[test]
    fn quoted_text_and_urls_stay_words() {
        let f = Filter::parse("\"Frau Müller\" 10:30", &caps(), now()).unwrap();
        assert_eq!(f.text.as_deref(), Some("Frau Müller 10:30"));
    }

    #[test]
    fn numbers_out_of_range_are_a_sentence_not_a_panic() {
        let now = chrono::Utc::now();
        for v in [
            "since:100000000d",
            "since:2400000000h",
            "since:14000000w",
            "since:9223372036854775807d",
        ] {
            let e = Filter::parse(v, &caps(), now).unwrap_err();
            assert!(e.to_string().contains("at most 36525 days"), "{v}: {e}");
        }
        for v in ["since:-3d", "since:d", "since:3é", "since:é"] {
            assert!(Filter::parse(v, &caps(), now).is_err(), "{v}");
        }
        assert!(Filter::parse("since:36525d", &caps(), now).is_ok());
        let e = Filter::parse("dur>1e300", &caps(), now).unwrap_err();
        assert!(e.to_string().contains("at most 604800 s"), "{e}");
        assert!(Filter::parse("dur<10080m", &caps(), now).is_ok());
    }

    #[test]
    fn the_server_part_is_what_the_server_applies() {
        let now = chrono::Utc::now();
        let f = Filter::parse("rechnung done:false dur>60 dir:in", &caps(), now).unwrap();
        let server = f.server_part(&caps());
        assert_eq!(server.text.as_deref(), Some("rechnung"));
        assert_eq!(server.extra.get("done").map(String::as_str), Some("false"));
        assert_eq!((server.min_duration_secs, server.direction), (None, None));
        // Changing only what is applied locally keeps the server part.
        let g = Filter::parse("rechnung done:false dur>120", &caps(), now).unwrap();
        assert_eq!(g.server_part(&caps()), server);
        let h = Filter::parse("rechnung done:true dur>60 dir:in", &caps(), now).unwrap();
        assert_ne!(h.server_part(&caps()), server);
    }

    #[test]
    fn dates_are_read_in_the_zone_the_user_chose() {
        let now: DateTime<Utc> = "2026-03-10T12:00:00Z".parse().unwrap();
        let f = Filter::parse_at("from:2026-03-01", &caps(), now, TimeZoneSetting::Utc).unwrap();
        assert_eq!(f.from, Some("2026-03-01T00:00:00Z".parse().unwrap()));
        let t = Filter::parse_at("today", &caps(), now, TimeZoneSetting::Utc).unwrap();
        assert_eq!(t.from, Some("2026-03-10T00:00:00Z".parse().unwrap()));
    }

    #[test]
    fn local_matching_applies_only_local_keys() {
        let mut c = Call::new(&crate::fixtures::account("tp"), None, "1");
        c.direction = Some(Direction::Outbound);
        c.duration_secs = Some(30.0);
        let f = Filter::parse("dir:in", &caps(), now()).unwrap();
        assert!(!f.matches_local(&c, &caps()));
        let f = Filter::parse("dur<60 nomatch", &caps(), now()).unwrap();
        // text is server-side for these caps, so it is not checked locally
        assert!(f.matches_local(&c, &caps()));
    }

    #[test]
    fn phone_goes_to_an_exact_server_only_as_a_whole_number() {
        let exact = Capabilities {
            server_filters: &["text", Filter::PHONE_EXACT],
            ..caps()
        };
        let substring = Capabilities {
            server_filters: &["phone"],
            ..caps()
        };
        let mut c = Call::new(&crate::fixtures::account("tp"), None, "1");
        c.caller_number = Some("+49 30 1234567".into());

        let f = Filter::parse("\"phone:+49 (30) 123-4567\"", &exact, now()).unwrap();
        assert_eq!(f.whole_phone().as_deref(), Some("+49301234567"));
        assert!(f.local_keys(&exact).is_empty());
        let mut other = c.clone();
        other.caller_number = Some("+33 1 99 00 12 34".into());
        assert!(f.matches_local(&other, &exact), "the server applied it");

        for part in ["1234567", "30-123", "+4930", "4930123456"] {
            let f = Filter::parse(&format!("phone:{part}"), &exact, now()).unwrap();
            assert_eq!(f.whole_phone(), None, "{part}");
            assert_eq!(f.local_keys(&exact), vec!["phone"], "{part}");
            assert!(f.matches_local(&c, &exact), "{part}");
            assert!(!f.matches_local(&other, &exact), "{part}");
            // A server that matches parts of numbers gets every value.
            assert!(f.local_keys(&substring).is_empty(), "{part}");
        }
        // Too long for E.164, or no + : a part of a number.
        let f = Filter::parse("phone:+1234567890123456", &exact, now()).unwrap();
        assert_eq!(f.whole_phone(), None);
        // Without any server phone filter it is local, whole or not.
        let f = Filter::parse("phone:+49301234567", &caps(), now()).unwrap();
        assert_eq!(f.local_keys(&caps()), vec!["phone"]);

        for bad in ["phone:abc", "phone:", "phone:+", "phone:12a4"] {
            let e = Filter::parse(bad, &exact, now()).unwrap_err();
            assert!(e.to_string().contains("some of its digits"), "{bad}: {e}");
        }
    }
}
