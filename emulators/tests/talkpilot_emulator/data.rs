//! Generated data: determinism, invariants, server lifetime.

use super::support::*;

#[tokio::test]
async fn same_seed_same_data() {
    let a = start().await;
    let b = start().await;
    assert_eq!(a.agents(), b.agents());
    assert_eq!(a.api_key(), b.api_key());
    for id in agent_ids(&a) {
        assert_eq!(a.calls(&id), b.calls(&id));
        let c = &a.calls(&id)[3];
        let da = a.call_detail(&id, c["id"].as_str().unwrap()).unwrap();
        let db = b.call_detail(&id, c["id"].as_str().unwrap()).unwrap();
        assert_eq!(da["transcript"], db["transcript"]);
        assert_eq!(da["final_score"], db["final_score"]);
    }
    let c = talkpilot::start(EmulatorOptions { seed: 7, ..opts() })
        .await
        .unwrap();
    assert_ne!(a.agents(), c.agents());
    assert_ne!(a.api_key(), c.api_key());
}

#[tokio::test]
async fn dropping_the_emulator_stops_it() {
    let emu = start().await;
    let url = format!("{}/v1/health", emu.base_url());
    let client = Client::new();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    drop(emu);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = Client::new()
        .get(&url)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(r.is_err(), "server still answers after drop");
}

#[tokio::test]
async fn data_invariants_hold_for_other_seeds_and_dates() {
    for (seed, now) in [
        (0u64, Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()),
        (1, Utc.with_ymd_and_hms(2026, 6, 7, 23, 59, 59).unwrap()),
        (99, Utc.with_ymd_and_hms(2024, 2, 29, 6, 30, 0).unwrap()),
        (u64::MAX, Utc::now()),
    ] {
        let emu = talkpilot::start(EmulatorOptions {
            seed,
            now,
            ..EmulatorOptions::default()
        })
        .await
        .unwrap();
        let facts = emu.call_facts();
        assert_eq!(facts.len(), 3 * talkpilot::CALLS_PER_AGENT);
        let mut call_ids: Vec<&str> = facts.iter().map(|f| f.call_id.as_str()).collect();
        call_ids.sort_unstable();
        call_ids.dedup();
        assert_eq!(call_ids.len(), facts.len(), "call ids unique");
        for f in &facts {
            assert!(f.created_at < now && f.created_at > now - chrono::TimeDelta::days(60));
            if f.long_transcript {
                assert!((300..=600).contains(&f.transcript_turns));
            } else {
                assert!(
                    (6..=42).contains(&f.transcript_turns),
                    "seed {seed}: {} turns",
                    f.transcript_turns
                );
            }
            assert!(f.duration >= 5);
        }
        for agent in agent_ids(&emu) {
            let calls = emu.calls(&agent);
            for w in calls.windows(2) {
                assert!(created(&w[0]) > created(&w[1]));
            }
            let mine: Vec<_> = facts.iter().filter(|f| f.agent_id == agent).collect();
            assert_eq!(mine.iter().filter(|f| f.is_purged).count(), 5);
            assert_eq!(mine.iter().filter(|f| f.is_deleted).count(), 5);
            assert_eq!(mine.iter().filter(|f| f.broken_transcript).count(), 3);
            assert_eq!(mine.iter().filter(|f| f.long_transcript).count(), 3);
        }
    }
}
