//! Solum wire JSON → the program's model.

use serde_json::Value;

use std::sync::Arc;

use crate::display::body_safe;
use crate::model::{Account, Call, Direction, Page, PageNumbers, PageRequest};
use crate::providers::ProviderError;
use crate::providers::lenient::{self, Object};

/// `type` as Solum sends it → a direction (`inbound`, `outbound`, `web`; lenient about variants).
pub fn direction(t: &str) -> Option<Direction> {
    match t.trim().to_ascii_lowercase().as_str() {
        "inbound" | "in" | "incoming" => Some(Direction::Inbound),
        "outbound" | "out" | "outgoing" => Some(Direction::Outbound),
        "web" | "webcall" | "web_call" | "widget" => Some(Direction::Web),
        _ => None,
    }
}

/// `duration_min` (minutes, possibly fractional) → seconds, rounded to the millisecond so that
/// `3.466666666666667` minutes reads as 208 s.
pub fn minutes_to_secs(m: f64) -> Option<f64> {
    (m.is_finite() && m >= 0.0).then(|| (m * 60_000.0).round() / 1000.0)
}

/// One list item. `None` only when it has no readable `id`. A key that feeds a model field is
/// kept among the other fields when its value could not be read, so nothing the vendor sent
/// is lost.
pub fn call(owner: &Arc<Account>, o: &Object) -> Option<Call> {
    let id = lenient::id(o, "id")?;
    let mut c = Call::new(owner, None, &id);
    let mut consumed: Vec<&str> = vec!["id"];
    // A key is consumed when it was read, or when it is absent or null (nothing to show).
    let mut take = |key: &'static str, read: bool| {
        if read || o.get(key).is_none_or(Value::is_null) {
            consumed.push(key);
        }
    };
    // A date-time string on the wire; a number would only be a guess at an epoch.
    c.started_at = match o.get("started_at") {
        Some(Value::String(s)) => lenient::parse_time(s),
        _ => None,
    };
    take("started_at", c.started_at.is_some());
    c.duration_secs = lenient::number(o, "duration_min").and_then(minutes_to_secs);
    take("duration_min", c.duration_secs.is_some());
    c.direction = lenient::text(o, "type").and_then(|t| direction(&t));
    take("type", c.direction.is_some());
    c.status = lenient::text(o, "status");
    take("status", c.status.is_some());
    c.caller_number = lenient::text(o, "customer_number");
    take("customer_number", c.caller_number.is_some());
    c.summary = lenient::text(o, "summary");
    take("summary", c.summary.is_some());
    // Solum keeps neither transcripts nor recordings.
    c.has_recording = Some(false);
    c.has_transcript = Some(false);
    c.fields = lenient::other_fields(o, &consumed);
    Some(c)
}

/// One page of `GET /v1/calls`: `{data, pagination{has_more,total,page,limit}}`, each item
/// decoded on its own. Numbers may come as strings; a missing or unusable `page`/`limit` is the
/// request's. Without `has_more` the end is `page` reaching the pages `total` implies, and
/// without either, a page shorter than `limit`. `Err` says why the answer is no page at all.
pub fn page(owner: &Arc<Account>, v: &Value, req: PageRequest) -> Result<Page<Call>, String> {
    let items = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or("the answer has no \"data\" list")?;
    let (items, unreadable) = lenient::decode_items(items, |o| call(owner, o));
    let p = v.get("pagination").and_then(Value::as_object);
    let num = |k: &str| p.and_then(|p| lenient::number(p, k));
    let positive = |k: &str| num(k).filter(|n| *n >= 1.0).map(|n| n as u32);
    let page = positive("page").unwrap_or(req.page.max(1));
    let page_size = positive("limit").unwrap_or(req.size);
    let numbers = PageNumbers {
        page,
        page_size,
        total_items: num("total").filter(|n| *n >= 0.0).map(|n| n as u64),
        total_pages: None,
        has_more: p.and_then(|p| lenient::boolean(p, "has_more")),
    };
    Ok(Page::from_numbers(items, unreadable, numbers))
}

