//! The keymap: the one table that turns keys into intents. Help (`?`) and the key-hint bar are
//! generated from it, so they never drift from the bindings.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::Focus;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Collapse,
    Expand,
    Filter,
    ClearFilter,
    Search,
    NextMatch,
    PrevMatch,
    Refresh,
    Live,
    Suspend,
    PlayPause,
    SeekBack,
    SeekForward,
    SeekBackLong,
    SeekForwardLong,
    /// A digit: to 0–90 % of the recording.
    JumpPercent,
    Slower,
    Faster,
    VolumeDown,
    VolumeUp,
    Channel,
    PrevTurn,
    NextTurn,
    Follow,
    PlayTurn,
    SaveRecording,
    StopPlayer,
    MarkFollowUp,
    /// "I'm calling back": claim the call (again: give the claim back).
    Claim,
    MarkDone,
    ClearMark,
    EditNote,
    Tags,
    Select,
    NextFollowUp,
    SortNext,
    SortFlip,
    ToggleSidebar,
    CopyId,
    /// Privacy mode on or off.
    Privacy,
    /// In privacy mode: show (or hide again) the open call's transcript.
    Reveal,
}

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Global,
    Pane(Focus),
}

pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the keys are written in help.
    pub label: &'static str,
    pub context: Context,
    pub action: Action,
    pub help: &'static str,
    /// Shown in the key-hint bar.
    pub hint: bool,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SIDEBAR: Context = Context::Pane(Focus::Sidebar);
const LIST: Context = Context::Pane(Focus::List);
const DETAIL: Context = Context::Pane(Focus::Detail);

macro_rules! b {
    ($label:expr, $ctx:expr, $action:expr, $help:expr, $hint:expr, [$($k:expr),+]) => {
        Binding { keys: &[$($k),+], label: $label, context: $ctx, action: $action, help: $help, hint: $hint }
    };
}

