//! Raw-HTTP tests of the TalkPilot emulator (written against the public API only).

mod access;
mod data;
mod details;
mod limits;
mod lists;
mod storage;
mod support;
