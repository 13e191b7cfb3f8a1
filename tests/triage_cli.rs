//! `callbrowser triage` as a script uses it, against the demo's emulators over loopback: marks,
//! notes and tags set with `triage mark` come back from `triage list --format json`; `export`
//! parsed back with a real CSV reader (and as JSON) equals what was marked, with newlines,
//! commas, quotes and non-ASCII in notes; `--bom`; the filter tokens; an unknown filter key; the
//! access log records exports; a closed pipe ends quietly; vendor text is sanitized everywhere.

mod cli_support;
mod player_support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use callbrowser::model::{Account, Call, CallRef, ProviderKind};
use callbrowser::store::{Change, Mark, Store};
use cli_support::{Run, command, run, write_config};
use player_support::{Harness, Vendor};
use serde_json::Value;

fn name(v: Vendor) -> &'static str {
    match v {
        Vendor::Welkin => "welkin",
        Vendor::TalkPilot => "talkpilot",
        Vendor::Voxeme => "voxeme",
        Vendor::AlloMia => "allomia",
    }
}

/// What one call was marked with.
struct Marked {
    vendor: Vendor,
    scope: String,
    id: String,
    mark: &'static str,
    note: &'static str,
    tags: Vec<&'static str>,
}

const NOTES: [&str; 4] = [
    "Rückruf morgen früh\nzweite Zeile, mit Komma; \"Zitat\" und 'Apostroph'",
    "Patient:in 患者 — Überweisung fehlt,\r\nbitte \"dringend\" klären",
    "",
    "one line, done",
];

struct Setup {
    h: Harness,
    _dir: tempfile::TempDir,
    cfg: PathBuf,
    store: PathBuf,
}

async fn setup() -> Setup {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &h.demo.config_toml());
    let store = dir.path().join("data/triage.sqlite");
    Setup {
        h,
        _dir: dir,
        cfg,
        store,
    }
}

