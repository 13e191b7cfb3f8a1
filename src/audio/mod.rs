//! Recordings that play while they stream (see `../shared/AUDIO.md` for the traps this design
//! avoids): the download into memory ([`download`], [`buffer`]), and — built on them — the
//! decoder, the time-stretch, the output and the player actor.

pub mod analysis;
pub mod buffer;
pub mod decode;
pub mod download;
pub mod engine;
pub mod output;
pub mod player;

use std::io::Write;
use std::path::Path;

/// The file extension of a recording: from its first bytes when they say (a vendor's content
/// type is sometimes generic), else from its content type.
pub fn extension_of(content_type: Option<&str>, bytes: &[u8]) -> &'static str {
    match bytes {
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'A',
            b'V',
            b'E',
            ..,
        ] => return "wav",
        [b'I', b'D', b'3', ..] => return "mp3",
        [0xFF, b, ..] if b & 0xE0 == 0xE0 => return "mp3",
        [b'O', b'g', b'g', b'S', ..] => return "ogg",
        [b'f', b'L', b'a', b'C', ..] => return "flac",
        _ => {}
    }
    let t = content_type.unwrap_or_default().to_ascii_lowercase();
    if t.contains("mpeg") || t.contains("mp3") {
        "mp3"
    } else if t.contains("wav") {
        "wav"
    } else if t.contains("ogg") {
        "ogg"
    } else if t.contains("flac") {
        "flac"
    } else {
        "audio"
    }
}

/// Writes `bytes` to a new file readable only by its owner (recordings are patient audio),
/// refusing to replace an existing file.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
