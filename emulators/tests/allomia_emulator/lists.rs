//! The calls list: envelope, paging, fields, filters and validation.

use super::support::*;

#[tokio::test]
async fn calls_envelope_paging_and_documented_fields() {
    let emu = start().await;
    let orgs = org_ids(&emu);
    for (oi, org) in orgs.iter().enumerate() {
        let r = tenant(&emu, "/api/calls", &[("organizationId", org)]).await;
        assert_eq!(r.status, 200);
        let calls = r.json["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 20, "default limit");
        assert_eq!(
            r.json["pagination"],
            serde_json::json!({"page": 1, "limit": 20, "total": 150, "totalPages": 8,
                               "hasNextPage": true, "hasPreviousPage": false})
        );
        let all = all_pages(&emu, &[("organizationId", org)]).await;
        assert_eq!(all, emu.calls(org));
        assert_eq!(all.len(), allomia::CALLS_PER_ORG);
        assert!(
            all.windows(2).all(|w| started(&w[0]) > started(&w[1])),
            "newest first"
        );
        for c in &all {
            let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys.len(), LIST_KEYS.len(), "{c}");
            for k in LIST_KEYS {
                assert!(keys.contains(&k), "{k}");
            }
            assert_eq!(c["organizationId"], org.as_str());
            assert!(["Inbound", "Outbound", "Web"].contains(&c["callType"].as_str().unwrap()));
            let ts = c["callStartedAt"].as_str().unwrap();
            assert_eq!(ts.len(), "2025-05-28T14:20:15Z".len(), "{ts}");
            let dur = match &c["callDurationSeconds"] {
                Value::String(s) => s.parse::<i64>().unwrap(),
                n => n.as_i64().unwrap(),
            };
            let ended: DateTime<Utc> = c["callEndedAt"].as_str().unwrap().parse().unwrap();
            assert_eq!((ended - started(c)).num_seconds(), dur);
            if c["callType"] == "Web" {
                assert!(c["userPhoneNumber"].is_null());
            } else {
                assert!(c["userPhoneNumber"].as_str().unwrap().starts_with("+1"));
            }
            // Ontario has no teams.
            assert_eq!(c["teamId"].is_null(), oi == 1, "{c}");
            assert_eq!(c["teamName"].is_null(), oi == 1, "{c}");
        }
        let strings = all
            .iter()
            .filter(|c| c["callDurationSeconds"].is_string())
            .count();
        assert!(
            strings > 130 && strings < 150,
            "mostly strings, a few numbers: {strings}"
        );
        let agents: std::collections::HashSet<&str> = all
            .iter()
            .map(|c| c["agentName"].as_str().unwrap())
            .collect();
        assert!((2..=3).contains(&agents.len()), "{agents:?}");
        // Past the last page: empty with totals.
        let r = tenant(
            &emu,
            "/api/calls",
            &[("organizationId", org), ("page", "9")],
        )
        .await;
        assert_eq!(r.json["calls"].as_array().unwrap().len(), 0);
        assert_eq!(r.json["pagination"]["hasPreviousPage"], true);
        assert_eq!(r.json["pagination"]["hasNextPage"], false);
    }
}

