//! Call details, summaries and transcripts.

use super::support::*;

#[tokio::test]
async fn detail_with_both_summaries_and_signed_urls_on_another_host() {
    let emu = start().await;
    let facts = emu.call_facts();
    let (mut fr_only, mut no_transcript, mut no_recording, mut voicemail) = (0, 0, 0, 0);
    let mut outcomes = std::collections::HashSet::new();
    let mut sentiments = std::collections::HashSet::new();
    for f in facts.iter().step_by(3) {
        let r = tenant(&emu, &format!("/api/calls/{}", f.id), &[]).await;
        assert_eq!(r.status, 200);
        let d = r.json.as_object().unwrap();
        assert_eq!(d.len(), LIST_KEYS.len() + DETAIL_EXTRA_KEYS.len());
        for k in LIST_KEYS.iter().chain(&DETAIL_EXTRA_KEYS) {
            assert!(d.contains_key(*k), "{k}");
        }
        // "All values are strings or null" (durations aside, see the vendor file).
        for (k, v) in d {
            assert!(
                v.is_string() || v.is_null() || k == "callDurationSeconds",
                "{k}: {v}"
            );
        }
        let list_item = emu
            .calls(&f.organization_id)
            .into_iter()
            .find(|c| c["id"] == f.id.as_str())
            .unwrap();
        for k in LIST_KEYS {
            assert_eq!(d[k], list_item[k], "{k}");
        }
        assert!(d["callSummaryFr"].is_string());
        if d["callSummary"].is_null() {
            assert!(f.english_summary_missing);
            assert_eq!(f.language, "fr-CA");
            fr_only += 1;
        }
        for (k, has) in [
            ("transcriptUrl", f.has_transcript),
            ("recordingUrl", f.has_recording),
        ] {
            match d[k].as_str() {
                Some(url) => {
                    assert!(has);
                    assert!(url.starts_with(&emu.storage_base_url()), "{url}");
                    assert!(!url.starts_with(&emu.base_url()));
                    assert!(url.contains("X-Amz-Expires=") && url.contains("X-Amz-Signature="));
                }
                None => {
                    assert!(!has);
                    if k == "transcriptUrl" {
                        no_transcript += 1;
                    } else {
                        no_recording += 1;
                    }
                }
            }
        }
        if f.outcome == "voicemail_left" {
            assert!(d["userName"].is_null() && d["userPrimaryIntent"].is_null());
            voicemail += 1;
        }
        outcomes.insert(d["callOutcome"].as_str().unwrap().to_string());
        if let Some(s) = d["userSentiment"].as_str() {
            sentiments.insert(s.to_string());
        }
    }
    assert!(
        fr_only >= 1 && no_transcript >= 1 && no_recording >= 1 && voicemail >= 1,
        "{fr_only} {no_transcript} {no_recording} {voicemail}"
    );
    for o in [
        "appointment_confirmed",
        "voicemail_left",
        "transferred_to_human",
    ] {
        assert!(outcomes.contains(o), "{o} in {outcomes:?}");
    }
    assert_eq!(sentiments.len(), 3, "{sentiments:?}");

    // Organization isolation on the detail; unknown ids.
    let org0_call = &facts[0].id;
    let auth = format!("Bearer {}", emu.organization_key(1));
    let r = get_q(&emu, &format!("/api/calls/{org0_call}"), Some(&auth), &[]).await;
    assert_error(&r, 404, "Call not found");
    let auth = format!("Bearer {}", emu.organization_key(0));
    let r = get_q(&emu, &format!("/api/calls/{org0_call}"), Some(&auth), &[]).await;
    assert_eq!(r.status, 200);
    let r = tenant(&emu, "/api/calls/nope", &[]).await;
    assert_error(&r, 404, "Call not found");
}

#[tokio::test]
async fn transcripts_are_plain_text_with_some_unusual_lines() {
    let emu = start().await;
    let facts = emu.call_facts();
    let (mut blank, mut crlf, mut long, mut bare, mut unformatted, mut notes) = (0, 0, 0, 0, 0, 0);
    for f in facts.iter().filter(|f| f.has_transcript) {
        let text = emu.transcript_text(&f.id).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // The ASSUMED format has two speakers, `Agent` and `User`, and no other.
        let has_prefix = |l: &&str| l.starts_with("Agent: ") || l.starts_with("User: ");
        assert!(!text.contains("Staff:"), "{text}");
        if f.unformatted_transcript {
            assert!(!lines.iter().any(has_prefix), "{text}");
            unformatted += 1;
            continue;
        }
        assert!(lines[..].iter().any(has_prefix));
        if !f.unusual_transcript {
            assert!(lines.iter().all(has_prefix), "{text}");
            continue;
        }
        blank += usize::from(lines.iter().any(|l| l.trim().is_empty()));
        crlf += usize::from(text.contains("\r\n"));
        long += usize::from(lines.iter().any(|l| l.len() > 1500));
        bare += usize::from(lines.iter().any(|l| !l.trim().is_empty() && !has_prefix(l)));
        // A `Name: text` line that is no speaker continues a turn.
        notes += usize::from(
            lines
                .iter()
                .any(|l| l.starts_with("Note: ") || l.starts_with("Rappel : ")),
        );
    }
    assert_eq!(unformatted, 3, "one per organization");
    assert!(
        blank >= 3 && crlf >= 3 && long >= 3 && bare >= 3 && notes >= 3,
        "{blank} {crlf} {long} {bare} {notes}"
    );
    // French and English conversations.
    let fr = facts.iter().filter(|f| f.language == "fr-CA").count();
    let en = facts.iter().filter(|f| f.language == "en").count();
    assert!(fr > 100 && en > 200, "{fr} {en}");
    let f = facts
        .iter()
        .find(|f| f.language == "fr-CA" && f.has_transcript && !f.unformatted_transcript)
        .unwrap();
    assert!(
        emu.transcript_text(&f.id)
            .unwrap()
            .contains("Agent: Bonjour")
    );
}
