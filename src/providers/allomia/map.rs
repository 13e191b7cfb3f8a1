//! AlloMia wire JSON (and plain-text transcripts) → the program's model.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use crate::display::body_safe;
use crate::model::{Call, CallDetail, Direction, RecordingRef, Scope, Speaker, Transcript, Turn};
use crate::providers::ProviderError;
use crate::providers::lenient::{self, Object};

/// List keys that become model fields; every other key is shown as `key: value`.
const LIST_CONSUMED: &[&str] = &[
    "id",
    "callType",
    "callStartedAt",
    "callDurationSeconds",
    "userPhoneNumber",
];

/// Detail keys that become model fields (on top of [`LIST_CONSUMED`]).
const DETAIL_CONSUMED: &[&str] = &[
    "callSummary",
    "callSummaryFr",
    "callOutcome",
    "userPrimaryIntent",
    "userSentiment",
    "userName",
    "transcriptUrl",
    "recordingUrl",
];

/// How long a signed URL is valid when the URL does not say (the vendor documents 1 hour).
pub const DEFAULT_URL_LIFETIME_SECS: i64 = 3600;

/// One organization of `GET /api/organization`.
pub fn scope(o: &Object) -> Option<Scope> {
    let id = lenient::id(o, "id")?;
    let name = lenient::text(o, "name").unwrap_or_else(|| id.clone());
    let detail: Vec<String> = ["phoneNumber", "timezone"]
        .iter()
        .filter_map(|k| lenient::text(o, k))
        .collect();
    Some(Scope {
        id,
        name,
        detail: (!detail.is_empty()).then(|| detail.join(" · ")),
    })
}

fn direction(o: &Object) -> Option<Direction> {
    match lenient::text(o, "callType")?
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "inbound" => Some(Direction::Inbound),
        "outbound" => Some(Direction::Outbound),
        "web" | "webcall" | "web_call" => Some(Direction::Web),
        _ => None,
    }
}

fn call_with(provider: &str, org: Option<&str>, o: &Object, consumed: &[&str]) -> Option<Call> {
    let id = lenient::id(o, "id")?;
    let org = org
        .map(str::to_string)
        .or_else(|| lenient::id(o, "organizationId"));
    let mut c = Call::new(provider, org.as_deref(), &id);
    c.started_at = lenient::time(o, "callStartedAt");
    c.duration_secs = lenient::number(o, "callDurationSeconds").filter(|d| *d >= 0.0);
    c.direction = direction(o);
    c.caller_number = lenient::text(o, "userPhoneNumber");
    c.fields = lenient::other_fields(o, consumed);
    Some(c)
}

/// One item of `GET /api/calls`. `org` is the organization it was listed under.
pub fn call(provider: &str, org: Option<&str>, o: &Object) -> Option<Call> {
    call_with(provider, org, o, LIST_CONSUMED)
}

/// `GET /api/calls/{id}`. The transcript is left [`Transcript::Missing`]: its URL is fetched by
/// the adapter ([`transcript_url`]).
pub fn detail(provider: &str, org: Option<&str>, o: &Object) -> Option<CallDetail> {
    let consumed: Vec<&str> = LIST_CONSUMED
        .iter()
        .chain(DETAIL_CONSUMED)
        .copied()
        .collect();
    let mut call = call_with(provider, org, o, &consumed)?;
    let en = lenient::text(o, "callSummary");
    let fr = lenient::text(o, "callSummaryFr");
    let mut other_summaries = Vec::new();
    call.summary = match (en, fr) {
        (Some(en), Some(fr)) => {
            other_summaries.push(("fr-CA".to_string(), fr));
            Some(en)
        }
        (Some(en), None) => Some(en),
        (None, fr) => fr,
    };
    call.caller_name = lenient::text(o, "userName");
    let recording = match lenient::text(o, "recordingUrl") {
        Some(url) => RecordingRef::SignedUrl {
            expires_at: Some(signed_url_expiry(&url).unwrap_or_else(default_expiry)),
            url,
        },
        None => RecordingRef::Missing,
    };
    call.has_recording = Some(recording.is_available());
    call.has_transcript = Some(transcript_url(o).is_some());
    Some(CallDetail {
        other_summaries,
        score: None,
        outcome: lenient::text(o, "callOutcome"),
        sentiment: lenient::text(o, "userSentiment"),
        intent: lenient::text(o, "userPrimaryIntent"),
        handled_by: lenient::text(o, "agentName"),
        transcript: Transcript::Missing,
        recording,
        warnings: Vec::new(),
        call,
    })
}

