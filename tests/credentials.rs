//! Credentials stay on their own provider's host: the API client refuses a redirect to another
//! origin (with or without the key it would carry), the signed-URL client never carries one, and
//! neither sends a `Referer` that would leak a signed URL's query. Each rule is checked on the
//! bare HTTP client and through real adapters (AlloMia's Bearer key, TalkPilot's `X-API-Key`),
//! including AlloMia's signed URLs redirected to another storage host by its emulator, whose
//! storage hosts refuse a request with `Authorization` as S3 does.

mod support;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use callbrowser::http::{Auth, HttpClient, HttpError, HttpLimits};
use callbrowser::model::{Filter, PageRequest, Scope, Transcript};
use callbrowser::providers::Provider;
use callbrowser::providers::allomia::{AlloMia, AlloMiaSettings};
use callbrowser::providers::talkpilot::{TalkPilot, TalkPilotSettings};
use callbrowser_emulators::EmulatorOptions;
use callbrowser_emulators::allomia::{self, AlloMiaOptions, Redirect};
use reqwest::Method;
use reqwest::header::HeaderName;
use support::fetch::{At, Fetch};

type Seen = Arc<Mutex<Vec<(String, HeaderMap)>>>;

#[derive(Clone)]
struct Srv {
    seen: Seen,
    /// Every request not handled otherwise is redirected to the same path on this origin.
    forward_to: Option<String>,
}

/// A server that records every request and redirects `/go?to=URL` to `URL`.
async fn server() -> (String, Seen) {
    server_with(None).await
}

/// Like [`server`]; also redirects `/old/…` to `/…` on the same host, answers `…/api/calls` with
/// an empty AlloMia page and, with `forward_to`, redirects everything else to that origin.
async fn server_with(forward_to: Option<String>) -> (String, Seen) {
    let seen: Seen = Arc::default();
    async fn any(State(srv): State<Srv>, req: Request) -> Response {
        let path = req.uri().to_string();
        srv.seen
            .lock()
            .unwrap()
            .push((path.clone(), req.headers().clone()));
        if let Some(to) = req
            .uri()
            .query()
            .and_then(|q| q.strip_prefix("to="))
            .filter(|_| req.uri().path() == "/go")
        {
            let to = url::form_urlencoded::parse(format!("x={to}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            return (StatusCode::FOUND, [(header::LOCATION, to)]).into_response();
        }
        // Loops on the same host: `/loop` to itself, `/ping` and `/pong` to each other.
        let back = match req.uri().path() {
            "/loop" => Some("/loop"),
            "/ping" => Some("/pong"),
            "/pong" => Some("/ping"),
            _ => None,
        };
        if let Some(to) = back {
            return (StatusCode::FOUND, [(header::LOCATION, to)]).into_response();
        }
        if let Some(rest) = path.strip_prefix("/old/") {
            return (StatusCode::FOUND, [(header::LOCATION, format!("/{rest}"))]).into_response();
        }
        if let Some(origin) = &srv.forward_to {
            let to = format!("{origin}{path}");
            return (StatusCode::FOUND, [(header::LOCATION, to)]).into_response();
        }
        if req.uri().path().ends_with("/api/calls") {
            let page = r#"{"calls": [], "pagination": {"page": 1, "limit": 20, "total": 0,
                "totalPages": 0, "hasNextPage": false, "hasPreviousPage": false}}"#;
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                page,
            )
                .into_response();
        }
        (StatusCode::OK, "RIFF....WAVE").into_response()
    }
    let srv = Srv {
        seen: seen.clone(),
        forward_to,
    };
    let app = Router::new().fallback(get(any)).with_state(srv);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen)
}

fn limits() -> HttpLimits {
    HttpLimits {
        max_retries: 0,
        ..HttpLimits::default()
    }
}

fn go(from: &str, to: &str) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(to.as_bytes()).collect();
    format!("{from}/go?to={enc}")
}

fn secret_headers(h: &HeaderMap) -> Vec<String> {
    ["authorization", "x-api-key", "referer", "cookie"]
        .iter()
        .filter(|n| h.contains_key(**n))
        .map(|n| n.to_string())
        .collect()
}

