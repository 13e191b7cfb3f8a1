//! Raw-HTTP tests of the Welkin emulator (written against the documented API only).

mod faults;
mod lists;
mod recordings;
mod support;
mod tokens;
