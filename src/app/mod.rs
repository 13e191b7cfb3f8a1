//! The application: state, messages, `update` (the effects and subscriptions it asks for) and
//! the job runner that carries them out. `app` never imports `ui`; the loop that joins them to
//! the terminal is [`crate::tui`].

pub mod help;
pub mod jobs;
pub mod keymap;
pub mod msg;
pub mod state;
pub mod update;
