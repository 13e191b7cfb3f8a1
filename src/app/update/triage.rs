//! Triage from the keyboard: marks (follow-up, done, clear), the note editor (its draft saved as
//! it is typed), tags, selecting several rows for one change, "next follow-up" — and what the
//! store answers. Marks show once the store has them: what the screen shows as saved is saved.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::keymap::Action;
use super::super::msg::{Effect, Subscription};
use super::super::state::triage::TeamConnection;
use super::super::state::{Focus, Input, InputKind, NoteEditor, State};
use crate::model::{Call, CallDetail, CallKey, CallRef};
use crate::store::actor::{StoreCmd, StoreEvent};
use crate::store::{Change, Entry, Mark, StoreError};

/// The store subscription, when there is a store.
pub(super) fn subscription(state: &State) -> Option<Subscription> {
    let t = &state.triage;
    let path = t.path.clone()?;
    Some(Subscription::Store {
        target: crate::store::StoreTarget {
            path,
            team: t.team.clone(),
            claim_minutes: t
                .claim_minutes
                .unwrap_or(crate::store::logic::DEFAULT_CLAIM_MINUTES),
        },
        who: t.who.clone(),
    })
}

/// The calls a change is for: the selected rows, else the call under the cursor (the open one
/// in the detail pane), each with its list fields.
fn targets(state: &State) -> Vec<(CallRef, Option<Call>)> {
    if state.focus == Focus::Detail
        && let Some(d) = &state.detail.detail
    {
        return vec![(d.call.reference(), Some(d.call.clone()))];
    }
    if state.focus == Focus::List && state.triage.view.is_some() {
        return super::followups::current(state).into_iter().collect();
    }
    let sel = &state.triage.selected;
    if !sel.is_empty() {
        let rows = &state.list.rows;
        return rows
            .visible
            .iter()
            .filter_map(|&i| rows.calls.get(i))
            .filter(|c| sel.contains(&c.reference()))
            .map(|c| (c.reference(), Some(c.clone())))
            .collect();
    }
    state
        .list
        .selected()
        .map(|c| vec![(c.reference(), Some(c.clone()))])
        .unwrap_or_default()
}

fn send(
    state: &mut State,
    calls: Vec<(CallRef, Option<Call>)>,
    change: Change,
    what: String,
) -> Vec<Effect> {
    if calls.is_empty() {
        state.set_status("No call here to triage: choose one in the list.", false);
        return Vec::new();
    }
    if let Some(why) = &state.triage.unavailable {
        state.set_status(why.clone(), true);
        return Vec::new();
    }
    let req = state.req();
    state.triage.pending.insert(req, what);
    vec![Effect::Store(StoreCmd::Apply { req, calls, change })]
}

fn plural(n: usize) -> String {
    if n == 1 {
        "the call".into()
    } else {
        format!("{n} calls")
    }
}

pub(super) fn action(state: &mut State, action: Action) -> Vec<Effect> {
    state.dirty = true;
    match action {
        Action::MarkFollowUp | Action::MarkDone | Action::ClearMark => {
            let mark = match action {
                Action::MarkFollowUp => Mark::FollowUp,
                Action::MarkDone => Mark::Done,
                _ => Mark::None,
            };
            let calls = targets(state);
            let what = match mark {
                Mark::FollowUp => format!("Marked {} for follow-up.", plural(calls.len())),
                Mark::Done => format!("Marked {} done.", plural(calls.len())),
                Mark::None => format!("Cleared the mark of {}.", plural(calls.len())),
            };
            send(state, calls, Change::Mark(mark), what)
        }
        Action::Claim => claim(state),
        Action::EditNote => {
            open_editor(state);
            Vec::new()
        }
        Action::Tags => {
            if targets(state).is_empty() {
                state.set_status("No call here to tag: choose one in the list.", false);
            } else {
                state.input = Some((InputKind::Tags, Input::new("")));
            }
            Vec::new()
        }
        Action::Select => {
            let Some(r) = state.list.selected().map(Call::reference) else {
                return Vec::new();
            };
            if !state.triage.selected.remove(&r) {
                state.triage.selected.insert(r);
            }
            let n = state.triage.selected.len();
            if n > 0 {
                state.set_status(
                    format!("{n} selected: m, d, u and t apply to all of them."),
                    false,
                );
            }
            super::list::action(state, Action::Down)
        }
        Action::NextFollowUp => next_followup(state),
        _ => Vec::new(),
    }
}

