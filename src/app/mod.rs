//! The application: state, messages, `update` (the effects and subscriptions it asks for), the
//! job runner that carries them out, and the loop. `app` never imports `ui`.

pub mod jobs;
pub mod keymap;
pub mod msg;
pub mod run;
pub mod state;
pub mod update;