/// What an error body says: a code and one line of text (both sanitized).
fn parse_error(body: &[u8]) -> Option<(String, String)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v.get("detail")? {
        // The API's own shape: {"detail": {type, code, message, param}}.
        Value::Object(d) => {
            let code = lenient::text(d, "code")
                .or_else(|| lenient::text(d, "type"))
                .unwrap_or_default();
            let mut message = lenient::text(d, "message").unwrap_or_default();
            if let Some(param) = lenient::text(d, "param") {
                message = if message.is_empty() {
                    format!("parameter {param}")
                } else {
                    format!("{message} (parameter {param})")
                };
            }
            Some((code, message))
        }
        // FastAPI's validation shape: {"detail": [{loc, msg, type}, …]}.
        Value::Array(items) => {
            let mut code = String::new();
            let parts: Vec<String> = items
                .iter()
                .filter_map(Value::as_object)
                .map(|d| {
                    if code.is_empty() {
                        code = lenient::text(d, "type").unwrap_or_default();
                    }
                    let place: Vec<String> = match d.get("loc") {
                        Some(Value::Array(parts)) => parts
                            .iter()
                            .filter_map(|p| match p {
                                Value::String(s) => Some(s.clone()),
                                Value::Number(n) => Some(n.to_string()),
                                _ => None,
                            })
                            .collect(),
                        Some(Value::String(s)) => vec![s.clone()],
                        _ => Vec::new(),
                    };
                    // "query.limit" reads better as "limit".
                    let place = match place.split_first() {
                        Some((first, rest))
                            if !rest.is_empty()
                                && matches!(
                                    first.as_str(),
                                    "query" | "body" | "header" | "path"
                                ) =>
                        {
                            rest.join(".")
                        }
                        _ => place.join("."),
                    };
                    let msg = lenient::text(d, "msg").unwrap_or_else(|| "invalid".into());
                    if place.is_empty() {
                        msg
                    } else {
                        format!("{place}: {msg}")
                    }
                })
                .collect();
            if code.is_empty() {
                code = "validation_error".into();
            }
            Some((code, parts.join("; ")))
        }
        // FastAPI's default for unknown routes and HTTPException: {"detail": "Not Found"}.
        Value::String(s) => Some((String::new(), s.clone())),
        _ => None,
    }
    .map(|(c, m)| (body_safe(&c), body_safe(&m)))
}

