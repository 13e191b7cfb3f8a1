//! TalkPilot wire JSON → the program's model.

use serde_json::Value;

use std::sync::Arc;

use crate::display::body_safe;
use crate::model::{Account, Call, CallDetail, RecordingRef, Scope, Speaker, Transcript, Turn};
use crate::providers::ProviderError;
use crate::providers::lenient::{self, Object};

/// List keys that become header fields; every other key is shown as `key: value`.
const CONSUMED: &[&str] = &[
    "id",
    "created_at",
    "duration",
    "customer_name",
    "phone_number",
    "call_summary",
    "transcript",
    "audio_file_url",
    "final_score",
    "is_purged",
    "employee",
];

pub fn scope(o: &Object) -> Option<Scope> {
    let id = lenient::id(o, "id")?;
    let name = lenient::text(o, "name").unwrap_or_else(|| id.clone());
    let mut detail: Vec<String> = Vec::new();
    if let Some(p) = lenient::text(o, "phone_number") {
        detail.push(p);
    }
    if let Some(l) = lenient::text(o, "language") {
        detail.push(l);
    }
    if lenient::boolean(o, "is_active") == Some(false) {
        detail.push("inactive".into());
    }
    Some(Scope {
        id,
        name,
        detail: (!detail.is_empty()).then(|| detail.join(" · ")),
    })
}

pub fn call(owner: &Arc<Account>, agent: &str, o: &Object) -> Option<Call> {
    let id = lenient::id(o, "id")?;
    let mut c = Call::new(owner, Some(agent), &id);
    c.started_at = lenient::time(o, "created_at");
    c.duration_secs = lenient::number(o, "duration");
    c.caller_name = lenient::text(o, "customer_name");
    c.caller_number = lenient::text(o, "phone_number");
    c.summary = lenient::text(o, "call_summary");
    c.status = lenient::boolean(o, "done").map(|d| if d { "done" } else { "open" }.to_string());
    c.purged = lenient::boolean(o, "is_purged") == Some(true);
    c.deleted = lenient::text(o, "deleted_at").is_some();
    if c.purged {
        c.has_recording = Some(false);
        c.has_transcript = Some(false);
    }
    c.fields = lenient::other_fields(o, CONSUMED);
    Some(c)
}

pub fn detail(owner: &Arc<Account>, agent: &str, o: &Object) -> Option<CallDetail> {
    let mut call = call(owner, agent, o)?;
    let mut warnings = Vec::new();
    let transcript = if call.purged {
        Transcript::Purged
    } else {
        match o.get("transcript") {
            Some(Value::String(s)) => parse_transcript(s),
            // Lenient: an array sent as JSON rather than inside a string.
            Some(v @ Value::Array(_)) => parse_transcript(&v.to_string()),
            _ => Transcript::Missing,
        }
    };
    if let Transcript::Unparsed { warning, .. } = &transcript {
        warnings.push(warning.clone());
    }
    let recording = match lenient::text(o, "audio_file_url") {
        _ if call.purged => RecordingRef::Purged,
        Some(url) => RecordingRef::SignedUrl {
            url,
            expires_at: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        },
        None => RecordingRef::Missing,
    };
    call.has_transcript = Some(matches!(
        transcript,
        Transcript::Turns(_) | Transcript::Unparsed { .. }
    ));
    call.has_recording = Some(recording.is_available());
    Some(CallDetail {
        other_summaries: Vec::new(),
        score: lenient::string(o, "final_score").map(|s| format!("{s}/10")),
        outcome: lenient::boolean(o, "general_success")
            .map(|s| if s { "successful" } else { "not successful" }.to_string()),
        sentiment: None,
        intent: lenient::text(o, "customer_request"),
        handled_by: lenient::text(o, "employee"),
        transcript,
        recording,
        warnings,
        call,
    })
}

/// The transcript is a string that contains JSON: `[{"role":"agent","text":"…"}, …]`.
/// Anything that does not parse is kept as plain text with a warning.
pub fn parse_transcript(s: &str) -> Transcript {
    if s.trim().is_empty() {
        return Transcript::Missing;
    }
    let unparsed = |why: String| Transcript::Unparsed {
        raw: s.to_string(),
        warning: format!("the transcript could not be read as JSON ({why}); shown as sent"),
    };
    let items: Vec<Value> = match serde_json::from_str(s) {
        Ok(Value::Array(items)) => items,
        Ok(_) => return unparsed("not a list of turns".into()),
        Err(e) => return unparsed(e.to_string()),
    };
    let mut turns = Vec::with_capacity(items.len());
    for item in &items {
        let Some(o) = item.as_object() else {
            return unparsed("a turn is not an object".into());
        };
        let text = lenient::string(o, "text")
            .or_else(|| lenient::string(o, "content"))
            .unwrap_or_default();
        let speaker = match lenient::text(o, "role").as_deref() {
            Some("agent") | Some("assistant") | Some("bot") => Speaker::Agent,
            Some("user") | Some("caller") | Some("customer") => Speaker::Caller,
            Some(other) => Speaker::Other(other.to_string()),
            None => Speaker::Other("unknown".into()),
        };
        turns.push(Turn { speaker, text });
    }
    Transcript::Turns(turns)
}

