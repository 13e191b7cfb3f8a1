//! What one change does to one call's triage, decided once for both stores (SQLite and
//! PostgreSQL) and for the offline queue's preview: the new entry, the history rows it adds,
//! and whether the note's draft goes. A note saved over an older version than the stored one is
//! a conflict carrying both versions; a claim held by someone else is refused while it lasts.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use super::{Change, Entry, Mark, StoreError, clean_tag};
use crate::model::{Call, CallRef};

/// How long a claim lasts when the configuration says nothing.
pub const DEFAULT_CLAIM_MINUTES: u32 = 30;

/// What a change does.
#[derive(Debug)]
pub struct Outcome {
    pub entry: Entry,
    /// `(field, old, new)`: `mark`, `note`, `tags` or `claim`.
    pub history: Vec<(&'static str, String, String)>,
    /// Whether the row must be written (a change, or a new snapshot).
    pub write: bool,
    /// A note was saved: its draft goes in the same transaction.
    pub drop_draft: bool,
}

pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Clears a claim that has expired by `now` (an expired claim reads as none).
pub fn expire(entry: &mut Entry, ttl: Duration, now: DateTime<Utc>) {
    if entry.claimed_at.is_none_or(|at| at + ttl <= now) {
        entry.claimed_by = None;
        entry.claimed_at = None;
    }
}

fn refused(entry: &Entry) -> StoreError {
    StoreError::Claimed {
        who: entry.claimed_by.clone().unwrap_or_default(),
        since: entry.claimed_at.map(stamp).unwrap_or_default(),
    }
}

/// Applies `change` to `before` (the stored entry, `None` for an untriaged call) as `who` at
/// `at`; claims older than `ttl` count as none.
pub fn change_entry(
    before: Option<&Entry>,
    call: &CallRef,
    snapshot: Option<&Call>,
    change: Change,
    who: &str,
    at: DateTime<Utc>,
    ttl: Duration,
) -> Result<Outcome, StoreError> {
    let mut entry = before.cloned().unwrap_or_else(|| Entry {
        created_at: at,
        updated_at: at,
        updated_by: who.to_string(),
        ..Entry::untriaged(call.clone())
    });
    expire(&mut entry, ttl, at);
    let mut history: Vec<(&'static str, String, String)> = Vec::new();
    let mut drop_draft = false;
    let mut bump = true;
    match change {
        Change::Mark(m) if m != entry.mark => {
            history.push(("mark", entry.mark.as_str().into(), m.as_str().into()));
            entry.mark = m;
            // Done is done: whoever held the call back gives it up.
            if m == Mark::Done
                && let Some(holder) = entry.claimed_by.take()
            {
                entry.claimed_at = None;
                history.push(("claim", holder, String::new()));
            }
        }
        Change::Mark(_) => {}
        Change::Note { text, base } => {
            if base != entry.version && before.is_some() && text != entry.note {
                return Err(StoreError::Conflict {
                    who: entry.updated_by.clone(),
                    at: stamp(entry.updated_at),
                    theirs: Box::new(entry),
                    mine: text,
                });
            }
            if text != entry.note {
                history.push(("note", entry.note.clone(), text.clone()));
                entry.note = text;
            }
            drop_draft = true;
        }
        Change::AddTag(t) => {
            let t = clean_tag(&t).ok_or(StoreError::BadTag(t))?;
            if !entry.tags.contains(&t) {
                let old = entry.tags.join(" ");
                entry.tags.push(t);
                entry.tags.sort();
                history.push(("tags", old, entry.tags.join(" ")));
            }
        }
        Change::RemoveTag(t) => {
            let t = clean_tag(&t).unwrap_or(t);
            if let Some(i) = entry.tags.iter().position(|x| *x == t) {
                let old = entry.tags.join(" ");
                entry.tags.remove(i);
                history.push(("tags", old, entry.tags.join(" ")));
            }
        }
        // A claim is not an edit of the note: it keeps the version (an editor open elsewhere
        // is not made to conflict by it) and records its own who and when.
        Change::Claim => {
            bump = false;
            match entry.claimed_by.as_deref() {
                Some(other) if other != who => return Err(refused(&entry)),
                holder => {
                    history.push(("claim", holder.unwrap_or_default().into(), who.into()));
                    entry.claimed_by = Some(who.to_string());
                    entry.claimed_at = Some(at);
                }
            }
        }
        Change::Unclaim => {
            bump = false;
            match entry.claimed_by.as_deref() {
                Some(other) if other != who => return Err(refused(&entry)),
                Some(_) => {
                    history.push(("claim", who.into(), String::new()));
                    entry.claimed_by = None;
                    entry.claimed_at = None;
                }
                None => {}
            }
        }
    }
    if let Some(s) = snapshot {
        entry.snapshot = Some(s.clone());
    }
    let write = !history.is_empty() || snapshot.is_some();
    if bump && !history.is_empty() {
        entry.version += 1;
        entry.updated_at = at;
        entry.updated_by = who.to_string();
    }
    Ok(Outcome {
        entry,
        history,
        write,
        drop_draft,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, ProviderKind};

    #[test]
    fn a_claim_lasts_the_configured_time() {
        let call = CallRef {
            account: Account::new(ProviderKind::Solum, "https://api.getsolum.com", None),
            id: "c".into(),
        };
        let at = Utc::now();
        let ttl = Duration::minutes(5);
        let e = change_entry(None, &call, None, Change::Claim, "anna", at, ttl)
            .unwrap()
            .entry;
        let mut later = e.clone();
        expire(&mut later, ttl, at + Duration::minutes(4));
        assert_eq!(later.claimed_by.as_deref(), Some("anna"));
        let refused = change_entry(Some(&e), &call, None, Change::Claim, "ben", at, ttl);
        assert!(matches!(refused, Err(StoreError::Claimed { .. })));
        expire(&mut later, ttl, at + Duration::minutes(5));
        assert_eq!((later.claimed_by, later.claimed_at), (None, None));
        let taken = change_entry(
            Some(&e),
            &call,
            None,
            Change::Claim,
            "ben",
            at + Duration::minutes(6),
            ttl,
        );
        assert_eq!(taken.unwrap().entry.claimed_by.as_deref(), Some("ben"));
    }
}
