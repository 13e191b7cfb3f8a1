//! Token exchanges, bearer tokens and the token request limit.

use super::support::*;

#[tokio::test]
async fn token_exchange_in_both_styles() {
    let emu = start().await;
    current_style_token(&emu).await;
    v8_style_token(&emu).await;
    refused_token_requests(&emu).await;
    assert_eq!(emu.token_requests(), 11);
    credentials_are_distinct(&emu);
}

async fn current_style_token(emu: &WelkinEmulator) {
    let before = Utc::now();
    let r = token_current(emu, &emu.client_key(), &emu.secret()).await;
    assert_eq!(r.status, 200);
    let t = r.json["token"].as_str().unwrap();
    assert!(t.starts_with("eyJ"));
    let exp: DateTime<Utc> = r.json["expiresAt"].as_str().unwrap().parse().unwrap();
    let life = exp - before;
    assert!(
        life <= chrono::Duration::seconds(3601) && life >= chrono::Duration::seconds(3590),
        "{life}"
    );
    // Whole seconds, as the guide's example: "2026-03-19T14:00:00Z".
    assert_eq!(r.json["expiresAt"].as_str().unwrap().len(), 20);
}

async fn v8_style_token(emu: &WelkinEmulator) {
    let r = token_v8(emu, &emu.client_name(), &emu.secret()).await;
    assert_eq!(r.status, 201);
    assert!(r.json["token"].as_str().unwrap().starts_with("eyJ"));
    assert!(r.json.get("expiresAt").is_none());
    assert_eq!(r.json["clientName"], emu.client_name().as_str());
    // The V8 token works on resources like the other one.
    let v8 = r.json["token"].as_str().unwrap().to_string();
    assert_eq!(get_q(emu, "/patients", Some(&v8), &[]).await.status, 200);
}

async fn refused_token_requests(emu: &WelkinEmulator) {
    // Wrong secret, unknown key, unknown V8 client name, V8 with another tenant.
    assert_error(
        &token_current(emu, &emu.client_key(), "nope").await,
        401,
        "INVALID_API_CLIENT_CREDENTIALS",
    );
    assert_error(
        &token_current(emu, "api-client-unknown", &emu.secret()).await,
        401,
        "INVALID_API_CLIENT_CREDENTIALS",
    );
    // The V8 name is not an apiClient key, and the other way round.
    assert_error(
        &token_current(emu, &emu.client_name(), &emu.secret()).await,
        401,
        "INVALID_API_CLIENT_CREDENTIALS",
    );
    let r = token_v8(emu, &emu.client_key(), &emu.secret()).await;
    assert_error(&r, 404, "API_CLIENT_NOT_FOUND");
    assert_eq!(
        r.json[0]["details"]["clientName"],
        emu.client_key().as_str()
    );
    assert_error(
        &token_v8(emu, &emu.client_name(), "nope").await,
        401,
        "INVALID_API_CLIENT_CREDENTIALS",
    );
    let r = Client::new()
        .post(format!(
            "{}/other-tenant/admin/api_clients/{}",
            emu.base_url(),
            emu.client_name()
        ))
        .json(&json!({"secret": emu.secret()}))
        .send()
        .await
        .unwrap();
    let r = into_resp(r).await;
    assert_error(&r, 404, "TENANT_NOT_FOUND");
    assert_eq!(r.json[0]["details"]["tenantName"], "other-tenant");
    // A body without a secret, a body that is not JSON, another method.
    let r = Client::new()
        .post(format!("{}/auth/token", emu.base_url()))
        .json(&json!({"apiClient": emu.client_key()}))
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 400, "BAD_REQUEST");
    let r = Client::new()
        .post(format!("{}/auth/token", emu.base_url()))
        .body("secret=x")
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 400, "BAD_REQUEST");
    let r = Client::new()
        .get(format!("{}/auth/token", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 405, "METHOD_NOT_ALLOWED");
}

fn credentials_are_distinct(emu: &WelkinEmulator) {
    // Credentials are distinct per client; secrets carry JSON-unfriendly symbols sometimes.
    let all = [
        emu.client_key(),
        emu.client_name(),
        emu.restricted_client_key(),
        emu.restricted_client_name(),
    ];
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 4);
    assert_eq!(emu.client_name().len(), 12);
    assert!(emu.client_name().chars().all(|c| c.is_ascii_uppercase()));
    assert_ne!(emu.secret(), emu.restricted_secret());
}

