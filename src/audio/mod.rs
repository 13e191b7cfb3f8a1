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
pub mod turns;

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

/// A file name (without extension) for a recording: the provider's name and the call id, kept to
/// characters every file system takes.
pub fn file_stem(provider: &str, call_id: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect()
    };
    format!("{}-{}", clean(provider), clean(call_id))
}

/// Where the program saves recordings: the user's download folder, else the current one.
pub fn save_dir() -> std::path::PathBuf {
    directories::UserDirs::new()
        .and_then(|u| u.download_dir().map(Path::to_path_buf))
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}

/// Saves `bytes` as `stem.ext`, or `stem-2.ext`, `stem-3.ext`, … when that file exists (an
/// existing file is never replaced). Returns the path written.
pub fn save_new(stem: &Path, ext: &str, bytes: &[u8]) -> std::io::Result<std::path::PathBuf> {
    let name = stem
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "recording".into());
    for n in 1..1000 {
        let file = if n == 1 {
            format!("{name}.{ext}")
        } else {
            format!("{name}-{n}.{ext}")
        };
        let path = stem.with_file_name(file);
        match write_private(&path, bytes) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "a thousand files of that name exist already",
    ))
}

/// What the turn alignment needs of a transcript: each turn's speaker and the length of its text.
pub fn turn_infos(transcript: &[crate::model::Turn]) -> Vec<turns::TurnInfo> {
    use crate::model::Speaker;
    transcript
        .iter()
        .map(|t| turns::TurnInfo {
            speaker: match t.speaker {
                Speaker::Agent => turns::Speaker::Agent,
                Speaker::Caller => turns::Speaker::Caller,
                Speaker::Other(_) => turns::Speaker::Unknown,
            },
            chars: t
                .text
                .chars()
                .filter(|c| c.is_alphanumeric())
                .count()
                .max(1),
        })
        .collect()
}
