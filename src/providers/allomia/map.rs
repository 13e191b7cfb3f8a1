//! AlloMia wire JSON (and plain-text transcripts) → the program's model.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use std::sync::Arc;

use crate::display::body_safe;
use crate::model::{
    Account, Call, CallDetail, Direction, RecordingRef, Scope, Speaker, Transcript, Turn,
};
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

fn call_with(
    owner: &Arc<Account>,
    org: Option<&str>,
    o: &Object,
    consumed: &[&str],
) -> Option<Call> {
    let id = lenient::id(o, "id")?;
    let org = org
        .map(str::to_string)
        .or_else(|| lenient::id(o, "organizationId"));
    // A tenant key's calls belong to the organization they were made for.
    let account = match (&owner.id, &org) {
        (None, Some(org)) => Arc::new(owner.with_id(Some(org))),
        _ => owner.clone(),
    };
    let mut c = Call::new(&account, org.as_deref(), &id);
    c.started_at = lenient::time(o, "callStartedAt");
    c.duration_secs = lenient::number(o, "callDurationSeconds")
        .filter(|d| *d >= 0.0)
        .or_else(|| {
            // Unreadable duration: the two timestamps still say how long the call was.
            let secs = (lenient::time(o, "callEndedAt")? - c.started_at?).num_seconds();
            (secs >= 0).then_some(secs as f64)
        });
    c.direction = direction(o);
    c.caller_number = lenient::text(o, "userPhoneNumber");
    c.fields = lenient::other_fields(o, consumed);
    Some(c)
}

/// One item of `GET /api/calls`. `org` is the organization it was listed under.
pub fn call(owner: &Arc<Account>, org: Option<&str>, o: &Object) -> Option<Call> {
    call_with(owner, org, o, LIST_CONSUMED)
}