#[tokio::test]
async fn every_list_filter_filters() {
    let emu = start().await;
    let org = org_ids(&emu)[0].clone();
    let reference = emu.calls(&org);
    let facts: Vec<_> = emu
        .call_facts()
        .into_iter()
        .filter(|f| f.organization_id == org)
        .collect();
    let o = ("organizationId", org.as_str());

    for t in ["Inbound", "Outbound", "Web"] {
        let got = all_pages(&emu, &[o, ("callType", t)]).await;
        let want: Vec<Value> = reference
            .iter()
            .filter(|c| c["callType"] == t)
            .cloned()
            .collect();
        assert!(!want.is_empty(), "{t}");
        assert_eq!(got, want);
    }
    let got = all_pages(&emu, &[o, ("agentName", "RAPPELS")]).await;
    assert!(!got.is_empty());
    assert!(
        got.iter()
            .all(|c| c["agentName"] == "Rappels de rendez-vous")
    );
    assert_eq!(
        got.len(),
        reference
            .iter()
            .filter(|c| c["agentName"] == "Rappels de rendez-vous")
            .count()
    );

    // from/to are inclusive.
    let a = reference[100]["callStartedAt"].as_str().unwrap();
    let b = reference[40]["callStartedAt"].as_str().unwrap();
    let got = all_pages(&emu, &[o, ("from", a), ("to", b)]).await;
    assert_eq!(ids(&got), ids(&reference[40..=100]));
    let got = all_pages(&emu, &[o, ("from", "2026-03-01")]).await;
    let cut = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    assert_eq!(
        got.len(),
        reference.iter().filter(|c| started(c) >= cut).count()
    );
    let got = all_pages(&emu, &[o, ("to", "2026-03-01T00:00:00-05:00")]).await;
    let cut = Utc.with_ymd_and_hms(2026, 3, 1, 5, 0, 0).unwrap();
    assert_eq!(
        got.len(),
        reference.iter().filter(|c| started(c) <= cut).count()
    );

    let got = all_pages(&emu, &[o, ("userPrimaryIntent", "billing_question")]).await;
    let want: Vec<String> = facts
        .iter()
        .filter(|f| f.intent == Some("billing_question"))
        .map(|f| f.id.clone())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&got), want);

    let asc = all_pages(&emu, &[o, ("sort", "asc")]).await;
    let mut rev = reference.clone();
    rev.reverse();
    assert_eq!(asc, rev);
    let dur = |c: &Value| match &c["callDurationSeconds"] {
        Value::String(s) => s.parse::<i64>().unwrap(),
        n => n.as_i64().unwrap(),
    };
    let d = all_pages(&emu, &[o, ("sort", "duration_desc")]).await;
    assert!(d.windows(2).all(|w| dur(&w[0]) >= dur(&w[1])));
    let d = all_pages(&emu, &[o, ("sort", "duration_asc")]).await;
    assert!(d.windows(2).all(|w| dur(&w[0]) <= dur(&w[1])));
    let d = all_pages(&emu, &[o, ("sort", "desc"), ("callType", "")]).await;
    assert_eq!(d, reference, "an empty value counts as absent");
}

/// Query, expected status, expected message.
type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);

#[tokio::test]
async fn list_validation_in_the_vendor_shape() {
    let emu = start().await;
    let org = org_ids(&emu)[0].clone();
    let o = ("organizationId", org.as_str());
    let cases: [Case; 10] = [
        (&[], 400, "organizationId is required"),
        (&[o, ("limit", "51")], 400, "limit must be between 1 and 50"),
        (&[o, ("limit", "0")], 400, "limit must be between 1 and 50"),
        (&[o, ("page", "0")], 400, "page must be a positive integer"),
        (&[o, ("page", "x")], 400, "page must be a positive integer"),
        (
            &[o, ("callType", "inbound")],
            400,
            "Invalid callType. Must be one of: Inbound, Outbound, Web",
        ),
        (
            &[o, ("from", "01/05/2025")],
            400,
            "Invalid date format for 'from'. Use ISO 8601, e.g. 2025-05-01T00:00:00Z",
        ),
        (
            &[
                o,
                ("from", "2026-03-10T00:00:00Z"),
                ("to", "2026-03-01T00:00:00Z"),
            ],
            400,
            "'from' date must be before 'to' date",
        ),
        (
            &[o, ("sort", "newest")],
            400,
            "Invalid sort. Must be one of: desc, asc, duration_desc, duration_asc",
        ),
        (
            &[("organizationId", "00000000-0000-4000-8000-000000000000")],
            404,
            "Organization not found",
        ),
    ];
    for (q, status, msg) in cases {
        let r = tenant(&emu, "/api/calls", q).await;
        assert_error(&r, status, msg);
    }
    // An organization key sees its own organization only.
    let orgs = org_ids(&emu);
    let auth = format!("Bearer {}", emu.organization_key(1));
    let r = get_q(
        &emu,
        "/api/calls",
        Some(&auth),
        &[("organizationId", &orgs[1])],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = get_q(
        &emu,
        "/api/calls",
        Some(&auth),
        &[("organizationId", &orgs[0])],
    )
    .await;
    assert_error(&r, 404, "Organization not found");
    let r = tenant(&emu, "/api/nothing", &[]).await;
    assert_error(&r, 404, "Route not found");
}
