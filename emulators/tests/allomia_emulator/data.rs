//! Determinism and server lifetime.

use super::support::*;

#[tokio::test]
async fn same_seed_same_data() {
    let a = start().await;
    let b = start().await;
    assert_eq!(a.organizations(), b.organizations());
    assert_eq!(a.tenant_key(), b.tenant_key());
    for id in org_ids(&a) {
        assert_eq!(a.calls(&id), b.calls(&id));
        let c = a.calls(&id)[5]["id"].as_str().unwrap().to_string();
        let (da, db) = (a.call_detail(&c).unwrap(), b.call_detail(&c).unwrap());
        assert_eq!(da["callSummary"], db["callSummary"]);
        assert_eq!(da["callSummaryFr"], db["callSummaryFr"]);
        assert_eq!(a.transcript_text(&c), b.transcript_text(&c));
    }
    let c = allomia::start(EmulatorOptions { seed: 7, ..opts() })
        .await
        .unwrap();
    assert_ne!(a.organizations(), c.organizations());
    assert_ne!(a.tenant_key(), c.tenant_key());
    // Calls lie within the 60 days before `now`.
    for id in org_ids(&a) {
        for call in a.calls(&id) {
            let s = started(&call);
            assert!(s < opts().now && s > opts().now - chrono::Duration::days(60));
        }
    }
}

#[tokio::test]
async fn dropping_the_emulator_stops_it() {
    let emu = start().await;
    let url = format!("{}/api/organization", emu.base_url());
    assert_eq!(Client::new().get(&url).send().await.unwrap().status(), 401);
    drop(emu);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = Client::new()
        .get(&url)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(r.is_err(), "server still answers after drop");
}