/// `C`: "I'm calling back" on the calls the change is for; when every one of them is already
/// claimed by this user, the claims are given back instead. Another person's unexpired claim is
/// refused by the store, with who and since when.
fn claim(state: &mut State) -> Vec<Effect> {
    let calls = targets(state);
    let now = (state.now)();
    let minutes = i64::from(
        state
            .triage
            .claim_minutes
            .unwrap_or(crate::store::logic::DEFAULT_CLAIM_MINUTES),
    );
    let mine = |r: &CallRef| {
        state.triage.entry(r).is_some_and(|e| {
            e.claimed_by.as_deref() == Some(state.triage.who.as_str())
                && e.claimed_at
                    .is_some_and(|at| at + chrono::Duration::minutes(minutes) > now)
        })
    };
    let give_back = !calls.is_empty() && calls.iter().all(|(r, _)| mine(r));
    let (change, what) = if give_back {
        (
            Change::Unclaim,
            format!("Gave back the claim on {}.", plural(calls.len())),
        )
    } else {
        (
            Change::Claim,
            format!(
                "Claimed {}: the team sees you are calling back (for {minutes} minutes; C again gives it back).",
                plural(calls.len())
            ),
        )
    };
    send(state, calls, change, what)
}

/// `e`: the note editor for the call the change is for (one call), from its draft if one was
/// left.
fn open_editor(state: &mut State) {
    let calls = targets(state);
    let [(call, snapshot)] = calls.as_slice() else {
        let text = if calls.is_empty() {
            "No call here to write a note on: choose one in the list."
        } else {
            "A note is for one call: clear the selection (Space) first."
        };
        state.set_status(text, false);
        return;
    };
    let entry = state.triage.entry(call);
    let saved = entry.map_or(String::new(), |e| e.note.clone());
    let version = entry.map_or(0, |e| e.version);
    let mut editor = match state.triage.drafts.get(call) {
        Some((text, base)) => {
            let mut ed = NoteEditor::new(call.clone(), snapshot.clone(), text, *base, &saved);
            ed.notice = Some("Restored the note you were typing when the program ended.".into());
            ed
        }
        None => NoteEditor::new(call.clone(), snapshot.clone(), &saved, version, &saved),
    };
    editor.confirm_discard = false;
    state.triage.editor = Some(editor);
}

/// Keys while the note editor is open: Ctrl-S saves, Esc closes (twice over unsaved changes),
/// everything else edits — and the draft is saved as it is typed.
pub(super) fn editor_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(mut ed) = state.triage.editor.take() else {
        return Vec::new();
    };
    state.dirty = true;
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        // Quitting keeps the draft (saved with every keystroke): the next `e` offers it back.
        KeyCode::Char('c') if ctrl => {
            state.quit = true;
        }
        KeyCode::Char('s') if ctrl => {
            let req = state.req();
            ed.saving = Some(req);
            ed.notice = Some("Saving…".into());
            let change = Change::Note {
                text: ed.text(),
                base: ed.base,
            };
            let calls = vec![(ed.call.clone(), ed.snapshot.clone())];
            state.triage.pending.insert(req, "Note saved.".into());
            state.triage.editor = Some(ed);
            return vec![Effect::Store(StoreCmd::Apply { req, calls, change })];
        }
        KeyCode::Esc => {
            if ed.text() == ed.saved_text || ed.confirm_discard {
                state.triage.drafts.remove(&ed.call);
                return vec![Effect::Store(StoreCmd::DropDraft { call: ed.call })];
            }
            ed.confirm_discard = true;
            ed.notice = Some("Unsaved changes: Esc again discards them, Ctrl-S saves.".into());
        }
        _ => {
            let before = ed.text();
            ed.area.input(key);
            ed.confirm_discard = false;
            let text = ed.text();
            if text != before {
                let cmd = StoreCmd::SaveDraft {
                    call: ed.call.clone(),
                    text: text.clone(),
                    base: ed.base,
                };
                state.triage.drafts.insert(ed.call.clone(), (text, ed.base));
                state.triage.editor = Some(ed);
                return vec![Effect::Store(cmd)];
            }
        }
    }
    state.triage.editor = Some(ed);
    Vec::new()
}