/// TalkPilot's error body: `{"error": {"code", "message", "details", "request_id"}}`.
pub fn error(
    provider: &str,
    key_hint: &str,
    status: u16,
    body: &[u8],
    retry_after: Option<u64>,
) -> ProviderError {
    let parsed: Option<(String, String)> =
        serde_json::from_slice::<Value>(body).ok().and_then(|v| {
            let e = v.get("error")?.as_object()?;
            let code = lenient::text(e, "code").unwrap_or_default();
            let mut message = lenient::text(e, "message").unwrap_or_default();
            if let Some(Value::Array(details)) = e.get("details") {
                let parts: Vec<String> = details
                    .iter()
                    .filter_map(|d| {
                        let d = d.as_object()?;
                        let field = lenient::text(d, "field");
                        let msg = lenient::text(d, "message");
                        match (field, msg) {
                            (Some(f), Some(m)) => Some(format!("{f}: {m}")),
                            (Some(f), None) => Some(f),
                            (None, m) => m,
                        }
                    })
                    .collect();
                if !parts.is_empty() {
                    message = format!("{message} ({})", parts.join("; "));
                }
            }
            Some((code, message))
        });
    // Only a message the vendor wrote is a reason worth keeping (not the start of any body).
    let reason = parsed
        .as_ref()
        .and_then(|(_, m)| vendor_reason(m))
        .map(body_safe);
    let (code, message) = match parsed {
        Some((c, m)) => (body_safe(&c), body_safe(&m)),
        None => (String::new(), crate::providers::body_excerpt(body)),
    };
    let provider = provider.to_string();
    match status {
        401 => ProviderError::Auth {
            provider,
            credential: "API key".into(),
            status,
            code: if code.is_empty() {
                "UNAUTHORIZED".into()
            } else {
                code
            },
            hint: match reason {
                // A deactivated or expired key is not a wrong one: the vendor's reason says so.
                Some(reason) => format!("{reason}; {key_hint}"),
                None => key_hint.to_string(),
            },
        },
        403 => ProviderError::Forbidden {
            provider,
            status,
            code,
            message,
        },
        404 => ProviderError::NotFound { provider, message },
        429 => ProviderError::RateLimited {
            provider,
            retry_after_secs: retry_after,
        },
        _ => ProviderError::Vendor {
            provider,
            status,
            code,
            message,
        },
    }
}

