//! Welkin wire JSON → the program's model, the error array → one sentence, and the patient
//! search line → query parameters.

use serde_json::Value;

use std::sync::Arc;

use crate::display::body_safe;
use crate::model::{Account, Call, CallDetail, Direction, RecordingRef, Scope, Transcript};
use crate::providers::ProviderError;
use crate::providers::lenient::{self, Object};

/// The security-policy permission the recording endpoint needs.
pub const RECORDING_PERMISSION: &str = "Voice Calls None Care Team";

/// Call keys that become model fields; every other key is shown as `key: value`.
const CONSUMED: &[&str] = &[
    "id",
    "patientId",
    "direction",
    "duration",
    "status",
    "calledAt",
    "hasRecording",
];

/// What the adapter remembers about a patient it has seen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PatientInfo {
    pub first: Option<String>,
    pub last: Option<String>,
    pub phone: Option<String>,
    pub mrn: Option<String>,
}

impl PatientInfo {
    /// "First Last", or whichever part is known.
    pub fn name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first.as_deref(), self.last.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// Sort key: last name, first name (case-insensitive), as the server orders patients.
    pub fn sort_key(&self) -> (String, String) {
        (
            self.last.as_deref().unwrap_or("").to_lowercase(),
            self.first.as_deref().unwrap_or("").to_lowercase(),
        )
    }
}

/// One patient of the list: the scope and what is remembered for its calls.
pub fn patient(o: &Object) -> Option<(Scope, PatientInfo)> {
    let id = lenient::id(o, "id")?;
    let info = PatientInfo {
        first: lenient::text(o, "firstName"),
        last: lenient::text(o, "lastName"),
        phone: lenient::text(o, "phone"),
        mrn: lenient::text(o, "mrn"),
    };
    let mut detail: Vec<String> = Vec::new();
    if let Some(m) = &info.mrn {
        detail.push(m.clone());
    }
    if let Some(b) = lenient::text(o, "birthDate") {
        detail.push(format!("born {b}"));
    }
    if let Some(s) = lenient::text(o, "status") {
        detail.push(s.to_lowercase());
    }
    let scope = Scope {
        name: info.name().unwrap_or_else(|| id.clone()),
        id,
        detail: (!detail.is_empty()).then(|| detail.join(" · ")),
    };
    Some((scope, info))
}

/// One call of a patient (a list item or the detail object).
pub fn call(
    owner: &Arc<Account>,
    patient_id: &str,
    o: &Object,
    who: Option<&PatientInfo>,
) -> Option<Call> {
    let id = lenient::id(o, "id")?;
    let mut c = Call::new(owner, Some(patient_id), &id);
    c.started_at = lenient::time(o, "calledAt");
    c.duration_secs = lenient::number(o, "duration").filter(|d| *d >= 0.0);
    c.status = lenient::text(o, "status");
    c.has_recording = lenient::boolean(o, "hasRecording");
    // This API has no transcripts at all.
    c.has_transcript = Some(false);
    let direction = lenient::text(o, "direction");
    c.direction = match direction.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("INBOUND") => Some(Direction::Inbound),
        Some("OUTBOUND") => Some(Direction::Outbound),
        _ => None,
    };
    if let Some(who) = who {
        c.caller_name = who.name();
        c.caller_number = who.phone.clone();
    }
    c.fields = lenient::other_fields(o, CONSUMED);
    // A direction the model has no word for is still shown.
    if c.direction.is_none()
        && let Some(d) = direction
    {
        c.fields.push(("direction".into(), d));
    }
    if let Some(p) = lenient::text(o, "patientId").filter(|p| p != patient_id) {
        c.fields.push(("patientId".into(), p));
    }
    Some(c)
}

/// The path (below the base URL) of a call's recording.
pub fn recording_path(tenant: &str, instance: &str, patient_id: &str, call_id: &str) -> String {
    format!(
        "/{}/{}/patients/{}/calls/{}/recording",
        seg(tenant),
        seg(instance),
        seg(patient_id),
        seg(call_id)
    )
}