/// Every binding, in the order help shows them. Pane bindings are looked up before global ones.
pub static BINDINGS: &[Binding] = &[
    b!(
        "q",
        Context::Global,
        Action::Quit,
        "quit",
        true,
        [(KeyCode::Char('q'), NONE)]
    ),
    b!(
        "?",
        Context::Global,
        Action::Help,
        "show or hide this help",
        true,
        [(KeyCode::Char('?'), NONE), (KeyCode::Char('?'), SHIFT)]
    ),
    b!(
        "Tab",
        Context::Global,
        Action::FocusNext,
        "next pane",
        true,
        [(KeyCode::Tab, NONE)]
    ),
    b!(
        "S-Tab",
        Context::Global,
        Action::FocusPrev,
        "previous pane",
        false,
        [(KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)]
    ),
    b!(
        "j ↓",
        Context::Global,
        Action::Down,
        "down",
        false,
        [(KeyCode::Char('j'), NONE), (KeyCode::Down, NONE)]
    ),
    b!(
        "k ↑",
        Context::Global,
        Action::Up,
        "up",
        false,
        [(KeyCode::Char('k'), NONE), (KeyCode::Up, NONE)]
    ),
    b!(
        "C-d PgDn",
        Context::Global,
        Action::PageDown,
        "page down",
        false,
        [(KeyCode::PageDown, NONE), (KeyCode::Char('d'), CTRL)]
    ),
    b!(
        "C-u PgUp",
        Context::Global,
        Action::PageUp,
        "page up",
        false,
        [(KeyCode::PageUp, NONE), (KeyCode::Char('u'), CTRL)]
    ),
    b!(
        "g Home",
        Context::Global,
        Action::Top,
        "first",
        false,
        [(KeyCode::Char('g'), NONE), (KeyCode::Home, NONE)]
    ),
    b!(
        "G End",
        Context::Global,
        Action::Bottom,
        "last (loads every page)",
        false,
        [
            (KeyCode::Char('G'), SHIFT),
            (KeyCode::Char('G'), NONE),
            (KeyCode::End, NONE)
        ]
    ),
    b!(
        "r",
        Context::Global,
        Action::Refresh,
        "reload",
        false,
        [(KeyCode::Char('r'), NONE)]
    ),
    b!(
        "L",
        Context::Global,
        Action::Live,
        "live calls of the account (again: leave)",
        false,
        [(KeyCode::Char('L'), SHIFT), (KeyCode::Char('L'), NONE)]
    ),
    b!(
        "C-z",
        Context::Global,
        Action::Suspend,
        "suspend to the shell",
        false,
        [(KeyCode::Char('z'), CTRL)]
    ),
    b!(
        "C-c",
        Context::Global,
        Action::Quit,
        "quit",
        false,
        [(KeyCode::Char('c'), CTRL)]
    ),
    b!(
        "Enter l →",
        SIDEBAR,
        Action::Open,
        "show this provider's or agent's calls",
        true,
        [
            (KeyCode::Enter, NONE),
            (KeyCode::Char('l'), NONE),
            (KeyCode::Right, NONE)
        ]
    ),
    b!(
        "h ←",
        SIDEBAR,
        Action::Collapse,
        "fold a provider",
        false,
        [(KeyCode::Char('h'), NONE), (KeyCode::Left, NONE)]
    ),
    b!(
        "/",
        SIDEBAR,
        Action::Filter,
        "search (Enter asks the server)",
        true,
        [(KeyCode::Char('/'), NONE)]
    ),
    b!(
        "Enter l →",
        LIST,
        Action::Open,
        "open the call",
        true,
        [
            (KeyCode::Enter, NONE),
            (KeyCode::Char('l'), NONE),
            (KeyCode::Right, NONE)
        ]
    ),
    b!(
        "h ←",
        LIST,
        Action::Back,
        "back to the sidebar",
        false,
        [(KeyCode::Char('h'), NONE), (KeyCode::Left, NONE)]
    ),
    b!(
        "/",
        LIST,
        Action::Filter,
        "filter (text, key:value)",
        true,
        [(KeyCode::Char('/'), NONE)]
    ),
    b!(
        "Esc",
        LIST,
        Action::ClearFilter,
        "stop G's loading, or clear the filter",
        false,
        [(KeyCode::Esc, NONE)]
    ),
    b!(
        "/",
        DETAIL,
        Action::Search,
        "search the transcript",
        true,
        [(KeyCode::Char('/'), NONE)]
    ),
    b!(
        "n",
        DETAIL,
        Action::NextMatch,
        "next match",
        true,
        [(KeyCode::Char('n'), NONE)]
    ),
    b!(
        "N",
        DETAIL,
        Action::PrevMatch,
        "previous match",
        true,
        [(KeyCode::Char('N'), SHIFT), (KeyCode::Char('N'), NONE)]
    ),
    b!(
        "Esc h ←",
        DETAIL,
        Action::Back,
        "back to the list",
        true,
        [
            (KeyCode::Esc, NONE),
            (KeyCode::Char('h'), NONE),
            (KeyCode::Left, NONE)
        ]
    ),
    b!(
        "m",
        Context::Global,
        Action::MarkFollowUp,
        "mark for follow-up (the selected rows, or the call)",
        true,
        [(KeyCode::Char('m'), NONE)]
    ),
    b!(
        "C",
        Context::Global,
        Action::Claim,
        "claim: I'm calling back (again: give it back)",
        false,
        [(KeyCode::Char('C'), SHIFT), (KeyCode::Char('C'), NONE)]
    ),
    b!(
        "d",
        Context::Global,
        Action::MarkDone,
        "mark done",
        false,
        [(KeyCode::Char('d'), NONE)]
    ),
    b!(
        "u",
        Context::Global,
        Action::ClearMark,
        "clear the mark",
        false,
        [(KeyCode::Char('u'), NONE)]
    ),
    b!(
        "e",
        Context::Global,
        Action::EditNote,
        "write the note (kept as you type; Ctrl-S saves)",
        false,
        [(KeyCode::Char('e'), NONE)]
    ),
    b!(
        "t",
        Context::Global,
        Action::Tags,
        "tags: word adds, -word removes, Tab completes",
        false,
        [(KeyCode::Char('t'), NONE)]
    ),
    b!(
        "F",
        Context::Global,
        Action::NextFollowUp,
        "open the next follow-up (oldest first, across providers)",
        false,
        [(KeyCode::Char('F'), SHIFT), (KeyCode::Char('F'), NONE)]
    ),
    b!(
        "y",
        LIST,
        Action::CopyId,
        "copy the call's id (for `callbrowser show`)",
        false,
        [(KeyCode::Char('y'), NONE)]
    ),
    b!(
        "y",
        DETAIL,
        Action::CopyId,
        "copy the call's id (the one `callbrowser show` takes) to the clipboard",
        false,
        [(KeyCode::Char('y'), NONE)]
    ),
    b!(
        "b",
        Context::Global,
        Action::ToggleSidebar,
        "hide or show the sidebar",
        false,
        [(KeyCode::Char('b'), NONE)]
    ),
    b!(
        "o",
        LIST,
        Action::SortNext,
        "sort by the next column",
        false,
        [(KeyCode::Char('o'), NONE)]
    ),
    b!(
        "O",
        LIST,
        Action::SortFlip,
        "reverse the sort",
        false,
        [(KeyCode::Char('O'), SHIFT), (KeyCode::Char('O'), NONE)]
    ),
    b!(
        "P",
        Context::Global,
        Action::Privacy,
        "privacy mode: names and numbers masked, no transcripts",
        false,
        [(KeyCode::Char('P'), SHIFT), (KeyCode::Char('P'), NONE)]
    ),
    b!(
        "Space",
        LIST,
        Action::Select,
        "select the row (m, d, u and t apply to all selected)",
        false,
        [(KeyCode::Char(' '), NONE)]
    ),
    b!(
        "Space p",
        DETAIL,
        Action::PlayPause,
        "play or pause the recording (resumes 2 s back)",
        false,
        [(KeyCode::Char(' '), NONE), (KeyCode::Char('p'), NONE)]
    ),
    b!(
        ",",
        DETAIL,
        Action::SeekBack,
        "back 5 s",
        false,
        [(KeyCode::Char(','), NONE)]
    ),
    b!(
        ".",
        DETAIL,
        Action::SeekForward,
        "forward 5 s",
        false,
        [(KeyCode::Char('.'), NONE)]
    ),
    b!(
        "<",
        DETAIL,
        Action::SeekBackLong,
        "back 30 s",
        false,
        [(KeyCode::Char('<'), NONE), (KeyCode::Char('<'), SHIFT)]
    ),
    b!(
        ">",
        DETAIL,
        Action::SeekForwardLong,
        "forward 30 s",
        false,
        [(KeyCode::Char('>'), NONE), (KeyCode::Char('>'), SHIFT)]
    ),
    b!(
        "0–9",
        DETAIL,
        Action::JumpPercent,
        "to 0 %, 10 %, … 90 % of the recording",
        false,
        [
            (KeyCode::Char('0'), NONE),
            (KeyCode::Char('1'), NONE),
            (KeyCode::Char('2'), NONE),
            (KeyCode::Char('3'), NONE),
            (KeyCode::Char('4'), NONE),
            (KeyCode::Char('5'), NONE),
            (KeyCode::Char('6'), NONE),
            (KeyCode::Char('7'), NONE),
            (KeyCode::Char('8'), NONE),
            (KeyCode::Char('9'), NONE)
        ]
    ),
    b!(
        "-",
        DETAIL,
        Action::Slower,
        "slower (0.5× at the least; the pitch stays)",
        false,
        [(KeyCode::Char('-'), NONE)]
    ),
    b!(
        "+ =",
        DETAIL,
        Action::Faster,
        "faster (2.5× at the most; the pitch stays)",
        false,
        [
            (KeyCode::Char('+'), NONE),
            (KeyCode::Char('+'), SHIFT),
            (KeyCode::Char('='), NONE)
        ]
    ),
    b!(
        "v",
        DETAIL,
        Action::VolumeDown,
        "volume down",
        false,
        [(KeyCode::Char('v'), NONE)]
    ),
    b!(
        "V",
        DETAIL,
        Action::VolumeUp,
        "volume up",
        false,
        [(KeyCode::Char('V'), SHIFT), (KeyCode::Char('V'), NONE)]
    ),
    b!(
        "c",
        DETAIL,
        Action::Channel,
        "stereo: both channels, the agent's, the caller's",
        false,
        [(KeyCode::Char('c'), NONE)]
    ),
    b!(
        "[",
        DETAIL,
        Action::PrevTurn,
        "previous turn (its start when well into one)",
        false,
        [(KeyCode::Char('['), NONE)]
    ),
    b!(
        "]",
        DETAIL,
        Action::NextTurn,
        "next turn",
        false,
        [(KeyCode::Char(']'), NONE)]
    ),
    b!(
        "f",
        DETAIL,
        Action::Follow,
        "the transcript follows the turn heard, or stays",
        false,
        [(KeyCode::Char('f'), NONE)]
    ),
    b!(
        "Enter",
        DETAIL,
        Action::PlayTurn,
        "play from the turn in view (or the search match)",
        false,
        [(KeyCode::Enter, NONE)]
    ),
    b!(
        "s",
        DETAIL,
        Action::SaveRecording,
        "save the recording to a file",
        false,
        [(KeyCode::Char('s'), NONE)]
    ),
    b!(
        "x",
        DETAIL,
        Action::StopPlayer,
        "stop playing and close the player",
        false,
        [(KeyCode::Char('x'), NONE)]
    ),
    b!(
        "R",
        DETAIL,
        Action::Reveal,
        "privacy mode: show or hide this call's transcript",
        false,
        [(KeyCode::Char('R'), SHIFT), (KeyCode::Char('R'), NONE)]
    ),
];