#[tokio::test]
async fn bearer_tokens_are_checked_exactly() {
    let emu = start_with(WelkinOptions {
        token_lifetime: Duration::from_millis(1500),
        ..WelkinOptions::default()
    })
    .await;
    let r = get_q(&emu, "/patients", None, &[]).await;
    assert_error(&r, 401, "NOT_AUTHORIZED");
    let t = token(&emu).await;
    // The token in another scheme or header is not accepted.
    let url = format!(
        "{}/{}/{}/patients",
        emu.base_url(),
        emu.tenant(),
        emu.instance()
    );
    let r = Client::new()
        .get(&url)
        .header("Authorization", format!("Token {t}"))
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 401, "NOT_AUTHORIZED");
    let r = Client::new()
        .get(&url)
        .header("X-API-Key", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_error(
        &get_q(&emu, "/patients", Some("eyJnot.a.token"), &[]).await,
        401,
        "NOT_VALID_JSON_WEB_TOKEN",
    );
    assert_eq!(get_q(&emu, "/patients", Some(&t), &[]).await.status, 200);
    // The token really expires (at the whole second `expiresAt` names).
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_error(
        &get_q(&emu, "/patients", Some(&t), &[]).await,
        401,
        "TOKEN_EXPIRED",
    );
    // expire_tokens / revoke_tokens, for tests.
    let t = token(&emu).await;
    emu.expire_tokens();
    assert_error(
        &get_q(&emu, "/patients", Some(&t), &[]).await,
        401,
        "TOKEN_EXPIRED",
    );
    let t = token(&emu).await;
    emu.revoke_tokens();
    assert_error(
        &get_q(&emu, "/patients", Some(&t), &[]).await,
        401,
        "NOT_VALID_JSON_WEB_TOKEN",
    );
}

#[tokio::test]
async fn more_than_100_token_requests_in_5_minutes_block_the_client() {
    let emu = start().await;
    for i in 0..100 {
        let r = token_current(&emu, &emu.client_key(), &emu.secret()).await;
        assert_eq!(r.status, 200, "request {i}");
    }
    let r = token_current(&emu, &emu.client_key(), &emu.secret()).await;
    assert_error(&r, 429, "TOO_MANY_REQUESTS");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((295..=300).contains(&retry), "{retry}");
    // Blocked in both styles (it is the same client), and a bad secret changes nothing.
    assert_error(
        &token_v8(&emu, &emu.client_name(), &emu.secret()).await,
        429,
        "TOO_MANY_REQUESTS",
    );
    // Another client is not blocked.
    let r = token_current(&emu, &emu.restricted_client_key(), &emu.restricted_secret()).await;
    assert_eq!(r.status, 200);
    assert_eq!(emu.token_requests(), 103);

    // With a short block (configurable), the client gets tokens again afterwards.
    let emu = start_with(WelkinOptions {
        token_limit: 3,
        token_block: Duration::from_millis(1200),
        ..WelkinOptions::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            token_current(&emu, &emu.client_key(), &emu.secret())
                .await
                .status,
            200
        );
    }
    let r = token_current(&emu, &emu.client_key(), &emu.secret()).await;
    assert_error(&r, 429, "TOO_MANY_REQUESTS");
    assert_eq!(r.headers["retry-after"], "2");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        token_current(&emu, &emu.client_key(), &emu.secret())
            .await
            .status,
        200
    );

    // The block may be answered without Retry-After (the spec does not say it is sent).
    let emu = start_with(WelkinOptions {
        token_limit: 1,
        block_retry_after: false,
        ..WelkinOptions::default()
    })
    .await;
    assert_eq!(
        token_current(&emu, &emu.client_key(), &emu.secret())
            .await
            .status,
        200
    );
    for _ in 0..2 {
        let r = token_current(&emu, &emu.client_key(), &emu.secret()).await;
        assert_error(&r, 429, "TOO_MANY_REQUESTS");
        assert!(r.headers.get("retry-after").is_none());
    }
}
