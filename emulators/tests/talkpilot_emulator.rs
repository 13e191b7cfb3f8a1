//! Raw-HTTP tests of the TalkPilot emulator (written against the public API only).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use callbrowser_emulators::talkpilot::{self, TalkPilotEmulator};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, TimeZone, Utc};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::Value;

const LIST_FIELDS: [&str; 17] = [
    "id",
    "call_id",
    "customer_name",
    "customer_request",
    "phone_number",
    "duration",
    "done",
    "general_success",
    "disconnection_reason",
    "call_summary",
    "employee",
    "note",
    "agent_id",
    "is_purged",
    "deleted_at",
    "created_at",
    "updated_at",
];

fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap()
}

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        now: fixed_now(),
        rate_limit_per_minute: 10_000,
        rate_limit_per_hour: 100_000,
        ..EmulatorOptions::default()
    }
}

async fn start() -> TalkPilotEmulator {
    talkpilot::start(opts()).await.unwrap()
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    json: Value,
}

async fn get_q(emu: &TalkPilotEmulator, path: &str, key: Option<&str>, q: &[(&str, &str)]) -> Resp {
    let mut rb = Client::new()
        .get(format!("{}{path}", emu.base_url()))
        .query(q);
    if let Some(k) = key {
        rb = rb.header("X-API-Key", k);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        json,
    }
}

async fn get(emu: &TalkPilotEmulator, path: &str) -> Resp {
    let key = emu.api_key();
    get_q(emu, path, Some(&key), &[]).await
}

fn agent_ids(emu: &TalkPilotEmulator) -> Vec<String> {
    emu.agents()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.json);
    let e = &r.json["error"];
    assert_eq!(e["code"], code, "{}", r.json);
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(e["details"].is_array());
    assert!(e["request_id"].as_str().unwrap().starts_with("req_"));
}

