//! Raw-HTTP tests of the AlloMia emulator (answers as the vendor documents them).

mod access;
mod data;
mod details;
mod faults;
mod lists;
mod storage;
mod support;
