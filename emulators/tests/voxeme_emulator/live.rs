//! Live calls and the live clock.

use super::support::*;

/// A moment of the live clock from which the hour below shows every behaviour (and does so for
/// starts up to five seconds earlier or later).
const LIVE_HOUR_START: i64 = 1_774_000_000;

#[tokio::test]
async fn live_calls_change_with_the_clock() {
    let emu = start().await;
    for id in account_sids(&emu) {
        let path = format!("/v1/Accounts/{id}/Calls");
        let r = get(&emu, &path, &[]).await;
        assert_eq!(r.status, 200);
        let list = r.json();
        let list = list.as_array().expect("a bare array").clone();
        assert!((1..=10).contains(&list.len()), "{}", list.len());
        for c in &list {
            for k in [
                "account_sid",
                "call_id",
                "call_sid",
                "call_status",
                "caller_name",
                "direction",
                "duration",
                "from",
                "service_url",
                "sip_status",
                "to",
            ] {
                assert!(c.get(k).is_some(), "{k} in {c}");
            }
            assert_eq!(c["account_sid"], id.as_str());
            // One call by its sid.
            let sid = c["call_sid"].as_str().unwrap();
            let one = get(&emu, &format!("{path}/{sid}"), &[]).await;
            assert_eq!(one.status, 200);
            assert_eq!(one.json()["call_sid"], sid);
        }
        assert_plain(
            &get(
                &emu,
                &format!("{path}/00000000-0000-4000-8000-000000000000"),
                &[],
            )
            .await,
            404,
            "Not Found",
        );
        assert_plain(
            &get(&emu, &format!("{path}/nope"), &[]).await,
            400,
            "Bad Request",
        );
        assert_msg(
            &get(&emu, &path, &[("callStatus", "dancing")]).await,
            400,
            "invalid callStatus",
        );
    }
    // Over an hour of live clock: statuses progress and durations grow, old calls go. The hour
    // starts at a fixed moment: the schedule depends on it, and from some moments no call
    // arrives in the same step as another one leaves (the test then failed now and then).
    emu.advance_live_clock(LIVE_HOUR_START - emu.live_clock().timestamp());
    let id = account_sids(&emu)[0].clone();
    let mut seen_status = std::collections::BTreeSet::new();
    let mut growing = false;
    let mut came_and_went = false;
    let mut counts = Vec::new();
    let mut prev = emu.live_calls(&id);
    for _ in 0..600 {
        emu.advance_live_clock(7);
        let now = emu.live_calls(&id);
        counts.push(now.len());
        for c in &now {
            seen_status.insert(c["call_status"].as_str().unwrap().to_string());
            if let Some(p) = prev.iter().find(|p| p["call_sid"] == c["call_sid"])
                && p["call_status"] == "in-progress"
                && c["call_status"] == "in-progress"
            {
                assert!(c["duration"].as_u64() >= p["duration"].as_u64());
                growing |= c["duration"].as_u64() > p["duration"].as_u64();
            }
        }
        came_and_went |= prev
            .iter()
            .any(|p| !now.iter().any(|c| c["call_sid"] == p["call_sid"]))
            && now
                .iter()
                .any(|c| !prev.iter().any(|p| p["call_sid"] == c["call_sid"]));
        prev = now;
    }
    for s in ["trying", "ringing", "in-progress", "completed", "no-answer"] {
        assert!(seen_status.contains(s), "{s} in {seen_status:?}");
    }
    assert!(growing && came_and_went);
    let mean = counts.iter().sum::<usize>() as f64 / counts.len() as f64;
    assert!((3.0..=7.5).contains(&mean), "mean live calls {mean}");
    // The endpoint answers from the same clock; callStatus filters.
    let r = get(&emu, &format!("/v1/Accounts/{id}/Calls"), &[]).await;
    assert_eq!(
        sids(r.json().as_array().unwrap()),
        sids(&emu.live_calls(&id))
    );
}

/// A live clock that stands still unless a test moves it.
async fn still_live_clock() -> VoxemeEmulator {
    voxeme::start_with(
        opts(),
        VoxemeOptions {
            live_clock_speed: 0.0,
            ..vopts()
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn live_call_filters_find_the_matching_calls() {
    let emu = still_live_clock().await;
    let id = account_sids(&emu)[0].clone();
    let path = format!("/v1/Accounts/{id}/Calls");
    // A moment with both directions and several states on screen.
    let mut all = emu.live_calls(&id);
    for _ in 0..500 {
        let has = |k: &str, v: &str| all.iter().any(|c| c[k] == v);
        let states: std::collections::BTreeSet<&str> = all
            .iter()
            .map(|c| c["call_status"].as_str().unwrap())
            .collect();
        if has("direction", "inbound") && has("direction", "outbound") && states.len() > 1 {
            break;
        }
        emu.advance_live_clock(11);
        all = emu.live_calls(&id);
    }
    assert_eq!(
        sids(get(&emu, &path, &[]).await.json().as_array().unwrap()),
        sids(&all)
    );
    let check = |name: &'static str, key: &'static str, value: String| {
        let all = &all;
        let emu = &emu;
        let path = &path;
        async move {
            let r = get(emu, path, &[(name, value.as_str())]).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let got = r.json().as_array().unwrap().clone();
            let want: Vec<Value> = all
                .iter()
                .filter(|c| c[key] == value.as_str())
                .cloned()
                .collect();
            assert!(!got.is_empty(), "{name}={value}");
            assert_eq!(sids(&got), sids(&want), "{name}={value}");
            assert!(
                got.len() < all.len(),
                "{name}={value} filters something out"
            );
        }
    };
    check("direction", "direction", "inbound".into()).await;
    check("direction", "direction", "outbound".into()).await;
    let status = all[0]["call_status"].as_str().unwrap().to_string();
    check("callStatus", "call_status", status).await;
    let inbound = all.iter().find(|c| c["direction"] == "inbound").unwrap();
    check("from", "from", inbound["from"].as_str().unwrap().into()).await;
    let outbound = all.iter().find(|c| c["direction"] == "outbound").unwrap();
    check("to", "to", outbound["to"].as_str().unwrap().into()).await;
}

#[tokio::test]
async fn a_live_call_changes_status_and_duration_between_requests() {
    let emu = still_live_clock().await;
    let id = account_sids(&emu)[0].clone();
    let path = format!("/v1/Accounts/{id}/Calls");
    let (mut status_changed, mut duration_changed) = (false, false);
    let mut prev = get(&emu, &path, &[]).await.json();
    for _ in 0..300 {
        if status_changed && duration_changed {
            break;
        }
        emu.advance_live_clock(3);
        let now = get(&emu, &path, &[]).await.json();
        for c in now.as_array().unwrap() {
            let same = prev
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["call_sid"] == c["call_sid"]);
            if let Some(p) = same {
                status_changed |= p["call_status"] != c["call_status"];
                duration_changed |= p["duration"] != c["duration"];
            }
        }
        prev = now;
    }
    assert!(status_changed && duration_changed);
}

#[tokio::test]
async fn the_live_clock_follows_the_wall_clock() {
    let emu = voxeme::start_with(
        opts(),
        VoxemeOptions {
            live_clock_speed: 200.0,
            ..vopts()
        },
    )
    .await
    .unwrap();
    let id = account_sids(&emu)[0].clone();
    let path = format!("/v1/Accounts/{id}/Calls");
    let first = get(&emu, &path, &[]).await.json();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = get(&emu, &path, &[]).await.json();
    // 220 s of live clock: at least one call was born (births are at most 174 s apart).
    assert_ne!(first, second);
}