pub fn transcript_url(o: &Object) -> Option<String> {
    lenient::text(o, "transcriptUrl")
}

pub fn recording_url(o: &Object) -> Option<String> {
    lenient::text(o, "recordingUrl")
}

fn default_expiry() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(DEFAULT_URL_LIFETIME_SECS)
}

/// When a pre-signed URL expires, read from its query: S3 v4 (`X-Amz-Date` + `X-Amz-Expires`),
/// Google (`X-Goog-Date` + `X-Goog-Expires`), S3 v2 / CloudFront (`Expires` as Unix seconds) or
/// Azure (`se` as RFC 3339). `None` when the URL does not say.
pub fn signed_url_expiry(url: &str) -> Option<DateTime<Utc>> {
    let parsed = url::Url::parse(url).ok()?;
    let mut q: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    q.iter_mut().for_each(|(k, _)| k.make_ascii_lowercase());
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    for (date, expires) in [
        ("x-amz-date", "x-amz-expires"),
        ("x-goog-date", "x-goog-expires"),
    ] {
        if let (Some(d), Some(e)) = (get(date), get(expires)) {
            let start = NaiveDateTime::parse_from_str(d, "%Y%m%dT%H%M%SZ")
                .ok()?
                .and_utc();
            let secs: i64 = e.trim().parse().ok()?;
            return Some(start + chrono::Duration::seconds(secs));
        }
    }
    if let Some(e) = get("expires") {
        let secs: i64 = e.trim().parse().ok()?;
        return DateTime::from_timestamp(secs, 0);
    }
    get("se").and_then(lenient::parse_time)
}

/// Whether a line starts with a speaker (`Agent: …`): a short name that starts with a letter,
/// then a colon followed by a space or the end of the line.
fn speaker_prefix(line: &str) -> Option<(&str, &str)> {
    let (name, rest) = line.split_once(':')?;
    let name_t = name.trim();
    let ok = !name_t.is_empty()
        && name_t.chars().count() <= 32
        && name_t.split_whitespace().count() <= 4
        && name_t.chars().next().is_some_and(char::is_alphabetic)
        && name_t
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '\'' | '-' | '(' | ')' | '_'))
        && !name.starts_with(char::is_whitespace)
        && (rest.is_empty() || rest.starts_with(char::is_whitespace));
    ok.then_some((name_t, rest.trim()))
}

fn speaker(name: &str) -> Speaker {
    match name.to_lowercase().as_str() {
        "agent" | "assistant" | "ai" | "bot" => Speaker::Agent,
        "user" | "caller" | "customer" | "patient" => Speaker::Caller,
        _ => Speaker::Other(name.to_string()),
    }
}

/// The plain-text transcript, ASSUMED format: one turn per line, `Speaker: text`; `Agent` is the
/// assistant, `User` the caller, other names are shown as they are; a line without a speaker
/// continues the previous turn; blank lines separate nothing. Text before the first speaker is a
/// turn of an unknown speaker. Nothing parseable → shown as sent with a warning.
pub fn parse_transcript(text: &str) -> Transcript {
    if text.trim().is_empty() {
        return Transcript::Missing;
    }
    let mut turns: Vec<Turn> = Vec::new();
    let mut preamble: Vec<&str> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        match speaker_prefix(line) {
            Some((name, rest)) => turns.push(Turn {
                speaker: speaker(name),
                text: rest.to_string(),
            }),
            None => match turns.last_mut() {
                Some(t) => {
                    if !t.text.is_empty() {
                        t.text.push('\n');
                    }
                    t.text.push_str(line.trim());
                }
                None => preamble.push(line.trim()),
            },
        }
    }
    if turns.is_empty() {
        return Transcript::Unparsed {
            raw: text.to_string(),
            warning: "the transcript is not in the expected \"Speaker: text\" form; shown as sent"
                .to_string(),
        };
    }
    if !preamble.is_empty() {
        turns.insert(
            0,
            Turn {
                speaker: Speaker::Other("unknown".into()),
                text: preamble.join("\n"),
            },
        );
    }
    Transcript::Turns(turns)
}

/// The `<Code>` of an S3 XML error body, if there is one.
pub fn s3_code(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let start = text.find("<Code>")? + "<Code>".len();
    let len = text[start..].find("</Code>")?;
    Some(body_safe(&text[start..start + len]))
}