/// One call's detail: no transcript in this API; the recording is an authenticated endpoint.
pub fn detail(call: Call, recording_path: String, who: Option<&PatientInfo>) -> CallDetail {
    let mut d = CallDetail::from_list_item(call);
    d.transcript = Transcript::NotOffered;
    d.recording = if d.call.has_recording == Some(false) {
        RecordingRef::Missing
    } else {
        RecordingRef::Endpoint {
            path: recording_path,
        }
    };
    if let Some(mrn) = who.and_then(|w| w.mrn.clone()) {
        d.call.fields.push(("patient MRN".into(), mrn));
    }
    d
}

/// One path segment, percent-encoded.
pub use crate::http::path_segment as seg;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Where an error answer came from (changes what the user is told to do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorContext {
    /// The token exchange.
    Token,
    /// Patients and calls.
    Resource,
    /// The recording download.
    Recording,
}

/// The error array `[{errorCode, componentType, message, details, date}, …]` as (first code,
/// every message joined). Lenient: a single object, or `{"message": …}`, is read too.
pub fn parse_errors(body: &[u8]) -> Option<(String, String)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let items: Vec<&Object> = match &v {
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        Value::Object(o) => vec![o],
        _ => return None,
    };
    if items.is_empty() {
        return None;
    }
    let code = items
        .iter()
        .find_map(|o| lenient::text(o, "errorCode").or_else(|| lenient::text(o, "code")))
        .unwrap_or_default();
    let mut messages: Vec<String> = Vec::new();
    for o in &items {
        let Some(m) = lenient::text(o, "message").or_else(|| lenient::text(o, "error")) else {
            continue;
        };
        if !messages.contains(&m) {
            messages.push(m);
        }
    }
    const SHOWN: usize = 3;
    let mut message = messages
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if messages.len() > SHOWN {
        message.push_str(&format!(" (and {} more)", messages.len() - SHOWN));
    }
    if code.is_empty() && message.is_empty() {
        return None;
    }
    Some((body_safe(&code), body_safe(&message)))
}

/// Whether a 401 answer says the token expired or is not valid (then a fresh token is tried).
pub fn is_token_error(body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let codes: Vec<&Value> = match &v {
        Value::Array(items) => items.iter().filter_map(|i| i.get("errorCode")).collect(),
        Value::Object(o) => o.get("errorCode").into_iter().collect(),
        _ => Vec::new(),
    };
    codes.iter().any(|c| {
        matches!(
            c.as_str(),
            Some("TOKEN_EXPIRED" | "NOT_VALID_JSON_WEB_TOKEN")
        )
    })
}

/// One clear sentence for a non-success answer.
/// A 403 outside the token exchange: what the API client lacks.
fn forbidden(
    provider: String,
    ctx: ErrorContext,
    status: u16,
    code: String,
    message: String,
) -> ProviderError {
    let restricted = code == "ACCESS_FOR_API_CLIENT_RESTRICTED";
    let what = if restricted && ctx == ErrorContext::Recording {
        format!("the API client's security policy needs the permission \"{RECORDING_PERMISSION}\"")
    } else {
        "check the API client's roles, instance access and security policy in Welkin".to_string()
    };
    let message = if message.is_empty() {
        what
    } else {
        format!("{message}; {what}")
    };
    ProviderError::Forbidden {
        provider,
        status,
        code: if code.is_empty() {
            "FORBIDDEN".to_string()
        } else {
            code
        },
        message,
    }
}

/// A 404 outside the token exchange, with what to check for the codes that name a setting.
fn not_found_message(message: String, code: &str) -> String {
    match code {
        "CALL_RECORDING_NOT_FOUND" => {
            "this call has no recording (CALL_RECORDING_NOT_FOUND)".to_string()
        }
        "TENANT_NOT_FOUND" => with_code(&message, code, "check `tenant` in the configuration"),
        "INSTANCE_NOT_FOUND" => with_code(&message, code, "check `instance` in the configuration"),
        "" => message,
        _ => format!("{message} ({code})"),
    }
}

