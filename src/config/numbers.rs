//! Every number in the config file has a range, checked as the file is read: an error names the
//! key, the value and the range (a timeout of 0 or of 2⁶⁴−1 seconds is never accepted).

use serde::de::{self, Deserializer, Visitor};

/// The range one key's number must lie in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberRange {
    pub key: &'static str,
    pub min: u64,
    pub max: u64,
    /// Said after the range: `" seconds"`, or nothing for a count.
    pub unit: &'static str,
}

impl NumberRange {
    fn allowed(&self) -> String {
        format!("use {} to {}{}", self.min, self.max, self.unit)
    }

    fn out_of_range(&self, value: impl std::fmt::Display) -> String {
        format!("{} = {value} is out of range: {}", self.key, self.allowed())
    }

    /// Reads one whole number and checks it is in range.
    fn read<'de, D: Deserializer<'de>, T: TryFrom<u64>>(self, d: D) -> Result<T, D::Error> {
        let v = d.deserialize_any(RangedVisitor(self))?;
        T::try_from(v).map_err(|_| de::Error::custom(self.out_of_range(v)))
    }
}

struct RangedVisitor(NumberRange);

impl Visitor<'_> for RangedVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.0;
        write!(
            f,
            "{} to be a whole number from {} to {}{}",
            r.key, r.min, r.max, r.unit
        )
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        let r = self.0;
        if (r.min..=r.max).contains(&v) {
            Ok(v)
        } else {
            Err(E::custom(r.out_of_range(v)))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(self.0.out_of_range(v))),
        }
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<u64, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(self.0.out_of_range(v))),
        }
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<u64, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(self.0.out_of_range(v))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        let r = self.0;
        Err(E::custom(format!(
            "{} = {v} is not a whole number: {}",
            r.key,
            r.allowed()
        )))
    }
}

/// Declares each ranged key once: its range (listed in [`NUMBER_RANGES`]) and the function serde
/// reads it with.
macro_rules! ranged {
    ($($read:ident: $ty:ty = $key:literal in $min:literal to $max:literal $unit:literal;)*) => {
        /// Every number the config file may hold, with its range (the template says the same).
        pub const NUMBER_RANGES: &[NumberRange] = &[
            $(NumberRange { key: $key, min: $min, max: $max, unit: $unit },)*
        ];
        $(
            pub(super) fn $read<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                NumberRange { key: $key, min: $min, max: $max, unit: $unit }.read(d)
            }
        )*
    };
}

ranged! {
    connect_timeout: u64 = "connect_timeout_secs" in 1 to 300 " seconds";
    read_timeout: u64 = "read_timeout_secs" in 1 to 600 " seconds";
    request_timeout: u64 = "request_timeout_secs" in 1 to 3600 " seconds";
    max_retries: u32 = "max_retries" in 0 to 10 "";
    max_rate_limit_wait: u64 = "max_rate_limit_wait_secs" in 0 to 3600 " seconds";
    page_size: u32 = "page_size" in 1 to 1000 "";
    max_list_calls: usize = "max_list_calls" in 1 to 1000000 " calls";
    privacy_idle: u64 = "privacy_idle_secs" in 0 to 86400 " seconds";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, TEMPLATE};

    /// The section a ranged key lives in.
    fn section(key: &str) -> &'static str {
        if key == "max_list_calls" || key == "privacy_idle_secs" {
            "ui"
        } else {
            "http"
        }
    }

    fn error_for(key: &str, value: &str) -> String {
        let src = format!("# a comment\n[{}]\n{key} = {value}\n", section(key));
        match Config::parse_str(&src, "c.toml") {
            Ok(_) => panic!("{key} = {value} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn every_number_out_of_range_is_refused_with_key_value_range_and_line() {
        for r in NUMBER_RANGES {
            let range = format!("{} to {}", r.min, r.max);
            let mut bad = vec![
                (r.max + 1).to_string(),
                "-1".to_string(),
                u64::MAX.to_string(),
                i64::MAX.to_string(),
            ];
            if r.min > 0 {
                bad.push((r.min - 1).to_string());
            }
            for value in bad {
                let e = error_for(r.key, &value);
                for part in [r.key, value.as_str(), range.as_str(), "line 3", "c.toml"] {
                    assert!(e.contains(part), "{part:?} missing from: {e}");
                }
            }
            let e = error_for(r.key, "2.5");
            assert!(
                e.contains("not a whole number") && e.contains(&range),
                "{e}"
            );
            let e = error_for(r.key, "\"30\"");
            assert!(e.contains(&range) && e.contains("line 3"), "{e}");
            // Beyond every 64-bit integer, read as a 128-bit one.
            let huge = "99999999999999999999999";
            let e = error_for(r.key, huge);
            assert!(
                e.contains(&format!("{} = {huge} is out of range", r.key)),
                "{e}"
            );
        }
    }

    #[test]
    fn the_ends_of_every_range_are_accepted() {
        for r in NUMBER_RANGES {
            for v in [r.min, r.max] {
                let src = format!("[{}]\n{} = {v}\n", section(r.key), r.key);
                assert!(Config::parse_str(&src, "c").is_ok(), "{} = {v}", r.key);
            }
        }
    }

    #[test]
    fn the_template_documents_every_range_and_the_defaults_lie_in_them() {
        let d = Config::defaults();
        let defaults = [
            ("connect_timeout_secs", d.http.connect_timeout_secs),
            ("read_timeout_secs", d.http.read_timeout_secs),
            ("request_timeout_secs", d.http.request_timeout_secs),
            ("max_retries", u64::from(d.http.max_retries)),
            ("max_rate_limit_wait_secs", d.http.max_rate_limit_wait_secs),
            ("page_size", u64::from(d.http.page_size)),
            ("max_list_calls", d.ui.max_list_calls as u64),
            ("privacy_idle_secs", d.ui.privacy_idle_secs),
        ];
        assert_eq!(defaults.len(), NUMBER_RANGES.len());
        for (r, (key, default)) in NUMBER_RANGES.iter().zip(defaults) {
            assert_eq!(r.key, key);
            assert!((r.min..=r.max).contains(&default), "{key} = {default}");
            let line = TEMPLATE
                .lines()
                .find(|l| l.trim_start_matches("# ").starts_with(&format!("{key} =")))
                .unwrap_or_else(|| panic!("the template does not show {key}"));
            let said = format!("{} to {}", r.min, r.max);
            assert!(line.contains(&said), "template line for {key}: {line}");
            assert!(
                line.contains(&format!("= {default} ")),
                "template default: {line}"
            );
        }
    }
}