/// `GET /api/calls/{id}`. The transcript is left [`Transcript::Missing`]: its URL is fetched by
/// the adapter ([`transcript_url`]).
pub fn detail(owner: &Arc<Account>, org: Option<&str>, o: &Object) -> Option<CallDetail> {
    let consumed: Vec<&str> = LIST_CONSUMED
        .iter()
        .chain(DETAIL_CONSUMED)
        .copied()
        .collect();
    let mut call = call_with(owner, org, o, &consumed)?;
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

/// The warning for a transcript link that leads to an empty file.
pub const EMPTY_TRANSCRIPT: &str =
    "the transcript file is empty, although the call has a transcript link";

/// The speaker a line starts with, and the rest of the line: only `Agent` and `User` (any case,
/// spaces allowed before the colon) are speakers. Anything else (`Note: …`, `Rappel : …`,
/// `10:30`) is not.
fn speaker_prefix(line: &str) -> Option<(Speaker, &str)> {
    let (name, rest) = line.trim_start().split_once(':')?;
    let speaker = match name.trim_end() {
        n if n.eq_ignore_ascii_case("agent") => Speaker::Agent,
        n if n.eq_ignore_ascii_case("user") => Speaker::Caller,
        _ => return None,
    };
    Some((speaker, rest.trim()))
}

/// The plain-text transcript, ASSUMED format: one turn per line, `Speaker: text`, speakers
/// `Agent` (the assistant) and `User` (the caller); a line without one of these prefixes
/// continues the previous turn; blank lines separate nothing. Text before the first speaker is a
/// turn of an unknown speaker. No `Agent`/`User` line at all → shown as sent with a warning; an
/// empty file → [`Transcript::Missing`] (see [`transcript_file`]).
pub fn parse_transcript(text: &str) -> Transcript {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Transcript::Missing;
    }
    let mut turns: Vec<Turn> = Vec::new();
    let mut preamble: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match speaker_prefix(line) {
            Some((speaker, rest)) => turns.push(Turn {
                speaker,
                text: rest.to_string(),
            }),
            None => match turns.last_mut() {
                Some(t) => {
                    if !t.text.is_empty() {
                        t.text.push('\n');
                    }
                    t.text.push_str(line);
                }
                None => preamble.push(line),
            },
        }
    }
    if turns.is_empty() {
        return Transcript::Unparsed {
            raw: text.to_string(),
            warning: "the transcript has no \"Agent:\" or \"User:\" lines; shown as sent"
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

/// A fetched transcript file and what to warn about: an empty file or one not in the expected
/// form.
pub fn transcript_file(text: &str) -> (Transcript, Option<String>) {
    let t = parse_transcript(text);
    let warning = match &t {
        Transcript::Missing => Some(EMPTY_TRANSCRIPT.to_string()),
        Transcript::Unparsed { warning, .. } => Some(warning.clone()),
        _ => None,
    };
    (t, warning)
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
            message: match retry_after {
                _ if status < 500 => msg,
                Some(secs) => format!("{msg}; try again in {secs} s"),
                None => format!("{msg}; try again later"),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Arc<Account> {
        Arc::new(Account::new(
            crate::model::ProviderKind::AlloMia,
            "https://allomia.com",
            None,
        ))
    }

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
        let c = call(&owner(), Some("org-1"), obj(&v["calls"][0])).unwrap();
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
        assert_eq!(call(&owner(), None, &o).unwrap().duration_secs, Some(180.0));
        assert_eq!(
            call(&owner(), None, &o).unwrap().scope.as_deref(),
            Some("…")
        );
    }

    /// One Get Call answer built from `seed-docs/allomia-get-call.md`. The page shows no example
    /// body, only values inside its field descriptions; those are used verbatim: the three call
    /// types, the three outcomes, the ISO 8601 examples of `callStartedAt`, `callEndedAt` and
    /// `createdAt`, `null` teams, the `fr-CA` summary, a pre-signed `.txt` transcript URL that
    /// expires after 1 hour. Text fields the page gives no value for carry the page's own
    /// description of the field; ids, numbers and the agent come from the list example of
    /// `allomia.md`; the duration is the page's two timestamps apart (180 s).
    fn seed_page_call(call_type: &str, outcome: &str) -> Value {
        serde_json::json!({
            "id": "f6a7b8c9-…",
            "organizationId": "…",
            "callType": call_type,
            "agentId": "…",
            "agentName": "Front desk",
            "teamId": null,
            "teamName": null,
            "phoneNumber": "+15145550100",
            "callStartedAt": "2025-05-28T14:20:15Z",
            "callEndedAt": "2025-05-28T14:23:15Z",
            "callDurationSeconds": "180",
            "callEndedReason": "Reason the call ended",
            "userName": null,
            "userPhoneNumber": "+15145550123",
            "userPrimaryIntent": "Primary intent detected from the call",
            "userSentiment": "Detected sentiment of the user during the call",
            "callOutcome": outcome,
            "callSummary": "AI-generated English summary of the call",
            "callSummaryFr": "AI-generated French (fr-CA) summary of the call",
            "transcriptUrl": "https://allomia-call-artifacts.s3.amazonaws.com/transcripts/f6a7b8c9.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20250528T142345Z&X-Amz-Expires=3600&X-Amz-Signature=ab",
            "recordingUrl": "https://allomia-call-artifacts.s3.amazonaws.com/recordings/f6a7b8c9.mp3?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20250528T142345Z&X-Amz-Expires=3600&X-Amz-Signature=cd",
            "createdAt": "2025-05-28T14:23:45Z"
        })
    }

    fn detail_example() -> Value {
        seed_page_call("Inbound", "appointment_confirmed")
    }

    fn field<'a>(c: &'a Call, k: &str) -> Option<&'a str> {
        c.fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn seed_page_values_map_to_the_model() {
        for (call_type, outcome, dir) in [
            ("Inbound", "appointment_confirmed", Direction::Inbound),
            ("Outbound", "voicemail_left", Direction::Outbound),
            ("Web", "transferred_to_human", Direction::Web),
        ] {
            let v = seed_page_call(call_type, outcome);
            let d = detail(&owner(), None, obj(&v)).unwrap();
            let c = &d.call;
            assert_eq!(c.id, "f6a7b8c9-…");
            assert_eq!(c.scope.as_deref(), Some("…"), "from organizationId");
            assert_eq!(c.direction, Some(dir), "{call_type}");
            assert_eq!(d.outcome.as_deref(), Some(outcome));
            assert_eq!(
                c.started_at.unwrap().to_rfc3339(),
                "2025-05-28T14:20:15+00:00"
            );
            assert_eq!(c.duration_secs, Some(180.0));
            assert_eq!(field(c, "callEndedAt"), Some("2025-05-28T14:23:15Z"));
            assert_eq!(field(c, "createdAt"), Some("2025-05-28T14:23:45Z"));
            assert_eq!(field(c, "teamId"), Some("—"), "null for no teams");
            assert_eq!(field(c, "teamName"), Some("—"));
            assert_eq!(field(c, "callEndedReason"), Some("Reason the call ended"));
            assert_eq!(field(c, "phoneNumber"), Some("+15145550100"));
            assert_eq!(c.caller_name, None, "userName null: not available");
            assert_eq!(c.caller_number.as_deref(), Some("+15145550123"));
            assert_eq!(d.handled_by.as_deref(), Some("Front desk"));
            assert_eq!(
                d.intent.as_deref(),
                Some("Primary intent detected from the call")
            );
            assert_eq!(
                d.sentiment.as_deref(),
                Some("Detected sentiment of the user during the call")
            );
            assert_eq!(
                c.summary.as_deref(),
                Some("AI-generated English summary of the call")
            );
            assert_eq!(
                d.other_summaries,
                vec![(
                    "fr-CA".to_string(),
                    "AI-generated French (fr-CA) summary of the call".to_string()
                )]
            );
            assert_eq!(c.has_transcript, Some(true));
            assert!(
                transcript_url(obj(&v))
                    .unwrap()
                    .split('?')
                    .next()
                    .unwrap()
                    .ends_with(".txt")
            );
            assert_eq!(c.has_recording, Some(true));
            match &d.recording {
                RecordingRef::SignedUrl { expires_at, .. } => assert_eq!(
                    expires_at.unwrap().to_rfc3339(),
                    "2025-05-28T15:23:45+00:00",
                    "1 hour after it was signed"
                ),
                other => panic!("{other:?}"),
            }
            assert_eq!(d.transcript, Transcript::Missing, "fetched by the adapter");
            for k in [
                "id",
                "callType",
                "callStartedAt",
                "callDurationSeconds",
                "callOutcome",
                "callSummary",
                "callSummaryFr",
                "transcriptUrl",
                "recordingUrl",
            ] {
                assert_eq!(field(c, k), None, "{k} is mapped, not a field");
            }
        }
    }

    #[test]
    fn unreadable_duration_falls_back_to_the_timestamps() {
        let mut v = detail_example();
        v["callDurationSeconds"] = serde_json::json!({"value": 180});
        assert_eq!(
            call(&owner(), None, obj(&v)).unwrap().duration_secs,
            Some(180.0)
        );
        v["callDurationSeconds"] = serde_json::json!("three minutes");
        assert_eq!(
            call(&owner(), None, obj(&v)).unwrap().duration_secs,
            Some(180.0)
        );
        // A bad start time: no start, and no duration to compute either.
        v["callStartedAt"] = serde_json::json!("28/05/2025 14:20");
        let c = call(&owner(), None, obj(&v)).unwrap();
        assert_eq!((c.started_at, c.duration_secs), (None, None));
        assert_eq!(c.id, "f6a7b8c9-…", "still shown");
        // An end before the start is not a duration.
        let mut v = detail_example();
        v["callDurationSeconds"] = Value::Null;
        v["callEndedAt"] = serde_json::json!("2025-05-28T14:00:00Z");
        assert_eq!(call(&owner(), None, obj(&v)).unwrap().duration_secs, None);
    }

    #[test]
    fn french_summary_is_main_when_english_is_null() {
        let mut v = detail_example();
        v["callSummary"] = Value::Null;
        v["recordingUrl"] = Value::Null;
        v["transcriptUrl"] = Value::Null;
        v["teamId"] = serde_json::json!("t-1");
        let d = detail(&owner(), Some("org"), obj(&v)).unwrap();
        assert_eq!(
            d.call.summary.as_deref(),
            Some("AI-generated French (fr-CA) summary of the call")
        );
        assert!(d.other_summaries.is_empty());
        assert_eq!(d.recording, RecordingRef::Missing);
        assert_eq!(d.call.has_transcript, Some(false));
        assert_eq!(d.call.scope.as_deref(), Some("org"));
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

    fn speakers(t: &Transcript) -> Vec<Speaker> {
        t.turns().iter().map(|t| t.speaker.clone()).collect()
    }

    #[test]
    fn transcript_turns_blank_lines_and_continuations() {
        let t = parse_transcript(
            "\nAgent: Hello. How can I help?\r\n\r\nUser:   I need to move\nmy appointment.\n\nUser: Thanks: really.\n",
        );
        let turns = t.turns();
        assert_eq!(turns.len(), 3, "{t:?}");
        assert_eq!(turns[0].speaker, Speaker::Agent);
        assert_eq!(turns[0].text, "Hello. How can I help?");
        assert_eq!(turns[1].speaker, Speaker::Caller);
        assert_eq!(turns[1].text, "I need to move\nmy appointment.");
        assert_eq!(turns[2].text, "Thanks: really.");
        // A time or a URL is not a speaker.
        let t = parse_transcript("User: call me at\n10:30 or see https://x.y");
        assert_eq!(t.turns().len(), 1);
        assert_eq!(t.turns()[0].text, "call me at\n10:30 or see https://x.y");
        // Text before the first speaker is kept.
        let t = parse_transcript("[export]\nAgent: Hi");
        assert_eq!(
            speakers(&t),
            [Speaker::Other("unknown".into()), Speaker::Agent]
        );
        // A very long line is one turn.
        let long = "x".repeat(5000);
        let t = parse_transcript(&format!("Agent: Hi\nUser: {long}\n"));
        assert_eq!(t.turns()[1].text.len(), 5000);
    }

    #[test]
    fn only_agent_and_user_are_speakers() {
        // Any case, spaces before the colon, a leading space.
        let t = parse_transcript("AGENT: a\nuser : b\n  Agent  :c\nUsER:\nd");
        assert_eq!(
            speakers(&t),
            [
                Speaker::Agent,
                Speaker::Caller,
                Speaker::Agent,
                Speaker::Caller
            ]
        );
        assert_eq!(t.turns()[2].text, "c");
        assert_eq!(t.turns()[3].text, "d");
        // Other names continue the previous turn, in English and in French.
        let t = parse_transcript(
            "Agent: Your appointment is on Monday.\nNote: bring your card\nUser: Merci.\nRappel : apportez votre carte\nStaff: Front desk, Dana speaking.\nDr. Gagnon: hello",
        );
        assert_eq!(speakers(&t), [Speaker::Agent, Speaker::Caller], "{t:?}");
        assert_eq!(
            t.turns()[0].text,
            "Your appointment is on Monday.\nNote: bring your card"
        );
        assert_eq!(
            t.turns()[1].text,
            "Merci.\nRappel : apportez votre carte\nStaff: Front desk, Dana speaking.\nDr. Gagnon: hello"
        );
        // A word that merely starts like a speaker is not one.
        let t = parse_transcript("Agent: hi\nUsers: all of them\nAgentName: x");
        assert_eq!(t.turns().len(), 1);
    }

    #[test]
    fn a_file_without_agent_or_user_is_plain_text_with_a_warning() {
        for raw in [
            "(notes: no speakers here)\n\n(the end)",
            "Staff: Front desk.\nCaller: hi\nNote: bring your card",
        ] {
            match transcript_file(raw) {
                (Transcript::Unparsed { raw: r, warning }, Some(w)) => {
                    assert_eq!(r, raw);
                    assert_eq!(warning, w);
                    assert!(w.contains("shown as sent"), "{w}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_bom_is_stripped_and_an_empty_file_is_said() {
        let t = parse_transcript("\u{feff}Agent: Bonjour\nUser: Allô");
        assert_eq!(speakers(&t), [Speaker::Agent, Speaker::Caller]);
        assert_eq!(t.turns()[0].text, "Bonjour");
        match parse_transcript("\u{feff}(notes)") {
            Transcript::Unparsed { raw, .. } => assert_eq!(raw, "(notes)"),
            other => panic!("{other:?}"),
        }
        for empty in ["", " \n", "\u{feff}", "\u{feff}\r\n\r\n"] {
            assert_eq!(
                transcript_file(empty),
                (Transcript::Missing, Some(EMPTY_TRANSCRIPT.to_string())),
                "{empty:?}"
            );
        }
        assert_eq!(transcript_file("Agent: hi").1, None);
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
        let e = error(
            "AlloMia",
            "",
            503,
            br#"{"error": "Service unavailable"}"#,
            Some(30),
            Ctx::Organizations,
        );
        assert_eq!(
            e.to_string(),
            "AlloMia answered 503 Service Unavailable: Service unavailable; try again in 30 s"
        );
        assert_eq!(
            s3_code(b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code></Error>").as_deref(),
            Some("AccessDenied")
        );
    }
}
