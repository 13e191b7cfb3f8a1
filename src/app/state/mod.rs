//! The program's state: plain data, changed only by `update`. Each pane's part lives in its own
//! module: [`providers`] (the sidebar), [`list`] (the call list), [`detail`] (the open call).

pub mod detail;
pub mod list;
pub mod player;
pub mod privacy;
pub mod providers;
pub mod triage;

pub use detail::{DetailPane, Search};
pub use list::{CallList, ListFilter, LiveMode, MergedList, Paging, Rows, Source, Viewport};
pub use player::PlayerPane;
pub use privacy::PrivacyState;
pub use providers::{ProviderEntry, Scopes, SidebarRow};
pub use triage::{FollowUpsView, NoteEditor, TriageState};

use chrono::{DateTime, Utc};

use crate::layout::{Areas, Screen, areas};
use crate::model::{Capabilities, ProviderId, TimeZoneSetting};

/// Identifies one request; an answer whose id is no longer the current one is dropped.
pub type ReqId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Sidebar,
    List,
    Detail,
}

/// A line of text being typed: the filter, a transcript search, a search of one provider's
/// parents (agents, patients, …), which belongs to the provider it was started on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Search,
    ScopeSearch(ProviderId),
    /// Tags to add (`word`) or remove (`-word`) on the calls the change is for.
    Tags,
}

/// A one-line text input (ratatui-textarea does the editing keys).
pub struct Input {
    pub area: ratatui_textarea::TextArea<'static>,
}

impl Input {
    pub fn new(text: &str) -> Input {
        let mut area = ratatui_textarea::TextArea::new(vec![text.to_string()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        area.set_cursor_line_style(ratatui::style::Style::default());
        Input { area }
    }

    pub fn text(&self) -> String {
        self.area.lines().join(" ")
    }
}

/// What a status line is about, so that the program clears its own notes by what they are,
/// never by matching their text (vendor text could look the same).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Topic {
    /// Anything else: stays until something replaces it.
    #[default]
    General,
    /// "N live call(s) could not be read": goes with the next snapshot that reads everything.
    LiveUnreadable,
}

/// The status line: the newest message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub is_error: bool,
    pub topic: Topic,
}

pub struct State {
    pub providers: Vec<ProviderEntry>,
    pub sidebar_cursor: usize,
    /// The sidebar is hidden (`b`), for a wider list on a narrow terminal.
    pub sidebar_hidden: bool,
    /// The provider whose calls the program opens on, until they are on screen.
    pub opening: Option<ProviderId>,
    pub list: CallList,
    pub detail: DetailPane,
    /// The recording playing (or paused), if any.
    pub player: Option<PlayerPane>,
    /// The last playback session started.
    pub player_sessions: u64,
    /// Where `s` saves recordings.
    pub save_dir: std::path::PathBuf,
    /// Marks, notes and tags (the triage store's data).
    pub triage: TriageState,
    pub focus: Focus,
    pub input: Option<(InputKind, Input)>,
    pub help: bool,
    /// First line of the help shown (it scrolls when taller than the screen).
    pub help_scroll: usize,
    pub status: Status,
    /// Privacy mode (`P`, `--redact`): names and numbers masked, transcripts hidden.
    pub privacy: PrivacyState,
    pub demo: bool,
    /// The config file read (`None` for the demo): errors and hints name it.
    pub config_path: Option<String>,
    pub time_zone: TimeZoneSetting,
    pub page_size: u32,
    /// The most calls one list holds (`[ui] max_list_calls`).
    pub max_list_calls: usize,
    /// Terminal size in cells.
    pub size: (u16, u16),
    pub next_req: ReqId,
    /// Set by `update` when the screen must be drawn again.
    pub dirty: bool,
    pub quit: bool,
    /// The clock used for filters like `today` and the Live view's timing (fixed in tests).
    pub now: fn() -> DateTime<Utc>,
}

