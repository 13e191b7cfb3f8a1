//! Ids that name nothing (`""`, `.`, `..`) never reach a URL: every adapter refuses them itself,
//! for calls and for parents (agents, patients, accounts, organizations), whether the id came from
//! the command line, the configuration or a vendor's list (the TUI opens what a list gave). A URL
//! parser would resolve such a segment away and reach another resource of the API.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use callbrowser::http::{HttpClient, HttpLimits};
use callbrowser::model::{Filter, PageRequest, Scope};
use callbrowser::providers::allomia::{AlloMia, AlloMiaSettings};
use callbrowser::providers::solum::{Solum, SolumSettings};
use callbrowser::providers::talkpilot::{TalkPilot, TalkPilotSettings};
use callbrowser::providers::voxeme::{Voxeme, VoxemeSettings};
use callbrowser::providers::welkin::{Welkin, WelkinAuthStyle, WelkinSettings};
use callbrowser::providers::{Provider, ProviderError};

type Seen = Arc<Mutex<Vec<String>>>;

/// A server that records every request's path and query, hands out Welkin tokens and answers
/// everything else `404` (what it answers does not matter: nothing may reach it).
async fn recording_server() -> (String, Seen) {
    let seen: Seen = Arc::default();
    async fn any(State(seen): State<Seen>, req: Request) -> Response {
        seen.lock().unwrap().push(req.uri().to_string());
        if req.uri().path() == "/auth/token" {
            let token = r#"{"token": "t", "expiresAt": "2999-01-01T00:00:00Z"}"#;
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                token,
            )
                .into_response();
        }
        (StatusCode::NOT_FOUND, "{}").into_response()
    }
    let app = Router::new().fallback(any).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen)
}

fn clients() -> (HttpClient, HttpClient) {
    let limits = HttpLimits {
        max_retries: 0,
        ..HttpLimits::default()
    };
    (
        HttpClient::new(limits.clone()).unwrap(),
        HttpClient::without_credentials(limits).unwrap(),
    )
}

fn pinned(id: &str) -> Option<Scope> {
    Some(Scope {
        id: id.into(),
        name: id.into(),
        detail: None,
    })
}

/// One adapter of each kind against `base`, with its parent pinned to `pin` where it has one.
fn adapters(base: &str, pin: Option<&str>) -> Vec<Box<dyn Provider>> {
    let (key, hint) = (String::from("k"), String::from("check K"));
    let mut out: Vec<Box<dyn Provider>> = Vec::new();
    let (api, storage) = clients();
    out.push(Box::new(TalkPilot::new(
        TalkPilotSettings {
            name: "tp".into(),
            label: "TalkPilot".into(),
            base_url: base.into(),
            api_key: key.clone(),
            key_hint: hint.clone(),
            agent: pin.and_then(pinned),
        },
        api,
        storage,
    )));
    let (api, storage) = clients();
    out.push(Box::new(Welkin::new(
        WelkinSettings {
            name: "welkin".into(),
            label: "Welkin Health".into(),
            base_url: base.into(),
            tenant: "acme".into(),
            instance: "live".into(),
            auth_style: WelkinAuthStyle::Current,
            client: "c".into(),
            secret: key.clone(),
            key_hint: hint.clone(),
            patient: pin.and_then(pinned),
        },
        api,
        storage,
    )));
    let (api, storage) = clients();
    out.push(Box::new(Voxeme::new(
        VoxemeSettings {
            name: "voxeme".into(),
            label: "Voxeme".into(),
            base_url: base.into(),
            api_key: key.clone(),
            key_hint: hint.clone(),
            account: pin.and_then(pinned),
        },
        api,
        storage,
    )));
    let (api, storage) = clients();
    out.push(Box::new(AlloMia::new(
        AlloMiaSettings {
            name: "allomia".into(),
            label: "AlloMia".into(),
            base_url: base.into(),
            api_key: key.clone(),
            key_hint: hint.clone(),
            organization: pin.and_then(pinned),
        },
        api,
        storage,
    )));
    if pin.is_none() {
        let (api, storage) = clients();
        out.push(Box::new(Solum::new(
            SolumSettings {
                name: "solum".into(),
                label: "Solum Health".into(),
                base_url: base.into(),
                api_key: key,
                key_hint: hint,
            },
            api,
            storage,
        )));
    }
    out
}

fn assert_refused(p: &dyn Provider, what: &str, r: Result<(), ProviderError>, seen: &Seen) {
    match r {
        Err(ProviderError::Invalid { provider, message }) => {
            assert_eq!(provider, p.label(), "{what}");
            assert!(
                message.contains("is not a"),
                "{}: {what}: {message}",
                p.label()
            );
        }
        other => panic!("{}: {what}: not refused: {other:?}", p.label()),
    }
    let reached = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        reached.is_empty(),
        "{}: {what} reached the server: {reached:?}",
        p.label()
    );
}

fn ok<T>(r: Result<T, ProviderError>) -> Result<(), ProviderError> {
    r.map(|_| ())
}

#[tokio::test]
async fn every_adapter_refuses_ids_that_name_nothing() {
    let (base, seen) = recording_server().await;
    let page = PageRequest { page: 1, size: 20 };
    let filter = Filter::default();
    for p in adapters(&base, None) {
        let p = p.as_ref();
        let parented = p.capabilities().scope_noun.is_some();
        for bad in ["", ".", ".."] {
            if parented {
                let r = ok(p.list_calls(Some(bad), &filter, page).await);
                assert_refused(p, &format!("list under {bad:?}"), r, &seen);
                let r = ok(p.get_call(Some(bad), "call-1").await);
                assert_refused(p, &format!("a call under {bad:?}"), r, &seen);
            }
            let scope = parented.then_some("parent-1");
            let r = ok(p.get_call(scope, bad).await);
            assert_refused(p, &format!("call {bad:?}"), r, &seen);
            if p.capabilities().has_recordings {
                let r = ok(p.open_recording(scope, bad, 0).await);
                assert_refused(p, &format!("recording of {bad:?}"), r, &seen);
            }
            if p.capabilities().has_live {
                let r = ok(p.list_live(Some(bad)).await);
                assert_refused(p, &format!("live calls under {bad:?}"), r, &seen);
            }
        }
    }
    // The server does hear good ids: it is the check above that kept the others away.
    let tp = &adapters(&base, None)[0];
    let _ = tp.get_call(Some("agent-1"), "call-1").await;
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        ["/v1/agents/agent-1/calls/call-1"]
    );
}

#[tokio::test]
async fn a_pinned_parent_that_names_nothing_is_refused_too() {
    let (base, seen) = recording_server().await;
    let page = PageRequest { page: 1, size: 20 };
    for p in adapters(&base, Some("..")) {
        let p = p.as_ref();
        let r = p
            .list_calls(None, &Filter::default(), page)
            .await
            .map(|_| ());
        assert_refused(p, "list under the pinned \"..\"", r, &seen);
    }
}
