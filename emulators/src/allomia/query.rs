//! AlloMia's list queries: `GET /api/organization` and `GET /api/calls` (every 400 checked
//! before the organization). The first of repeated parameters wins; empty values count as
//! absent.

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::clock::{DateAt, parse_iso};
use super::answers::{Answer, bad_request};
use super::data::{CallRec, OrgRec, org_json};
use super::{KeyKind, Shared};

/// The naive date-time forms `from` and `to` take (a date-time without zone is UTC).
const NAIVE_FORMATS: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"];

/// Query pairs: the first of repeated parameters wins; empty values count as absent.
pub(super) struct Query(HashMap<String, String>);

impl Query {
    pub(super) fn parse(q: &str) -> Query {
        let mut m = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            m.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
        Query(m)
    }

    pub(super) fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn page(&self) -> Result<u64, Answer> {
        match self.get("page") {
            None => Ok(1),
            Some(v) => match v.parse::<u64>() {
                Ok(p) if p >= 1 => Ok(p),
                _ => Err(bad_request("page must be a positive integer")),
            },
        }
    }

    fn limit(&self, default: u64, max: u64) -> Result<u64, Answer> {
        match self.get("limit") {
            None => Ok(default),
            Some(v) => match v.parse::<u64>() {
                Ok(l) if (1..=max).contains(&l) => Ok(l),
                _ => Err(bad_request(&format!("limit must be between 1 and {max}"))),
            },
        }
    }
}

fn pagination(total: u64, page: u64, limit: u64) -> Value {
    let pages = total.div_ceil(limit);
    json!({
        "page": page,
        "limit": limit,
        "total": total,
        "totalPages": pages,
        "hasNextPage": page < pages,
        "hasPreviousPage": page > 1,
    })
}

fn slice<T: Clone>(items: &[T], page: u64, limit: u64) -> Vec<T> {
    let start = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
    items
        .iter()
        .skip(start)
        .take(limit as usize)
        .cloned()
        .collect()
}

impl Shared {
    pub(super) fn list_orgs(&self, key: KeyKind, q: &Query) -> Answer {
        if key != KeyKind::Tenant {
            return Answer::error(
                StatusCode::FORBIDDEN,
                "Forbidden: organization API keys cannot list organizations",
            );
        }
        let (page, limit) = match (q.page(), q.limit(10, 100)) {
            (Ok(p), Ok(l)) => (p, l),
            (Err(a), _) | (_, Err(a)) => return a,
        };
        let mut orgs: Vec<&OrgRec> = self.orgs.iter().collect();
        match q.get("sort").unwrap_or("createdAt") {
            "createdAt" => orgs.sort_by_key(|o| o.created_at),
            "-createdAt" => orgs.sort_by_key(|o| std::cmp::Reverse(o.created_at)),
            "name" => orgs.sort_by_key(|o| o.spec.name.to_lowercase()),
            "-name" => orgs.sort_by_key(|o| std::cmp::Reverse(o.spec.name.to_lowercase())),
            _ => {
                return bad_request(
                    "Invalid sort. Must be one of: createdAt, -createdAt, name, -name",
                );
            }
        }
        if let Some(s) = q.get("search") {
            let s = s.to_lowercase();
            orgs.retain(|o| o.spec.name.to_lowercase().contains(&s));
        }
        let items: Vec<Value> = orgs.iter().map(|o| org_json(o)).collect();
        Answer::ok(json!({
            "organizations": slice(&items, page, limit),
            "pagination": pagination(items.len() as u64, page, limit),
        }))
    }

    pub(super) fn list_calls(&self, key: KeyKind, q: &Query) -> Answer {
        let Some(org_id) = q.get("organizationId") else {
            return bad_request("organizationId is required");
        };
        let (page, limit) = match (q.page(), q.limit(20, 50)) {
            (Ok(p), Ok(l)) => (p, l),
            (Err(a), _) | (_, Err(a)) => return a,
        };
        let call_type = match q.get("callType") {
            None => None,
            Some(t @ ("Inbound" | "Outbound" | "Web")) => Some(t),
            Some(_) => {
                return bad_request("Invalid callType. Must be one of: Inbound, Outbound, Web");
            }
        };
        let mut bounds = [None, None];
        for (i, name) in ["from", "to"].iter().enumerate() {
            if let Some(v) = q.get(name) {
                match parse_iso(v, &NAIVE_FORMATS, DateAt::Midnight) {
                    Some(d) => bounds[i] = Some(d),
                    None => {
                        return bad_request(&format!(
                            "Invalid date format for '{name}'. Use ISO 8601, e.g. 2025-05-01T00:00:00Z"
                        ));
                    }
                }
            }
        }
        let [from, to] = bounds;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return bad_request("'from' date must be before 'to' date");
        }
        let sort = q.get("sort").unwrap_or("desc");
        if !["desc", "asc", "duration_desc", "duration_asc"].contains(&sort) {
            return bad_request(
                "Invalid sort. Must be one of: desc, asc, duration_desc, duration_asc",
            );
        }
        let oi = match self.org_index(org_id) {
            Some(oi) if key == KeyKind::Tenant || key == KeyKind::Org(oi) => oi,
            _ => return Answer::error(StatusCode::NOT_FOUND, "Organization not found"),
        };
        let agent = q.get("agentName").map(str::to_lowercase);
        let intent = q.get("userPrimaryIntent");
        let mut items: Vec<&CallRec> = self.org_calls[oi]
            .iter()
            .map(|&ci| &self.calls[ci])
            .filter(|c| call_type.is_none_or(|t| c.call_type == t))
            .filter(|c| {
                agent.as_ref().is_none_or(|a| {
                    self.orgs[oi].agents[c.agent]
                        .name
                        .to_lowercase()
                        .contains(a.as_str())
                })
            })
            .filter(|c| from.is_none_or(|f| c.started >= f))
            .filter(|c| to.is_none_or(|t| c.started <= t))
            .filter(|c| intent.is_none_or(|i| c.intent() == Some(i)))
            .collect();
        match sort {
            "asc" => items.reverse(),
            "duration_desc" => items.sort_by_key(|c| std::cmp::Reverse(c.duration)),
            "duration_asc" => items.sort_by_key(|c| c.duration),
            _ => {}
        }
        let total = items.len() as u64;
        let page_items: Vec<Value> = slice(&items, page, limit)
            .into_iter()
            .map(|c| self.list_json(c))
            .collect();
        Answer::ok(json!({
            "calls": page_items,
            "pagination": pagination(total, page, limit),
        }))
    }
}
