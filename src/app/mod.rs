//! The application: state, messages, `update`, the effects it asks for, and the loop.

pub mod keymap;
pub mod msg;
pub mod run;
pub mod state;
pub mod update;