impl State {
    pub fn new(providers: Vec<ProviderEntry>, demo: bool, time_zone: TimeZoneSetting) -> State {
        State {
            providers,
            sidebar_cursor: 0,
            sidebar_hidden: false,
            opening: None,
            list: CallList::default(),
            detail: DetailPane::default(),
            player: None,
            player_sessions: 0,
            save_dir: std::path::PathBuf::from("."),
            triage: TriageState::default(),
            focus: Focus::List,
            input: None,
            help: false,
            help_scroll: 0,
            status: Status::default(),
            privacy: PrivacyState::default(),
            demo,
            config_path: None,
            time_zone,
            page_size: 100,
            max_list_calls: crate::model::DEFAULT_MAX_LIST_CALLS,
            size: (80, 24),
            next_req: 1,
            dirty: true,
            quit: false,
            now: Utc::now,
        }
    }

    pub fn req(&mut self) -> ReqId {
        let id = self.next_req;
        self.next_req += 1;
        id
    }

    pub fn provider(&self, id: ProviderId) -> &ProviderEntry {
        &self.providers[id.index()]
    }

    pub fn provider_mut(&mut self, id: ProviderId) -> &mut ProviderEntry {
        &mut self.providers[id.index()]
    }

    /// What provider `id` can do (a copy: it is a few words).
    pub fn caps(&self, id: ProviderId) -> Capabilities {
        self.provider(id).info.capabilities.clone()
    }

    /// What decides where the panes go.
    pub fn screen(&self) -> Screen {
        Screen {
            size: self.size,
            detail_open: self.detail.key.is_some(),
            detail_focused: self.focus == Focus::Detail,
            sidebar_hidden: self.sidebar_hidden,
        }
    }

    /// Where the panes are now.
    pub fn areas(&self) -> Areas {
        areas(self.screen())
    }

    /// The player shown in the detail pane: the one of the open call.
    pub fn shown_player(&self) -> Option<&PlayerPane> {
        self.player
            .as_ref()
            .filter(|p| self.detail.key.as_ref() == Some(&p.key))
    }

    /// Lines of text the detail pane shows under the player bar; at least 1.
    pub fn detail_text_rows(&self) -> usize {
        let bar = self.shown_player().map_or(0, PlayerPane::rows);
        self.areas().detail_rows().saturating_sub(bar).max(1)
    }

    /// The sidebar's rows in order.
    pub fn sidebar_rows(&self) -> Vec<SidebarRow> {
        let mut rows = Vec::new();
        if self.providers.iter().filter(|p| p.usable()).count() >= 2 {
            rows.push(SidebarRow::AllCalls);
        }
        if self.triage.path.is_some() {
            rows.push(SidebarRow::FollowUps);
        }
        rows.extend(providers::sidebar_rows(&self.providers));
        rows
    }

    /// The provider of the sidebar row under the cursor.
    pub fn sidebar_provider(&self) -> Option<ProviderId> {
        self.sidebar_rows()
            .get(self.sidebar_cursor)
            .and_then(SidebarRow::provider)
    }

    /// Puts the sidebar cursor on `row`, if it is shown.
    pub fn sidebar_to(&mut self, row: SidebarRow) {
        if let Some(i) = self.sidebar_rows().iter().position(|r| *r == row) {
            self.sidebar_cursor = i;
        }
    }

    pub fn set_status(&mut self, text: impl Into<String>, is_error: bool) {
        self.status = Status {
            text: text.into(),
            is_error,
            topic: Topic::General,
        };
        self.dirty = true;
    }

    /// A note about `topic`, which the program itself may clear later ([`State::clear_note`]).
    pub fn set_note(&mut self, topic: Topic, text: impl Into<String>) {
        self.status = Status {
            text: text.into(),
            is_error: false,
            topic,
        };
        self.dirty = true;
    }

    /// Clears the status line if it holds a note about `topic`.
    pub fn clear_note(&mut self, topic: Topic) {
        if self.status.topic == topic && topic != Topic::General {
            self.status = Status::default();
            self.dirty = true;
        }
    }
}