#[tokio::test]
async fn the_api_client_does_not_follow_a_redirect_to_another_host() {
    let (api, api_seen) = server().await;
    let (other, other_seen) = server().await;
    let client = HttpClient::new(limits()).unwrap();
    for auth in [
        Auth::Header(
            HeaderName::from_static("x-api-key"),
            "tp_live_SECRET".into(),
        ),
        Auth::Bearer("SECRET".into()),
    ] {
        let target = format!("{other}/steal");
        let e = client
            .send(Method::GET, &go(&api, &target), &[], &auth, None)
            .await
            .unwrap_err();
        assert!(matches!(e, HttpError::CrossHostRedirect { .. }), "{e:?}");
        assert!(e.to_string().contains("redirected to another host"), "{e}");
        // It names where it was sent, not the address asked for.
        assert!(e.to_string().contains(&target), "{e}");
        // The stream opener (recordings on the provider's own host) refuses it too.
        let e = client
            .open_stream(&go(&api, &target), &auth, 0)
            .await
            .unwrap_err();
        assert!(matches!(e, HttpError::CrossHostRedirect { .. }), "{e:?}");
    }
    assert!(
        other_seen.lock().unwrap().is_empty(),
        "the other host was reached"
    );
    // The key did reach its own host, as it should.
    assert!(
        api_seen
            .lock()
            .unwrap()
            .iter()
            .all(|(_, h)| h.contains_key("x-api-key") || h.contains_key("authorization"))
    );
}

#[tokio::test]
async fn a_same_host_redirect_is_followed_with_the_key() {
    let (api, api_seen) = server().await;
    let client = HttpClient::new(limits()).unwrap();
    let auth = Auth::Bearer("SECRET".into());
    let (status, _, body) = client
        .send(
            Method::GET,
            &go(&api, &format!("{api}/v1/moved")),
            &[],
            &auth,
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(b"RIFF"));
    let seen = api_seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].0, "/v1/moved");
    assert_eq!(seen[1].1.get("authorization").unwrap(), "Bearer SECRET");
}

#[tokio::test]
async fn signed_urls_are_fetched_without_credentials_across_redirects() {
    let (storage, storage_seen) = server().await;
    let (cdn, cdn_seen) = server().await;
    let client = HttpClient::without_credentials(limits()).unwrap();
    // A signed URL whose host redirects to a CDN host; Auth::None is all this client sends.
    let signed = go(
        &storage,
        &format!("{cdn}/object/rec.wav?token=SIGNED&expires=1"),
    );
    let mut resp = client.open_stream(&signed, &Auth::None, 0).await.unwrap();
    let mut body = Vec::new();
    while let Some(c) = resp.body.chunk().await.unwrap() {
        body.extend_from_slice(&c);
    }
    assert!(body.starts_with(b"RIFF"));
    let (_, _, body) = client
        .send(Method::GET, &signed, &[], &Auth::None, None)
        .await
        .unwrap();
    assert!(body.starts_with(b"RIFF"));
    let storage_seen = storage_seen.lock().unwrap();
    let cdn_seen = cdn_seen.lock().unwrap();
    assert_eq!(storage_seen.len(), 2);
    assert_eq!(cdn_seen.len(), 2, "the redirect was followed");
    for (path, h) in storage_seen.iter().chain(cdn_seen.iter()) {
        assert!(
            secret_headers(h).is_empty(),
            "{path} got {:?}",
            secret_headers(h)
        );
    }
}

fn org() -> Scope {
    Scope {
        id: "org-1".into(),
        name: "Valley Health Clinic".into(),
        detail: None,
    }
}

fn allomia_at(base: &str, key: &str, organization: Option<Scope>) -> AlloMia {
    AlloMia::new(
        AlloMiaSettings {
            name: "am".into(),
            label: "AlloMia".into(),
            base_url: base.into(),
            api_key: key.into(),
            key_hint: "check ALLOMIA_KEY".into(),
            organization,
        },
        HttpClient::new(limits()).unwrap(),
        HttpClient::without_credentials(limits()).unwrap(),
    )
}

