//! Credentials stay on their own provider's host: the API client refuses a redirect to another
//! origin (with or without the key it would carry), the signed-URL client never carries one, and
//! neither sends a `Referer` that would leak a signed URL's query.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use callbrowser::http::{Auth, HttpClient, HttpError, HttpLimits};
use reqwest::Method;
use reqwest::header::HeaderName;

type Seen = Arc<Mutex<Vec<(String, HeaderMap)>>>;

/// A server that records every request and redirects `/go?to=URL` to `URL`.
async fn server() -> (String, Seen) {
    let seen: Seen = Arc::default();
    async fn any(State(seen): State<Seen>, req: Request) -> Response {
        let path = req.uri().to_string();
        seen.lock()
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
        (StatusCode::OK, "RIFF....WAVE").into_response()
    }
    let app = Router::new().fallback(get(any)).with_state(seen.clone());
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
    while let Some(c) = resp.chunk().await.unwrap() {
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
