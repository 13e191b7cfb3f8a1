//! Welkin's list queries: parameter validation (one error per bad parameter) and paging with
//! `metaInfo` as [`super::WelkinOptions::meta_info`] says.

use std::collections::HashMap;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::super::clock::{DateAt, T_FORMATS, parse_iso};
use super::answers::{Answer, error_obj};
use super::data::patient_json;
use super::{MetaInfo, Shared};

pub(super) struct Query {
    pairs: HashMap<String, String>,
    errors: Vec<Value>,
}

impl Query {
    pub(super) fn parse(raw: &str) -> Query {
        let mut pairs = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            pairs
                .entry(k.into_owned())
                .or_insert_with(|| v.into_owned());
        }
        Query {
            pairs,
            errors: Vec::new(),
        }
    }

    /// A parameter as sent (an empty value too: it is bad where a value is required).
    pub(super) fn get(&self, k: &str) -> Option<&str> {
        self.pairs.get(k).map(String::as_str)
    }

    /// A text parameter; an empty one is ignored.
    pub(super) fn text(&self, k: &str) -> Option<&str> {
        self.get(k).filter(|v| !v.is_empty())
    }

    pub(super) fn bad(&mut self, component: &str, param: &str, message: &str) {
        let value = self.get(param).unwrap_or("").to_string();
        self.errors.push(error_obj(
            "INVALID_REQUEST_PARAMETER",
            component,
            message,
            json!({"parameter": param, "value": value}),
        ));
    }

    /// `page` (≥ 0, default 0) and `size` (1..=100, default 20).
    pub(super) fn paging(&mut self, component: &str) -> (u64, u64) {
        let mut page = 0;
        let mut size = 20;
        if let Some(v) = self.get("page") {
            match v.parse::<i64>() {
                Ok(p) if p >= 0 => page = p as u64,
                Ok(_) => self.bad(component, "page", "page must be greater than or equal to 0"),
                Err(_) => self.bad(component, "page", "page must be an integer"),
            }
        }
        if let Some(v) = self.get("size") {
            match v.parse::<i64>() {
                Ok(s) if (1..=100).contains(&s) => size = s as u64,
                Ok(_) => self.bad(component, "size", "size must be between 1 and 100"),
                Err(_) => self.bad(component, "size", "size must be an integer"),
            }
        }
        (page, size)
    }

    pub(super) fn date(&mut self, param: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
        let v = self.get(param)?.to_string();
        let at = if end_of_day {
            DateAt::EndOfDay
        } else {
            DateAt::Midnight
        };
        let parsed = parse_iso(&v, &T_FORMATS, at);
        if parsed.is_none() {
            self.bad(
                "CALL",
                param,
                &format!(
                    "{param} must be an ISO 8601 date or date-time (e.g. 2026-03-18T14:22:00Z)"
                ),
            );
        }
        parsed
    }

    /// `Err` with one error per bad parameter, if any.
    pub(super) fn into_result(self) -> Result<(), Answer> {
        if self.errors.is_empty() {
            return Ok(());
        }
        Err(Answer {
            status: StatusCode::BAD_REQUEST,
            body: Value::Array(self.errors),
            retry_after: None,
        })
    }
}

impl Shared {
    fn meta(&self, page: u64, size: u64, total: u64, n: usize) -> Value {
        let last = (page + 1).saturating_mul(size) >= total;
        match self.vopts.meta_info {
            MetaInfo::Full => json!({
                "page": page,
                "pageSize": size,
                "totalElements": total,
                "numberOfElements": n,
                "lastPage": last,
                "firstPage": page == 0,
                "totalPages": total.div_ceil(size),
            }),
            MetaInfo::Documented => json!({"page": page, "pageSize": size, "totalElements": total}),
            MetaInfo::PageOnly => json!({"page": page, "pageSize": size}),
            MetaInfo::NoTotals => json!({
                "page": page,
                "pageSize": size,
                "numberOfElements": n,
                "lastPage": last,
                "firstPage": page == 0,
            }),
        }
    }

    pub(super) fn paginate(&self, items: Vec<Value>, page: u64, size: u64) -> Value {
        let total = items.len() as u64;
        let data: Vec<Value> = items
            .into_iter()
            .skip(usize::try_from(page.saturating_mul(size)).unwrap_or(usize::MAX))
            .take(size as usize)
            .collect();
        let meta = self.meta(page, size, total, data.len());
        json!({"data": data, "metaInfo": meta})
    }

    /// `GET …/patients`: validated query, then the filtered page.
    pub(super) fn list_patients(&self, mut q: Query) -> Result<Answer, Answer> {
        let (page, size) = q.paging("PATIENT");
        let status = q.get("status").map(str::to_string);
        if let Some(s) = &status
            && s != "ACTIVE"
            && s != "INACTIVE"
        {
            q.bad(
                "PATIENT",
                "status",
                "status must be one of ACTIVE, INACTIVE",
            );
        }
        let first = q.text("firstName").map(str::to_lowercase);
        let last = q.text("lastName").map(str::to_lowercase);
        let mrn = q.text("mrn").map(str::to_string);
        q.into_result()?;
        let items: Vec<Value> = self
            .patients
            .iter()
            .filter(|p| status.as_deref().is_none_or(|s| p.status == s))
            .filter(|p| mrn.as_deref().is_none_or(|m| p.mrn == m))
            .filter(|p| {
                first
                    .as_deref()
                    .is_none_or(|f| p.first.to_lowercase().contains(f))
            })
            .filter(|p| {
                last.as_deref()
                    .is_none_or(|l| p.last.to_lowercase().contains(l))
            })
            .map(patient_json)
            .collect();
        Ok(Answer::ok(self.paginate(items, page, size)))
    }
}
