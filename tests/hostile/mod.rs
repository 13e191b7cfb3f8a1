//! Hostile vendor input for the screen test: the strings, a provider that sends them, and a
//! terminal emulated from the bytes.
#![allow(dead_code)]

pub mod provider;
pub mod strings;
pub mod term;
