//! The recording test controls of the emulators over real HTTP: fixtures served with each
//! vendor's delivery and the recording link (throttle, latency, a dropped connection).

mod fixtures;
mod link;
mod support;