/// A Solum error answer → one clear sentence naming the provider and what to do.
pub fn error(
    provider: &str,
    key_hint: &str,
    status: u16,
    body: &[u8],
    retry_after: Option<u64>,
) -> ProviderError {
    let (code, message) = parse_error(body)
        .filter(|(c, m)| !c.is_empty() || !m.is_empty())
        .unwrap_or_else(|| (String::new(), crate::providers::body_excerpt(body)));
    let code_or = |fallback: &str| {
        if code.is_empty() {
            fallback.to_string()
        } else {
            code.clone()
        }
    };
    let provider = provider.to_string();
    match status {
        401 => ProviderError::Auth {
            provider,
            credential: "API key".into(),
            status,
            code: code_or("unauthorized"),
            hint: key_hint.to_string(),
        },
        403 => ProviderError::Forbidden {
            provider,
            status,
            code: code_or("forbidden"),
            message: format!("{message}; use a key that may read calls ({key_hint})"),
        },
        404 => ProviderError::NotFound {
            provider,
            message: format!(
                "{message}; check base_url, it should be the API host such as https://api.getsolum.com"
            ),
        },
        400 | 422 => ProviderError::Invalid {
            provider,
            message: format!(
                "the request was rejected ({status} {}): {message}; check the filter",
                code_or("invalid_request")
            ),
        },
        429 => ProviderError::RateLimited {
            provider,
            retry_after_secs: retry_after,
        },
        409 => ProviderError::Vendor {
            provider,
            status,
            code: code_or("conflict"),
            message: format!("{message}; try again"),
        },
        s if s >= 500 => ProviderError::Vendor {
            provider,
            status,
            code: code_or("server_error"),
            message: format!("{message}; the server had a problem, try again later"),
        },
        _ => ProviderError::Vendor {
            provider,
            status,
            code: code_or("error"),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Arc<Account> {
        Arc::new(Account::new(
            crate::model::ProviderKind::Solum,
            "https://api.getsolum.com",
            None,
        ))
    }

    /// The example of the vendor's List Calls page (`seed-docs/solum-list-calls.md`), verbatim.
    const SEED_DOC_EXAMPLE: &str = r#"{
  "data": [
    {
      "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
      "org_id": "<string>",
      "created_at": "2023-11-07T05:31:56Z",
      "assistant_id": "<string>",
      "phone_number_id": "<string>",
      "type": "<string>",
      "started_at": "2023-11-07T05:31:56Z",
      "ended_at": "2023-11-07T05:31:56Z",
      "summary": "<string>",
      "customer_number": "<string>",
      "status": "pending",
      "category": "client_support",
      "duration_min": 123,
      "patient_id": "<string>",
      "language": "english",
      "sessions_scheduled": 123
    }
  ],
  "pagination": {
    "has_more": true,
    "total": 123,
    "page": 123,
    "limit": 123
  }
}"#;

    /// The example of `shared/providers/solum.md`, verbatim.
    const VENDOR_FILE_EXAMPLE: &str = r#"{
  "data": [
    {"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "org_id": "…", "created_at": "2023-11-07T05:31:56Z",
     "assistant_id": "…", "phone_number_id": "…", "type": "inbound", "started_at": "2023-11-07T05:31:56Z",
     "ended_at": "2023-11-07T05:35:56Z", "summary": "…", "customer_number": "+15551234567",
     "status": "pending", "category": "client_support", "duration_min": 4, "patient_id": "…",
     "language": "english", "sessions_scheduled": 0}
  ],
  "pagination": {"has_more": true, "total": 123, "page": 1, "limit": 50}
}"#;

    const OBJECT_ERROR_EXAMPLE: &str = r#"{"detail": {"type": "validation_error", "code": "invalid_field",
            "message": "A human-readable description of what went wrong", "param": "limit"}}"#;

    const ARRAY_ERROR_EXAMPLE: &str =
        r#"{"detail": [{"loc": ["query", "limit"], "msg": "…", "type": "…"}]}"#;

    fn first_item(doc: &str) -> Object {
        let v: Value = serde_json::from_str(doc).unwrap();
        v["data"][0].as_object().unwrap().clone()
    }

    fn field<'a>(c: &'a Call, k: &str) -> Option<&'a str> {
        c.fields
            .iter()
            .find(|(fk, _)| fk == k)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn seed_doc_example() {
        let c = call(&owner(), &first_item(SEED_DOC_EXAMPLE)).unwrap();
        assert_eq!(c.id, "3c90c3cc-0d44-4b50-8888-8dd25736052a");
        assert_eq!(c.scope, None);
        assert_eq!(
            c.started_at.unwrap().to_rfc3339(),
            "2023-11-07T05:31:56+00:00"
        );
        assert_eq!(c.duration_secs, Some(7380.0), "123 minutes");
        // "<string>" is no direction: the raw type is kept as a field.
        assert_eq!(c.direction, None);
        assert_eq!(field(&c, "type"), Some("<string>"));
        assert_eq!(c.status.as_deref(), Some("pending"));
        assert_eq!(c.summary.as_deref(), Some("<string>"));
        assert_eq!(c.caller_number.as_deref(), Some("<string>"));
        assert_eq!(c.has_recording, Some(false));
        assert_eq!(c.has_transcript, Some(false));
        for (k, v) in [
            ("category", "client_support"),
            ("language", "english"),
            ("sessions_scheduled", "123"),
            ("org_id", "<string>"),
            ("assistant_id", "<string>"),
            ("phone_number_id", "<string>"),
            ("patient_id", "<string>"),
            ("created_at", "2023-11-07T05:31:56Z"),
            ("ended_at", "2023-11-07T05:31:56Z"),
        ] {
            assert_eq!(field(&c, k), Some(v), "{k}");
        }
        assert_eq!(c.fields.len(), 10);
    }

    #[test]
    fn vendor_file_example() {
        let c = call(&owner(), &first_item(VENDOR_FILE_EXAMPLE)).unwrap();
        assert_eq!(c.direction, Some(Direction::Inbound));
        assert_eq!(field(&c, "type"), None, "type became the direction");
        assert_eq!(c.duration_secs, Some(240.0));
        assert_eq!(c.caller_number.as_deref(), Some("+15551234567"));
        assert_eq!(c.summary.as_deref(), Some("…"));
        assert_eq!(field(&c, "sessions_scheduled"), Some("0"));
        assert_eq!(field(&c, "ended_at"), Some("2023-11-07T05:35:56Z"));
        assert_eq!(field(&c, "patient_id"), Some("…"));
    }

    #[test]
    fn nulls_fractions_and_wrong_types() {
        let v = serde_json::json!({
            "id": "a", "org_id": "o", "created_at": "2026-03-01T10:00:00Z", "status": "follow_up_needed",
            "assistant_id": null, "phone_number_id": null, "type": "web", "started_at": null,
            "ended_at": null, "summary": null, "customer_number": null, "category": null,
            "duration_min": 3.466666666666667, "patient_id": null, "language": null,
            "sessions_scheduled": null
        });
        let c = call(&owner(), v.as_object().unwrap()).unwrap();
        assert_eq!(c.duration_secs, Some(208.0));
        assert_eq!(c.direction, Some(Direction::Web));
        assert_eq!(c.status.as_deref(), Some("follow_up_needed"));
        assert_eq!(
            (&c.started_at, &c.summary, &c.caller_number),
            (&None, &None, &None)
        );
        assert_eq!(field(&c, "category"), Some("—"));

        let v = serde_json::json!({"id": 17, "status": 3, "duration_min": "2.5",
                                   "started_at": false, "summary": {"text": "x"}});
        let c = call(&owner(), v.as_object().unwrap()).unwrap();
        assert_eq!(c.id, "17");
        assert_eq!(c.duration_secs, Some(150.0), "a number sent as a string");
        assert_eq!(c.status.as_deref(), Some("3"));
        assert_eq!(c.started_at, None);
        // Unreadable values stay visible as fields instead of vanishing.
        assert_eq!(field(&c, "started_at"), Some("no"));
        assert_eq!(field(&c, "summary"), Some(r#"{"text":"x"}"#));
        // A number is no date-time: not guessed as an epoch, kept as it came.
        let v = serde_json::json!({"id": "b", "status": "done", "started_at": 12345,
                                   "duration_min": "abc", "type": ["inbound"]});
        let c = call(&owner(), v.as_object().unwrap()).unwrap();
        assert_eq!(
            (c.started_at, c.duration_secs, c.direction),
            (None, None, None)
        );
        assert_eq!(field(&c, "started_at"), Some("12345"));
        assert_eq!(field(&c, "duration_min"), Some("abc"));
        assert_eq!(field(&c, "type"), Some(r#"["inbound"]"#));
        assert!(
            call(
                &owner(),
                serde_json::json!({"id": ["x"]}).as_object().unwrap()
            )
            .is_none()
        );
        assert_eq!(minutes_to_secs(-1.0), None);
    }

    fn read(doc: &str, page: u32, size: u32) -> Page<Call> {
        let v: Value = serde_json::from_str(doc).unwrap();
        super::page(&owner(), &v, PageRequest { page, size }).unwrap()
    }

    /// `(page, page_size, total_items, total_pages, has_more, items, unreadable)`.
    type Shape = (u32, u32, Option<u64>, Option<u32>, bool, usize, usize);

    fn shape(p: &Page<Call>) -> Shape {
        (
            p.page,
            p.page_size,
            p.total_items,
            p.total_pages,
            p.has_more,
            p.items.len(),
            p.unreadable,
        )
    }

    #[test]
    fn seed_doc_envelope() {
        // The vendor's page: page 123 of limit 123 with total 123 is one page, yet has_more
        // says true; the server's own has_more wins over arithmetic.
        let p = read(SEED_DOC_EXAMPLE, 1, 50);
        assert_eq!(shape(&p), (123, 123, Some(123), Some(1), true, 1, 0));
        assert_eq!(p.items[0].id, "3c90c3cc-0d44-4b50-8888-8dd25736052a");
        // solum.md's example: page 1 of 3.
        let p = read(VENDOR_FILE_EXAMPLE, 1, 50);
        assert_eq!(shape(&p), (1, 50, Some(123), Some(3), true, 1, 0));
        assert_eq!(p.items[0].caller_number.as_deref(), Some("+15551234567"));
    }

    /// `n` readable items and `bad` unreadable ones under `pagination`.
    fn doc(n: usize, bad: usize, pagination: Value) -> String {
        let mut data: Vec<Value> = (0..n)
            .map(|i| serde_json::json!({"id": format!("c{i}"), "status": "done"}))
            .collect();
        data.extend((0..bad).map(|_| serde_json::json!({"id": null})));
        let mut v = serde_json::json!({ "data": data });
        if !pagination.is_null() {
            v["pagination"] = pagination;
        }
        v.to_string()
    }

    #[test]
    fn paging_without_totals() {
        use serde_json::json;
        let cases: Vec<(&str, String, u32, Shape)> = vec![
            // Neither has_more nor total: a full page may have more, a short one is the last.
            (
                "full",
                doc(3, 0, json!({"page": 2, "limit": 3})),
                2,
                (2, 3, None, None, true, 3, 0),
            ),
            (
                "short",
                doc(2, 0, json!({"page": 2, "limit": 3})),
                2,
                (2, 3, None, None, false, 2, 0),
            ),
            (
                "empty",
                doc(0, 0, json!({"page": 3, "limit": 3})),
                3,
                (3, 3, None, None, false, 0, 0),
            ),
            (
                "unreadable counts",
                doc(2, 1, json!({"page": 1, "limit": 3})),
                1,
                (1, 3, None, None, true, 2, 1),
            ),
            // Only total: the pages it implies.
            (
                "total, not last",
                doc(3, 0, json!({"total": 7, "page": 2, "limit": 3})),
                2,
                (2, 3, Some(7), Some(3), true, 3, 0),
            ),
            (
                "total, last",
                doc(1, 0, json!({"total": 7, "page": 3, "limit": 3})),
                3,
                (3, 3, Some(7), Some(3), false, 1, 0),
            ),
            // Only has_more: it is believed, even on a full page.
            (
                "has_more only",
                doc(3, 0, json!({"has_more": false, "page": 1, "limit": 3})),
                1,
                (1, 3, None, None, false, 3, 0),
            ),
            // Numbers (and the flag) as strings.
            (
                "strings",
                doc(
                    3,
                    0,
                    json!({"has_more": "true", "total": "7", "page": "2", "limit": "3"}),
                ),
                2,
                (2, 3, Some(7), Some(3), true, 3, 0),
            ),
            (
                "strings, no totals",
                doc(2, 0, json!({"page": "4", "limit": "3"})),
                4,
                (4, 3, None, None, false, 2, 0),
            ),
            // No pagination, or values that cannot be used: the request's page and size.
            (
                "no pagination, full",
                doc(3, 0, Value::Null),
                4,
                (4, 3, None, None, true, 3, 0),
            ),
            (
                "no pagination, short",
                doc(1, 0, Value::Null),
                4,
                (4, 3, None, None, false, 1, 0),
            ),
            (
                "unusable",
                doc(
                    3,
                    0,
                    json!({"page": 0, "limit": "x", "total": -1, "has_more": "maybe"}),
                ),
                2,
                (2, 3, None, None, true, 3, 0),
            ),
        ];
        for (name, body, page, want) in cases {
            assert_eq!(shape(&read(&body, page, 3)), want, "{name}");
        }
        let v = serde_json::json!({"items": []});
        let e = super::page(&owner(), &v, PageRequest { page: 1, size: 3 }).unwrap_err();
        assert_eq!(e, "the answer has no \"data\" list");
    }

    #[test]
    fn object_error_shape() {
        let e = error(
            "Solum Health",
            "check SOLUM_KEY",
            422,
            OBJECT_ERROR_EXAMPLE.as_bytes(),
            None,
        );
        assert_eq!(
            e.to_string(),
            "Solum Health: the request was rejected (422 invalid_field): A human-readable \
             description of what went wrong (parameter limit); check the filter"
        );
        let e = error(
            "Solum Health",
            "check SOLUM_KEY",
            401,
            OBJECT_ERROR_EXAMPLE.as_bytes(),
            None,
        );
        assert_eq!(
            e.to_string(),
            "Solum Health rejected the API key (401 invalid_field): check SOLUM_KEY"
        );
    }

    #[test]
    fn array_error_shape() {
        let e = error(
            "Solum Health",
            "check SOLUM_KEY",
            422,
            ARRAY_ERROR_EXAMPLE.as_bytes(),
            None,
        );
        assert_eq!(
            e.to_string(),
            "Solum Health: the request was rejected (422 …): limit: …; check the filter"
        );
        let body = br#"{"detail":[{"type":"enum","loc":["query","status"],"msg":"Input should be 'pending', 'done' or 'follow_up_needed'","input":"x"},{"type":"less_than_equal","loc":["query","limit"],"msg":"Input should be less than or equal to 100"}]}"#;
        let e = error("Solum Health", "h", 422, body, None);
        assert_eq!(
            e.to_string(),
            "Solum Health: the request was rejected (422 enum): status: Input should be 'pending', \
             'done' or 'follow_up_needed'; limit: Input should be less than or equal to 100; check the filter"
        );
    }

    #[test]
    fn other_shapes_and_statuses() {
        let e = error("Solum Health", "h", 404, br#"{"detail":"Not Found"}"#, None);
        assert!(matches!(e, ProviderError::NotFound { .. }));
        assert!(
            e.to_string()
                .starts_with("Solum Health: not found (Not Found; check base_url")
        );
        let e = error(
            "Solum Health",
            "h",
            502,
            b"<html>\x1b[31mBad gateway</html>",
            None,
        );
        assert_eq!(
            e.to_string(),
            "Solum Health answered 502 server_error: <html>Bad gateway</html>; the server had a \
             problem, try again later"
        );
        let e = error("Solum Health", "h", 429, b"", Some(3));
        assert_eq!(
            e,
            ProviderError::RateLimited {
                provider: "Solum Health".into(),
                retry_after_secs: Some(3)
            }
        );
        let e = error(
            "Solum Health",
            "check SOLUM_KEY",
            403,
            br#"{"detail":{"type":"permission_error","code":"insufficient_permissions","message":"nope\u202e","param":null}}"#,
            None,
        );
        assert_eq!(
            e.to_string(),
            "Solum Health refused access (403 insufficient_permissions): nope⟪U+202E⟫; use a key \
             that may read calls (check SOLUM_KEY)"
        );
        let e = error(
            "Solum Health",
            "h",
            409,
            br#"{"detail":{"code":"conflict","message":"busy"}}"#,
            None,
        );
        assert_eq!(
            e.to_string(),
            "Solum Health answered 409 conflict: busy; try again"
        );
    }
}