impl Setup {
    /// `callbrowser ARGS --store STORE`.
    async fn triage(&self, args: &[&str]) -> Run {
        let mut all = vec!["triage"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--store", self.store.to_str().unwrap()]);
        run(&self.cfg, &all).await
    }

    /// Marks four calls of four vendors through the CLI.
    async fn mark_four(&self) -> Vec<Marked> {
        let plan = [
            (Vendor::Welkin, "followup", vec!["billing", "urgent"]),
            (Vendor::TalkPilot, "done", vec!["qa"]),
            (Vendor::Voxeme, "followup", vec![]),
            (Vendor::AlloMia, "done", vec!["billing"]),
        ];
        let mut marked = Vec::new();
        for (i, (vendor, mark, tags)) in plan.into_iter().enumerate() {
            let (scope, id) = self.h.recorded_call(vendor, 2);
            let note = NOTES[i];
            let mut args = vec![
                "mark",
                &id,
                mark,
                "--provider",
                name(vendor),
                "--scope",
                &scope,
                "--note",
                note,
            ];
            for t in &tags {
                args.extend_from_slice(&["--tag", *t]);
            }
            let r = self.triage(&args).await;
            assert!(r.ok(), "{vendor:?}: {}", r.err);
            assert_eq!(r.out, format!("marked {id} {mark}\n"), "{vendor:?}");
            marked.push(Marked {
                vendor,
                scope,
                id,
                mark,
                note,
                tags,
            });
        }
        marked
    }

    /// The call as `show --format json` prints it.
    async fn shown(&self, m: &Marked) -> Value {
        let r = run(
            &self.cfg,
            &[
                "show",
                &m.id,
                "--provider",
                name(m.vendor),
                "--scope",
                &m.scope,
                "--format",
                "json",
            ],
        )
        .await;
        assert!(r.ok(), "{}", r.err);
        serde_json::from_str(&r.out).unwrap()
    }
}

/// The note as printed: the sanitizer keeps newlines but turns CRLF into LF.
fn printed_note(note: &str) -> String {
    note.replace("\r\n", "\n")
}

/// Checks one exported call (as JSON values) against what was marked and what `show` says.
fn check_call(got: &Value, m: &Marked, shown: &Value) {
    let ctx = format!("{:?} {}", m.vendor, m.id);
    assert_eq!(got["kind"], name(m.vendor), "{ctx}");
    assert_eq!(got["id"], m.id.as_str(), "{ctx}");
    assert_eq!(got["scope"], m.scope.as_str(), "{ctx}");
    assert_eq!(got["mark"], m.mark, "{ctx}");
    assert_eq!(got["note"], printed_note(m.note).as_str(), "{ctx}");
    let tags: Vec<&str> = got["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let mut want = m.tags.clone();
    want.sort();
    assert_eq!(tags, want, "{ctx}");
    for f in ["started_at", "caller_name", "caller_number", "summary"] {
        assert_eq!(got[f], shown[f], "{ctx}: {f}");
    }
    assert!(
        got["account"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}:127.0.0.1:", name(m.vendor))),
        "{ctx}: {}",
        got["account"]
    );
    assert_eq!(got["updated_by"], callbrowser::store::os_user().as_str());
    for f in ["created_at", "updated_at"] {
        let t = got[f].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{f}: {t}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marks_notes_and_tags_round_trip_through_list_and_export() {
    let s = setup().await;
    let marked = s.mark_four().await;
    let mut shown = Vec::new();
    for m in &marked {
        shown.push(s.shown(m).await);
    }

    // list --format json: one document, oldest first.
    let r = s.triage(&["list", "--format", "json"]).await;
    assert!(r.ok(), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["count"], 4);
    let calls = doc["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 4);
    for ((got, m), sh) in calls.iter().zip(&marked).zip(&shown) {
        check_call(got, m, sh);
    }

    // export --format json is the same document.
    let r = s.triage(&["export", "--format", "json"]).await;
    assert!(r.ok(), "{}", r.err);
    let exported: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(exported, doc);

    // export (CSV by default) read back with a CSV reader: the same calls, field by field.
    let r = s.triage(&["export"]).await;
    assert!(r.ok(), "{}", r.err);
    assert!(!r.out.starts_with('\u{FEFF}'), "no BOM unless asked");
    assert!(r.out.contains("\r\n"), "RFC 4180 records end in CRLF");
    let mut reader = csv::Reader::from_reader(r.out.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    for (row, json) in rows.iter().zip(calls) {
        assert_eq!(row.len(), header.len());
        for (col, cell) in header.iter().zip(row) {
            let want = match &json[col.as_str()] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Array(tags) => tags
                    .iter()
                    .map(|t| t.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(" "),
                v => v.to_string(),
            };
            assert_eq!(cell, want, "column {col}");
        }
    }
    // The notes came back exactly, newlines, commas, quotes and all.
    let note_col = header.iter().position(|h| h == "note").unwrap();
    for (row, m) in rows.iter().zip(&marked) {
        assert_eq!(&row[note_col], printed_note(m.note));
    }

    // --bom: a UTF-8 byte order mark first, then the same CSV.
    let r = s.triage(&["export", "--bom"]).await;
    assert!(r.ok(), "{}", r.err);
    let body = r.out.strip_prefix('\u{FEFF}').expect("a BOM first");
    let again: Vec<csv::StringRecord> = csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(again, rows);
    let r = s.triage(&["list", "--format", "json", "--bom"]).await;
    assert_eq!(r.code, Some(2), "--bom is for CSV: {}", r.err);

    // The table: one line per call, the mark and the note's first line.
    let r = s.triage(&["list"]).await;
    assert!(r.ok(), "{}", r.err);
    let lines: Vec<&str> = r.out.lines().collect();
    assert_eq!(lines.len(), 5, "{}", r.out);
    assert!(lines[0].starts_with("MARK"));
    assert!(lines[1].starts_with("followup") && lines[1].contains("Rückruf morgen früh …"));
    assert!(lines[2].starts_with("done") && lines[2].contains(&marked[1].id));

    // The access log: every export with its count, by whom.
    let r = s.triage(&["audit", "--format", "json"]).await;
    assert!(r.ok(), "{}", r.err);
    let audit: Value = serde_json::from_str(&r.out).unwrap();
    let exports: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "exported")
        .collect();
    assert_eq!(exports.len(), 3, "{}", r.out);
    assert!(
        exports
            .iter()
            .all(|e| e["detail"].as_str().unwrap().starts_with("4 call(s)"))
    );
    assert_eq!(exports[1]["detail"], "4 call(s) as CSV");
    assert_eq!(exports[0]["who"], callbrowser::store::os_user().as_str());
    let r = s.triage(&["audit"]).await;
    assert!(r.ok() && r.out.starts_with("AT") && r.out.contains("exported"));
    let r = s.triage(&["audit", "--format", "csv"]).await;
    let audit_rows: Vec<csv::StringRecord> = csv::Reader::from_reader(r.out.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    // Four calls read to mark them, three exports.
    let count = |action: &str| audit_rows.iter().filter(|r| &r[2] == action).count();
    assert_eq!(
        (count("opened"), count("exported")),
        (4, 3),
        "{audit_rows:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_pick_calls_by_mark_tag_note_and_text() {
    let s = setup().await;
    let marked = s.mark_four().await;
    let ids = |r: &Run| -> Vec<String> {
        assert!(r.ok(), "{}", r.err);
        let doc: Value = serde_json::from_str(&r.out).unwrap();
        doc["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let id = |i: usize| marked[i].id.clone();
    let caller = s.shown(&marked[1]).await["caller_name"]
        .as_str()
        .unwrap()
        .to_string();
    for (filter, want) in [
        ("triage:followup", vec![id(0), id(2)]),
        ("triage:done", vec![id(1), id(3)]),
        ("triage:none", vec![]),
        ("tag:billing", vec![id(0), id(3)]),
        ("tag:billing tag:urgent", vec![id(0)]),
        ("note:zitat", vec![id(0)]),
        ("note:\"one line\"", vec![id(3)]),
        ("triage:done note:done", vec![id(3)]),
        ("患者", vec![id(1)]),
    ] {
        let r = s
            .triage(&["list", "--format", "json", "--filter", filter])
            .await;
        assert_eq!(ids(&r), want, "{filter}");
    }
    // Free text finds the caller's name from the snapshot.
    let r = s.triage(&["list", "--format", "json", "-f", &caller]).await;
    assert!(ids(&r).contains(&id(1)), "{caller}");

    // An unknown key: the allowed ones, exit 2, nothing on standard output.
    let r = s.triage(&["list", "--filter", "status:open"]).await;
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(r.out.is_empty());
    assert!(
        r.err.contains("unknown filter key 'status'") && r.err.contains("triage, tag, note"),
        "{}",
        r.err
    );
    assert_eq!(r.err.lines().count(), 1, "{}", r.err);
    let r = s.triage(&["export", "--filter", "triage:maybe"]).await;
    assert_eq!(r.code, Some(2));
    assert!(r.err.contains("followup, done or none"), "{}", r.err);

    // Clear, untag, and a note emptied.
    let args = [
        "mark",
        &marked[0].id,
        "clear",
        "--provider",
        "welkin",
        "--scope",
        &marked[0].scope,
        "--untag",
        "urgent",
        "--note",
        "",
    ];
    let r = s.triage(&args).await;
    assert_eq!(
        r.out,
        format!("marked {} none\n", marked[0].id),
        "{}",
        r.err
    );
    let r = s
        .triage(&["list", "--format", "json", "-f", "triage:none"])
        .await;
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["calls"][0]["tags"], serde_json::json!(["billing"]));
    assert_eq!(doc["calls"][0]["note"], "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_failures_are_one_sentence() {
    let s = setup().await;
    let (scope, id) = s.h.recorded_call(Vendor::TalkPilot, 0);
    // No such call at the provider: exit 1, nothing saved.
    let r = s
        .triage(&[
            "mark",
            "no-such-call",
            "done",
            "--provider",
            "talkpilot",
            "--scope",
            &scope,
        ])
        .await;
    assert_eq!(r.code, Some(1), "{}", r.err);
    assert_eq!(r.err.lines().count(), 1, "{}", r.err);
    assert!(r.out.is_empty());
    // No such provider.
    let r = s
        .triage(&["mark", &id, "done", "--provider", "nobody"])
        .await;
    assert_eq!(r.code, Some(1), "{}", r.err);
    // A tag that is not one word: a wrong command line, said before anything is asked.
    let r = s
        .triage(&[
            "mark",
            &id,
            "done",
            "--provider",
            "talkpilot",
            "--tag",
            "two words",
        ])
        .await;
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(r.err.contains("one word"), "{}", r.err);
    // A provider that does not answer.
    s.h.demo.talkpilot.shutdown();
    let r = s
        .triage(&[
            "mark",
            &id,
            "done",
            "--provider",
            "talkpilot",
            "--scope",
            &scope,
        ])
        .await;
    assert_eq!(r.code, Some(1), "{}", r.err);
    assert_eq!(r.err.lines().count(), 1, "{}", r.err);
    let r = s.triage(&["list", "--format", "json"]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&r.out).unwrap()["count"],
        0,
        "nothing saved"
    );
    // A store that cannot be written (a folder nobody may create, root included): one
    // sentence naming it, exit 1, before the provider is asked.
    let r = run(
        &s.cfg,
        &[
            "triage",
            "mark",
            &id,
            "done",
            "--provider",
            "voxeme",
            "--store",
            "/proc/callbrowser/triage.sqlite",
        ],
    )
    .await;
    assert_eq!(r.code, Some(1), "{}", r.err);
    assert!(r.err.contains("cannot be written"), "{}", r.err);
    assert_eq!(r.err.lines().count(), 1, "{}", r.err);
}

/// A call whose vendor strings carry terminal escapes and bidi overrides.
fn hostile_call(n: usize) -> (CallRef, Call) {
    let account = Account::new(ProviderKind::Solum, "https://solum.example", None);
    let r = CallRef {
        account: account.clone(),
        id: format!("call-{n:05}"),
    };
    let mut c = Call::new(&Arc::new(account), None, &r.id);
    c.caller_name = Some("Eve \u{1b}[31mRed\u{1b}[0m \u{202E}evil".into());
    c.caller_number = Some("+4930123456".into());
    c.summary = Some("=HYPERLINK(\"http://x\")\u{200B} and \u{9b}31m".into());
    (r, c)
}

fn fill(store: &Path, calls: usize, note: &str) {
    let mut s = Store::open(store, "tester").unwrap();
    for n in 0..calls {
        let (r, c) = hostile_call(n);
        s.apply(&r, Some(&c), Change::Mark(Mark::FollowUp)).unwrap();
        s.apply(
            &r,
            None,
            Change::Note {
                text: note.into(),
                base: 1,
            },
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_text_and_notes_are_sanitized_and_formulas_defused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let store = dir.path().join("t.sqlite");
    fill(&store, 1, "\u{1b}]0;title\u{7}note\u{202E} here");
    let st = store.to_str().unwrap();
    for format in ["table", "json", "csv"] {
        let r = run(&cfg, &["triage", "list", "--format", format, "--store", st]).await;
        assert!(r.ok(), "{format}: {}", r.err);
        for bad in ['\u{1b}', '\u{202E}', '\u{200B}', '\u{9b}', '\u{7}'] {
            assert!(!r.out.contains(bad), "{format}: {bad:?} in {:?}", r.out);
        }
        assert!(r.out.contains("Red"), "{format}: {}", r.out);
    }
    let r = run(&cfg, &["triage", "export", "--store", st]).await;
    let mut reader = csv::Reader::from_reader(r.out.as_bytes());
    let header = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let col = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
    // A cell a spreadsheet would run as a formula starts with an apostrophe; numbers do not.
    assert!(
        col("summary").starts_with("'=HYPERLINK"),
        "{}",
        col("summary")
    );
    assert_eq!(col("caller_number"), "+4930123456");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let store = dir.path().join("t.sqlite");
    // Far more than a pipe holds, so the writer meets the closed pipe.
    fill(&store, 600, &"a long note, line after line\n".repeat(20));
    let st = store.to_str().unwrap();
    for format in ["table", "json", "csv"] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = command(
            &cfg,
            &["triage", "export", "--format", format, "--store", st],
        )
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
        .wait_with_output()
        .await
        .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // As a shell pipeline: `| head -1`.
    let bin = env!("CARGO_BIN_EXE_callbrowser");
    let script = format!(
        "'{bin}' --config '{}' triage list --store '{st}' 2>'{}/err' | head -1; \
         echo \"status ${{PIPESTATUS[0]}}\"",
        cfg.display(),
        dir.path().display()
    );
    let out = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("XDG_STATE_HOME", cli_support::state_home(&cfg))
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("MARK"), "{text}");
    assert_eq!(lines[1], "status 0");
    let err = std::fs::read_to_string(dir.path().join("err")).unwrap();
    assert!(err.is_empty(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_or_missing_store_lists_nothing_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let store = dir.path().join("none/triage.sqlite");
    let st = store.to_str().unwrap();
    let r = run(&cfg, &["triage", "list", "--format", "json", "--store", st]).await;
    assert!(r.ok(), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc, serde_json::json!({"calls": [], "count": 0}));
    let r = run(&cfg, &["triage", "list", "--store", st]).await;
    assert!(r.ok() && r.err.contains("no triaged calls"), "{}", r.err);
    let r = run(&cfg, &["triage", "audit", "--format", "csv", "--store", st]).await;
    assert_eq!(r.out, "at,who,action,kind,account,call_id,detail\r\n");
    assert!(!store.exists(), "listing creates no store");
    // The default store: in the platform's data folder.
    let data = dir.path().join("xdg-data");
    let out = command(&cfg, &["triage", "export", "--format", "json"])
        .env("XDG_DATA_HOME", &data)
        .env("HOME", dir.path())
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        data.join("callbrowser/triage.sqlite").exists(),
        "an export is recorded in the default store"
    );
}
