//! RecentCalls: envelope, paging, record quirks, validation and filters.

use super::support::*;

#[tokio::test]
async fn recent_calls_envelope_paging_and_record_shape() {
    let emu = start().await;
    for id in account_sids(&emu) {
        let raw = emu.calls(&id);
        assert!((150..=250).contains(&raw.len()), "{}", raw.len());
        let r = get(
            &emu,
            &format!("/v1/Accounts/{id}/RecentCalls"),
            &[("page", "2"), ("count", "25")],
        )
        .await;
        assert_eq!(r.status, 200);
        let j = r.json();
        // page and page_size are the query strings echoed; total is a number.
        assert_eq!(j["page"], "2");
        assert_eq!(j["page_size"], "25");
        assert_eq!(j["total"].as_u64(), Some(raw.len() as u64));
        assert_eq!(sids(j["data"].as_array().unwrap()), sids(&raw[25..50]));
        // Paging to the end gives every record once, newest attempt first.
        let all = all_pages(&emu, &id, &[]).await;
        assert_eq!(all, raw);
        assert!(all.windows(2).all(|w| attempted(&w[0]) > attempted(&w[1])));
        // 30 days retained, nothing older.
        let oldest = attempted(all.last().unwrap());
        assert!(oldest > fixed_now() - TimeDelta::days(30));
        assert!(oldest < fixed_now() - TimeDelta::days(25));
        // The last page is short; one after it is empty.
        let last = raw.len().div_ceil(25);
        let r = get(
            &emu,
            &format!("/v1/Accounts/{id}/RecentCalls"),
            &[("page", &last.to_string()), ("count", "25")],
        )
        .await
        .json();
        assert_eq!(
            r["data"].as_array().unwrap().len(),
            raw.len() - (last - 1) * 25
        );
        let r = get(
            &emu,
            &format!("/v1/Accounts/{id}/RecentCalls"),
            &[("page", &(last + 1).to_string()), ("count", "25")],
        )
        .await
        .json();
        assert!(r["data"].as_array().unwrap().is_empty());
        for c in &raw {
            let o = c.as_object().unwrap();
            let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
            keys.sort_unstable();
            let mut want = CDR_KEYS.to_vec();
            want.sort_unstable();
            assert_eq!(keys, want, "every key present");
            assert_eq!(c["account_sid"], id.as_str());
            let from = c["from"].as_str().unwrap();
            assert!(
                from.trim_start_matches('+')
                    .chars()
                    .all(|ch| ch.is_ascii_digit())
            );
        }
    }
}

#[tokio::test]
async fn quirks_epoch_floats_nulls_and_recording_urls() {
    let emu = start().await;
    let ids = account_sids(&emu);
    let all: Vec<Value> = ids.iter().flat_map(|id| emu.calls(id)).collect();
    let unanswered: Vec<&Value> = all.iter().filter(|c| c["answered"] == false).collect();
    assert!(unanswered.len() > all.len() / 10);
    for c in &unanswered {
        assert_eq!(c["answered_at"], EPOCH);
        assert_eq!(c["duration"].as_f64(), Some(0.0));
        assert!(c["recording_url"].is_null());
        assert_ne!(c["sip_status"].as_f64(), Some(200.0));
    }
    let floats = all.iter().filter(|c| c["duration"].is_f64()).count();
    assert!(floats > all.len() / 10, "some durations are floats");
    assert!(all.iter().any(|c| c["sip_status"].is_f64()));
    assert!(all.iter().any(|c| c["application_sid"].is_null()));
    assert!(all.iter().any(|c| !c["sip_parent_callid"].is_null()));
    assert!(
        all.iter()
            .any(|c| c["from"].as_str().unwrap().starts_with('+'))
    );
    assert!(
        all.iter()
            .any(|c| !c["from"].as_str().unwrap().starts_with('+'))
    );
    let trunks: std::collections::BTreeSet<&str> =
        all.iter().map(|c| c["trunk"].as_str().unwrap()).collect();
    assert!(trunks.contains("twilio") && trunks.contains("telnyx") && trunks.contains("voxbone"));
    for c in all.iter().filter(|c| c["answered"] == true) {
        let a: DateTime<Utc> = c["answered_at"].as_str().unwrap().parse().unwrap();
        let t: DateTime<Utc> = c["terminated_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            (t - a).num_seconds() as f64,
            c["duration"].as_f64().unwrap()
        );
    }
    // Recording accounts: most answered calls have a URL whose date is the END date.
    for (i, id) in ids.iter().enumerate() {
        let calls = emu.calls(id);
        let answered: Vec<&Value> = calls.iter().filter(|c| c["answered"] == true).collect();
        let with_url: Vec<&Value> = answered
            .iter()
            .copied()
            .filter(|c| !c["recording_url"].is_null())
            .collect();
        if i == 2 {
            assert!(with_url.is_empty(), "Lyon does not record");
            continue;
        }
        assert!(with_url.len() * 10 > answered.len() * 8);
        let fmt = if i == 0 { "mp3" } else { "wav" };
        for c in &with_url {
            let end: DateTime<Utc> = c["terminated_at"].as_str().unwrap().parse().unwrap();
            assert_eq!(
                c["recording_url"].as_str().unwrap(),
                format!(
                    "/Accounts/{id}/RecentCalls/{}/record/{}/{fmt}",
                    c["call_sid"].as_str().unwrap(),
                    end.format("%Y/%m/%d")
                )
            );
        }
        assert!(
            with_url.iter().any(|c| {
                attempted(c).date_naive()
                    != c["terminated_at"]
                        .as_str()
                        .unwrap()
                        .parse::<DateTime<Utc>>()
                        .unwrap()
                        .date_naive()
            }),
            "a call across midnight"
        );
    }
}

