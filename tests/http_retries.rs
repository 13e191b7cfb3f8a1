//! The shared HTTP layer's retry rules, against a small scripted server on loopback: what is
//! repeated, after how long, and what is never repeated.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use callbrowser::http::{Auth, HttpClient, HttpError, HttpLimits, HttpNotice, MAX_RETRY_AFTER};
use callbrowser::providers::Provider;
use callbrowser::providers::talkpilot::{TalkPilot, TalkPilotSettings};
use reqwest::Method;

/// One scripted answer: a status and an optional `Retry-After` value.
type Step = (u16, Option<&'static str>);

#[derive(Clone, Default)]
struct Script {
    steps: Arc<Mutex<VecDeque<Step>>>,
    hits: Arc<Mutex<u32>>,
    /// Headers every scripted (non-200) answer carries besides `Retry-After`.
    extra: &'static [(&'static str, &'static str)],
}

/// A server that answers each request with the next scripted step, then 200 with a body.
async fn server(steps: &[Step]) -> (String, Script) {
    server_with(steps, &[]).await
}

/// Like [`server`]; each scripted answer also carries the `extra` headers.
async fn server_with(
    steps: &[Step],
    extra: &'static [(&'static str, &'static str)],
) -> (String, Script) {
    let script = Script {
        steps: Arc::new(Mutex::new(steps.iter().copied().collect())),
        hits: Arc::default(),
        extra,
    };
    async fn any(State(s): State<Script>) -> Response {
        *s.hits.lock().unwrap() += 1;
        let step = s.steps.lock().unwrap().pop_front();
        match step {
            Some((code, retry_after)) => {
                let status = StatusCode::from_u16(code).unwrap();
                let mut r = (status, "try later").into_response();
                if let Some(v) = retry_after {
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, v.parse().unwrap());
                }
                for (name, value) in s.extra {
                    r.headers_mut().insert(*name, value.parse().unwrap());
                }
                r
            }
            None => (StatusCode::OK, "RIFF0000WAVEdata").into_response(),
        }
    }
    let app = Router::new().fallback(any).with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/x"), script)
}

fn limits() -> HttpLimits {
    HttpLimits {
        backoff_base: Duration::from_millis(10),
        max_rate_limit_wait: Duration::from_secs(5),
        ..HttpLimits::default()
    }
}

fn notices(client: HttpClient) -> (HttpClient, Arc<Mutex<Vec<HttpNotice>>>) {
    let seen: Arc<Mutex<Vec<HttpNotice>>> = Arc::default();
    let sink = seen.clone();
    let client = client.with_notifier(Arc::new(move |n| sink.lock().unwrap().push(n)));
    (client, seen)
}