fn matches(b: &Binding, key: &KeyEvent) -> bool {
    b.keys
        .iter()
        .any(|(code, mods)| *code == key.code && *mods == key.modifiers)
}

/// The action a key means in the focused pane (pane bindings win over global ones).
pub fn action_for(focus: Focus, key: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.context == Context::Pane(focus))
        .chain(BINDINGS.iter().filter(|b| b.context == Context::Global))
        .find(|b| matches(b, key))
        .map(|b| b.action)
}

/// The bindings that apply in a pane, pane ones first (for help and hints).
pub fn bindings_for(focus: Focus) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| b.context == Context::Pane(focus))
        .chain(BINDINGS.iter().filter(|b| b.context == Context::Global))
}

/// Pairs of bindings in one context that share a key (a bug in the table).
pub fn conflicts() -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    for (i, a) in BINDINGS.iter().enumerate() {
        for b in &BINDINGS[i + 1..] {
            if a.context == b.context && a.keys.iter().any(|k| b.keys.contains(k)) {
                out.push((a.help, b.help));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_conflicts() {
        assert_eq!(conflicts(), vec![]);
    }

    #[test]
    fn pane_bindings_win() {
        let slash = KeyEvent::new(KeyCode::Char('/'), NONE);
        assert_eq!(action_for(Focus::List, &slash), Some(Action::Filter));
        assert_eq!(action_for(Focus::Detail, &slash), Some(Action::Search));
        let q = KeyEvent::new(KeyCode::Char('q'), NONE);
        assert_eq!(action_for(Focus::Detail, &q), Some(Action::Quit));
        let x = KeyEvent::new(KeyCode::Char('x'), NONE);
        assert_eq!(action_for(Focus::List, &x), None);
    }
}
