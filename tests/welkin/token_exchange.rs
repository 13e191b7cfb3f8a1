//! Welkin's token exchange: one token shared by concurrent requests, renewed before or on
//! expiry in both auth styles, refusals and the token-request block remembered.

use super::*;

const WRONG_SECRET: &str = "Welkin Health rejected the API client key or secret (401 \
                            INVALID_API_CLIENT_CREDENTIALS): check WELKIN_SECRET";

/// The first page of calls of each of the first `n` patients, all at once.
async fn at_once(
    w: &Welkin,
    patients: &[String],
    n: usize,
) -> Vec<Result<Page<Call>, ProviderError>> {
    join_all(
        patients
            .iter()
            .take(n)
            .map(|p| page_of(w, Some(p), pg(1, 5))),
    )
    .await
}

/// Lists Jane's calls five at a time for `ms` milliseconds, pausing `pause` ms between
/// batches; answers how many calls were made (every one must succeed).
async fn keep_listing(w: &Welkin, jane: &str, ms: u64, pause: u64) -> usize {
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_millis(ms) {
        let batch = join_all((0..5).map(|_| page_of(w, Some(jane), pg(1, 5)))).await;
        assert!(batch.iter().all(Result::is_ok), "{batch:?}");
        n += 5;
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    n
}

/// The token block (5 minutes assumed without `Retry-After`), in one sentence.
fn assert_blocked(e: &ProviderError) {
    match e {
        ProviderError::RateLimited {
            retry_after_secs: Some(s),
            ..
        } => assert!(
            (295..=300).contains(s),
            "{s}: the block is assumed 5 minutes"
        ),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    let start = "Welkin Health is rate limiting requests; gave up waiting (the server asks to \
                 retry in ";
    assert!(e.to_string().starts_with(start), "{e}");
}

#[tokio::test]
async fn one_token_for_many_concurrent_and_serial_requests() {
    let emu = start().await;
    let w = adapter(&emu);
    let patients: Vec<String> = ids_of(&emu.patients());
    let results = at_once(&w, &patients, 30).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(
        emu.token_requests(),
        1,
        "concurrent requests share one token"
    );
    for p in patients.iter().take(30) {
        page_of(&w, Some(p), pg(1, 5)).await.unwrap();
    }
    assert_eq!(emu.token_requests(), 1, "the token is cached");
    let bearers: HashSet<String> = emu
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(bearers.len(), 1);

    // An expired token: 20 concurrent 401 TOKEN_EXPIRED answers lead to ONE new token.
    emu.expire_tokens();
    let results = at_once(&w, &patients, 20).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(emu.token_requests(), 2);
    // A token the server no longer knows (NOT_VALID_JSON_WEB_TOKEN): the same.
    emu.revoke_tokens();
    assert!(w.check().await.is_ok());
    assert_eq!(emu.token_requests(), 3);
}

#[tokio::test]
async fn tokens_are_renewed_before_they_expire() {
    // Current style: the answer says when the token expires; it is renewed before that, so no
    // request meets an expired token.
    let emu = start_with(WelkinOptions {
        token_lifetime: Duration::from_secs(2),
        ..WelkinOptions::default()
    })
    .await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    let n = keep_listing(&w, &jane, 3200, 100).await;
    let t = emu.token_requests();
    assert!((2..=5).contains(&t), "{t} token requests for {n} calls");
    let expired = emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/calls"))
        .count();
    assert_eq!(expired, n, "no call needed a retry");
}

#[tokio::test]
async fn v8_tokens_without_expiry_are_renewed_on_token_expired() {
    // V8 gives no expiry (assumed 1 h); the server's tokens here live 1 s: each expiry costs one
    // 401 and one token request, never a failed call.
    let emu = start_with(WelkinOptions {
        token_lifetime: Duration::from_secs(1),
        ..WelkinOptions::default()
    })
    .await;
    let w = adapter_v8(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    let n = keep_listing(&w, &jane, 2600, 150).await;
    let t = emu.token_requests();
    assert!((2..=5).contains(&t), "{t} token requests for {n} calls");
    let token_calls: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert!(token_calls.iter().all(|r| {
        r.path == format!("/{}/admin/api_clients/{}", emu.tenant(), emu.client_name())
            && r.header("authorization").is_none()
    }));
}

#[tokio::test]
async fn a_second_401_is_an_authentication_error() {
    // Tokens that are expired as soon as they are issued: one retry, then a clear error.
    let emu = start_with(WelkinOptions {
        token_lifetime: Duration::ZERO,
        ..WelkinOptions::default()
    })
    .await;
    let w = adapter_v8(&emu);
    let e = w.check().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health rejected the token (401 TOKEN_EXPIRED): check WELKIN_SECRET"
    );
    assert_eq!(emu.token_requests(), 2);

    // A 401 with another code is not retried.
    let emu = start().await;
    let w = adapter(&emu);
    w.check().await.unwrap();
    emu.faults().push(Fault::Status(401));
    let e = w.check().await.unwrap_err();
    assert!(
        matches!(e, ProviderError::Auth { status: 401, .. }),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "Welkin Health rejected the token (401 NOT_AUTHORIZED): check WELKIN_SECRET"
    );
    assert_eq!(emu.token_requests(), 1);
}

#[tokio::test]
async fn wrong_credentials_are_one_clear_sentence() {
    let emu = start().await;
    // A wrong key in the current style is the contract suite's (`a_wrong_key_is_one_clear_sentence`).
    let bad = adapter_as(
        &emu,
        creds(WelkinAuthStyle::V8, "NOSUCHCLIENT", emu.secret()),
    );
    let e = bad.check().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health rejected the API client name (404 API_CLIENT_NOT_FOUND): check `client` \
         in the configuration"
    );
    let bad = adapter_as(&emu, creds(WelkinAuthStyle::V8, emu.client_name(), "wrong"));
    let e = bad.check().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health rejected the API client name or secret (401 \
         INVALID_API_CLIENT_CREDENTIALS): check WELKIN_SECRET"
    );
    // A tenant the server does not know: named, whichever style.
    for style in [WelkinAuthStyle::V8, WelkinAuthStyle::Current] {
        let (w, _) = build(
            WelkinSettings {
                tenant: "acme-wealth".into(),
                ..settings(&emu, main_creds(&emu, style), None)
            },
            limits(),
        );
        let e = w.check().await.unwrap_err();
        let want = match style {
            WelkinAuthStyle::V8 => {
                "Welkin Health rejected the tenant (404 TENANT_NOT_FOUND): check `tenant` in the \
                 configuration"
            }
            WelkinAuthStyle::Current => {
                "Welkin Health: not found (Tenant was not found (TENANT_NOT_FOUND): check `tenant` \
                 in the configuration)"
            }
        };
        assert_eq!(e.to_string(), want, "{style:?}");
        assert!(!e.to_string().contains("WELKIN_SECRET"));
    }
    // The V8 style with the right name works and checks.
    let v8 = adapter_v8(&emu);
    assert_eq!(
        v8.check().await.unwrap(),
        "token accepted; 32 patient(s) visible"
    );
}