pub fn error(
    provider: &str,
    key_hint: &str,
    credential: &str,
    ctx: ErrorContext,
    status: u16,
    body: &[u8],
    retry_after: Option<u64>,
) -> ProviderError {
    let (code, message) =
        parse_errors(body).unwrap_or_else(|| (String::new(), crate::providers::body_excerpt(body)));
    let provider = provider.to_string();
    let or = |code: String, default: &str| {
        if code.is_empty() {
            default.to_string()
        } else {
            code
        }
    };
    let config = |credential: &str, key: &str| ProviderError::Auth {
        provider: provider.clone(),
        credential: credential.to_string(),
        status,
        code: code.clone(),
        hint: format!("check `{key}` in the configuration"),
    };
    match (status, ctx) {
        // The V8 exchange names the tenant and the client in its path.
        (404, ErrorContext::Token) if code == "TENANT_NOT_FOUND" => config("tenant", "tenant"),
        (404, ErrorContext::Token) if code == "API_CLIENT_NOT_FOUND" => {
            config("API client name", "client")
        }
        (404, ErrorContext::Token) => ProviderError::NotFound {
            provider,
            message: with_code(
                &message,
                &code,
                "no token endpoint at this address: check `base_url` and `auth_style`",
            ),
        },
        // The token exchange refused the client: its key/name or secret is wrong.
        (400 | 401 | 403, ErrorContext::Token) => ProviderError::Auth {
            provider,
            credential: credential.to_string(),
            status,
            code: or(code, "UNAUTHORIZED"),
            hint: key_hint.to_string(),
        },
        (401, _) => ProviderError::Auth {
            provider,
            credential: "token".into(),
            status,
            code: or(code, "UNAUTHORIZED"),
            hint: key_hint.to_string(),
        },
        (403, _) => forbidden(provider, ctx, status, code, message),
        (404, _) => ProviderError::NotFound {
            provider,
            message: not_found_message(message, &code),
        },
        (429, _) => ProviderError::RateLimited {
            provider,
            retry_after_secs: retry_after,
        },
        _ => ProviderError::Vendor {
            provider,
            status,
            code: or(
                code,
                reqwest::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or(""),
            ),
            message: if message.is_empty() {
                advice(status).to_string()
            } else {
                format!("{message}; {}", advice(status))
            },
        },
    }
}

/// "message (CODE): advice", leaving out what is empty.
fn with_code(message: &str, code: &str, advice: &str) -> String {
    match (message.is_empty(), code.is_empty()) {
        (false, false) => format!("{message} ({code}): {advice}"),
        (false, true) => format!("{message}: {advice}"),
        (true, false) => format!("{code}: {advice}"),
        (true, true) => advice.to_string(),
    }
}

/// What to do about an answer that is not about credentials, access, a missing thing or a
/// rate limit.
fn advice(status: u16) -> &'static str {
    match status {
        400 => "check the search and filter",
        405 => "this address does not take this request; check `base_url`",
        406 => "this address does not answer in JSON; check `base_url`",
        410 => "this API address is no longer served; check `base_url`",
        500..=599 => "a failure on Welkin's side; try again in a few minutes",
        _ => "if it persists, check `base_url` and the Welkin API client",
    }
}

// ---------------------------------------------------------------------------
// Patient search
// ---------------------------------------------------------------------------

/// How names in a patient search are matched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum NameQuery {
    #[default]
    None,
    /// One word: first name OR last name (two requests, merged).
    Either(String),
    /// Several words: the last is the last name, the others the first name.
    Both { first: String, last: String },
}

/// A patient search line read into the list's query parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatientQuery {
    pub mrn: Option<String>,
    pub status: Option<&'static str>,
    pub names: NameQuery,
}

/// A word that looks like a medical record number: `MRN-00123` (any case) or `MRN00123`.
fn looks_like_mrn(w: &str) -> bool {
    let upper = w.to_ascii_uppercase();
    upper.strip_prefix("MRN").is_some_and(|rest| {
        rest.starts_with('-') || rest.chars().next().is_some_and(|c| c.is_ascii_digit())
    })
}

