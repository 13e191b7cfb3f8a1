//! The recording test controls of the emulators over real HTTP: fixtures served with each
//! vendor's delivery, the recording link (throttle, latency, a dropped connection) and signed
//! URLs expired during a download.

mod expiry;
mod fixtures;
mod link;
mod support;
