//! The triage store under `kill -9`: a child process (`examples/triage_writer.rs`) writes marks,
//! notes of every length, tags and drafts to one store and says on standard output what it saved;
//! it is killed with SIGKILL at random moments (0–50 ms into each run) at least 100 times and
//! restarted on the same store. Afterwards every change it reported as saved is there — the
//! latest value of each field is the last one reported (or one it was about to save when it was
//! killed), the history holds every reported change in order and nothing unexplained — and
//! `PRAGMA integrity_check` says ok. A second test kills the child while it types a note into
//! the editor: the draft read back is always the last one it reported.
//!
//! `CALLBROWSER_CRASH_SECS` sets how long the first test keeps killing (default 45 s).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use callbrowser::model::{Account, CallRef, ProviderKind};
use callbrowser::store::{HistoryRow, Store};

const MIN_KILLS: usize = 100;

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The writer's binary, next to the `callbrowser` one cargo built for the tests; built here when
/// missing or older than it (`cargo test --test store_crash` builds no examples).
fn writer() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_callbrowser"));
    let dir = bin.parent().expect("the binary's folder");
    let exe = dir
        .join("examples")
        .join(format!("triage_writer{}", std::env::consts::EXE_SUFFIX));
    let fresh = matches!((mtime(&exe), mtime(&bin)), (Some(e), Some(b)) if e >= b);
    if !fresh {
        let cargo = std::env::var("CARGO")
            .ok()
            .or(option_env!("CARGO").map(String::from))
            .unwrap_or_else(|| "cargo".into());
        let mut c = Command::new(cargo);
        c.args(["build", "--example", "triage_writer"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if dir.file_name().is_some_and(|n| n == "release") {
            c.arg("--release");
        }
        let status = c.status().expect("cargo runs");
        assert!(
            status.success(),
            "cargo build --example triage_writer failed"
        );
    }
    assert!(exe.exists(), "no {}", exe.display());
    exe
}

fn call(id: &str) -> CallRef {
    CallRef {
        account: Account::new(ProviderKind::TalkPilot, "https://crash.example", None),
        id: id.into(),
    }
}

/// What one run of the writer said, until it was killed.
struct Run {
    /// Whole lines only: a line cut by the kill was not reported.
    lines: Vec<String>,
    stderr: String,
}

/// Starts the writer with `args`, kills it after `delay`, and returns what it said.
fn run_and_kill(exe: &Path, args: &[String], delay: Duration) -> Run {
    let mut child: Child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the writer starts");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut lines = Vec::new();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) if buf.ends_with(b"\n") => {
                    lines.push(String::from_utf8_lossy(&buf[..buf.len() - 1]).into_owned());
                }
                Ok(_) => break,
            }
        }
        lines
    });
    std::thread::sleep(delay);
    let _ = child.kill();
    let status = child.wait().expect("the writer is reaped");
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let lines = reader.join().expect("the reader");
    assert!(
        status.signal() == Some(libc::SIGKILL),
        "the writer ended by itself ({status}): {stderr}"
    );
    Run { lines, stderr }
}

/// One change the writer announced: reported saved, or cut short by the kill.
#[derive(Clone, Debug)]
struct Event {
    n: u64,
    field: String,
    /// The field's new value (`None`: no draft).
    value: Option<String>,
    saved: bool,
}

/// `about|saved N CALL FIELD JSON`.
fn parse(line: &str) -> Option<(&str, u64, String, String, String)> {
    let mut it = line.splitn(5, ' ');
    let kind = it.next()?;
    let n = it.next()?.parse().ok()?;
    let call = it.next()?.to_string();
    let field = it.next()?.to_string();
    let value: String = serde_json::from_str(it.next()?).ok()?;
    Some((kind, n, call, field, value))
}

/// The values `field` may hold now: the last reported, or one announced after it.
fn acceptable(events: &[Event], field: &str, initial: Option<String>) -> Vec<Option<String>> {
    let of_field: Vec<&Event> = events.iter().filter(|e| e.field == field).collect();
    let last_saved = of_field.iter().rposition(|e| e.saved);
    let mut ok = vec![match last_saved {
        Some(i) => of_field[i].value.clone(),
        None => initial,
    }];
    let after = last_saved.map_or(0, |i| i + 1);
    ok.extend(of_field[after..].iter().map(|e| e.value.clone()));
    ok
}

