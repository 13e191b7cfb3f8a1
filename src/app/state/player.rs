//! The player's part of the state: which call's recording plays, what the player last told
//! (state, position, length, speed, volume, channel), the waveform so far, and the turn times
//! derived from the audio.

use crate::audio::player::{PlayerCmd, Status};
use crate::audio::turns::TurnTime;
use crate::model::CallKey;

pub struct PlayerPane {
    /// Identifies this playback (a new one for every start): events of an older one are dropped.
    pub session: u64,
    /// The call whose recording plays.
    pub key: CallKey,
    pub status: Status,
    /// Waveform levels (0–255) per channel, one per `audio::analysis::BUCKET_SECS`.
    pub waveform: Vec<Vec<u8>>,
    /// Each transcript turn's time in the recording (estimated from the audio), once analysed.
    pub turns: Vec<TurnTime>,
    /// Starts of speech segments: where `[` and `]` go when there is no transcript.
    pub jump_points: Vec<f64>,
    /// The transcript follows the turn being heard.
    pub follow: bool,
    /// The turn being heard (highlighted).
    pub heard: Option<usize>,
    /// The no-device sentence was said already.
    pub told_no_device: bool,
    /// Started playing (off: downloaded and ready, paused — to save it).
    pub autoplay: bool,
    /// Commands sent as soon as the player runs.
    pub first: Vec<PlayerCmd>,
}

impl PlayerPane {
    pub fn new(session: u64, key: CallKey) -> PlayerPane {
        PlayerPane {
            session,
            key,
            status: Status::default(),
            waveform: Vec::new(),
            turns: Vec::new(),
            jump_points: Vec::new(),
            follow: true,
            heard: None,
            told_no_device: false,
            autoplay: true,
            first: Vec::new(),
        }
    }

    /// Rows the player bar takes in the detail pane: the status line and a waveform row per
    /// channel shown (two for stereo: agent and caller).
    pub fn rows(&self) -> usize {
        1 + usize::from(self.status.channels.clamp(1, 2))
    }
}