fn created(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v["created_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn visible(emu: &TalkPilotEmulator, agent: &str) -> Vec<Value> {
    emu.calls(agent)
        .into_iter()
        .filter(|c| c["deleted_at"].is_null())
        .collect()
}

// ---------------------------------------------------------------------------

#[tokio::test]
async fn health_needs_no_key() {
    let emu = start().await;
    let r = get_q(&emu, "/v1/health", None, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["status"], "ok");
    assert_eq!(r.json["version"], "1.0.0");
    assert!(DateTime::parse_from_rfc3339(r.json["timestamp"].as_str().unwrap()).is_ok());
    assert!(r.headers.get("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn auth_failures_in_vendor_shape() {
    let emu = start().await;
    let a0 = &agent_ids(&emu)[0];
    let path = format!("/v1/agents/{a0}/calls");

    let r = get_q(&emu, &path, None, &[]).await;
    assert_error(&r, 401, "UNAUTHORIZED");
    assert!(r.headers.get("x-ratelimit-limit").is_none());

    let r = get_q(
        &emu,
        &path,
        Some("tp_live_00000000000000000000000000000000"),
        &[],
    )
    .await;
    assert_error(&r, 401, "UNAUTHORIZED");

    let r = get_q(&emu, &path, Some(&emu.expired_key()), &[]).await;
    assert_error(&r, 401, "UNAUTHORIZED");

    // The key in the wrong header is a missing key.
    let r = Client::new()
        .get(format!("{}{path}", emu.base_url()))
        .bearer_auth(emu.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Keys look like the real ones.
    for k in [
        emu.api_key(),
        emu.key_without_calls_read(),
        emu.expired_key(),
    ] {
        let hex = k.strip_prefix("tp_live_").unwrap();
        assert_eq!(hex.len(), 32);
        assert!(
            hex.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}

#[tokio::test]
async fn permissions_and_agent_scope() {
    let emu = start().await;
    let agents = agent_ids(&emu);
    let no_calls = emu.key_without_calls_read();

    let r = get_q(&emu, "/v1/agents", Some(&no_calls), &[]).await;
    assert_eq!(r.status, 200);
    let r = get_q(
        &emu,
        &format!("/v1/agents/{}/calls", agents[0]),
        Some(&no_calls),
        &[],
    )
    .await;
    assert_error(&r, 403, "FORBIDDEN");
    assert_eq!(
        r.json["error"]["message"],
        "API key lacks required permission: calls:read"
    );
    assert!(r.headers.get("x-ratelimit-remaining").is_some());

    let limited = emu.key_limited_to_first_agent();
    let r = get_q(&emu, "/v1/agents", Some(&limited), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["data"][0]["id"], agents[0].as_str());
    assert_eq!(r.json["pagination"]["total"], 1);
    let r = get_q(
        &emu,
        &format!("/v1/agents/{}/calls", agents[0]),
        Some(&limited),
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    for other in &agents[1..] {
        let r = get_q(&emu, &format!("/v1/agents/{other}"), Some(&limited), &[]).await;
        assert_error(&r, 404, "NOT_FOUND");
        assert_eq!(r.json["error"]["message"], "Agent not found");
        let r = get_q(
            &emu,
            &format!("/v1/agents/{other}/calls"),
            Some(&limited),
            &[],
        )
        .await;
        assert_error(&r, 404, "NOT_FOUND");
        let call = &emu.calls(other)[0];
        let r = get_q(
            &emu,
            &format!("/v1/agents/{other}/calls/{}", call["id"].as_str().unwrap()),
            Some(&limited),
            &[],
        )
        .await;
        assert_error(&r, 404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn agents_endpoints() {
    let emu = start().await;
    let r = get(&emu, "/v1/agents").await;
    assert_eq!(r.status, 200);
    let data = r.json["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert_eq!(data, &emu.agents());
    assert_eq!(
        r.json["pagination"],
        serde_json::json!({"page": 1, "limit": 20, "total": 3, "pages": 1})
    );
    assert_eq!(data[0]["name"], "Rezeption Bot");
    assert_eq!(data[0]["language"], "de");
    assert!(data[0]["phone_number"].as_str().unwrap().starts_with("+49"));
    let langs: Vec<&str> = data
        .iter()
        .map(|a| a["language"].as_str().unwrap())
        .collect();
    assert_eq!(langs, ["de", "en", "fr"]);
    for w in data.windows(2) {
        assert!(created(&w[0]) > created(&w[1]), "agents newest first");
    }
    for k in [
        "id",
        "name",
        "phone_number",
        "is_active",
        "language",
        "llm_provider",
        "llm_model",
        "voice_id",
        "created_at",
    ] {
        assert!(data[0].get(k).is_some(), "agent field {k}");
    }
    let r = get_q(
        &emu,
        "/v1/agents",
        Some(&emu.api_key()),
        &[("limit", "2"), ("page", "2")],
    )
    .await;
    assert_eq!(r.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["pagination"]["pages"], 2);

    let id = data[1]["id"].as_str().unwrap();
    let r = get(&emu, &format!("/v1/agents/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, data[1]);
    let r = get(&emu, "/v1/agents/550e8400-e29b-41d4-a716-446655440000").await;
    assert_error(&r, 404, "NOT_FOUND");
    let r = get(&emu, "/v1/nothing-here").await;
    assert_error(&r, 404, "NOT_FOUND");
}

#[tokio::test]
async fn calls_paging_totals_and_order() {
    let emu = start().await;
    let key = emu.api_key();
    for agent in agent_ids(&emu) {
        let path = format!("/v1/agents/{agent}/calls");
        let expected = visible(&emu, &agent);
        let all = emu.calls(&agent);
        assert_eq!(all.len(), talkpilot::CALLS_PER_AGENT);
        assert_eq!(expected.len(), talkpilot::CALLS_PER_AGENT - 5);

        let r = get(&emu, &path).await;
        assert_eq!(r.status, 200);
        let p = &r.json["pagination"];
        assert_eq!(p["page"], 1);
        assert_eq!(p["limit"], 20);
        assert_eq!(p["total"], expected.len());
        assert_eq!(p["pages"], expected.len().div_ceil(20));
        assert_eq!(r.json["data"].as_array().unwrap(), &expected[..20].to_vec());

        // Walk every page with limit 7.
        let mut got = Vec::new();
        let pages = expected.len().div_ceil(7);
        for page in 1..=pages {
            let r = get_q(
                &emu,
                &path,
                Some(&key),
                &[("page", &page.to_string()), ("limit", "7")],
            )
            .await;
            assert_eq!(r.json["pagination"]["pages"], pages);
            got.extend(r.json["data"].as_array().unwrap().iter().cloned());
        }
        assert_eq!(ids(&got), ids(&expected));
        for w in got.windows(2) {
            assert!(created(&w[0]) > created(&w[1]), "created_at descending");
        }

        // A page past the end.
        let r = get_q(&emu, &path, Some(&key), &[("page", "99"), ("limit", "100")]).await;
        assert_eq!(r.status, 200);
        assert!(r.json["data"].as_array().unwrap().is_empty());
        assert_eq!(r.json["pagination"]["total"], expected.len());
        assert_eq!(r.json["pagination"]["pages"], 2);
        assert_eq!(r.json["pagination"]["page"], 99);
    }
}

#[tokio::test]
async fn list_items_have_exactly_the_documented_fields() {
    let emu = start().await;
    let agent = &agent_ids(&emu)[1];
    let r = get_q(
        &emu,
        &format!("/v1/agents/{agent}/calls"),
        Some(&emu.api_key()),
        &[("limit", "100")],
    )
    .await;
    for item in r.json["data"].as_array().unwrap() {
        let obj = item.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want = LIST_FIELDS.to_vec();
        want.sort_unstable();
        assert_eq!(keys, want);
        assert!(item["call_id"].as_str().unwrap().starts_with("lk_call_"));
        assert!(item["duration"].is_u64());
        let reason = item["disconnection_reason"].as_str().unwrap();
        assert!(["user_hangup", "call_transfer", "agent_hangup"].contains(&reason));
        assert_eq!(item["agent_id"], agent.as_str());
        let c = created(item);
        let u = DateTime::parse_from_rfc3339(item["updated_at"].as_str().unwrap()).unwrap();
        assert!(u >= c);
        assert!(c < fixed_now() && c > fixed_now() - chrono::TimeDelta::days(60));
    }
}

#[tokio::test]
async fn filters_filter() {
    let emu = start().await;
    let key = emu.api_key();
    let agent = agent_ids(&emu)[0].clone();
    let path = format!("/v1/agents/{agent}/calls");
    let vis = visible(&emu, &agent);
    let q = |q: Vec<(&'static str, String)>| {
        let emu = &emu;
        let key = key.clone();
        let path = path.clone();
        async move {
            let mut q = q;
            q.push(("limit", "100".into()));
            let mut all = Vec::new();
            let mut page = 1;
            loop {
                let mut qq: Vec<(&str, String)> = q.clone();
                qq.push(("page", page.to_string()));
                let refs: Vec<(&str, &str)> = qq.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let r = get_q(emu, &path, Some(&key), &refs).await;
                assert_eq!(r.status, 200, "{}", r.json);
                all.extend(r.json["data"].as_array().unwrap().iter().cloned());
                if page >= r.json["pagination"]["pages"].as_u64().unwrap() {
                    break;
                }
                page += 1;
            }
            all
        }
    };

    // done
    for d in [true, false] {
        let got = q(vec![("done", d.to_string())]).await;
        let want: Vec<Value> = vis.iter().filter(|c| c["done"] == d).cloned().collect();
        assert!(!want.is_empty());
        assert_eq!(ids(&got), ids(&want));
    }

    // from / to are exclusive
    let pivot = &vis[40];
    let pivot_ts = pivot["created_at"].as_str().unwrap().to_string();
    let got = q(vec![("from", pivot_ts.clone())]).await;
    assert_eq!(got.len(), 40);
    assert!(got.iter().all(|c| created(c) > created(pivot)));
    let got = q(vec![("to", pivot_ts.clone())]).await;
    assert_eq!(got.len(), vis.len() - 41);
    assert!(got.iter().all(|c| created(c) < created(pivot)));
    let lo = vis[60]["created_at"].as_str().unwrap().to_string();
    let got = q(vec![("from", lo), ("to", pivot_ts.clone())]).await;
    assert_eq!(ids(&got), ids(&vis[41..60]));
    // Other accepted forms: date only, offset.
    let day = &pivot_ts[..10];
    let got = q(vec![("from", day.to_string())]).await;
    assert!(
        got.iter()
            .all(|c| c["created_at"].as_str().unwrap()[..10] >= *day)
    );
    let got_off = q(vec![("to", format!("{}T13:00:00+01:00", day))]).await;
    let got_z = q(vec![("to", format!("{}T12:00:00Z", day))]).await;
    assert_eq!(ids(&got_off), ids(&got_z));

    // phone_number: exact, several calls from the same number
    let mut count: HashMap<String, usize> = HashMap::new();
    for c in &vis {
        if let Some(p) = c["phone_number"].as_str() {
            *count.entry(p.to_string()).or_default() += 1;
        }
    }
    let (phone, n) = count.iter().max_by_key(|(_, n)| **n).unwrap();
    assert!(*n > 1);
    let got = q(vec![("phone_number", phone.clone())]).await;
    assert_eq!(got.len(), *n);
    assert!(got.iter().all(|c| c["phone_number"] == phone.as_str()));
    let got = q(vec![("phone_number", phone[..phone.len() - 1].to_string())]).await;
    assert!(got.is_empty(), "exact match only");
    // An unencoded '+' is a space, as on the real server.
    let raw = Client::new()
        .get(format!("{}{path}?phone_number={phone}", emu.base_url()))
        .header("X-API-Key", &key)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(raw["pagination"]["total"], 0);

    // search: name (case-insensitive, non-ASCII), phone, summary
    let got = q(vec![("search", "MÜLLER".into())]).await;
    let want: Vec<Value> = vis
        .iter()
        .filter(|c| {
            c["customer_name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains("müller"))
                || c["call_summary"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("müller")
        })
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&got), ids(&want));
    let got = q(vec![("search", phone[3..9].to_string())]).await;
    assert!(got.len() >= *n);
    let got = q(vec![("search", "rechnung #".into())]).await;
    assert!(!got.is_empty());
    assert!(
        got.iter()
            .all(|c| c["call_summary"].as_str().unwrap().contains("Rechnung #"))
    );

    // include_deleted, and unknown parameters are ignored
    let got = q(vec![
        ("include_deleted", "true".into()),
        ("colour", "blue".into()),
    ])
    .await;
    assert_eq!(ids(&got), ids(&emu.calls(&agent)));
    assert_eq!(got.iter().filter(|c| !c["deleted_at"].is_null()).count(), 5);
    let got = q(vec![("include_deleted", "false".into())]).await;
    assert_eq!(got.len(), vis.len());

    // combined
    let got = q(vec![("done", "true".into()), ("to", pivot_ts)]).await;
    assert!(
        got.iter()
            .all(|c| c["done"] == true && created(c) < created(pivot))
    );
}

#[tokio::test]
async fn validation_errors() {
    let emu = start().await;
    let key = emu.api_key();
    let agent = &agent_ids(&emu)[0];
    let path = format!("/v1/agents/{agent}/calls");
    for (k, v) in [
        ("page", "0"),
        ("page", "abc"),
        ("page", "-1"),
        ("limit", "0"),
        ("limit", "101"),
        ("limit", "2.5"),
        ("done", "maybe"),
        ("done", "1"),
        ("include_deleted", "yes"),
        ("from", "yesterday"),
        ("to", "2026-13-45"),
    ] {
        let r = get_q(&emu, &path, Some(&key), &[(k, v)]).await;
        assert_error(&r, 400, "VALIDATION_ERROR");
        let details = r.json["error"]["details"].as_array().unwrap();
        assert_eq!(details.len(), 1, "{k}={v}");
        assert_eq!(details[0]["field"], k);
        assert!(details[0]["message"].as_str().is_some());
        assert!(r.headers.get("x-ratelimit-remaining").is_some());
    }
    let r = get_q(&emu, &path, Some(&key), &[("limit", "500"), ("page", "x")]).await;
    assert_error(&r, 400, "VALIDATION_ERROR");
    assert_eq!(r.json["error"]["details"].as_array().unwrap().len(), 2);
    let r = get_q(&emu, "/v1/agents", Some(&key), &[("limit", "1000")]).await;
    assert_error(&r, 400, "VALIDATION_ERROR");
    assert_eq!(r.json["error"]["details"][0]["field"], "limit");
}

#[tokio::test]
async fn detail_has_transcript_as_json_in_a_string() {
    let emu = start().await;
    let facts = emu.call_facts();
    let mut langs_seen = 0;
    for agent in agent_ids(&emu) {
        let f = facts
            .iter()
            .find(|f| {
                f.agent_id == agent
                    && !f.is_purged
                    && !f.broken_transcript
                    && !f.long_transcript
                    && !f.is_deleted
            })
            .unwrap();
        let r = get(&emu, &format!("/v1/agents/{agent}/calls/{}", f.id)).await;
        assert_eq!(r.status, 200);
        let d = &r.json;
        for k in LIST_FIELDS {
            assert!(d.get(k).is_some(), "detail lacks {k}");
        }
        let score = d["final_score"].as_u64().unwrap();
        assert!((1..=10).contains(&score));
        let t = d["transcript"].as_str().expect("transcript is a string");
        let turns: Vec<Value> = serde_json::from_str(t).expect("string holds JSON");
        assert_eq!(turns.len(), f.transcript_turns);
        assert!((6..=45).contains(&turns.len()), "{}", turns.len());
        for turn in &turns {
            let role = turn["role"].as_str().unwrap();
            assert!(role == "agent" || role == "user");
            assert!(!turn["text"].as_str().unwrap().is_empty());
        }
        let non_ascii = emu
            .call_facts()
            .iter()
            .filter(|g| g.agent_id == agent && !g.is_purged)
            .filter(|g| {
                let d = emu.call_detail(&agent, &g.id).unwrap();
                !d["transcript"].as_str().unwrap().is_ascii()
            })
            .count();
        assert!(non_ascii > 20, "non-ASCII text in {agent}: {non_ascii}");
        let url = d["audio_file_url"].as_str().unwrap();
        assert!(url.starts_with(&emu.storage_base_url()));
        assert!(url.contains("token=") && url.contains("expires="));
        langs_seen += 1;
        // The list item for the same call is the detail minus the three fields.
        let mut item = d.clone();
        let obj = item.as_object_mut().unwrap();
        obj.remove("transcript");
        obj.remove("audio_file_url");
        obj.remove("final_score");
        assert!(emu.calls(&agent).contains(&item));
    }
    assert_eq!(langs_seen, 3);

    let agent = &agent_ids(&emu)[0];
    let r = get(
        &emu,
        &format!("/v1/agents/{agent}/calls/550e8400-e29b-41d4-a716-446655440000"),
    )
    .await;
    assert_error(&r, 404, "NOT_FOUND");
    assert_eq!(r.json["error"]["message"], "Call not found");
    // A call of another agent is not found under this agent.
    let other = &emu.calls(&agent_ids(&emu)[2])[0];
    let r = get(
        &emu,
        &format!("/v1/agents/{agent}/calls/{}", other["id"].as_str().unwrap()),
    )
    .await;
    assert_error(&r, 404, "NOT_FOUND");
}

#[tokio::test]
async fn purged_deleted_broken_long_and_tricky_calls() {
    let emu = start().await;
    let facts = emu.call_facts();
    for agent in agent_ids(&emu) {
        let mine: Vec<_> = facts.iter().filter(|f| f.agent_id == agent).collect();
        assert_eq!(mine.iter().filter(|f| f.is_purged).count(), 5);
        assert_eq!(mine.iter().filter(|f| f.is_deleted).count(), 5);
        assert_eq!(mine.iter().filter(|f| f.broken_transcript).count(), 3);
        assert_eq!(mine.iter().filter(|f| f.long_transcript).count(), 3);
        assert_eq!(mine.iter().filter(|f| f.tricky_text).count(), 2);
        // One of each kind among the 20 newest.
        let newest = &mine[..20];
        assert!(newest.iter().any(|f| f.is_purged));
        assert!(newest.iter().any(|f| f.long_transcript));
        assert!(newest.iter().any(|f| f.broken_transcript));
        let calls = emu.calls(&agent);
        assert!(
            calls.iter().any(|c| c["customer_name"].is_null()),
            "anonymous callers"
        );

        for f in &mine {
            let item = calls.iter().find(|c| c["id"] == f.id.as_str()).unwrap();
            let detail = get(&emu, &format!("/v1/agents/{agent}/calls/{}", f.id)).await;
            assert_eq!(detail.status, 200, "deleted calls stay readable by id");
            let d = &detail.json;
            if f.is_purged {
                assert_eq!(item["is_purged"], true);
                assert!(item["phone_number"].is_null());
                assert!(d["phone_number"].is_null());
                assert!(d["transcript"].is_null());
                assert!(d["audio_file_url"].is_null());
            } else {
                assert!(item["phone_number"].is_string());
                assert!(d["audio_file_url"].is_string());
            }
            if f.is_deleted {
                assert!(item["deleted_at"].is_string());
            } else {
                assert!(item["deleted_at"].is_null());
            }
            if f.is_purged {
                continue;
            }
            let t = d["transcript"].as_str().unwrap();
            let parsed = serde_json::from_str::<Vec<Value>>(t);
            if f.broken_transcript {
                assert!(parsed.is_err(), "broken transcript must not parse");
                assert!(!t.is_empty());
            } else {
                let turns = parsed.unwrap();
                if f.long_transcript {
                    assert!((300..=600).contains(&turns.len()), "{}", turns.len());
                    assert!(f.duration > 900);
                }
                // consecutive turns by the same speaker happen
                let _ = turns.windows(2).any(|w| w[0]["role"] == w[1]["role"]);
            }
            if f.tricky_text {
                let all = format!("{}{}", d["call_summary"].as_str().unwrap(), t);
                assert!(
                    all.contains('\u{1b}') || all.contains('\u{202E}'),
                    "tricky text present"
                );
            }
        }
        let tricky: String = mine
            .iter()
            .filter(|f| f.tricky_text)
            .map(|f| {
                let d = emu.call_detail(&agent, &f.id).unwrap();
                format!(
                    "{}{}",
                    d["call_summary"],
                    d["transcript"].as_str().unwrap_or("")
                )
            })
            .collect();
        assert!(tricky.contains("\\u001b[31m") || tricky.contains('\u{1b}'));
        assert!(tricky.contains('\u{202E}'));
        assert!(tricky.contains('\u{200B}'));
    }
    let with_same_speaker_twice = facts
        .iter()
        .filter(|f| !f.is_purged && !f.broken_transcript)
        .filter(|f| {
            let d = emu.call_detail(&f.agent_id, &f.id).unwrap();
            let turns: Vec<Value> =
                serde_json::from_str(d["transcript"].as_str().unwrap()).unwrap();
            turns.windows(2).any(|w| w[0]["role"] == w[1]["role"])
        })
        .count();
    assert!(with_same_speaker_twice > 20);
}

#[tokio::test]
async fn rate_limit_per_key() {
    let emu = talkpilot::start(EmulatorOptions {
        rate_limit_per_minute: 5,
        ..opts()
    })
    .await
    .unwrap();
    let key = emu.api_key();
    let mut last_reset = 0;
    for i in 0..5u64 {
        let r = get_q(&emu, "/v1/agents", Some(&key), &[]).await;
        assert_eq!(r.status, 200);
        let h = |n: &str| r.headers[n].to_str().unwrap().parse::<u64>().unwrap();
        assert_eq!(h("x-ratelimit-limit"), 5);
        assert_eq!(h("x-ratelimit-remaining"), 4 - i);
        let reset = h("x-ratelimit-reset");
        let now = Utc::now().timestamp() as u64;
        assert!(reset > now && reset <= now + 61);
        last_reset = reset;
    }
    let r = get_q(&emu, "/v1/agents", Some(&key), &[]).await;
    assert_error(&r, 429, "RATE_LIMITED");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(
        r.json["error"]["message"],
        format!("Rate limit exceeded. Try again in {retry} seconds.")
    );
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    assert_eq!(
        r.headers["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap(),
        last_reset
    );
    // Health is not limited; other keys have their own window.
    assert_eq!(get_q(&emu, "/v1/health", None, &[]).await.status, 200);
    let other = get_q(
        &emu,
        "/v1/agents",
        Some(&emu.key_limited_to_first_agent()),
        &[],
    )
    .await;
    assert_eq!(other.status, 200);
    assert_eq!(other.headers["x-ratelimit-remaining"], "4");
}

#[tokio::test]
async fn hourly_limit_applies_too() {
    let emu = talkpilot::start(EmulatorOptions {
        rate_limit_per_minute: 100,
        rate_limit_per_hour: 3,
        ..opts()
    })
    .await
    .unwrap();
    for _ in 0..3 {
        assert_eq!(get(&emu, "/v1/agents").await.status, 200);
    }
    let r = get(&emu, "/v1/agents").await;
    assert_error(&r, 429, "RATE_LIMITED");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 60 && retry <= 3600);
}

#[tokio::test]
async fn faults_are_observable() {
    let emu = start().await;
    let agent = agent_ids(&emu)[0].clone();
    let path = format!("/v1/agents/{agent}/calls");
    let url = format!("{}{path}", emu.base_url());
    let key = emu.api_key();
    let client = Client::new();
    let send = || client.get(&url).header("X-API-Key", &key).send();

    // Latency
    emu.faults()
        .push(Fault::Latency(Duration::from_millis(400)));
    let t = Instant::now();
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(400));

    // 429 with Retry-After
    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 17,
    });
    let r = send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "17");
    let j: Value = r.json().await.unwrap();
    assert_eq!(j["error"]["code"], "RATE_LIMITED");
    assert_eq!(
        j["error"]["message"],
        "Rate limit exceeded. Try again in 17 seconds."
    );

    // Status codes
    for (code, name) in [
        (500, "INTERNAL_ERROR"),
        (502, "BAD_GATEWAY"),
        (503, "SERVICE_UNAVAILABLE"),
    ] {
        emu.faults().push(Fault::Status(code));
        let r = send().await.unwrap();
        assert_eq!(r.status().as_u16(), code);
        let j: Value = r.json().await.unwrap();
        assert_eq!(j["error"]["code"], name);
        assert!(j["error"]["request_id"].is_string());
    }

    // Connection reset: a transport error, no status.
    emu.faults().push(Fault::ConnectionReset);
    let err = send().await.expect_err("connection must be dropped");
    assert!(!err.is_status());

    // Truncated body: Content-Length promises more than arrives.
    emu.faults().push(Fault::TruncatedBody);
    match send().await {
        Ok(r) => {
            let promised = r.content_length().unwrap();
            assert!(promised > 0);
            assert!(r.bytes().await.is_err(), "body must fail");
        }
        Err(e) => assert!(!e.is_status()),
    }

    // Malformed JSON with 200
    emu.faults().push(Fault::MalformedJson);
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());

    // A record with wrong types among good ones
    emu.faults().push(Fault::WrongTypesRecord);
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    let j: Value = r.json().await.unwrap();
    let data = j["data"].as_array().unwrap();
    let bad: Vec<&Value> = data.iter().filter(|c| !c["duration"].is_u64()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["duration"], "abc");
    assert_eq!(bad[0]["done"], "maybe");
    assert!(bad[0]["id"].is_number());
    assert_eq!(data.len(), 20);

    // Back to normal; faults are FIFO, one per request, health does not consume.
    emu.faults().push(Fault::Status(500));
    emu.faults().push(Fault::Status(503));
    assert_eq!(emu.faults().pending(), 2);
    assert_eq!(get_q(&emu, "/v1/health", None, &[]).await.status, 200);
    assert_eq!(send().await.unwrap().status(), 500);
    assert_eq!(send().await.unwrap().status(), 503);
    assert_eq!(send().await.unwrap().status(), 200);
    emu.faults().push(Fault::Status(500));
    emu.faults().clear();
    assert_eq!(send().await.unwrap().status(), 200);
    // The client still works after the killed connections.
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
}

fn wav_info(bytes: &[u8]) -> (u16, u32, u16, u32) {
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    assert_eq!(&bytes[12..16], b"fmt ");
    assert_eq!(u16::from_le_bytes([bytes[20], bytes[21]]), 1, "PCM");
    let channels = u16::from_le_bytes([bytes[22], bytes[23]]);
    let rate = u32::from_le_bytes(bytes[24..28].try_into().unwrap());
    let bits = u16::from_le_bytes([bytes[34], bytes[35]]);
    assert_eq!(&bytes[36..40], b"data");
    let data_len = u32::from_le_bytes(bytes[40..44].try_into().unwrap());
    (channels, rate, bits, data_len)
}

#[tokio::test]
async fn storage_serves_ranges_and_sees_no_credentials() {
    let emu = start().await;
    let facts = emu.call_facts();
    // A short mono and a short stereo call.
    for stereo in [false, true] {
        let f = facts
            .iter()
            .filter(|f| !f.is_purged && f.stereo == stereo)
            .min_by_key(|f| f.duration)
            .unwrap();
        let d = get(&emu, &format!("/v1/agents/{}/calls/{}", f.agent_id, f.id)).await;
        let url = d.json["audio_file_url"].as_str().unwrap().to_string();
        assert!(url.contains(&format!("/recordings/{}.wav?", f.call_id)));
        let storage = Client::new();

        let full = storage.get(&url).send().await.unwrap();
        assert_eq!(full.status(), 200);
        assert_eq!(full.headers()["content-type"], "audio/wav");
        assert_eq!(full.headers()["accept-ranges"], "bytes");
        let len: u64 = full.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let full = full.bytes().await.unwrap();
        assert_eq!(full.len() as u64, len);
        assert_eq!(len, f.recording_bytes);
        let (channels, rate, bits, data_len) = wav_info(&full);
        assert_eq!(channels, if stereo { 2 } else { 1 });
        assert_eq!(rate, 16_000);
        assert_eq!(bits, 16);
        assert_eq!(u64::from(data_len), len - 44);
        assert_eq!(
            u64::from(data_len),
            u64::from(f.duration) * 32_000 * u64::from(channels)
        );

        // Speech-like: loud parts and quiet parts.
        let samples: Vec<i16> = full[44..]
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        let win = 1600 * usize::from(channels);
        let rms: Vec<f64> = samples
            .chunks(win)
            .map(|w| (w.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / w.len() as f64).sqrt())
            .collect();
        assert!(rms.iter().any(|r| *r > 1500.0), "there is speech");
        assert!(rms.iter().any(|r| *r < 200.0), "there are pauses");

        for (range, start, end) in [
            ("bytes=100-199".to_string(), 100u64, 199u64),
            ("bytes=0-0".to_string(), 0, 0),
            ("bytes=43-45".to_string(), 43, 45),
            (format!("bytes={}-", len - 1000), len - 1000, len - 1),
            ("bytes=-500".to_string(), len - 500, len - 1),
            (format!("bytes=1000-{}", len + 5000), 1000, len - 1),
        ] {
            let r = storage
                .get(&url)
                .header("Range", &range)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 206, "{range}");
            assert_eq!(
                r.headers()["content-range"],
                format!("bytes {start}-{end}/{len}").as_str()
            );
            assert_eq!(
                r.headers()["content-length"],
                (end - start + 1).to_string().as_str()
            );
            let body = r.bytes().await.unwrap();
            assert_eq!(&body[..], &full[start as usize..=end as usize], "{range}");
        }
        let r = storage
            .get(&url)
            .header("Range", format!("bytes={len}-"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 416);
        assert_eq!(
            r.headers()["content-range"],
            format!("bytes */{len}").as_str()
        );

        // Same bytes on a second download (deterministic).
        let again = storage
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(again, full);
    }

    // A forged expiry is rejected.
    let f = facts.iter().find(|f| !f.is_purged).unwrap();
    let d = emu.call_detail(&f.agent_id, &f.id).unwrap();
    let url = d["audio_file_url"].as_str().unwrap();
    let (base, query) = url.split_once('?').unwrap();
    let forged: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some(("expires", v)) => format!("expires={}", v.parse::<u64>().unwrap() + 3600),
            _ => kv.to_string(),
        })
        .collect();
    let r = Client::new()
        .get(format!("{base}?{}", forged.join("&")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.starts_with("<?xml"));
    assert!(body.contains("<Error>"));
    let r = Client::new().get(base).send().await.unwrap();
    assert_eq!(r.status(), 403);

    let seen = emu.storage_requests();
    assert!(seen.len() >= 20);
    for req in &seen {
        assert!(!req.path_and_query_redacted.contains('?'));
        assert!(!req.path_and_query_redacted.contains("token"));
        for (name, _) in &req.headers {
            assert_ne!(name, "x-api-key");
            assert_ne!(name, "authorization");
            assert_ne!(name, "referer");
        }
    }
}

#[tokio::test]
async fn signed_urls_expire_with_s3_style_xml() {
    let emu = talkpilot::start(EmulatorOptions {
        signed_url_ttl: Duration::from_secs(1),
        ..opts()
    })
    .await
    .unwrap();
    let f = emu.call_facts().into_iter().find(|f| !f.is_purged).unwrap();
    let d = get(&emu, &format!("/v1/agents/{}/calls/{}", f.agent_id, f.id)).await;
    let url = d.json["audio_file_url"].as_str().unwrap().to_string();
    let r = Client::new()
        .get(&url)
        .header("Range", "bytes=0-43")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = Client::new().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("xml")
    );
    let body = r.text().await.unwrap();
    assert!(body.starts_with("<?xml"));
    assert!(body.contains("<Code>AccessDenied</Code>"));
    assert!(body.contains("<Message>Request has expired</Message>"));
    // A fresh detail gives a working URL again.
    let d = get(&emu, &format!("/v1/agents/{}/calls/{}", f.agent_id, f.id)).await;
    let fresh = d.json["audio_file_url"].as_str().unwrap();
    assert_ne!(fresh, url);
    let r = Client::new()
        .get(fresh)
        .header("Range", "bytes=0-43")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
}

#[tokio::test]
async fn same_seed_same_data() {
    let a = start().await;
    let b = start().await;
    assert_eq!(a.agents(), b.agents());
    assert_eq!(a.api_key(), b.api_key());
    for id in agent_ids(&a) {
        assert_eq!(a.calls(&id), b.calls(&id));
        let c = &a.calls(&id)[3];
        let da = a.call_detail(&id, c["id"].as_str().unwrap()).unwrap();
        let db = b.call_detail(&id, c["id"].as_str().unwrap()).unwrap();
        assert_eq!(da["transcript"], db["transcript"]);
        assert_eq!(da["final_score"], db["final_score"]);
    }
    let c = talkpilot::start(EmulatorOptions { seed: 7, ..opts() })
        .await
        .unwrap();
    assert_ne!(a.agents(), c.agents());
    assert_ne!(a.api_key(), c.api_key());
}

#[tokio::test]
async fn dropping_the_emulator_stops_it() {
    let emu = start().await;
    let url = format!("{}/v1/health", emu.base_url());
    let client = Client::new();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    drop(emu);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = Client::new()
        .get(&url)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(r.is_err(), "server still answers after drop");
}

#[tokio::test]
async fn data_invariants_hold_for_other_seeds_and_dates() {
    for (seed, now) in [
        (0u64, Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()),
        (1, Utc.with_ymd_and_hms(2026, 6, 7, 23, 59, 59).unwrap()),
        (99, Utc.with_ymd_and_hms(2024, 2, 29, 6, 30, 0).unwrap()),
        (u64::MAX, Utc::now()),
    ] {
        let emu = talkpilot::start(EmulatorOptions {
            seed,
            now,
            ..EmulatorOptions::default()
        })
        .await
        .unwrap();
        let facts = emu.call_facts();
        assert_eq!(facts.len(), 3 * talkpilot::CALLS_PER_AGENT);
        let mut call_ids: Vec<&str> = facts.iter().map(|f| f.call_id.as_str()).collect();
        call_ids.sort_unstable();
        call_ids.dedup();
        assert_eq!(call_ids.len(), facts.len(), "call ids unique");
        for f in &facts {
            assert!(f.created_at < now && f.created_at > now - chrono::TimeDelta::days(60));
            if f.long_transcript {
                assert!((300..=600).contains(&f.transcript_turns));
            } else {
                assert!(
                    (6..=42).contains(&f.transcript_turns),
                    "seed {seed}: {} turns",
                    f.transcript_turns
                );
            }
            assert!(f.duration >= 5);
        }
        for agent in agent_ids(&emu) {
            let calls = emu.calls(&agent);
            for w in calls.windows(2) {
                assert!(created(&w[0]) > created(&w[1]));
            }
            let mine: Vec<_> = facts.iter().filter(|f| f.agent_id == agent).collect();
            assert_eq!(mine.iter().filter(|f| f.is_purged).count(), 5);
            assert_eq!(mine.iter().filter(|f| f.is_deleted).count(), 5);
            assert_eq!(mine.iter().filter(|f| f.broken_transcript).count(), 3);
            assert_eq!(mine.iter().filter(|f| f.long_transcript).count(), 3);
        }
    }
}
