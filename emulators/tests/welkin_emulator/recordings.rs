//! Recordings, methods, `Accept`, tenant and instance.

use super::support::*;

#[tokio::test]
async fn recordings_are_whole_files_and_ignore_range() {
    let emu = start().await;
    let t = token(&emu).await;
    recordings_are_whole_files(&emu, &t).await;
    head_and_restricted_client(&emu, &t).await;
}

async fn recordings_are_whole_files(emu: &WelkinEmulator, t: &str) {
    let mut types = HashSet::new();
    let mut checked = 0;
    for p in emu.patients().iter().take(10) {
        let pid = p["id"].as_str().unwrap();
        for c in emu.calls(pid) {
            let cid = c["id"].as_str().unwrap();
            let url = format!(
                "{}/{}/{}/patients/{pid}/calls/{cid}/recording",
                emu.base_url(),
                emu.tenant(),
                emu.instance()
            );
            let r = Client::new()
                .get(&url)
                .bearer_auth(t)
                .header("Range", "bytes=1000-")
                .send()
                .await
                .unwrap();
            if c["hasRecording"] == false {
                assert_error(&into_resp(r).await, 404, "CALL_RECORDING_NOT_FOUND");
                continue;
            }
            assert_eq!(r.status(), 200, "Range is ignored");
            let h = r.headers().clone();
            assert!(h.get("accept-ranges").is_none());
            assert!(h.get("content-range").is_none());
            let ct = h["content-type"].to_str().unwrap().to_string();
            let ext = if ct == "audio/mpeg" { "mp3" } else { "wav" };
            assert_eq!(
                h["content-disposition"],
                format!("attachment; filename=\"recording-{cid}.{ext}\"").as_str()
            );
            let body = r.bytes().await.unwrap();
            assert_eq!(
                h["content-length"].to_str().unwrap(),
                body.len().to_string()
            );
            let (want_ct, want) = emu.recording(pid, cid).unwrap();
            assert_eq!(ct, want_ct);
            assert_eq!(&body[..], want);
            if ext == "mp3" {
                assert!(is_mp3(&body));
            } else {
                assert_eq!(&body[..4], b"RIFF");
                types.insert(u16::from_le_bytes([body[20], body[21]]));
            }
            types.insert(if ext == "mp3" { 0 } else { 1000 });
            checked += 1;
        }
    }
    assert!(checked > 20);
    assert!(
        types.contains(&0) && types.contains(&1) && types.contains(&7),
        "{types:?}"
    );
}

async fn head_and_restricted_client(emu: &WelkinEmulator, t: &str) {
    // HEAD: the headers only.
    let jane = pid(emu, "Jane", "Doe");
    let c = emu
        .calls(&jane)
        .into_iter()
        .find(|c| c["hasRecording"] == true)
        .unwrap();
    let url = format!(
        "{}/{}/{}/patients/{jane}/calls/{}/recording",
        emu.base_url(),
        emu.tenant(),
        emu.instance(),
        c["id"].as_str().unwrap()
    );
    let r = Client::new()
        .head(&url)
        .bearer_auth(t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 1000
    );

    // A client without "Voice Calls None Care Team".
    let r = token_current(emu, &emu.restricted_client_key(), &emu.restricted_secret()).await;
    let restricted = r.json["token"].as_str().unwrap().to_string();
    let r = into_resp(
        Client::new()
            .get(&url)
            .bearer_auth(&restricted)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&r, 403, "ACCESS_FOR_API_CLIENT_RESTRICTED");
    assert_eq!(r.json[0]["componentType"], "AUTH");
    assert_eq!(
        r.json[0]["message"],
        "Access to this API is restricted for the APIClient"
    );
    // It can still read patients and calls.
    let r = get_q(emu, "/patients", Some(&restricted), &[]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn methods_accept_tenant_and_instance() {
    let emu = start().await;
    let t = token(&emu).await;
    let base = format!("{}/{}/{}", emu.base_url(), emu.tenant(), emu.instance());
    let r = Client::new()
        .post(format!("{base}/patients"))
        .bearer_auth(&t)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 405, "METHOD_NOT_ALLOWED");
    let r = Client::new()
        .get(format!("{base}/patients"))
        .bearer_auth(&t)
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 406, "NOT_ACCEPTABLE");
    let r = Client::new()
        .get(format!("{base}/patients"))
        .bearer_auth(&t)
        .header("Accept", "application/json, text/plain;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = Client::new()
        .get(format!(
            "{}/other/{}/patients",
            emu.base_url(),
            emu.instance()
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 404, "TENANT_NOT_FOUND");
    let r = Client::new()
        .get(format!(
            "{}/{}/sandbox/patients",
            emu.base_url(),
            emu.tenant()
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 404, "INSTANCE_NOT_FOUND");
    let r = Client::new()
        .get(format!("{base}/nothing-here"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 404, "NOT_FOUND");
    // Without a token, even an unknown route is 401 (authentication first).
    let r = Client::new()
        .get(format!("{base}/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
