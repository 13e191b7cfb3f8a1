//! Keys, accounts and permissions.

use super::support::*;

#[tokio::test]
async fn a_missing_or_wrong_key_is_plain_text_401() {
    let emu = start().await;
    let r = get_q(&emu, "/v1/Accounts", None, &[]).await;
    assert_plain(&r, 401, "Unauthorized");
    assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"Users\""));
    let r = get_q(
        &emu,
        "/v1/Accounts",
        Some("5f8e8f60-4771-44cb-92a6-94ea66df0450"),
        &[],
    )
    .await;
    assert_plain(&r, 401, "Unauthorized");
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"Users\", error=\"invalid_token\"")
    );
    // The key must be a bearer token, not another header.
    let r = Client::new()
        .get(format!("{}/v1/Accounts", emu.base_url()))
        .header("X-API-Key", emu.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn accounts_and_permissions() {
    let emu = start().await;
    let all = get(&emu, "/v1/Accounts", &[]).await;
    assert_eq!(all.status, 200);
    let list = all.json();
    let list = list.as_array().expect("a bare array");
    assert_eq!(list.len(), 3);
    assert_eq!(list, &emu.accounts());
    let names: Vec<&str> = list.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert!(names.iter().all(|n| n.starts_with("Beacon Health")));
    let recording: Vec<bool> = list
        .iter()
        .map(|a| a["record_all_calls"].as_bool().unwrap())
        .collect();
    assert_eq!(recording, vec![true, true, false]);
    let ids = account_sids(&emu);
    for (i, id) in ids.iter().enumerate() {
        // An account key sees exactly its own account.
        let own = get_q(&emu, "/v1/Accounts", Some(&emu.account_key(i)), &[]).await;
        let own = own.json();
        assert_eq!(own.as_array().unwrap().len(), 1);
        assert_eq!(own[0]["account_sid"], id.as_str());
        let one = get_q(
            &emu,
            &format!("/v1/Accounts/{id}"),
            Some(&emu.account_key(i)),
            &[],
        )
        .await;
        assert_eq!(one.json()["account_sid"], id.as_str());
        // Another account's sid: 403 in the "fail" shape, on every route.
        let other = &ids[(i + 1) % 3];
        for suffix in ["", "/RecentCalls", "/Calls"] {
            let r = get_q(
                &emu,
                &format!("/v1/Accounts/{other}{suffix}"),
                Some(&emu.account_key(i)),
                &[("page", "1"), ("count", "25")],
            )
            .await;
            assert_eq!(r.status, 403, "{suffix}");
            assert_eq!(
                r.json(),
                serde_json::json!({"status": "fail", "message": "insufficient privileges"})
            );
        }
    }
    // A malformed sid is 400 plain text; an unknown one 404 plain text.
    let r = get(
        &emu,
        "/v1/Accounts/not-a-uuid/RecentCalls",
        &[("page", "1"), ("count", "25")],
    )
    .await;
    assert_plain(&r, 400, "Bad Request");
    let r = get(
        &emu,
        "/v1/Accounts/00000000-0000-4000-8000-000000000000/RecentCalls",
        &[("page", "1"), ("count", "25")],
    )
    .await;
    assert_plain(&r, 404, "Not Found");
    assert_plain(&get(&emu, "/v1/Nothing", &[]).await, 404, "Not Found");
    let r = Client::new()
        .delete(format!("{}/v1/Accounts", emu.base_url()))
        .bearer_auth(emu.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