#[tokio::test]
async fn the_token_block_is_remembered_and_not_hammered() {
    let emu = start_with(WelkinOptions {
        token_limit: 3,
        ..WelkinOptions::default()
    })
    .await;
    let w = adapter(&emu);
    for _ in 0..3 {
        w.check().await.unwrap();
        emu.revoke_tokens();
    }
    assert_eq!(emu.token_requests(), 3);
    let e = w.check().await.unwrap_err();
    assert_eq!(emu.token_requests(), 4);
    assert_blocked(&e);
    // While blocked, no further token request is sent.
    for _ in 0..5 {
        let e = w.check().await.unwrap_err();
        assert!(matches!(e, ProviderError::RateLimited { .. }), "{e:?}");
    }
    assert_eq!(emu.token_requests(), 4);
}

#[tokio::test]
async fn a_refused_token_exchange_is_asked_once_for_all_waiting_callers() {
    let emu = start().await;
    let w = adapter_as(
        &emu,
        creds(WelkinAuthStyle::Current, emu.client_key(), "wrong"),
    );
    let patients = ids_of(&emu.patients());
    let none = Filter::default();
    let page = pg(1, 5);
    let keys: Vec<At> = patients.iter().take(8).map(|p| key(p, "x")).collect();
    // 30 operations at once, most of them sending two requests at once.
    let (lists, details, scopes, check) = tokio::join!(
        join_all(
            patients
                .iter()
                .take(20)
                .map(|p| w.list_calls(Some(p), &none, page))
        ),
        join_all(keys.iter().map(|k| w.detail(k))),
        w.list_scopes(None, page),
        w.check(),
    );
    let want = WRONG_SECRET;
    let mut errors: Vec<String> = lists
        .into_iter()
        .map(|r| r.unwrap_err().to_string())
        .collect();
    errors.extend(details.into_iter().map(|r| r.unwrap_err().to_string()));
    errors.push(scopes.unwrap_err().to_string());
    errors.push(check.unwrap_err().to_string());
    assert_eq!(errors.len(), 30);
    assert!(errors.iter().all(|e| e == want), "{errors:?}");
    assert_eq!(emu.token_requests(), 1, "one token request for all of them");
    // The refusal is remembered for a while: asking again at once cannot help.
    for _ in 0..3 {
        assert_eq!(w.check().await.unwrap_err().to_string(), want);
    }
    assert_eq!(emu.token_requests(), 1);
    assert_eq!(
        emu.requests().len(),
        1,
        "no resource request without a token"
    );
}

