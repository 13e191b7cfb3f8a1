//! Reading vendor JSON leniently: a number sent as a string, a missing optional key or an extra
//! unknown key must not lose a record. Each list item is decoded on its own, so one unreadable
//! record is counted instead of hiding its page.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

pub type Object = Map<String, Value>;

/// A string, or a number/bool written as one. `null`, objects and arrays give `None`.
pub fn string(o: &Object, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A non-empty string (empty strings are treated as absent).
pub fn text(o: &Object, key: &str) -> Option<String> {
    string(o, key).filter(|s| !s.trim().is_empty())
}

/// A number, or a string holding one (`"180"`, `"45.0"`).
pub fn number(o: &Object, key: &str) -> Option<f64> {
    match o.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// A bool, or `"true"`/`"false"`, or 0/1.
pub fn boolean(o: &Object, key: &str) -> Option<bool> {
    match o.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// An RFC 3339 time, or epoch seconds / milliseconds as a number.
pub fn time(o: &Object, key: &str) -> Option<DateTime<Utc>> {
    match o.get(key)? {
        Value::String(s) => parse_time(s),
        Value::Number(n) => {
            let f = n.as_f64()?;
            let secs = if f > 1e11 { f / 1000.0 } else { f };
            DateTime::from_timestamp(secs as i64, 0)
        }
        _ => None,
    }
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // "2026-03-18 14:22:00" (no zone) is read as UTC
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
        .map(|n| n.and_utc())
}

/// A record id: a non-empty string or an integer.
pub fn id(o: &Object, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// How a vendor value is shown as the value of a `key: value` line.
pub fn display(v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Every key of `o` not in `consumed`, as displayable pairs (sorted by key).
pub fn other_fields(o: &Object, consumed: &[&str]) -> Vec<(String, String)> {
    o.iter()
        .filter(|(k, _)| !consumed.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), display(v)))
        .collect()
}

/// Decodes each item of a JSON array on its own; returns what could be read and how many could
/// not (not an object, or `decode` said no).
pub fn decode_items<T>(
    items: &[Value],
    mut decode: impl FnMut(&Object) -> Option<T>,
) -> (Vec<T>, usize) {
    let mut out = Vec::with_capacity(items.len());
    let mut bad = 0;
    for item in items {
        match item.as_object().and_then(&mut decode) {
            Some(t) => out.push(t),
            None => bad += 1,
        }
    }
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_reads() {
        let v = json!({"a": "180", "b": 45.0, "c": "true", "d": 1, "e": null, "f": "abc",
                       "t": "2026-03-18T14:22:00.000Z", "n": 1773843720, "i": 12});
        let o = v.as_object().unwrap();
        assert_eq!(number(o, "a"), Some(180.0));
        assert_eq!(number(o, "b"), Some(45.0));
        assert_eq!(number(o, "f"), None);
        assert_eq!(boolean(o, "c"), Some(true));
        assert_eq!(boolean(o, "d"), Some(true));
        assert_eq!(boolean(o, "f"), None);
        assert_eq!(string(o, "e"), None);
        assert_eq!(
            time(o, "t").unwrap().to_rfc3339(),
            "2026-03-18T14:22:00+00:00"
        );
        assert_eq!(
            time(o, "n").unwrap().to_rfc3339(),
            "2026-03-18T14:22:00+00:00"
        );
        assert_eq!(id(o, "i").as_deref(), Some("12"));
        assert_eq!(id(o, "e"), None);
    }

    #[test]
    fn decode_counts_unreadable() {
        let items = vec![
            json!({"id": "a"}),
            json!(5),
            json!({"id": null}),
            json!({"id": 7}),
        ];
        let (ok, bad) = decode_items(&items, |o| id(o, "id"));
        assert_eq!(ok, vec!["a".to_string(), "7".to_string()]);
        assert_eq!(bad, 2);
    }
}
