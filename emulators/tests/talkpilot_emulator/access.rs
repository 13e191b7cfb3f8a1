//! Health, keys, permissions and the agents endpoints.

use super::support::*;

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
