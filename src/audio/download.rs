//! Downloads a call's recording into memory ([`Recording`]) in one sequential read, and carries
//! on after trouble: a dropped connection resumes at the byte it reached with `Range` (a server
//! that ignores `Range` is read again from the start and skipped forward); every reopening asks
//! the provider again, so an expired signed URL is replaced by a fresh one; a body shorter than
//! its announced length is tried again and then ends with a sentence, never a hang.

use std::sync::Arc;
use std::time::Duration;

use super::buffer::{Fill, Recording};
use crate::providers::{Provider, ProviderError, RecordingStream};

/// How often a download is reopened without getting a single new byte before it gives up.
pub const MAX_REOPENS: u32 = 4;

/// What the download tells while it works.
#[derive(Clone, Debug, PartialEq)]
pub enum DownloadEvent {
    /// The answer started: its content type and length when the server says them.
    Started {
        content_type: Option<String>,
        total: Option<u64>,
    },
    /// Bytes so far.
    Progress {
        bytes: u64,
        total: Option<u64>,
    },
    /// The connection broke or ended early at `at` bytes; reopening (attempt `attempt`).
    Resuming {
        at: u64,
        attempt: u32,
        cause: String,
    },
    Complete {
        bytes: u64,
    },
    Failed {
        reason: String,
    },
}

/// Which recording, from whom.
#[derive(Clone)]
pub struct Source {
    pub provider: Arc<dyn Provider>,
    pub scope: Option<String>,
    pub id: String,
}

/// Downloads the whole recording into `rec`, telling `tell` what happens. Returns when every
/// byte is there or the download gave up (`rec` says which).
pub async fn download(src: Source, rec: Recording, tell: impl Fn(DownloadEvent)) {
    let mut attempt = 0u32;
    let mut started = false;
    loop {
        let at = rec.len();
        let before = at;
        let cause = match src
            .provider
            .open_recording(src.scope.as_deref(), &src.id, at)
            .await
        {
            Ok(stream) => {
                if !started {
                    started = true;
                    tell(DownloadEvent::Started {
                        content_type: stream.content_type.clone(),
                        total: whole_length(&stream),
                    });
                }
                match read_body(stream, at, &rec, &tell).await {
                    Ok(()) => {
                        let bytes = rec.len();
                        rec.finish(Fill::Complete);
                        tell(DownloadEvent::Complete { bytes });
                        return;
                    }
                    Err(Broke::Retry(cause)) => cause,
                    Err(Broke::GiveUp(reason)) => return give_up(&rec, &tell, reason),
                }
            }
            // A refusal or "not found" will not change by asking again.
            Err(e) if !worth_retrying(&e) => return give_up(&rec, &tell, e.to_string()),
            Err(e) => e.to_string(),
        };
        if rec.len() > before {
            attempt = 0; // progress was made: the next trouble starts a fresh count
        }
        attempt += 1;
        if attempt > MAX_REOPENS {
            let reason = format!(
                "{cause}; gave up after {MAX_REOPENS} attempts at {} of {}",
                bytes_text(rec.len()),
                rec.total()
                    .map_or("an unknown number of bytes".into(), bytes_text)
            );
            return give_up(&rec, &tell, reason);
        }
        tell(DownloadEvent::Resuming {
            at: rec.len(),
            attempt,
            cause,
        });
        tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
    }
}

fn give_up(rec: &Recording, tell: &impl Fn(DownloadEvent), reason: String) {
    rec.finish(Fill::Failed(reason.clone()));
    tell(DownloadEvent::Failed { reason });
}

fn worth_retrying(e: &ProviderError) -> bool {
    matches!(
        e,
        ProviderError::Offline { .. }
            | ProviderError::RateLimited { .. }
            | ProviderError::Vendor { .. }
    )
}

/// The whole file's length as this answer tells it.
fn whole_length(s: &RecordingStream) -> Option<u64> {
    s.total_len.filter(|_| s.starts_at == 0 || s.accepts_ranges)
}

fn bytes_text(n: u64) -> String {
    if n >= 10_000 {
        format!("{} KB", n / 1000)
    } else {
        format!("{n} bytes")
    }
}

/// Why a body did not bring the rest of the recording.
enum Broke {
    /// It broke off or ended early: worth reopening.
    Retry(String),
    /// Reopening cannot help.
    GiveUp(String),
}

/// Reads one answer's body into `rec`, which holds `at` bytes already: skips what a server that
/// starts elsewhere sends again. `Err` when the body broke off or ended before its announced
/// length, or is another file than the one begun.
async fn read_body(
    mut stream: RecordingStream,
    at: u64,
    rec: &Recording,
    tell: &impl Fn(DownloadEvent),
) -> Result<(), Broke> {
    if stream.starts_at > at {
        return Err(Broke::Retry(format!(
            "the server answered from byte {} when asked from byte {at}",
            stream.starts_at
        )));
    }
    if let Some(total) = whole_length(&stream) {
        // Bytes of another file would be spliced onto the ones here.
        if let Some(before) = rec.total().filter(|before| *before != total) {
            return Err(Broke::GiveUp(format!(
                "the recording changed on the server while it downloaded (it is {} now, {} \
                 before); open it again",
                bytes_text(total),
                bytes_text(before)
            )));
        }
        rec.set_total(total);
    }
    // A server that ignores Range sends the file from its start: skip what is here already.
    let mut skip = at - stream.starts_at;
    loop {
        match stream.chunk().await {
            Ok(Some(chunk)) => {
                let n = chunk.len() as u64;
                if skip >= n {
                    skip -= n;
                    continue;
                }
                rec.append(&chunk[skip as usize..]);
                skip = 0;
                tell(DownloadEvent::Progress {
                    bytes: rec.len(),
                    total: rec.total(),
                });
            }
            Ok(None) => break,
            Err(e) => return Err(Broke::Retry(e.to_string())),
        }
    }
    match rec.total() {
        Some(total) if rec.len() < total => Err(Broke::Retry(format!(
            "the recording ended early, at {} of {}",
            bytes_text(rec.len()),
            bytes_text(total)
        ))),
        _ => Ok(()),
    }
}
