//! The calls list: paging, fields, filters and validation.

use super::support::*;

#[tokio::test]
async fn calls_paging_totals_and_order() {
    let emu = start().await;
    let key = emu.api_key();
    for agent in agent_ids(&emu) {
        let path = format!("/v1/agents/{agent}/calls");
        let expected = visible(&emu, &agent);
        let all = emu.calls(&agent);
        assert_eq!(all.len(), talkpilot::CALLS_PER_AGENT);
        assert_eq!(expected.len(), talkpilot::CALLS_PER_AGENT - 5);

        let r = get(&emu, &path).await;
        assert_eq!(r.status, 200);
        let p = &r.json["pagination"];
        assert_eq!(p["page"], 1);
        assert_eq!(p["limit"], 20);
        assert_eq!(p["total"], expected.len());
        assert_eq!(p["pages"], expected.len().div_ceil(20));
        assert_eq!(r.json["data"].as_array().unwrap(), &expected[..20].to_vec());

        // Walk every page with limit 7.
        let mut got = Vec::new();
        let pages = expected.len().div_ceil(7);
        for page in 1..=pages {
            let r = get_q(
                &emu,
                &path,
                Some(&key),
                &[("page", &page.to_string()), ("limit", "7")],
            )
            .await;
            assert_eq!(r.json["pagination"]["pages"], pages);
            got.extend(r.json["data"].as_array().unwrap().iter().cloned());
        }
        assert_eq!(ids(&got), ids(&expected));
        for w in got.windows(2) {
            assert!(created(&w[0]) > created(&w[1]), "created_at descending");
        }

        // A page past the end.
        let r = get_q(&emu, &path, Some(&key), &[("page", "99"), ("limit", "100")]).await;
        assert_eq!(r.status, 200);
        assert!(r.json["data"].as_array().unwrap().is_empty());
        assert_eq!(r.json["pagination"]["total"], expected.len());
        assert_eq!(r.json["pagination"]["pages"], 2);
        assert_eq!(r.json["pagination"]["page"], 99);
    }
}

#[tokio::test]
async fn list_items_have_exactly_the_documented_fields() {
    let emu = start().await;
    let agent = &agent_ids(&emu)[1];
    let r = get_q(
        &emu,
        &format!("/v1/agents/{agent}/calls"),
        Some(&emu.api_key()),
        &[("limit", "100")],
    )
    .await;
    for item in r.json["data"].as_array().unwrap() {
        let obj = item.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want = LIST_FIELDS.to_vec();
        want.sort_unstable();
        assert_eq!(keys, want);
        assert!(item["call_id"].as_str().unwrap().starts_with("lk_call_"));
        assert!(item["duration"].is_u64());
        let reason = item["disconnection_reason"].as_str().unwrap();
        assert!(["user_hangup", "call_transfer", "agent_hangup"].contains(&reason));
        assert_eq!(item["agent_id"], agent.as_str());
        let c = created(item);
        let u = DateTime::parse_from_rfc3339(item["updated_at"].as_str().unwrap()).unwrap();
        assert!(u >= c);
        assert!(c < fixed_now() && c > fixed_now() - chrono::TimeDelta::days(60));
    }
}

#[tokio::test]
async fn filters_filter() {
    let emu = start().await;
    let key = emu.api_key();
    let agent = agent_ids(&emu)[0].clone();
    let path = format!("/v1/agents/{agent}/calls");
    let vis = visible(&emu, &agent);
    let f = CallsQuery {
        emu: &emu,
        key: key.clone(),
        path: path.clone(),
    };
    filter_done(&f, &vis).await;
    let pivot_ts = filter_from_to(&f, &vis).await;
    let (phone, n) = filter_phone(&f, &vis).await;
    filter_search(&f, &vis, &phone, n).await;
    filter_deleted_and_combined(&f, &vis, &agent, pivot_ts).await;
}

async fn filter_done(f: &CallsQuery<'_>, vis: &[Value]) {
    let q = |v| f.all(v);
    // done
    for d in [true, false] {
        let got = q(vec![("done", d.to_string())]).await;
        let want: Vec<Value> = vis.iter().filter(|c| c["done"] == d).cloned().collect();
        assert!(!want.is_empty());
        assert_eq!(ids(&got), ids(&want));
    }
}

async fn filter_from_to(f: &CallsQuery<'_>, vis: &[Value]) -> String {
    let q = |v| f.all(v);
    // from / to are exclusive
    let pivot = &vis[40];
    let pivot_ts = pivot["created_at"].as_str().unwrap().to_string();
    let got = q(vec![("from", pivot_ts.clone())]).await;
    assert_eq!(got.len(), 40);
    assert!(got.iter().all(|c| created(c) > created(pivot)));
    let got = q(vec![("to", pivot_ts.clone())]).await;
    assert_eq!(got.len(), vis.len() - 41);
    assert!(got.iter().all(|c| created(c) < created(pivot)));
    let lo = vis[60]["created_at"].as_str().unwrap().to_string();
    let got = q(vec![("from", lo), ("to", pivot_ts.clone())]).await;
    assert_eq!(ids(&got), ids(&vis[41..60]));
    // Other accepted forms: date only, offset.
    let day = &pivot_ts[..10];
    let got = q(vec![("from", day.to_string())]).await;
    assert!(
        got.iter()
            .all(|c| c["created_at"].as_str().unwrap()[..10] >= *day)
    );
    let got_off = q(vec![("to", format!("{}T13:00:00+01:00", day))]).await;
    let got_z = q(vec![("to", format!("{}T12:00:00Z", day))]).await;
    assert_eq!(ids(&got_off), ids(&got_z));
    pivot_ts
}

