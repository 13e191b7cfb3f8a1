//! Keys and the organizations list.

use super::support::*;

#[tokio::test]
async fn bearer_keys_are_checked() {
    let emu = start().await;
    let org = &org_ids(&emu)[0];
    let q = [("organizationId", org.as_str())];
    let r = get_q(&emu, "/api/calls", None, &q).await;
    assert_eq!(r.status, 401);
    assert!(
        r.json["error"]
            .as_str()
            .unwrap()
            .starts_with("Unauthorized")
    );
    let key = emu.tenant_key();
    let r = get_q(&emu, "/api/calls", Some(&key), &q).await;
    assert_eq!(r.status, 401, "the Bearer scheme is required");
    let r = get_q(&emu, "/api/calls", Some("Bearer am_tenant_nope"), &q).await;
    assert_error(&r, 401, "Unauthorized: invalid API key");
    let r = get_q(&emu, "/api/calls", Some(&format!("bearer {key}")), &q).await;
    assert_eq!(r.status, 200, "the scheme is case-insensitive");
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_ne!(emu.tenant_key(), emu.organization_key(0));
    assert_eq!(emu.organization_key(7), "");
}

#[tokio::test]
async fn organizations_for_tenant_keys_only() {
    let emu = start().await;
    let r = tenant(&emu, "/api/organization", &[]).await;
    assert_eq!(r.status, 200);
    let orgs = r.json["organizations"].as_array().unwrap();
    assert_eq!(orgs, &emu.organizations());
    assert_eq!(orgs.len(), 3);
    for o in orgs {
        let keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 5);
        for k in ["id", "name", "phoneNumber", "timezone", "createdAt"] {
            assert!(keys.contains(&k), "{k}");
        }
    }
    let tzs: Vec<&str> = orgs
        .iter()
        .map(|o| o["timezone"].as_str().unwrap())
        .collect();
    assert_eq!(
        tzs,
        ["America/Montreal", "America/Toronto", "America/Los_Angeles"]
    );
    assert_eq!(
        r.json["pagination"],
        serde_json::json!({"page": 1, "limit": 10, "total": 3, "totalPages": 1,
                           "hasNextPage": false, "hasPreviousPage": false})
    );
    let r = tenant(
        &emu,
        "/api/organization",
        &[("sort", "-name"), ("limit", "2")],
    )
    .await;
    let names: Vec<&str> = r.json["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Valley Health Clinic", "Riverside Family Health Team"]
    );
    assert_eq!(r.json["pagination"]["hasNextPage"], true);
    let r = tenant(&emu, "/api/organization", &[("search", "CLINIQUE")]).await;
    assert_eq!(r.json["organizations"].as_array().unwrap().len(), 1);
    let r = tenant(&emu, "/api/organization", &[("limit", "101")]).await;
    assert_error(&r, 400, "limit must be between 1 and 100");
    let r = tenant(&emu, "/api/organization", &[("sort", "size")]).await;
    assert_eq!(r.status, 400);
    let r = tenant(&emu, "/api/organization", &[("page", "0")]).await;
    assert_error(&r, 400, "page must be a positive integer");

    let auth = format!("Bearer {}", emu.organization_key(0));
    let r = get_q(&emu, "/api/organization", Some(&auth), &[]).await;
    assert_error(
        &r,
        403,
        "Forbidden: organization API keys cannot list organizations",
    );
}
