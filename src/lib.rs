//! callbrowser: a terminal call browser for the call records of AI phone agent and telephony APIs.

pub mod app;
pub mod audio;
pub mod cli;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod display;
pub mod fixtures;
pub mod http;
pub mod layout;
pub mod logging;
pub mod model;
pub mod output;
pub mod privacy;
pub mod providers;
pub mod settings;
pub mod setup;
pub mod store;
pub mod tui;
pub mod ui;
