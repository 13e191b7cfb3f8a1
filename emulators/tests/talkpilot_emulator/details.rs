//! Call details and the special calls (purged, deleted, broken, long, tricky).

use super::support::*;

#[tokio::test]
async fn detail_has_transcript_as_json_in_a_string() {
    let emu = start().await;
    let facts = emu.call_facts();
    let mut langs_seen = 0;
    for agent in agent_ids(&emu) {
        let f = facts
            .iter()
            .find(|f| {
                f.agent_id == agent
                    && !f.is_purged
                    && !f.broken_transcript
                    && !f.long_transcript
                    && !f.is_deleted
            })
            .unwrap();
        let r = get(&emu, &format!("/v1/agents/{agent}/calls/{}", f.id)).await;
        assert_eq!(r.status, 200);
        let d = &r.json;
        for k in LIST_FIELDS {
            assert!(d.get(k).is_some(), "detail lacks {k}");
        }
        let score = d["final_score"].as_u64().unwrap();
        assert!((1..=10).contains(&score));
        let t = d["transcript"].as_str().expect("transcript is a string");
        let turns: Vec<Value> = serde_json::from_str(t).expect("string holds JSON");
        assert_eq!(turns.len(), f.transcript_turns);
        assert!((6..=45).contains(&turns.len()), "{}", turns.len());
        for turn in &turns {
            let role = turn["role"].as_str().unwrap();
            assert!(role == "agent" || role == "user");
            assert!(!turn["text"].as_str().unwrap().is_empty());
        }
        let non_ascii = emu
            .call_facts()
            .iter()
            .filter(|g| g.agent_id == agent && !g.is_purged)
            .filter(|g| {
                let d = emu.call_detail(&agent, &g.id).unwrap();
                !d["transcript"].as_str().unwrap().is_ascii()
            })
            .count();
        assert!(non_ascii > 20, "non-ASCII text in {agent}: {non_ascii}");
        let url = d["audio_file_url"].as_str().unwrap();
        assert!(url.starts_with(&emu.storage_base_url()));
        assert!(url.contains("token=") && url.contains("expires="));
        langs_seen += 1;
        // The list item for the same call is the detail minus the three fields.
        let mut item = d.clone();
        let obj = item.as_object_mut().unwrap();
        obj.remove("transcript");
        obj.remove("audio_file_url");
        obj.remove("final_score");
        assert!(emu.calls(&agent).contains(&item));
    }
    assert_eq!(langs_seen, 3);

    let agent = &agent_ids(&emu)[0];
    let r = get(
        &emu,
        &format!("/v1/agents/{agent}/calls/550e8400-e29b-41d4-a716-446655440000"),
    )
    .await;
    assert_error(&r, 404, "NOT_FOUND");
    assert_eq!(r.json["error"]["message"], "Call not found");
    // A call of another agent is not found under this agent.
    let other = &emu.calls(&agent_ids(&emu)[2])[0];
    let r = get(
        &emu,
        &format!("/v1/agents/{agent}/calls/{}", other["id"].as_str().unwrap()),
    )
    .await;
    assert_error(&r, 404, "NOT_FOUND");
}

#[tokio::test]
async fn purged_deleted_broken_long_and_tricky_calls() {
    let emu = start().await;
    let facts = emu.call_facts();
    for agent in agent_ids(&emu) {
        let mine: Vec<_> = facts.iter().filter(|f| f.agent_id == agent).collect();
        assert_eq!(mine.iter().filter(|f| f.is_purged).count(), 5);
        assert_eq!(mine.iter().filter(|f| f.is_deleted).count(), 5);
        assert_eq!(mine.iter().filter(|f| f.broken_transcript).count(), 3);
        assert_eq!(mine.iter().filter(|f| f.long_transcript).count(), 3);
        assert_eq!(mine.iter().filter(|f| f.tricky_text).count(), 2);
        // One of each kind among the 20 newest.
        let newest = &mine[..20];
        assert!(newest.iter().any(|f| f.is_purged));
        assert!(newest.iter().any(|f| f.long_transcript));
        assert!(newest.iter().any(|f| f.broken_transcript));
        let calls = emu.calls(&agent);
        assert!(
            calls.iter().any(|c| c["customer_name"].is_null()),
            "anonymous callers"
        );

        for f in &mine {
            let item = calls.iter().find(|c| c["id"] == f.id.as_str()).unwrap();
            let detail = get(&emu, &format!("/v1/agents/{agent}/calls/{}", f.id)).await;
            assert_eq!(detail.status, 200, "deleted calls stay readable by id");
            let d = &detail.json;
            if f.is_purged {
                assert_eq!(item["is_purged"], true);
                assert!(item["phone_number"].is_null());
                assert!(d["phone_number"].is_null());
                assert!(d["transcript"].is_null());
                assert!(d["audio_file_url"].is_null());
            } else {
                assert!(item["phone_number"].is_string());
                assert!(d["audio_file_url"].is_string());
            }
            if f.is_deleted {
                assert!(item["deleted_at"].is_string());
            } else {
                assert!(item["deleted_at"].is_null());
            }
            if f.is_purged {
                continue;
            }
            let t = d["transcript"].as_str().unwrap();
            let parsed = serde_json::from_str::<Vec<Value>>(t);
            if f.broken_transcript {
                assert!(parsed.is_err(), "broken transcript must not parse");
                assert!(!t.is_empty());
            } else {
                let turns = parsed.unwrap();
                if f.long_transcript {
                    assert!((300..=600).contains(&turns.len()), "{}", turns.len());
                    assert!(f.duration > 900);
                }
                // consecutive turns by the same speaker happen
                let _ = turns.windows(2).any(|w| w[0]["role"] == w[1]["role"]);
            }
            if f.tricky_text {
                let all = format!("{}{}", d["call_summary"].as_str().unwrap(), t);
                assert!(
                    all.contains('\u{1b}') || all.contains('\u{202E}'),
                    "tricky text present"
                );
            }
        }
        let tricky: String = mine
            .iter()
            .filter(|f| f.tricky_text)
            .map(|f| {
                let d = emu.call_detail(&agent, &f.id).unwrap();
                format!(
                    "{}{}",
                    d["call_summary"],
                    d["transcript"].as_str().unwrap_or("")
                )
            })
            .collect();
        assert!(tricky.contains("\\u001b[31m") || tricky.contains('\u{1b}'));
        assert!(tricky.contains('\u{202E}'));
        assert!(tricky.contains('\u{200B}'));
    }
    let with_same_speaker_twice = facts
        .iter()
        .filter(|f| !f.is_purged && !f.broken_transcript)
        .filter(|f| {
            let d = emu.call_detail(&f.agent_id, &f.id).unwrap();
            let turns: Vec<Value> =
                serde_json::from_str(d["transcript"].as_str().unwrap()).unwrap();
            turns.windows(2).any(|w| w[0]["role"] == w[1]["role"])
        })
        .count();
    assert!(with_same_speaker_twice > 20);
}