fn talkpilot_at(base: &str, key: &str) -> TalkPilot {
    TalkPilot::new(
        TalkPilotSettings {
            name: "tp".into(),
            label: "TalkPilot".into(),
            base_url: base.into(),
            api_key: key.into(),
            key_hint: "check TP_KEY".into(),
            agent: None,
        },
        HttpClient::new(limits()).unwrap(),
        HttpClient::without_credentials(limits()).unwrap(),
    )
}

#[tokio::test]
async fn adapters_do_not_follow_their_api_host_to_another_host() {
    let (other, other_seen) = server().await;
    let (api, api_seen) = server_with(Some(other.clone())).await;
    let am = allomia_at(&api, "am_SECRET", Some(org()));
    let page = PageRequest { page: 1, size: 20 };
    let key = At {
        scope: Some("org-1".into()),
        id: "c-1".into(),
    };
    let errors = [
        am.list_calls(None, &Filter::default(), page)
            .await
            .map(|_| ())
            .unwrap_err(),
        am.detail(&key).await.map(|_| ()).unwrap_err(),
        am.check().await.map(|_| ()).unwrap_err(),
        talkpilot_at(&api, "tp_live_SECRET")
            .check()
            .await
            .map(|_| ())
            .unwrap_err(),
    ];
    assert!(
        errors[0].to_string().starts_with("AlloMia: "),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].to_string().ends_with("check base_url"),
        "{}",
        errors[0]
    );
    for e in &errors {
        let msg = e.to_string();
        assert!(msg.contains("redirected to another host"), "{msg}");
        assert!(
            !msg.contains("organizationId") && !msg.contains("limit="),
            "no query in the message: {msg}"
        );
    }
    assert!(
        other_seen.lock().unwrap().is_empty(),
        "the other host was reached"
    );
    // Each request reached the API host, with its key.
    let api_seen = api_seen.lock().unwrap();
    assert_eq!(api_seen.len(), 4);
    assert_eq!(
        api_seen[0].1.get("authorization").unwrap(),
        "Bearer am_SECRET"
    );
    assert!(
        api_seen[0]
            .0
            .starts_with("/api/calls?organizationId=org-1&page=1&limit=20")
    );
    assert_eq!(api_seen[3].1.get("x-api-key").unwrap(), "tp_live_SECRET");
}

#[tokio::test]
async fn an_adapter_follows_a_same_host_redirect_with_its_key() {
    let (api, api_seen) = server().await;
    let am = allomia_at(&format!("{api}/old"), "am_SECRET", Some(org()));
    let p = am
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    assert!(p.items.is_empty() && !p.has_more);
    let seen = api_seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].0, "/api/calls?organizationId=org-1&page=1&limit=20");
    for (_, h) in seen.iter() {
        assert_eq!(h.get("authorization").unwrap(), "Bearer am_SECRET");
        assert!(!h.contains_key("referer"));
    }
}

fn recorded_secrets(r: &callbrowser_emulators::RecordedRequest, key: &str) -> Vec<String> {
    r.headers
        .iter()
        .filter(|(n, v)| {
            ["authorization", "x-api-key", "referer", "cookie"].contains(&n.as_str())
                || v.contains(key)
        })
        .map(|(n, _)| n.clone())
        .collect()
}

