//! Voxeme's list queries: RecentCalls (required `page` and `count`, optional filters) and the
//! live calls list. The first of repeated parameters wins; empty values count as absent.

use axum::http::StatusCode;
use chrono::TimeDelta;
use serde_json::{Value, json};

use super::super::clock::{DateAt, parse_iso};
use super::Shared;
use super::answers::{Reply, msg};
use super::data::Cdr;

/// The naive date-time forms `start` and `end` take.
const NAIVE_FORMATS: [&str; 3] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
];

/// First non-empty value of a parameter.
fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn positive_int(s: Option<&str>) -> Option<u64> {
    let s = s?;
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n >= 1)
}

const CALL_STATES: [&str; 9] = [
    "trying",
    "ringing",
    "early-media",
    "in-progress",
    "completed",
    "failed",
    "busy",
    "no-answer",
    "queued",
];

impl Shared {
    pub(super) fn recent_calls(&self, ai: usize, q: &[(String, String)]) -> Reply {
        let bad = |name: &str| {
            msg(
                StatusCode::BAD_REQUEST,
                &format!("missing or invalid \"{name}\" query arg"),
            )
        };
        let invalid = |name: &str| {
            msg(
                StatusCode::BAD_REQUEST,
                &format!("invalid \"{name}\" query arg"),
            )
        };
        let page_s = param(q, "page").unwrap_or("");
        let Some(page) = positive_int(Some(page_s)) else {
            return bad("page");
        };
        let count_s = param(q, "count").unwrap_or("");
        let Some(count) = positive_int(Some(count_s)).filter(|c| (25..=500).contains(c)) else {
            return bad("count");
        };
        let mut start = None;
        let mut end = None;
        if let Some(d) = param(q, "days") {
            match positive_int(Some(d)).filter(|d| *d <= 30) {
                Some(days) => start = Some(self.opts.now - TimeDelta::days(days as i64)),
                None => return invalid("days"),
            }
        } else {
            for name in ["start", "end"] {
                if let Some(v) = param(q, name) {
                    match parse_iso(v, &NAIVE_FORMATS, DateAt::Midnight) {
                        Some(t) if name == "start" => start = Some(t),
                        Some(t) => end = Some(t),
                        None => return invalid(name),
                    }
                }
            }
        }
        let answered = match param(q, "answered") {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return invalid("answered"),
        };
        let inbound = match param(q, "direction") {
            None => None,
            Some("inbound") => Some(true),
            Some("outbound") => Some(false),
            Some(_) => return invalid("direction"),
        };
        let filter = param(q, "filter");
        let trunk = param(q, "trunk");
        let matching: Vec<&Cdr> = self.cdrs[ai]
            .iter()
            .filter(|c| start.is_none_or(|s| c.attempted_at >= s))
            .filter(|c| end.is_none_or(|e| c.attempted_at <= e))
            .filter(|c| answered.is_none_or(|a| c.answered == a))
            .filter(|c| inbound.is_none_or(|i| c.inbound == i))
            .filter(|c| {
                filter.is_none_or(|f| c.from.contains(f) || c.to.contains(f) || c.call_sid == f)
            })
            .filter(|c| trunk.is_none_or(|t| c.trunk == t))
            .collect();
        let skip = usize::try_from((page - 1).saturating_mul(count)).unwrap_or(usize::MAX);
        let data: Vec<Value> = matching
            .iter()
            .skip(skip)
            .take(count as usize)
            .map(|c| self.cdr_json(ai, c))
            .collect();
        Reply::Json(
            StatusCode::OK,
            json!({
                "total": matching.len(),
                "page_size": count_s,
                "page": page_s,
                "data": data,
            }),
        )
    }

    pub(super) fn live_list(&self, ai: usize, q: &[(String, String)]) -> Reply {
        let inbound = match param(q, "direction") {
            None => None,
            Some("inbound") => Some(true),
            Some("outbound") => Some(false),
            Some(_) => return msg(StatusCode::BAD_REQUEST, "invalid direction"),
        };
        let status = param(q, "callStatus");
        if status.is_some_and(|s| !CALL_STATES.contains(&s)) {
            return msg(StatusCode::BAD_REQUEST, "invalid callStatus");
        }
        let (from, to) = (param(q, "from"), param(q, "to"));
        let items: Vec<Value> = self
            .live(ai)
            .iter()
            .filter(|c| inbound.is_none_or(|i| c.inbound == i))
            .filter(|c| status.is_none_or(|s| c.status == s))
            .filter(|c| from.is_none_or(|f| c.from == f))
            .filter(|c| to.is_none_or(|t| c.to == t))
            .map(|c| c.json(&self.accounts[ai]))
            .collect();
        Reply::Json(StatusCode::OK, Value::Array(items))
    }
}
