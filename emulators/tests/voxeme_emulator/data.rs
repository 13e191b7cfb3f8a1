//! The request log, determinism and server lifetime.

use super::support::*;

#[tokio::test]
async fn the_request_log_records_queries() {
    let emu = start().await;
    let id = account_sids(&emu)[0].clone();
    get(
        &emu,
        &format!("/v1/Accounts/{id}/RecentCalls"),
        &[("page", "1"), ("count", "25"), ("filter", "+1617")],
    )
    .await;
    let seen = emu.requests();
    let last = seen.last().unwrap();
    assert_eq!(last.path, format!("/v1/Accounts/{id}/RecentCalls"));
    assert_eq!(last.param("filter"), Some("+1617"));
    assert!(last.header("authorization").unwrap().starts_with("Bearer "));
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn same_seed_same_data() {
    let a = start().await;
    let b = start().await;
    assert_eq!(a.accounts(), b.accounts());
    let id = account_sids(&a)[1].clone();
    assert_eq!(a.calls(&id), b.calls(&id));
    assert_eq!(a.api_key(), b.api_key());
    let c = voxeme::start_with(EmulatorOptions { seed: 99, ..opts() }, vopts())
        .await
        .unwrap();
    assert_ne!(a.accounts(), c.accounts());
    // Another date: data moves with `now`.
    let later = voxeme::start_with(
        EmulatorOptions {
            now: fixed_now() + TimeDelta::days(40),
            ..opts()
        },
        vopts(),
    )
    .await
    .unwrap();
    let lid = account_sids(&later)[0].clone();
    let calls = later.calls(&lid);
    assert!(attempted(calls.last().unwrap()) > fixed_now() + TimeDelta::days(10));
}

#[tokio::test]
async fn dropping_the_emulator_stops_it() {
    let emu = start().await;
    let url = format!("{}/v1/Accounts", emu.base_url());
    drop(emu);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let r = Client::new()
        .get(&url)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(r.is_err());
}
