//! TalkPilot's list queries: `page`/`limit` for every list, the filters of the calls list, and
//! the `pagination` object.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::super::clock::{DateAt, T_FORMATS, parse_iso};
use super::data::CallRec;

pub(super) struct ListParams {
    page: u64,
    limit: u64,
    done: Option<bool>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    phone_number: Option<String>,
    search: Option<String>,
    include_deleted: bool,
}

impl ListParams {
    pub(super) fn matches(&self, c: &CallRec) -> bool {
        if c.deleted_at.is_some() && !self.include_deleted {
            return false;
        }
        if self.done.is_some_and(|d| d != c.done) {
            return false;
        }
        if self.from.is_some_and(|f| c.created_at <= f) {
            return false;
        }
        if self.to.is_some_and(|t| c.created_at >= t) {
            return false;
        }
        if let Some(p) = &self.phone_number
            && (c.is_purged || &c.phone != p)
        {
            return false;
        }
        if let Some(s) = &self.search {
            let needle = s.to_lowercase();
            let in_name = c
                .customer_name
                .as_ref()
                .is_some_and(|n| n.to_lowercase().contains(&needle));
            let in_phone = !c.is_purged && c.phone.to_lowercase().contains(&needle);
            let in_summary = c.call_summary.to_lowercase().contains(&needle);
            if !(in_name || in_phone || in_summary) {
                return false;
            }
        }
        true
    }
}

fn field_error(field: &str, message: &str) -> Value {
    json!({"field": field, "message": message})
}

pub(super) fn parse_list_params(query: &str, for_calls: bool) -> Result<ListParams, Vec<Value>> {
    let mut first: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        first
            .entry(k.into_owned())
            .or_insert_with(|| v.into_owned());
    }
    let get = |k: &str| first.get(k).filter(|v| !v.is_empty()).cloned();
    let mut errors = Vec::new();
    let mut params = ListParams {
        page: 1,
        limit: 20,
        done: None,
        from: None,
        to: None,
        phone_number: None,
        search: None,
        include_deleted: false,
    };
    if let Some(v) = get("page") {
        match v.parse::<u64>() {
            Ok(p) if p >= 1 => params.page = p,
            _ => errors.push(field_error(
                "page",
                "page must be an integer greater than or equal to 1",
            )),
        }
    }
    if let Some(v) = get("limit") {
        match v.parse::<u64>() {
            Ok(l) if (1..=100).contains(&l) => params.limit = l,
            _ => errors.push(field_error(
                "limit",
                "limit must be an integer between 1 and 100",
            )),
        }
    }
    if for_calls {
        let boolean = |name: &str, errors: &mut Vec<Value>| -> Option<bool> {
            match get(name).as_deref() {
                None => None,
                Some("true") => Some(true),
                Some("false") => Some(false),
                Some(_) => {
                    errors.push(field_error(name, &format!("{name} must be true or false")));
                    None
                }
            }
        };
        params.done = boolean("done", &mut errors);
        params.include_deleted = boolean("include_deleted", &mut errors).unwrap_or(false);
        for name in ["from", "to"] {
            if let Some(v) = get(name) {
                match parse_iso(&v, &T_FORMATS, DateAt::Midnight) {
                    Some(d) if name == "from" => params.from = Some(d),
                    Some(d) => params.to = Some(d),
                    None => errors.push(field_error(
                        name,
                        &format!(
                            "{name} must be an ISO 8601 date-time (e.g. 2026-03-15T00:00:00Z)"
                        ),
                    )),
                }
            }
        }
        params.phone_number = get("phone_number");
        params.search = get("search");
    }
    if errors.is_empty() {
        Ok(params)
    } else {
        Err(errors)
    }
}

pub(super) fn paginate(items: Vec<Value>, p: &ListParams) -> Value {
    let total = items.len() as u64;
    let pages = total.div_ceil(p.limit);
    let start = (p.page - 1).saturating_mul(p.limit);
    let data: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(p.limit as usize)
        .collect();
    json!({
        "data": data,
        "pagination": {"page": p.page, "limit": p.limit, "total": total, "pages": pages},
    })
}
