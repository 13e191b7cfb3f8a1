//! The triage store on a disk that is full, or mounted read-only: one clear sentence, nothing
//! saved before is lost, and saving works again once there is room. Needs to mount a small tmpfs
//! (root, as in CI); elsewhere it says so and checks nothing.

use std::path::Path;
use std::process::Command;

use callbrowser::model::{Account, CallRef, ProviderKind};
use callbrowser::store::{Change, Mark, Store, StoreError};

/// A tmpfs of `size` at `dir` (with `ro` when asked), unmounted when dropped.
struct Mount(std::path::PathBuf);

impl Mount {
    fn new(dir: &Path, options: &str) -> Option<Mount> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Mount(dir.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn call(i: usize) -> CallRef {
    CallRef {
        account: Account::new(
            ProviderKind::TalkPilot,
            "https://api.talkpilot.example",
            None,
        ),
        id: format!("call-{i}"),
    }
}

#[test]
fn a_full_disk_is_one_sentence_and_loses_nothing_saved() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_m) = Mount::new(dir.path(), "size=512k") else {
        eprintln!("cannot mount a tmpfs here (not root): the full-disk test is not run");
        return;
    };
    let path = dir.path().join("triage.sqlite");
    let mut s = Store::open(&path, "anna").expect("opens on the small disk");
    // Something else on the disk that the user can delete once told the disk is full.
    let ballast = dir.path().join("ballast");
    std::fs::write(&ballast, vec![0u8; 64 * 1024]).unwrap();
    let note = "x".repeat(8_000);
    let mut saved = Vec::new();
    let mut error = None;
    for i in 0..200 {
        let c = call(i);
        match s.apply(
            &c,
            None,
            Change::Note {
                text: note.clone(),
                base: 0,
            },
        ) {
            Ok(_) => saved.push(c),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let e = error.expect("the disk fills up");
    assert_eq!(e, StoreError::Full, "{e}");
    assert!(
        e.to_string()
            .contains("disk holding the triage store is full"),
        "{e}"
    );
    assert!(!saved.is_empty());
    drop(s);
    // Everything saved before is there, the database is whole.
    let s = Store::open(&path, "anna").expect("opens again");
    for c in &saved {
        assert_eq!(s.get(c).unwrap().map(|e| e.note.len()), Some(8_000), "{c}");
    }
    assert_eq!(s.integrity().unwrap(), "ok");
    // With room again (the user freed some, as the sentence says), saving works. (How much a
    // full disk leaves for a small change depends on where SQLite's log stopped: no room is
    // counted on.)
    std::fs::remove_file(&ballast).unwrap();
    let mut s = s;
    s.apply(&call(999), None, Change::Mark(Mark::FollowUp))
        .expect("a small change fits");
}

#[test]
fn a_read_only_disk_is_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_m) = Mount::new(dir.path(), "ro,size=64k") else {
        eprintln!("cannot mount a tmpfs here (not root): the read-only test is not run");
        return;
    };
    let e = Store::open(&dir.path().join("data/triage.sqlite"), "anna")
        .err()
        .expect("a read-only disk cannot hold the store");
    assert!(matches!(e, StoreError::ReadOnly { .. }), "{e:?}");
    assert!(e.to_string().contains("cannot be written"), "{e}");
}