#[tokio::test]
async fn required_and_invalid_parameters_are_400_msg() {
    let emu = start().await;
    let id = &account_sids(&emu)[0];
    let path = format!("/v1/Accounts/{id}/RecentCalls");
    let page_msg = "missing or invalid \"page\" query arg";
    let count_msg = "missing or invalid \"count\" query arg";
    assert_msg(&get(&emu, &path, &[("count", "25")]).await, 400, page_msg);
    assert_msg(
        &get(&emu, &path, &[("page", "0"), ("count", "25")]).await,
        400,
        page_msg,
    );
    assert_msg(
        &get(&emu, &path, &[("page", "x"), ("count", "25")]).await,
        400,
        page_msg,
    );
    assert_msg(&get(&emu, &path, &[("page", "1")]).await, 400, count_msg);
    for bad in ["24", "1", "501", "0", "-5", "ten"] {
        assert_msg(
            &get(&emu, &path, &[("page", "1"), ("count", bad)]).await,
            400,
            count_msg,
        );
    }
    for ok in ["25", "500"] {
        assert_eq!(
            get(&emu, &path, &[("page", "1"), ("count", ok)])
                .await
                .status,
            200
        );
    }
    for (name, value) in [
        ("days", "0"),
        ("days", "31"),
        ("days", "week"),
        ("answered", "maybe"),
        ("direction", "sideways"),
        ("start", "yesterday"),
        ("end", "2026-13-45"),
    ] {
        assert_msg(
            &get(
                &emu,
                &path,
                &[("page", "1"), ("count", "25"), (name, value)],
            )
            .await,
            400,
            &format!("invalid \"{name}\" query arg"),
        );
    }
    // When days is present, start/end are not even looked at.
    let r = get(
        &emu,
        &path,
        &[
            ("page", "1"),
            ("count", "25"),
            ("days", "2"),
            ("start", "garbage"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn every_filter_filters() {
    let emu = start().await;
    let id = account_sids(&emu)[0].clone();
    let raw = emu.calls(&id);
    let want = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        sids(&raw.iter().filter(|c| keep(c)).cloned().collect::<Vec<_>>())
    };

    // start/end are inclusive: a window whose bounds are two records' exact times holds both.
    let hi = attempted(&raw[10]);
    let lo = attempted(&raw[40]);
    let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (hi_s, lo_s) = (fmt(hi), fmt(lo));
    let got = all_pages(&emu, &id, &[("start", &lo_s), ("end", &hi_s)]).await;
    assert_eq!(sids(&got), sids(&raw[10..=40]));

    // days overrides start/end.
    let days3 = want(&|c| attempted(c) >= fixed_now() - TimeDelta::days(3));
    assert!(!days3.is_empty() && days3.len() < raw.len());
    assert_eq!(sids(&all_pages(&emu, &id, &[("days", "3")]).await), days3);
    let with_range = all_pages(
        &emu,
        &id,
        &[("days", "3"), ("start", &lo_s), ("end", &hi_s)],
    )
    .await;
    assert_eq!(
        sids(&with_range),
        days3,
        "start/end ignored when days is set"
    );

    for (value, flag) in [("true", true), ("false", false)] {
        let got = all_pages(&emu, &id, &[("answered", value)]).await;
        let w = want(&|c| c["answered"] == flag);
        assert!(!w.is_empty());
        assert_eq!(sids(&got), w);
    }
    for dir in ["inbound", "outbound"] {
        let got = all_pages(&emu, &id, &[("direction", dir)]).await;
        let w = want(&|c| c["direction"] == dir);
        assert!(!w.is_empty());
        assert_eq!(sids(&got), w);
    }
    // filter: a substring of from or to …
    let number = raw
        .iter()
        .find(|c| c["direction"] == "inbound")
        .map(|c| {
            c["from"]
                .as_str()
                .unwrap()
                .trim_start_matches('+')
                .to_string()
        })
        .unwrap();
    let part = &number[number.len() - 7..];
    let got = all_pages(&emu, &id, &[("filter", part)]).await;
    let w = want(&|c| {
        c["from"].as_str().unwrap().contains(part) || c["to"].as_str().unwrap().contains(part)
    });
    assert!(!w.is_empty());
    assert_eq!(sids(&got), w);
    // … or an exact call sid.
    let one = raw[77]["call_sid"].as_str().unwrap();
    let got = all_pages(&emu, &id, &[("filter", one)]).await;
    assert_eq!(sids(&got), vec![one.to_string()]);
    let got = all_pages(&emu, &id, &[("filter", &one[..20])]).await;
    assert!(got.is_empty(), "a partial sid is not a number substring");

    for trunk in ["twilio", "telnyx"] {
        let got = all_pages(&emu, &id, &[("trunk", trunk)]).await;
        let w = want(&|c| c["trunk"] == trunk);
        assert!(!w.is_empty());
        assert_eq!(sids(&got), w);
    }
    // Combined.
    let got = all_pages(
        &emu,
        &id,
        &[
            ("answered", "true"),
            ("direction", "outbound"),
            ("days", "20"),
        ],
    )
    .await;
    let w = want(&|c| {
        c["answered"] == true
            && c["direction"] == "outbound"
            && attempted(c) >= fixed_now() - TimeDelta::days(20)
    });
    assert_eq!(sids(&got), w);
}
