//! Patients: the list (searched on the server), a one-word search merged over first and last
//! names, and each patient's name and phone for the calls listed under them.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::map;
use super::{PatientInfo, Welkin, lock, read_page};
use crate::model::{Page, PageRequest, Scope};
use crate::providers::ProviderError;
use crate::providers::lenient;

/// A one-word patient search reads at most this many pages of 100 per name field.
const MAX_SEARCH_PAGES: u32 = 10;
/// How long a merged one-word search result serves the following pages.
const SEARCH_CACHE_TTL: Duration = Duration::from_secs(60);
pub(super) struct SearchCache {
    key: String,
    at: Instant,
    items: Vec<Scope>,
    complete: bool,
}

/// What `check` says about a patient list answer (`totalElements` read leniently).
pub(super) fn visible_patients(v: &Value) -> String {
    let total = v
        .get("metaInfo")
        .and_then(Value::as_object)
        .and_then(|m| lenient::number(m, "totalElements"))
        .filter(|n| *n >= 0.0);
    match total {
        Some(n) => format!("token accepted; {} patient(s) visible", n as u64),
        None => "token accepted; patients are visible".to_string(),
    }
}

impl Welkin {
    // -- patients ---------------------------------------------------------------------------

    pub(super) fn remember(&self, id: &str, info: &PatientInfo) {
        lock(&self.patients).insert(id.to_string(), info.clone());
    }

    pub(super) fn known(&self, id: &str) -> Option<PatientInfo> {
        lock(&self.patients).get(id).cloned()
    }

    /// One page of the patient list with these parameters.
    pub(super) async fn patients_page(
        &self,
        params: &[(&'static str, String)],
        page: PageRequest,
    ) -> Result<Page<(Scope, PatientInfo)>, ProviderError> {
        let mut query = vec![
            ("page", page.page.max(1).saturating_sub(1).to_string()),
            ("size", page.size.clamp(1, 100).to_string()),
        ];
        query.extend(params.iter().cloned());
        let v = self.get_json(&self.url("/patients"), &query).await?;
        let p = read_page(&v, page, map::patient)
            .ok_or_else(|| self.malformed("the answer has no \"data\" list"))?;
        for (s, info) in &p.items {
            self.remember(&s.id, info);
        }
        Ok(p)
    }

    /// Every patient matching `params` (at most [`MAX_SEARCH_PAGES`] pages); `false` when cut.
    pub(super) async fn all_patients(
        &self,
        params: &[(&'static str, String)],
    ) -> Result<(Vec<(Scope, PatientInfo)>, bool), ProviderError> {
        let mut out = Vec::new();
        for page in 1..=MAX_SEARCH_PAGES {
            let p = self
                .patients_page(params, PageRequest { page, size: 100 })
                .await?;
            out.extend(p.items);
            if !p.has_more {
                return Ok((out, true));
            }
        }
        Ok((out, false))
    }

    /// A one-word search: first name OR last name. The server has no OR, so both lists are read
    /// whole (bounded), merged without duplicates in the server's order (last, first name), and
    /// the asked page is cut from the result; the merged list serves the next pages for a minute.
    pub(super) async fn search_either(
        &self,
        key: &str,
        queries: [Vec<(&'static str, String)>; 2],
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        let cached = if page.page > 1 {
            lock(&self.search).as_ref().and_then(|c| {
                (c.key == key && c.at.elapsed() < SEARCH_CACHE_TTL)
                    .then(|| (c.items.clone(), c.complete))
            })
        } else {
            None
        };
        let (items, complete) = match cached {
            Some(c) => c,
            None => {
                let [a, b] = &queries;
                let (a, b) = tokio::join!(self.all_patients(a), self.all_patients(b));
                let (a, a_done) = a?;
                let (b, b_done) = b?;
                let mut merged: Vec<(Scope, PatientInfo)> = Vec::with_capacity(a.len() + b.len());
                for item in a.into_iter().chain(b) {
                    if !merged.iter().any(|(s, _)| s.id == item.0.id) {
                        merged.push(item);
                    }
                }
                merged.sort_by(|(s1, i1), (s2, i2)| {
                    (i1.sort_key(), &s1.id).cmp(&(i2.sort_key(), &s2.id))
                });
                let items: Vec<Scope> = merged.into_iter().map(|(s, _)| s).collect();
                let complete = a_done && b_done;
                *lock(&self.search) = Some(SearchCache {
                    key: key.to_string(),
                    at: Instant::now(),
                    items: items.clone(),
                    complete,
                });
                (items, complete)
            }
        };
        let size = page.size.clamp(1, 100);
        let start = (page.page.max(1) as usize - 1).saturating_mul(size as usize);
        let total = items.len();
        let slice: Vec<Scope> = items.into_iter().skip(start).take(size as usize).collect();
        Ok(Page {
            page: page.page.max(1),
            page_size: size,
            total_items: complete.then_some(total as u64),
            total_pages: complete.then_some(total.div_ceil(size as usize) as u32),
            has_more: start + slice.len() < total,
            unreadable: 0,
            items: slice,
        })
    }

    /// The patient to list under (the one given, else the pinned one) and its path segment.
    pub(super) fn patient_of<'a>(
        &'a self,
        scope: Option<&'a str>,
    ) -> Result<(&'a str, String), ProviderError> {
        let patient = scope
            .or(self.s.patient.as_ref().map(|p| p.id.as_str()))
            .ok_or_else(|| ProviderError::Invalid {
                provider: self.s.label.clone(),
                message: "choose a patient first: Welkin lists calls per patient".into(),
            })?;
        Ok((patient, self.patient_segment(patient)?))
    }

    pub(super) fn patient_segment(&self, id: &str) -> Result<String, ProviderError> {
        crate::providers::id_segment(&self.s.label, "patient id", id)
    }

    /// The patient's name and phone for the call list: cached, else read once (best effort).
    /// Only the server names a patient: a pinned patient's configured scope carries just its
    /// id (or a placeholder), which is never shown as the caller's name.
    pub(super) async fn patient_info(&self, id: &str) -> Option<PatientInfo> {
        if let Some(p) = self.known(id) {
            return Some(p);
        }
        let patient = self.patient_segment(id).ok()?;
        let v = self
            .get_json(&self.url(&format!("/patients/{patient}")), &[])
            .await
            .ok()?;
        let (_, info) = map::patient(v.as_object()?)?;
        self.remember(id, &info);
        Some(info)
    }
}