/// An MRN as the server stores it: a `MRN-00123`-like value gets an upper-case prefix (`mrn-00123`
/// → `MRN-00123`); any other value is sent as typed (the match is exact).
fn normalize_mrn(v: &str) -> String {
    match v.get(3..) {
        Some(rest) if looks_like_mrn(v) => format!("MRN{rest}"),
        _ => v.to_string(),
    }
}

/// Reads the search line: `mrn:X` or an MRN-looking word → `mrn` (exact); `status:active|inactive`
/// → `status`; one name word → first OR last name; two or more → first + last name.
pub fn parse_search(s: &str) -> Result<PatientQuery, String> {
    let mut q = PatientQuery::default();
    let mut words: Vec<&str> = Vec::new();
    for tok in s.split_whitespace() {
        if let Some((k, v)) = tok.split_once(':') {
            match k.to_ascii_lowercase().as_str() {
                "mrn" if !v.is_empty() => {
                    q.mrn = Some(normalize_mrn(v));
                    continue;
                }
                "status" => {
                    q.status = Some(match v.to_ascii_lowercase().as_str() {
                        "active" => "ACTIVE",
                        "inactive" => "INACTIVE",
                        _ => {
                            return Err(format!(
                                "bad patient status '{v}': expected status:active or status:inactive"
                            ));
                        }
                    });
                    continue;
                }
                "mrn" => return Err("mrn: needs a medical record number (mrn:MRN-00123)".into()),
                _ => {}
            }
        }
        if looks_like_mrn(tok) {
            q.mrn = Some(normalize_mrn(tok));
            continue;
        }
        words.push(tok);
    }
    q.names = match words.as_slice() {
        [] => NameQuery::None,
        [one] => NameQuery::Either((*one).to_string()),
        [first @ .., last] => NameQuery::Both {
            first: first.join(" "),
            last: (*last).to_string(),
        },
    };
    Ok(q)
}

impl PatientQuery {
    /// The query parameters other than paging (names per `names`, except `Either`, which needs
    /// two requests: see [`PatientQuery::either_queries`]).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        if let Some(m) = &self.mrn {
            p.push(("mrn", m.clone()));
        }
        if let Some(s) = self.status {
            p.push(("status", s.to_string()));
        }
        if let NameQuery::Both { first, last } = &self.names {
            p.push(("firstName", first.clone()));
            p.push(("lastName", last.clone()));
        }
        p
    }

    /// For a one-word name: the parameters of the `firstName` request and of the `lastName` one.
    pub fn either_queries(&self) -> Option<[Vec<(&'static str, String)>; 2]> {
        let NameQuery::Either(w) = &self.names else {
            return None;
        };
        let base = self.params();
        let mut a = base.clone();
        a.push(("firstName", w.clone()));
        let mut b = base;
        b.push(("lastName", w.clone()));
        Some([a, b])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Arc<Account> {
        Arc::new(Account::new(
            crate::model::ProviderKind::Welkin,
            "https://api.welkinhealth.com",
            None,
        ))
    }
    use serde_json::json;

    /// The list example of `seed-docs/welkin-calls.md`, verbatim.
    const SEED_LIST: &str = r#"{
  "data": [
    {
      "id": "call-uuid",
      "patientId": "a1b2c3d4",
      "direction": "OUTBOUND",
      "duration": 245,
      "status": "COMPLETED",
      "calledAt": "2026-03-18T14:22:00Z",
      "hasRecording": true
    }
  ],
  "metaInfo": { "page": 0, "pageSize": 20, "totalElements": 8 }
}"#;

    /// The list example of `providers/welkin.md`, verbatim.
    const FILE_LIST: &str = r#"{
  "data": [
    {"id": "call-uuid", "patientId": "a1b2c3d4", "direction": "OUTBOUND", "duration": 245,
     "status": "COMPLETED", "calledAt": "2026-03-18T14:22:00Z", "hasRecording": true}
  ],
  "metaInfo": {"page": 0, "pageSize": 20, "totalElements": 8, "numberOfElements": 8,
               "lastPage": true, "firstPage": true, "totalPages": 1}
}"#;

    /// The error example of `providers/welkin.md`, verbatim.
    const FILE_ERROR: &str = r#"[{"errorCode": "CALL_NOT_FOUND", "componentType": "CALL", "message": "Call was not found",
  "details": {"id": "…"}, "date": "2026-03-19T10:00:00.000Z"}]"#;

    /// The patient of `providers/welkin.md` (its elided values filled in).
    const FILE_PATIENT: &str = r#"{"id": "…", "firstName": "Jane", "lastName": "Doe", "birthDate": "1985-06-15", "gender": "FEMALE",
