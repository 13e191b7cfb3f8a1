//! The triage part of the state: every triaged call as the store last told (kept in memory so
//! every list shows its mark without asking the disk), drafts left from an earlier run, the
//! rows selected for a change of many, the open note editor, the open call's history.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::model::{Call, CallRef};
use crate::store::filter::TriageFilter;
use crate::store::{Entry, HistoryRow, Mark};

#[derive(Default)]
pub struct TriageState {
    /// The store's file (`None`: no store, as in tests that do not need one).
    pub path: Option<PathBuf>,
    /// The team database (PostgreSQL) the file stands beside, when `[store] url` names one.
    pub team: Option<crate::store::TeamDb>,
    /// How long a claim lasts (`[store] claim_minutes`; `None`: the default).
    pub claim_minutes: Option<u32>,
    /// How the team database stands, once its store thread told (`None` without one).
    pub connection: Option<TeamConnection>,
    /// Who changes are recorded as.
    pub who: String,
    pub entries: HashMap<CallRef, Entry>,
    /// Notes being typed when the program last ended, by call: text and the version it was over.
    pub drafts: HashMap<CallRef, (String, i64)>,
    pub loaded: bool,
    /// Why the store cannot be used, when it cannot.
    pub unavailable: Option<String>,
    /// Rows selected in the list (Space): marks and tags apply to all of them.
    pub selected: HashSet<CallRef>,
    pub editor: Option<NoteEditor>,
    /// The open call's history, once the store sent it.
    pub history: Option<(CallRef, Vec<HistoryRow>)>,
    /// Changes sent and not answered yet: what they were, for the status line.
    pub pending: HashMap<u64, String>,
    /// Bumped whenever what the detail pane shows of triage changes (its lines are laid out
    /// again).
    pub stamp: u64,
    /// The Follow-ups view, while it is the list on screen.
    pub view: Option<FollowUpsView>,
}

/// The team database as its store thread last told.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamConnection {
    pub online: bool,
    /// One sentence (the database named without its password).
    pub detail: String,
    /// Changes kept on this machine, waiting to be sent.
    pub waiting: usize,
}

/// The Follow-ups view: the triaged calls passing its filter (by default every follow-up),
/// oldest first, across providers.
#[derive(Clone, Debug)]
pub struct FollowUpsView {
    pub filter_text: String,
    pub filter: TriageFilter,
    pub cursor: usize,
    pub offset: usize,
}

impl Default for FollowUpsView {
    fn default() -> Self {
        let text = "triage:followup";
        FollowUpsView {
            filter_text: text.into(),
            filter: crate::store::filter::parse(text).unwrap_or_default(),
            cursor: 0,
            offset: 0,
        }
    }
}

impl TriageState {
    /// Who holds a claim on the call of `e` and since when, while it has not expired.
    pub fn claim_of<'a>(
        &self,
        e: &'a Entry,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<(&'a str, chrono::DateTime<chrono::Utc>)> {
        let minutes = self
            .claim_minutes
            .unwrap_or(crate::store::logic::DEFAULT_CLAIM_MINUTES);
        let (who, at) = (e.claimed_by.as_deref()?, e.claimed_at?);
        (at + chrono::Duration::minutes(i64::from(minutes)) > now).then_some((who, at))
    }

    pub fn mark_of(&self, call: &CallRef) -> Mark {
        self.entries.get(call).map_or(Mark::None, |e| e.mark)
    }

    pub fn entry(&self, call: &CallRef) -> Option<&Entry> {
        self.entries.get(call)
    }

    /// Tags in use, for completion, most used first.
    pub fn tags_in_use(&self) -> Vec<String> {
        let mut count: HashMap<&str, usize> = HashMap::new();
        for e in self.entries.values() {
            for t in &e.tags {
                *count.entry(t).or_default() += 1;
            }
        }
        let mut tags: Vec<(&str, usize)> = count.into_iter().collect();
        tags.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        tags.into_iter().map(|(t, _)| t.to_string()).collect()
    }

    /// The rows of the Follow-ups view: the entries passing its filter, oldest first.
    pub fn view_rows(&self) -> Vec<&Entry> {
        let Some(v) = &self.view else {
            return Vec::new();
        };
        let mut rows: Vec<&Entry> = self
            .entries
            .values()
            .filter(|e| v.filter.matches(e))
            .collect();
        rows.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.call.cmp(&b.call)));
        rows
    }

    /// Follow-ups, oldest first.
    pub fn followups(&self) -> Vec<&Entry> {
        let mut v: Vec<&Entry> = self
            .entries
            .values()
            .filter(|e| e.mark == Mark::FollowUp)
            .collect();
        v.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.call.cmp(&b.call)));
        v
    }
}

/// The multi-line note editor (ratatui-textarea), over the note's version `base`.
pub struct NoteEditor {
    pub call: CallRef,
    /// The call's list fields, kept with the note.
    pub snapshot: Option<Call>,
    pub area: ratatui_textarea::TextArea<'static>,
    pub base: i64,
    /// The note as saved when the editor opened (Esc discards changes only when asked twice).
    pub saved_text: String,
    /// Something the editor says (a restored draft, a conflict, a failed save).
    pub notice: Option<String>,
    /// Esc was pressed once over unsaved changes.
    pub confirm_discard: bool,
    /// The save under way.
    pub saving: Option<u64>,
}

impl NoteEditor {
    pub fn new(call: CallRef, snapshot: Option<Call>, text: &str, base: i64, saved: &str) -> Self {
        let lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        let mut area = ratatui_textarea::TextArea::new(lines);
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        NoteEditor {
            call,
            snapshot,
            area,
            base,
            saved_text: saved.to_string(),
            notice: None,
            confirm_discard: false,
            saving: None,
        }
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }
}