async fn filter_phone(f: &CallsQuery<'_>, vis: &[Value]) -> (String, usize) {
    let q = |v| f.all(v);
    // phone_number: exact, several calls from the same number
    let mut count: HashMap<String, usize> = HashMap::new();
    for c in vis {
        if let Some(p) = c["phone_number"].as_str() {
            *count.entry(p.to_string()).or_default() += 1;
        }
    }
    let (phone, n) = count.iter().max_by_key(|(_, n)| **n).unwrap();
    assert!(*n > 1);
    let got = q(vec![("phone_number", phone.clone())]).await;
    assert_eq!(got.len(), *n);
    assert!(got.iter().all(|c| c["phone_number"] == phone.as_str()));
    let got = q(vec![("phone_number", phone[..phone.len() - 1].to_string())]).await;
    assert!(got.is_empty(), "exact match only");
    // An unencoded '+' is a space, as on the real server.
    let raw = Client::new()
        .get(format!(
            "{}{}?phone_number={phone}",
            f.emu.base_url(),
            f.path
        ))
        .header("X-API-Key", &f.key)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(raw["pagination"]["total"], 0);
    (phone.clone(), *n)
}

async fn filter_search(f: &CallsQuery<'_>, vis: &[Value], phone: &str, n: usize) {
    let q = |v| f.all(v);
    // search: name (case-insensitive, non-ASCII), phone, summary
    let got = q(vec![("search", "MÜLLER".into())]).await;
    let want: Vec<Value> = vis
        .iter()
        .filter(|c| {
            c["customer_name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains("müller"))
                || c["call_summary"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("müller")
        })
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&got), ids(&want));
    let got = q(vec![("search", phone[3..9].to_string())]).await;
    assert!(got.len() >= n);
    let got = q(vec![("search", "rechnung #".into())]).await;
    assert!(!got.is_empty());
    assert!(
        got.iter()
            .all(|c| c["call_summary"].as_str().unwrap().contains("Rechnung #"))
    );
}

async fn filter_deleted_and_combined(
    f: &CallsQuery<'_>,
    vis: &[Value],
    agent: &str,
    pivot_ts: String,
) {
    let q = |v| f.all(v);
    // include_deleted, and unknown parameters are ignored
    let got = q(vec![
        ("include_deleted", "true".into()),
        ("colour", "blue".into()),
    ])
    .await;
    assert_eq!(ids(&got), ids(&f.emu.calls(agent)));
    assert_eq!(got.iter().filter(|c| !c["deleted_at"].is_null()).count(), 5);
    let got = q(vec![("include_deleted", "false".into())]).await;
    assert_eq!(got.len(), vis.len());

    // combined
    let pivot = &vis[40];
    let got = q(vec![("done", "true".into()), ("to", pivot_ts)]).await;
    assert!(
        got.iter()
            .all(|c| c["done"] == true && created(c) < created(pivot))
    );
}

#[tokio::test]
async fn validation_errors() {
    let emu = start().await;
    let key = emu.api_key();
    let agent = &agent_ids(&emu)[0];
    let path = format!("/v1/agents/{agent}/calls");
    for (k, v) in [
        ("page", "0"),
        ("page", "abc"),
        ("page", "-1"),
        ("limit", "0"),
        ("limit", "101"),
        ("limit", "2.5"),
        ("done", "maybe"),
        ("done", "1"),
        ("include_deleted", "yes"),
        ("from", "yesterday"),
        ("to", "2026-13-45"),
    ] {
        let r = get_q(&emu, &path, Some(&key), &[(k, v)]).await;
        assert_error(&r, 400, "VALIDATION_ERROR");
        let details = r.json["error"]["details"].as_array().unwrap();
        assert_eq!(details.len(), 1, "{k}={v}");
        assert_eq!(details[0]["field"], k);
        assert!(details[0]["message"].as_str().is_some());
        assert!(r.headers.get("x-ratelimit-remaining").is_some());
    }
    let r = get_q(&emu, &path, Some(&key), &[("limit", "500"), ("page", "x")]).await;
    assert_error(&r, 400, "VALIDATION_ERROR");
    assert_eq!(r.json["error"]["details"].as_array().unwrap().len(), 2);
    let r = get_q(&emu, "/v1/agents", Some(&key), &[("limit", "1000")]).await;
    assert_error(&r, 400, "VALIDATION_ERROR");
    assert_eq!(r.json["error"]["details"][0]["field"], "limit");
}