"email": "…", "phone": "+14155551234", "mrn": "MRN-00123", "status": "ACTIVE", "createdAt": "…",
"updatedAt": "…"}"#;

    fn first_item(s: &str) -> Object {
        let v: Value = serde_json::from_str(s).unwrap();
        v["data"][0].as_object().unwrap().clone()
    }

    #[test]
    fn seed_docs_list_item_maps() {
        for src in [SEED_LIST, FILE_LIST] {
            let o = first_item(src);
            let who = PatientInfo {
                first: Some("Jane".into()),
                last: Some("Doe".into()),
                phone: Some("+14155551234".into()),
                mrn: Some("MRN-00123".into()),
            };
            let c = call(&owner(), "a1b2c3d4", &o, Some(&who)).unwrap();
            assert_eq!(c.id, "call-uuid");
            assert_eq!(c.scope.as_deref(), Some("a1b2c3d4"));
            assert_eq!(c.direction, Some(Direction::Outbound));
            assert_eq!(c.duration_secs, Some(245.0));
            assert_eq!(c.status.as_deref(), Some("COMPLETED"));
            assert_eq!(
                c.started_at.unwrap().to_rfc3339(),
                "2026-03-18T14:22:00+00:00"
            );
            assert_eq!(c.has_recording, Some(true));
            assert_eq!(c.has_transcript, Some(false));
            assert_eq!(c.caller_name.as_deref(), Some("Jane Doe"));
            assert_eq!(c.caller_number.as_deref(), Some("+14155551234"));
            assert!(c.fields.is_empty(), "{:?}", c.fields);
            let d = detail(
                c,
                recording_path("acme-health", "live", "a1b2c3d4", "call-uuid"),
                Some(&who),
            );
            assert_eq!(d.transcript, Transcript::NotOffered);
            assert_eq!(
                d.recording,
                RecordingRef::Endpoint {
                    path: "/acme-health/live/patients/a1b2c3d4/calls/call-uuid/recording".into()
                }
            );
            assert!(
                d.call
                    .fields
                    .contains(&("patient MRN".into(), "MRN-00123".into()))
            );
        }
    }

    #[test]
    fn lenient_and_unknown_values() {
        let o = json!({"id": 17, "direction": "internal", "duration": "12", "status": "NO_ANSWER",
                       "calledAt": "2026-03-18T14:22:00.000Z", "hasRecording": "false",
                       "extra": "x"});
        let c = call(&owner(), "p", o.as_object().unwrap(), None).unwrap();
        assert_eq!(c.id, "17");
        assert_eq!(c.duration_secs, Some(12.0));
        assert_eq!(c.has_recording, Some(false));
        assert_eq!(c.direction, None);
        assert!(c.fields.contains(&("direction".into(), "internal".into())));
        assert!(c.fields.contains(&("extra".into(), "x".into())));
        assert_eq!(c.caller_name, None);
        let d = detail(c, "/x".into(), None);
        assert_eq!(d.recording, RecordingRef::Missing);
        assert!(
            call(
                &owner(),
                "p",
                json!({"id": {"a": 1}}).as_object().unwrap(),
                None
            )
            .is_none()
        );
    }

    #[test]
    fn patient_scope_has_name_mrn_birth_date_and_status() {
        let v: Value = serde_json::from_str(FILE_PATIENT).unwrap();
        let (s, info) = patient(v.as_object().unwrap()).unwrap();
        assert_eq!(s.name, "Jane Doe");
        assert_eq!(
            s.detail.as_deref(),
            Some("MRN-00123 · born 1985-06-15 · active")
        );
        assert_eq!(info.phone.as_deref(), Some("+14155551234"));
    }

    #[test]
    fn the_error_array_is_one_sentence() {
        let e = error(
            "Welkin Health",
            "check WELKIN_SECRET",
            "API client credentials",
            ErrorContext::Resource,
            404,
            FILE_ERROR.as_bytes(),
            None,
        );
        assert_eq!(
            e.to_string(),
            "Welkin Health: not found (Call was not found (CALL_NOT_FOUND))"
        );
        let body = br#"[{"errorCode":"ACCESS_FOR_API_CLIENT_RESTRICTED","componentType":"AUTH","message":"Access to this API is restricted for the APIClient"}]"#;
        let e = error("W", "h", "c", ErrorContext::Recording, 403, body, None);
        let s = e.to_string();
        assert!(
            s.contains("Access to this API is restricted for the APIClient"),
            "{s}"
        );
        assert!(s.contains(RECORDING_PERMISSION), "{s}");
        let body = br#"[{"errorCode":"INVALID_REQUEST_PARAMETER","message":"size must be between 1 and 100"},{"errorCode":"INVALID_REQUEST_PARAMETER","message":"page must be an integer"}]"#;
        let e = error("W", "h", "c", ErrorContext::Resource, 400, body, None);
        assert_eq!(
            e.to_string(),
            "W answered 400 INVALID_REQUEST_PARAMETER: size must be between 1 and 100; page must \
             be an integer; check the search and filter"
        );
        let e = error(
            "W",
            "h",
            "c",
            ErrorContext::Resource,
            502,
            b"<html>\x1b[31mbad",
            None,
        );
        assert_eq!(
            e.to_string(),
            "W answered 502 Bad Gateway: <html>bad; a failure on Welkin's side; try again in a few \
             minutes"
        );
        assert!(is_token_error(br#"[{"errorCode":"TOKEN_EXPIRED"}]"#));
        assert!(is_token_error(
            br#"[{"errorCode":"NOT_VALID_JSON_WEB_TOKEN"}]"#
        ));
        assert!(!is_token_error(br#"[{"errorCode":"NOT_AUTHORIZED"}]"#));
        assert!(!is_token_error(b"nonsense"));
    }

    #[test]
    fn token_exchange_errors_name_the_setting_to_fix() {
        let token = |status, body: &[u8]| {
            error(
                "W",
                "check WELKIN_SECRET",
                "API client name or secret",
                ErrorContext::Token,
                status,
                body,
                None,
            )
            .to_string()
        };
        assert_eq!(
            token(
                404,
                br#"[{"errorCode":"TENANT_NOT_FOUND","message":"Tenant was not found"}]"#
            ),
            "W rejected the tenant (404 TENANT_NOT_FOUND): check `tenant` in the configuration"
        );
        assert_eq!(
            token(
                404,
                br#"[{"errorCode":"API_CLIENT_NOT_FOUND","message":"API client was not found"}]"#
            ),
            "W rejected the API client name (404 API_CLIENT_NOT_FOUND): check `client` in the \
             configuration"
        );
        assert_eq!(
            token(
                401,
                br#"[{"errorCode":"INVALID_API_CLIENT_CREDENTIALS","message":"not valid"}]"#
            ),
            "W rejected the API client name or secret (401 INVALID_API_CLIENT_CREDENTIALS): check \
             WELKIN_SECRET"
        );
        // Any other 404: the address is wrong, not the secret.
        assert_eq!(
            token(404, b"<html>Not Found</html>"),
            "W: not found (<html>Not Found</html>: no token endpoint at this address: check \
             `base_url` and `auth_style`)"
        );
        let resource =
            |body: &[u8]| error("W", "h", "c", ErrorContext::Resource, 404, body, None).to_string();
        assert_eq!(
            resource(br#"[{"errorCode":"INSTANCE_NOT_FOUND","message":"Instance was not found"}]"#),
            "W: not found (Instance was not found (INSTANCE_NOT_FOUND): check `instance` in the \
             configuration)"
        );
    }

    #[test]
    fn other_statuses_come_with_advice() {
        for (status, advice) in [
            (405, "check `base_url`"),
            (406, "check `base_url`"),
            (410, "check `base_url`"),
            (500, "try again in a few minutes"),
            (504, "try again in a few minutes"),
            (418, "if it persists"),
        ] {
            let e = error("W", "h", "c", ErrorContext::Resource, status, b"", None);
            assert!(matches!(e, ProviderError::Vendor { .. }), "{e:?}");
            let s = e.to_string();
            assert!(s.starts_with(&format!("W answered {status} ")), "{s}");
            assert!(s.contains(advice), "{s}");
        }
    }

    #[test]
    fn the_seed_doc_envelopes_page_as_documented() {
        use crate::model::PageRequest;
        use crate::providers::welkin::read_page;
        let req = PageRequest { page: 1, size: 20 };
        // The vendor's page: three metaInfo keys, totalElements 8 with one item shown. The
        // totals end paging: (0+1)*20 >= 8.
        let v: Value = serde_json::from_str(SEED_LIST).unwrap();
        let p = read_page(&v, req, |o| call(&owner(), "a1b2c3d4", o, None)).unwrap();
        assert_eq!(ids(&p.items), vec!["call-uuid"]);
        assert_eq!(
            (p.page, p.page_size, p.total_items, p.total_pages),
            (1, 20, Some(8), Some(1))
        );
        assert!(!p.has_more);
        assert_eq!(p.unreadable, 0);
        // The file's seven keys: lastPage says it.
        let v: Value = serde_json::from_str(FILE_LIST).unwrap();
        let p = read_page(&v, req, |o| call(&owner(), "a1b2c3d4", o, None)).unwrap();
        assert_eq!(ids(&p.items), vec!["call-uuid"]);
        assert_eq!((p.total_items, p.total_pages), (Some(8), Some(1)));
        assert!(!p.has_more);
        // The same envelope asking page 2 of 3-item pages: the totals promise more.
        let v = json!({"data": v["data"], "metaInfo": {"page": 1, "pageSize": 3,
            "totalElements": 8}});
        let p = read_page(&v, PageRequest { page: 2, size: 3 }, |o| {
            call(&owner(), "a1b2c3d4", o, None)
        })
        .unwrap();
        assert_eq!((p.page, p.total_pages, p.has_more), (2, Some(3), true));
    }

    fn ids(calls: &[Call]) -> Vec<&str> {
        calls.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn search_lines() {
        let q = parse_search("mrn:MRN-00123").unwrap();
        assert_eq!(q.mrn.as_deref(), Some("MRN-00123"));
        assert_eq!(q.names, NameQuery::None);
        // The same MRN, typed either way, is sent the same way; another form as typed.
        for line in ["mrn-00152", "mrn:mrn-00152", "MRN:Mrn-00152", "MRN-00152"] {
            let q = parse_search(line).unwrap();
            assert_eq!(q.mrn.as_deref(), Some("MRN-00152"), "{line}");
        }
        let q = parse_search("mrn:A-77x").unwrap();
        assert_eq!(q.mrn.as_deref(), Some("A-77x"));
        assert_eq!(
            parse_search("mrnè").unwrap().names,
            NameQuery::Either("mrnè".into())
        );
        assert!(parse_search("mrn:").is_err());
        let q = parse_search("status:inactive doe").unwrap();
        assert_eq!(q.status, Some("INACTIVE"));
        assert_eq!(q.names, NameQuery::Either("doe".into()));
        let [a, b] = q.either_queries().unwrap();
        assert!(
            a.contains(&("firstName", "doe".into())) && a.contains(&("status", "INACTIVE".into()))
        );
        assert!(b.contains(&("lastName", "doe".into())));
        let q = parse_search("Mary Ann Smith").unwrap();
        assert_eq!(
            q.names,
            NameQuery::Both {
                first: "Mary Ann".into(),
                last: "Smith".into()
            }
        );
        assert!(
            parse_search("status:maybe")
                .unwrap_err()
                .contains("status:active")
        );
        assert_eq!(parse_search("  ").unwrap(), PatientQuery::default());
        assert_eq!(seg("a b/c"), "a%20b%2Fc");
    }
}