/// What a 401's message says beyond "wrong key" (an expired or deactivated key), if anything.
fn vendor_reason(message: &str) -> Option<&str> {
    let m = message.trim().trim_end_matches('.');
    let generic = ["", "unauthorized", "invalid api key", "(empty body)"];
    (!generic.contains(&m.to_lowercase().as_str())
        && !m.to_lowercase().starts_with("missing api key"))
    .then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_keeps_the_vendors_reason_unless_it_only_says_wrong_key() {
        let body =
            |m: &str| format!(r#"{{"error": {{"code": "UNAUTHORIZED", "message": "{m}"}}}}"#);
        let e = |m: &str| error("TalkPilot", "check TP_KEY", 401, body(m).as_bytes(), None);
        assert_eq!(
            e("API key has expired").to_string(),
            "TalkPilot rejected the API key (401 UNAUTHORIZED): API key has expired; check TP_KEY"
        );
        assert_eq!(
            e("API key has been deactivated.").to_string(),
            "TalkPilot rejected the API key (401 UNAUTHORIZED): API key has been deactivated; \
             check TP_KEY"
        );
        for generic in ["Invalid API key", "Unauthorized", ""] {
            assert_eq!(
                e(generic).to_string(),
                "TalkPilot rejected the API key (401 UNAUTHORIZED): check TP_KEY"
            );
        }
        // A body that is not the vendor's error is no reason.
        let html = error("TalkPilot", "check TP_KEY", 401, b"<html>nope</html>", None);
        assert!(html.to_string().ends_with("): check TP_KEY"), "{html}");
    }

    fn owner() -> Arc<Account> {
        Arc::new(Account::new(
            crate::model::ProviderKind::TalkPilot,
            "https://ref.supabase.co",
            None,
        ))
    }

    /// The Get call details example of `seed-docs/talkpilot-calls.md`, verbatim.
    const SEED_DETAIL: &str = r#"{
  "id": "call-uuid-1",
  "call_id": "lk_call_abc123",
  "customer_name": "Hans Meier",
  "customer_request": "Frage zu Rechnung #1234",
  "phone_number": "+491701234567",
  "duration": 180,
  "done": true,
  "general_success": true,
  "final_score": 8,
  "disconnection_reason": "user_hangup",
  "call_summary": "Kunde fragte nach Rechnung #1234. Agent konnte Frage beantworten.",
  "transcript": "[{\"role\":\"agent\",\"text\":\"Guten Tag...\"},{\"role\":\"user\",\"text\":\"Hallo...\"}]",
  "audio_file_url": "https://storage.example.com/calls/abc123.wav",
  "employee": "Max Mustermann",
  "note": "Rueckruf vereinbart fuer Donnerstag",
  "is_purged": false,
  "agent_id": "550e8400-e29b-41d4-a716-446655440000",
  "created_at": "2026-03-19T10:30:00Z"
}"#;

    /// The Transcript format example of the same page, verbatim.
    const SEED_TRANSCRIPT: &str = r#"[
  { "role": "agent", "text": "Guten Tag, wie kann ich Ihnen helfen?" },
  { "role": "user", "text": "Ich habe eine Frage zu meiner Rechnung." },
  { "role": "agent", "text": "Natuerlich, um welche Rechnung geht es?" }
]"#;

    #[test]
    fn the_seed_docs_detail_example_maps_to_the_model() {
        let v: Value = serde_json::from_str(SEED_DETAIL).unwrap();
        let d = detail(
            &owner(),
            "550e8400-e29b-41d4-a716-446655440000",
            v.as_object().unwrap(),
        )
        .unwrap();
        let c = &d.call;
        assert_eq!(c.id, "call-uuid-1");
        assert_eq!(
            c.started_at.unwrap().to_rfc3339(),
            "2026-03-19T10:30:00+00:00"
        );
        assert_eq!(c.duration_secs, Some(180.0));
        assert_eq!(c.caller_name.as_deref(), Some("Hans Meier"));
        assert_eq!(c.caller_number.as_deref(), Some("+491701234567"));
        assert_eq!(c.status.as_deref(), Some("done"));
        assert!(c.summary.as_deref().unwrap().starts_with("Kunde fragte"));
        assert!(!c.purged && !c.deleted);
        assert_eq!(d.score.as_deref(), Some("8/10"));
        assert_eq!(d.outcome.as_deref(), Some("successful"));
        assert_eq!(d.intent.as_deref(), Some("Frage zu Rechnung #1234"));
        assert_eq!(d.handled_by.as_deref(), Some("Max Mustermann"));
        assert_eq!(
            d.transcript,
            Transcript::Turns(vec![
                Turn {
                    speaker: Speaker::Agent,
                    text: "Guten Tag...".into()
                },
                Turn {
                    speaker: Speaker::Caller,
                    text: "Hallo...".into()
                },
            ])
        );
        assert!(
            matches!(&d.recording, RecordingRef::SignedUrl { url, .. } if url.ends_with("abc123.wav"))
        );
        assert_eq!(c.has_recording, Some(true));
        assert_eq!(c.has_transcript, Some(true));
        // Every other field is kept for the pane.
        for key in ["call_id", "disconnection_reason", "note", "agent_id"] {
            assert!(c.fields.iter().any(|(k, _)| k == key), "{key} missing");
        }
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn the_seed_docs_transcript_example_parses() {
        let t = parse_transcript(SEED_TRANSCRIPT);
        let turns = t.turns();
        assert_eq!(turns.len(), 3);
        assert_eq!(turns[0].speaker, Speaker::Agent);
        assert_eq!(turns[1].speaker, Speaker::Caller);
        assert_eq!(turns[2].text, "Natuerlich, um welche Rechnung geht es?");
    }

    #[test]
    fn a_purged_call_says_purged_not_missing() {
        let mut v: Value = serde_json::from_str(SEED_DETAIL).unwrap();
        let o = v.as_object_mut().unwrap();
        o.insert("is_purged".into(), Value::Bool(true));
        for k in ["transcript", "audio_file_url", "phone_number"] {
            o.insert(k.into(), Value::Null);
        }
        let d = detail(&owner(), "a", o).unwrap();
        assert_eq!(d.transcript, Transcript::Purged);
        assert_eq!(d.recording, RecordingRef::Purged);
        assert!(d.call.purged);
    }
}