/// Enter in the tag line: `word` adds a tag, `-word` removes one, on every call of the change.
pub(super) fn apply_tags(state: &mut State, text: &str) -> Vec<Effect> {
    let calls = targets(state);
    let mut effects = Vec::new();
    for word in text.split_whitespace() {
        let (change, what) = match word.strip_prefix('-') {
            Some(t) => (Change::RemoveTag(t.into()), format!("Removed the tag {t}.")),
            None => (
                Change::AddTag(word.into()),
                format!("Tagged {} {word}.", plural(calls.len())),
            ),
        };
        effects.extend(send(state, calls.clone(), change, what));
    }
    effects
}

/// Tab in the tag line: completes the last word from the tags in use.
pub(super) fn complete_tag(state: &State, text: &str) -> Option<String> {
    let (head, last) = match text.rfind(' ') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None => ("", text),
    };
    let (sign, word) = match last.strip_prefix('-') {
        Some(w) => ("-", w),
        None => ("", last),
    };
    let found = state
        .triage
        .tags_in_use()
        .into_iter()
        .find(|t| t.starts_with(&word.to_lowercase()) && t != word)?;
    Some(format!("{head}{sign}{found} "))
}

/// `F`: opens the next follow-up (oldest first, after the open call), through its provider
/// when one covers its account — the saved snapshot otherwise, labelled.
fn next_followup(state: &mut State) -> Vec<Effect> {
    let queue: Vec<Entry> = state.triage.followups().into_iter().cloned().collect();
    if queue.is_empty() {
        state.set_status("No call is marked for follow-up.", false);
        return Vec::new();
    }
    let open = state.detail.detail.as_ref().map(|d| d.call.reference());
    let at = open
        .and_then(|r| queue.iter().position(|e| e.call == r))
        .map_or(0, |i| (i + 1) % queue.len());
    let entry = &queue[at];
    let text = format!("Follow-up {} of {}.", at + 1, queue.len());
    state.set_status(text, false);
    open_entry(state, entry)
}

/// Opens a triaged call in the detail pane.
pub(super) fn open_entry(state: &mut State, entry: &Entry) -> Vec<Effect> {
    let provider = state
        .providers
        .iter()
        .find(|p| p.usable() && p.info.account.covers(&entry.call.account))
        .map(|p| p.id());
    let snapshot = entry.snapshot.clone().map(|c| saved_detail(c, entry, None));
    let Some(provider) = provider else {
        let Some(d) = snapshot else {
            state.set_status(
                "No configured provider reaches this call, and nothing of it was saved.",
                true,
            );
            return Vec::new();
        };
        show_saved(state, d, None);
        return Vec::new();
    };
    let key = CallKey {
        provider,
        scope: entry.snapshot.as_ref().and_then(|c| c.scope.clone()),
        id: entry.call.id.clone(),
    };
    state.player = None;
    let req = state.req();
    let d = &mut state.detail;
    d.key = Some(key.clone());
    d.error = None;
    d.scroll = 0;
    d.layout = None;
    d.detail = None;
    d.loading = Some(req);
    d.fallback = snapshot;
    state.focus = Focus::Detail;
    state.dirty = true;
    vec![Effect::LoadDetail { req, key }]
}

/// The call as it was saved when triaged, labelled as such.
pub(super) fn saved_detail(call: Call, entry: &Entry, why: Option<&str>) -> CallDetail {
    let mut d = CallDetail::from_list_item(call);
    let when = entry.updated_at.format("%Y-%m-%d %H:%M UTC");
    d.warnings.push(match why {
        Some(why) => format!("The provider did not answer ({why}): this is the call as saved when it was triaged ({when})."),
        None => format!("No configured provider reaches this call: this is the call as saved when it was triaged ({when})."),
    });
    d
}

