//! The one-line inputs: the list's filter, the transcript search and the sidebar search. The
//! editing keys are ratatui-textarea's; Enter applies, Esc cancels.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::msg::Effect;
use super::super::state::{Input, InputKind, State};
use super::{detail, followups, list, sidebar, triage};

pub(super) fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some((kind, mut input)) = state.input.take() else {
        return Vec::new();
    };
    state.dirty = true;
    match key.code {
        KeyCode::Esc => {
            if let InputKind::ScopeSearch(id) = kind {
                sidebar::set_search(state, id, "");
                return sidebar::server_search(state, id, None);
            }
            return Vec::new();
        }
        KeyCode::Enter => {
            let text = input.text().trim().to_string();
            return match kind {
                InputKind::Filter if state.triage.view.is_some() => {
                    followups::apply_filter(state, text, input)
                }
                InputKind::Filter => list::apply_filter(state, text, input),
                InputKind::Search => {
                    detail::search(state, text);
                    Vec::new()
                }
                InputKind::ScopeSearch(id) => {
                    sidebar::set_search(state, id, "");
                    sidebar::server_search(state, id, Some(text).filter(|t| !t.is_empty()))
                }
                InputKind::Tags => triage::apply_tags(state, &text),
            };
        }
        KeyCode::Tab if kind == InputKind::Tags => {
            if let Some(done) = triage::complete_tag(state, &input.text()) {
                input = Input::new(&done);
            }
        }
        // The shell's line keys, where ratatui-textarea means undo/redo by them.
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            input.area.delete_line_by_head();
        }
        _ => {
            // ratatui-textarea does the editing; Enter and Esc never reach it.
            input.area.input(key);
        }
    }
    if let InputKind::ScopeSearch(id) = kind {
        let text = input.text();
        sidebar::set_search(state, id, &text);
    }
    state.input = Some((kind, input));
    Vec::new()
}
