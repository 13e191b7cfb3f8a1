//! Routing of every listener: unknown paths and wrong methods answer in the vendor's own shape
//! (never axum's defaults, never with an `Allow` header), paths are routed on their decoded
//! segments where the vendor server does so, and every request is logged as received.

use callbrowser_emulators::{EmulatorOptions, allomia, solum, talkpilot, voxeme, welkin};
use chrono::{TimeZone, Utc};
use reqwest::{Client, Method, Response};
use serde_json::{Value, json};

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        now: Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap(),
        ..EmulatorOptions::default()
    }
}

async fn send(method: Method, url: &str, headers: &[(&str, &str)]) -> Response {
    let mut rb = Client::new().request(method, url);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    let r = rb.send().await.unwrap();
    assert!(r.headers().get("allow").is_none(), "no Allow header: {url}");
    r
}

async fn json(method: Method, url: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let r = send(method, url, headers).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn text(method: Method, url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let r = send(method, url, headers).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn welkin_token(emu: &welkin::WelkinEmulator) -> String {
    let r = Client::new()
        .post(format!("{}/auth/token", emu.base_url()))
        .json(&json!({"secret": emu.secret(), "apiClient": emu.client_key()}))
        .send()
        .await
        .unwrap();
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn welkin_unknown_paths_and_methods_answer_in_the_error_array() {
    let emu = welkin::start(opts()).await.unwrap();
    let bearer = format!("Bearer {}", welkin_token(&emu).await);
    let auth = [("Authorization", bearer.as_str())];
    let base = format!("{}/{}/{}", emu.base_url(), emu.tenant(), emu.instance());
    let code = |v: &Value| v[0]["errorCode"].as_str().unwrap_or("").to_string();
    let (s, v) = json(Method::GET, &format!("{base}/nothing"), &auth).await;
    assert_eq!((s, code(&v)), (404, "NOT_FOUND".into()));
    // The bearer token is checked before the route.
    let (s, v) = json(Method::GET, &format!("{base}/nothing"), &[]).await;
    assert_eq!((s, code(&v)), (401, "NOT_AUTHORIZED".into()));
    // Resources: GET only (HEAD too for recordings), 405 after the token check.
    for m in [Method::POST, Method::DELETE, Method::HEAD] {
        let (s, _) = json(m.clone(), &format!("{base}/patients"), &auth).await;
        assert_eq!(s, 405, "{m}");
    }
    let (s, v) = json(Method::DELETE, &format!("{base}/patients"), &[]).await;
    assert_eq!((s, code(&v)), (401, "NOT_AUTHORIZED".into()));
    // Token exchange: POST only, answered by the AUTH component, no token needed.
    let (s, v) = json(Method::GET, &format!("{}/auth/token", emu.base_url()), &[]).await;
    assert_eq!((s, code(&v)), (405, "METHOD_NOT_ALLOWED".into()));
    assert_eq!(v[0]["componentType"], "AUTH");
    let log = emu.requests();
    assert_eq!(log.last().unwrap().path, "/auth/token");
    assert!(log.iter().any(|r| r.path.ends_with("/nothing")));
}

#[tokio::test]
async fn welkin_paths_are_routed_on_decoded_segments() {
    let emu = welkin::start(opts()).await.unwrap();
    let bearer = format!("Bearer {}", welkin_token(&emu).await);
    let auth = [("Authorization", bearer.as_str())];
    let (t, i) = (emu.tenant(), emu.instance());
    let b = emu.base_url();
    for path in [
        format!("/{t}/{i}/patients/"),
        format!("//{t}//{i}/patients"),
        format!("/{t}/{i}/%70atients"),
    ] {
        let (s, v) = json(Method::GET, &format!("{b}{path}"), &auth).await;
        assert_eq!(s, 200, "{path}");
        assert!(v["data"].is_array(), "{path}");
    }
    // A segment is decoded on its own: an encoded slash stays inside the id.
    let (s, v) = json(Method::GET, &format!("{b}/{t}/{i}/patients/a%2Fb"), &auth).await;
    assert_eq!(s, 404);
    assert_eq!(v[0]["errorCode"], "PATIENT_NOT_FOUND");
    assert_eq!(v[0]["details"]["id"], "a/b");
    // `admin` as an instance is an instance, not the V8 token route.
    let (s, v) = json(Method::GET, &format!("{b}/{t}/admin/patients/x"), &auth).await;
    assert_eq!((s, &v[0]["errorCode"]), (404, &json!("INSTANCE_NOT_FOUND")));
    // The log keeps the path as it was sent.
    assert!(
        emu.requests()
            .iter()
            .any(|r| r.path == format!("//{t}//{i}/patients"))
    );
}

#[tokio::test]
async fn solum_routes_only_the_exact_path() {
    let emu = solum::start(opts()).await.unwrap();
    let key = emu.api_key();
    let h = [("X-API-Key", key.as_str())];
    let b = emu.base_url();
    for path in [
        "/v1/calls/",
        "/v1/%63alls",
        "//v1/calls",
        "/v1/calls/x",
        "/",
    ] {
        let (s, v) = json(Method::GET, &format!("{b}{path}"), &h).await;
        assert_eq!((s, v), (404, json!({"detail": "Not Found"})), "{path}");
    }
    // The route and the method come before the key.
    let (s, v) = json(Method::POST, &format!("{b}/v1/calls"), &[]).await;
    assert_eq!((s, v), (405, json!({"detail": "Method Not Allowed"})));
    let (s, _) = json(Method::GET, &format!("{b}/v1/calls"), &[]).await;
    assert_eq!(s, 401);
    let statuses: Vec<u16> = emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [404, 404, 404, 404, 404, 405, 401]);
}

#[tokio::test]
async fn talkpilot_unknown_routes_and_methods_are_404_after_the_key() {
    let emu = talkpilot::start(opts()).await.unwrap();
    let key = emu.api_key();
    let h = [("X-API-Key", key.as_str())];
    let b = emu.base_url();
    for (m, path) in [
        (Method::GET, "/v1/nothing"),
        (Method::POST, "/v1/agents"),
        (Method::DELETE, "/v1/health"),
    ] {
        let (s, v) = json(m.clone(), &format!("{b}{path}"), &h).await;
        assert_eq!(s, 404, "{m} {path}");
        assert_eq!(v["error"]["code"], "NOT_FOUND");
        assert_eq!(v["error"]["message"], "Route not found");
        let r = send(m.clone(), &format!("{b}{path}"), &[]).await;
        assert_eq!(r.status(), 401, "the key comes first: {m} {path}");
    }
    // Health needs no key (GET and HEAD), below the base path segment by segment.
    for path in ["/v1/health", "/v1/health/", "//v1/%68ealth"] {
        let (s, v) = json(Method::GET, &format!("{b}{path}"), &[]).await;
        assert_eq!((s, &v["status"]), (200, &json!("ok")), "{path}");
    }
    let r = send(Method::HEAD, &format!("{b}/v1/health"), &[]).await;
    assert_eq!(r.status(), 200);
    // Outside the base path nothing is routed.
    let outside = b.replace("/functions/v1/api", "/functions/v1/apix/v1/agents");
    let (s, _) = json(Method::GET, &outside, &h).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn talkpilot_storage_answers_unknown_paths_and_methods_in_s3_xml() {
    let emu = talkpilot::start(opts()).await.unwrap();
    let b = emu.storage_base_url();
    let (s, body) = text(Method::GET, &format!("{b}/nothing"), &[]).await;
    assert_eq!(s, 404);
    assert!(body.contains("<Code>NoSuchKey</Code>"));
    let (s, body) = text(Method::PUT, &format!("{b}/nothing"), &[]).await;
    assert_eq!(s, 405);
    assert!(body.contains("<Code>MethodNotAllowed</Code>"));
    // Under the sign prefix the URL's signature is checked before the object.
    let prefix = format!("{b}{}", talkpilot::STORAGE_SIGN_PREFIX);
    let (s, body) = text(Method::GET, &format!("{prefix}recordings/"), &[]).await;
    assert_eq!(s, 403);
    assert!(body.contains("<Code>AccessDenied</Code>"));
    let (s, _) = text(Method::DELETE, &format!("{prefix}recordings/x.wav"), &[]).await;
    assert_eq!(s, 405);
    assert_eq!(emu.storage_requests().len(), 4);
}

#[tokio::test]
async fn voxeme_unknown_routes_and_methods_are_plain_not_found() {
    let emu = voxeme::start(opts()).await.unwrap();
    let bearer = format!("Bearer {}", emu.api_key());
    let h = [("Authorization", bearer.as_str())];
    let b = emu.base_url();
    for (m, path) in [
        (Method::GET, "/v1/Nothing"),
        (Method::POST, "/v1/Accounts"),
        (Method::GET, "/v1/Accounts/not-a-uuid/Nothing"),
    ] {
        let (s, body) = text(m.clone(), &format!("{b}{path}"), &h).await;
        assert_eq!((s, body.as_str()), (404, "Not Found"), "{m} {path}");
        let r = send(m, &format!("{b}{path}"), &[]).await;
        assert_eq!(r.status(), 401);
    }
    // Known routes check the sid after the route.
    let (s, body) = text(Method::GET, &format!("{b}/v1/Accounts/not-a-uuid"), &h).await;
    assert_eq!((s, body.as_str()), (400, "Bad Request"));
    for path in ["/v1/Accounts/", "//v1//Accounts", "/v1/%41ccounts"] {
        let (s, v) = json(Method::GET, &format!("{b}{path}"), &h).await;
        assert_eq!(s, 200, "{path}");
        assert!(v.is_array(), "{path}");
    }
    let paths: Vec<String> = emu.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths.contains(&"//v1//Accounts".to_string()), "{paths:?}");
}

#[tokio::test]
async fn voxeme_media_host_routes_only_recordings() {
    let vopts = voxeme::VoxemeOptions {
        recording_urls: voxeme::RecordingUrls::OtherHost,
        ..voxeme::VoxemeOptions::default()
    };
    let emu = voxeme::start_with(opts(), vopts).await.unwrap();
    let b = emu.media_base_url().unwrap();
    for (m, path) in [
        (Method::GET, "/nothing"),
        (Method::POST, "/recordings/a/b/c/d/e/f"),
        (Method::GET, "/recordings/a/b/c/d/e/f"),
    ] {
        let (s, body) = text(m.clone(), &format!("{b}{path}"), &[]).await;
        assert_eq!((s, body.as_str()), (404, "Not Found"), "{m} {path}");
    }
    assert_eq!(emu.media_requests().len(), 3);
}

#[tokio::test]
async fn allomia_unknown_routes_and_methods_are_route_not_found() {
    let emu = allomia::start(opts()).await.unwrap();
    let bearer = format!("Bearer {}", emu.tenant_key());
    let h = [("Authorization", bearer.as_str())];
    let b = emu.base_url();
    for (m, path) in [
        (Method::GET, "/api/nothing"),
        (Method::POST, "/api/calls"),
        (Method::HEAD, "/api/organization"),
    ] {
        let r = send(m.clone(), &format!("{b}{path}"), &h).await;
        assert_eq!(r.status(), 404, "{m} {path}");
        let r = send(m, &format!("{b}{path}"), &[]).await;
        assert_eq!(r.status(), 401);
    }
    let (_, v) = json(Method::GET, &format!("{b}/api/nothing"), &h).await;
    assert_eq!(v, json!({"error": "Route not found"}));
    let (s, v) = json(Method::GET, &format!("{b}//api/organization/"), &h).await;
    assert_eq!(s, 200);
    assert!(v["organizations"].is_array());
    assert_eq!(emu.api_requests().len(), 8);
}

#[tokio::test]
async fn allomia_storage_answers_unknown_paths_and_methods_in_s3_xml() {
    let emu = allomia::start(opts()).await.unwrap();
    for b in [emu.storage_base_url(), emu.mirror_base_url()] {
        // Unknown objects: the signature is checked first.
        let (s, body) = text(Method::GET, &format!("{b}/nothing"), &[]).await;
        assert_eq!(s, 403);
        assert!(body.contains("<Code>AccessDenied</Code>"));
        let (s, body) = text(Method::POST, &format!("{b}/nothing"), &[]).await;
        assert_eq!(s, 405);
        assert!(body.contains("<Code>MethodNotAllowed</Code>"));
    }
    assert_eq!(emu.storage_requests().len(), 2);
    assert_eq!(emu.mirror_requests().len(), 2);
}