/// Every change the writer announced, per call, in order.
#[derive(Default)]
struct Log {
    calls: BTreeMap<String, Vec<Event>>,
    /// The next change number to give the writer.
    next: u64,
    saved: usize,
    cut: usize,
    silent_runs: usize,
}

impl Log {
    /// Takes in what one run said: an announced change is saved when its `saved` line came.
    fn record(&mut self, run: &Run) {
        let mut announced: Vec<(u64, String, String, String)> = Vec::new();
        let mut confirmed = std::collections::HashSet::new();
        for line in &run.lines {
            let (kind, n, call, field, value) =
                parse(line).unwrap_or_else(|| panic!("a line the writer should not say: {line:?}"));
            self.next = self.next.max(n + 1);
            match kind {
                "about" => announced.push((n, call, field, value)),
                "saved" => {
                    confirmed.insert(n);
                }
                _ => panic!("{line:?}"),
            }
        }
        self.silent_runs += usize::from(announced.is_empty());
        for (n, call, field, value) in announced {
            let saved = confirmed.contains(&n);
            self.saved += usize::from(saved);
            self.cut += usize::from(!saved);
            let list = self.calls.entry(call).or_default();
            if field == "note" {
                // Saving the note drops the draft.
                list.push(Event {
                    n,
                    field: "draft".into(),
                    value: None,
                    saved,
                });
            }
            list.push(Event {
                n,
                field,
                value: Some(value),
                saved,
            });
        }
    }

    /// Checks the store against everything announced; returns the history rows seen.
    fn verify(&self, store: &Store) -> usize {
        let mut history_rows = 0;
        for (id, list) in &self.calls {
            let r = call(id);
            let entry = store.get(&r).unwrap();
            let draft = store.draft(&r).unwrap().map(|(t, _)| t);
            for (field, initial) in [
                ("mark", Some("none".to_string())),
                ("note", Some(String::new())),
                ("tags", Some(String::new())),
                ("draft", None),
            ] {
                let now = match (field, &entry) {
                    ("draft", _) => draft.clone(),
                    (_, None) => initial.clone(),
                    ("mark", Some(e)) => Some(e.mark.as_str().to_string()),
                    ("note", Some(e)) => Some(e.note.clone()),
                    (_, Some(e)) => Some(e.tags.join(" ")),
                };
                let ok = acceptable(list, field, initial);
                assert!(
                    ok.contains(&now),
                    "call {id}, {field}: {now:?} is not the last change reported saved ({:?})",
                    ok.first()
                );
            }
            // The history: every reported change in order, and only announced ones.
            let history = store.history(&r).unwrap();
            history_rows += history.len();
            let changes: Vec<&Event> = list.iter().filter(|e| e.field != "draft").collect();
            if let Err(e) = explains(&changes, &history) {
                panic!("call {id}: {e}");
            }
            if let Some(e) = &entry {
                assert_eq!(e.version as usize, history.len(), "call {id}");
            }
        }
        history_rows
    }
}

/// Whether `history` is `changes` in order, each saved change there and each cut-short one
/// there or not: the history rows each change can have reached (a change cut short may have
/// the same new value as a later one, so this is a search, not a greedy match). `Err` says
/// what does not fit.
fn explains(changes: &[&Event], history: &[HistoryRow]) -> Result<(), String> {
    let mut reach: BTreeSet<usize> = BTreeSet::from([0]);
    for e in changes {
        let mut next = BTreeSet::new();
        for &at in &reach {
            if history
                .get(at)
                .is_some_and(|h| h.field == e.field && Some(&h.new) == e.value.as_ref())
            {
                next.insert(at + 1);
            }
            if !e.saved {
                next.insert(at);
            }
        }
        if next.is_empty() {
            return Err(format!(
                "change {} ({}) was reported saved but is not in the history",
                e.n, e.field
            ));
        }
        reach = next;
    }
    if reach.contains(&history.len()) {
        Ok(())
    } else {
        Err("the history holds a change never announced".into())
    }
}