#[tokio::test]
async fn a_failed_token_exchange_answers_the_callers_waiting_for_it() {
    let emu = start().await;
    let w = adapter(&emu);
    let patients = ids_of(&emu.patients());
    let none = Filter::default();
    let page = pg(1, 5);
    emu.token_faults().push(Fault::Status(500));
    let results = at_once(&w, &patients, 10).await;
    assert_eq!(emu.token_requests(), 1);
    for r in results {
        assert_eq!(
            r.unwrap_err().to_string(),
            "Welkin Health answered 500 INTERNAL_SERVER_ERROR: An unexpected error occurred; a \
             failure on Welkin's side; try again in a few minutes"
        );
    }
    // A passing failure is not remembered: the next caller asks again, and gets a token.
    let p = w.list_calls(Some(&patients[0]), &none, page).await.unwrap();
    assert_eq!(p.items.len(), 5);
    assert_eq!(emu.token_requests(), 2);
}

#[tokio::test]
async fn a_token_block_without_retry_after_costs_one_token_request() {
    let emu = start_with(WelkinOptions {
        token_limit: 1,
        block_retry_after: false,
        ..WelkinOptions::default()
    })
    .await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    let call = emu
        .calls(&jane)
        .into_iter()
        .find(|c| c["hasRecording"] == true)
        .unwrap();
    let call = key(&jane, call["id"].as_str().unwrap());
    w.check().await.unwrap();
    assert_eq!(emu.token_requests(), 1);
    // The server forgets the token: the next operations need a new one, and the one token
    // request they share is blocked (the second in the window), answered without Retry-After.
    emu.revoke_tokens();
    let none = Filter::default();
    let page = pg(1, 5);
    let (calls, detail, recording, scopes, check) = tokio::join!(
        w.list_calls(Some(&jane), &none, page),
        w.detail(&call),
        w.recording(&call, 0),
        w.list_scopes(None, page),
        w.check(),
    );
    let mut errors = vec![
        calls.unwrap_err(),
        detail.unwrap_err(),
        scopes.unwrap_err(),
        check.unwrap_err(),
    ];
    errors.push(recording.err().unwrap());
    // Later operations during the block do not ask either.
    for _ in 0..3 {
        errors.push(w.check().await.unwrap_err());
        errors.push(w.list_calls(Some(&jane), &none, page).await.unwrap_err());
    }
    assert_eq!(
        emu.token_requests(),
        2,
        "exactly one token request for the block"
    );
    for e in &errors {
        assert_blocked(e);
    }
}

/// Retries of the calls list are the contract suite's (`transient_faults_are_retried_once`).
#[tokio::test]
async fn a_failed_token_request_is_reported_not_repeated() {
    let emu = start().await;
    let w = adapter(&emu);
    w.check().await.unwrap();
    // A token endpoint failure is reported (a POST is not repeated), and the next call gets a
    // token.
    emu.revoke_tokens();
    emu.token_faults().push(Fault::Status(500));
    let before = emu.token_requests();
    let e = w.check().await.unwrap_err();
    assert!(
        e.to_string().starts_with("Welkin Health answered 500"),
        "{e}"
    );
    assert_eq!(emu.token_requests(), before + 1);
    assert!(w.check().await.is_ok());
    assert_eq!(emu.token_requests(), before + 2);
}
