//! Raw-HTTP tests of the Voxeme emulator (written against the public API and the vendor file).

mod access;
mod data;
mod limits;
mod live;
mod recent_calls;
mod recordings;
mod support;