#[test]
fn every_change_reported_saved_survives_sigkill() {
    let exe = writer();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/triage.sqlite");
    let secs: u64 = std::env::var("CALLBROWSER_CRASH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(45);
    let started = Instant::now();
    let mut rng = fastrand::Rng::with_seed(11);
    let mut log = Log::default();
    let mut kills = 0usize;
    while kills < MIN_KILLS || started.elapsed() < Duration::from_secs(secs) {
        let delay = Duration::from_micros(rng.u64(0..=50_000));
        let args = vec![
            path.display().to_string(),
            "changes".into(),
            log.next.to_string(),
            kills.to_string(),
        ];
        let run = run_and_kill(&exe, &args, delay);
        kills += 1;
        assert!(
            run.stderr.is_empty(),
            "the writer complained: {}",
            run.stderr
        );
        log.record(&run);
        if kills.is_multiple_of(25) {
            let s = Store::open(&path, "check").expect("the store opens after a kill");
            assert_eq!(s.integrity().unwrap(), "ok", "after {kills} kills");
        }
    }
    let killing = started.elapsed();

    let store = Store::open(&path, "check").expect("the store opens after the last kill");
    assert_eq!(store.integrity().unwrap(), "ok");
    let history_rows = log.verify(&store);
    println!(
        "crash test: {kills} SIGKILLs in {:.1} s ({} before the first change), {} changes \
         reported saved and found, {} cut short by the kill, {history_rows} history rows, \
         integrity ok",
        killing.as_secs_f64(),
        log.silent_runs,
        log.saved,
        log.cut,
    );
    assert!(kills >= MIN_KILLS);
    assert!(
        log.saved >= 200,
        "only {} changes were saved: the test proves little",
        log.saved
    );
}

/// What the writer's `typing` mode types (as `examples/triage_writer.rs` has it).
const TEXT: &str = "Rückruf bei Frau Ğül Şahin, \"dringend\": Rezept, Überweisung; 患者に電話。\n";

fn typed(len: usize) -> String {
    TEXT.chars().cycle().take(len).collect()
}

#[test]
fn a_note_draft_survives_the_editor_being_killed() {
    const KILLS: usize = 60;
    let exe = writer();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/triage.sqlite");
    let r = call("editor");
    let mut rng = fastrand::Rng::with_seed(7);
    let args = vec![path.display().to_string(), "typing".into()];
    // What the store must hold: the last draft and note reported saved.
    let (mut draft, mut note): (Option<String>, String) = (None, String::new());
    let (mut exact, mut in_flight, mut notes, mut longest) = (0, 0, 0, 0);
    for kill in 0..KILLS {
        let run = run_and_kill(&exe, &args, Duration::from_millis(rng.u64(5..=120)));
        assert!(run.stderr.is_empty(), "{}", run.stderr);
        // The draft or note a save was under way for when the kill came.
        let mut pending: Option<(Option<String>, Option<String>)> = None;
        for line in &run.lines {
            let mut it = line.split(' ');
            let (Some(kind), Some("editor"), Some(len)) = (it.next(), it.next(), it.next()) else {
                panic!("{line:?}");
            };
            let len: usize = len.parse().expect("a length");
            match kind {
                "typing" => pending = Some((Some(typed(len)), None)),
                "draft" => {
                    draft = Some(typed(len));
                    longest = longest.max(len);
                    pending = None;
                }
                "saving" => pending = Some((None, Some(typed(len)))),
                "note" => {
                    draft = None;
                    note = typed(len);
                    notes += 1;
                    pending = None;
                }
                _ => panic!("{line:?}"),
            }
        }
        // Reopened, as the TUI does after a crash.
        let store = Store::open(&path, "check").expect("the store opens");
        let got = store.draft(&r).unwrap().map(|(t, _)| t);
        let got_note = store.get(&r).unwrap().map(|e| e.note).unwrap_or_default();
        if got == draft && got_note == note {
            exact += 1;
        } else {
            match pending.clone() {
                Some((d, None)) if got == d && got_note == note => {}
                Some((None, Some(n))) if got.is_none() && got_note == n => note = n,
                _ => panic!(
                    "kill {kill}: the draft read back ({} chars) is not the last one reported \
                     ({} chars)",
                    got.as_deref().map_or(0, |t| t.chars().count()),
                    draft.as_deref().map_or(0, |t| t.chars().count()),
                ),
            }
            in_flight += 1;
            draft = got;
        }
        assert_eq!(store.integrity().unwrap(), "ok");
    }
    println!(
        "draft test: {KILLS} SIGKILLs while typing, the draft read back was the last reported {exact} \
         times and the one being saved {in_flight} times; {notes} notes saved, drafts up to \
         {longest} characters"
    );
    assert!(longest > 0, "nothing was typed");
}
