//! Recordings that play while they stream (see `../shared/AUDIO.md` for the traps this design
//! avoids): the download into memory ([`download`], [`buffer`]), and — built on them — the
//! decoder, the time-stretch, the output and the player actor.

pub mod buffer;
pub mod decode;
pub mod download;
pub mod turns;