/// What was being asked when an error came back (to name the cause and the fix).
#[derive(Clone, Copy, Debug)]
pub enum Ctx<'a> {
    Organizations,
    Calls { org: &'a str },
    Call { id: &'a str },
}

/// The vendor's message from an error body: ASSUMED `{"error": "…"}`; `{"error": {"message"}}`
/// and `{"message": "…"}` are read too; anything else is shown as an excerpt.
pub fn error_message(body: &[u8]) -> String {
    let parsed = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        let o = v.as_object()?;
        match o.get("error") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(Value::Object(e)) => lenient::text(e, "message"),
            _ => lenient::text(o, "message"),
        }
    });
    match parsed {
        Some(m) => body_safe(&m),
        None => crate::providers::body_excerpt(body),
    }
}

/// One clear sentence for an error answer of the AlloMia API.
pub fn error(
    provider: &str,
    key_hint: &str,
    status: u16,
    body: &[u8],
    retry_after: Option<u64>,
    ctx: Ctx<'_>,
) -> ProviderError {
    let msg = error_message(body);
    let provider = provider.to_string();
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
        .to_string();
    match status {
        400 => ProviderError::Invalid {
            provider,
            message: format!(
                "the request was refused as invalid (400: {msg}); check the filter (dir:, from:/to: dates, sort:)"
            ),
        },
        401 => ProviderError::Auth {
            provider,
            credential: "API key".into(),
            status,
            code: reason,
            hint: key_hint.to_string(),
        },
        403 => ProviderError::Forbidden {
            provider,
            status,
            code: reason,
            message: match ctx {
                Ctx::Organizations => "this is an organization key, which cannot list \
                     organizations; set organization = \"<id>\" in this provider's config"
                    .to_string(),
                _ => format!("{msg}; check that this key may read this organization"),
            },
        },
        404 => ProviderError::NotFound {
            provider,
            message: match ctx {
                Ctx::Calls { org } => format!(
                    "organization \"{}\" ({msg}); check organization in this provider's config \
                     and that the key belongs to it",
                    body_safe(org)
                ),
                Ctx::Call { id } => format!(
                    "call \"{}\" ({msg}); it was deleted or belongs to another organization than \
                     this key's",
                    body_safe(id)
                ),
                Ctx::Organizations => msg,
            },
        },
        429 => ProviderError::RateLimited {
            provider,
            retry_after_secs: retry_after,
        },
        _ => ProviderError::Vendor {
            provider,
            status,
            code: reason,
            message: if status >= 500 {
                format!("{msg}; try again later")
            } else {
                msg
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The organization list example of `allomia.md`, verbatim.
    const ORGS_EXAMPLE: &str = r#"{"organizations": [{"id": "a1b2c3d4-…", "name": "Valley Health Clinic", "phoneNumber": "+14155551234",
  "timezone": "America/Los_Angeles", "createdAt": "…"}],
 "pagination": {"page": 1, "limit": 10, "total": 1, "totalPages": 1, "hasNextPage": false,
                "hasPreviousPage": false}}"#;

    /// The list-calls example of `allomia.md`, verbatim.
    const CALLS_EXAMPLE: &str = r#"{"calls": [
   {"id": "f6a7b8c9-…", "organizationId": "…", "callType": "Inbound", "agentId": "…",
    "agentName": "Front desk", "teamId": null, "teamName": null, "phoneNumber": "+15145550100",
    "callStartedAt": "2025-05-28T14:20:15Z", "callEndedAt": "2025-05-28T14:23:15Z",
    "callDurationSeconds": "180", "userPhoneNumber": "+15145550123", "createdAt": "2025-05-28T14:23:45Z"}
 ],
 "pagination": {"page": 1, "limit": 20, "total": 57, "totalPages": 3, "hasNextPage": true,
                "hasPreviousPage": false}}"#;

    fn obj(v: &Value) -> &Object {
        v.as_object().unwrap()
    }

    #[test]
    fn organization_example() {
        let v: Value = serde_json::from_str(ORGS_EXAMPLE).unwrap();
        let s = scope(obj(&v["organizations"][0])).unwrap();
        assert_eq!(s.id, "a1b2c3d4-…");
        assert_eq!(s.name, "Valley Health Clinic");
        assert_eq!(
            s.detail.as_deref(),
            Some("+14155551234 · America/Los_Angeles")
        );
    }

    #[test]
    fn list_example() {
        let v: Value = serde_json::from_str(CALLS_EXAMPLE).unwrap();
        let c = call("am", Some("org-1"), obj(&v["calls"][0])).unwrap();
        assert_eq!(c.id, "f6a7b8c9-…");
        assert_eq!(c.scope.as_deref(), Some("org-1"));
        assert_eq!(c.duration_secs, Some(180.0));
        assert_eq!(c.direction, Some(Direction::Inbound));
        assert_eq!(
            c.started_at.unwrap().to_rfc3339(),
            "2025-05-28T14:20:15+00:00"
        );
        assert_eq!(c.caller_number.as_deref(), Some("+15145550123"));
        let f = |k: &str| {
            c.fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(f("agentName"), Some("Front desk"));
        assert_eq!(f("teamId"), Some("—"));
        assert_eq!(f("teamName"), Some("—"));
        assert_eq!(f("callEndedAt"), Some("2025-05-28T14:23:15Z"));
        assert_eq!(f("phoneNumber"), Some("+15145550100"));
        assert_eq!(f("callDurationSeconds"), None, "mapped, not repeated");
        // A number instead of the string reads the same.
        let mut o = obj(&v["calls"][0]).clone();
        o.insert("callDurationSeconds".into(), serde_json::json!(180));
        assert_eq!(call("am", None, &o).unwrap().duration_secs, Some(180.0));
        assert_eq!(call("am", None, &o).unwrap().scope.as_deref(), Some("…"));
    }

    fn detail_example() -> Value {
        // The Get Call page's example values, with every documented key.
        serde_json::from_str(
            r#"{"id": "f6a7b8c9-…", "organizationId": "…", "callType": "Inbound", "agentId": "…",
            "agentName": "Front desk", "teamId": null, "teamName": null, "phoneNumber": "+15145550100",
            "callStartedAt": "2025-05-28T14:20:15Z", "callEndedAt": "2025-05-28T14:23:15Z",
            "callDurationSeconds": "180", "callEndedReason": "customer-ended-call",
            "userName": "Marie Tremblay", "userPhoneNumber": "+15145550123",
            "userPrimaryIntent": "reschedule_appointment", "userSentiment": "positive",
            "callOutcome": "appointment_confirmed",
            "callSummary": "The patient confirmed the appointment.",
            "callSummaryFr": "La patiente a confirmé le rendez-vous.",
            "transcriptUrl": "https://bucket.s3.amazonaws.com/t/f6a7.txt?X-Amz-Date=20250528T142345Z&X-Amz-Expires=3600&X-Amz-Signature=ab",
            "recordingUrl": "https://bucket.s3.amazonaws.com/r/f6a7.mp3?X-Amz-Date=20250528T142345Z&X-Amz-Expires=3600&X-Amz-Signature=cd",
            "createdAt": "2025-05-28T14:23:45Z"}"#,
        )
        .unwrap()
    }

    #[test]
    fn detail_maps_both_summaries_and_the_header() {
        let v = detail_example();
        let d = detail("am", None, obj(&v)).unwrap();
        assert_eq!(
            d.call.summary.as_deref(),
            Some("The patient confirmed the appointment.")
        );
        assert_eq!(
            d.other_summaries,
            vec![(
                "fr-CA".to_string(),
                "La patiente a confirmé le rendez-vous.".to_string()
            )]
        );
        assert_eq!(d.outcome.as_deref(), Some("appointment_confirmed"));
        assert_eq!(d.intent.as_deref(), Some("reschedule_appointment"));
        assert_eq!(d.sentiment.as_deref(), Some("positive"));
        assert_eq!(d.call.caller_name.as_deref(), Some("Marie Tremblay"));
        assert_eq!(d.handled_by.as_deref(), Some("Front desk"));
        assert_eq!(d.call.has_transcript, Some(true));
        assert_eq!(d.call.has_recording, Some(true));
        match &d.recording {
            RecordingRef::SignedUrl { expires_at, .. } => assert_eq!(
                expires_at.unwrap().to_rfc3339(),
                "2025-05-28T15:23:45+00:00"
            ),
            other => panic!("{other:?}"),
        }
        let keys: Vec<&str> = d.call.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert!(keys.contains(&"callEndedReason"));
        assert!(keys.contains(&"agentName"));
        for k in [
            "callSummary",
            "callSummaryFr",
            "transcriptUrl",
            "recordingUrl",
        ] {
            assert!(!keys.contains(&k), "{k} is mapped, not a field");
        }
    }

    #[test]
    fn french_summary_is_main_when_english_is_null() {
        let mut v = detail_example();
        v["callSummary"] = Value::Null;
        v["recordingUrl"] = Value::Null;
        v["transcriptUrl"] = Value::Null;
        v["teamId"] = serde_json::json!("t-1");
        let d = detail("am", Some("org"), obj(&v)).unwrap();
        assert_eq!(
            d.call.summary.as_deref(),
            Some("La patiente a confirmé le rendez-vous.")
        );
        assert!(d.other_summaries.is_empty());
        assert_eq!(d.recording, RecordingRef::Missing);
        assert_eq!(d.call.has_transcript, Some(false));
    }

    #[test]
    fn url_expiry_forms() {
        let t =
            signed_url_expiry("https://x/y?X-Amz-Date=20250528T142015Z&X-Amz-Expires=60").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-05-28T14:21:15+00:00");
        let t = signed_url_expiry("https://x/y?Expires=1748442015&Signature=a").unwrap();
        assert_eq!(t.timestamp(), 1_748_442_015);
        assert!(signed_url_expiry("https://x/y?token=a").is_none());
        assert!(signed_url_expiry("not a url").is_none());
    }

    #[test]
    fn transcript_lines() {
        let t = parse_transcript(
            "\nAgent: Hello. How can I help?\r\n\r\nUser:   I need to move\nmy appointment.\n\nStaff: Front desk, Dana speaking.\nUser: Thanks: really.\n",
        );
        let turns = t.turns();
        assert_eq!(turns.len(), 4, "{t:?}");
        assert_eq!(turns[0].speaker, Speaker::Agent);
        assert_eq!(turns[0].text, "Hello. How can I help?");
        assert_eq!(turns[1].speaker, Speaker::Caller);
        assert_eq!(turns[1].text, "I need to move\nmy appointment.");
        assert_eq!(turns[2].speaker, Speaker::Other("Staff".into()));
        assert_eq!(turns[3].text, "Thanks: really.");
        // A time or a URL is not a speaker.
        let t = parse_transcript("User: call me at\n10:30 or see https://x.y");
        assert_eq!(t.turns().len(), 1);
        assert_eq!(t.turns()[0].text, "call me at\n10:30 or see https://x.y");
        // Text before the first speaker is kept.
        let t = parse_transcript("[export]\nAgent: Hi");
        assert_eq!(t.turns()[0].speaker, Speaker::Other("unknown".into()));
        match parse_transcript("(notes: no speakers here)\n\n(the end)") {
            Transcript::Unparsed { raw, warning } => {
                assert!(raw.starts_with("(notes"));
                assert!(warning.contains("shown as sent"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_transcript(" \n"), Transcript::Missing);
    }

    #[test]
    fn errors_are_one_sentence() {
        let e = error(
            "AlloMia",
            "check ALLOMIA_KEY",
            401,
            br#"{"error": "Unauthorized"}"#,
            None,
            Ctx::Organizations,
        );
        assert_eq!(
            e.to_string(),
            "AlloMia rejected the API key (401 Unauthorized): check ALLOMIA_KEY"
        );
        let e = error(
            "AlloMia",
            "",
            400,
            br#"{"error": "Invalid callType. Must be one of: Inbound, Outbound, Web"}"#,
            None,
            Ctx::Calls { org: "o" },
        );
        assert!(
            e.to_string()
                .starts_with("AlloMia: the request was refused as invalid (400: Invalid callType"),
            "{e}"
        );
        let e = error("AlloMia", "", 403, b"{}", None, Ctx::Organizations);
        assert!(e.to_string().contains("set organization = \"<id>\""), "{e}");
        let e = error(
            "AlloMia",
            "",
            404,
            br#"{"error": "Call not found"}"#,
            None,
            Ctx::Call { id: "c\u{1b}[31m1" },
        );
        assert!(e.to_string().contains("Call not found"), "{e}");
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
        let e = error(
            "AlloMia",
            "",
            500,
            b"<html>oops</html>",
            None,
            Ctx::Organizations,
        );
        assert_eq!(
            e.to_string(),
            "AlloMia answered 500 Internal Server Error: <html>oops</html>; try again later"
        );
        assert_eq!(
            s3_code(b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code></Error>").as_deref(),
            Some("AccessDenied")
        );
    }
}