#[tokio::test]
async fn allomia_signed_urls_redirected_to_another_host_carry_no_credentials() {
    let emu = allomia::start_with(
        EmulatorOptions::default(),
        AlloMiaOptions {
            redirect_recordings: Redirect::OtherHost,
            ..AlloMiaOptions::default()
        },
    )
    .await
    .unwrap();
    let key = emu.tenant_key();
    let am = allomia_at(&emu.base_url(), &key, None);
    let f = emu
        .call_facts()
        .into_iter()
        .find(|f| f.has_recording && f.has_transcript && !f.unformatted_transcript)
        .unwrap();
    let k = At {
        scope: Some(f.organization_id.clone()),
        id: f.id.clone(),
    };
    let d = am.detail(&k).await.unwrap();
    assert!(
        matches!(d.transcript, Transcript::Turns(_)),
        "{:?}",
        d.warnings
    );
    for from in [0, 500] {
        let mut rec = am.recording(&k, from).await.unwrap();
        assert_eq!(rec.starts_at, from);
        let mut n = 0u64;
        while let Some(c) = rec.chunk().await.unwrap() {
            n += c.len() as u64;
        }
        assert_eq!(n, f.recording_bytes - from);
    }
    let storage = emu.storage_requests();
    let mirror = emu.mirror_requests();
    let paths = |v: &[callbrowser_emulators::RecordedRequest], part: &str| {
        v.iter()
            .filter(|r| r.path_and_query_redacted.contains(part))
            .count()
    };
    assert_eq!(paths(&storage, "/transcripts/"), 1);
    assert_eq!(paths(&storage, "/recordings-redirect/"), 2);
    assert_eq!(
        paths(&mirror, "/recordings/"),
        2,
        "followed to the other host"
    );
    assert_ne!(emu.mirror_base_url(), emu.storage_base_url());
    for r in storage.iter().chain(&mirror) {
        assert!(
            recorded_secrets(r, &key).is_empty(),
            "{} got {:?}",
            r.path_and_query_redacted,
            recorded_secrets(r, &key)
        );
    }

    // A leak would show: storage refuses a signed URL sent with the key, as S3 does, and the
    // API client does not follow the redirect to the other host at all.
    let api_client = HttpClient::new(limits()).unwrap();
    let signed = emu.call_detail(&f.id).unwrap()["transcriptUrl"]
        .as_str()
        .unwrap()
        .to_string();
    match api_client
        .open_stream(&signed, &Auth::Bearer(key.clone()), 0)
        .await
    {
        Err(HttpError::Status(a)) => {
            assert_eq!(a.status, StatusCode::BAD_REQUEST);
            let body = String::from_utf8_lossy(&a.body);
            assert!(body.contains("<Code>InvalidArgument</Code>"), "{body}");
        }
        other => panic!("{other:?}"),
    }
    let redirecting = emu.call_detail(&f.id).unwrap()["recordingUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let before = emu.mirror_requests().len();
    // With the key, storage refuses before redirecting; without it, the API client still does
    // not follow to the other host.
    match api_client
        .open_stream(&redirecting, &Auth::Bearer(key.clone()), 0)
        .await
    {
        Err(HttpError::Status(a)) => assert_eq!(a.status, StatusCode::BAD_REQUEST),
        other => panic!("{other:?}"),
    }
    let e = api_client
        .open_stream(&redirecting, &Auth::None, 0)
        .await
        .unwrap_err();
    assert!(matches!(e, HttpError::CrossHostRedirect { .. }), "{e:?}");
    assert_eq!(
        emu.mirror_requests().len(),
        before,
        "the mirror was reached"
    );
}

#[tokio::test]
async fn a_redirect_loop_on_the_same_host_is_called_a_loop() {
    let (api, seen) = server().await;
    let clients = [
        HttpClient::new(limits()).unwrap(),
        HttpClient::without_credentials(limits()).unwrap(),
    ];
    for client in &clients {
        for path in ["/loop", "/ping"] {
            let url = format!("{api}{path}");
            let e = client
                .send(Method::GET, &url, &[], &Auth::None, None)
                .await
                .unwrap_err();
            let said = e.to_string();
            assert!(said.contains("redirects in a loop"), "{said}");
            assert!(!said.contains("another host"), "{said}");
            let e = client.open_stream(&url, &Auth::None, 0).await.unwrap_err();
            assert!(e.to_string().contains("redirects in a loop"), "{e}");
        }
    }
    // Found at the first repeat, not after the hop limit.
    assert!(
        seen.lock().unwrap().len() <= 4 * 3,
        "{}",
        seen.lock().unwrap().len()
    );
}