fn show_saved(state: &mut State, d: CallDetail, key: Option<CallKey>) {
    state.detail.key = key.or_else(|| {
        Some(CallKey {
            provider: crate::model::ProviderId::new(usize::from(u16::MAX)),
            scope: d.call.scope.clone(),
            id: d.call.id.clone(),
        })
    });
    state.detail.loading = None;
    state.detail.show(d);
    state.focus = Focus::Detail;
    super::detail::relayout_detail(state);
}

/// Entries of `list` into the state (and the detail pane's lines again if the open call's
/// triage changed).
fn take_entries(state: &mut State, list: Vec<Entry>) {
    let open = state.detail.detail.as_ref().map(|d| d.call.reference());
    let mut touched_open = false;
    for e in list {
        touched_open |= open.as_ref() == Some(&e.call);
        state.triage.entries.insert(e.call.clone(), e);
    }
    if touched_open {
        state.triage.stamp += 1;
    }
}

pub(super) fn on_event(state: &mut State, event: StoreEvent) -> Vec<Effect> {
    state.dirty = true;
    let mut effects = Vec::new();
    match event {
        StoreEvent::Loaded { entries, drafts } => {
            let map: HashMap<CallRef, Entry> =
                entries.into_iter().map(|e| (e.call.clone(), e)).collect();
            state.triage.entries = map;
            state.triage.drafts = drafts;
            state.triage.loaded = true;
            state.triage.unavailable = None;
            state.triage.stamp += 1;
            effects.extend(history_for_open(state));
        }
        StoreEvent::Applied { req, entries } => {
            take_entries(state, entries);
            if let Some(what) = state.triage.pending.remove(&req) {
                state.set_status(what, false);
            }
            if state
                .triage
                .editor
                .as_ref()
                .is_some_and(|e| e.saving == Some(req))
                && let Some(ed) = state.triage.editor.take()
            {
                state.triage.drafts.remove(&ed.call);
            }
            state.triage.selected.clear();
            effects.extend(history_for_open(state));
        }
        StoreEvent::Failed { req, error, done } => {
            take_entries(state, done);
            state.triage.pending.remove(&req);
            failed(state, req, error);
        }
        StoreEvent::History { call, rows } => {
            state.triage.history = Some((call, rows));
            state.triage.stamp += 1;
        }
        StoreEvent::Unavailable(e) => {
            let text = e.to_string();
            state.triage.unavailable = Some(text.clone());
            state.set_status(text, true);
        }
        StoreEvent::Audit(_) => {}
        // The team database reached or lost (a PostgreSQL store): the title shows how it
        // stands; the status line says it when it changes.
        StoreEvent::Connection {
            online,
            detail,
            waiting,
        } => {
            let before = state.triage.connection.as_ref().map(|c| c.online);
            if before != Some(online) {
                state.set_status(detail.clone(), !online);
            }
            state.triage.connection = Some(TeamConnection {
                online,
                detail,
                waiting,
            });
            state.dirty = true;
        }
    }
    refilter_list(state);
    super::detail::relayout_detail(state);
    effects
}

/// A change that was not saved: the editor keeps its text (with both versions on a conflict).
/// A note saved over by `who` and the user's own text, between merge markers, to be merged.
fn both_versions(who: &str, theirs: &str, mine: &str) -> String {
    format!("<<<<<<< saved by {who}\n{theirs}\n=======\n{mine}\n>>>>>>> yours")
}

/// A store's sentence with its UTC timestamps (a claim's or a note's time) in the user's zone,
/// as every list shows times.
fn local_times(text: &str, tz: crate::model::TimeZoneSetting) -> String {
    let mut out = text.to_string();
    for word in text.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        let word = word.trim_end_matches([':', ',', '.']);
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(word) {
            let local = crate::display::format_time(Some(t.with_timezone(&chrono::Utc)), tz);
            out = out.replace(word, &local);
        }
    }
    out
}

