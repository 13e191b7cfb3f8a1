//! Solum's query rules (FastAPI + pydantic v2): validation with every error at once in the
//! framework's 422 shape, and matching of calls.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::super::clock::{DateAt, T_FORMATS, parse_iso};
use super::data::CallRec;
use super::{CATEGORY_VALUES, STATUSES, TAG_FILTER_MODES};

pub(super) struct Query {
    pub(super) page: u64,
    pub(super) limit: u64,
    q: Option<String>,
    assistant_id: Option<String>,
    status: Option<&'static str>,
    category: Option<&'static str>,
    kind: Option<String>,
    customer_number: Option<String>,
    patient_id: Option<String>,
    sessions_min: Option<i64>,
    /// Validated; with no tag list on this endpoint every mode keeps every call (module docs).
    #[allow(dead_code)]
    tag_filter_mode: &'static str,
    started_gte: Option<DateTime<Utc>>,
    started_lte: Option<DateTime<Utc>>,
}

impl Query {
    pub(super) fn matches(&self, c: &CallRec) -> bool {
        if let Some(q) = &self.q {
            let needle = q.to_lowercase();
            let hit = [&c.summary, &c.customer_number].iter().any(|f| {
                f.as_deref()
                    .is_some_and(|s| s.to_lowercase().contains(&needle))
            });
            if !hit {
                return false;
            }
        }
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have == Some(w))
        };
        eq(&self.assistant_id, c.assistant_id.as_deref())
            && self.status.is_none_or(|s| s == c.status)
            && self.category.is_none_or(|s| c.category == Some(s))
            && eq(&self.kind, c.kind)
            && eq(&self.customer_number, c.customer_number.as_deref())
            && eq(&self.patient_id, c.patient_id.as_deref())
            && self
                .sessions_min
                .is_none_or(|m| c.sessions_scheduled.is_some_and(|n| i64::from(n) >= m))
            && self
                .started_gte
                .is_none_or(|t| c.started_at.is_some_and(|s| s >= t))
            && self
                .started_lte
                .is_none_or(|t| c.started_at.is_some_and(|s| s <= t))
    }
}

fn loc(name: &str) -> Value {
    json!(["query", name])
}

fn int_error(name: &str, input: &str) -> Value {
    json!({"type": "int_parsing", "loc": loc(name),
           "msg": "Input should be a valid integer, unable to parse string as an integer",
           "input": input})
}

fn enum_error(name: &str, input: &str, allowed: &[&str]) -> Value {
    let quoted: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    let expected = match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    };
    json!({"type": "enum", "loc": loc(name), "msg": format!("Input should be {expected}"),
           "input": input, "ctx": {"expected": expected}})
}

fn parse_int(name: &str, v: &str, errors: &mut Vec<Value>) -> Option<i64> {
    match v.trim().parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(int_error(name, v));
            None
        }
    }
}

fn parse_enum(
    name: &str,
    v: &str,
    allowed: &[&'static str],
    errors: &mut Vec<Value>,
) -> Option<&'static str> {
    match allowed.iter().find(|a| **a == v) {
        Some(a) => Some(a),
        None => {
            errors.push(enum_error(name, v, allowed));
            None
        }
    }
}

/// A date-time as pydantic reads one in lax mode.
fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    parse_iso(s, &T_FORMATS, DateAt::Midnight).or_else(|| {
        s.parse::<i64>()
            .ok()
            .and_then(|n| DateTime::from_timestamp(n, 0))
    })
}

pub(super) fn parse_query(raw: &str) -> Result<Query, Vec<Value>> {
    // Starlette: the last of repeated parameters wins.
    let mut params: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        params.insert(k.into_owned(), v.into_owned());
    }
    let text = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
    let raw_of = |k: &str| params.get(k).map(String::as_str);
    let mut errors = Vec::new();
    let mut q = Query {
        page: 1,
        limit: 50,
        q: text("q"),
        assistant_id: text("assistant_id"),
        status: None,
        category: None,
        kind: text("type"),
        customer_number: text("customer_number"),
        patient_id: text("patient_id"),
        sessions_min: None,
        tag_filter_mode: "any",
        started_gte: None,
        started_lte: None,
    };
    if let Some(v) = raw_of("page")
        && let Some(n) = parse_int("page", v, &mut errors)
    {
        if n >= 1 {
            q.page = n as u64;
        } else {
            errors.push(json!({"type": "greater_than_equal", "loc": loc("page"),
                "msg": "Input should be greater than or equal to 1", "input": v, "ctx": {"ge": 1}}));
        }
    }
    if let Some(v) = raw_of("limit")
        && let Some(n) = parse_int("limit", v, &mut errors)
    {
        if n < 1 {
            errors.push(json!({"type": "greater_than_equal", "loc": loc("limit"),
                "msg": "Input should be greater than or equal to 1", "input": v, "ctx": {"ge": 1}}));
        } else if n > 100 {
            errors.push(json!({"type": "less_than_equal", "loc": loc("limit"),
                "msg": "Input should be less than or equal to 100", "input": v, "ctx": {"le": 100}}));
        } else {
            q.limit = n as u64;
        }
    }
    if let Some(v) = raw_of("status") {
        q.status = parse_enum("status", v, &STATUSES, &mut errors);
    }
    if let Some(v) = raw_of("category") {
        q.category = parse_enum("category", v, &CATEGORY_VALUES, &mut errors);
    }
    if let Some(v) = raw_of("tag_filter_mode")
        && let Some(m) = parse_enum("tag_filter_mode", v, &TAG_FILTER_MODES, &mut errors)
    {
        q.tag_filter_mode = m;
    }
    if let Some(v) = raw_of("sessions_scheduled_min") {
        q.sessions_min = parse_int("sessions_scheduled_min", v, &mut errors);
    }
    for name in ["started_gte", "started_lte"] {
        if let Some(v) = raw_of(name) {
            match parse_datetime(v) {
                Some(t) if name == "started_gte" => q.started_gte = Some(t),
                Some(t) => q.started_lte = Some(t),
                None => errors.push(
                    json!({"type": "datetime_from_date_parsing", "loc": loc(name),
                    "msg": "Input should be a valid datetime or date, invalid character in year",
                    "input": v, "ctx": {"error": "invalid character in year"}}),
                ),
            }
        }
    }
    if errors.is_empty() {
        Ok(q)
    } else {
        Err(errors)
    }
}