#[tokio::test]
async fn a_get_waits_for_retry_after_then_succeeds() {
    let (url, script) = server(&[(429, Some("1"))]).await;
    let (client, seen) = notices(HttpClient::new(limits()).unwrap());
    let started = Instant::now();
    let (status, _, _) = client
        .send(Method::GET, &url, &[], &Auth::None, None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(*script.hits.lock().unwrap(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After kept"
    );
    assert!(matches!(
        seen.lock().unwrap().as_slice(),
        [HttpNotice::Waiting { retry: 1, .. }]
    ));
}

#[tokio::test]
async fn a_post_is_repeated_after_a_429_only_when_the_server_says_when() {
    // No Retry-After: one request, the 429 goes to the adapter (a token request during a block
    // must not be repeated, every attempt would count against the client).
    let (url, script) = server(&[(429, None), (429, None)]).await;
    let client = HttpClient::new(limits()).unwrap();
    let body = serde_json::json!({"secret": "s"});
    let e = client
        .send(Method::POST, &url, &[], &Auth::None, Some(&body))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, HttpError::Status(a) if a.status == 429),
        "{e:?}"
    );
    assert_eq!(*script.hits.lock().unwrap(), 1);

    // With Retry-After the server said the request may come again.
    let (url, script) = server(&[(429, Some("0"))]).await;
    let (status, _, _) = client
        .send(Method::POST, &url, &[], &Auth::None, Some(&body))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(*script.hits.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_post_is_not_repeated_after_a_5xx() {
    let (url, script) = server(&[(500, None)]).await;
    let client = HttpClient::new(limits()).unwrap();
    let e = client
        .send(Method::POST, &url, &[], &Auth::None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, HttpError::Status(a) if a.status == 500),
        "{e:?}"
    );
    assert_eq!(*script.hits.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_bound_is_given_up_at_once() {
    let (url, script) = server(&[(429, Some("600"))]).await;
    let (client, seen) = notices(HttpClient::new(limits()).unwrap());
    let e = client
        .send(Method::GET, &url, &[], &Auth::None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, HttpError::Status(a) if a.status == 429),
        "{e:?}"
    );
    assert_eq!(*script.hits.lock().unwrap(), 1);
    // It gave up instead of waiting: no wait was announced.
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_recording_download_waits_for_a_rate_limit_and_retries_a_5xx() {
    let (url, script) = server(&[(429, Some("1")), (503, None), (502, None)]).await;
    let (client, seen) = notices(HttpClient::without_credentials(limits()).unwrap());
    let started = Instant::now();
    let mut download = client.open_stream(&url, &Auth::None, 0).await.unwrap();
    assert_eq!((download.starts_at, download.total_len), (0, Some(16)));
    let mut body = Vec::new();
    while let Some(chunk) = download.body.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
    }
    assert_eq!(body, b"RIFF0000WAVEdata");
    assert_eq!(*script.hits.lock().unwrap(), 4);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After kept"
    );
    let seen = seen.lock().unwrap();
    assert!(
        matches!(
            seen.as_slice(),
            [
                HttpNotice::Waiting { retry: 1, .. },
                HttpNotice::Waiting { retry: 2, .. },
                HttpNotice::Retrying { retry: 3, .. }
            ]
        ),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_recording_download_gives_up_after_its_retries_and_never_retries_a_404() {
    let (url, script) = server(&[(500, None); 10]).await;
    let client = HttpClient::without_credentials(limits()).unwrap();
    let e = client.open_stream(&url, &Auth::None, 0).await.unwrap_err();
    assert!(
        matches!(&e, HttpError::Status(a) if a.status == 500),
        "{e:?}"
    );
    assert_eq!(*script.hits.lock().unwrap(), 1 + limits().max_retries);

    let (url, script) = server(&[(404, None)]).await;
    let e = client.open_stream(&url, &Auth::None, 0).await.unwrap_err();
    assert!(
        matches!(&e, HttpError::Status(a) if a.status == 404),
        "{e:?}"
    );
    assert_eq!(*script.hits.lock().unwrap(), 1);
}

/// The TUI waited 90 s where the command line gave up at once: a 429 with `Retry-After: 1e21`
/// that also said the window was used up (until far beyond the bound) was given up, but the next
/// request on the same client (the TUI's reload; the command line had exited) waited the window
/// cut down to the bound. One rule now: beyond the bound, nothing is waited for, on any request.
#[tokio::test]
async fn a_rate_limit_beyond_the_bound_is_given_up_at_once_on_every_request() {
    const WINDOW: &[(&str, &str)] = &[
        ("x-ratelimit-limit", "60"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", "4000000000"),
    ];
    let (url, script) = server_with(&[(429, Some("1e21")), (429, Some("1e21"))], WINDOW).await;
    let (client, seen) = notices(HttpClient::new(limits()).unwrap());
    for _ in 0..2 {
        let e = client
            .send(Method::GET, &url, &[], &Auth::None, None)
            .await
            .unwrap_err();
        // The answer keeps how long the server asked (as the longest wait taken as said).
        assert!(
            matches!(&e, HttpError::Status(a)
                if a.status == 429 && a.retry_after == Some(MAX_RETRY_AFTER)),
            "{e:?}"
        );
    }
    assert_eq!(*script.hits.lock().unwrap(), 2);
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing is waited for: {:?}",
        seen.lock().unwrap()
    );
}

/// Through an adapter, the sentence says how long the server asked.
#[tokio::test]
async fn the_give_up_sentence_says_how_long_the_server_asked() {
    let (url, _) = server(&[(429, Some("1e21")), (429, Some("7200"))]).await;
    let base = url.trim_end_matches("/x").to_string();
    let tp = TalkPilot::new(
        TalkPilotSettings {
            name: "tp".into(),
            label: "TalkPilot".into(),
            base_url: base,
            api_key: "k".into(),
            key_hint: "check TP_KEY".into(),
            agent: None,
        },
        HttpClient::new(limits()).unwrap(),
        HttpClient::without_credentials(limits()).unwrap(),
    );
    for asked in ["a day or more", "2 h"] {
        let e = tp.check().await.map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("TalkPilot is rate limiting"), "{e}");
        assert!(e.contains(&format!("asks to retry in {asked}")), "{e}");
    }
}

/// A server that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}/x")
}

/// The number of seconds in "timed out after N s".
fn secs_said(e: &str) -> u64 {
    let rest = e.split("timed out after ").nth(1).unwrap_or_default();
    rest.split(' ')
        .next()
        .unwrap_or_default()
        .parse()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_timeout_says_the_whole_time_and_the_attempts() {
    let url = silent_server().await;
    let limits = HttpLimits {
        request_timeout: Duration::from_secs(1),
        max_retries: 2,
        ..limits()
    };
    let client = HttpClient::new(limits).unwrap();
    let started = Instant::now();
    let e = client
        .send(Method::GET, &url, &[], &Auth::None, None)
        .await
        .unwrap_err();
    assert!(matches!(&e, HttpError::Timeout { .. }), "{e:?}");
    let said = e.to_string();
    assert!(said.contains("(3 attempts)"), "{said}");
    assert!(secs_said(&said) >= 3, "{said}");
    assert!(
        secs_said(&said) <= started.elapsed().as_secs() + 1,
        "{said}"
    );

    // A POST is not repeated: one attempt, its own time.
    let e = client
        .send(Method::POST, &url, &[], &Auth::None, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("timed out after 1 s") && !e.contains("attempts"),
        "{e}"
    );
}