fn failed(state: &mut State, req: u64, error: StoreError) {
    let text = local_times(&error.to_string(), state.time_zone);
    let editor = state
        .triage
        .editor
        .as_mut()
        .filter(|e| e.saving == Some(req));
    match (editor, error) {
        (
            Some(ed),
            StoreError::Conflict {
                theirs, mine, who, ..
            },
        ) => {
            let merged = both_versions(&who, &theirs.note, &mine);
            *ed = NoteEditor::new(
                ed.call.clone(),
                ed.snapshot.clone(),
                &merged,
                theirs.version,
                &theirs.note,
            );
            ed.notice = Some(format!(
                "{text}. Merge them, delete the marker lines, Ctrl-S saves."
            ));
        }
        (Some(ed), _) => {
            ed.saving = None;
            ed.notice = Some(format!("Not saved: {text}"));
        }
        // A change kept while the team database was out of reach, refused when it was sent
        // (the editor long closed): the text typed is the call's draft again.
        (
            None,
            StoreError::Conflict {
                theirs, mine, who, ..
            },
        ) => {
            let merged = both_versions(&who, &theirs.note, &mine);
            let call = theirs.call.clone();
            state.triage.drafts.insert(call, (merged, theirs.version));
            state.set_status(
                format!("{text}: your note is kept as the call's draft; e on the call opens both"),
                true,
            );
            return;
        }
        (None, _) => {}
    }
    state.set_status(text, true);
}

/// Asks for the open call's history when the detail shows a triaged call.
pub(super) fn history_for_open(state: &State) -> Vec<Effect> {
    let Some(call) = state.detail.detail.as_ref().map(|d| d.call.reference()) else {
        return Vec::new();
    };
    if state.triage.path.is_none() || state.triage.entry(&call).is_none() {
        return Vec::new();
    }
    vec![Effect::Store(StoreCmd::History { call })]
}

/// An access-log row for the open call.
pub(super) fn access(state: &State, action: &str) -> Vec<Effect> {
    let Some(call) = state.detail.detail.as_ref().map(|d| d.call.reference()) else {
        return Vec::new();
    };
    if state.triage.path.is_none() {
        return Vec::new();
    }
    vec![Effect::Store(StoreCmd::Access {
        call: Some(call),
        action: action.into(),
        detail: String::new(),
    })]
}

/// Splits a list's filter line into its triage tokens (`triage:`, `tag:`, `note:`) and the rest.
pub(super) fn split_filter(text: &str) -> (Option<String>, String) {
    let (mut triage, mut rest) = (Vec::new(), Vec::new());
    for tok in text.split_whitespace() {
        let key = tok.split_once(':').map(|(k, _)| k.to_ascii_lowercase());
        if matches!(key.as_deref(), Some("triage" | "tag" | "note")) {
            triage.push(tok);
        } else {
            rest.push(tok);
        }
    }
    let t = (!triage.is_empty()).then(|| triage.join(" "));
    (t, rest.join(" "))
}

/// Keeps the list's visible rows that pass its triage filter (calls never triaged have no
/// mark, no tag, no note).
pub(super) fn filter_rows(state: &mut State) {
    let Some(f) = state.list.filter.triage.clone() else {
        return;
    };
    let entries = &state.triage.entries;
    let rows = &mut state.list.rows;
    let calls = &rows.calls;
    rows.visible.retain(|&i| {
        let call = calls[i].reference();
        match entries.get(&call) {
            Some(e) => f.matches(e),
            None => f.matches(&Entry::untriaged(call)),
        }
    });
    let n = rows.visible.len();
    let v = &mut state.list.view;
    v.cursor = v.cursor.min(n.saturating_sub(1));
}

/// The marks changed: a list filtered by them is filtered again.
fn refilter_list(state: &mut State) {
    if state.list.filter.triage.is_none() {
        return;
    }
    if !state.list.is_open() {
        return;
    }
    super::list::refilter(state);
}
