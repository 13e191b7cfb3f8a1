//! `callbrowser recording ID`: saves a call's recording with its real extension (`-o -` writes it
//! to standard output for a pipe). The same download as the player's: resumed after a dropped
//! connection, re-signed when a signed link expires.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use super::out::{self, Usage};
use super::{RecordingArgs, exit};
use crate::audio::buffer::{Fill, Recording};
use crate::audio::download::{DownloadEvent, Source, download};
use crate::config::Config;
use crate::model::{CallDetail, RecordingRef};
use crate::providers::Provider;

/// Why `d` has no recording to fetch, or `None` when it has one.
pub(super) fn no_recording(p: &dyn Provider, d: &CallDetail) -> Option<String> {
    let id = crate::display::sanitize(&d.call.id).into_owned();
    match d.recording {
        RecordingRef::SignedUrl { .. } | RecordingRef::Endpoint { .. } => None,
        RecordingRef::Purged => Some(format!("{}: the recording of {id} was purged", p.label())),
        RecordingRef::Missing => Some(format!("{}: call {id} has no recording", p.label())),
        RecordingRef::NotOffered => Some(format!("{} does not offer recordings", p.label())),
    }
}

/// Downloads the recording of call `id` (under `scope`) into memory, telling the progress on
/// standard error when it is a terminal. Returns the bytes and the content type.
pub(super) async fn fetch(
    p: Arc<dyn Provider>,
    scope: Option<String>,
    id: String,
) -> anyhow::Result<(Vec<u8>, Option<String>)> {
    let rec = Recording::new();
    let content_type = Arc::new(Mutex::new(None));
    let ct = content_type.clone();
    let progress = std::io::stderr().is_terminal();
    let src = Source {
        provider: p,
        scope,
        id,
    };
    download(src, rec.clone(), move |e| match e {
        DownloadEvent::Started { content_type, .. } => {
            *ct.lock().unwrap_or_else(|e| e.into_inner()) = content_type;
        }
        DownloadEvent::Progress { bytes, total } if progress => {
            let text = match total.filter(|t| *t > 0) {
                Some(t) => format!("downloading: {} % of {} KB", bytes * 100 / t, t / 1000),
                None => format!("downloading: {} KB", bytes / 1000),
            };
            let _ = write!(std::io::stderr(), "\r{text}\x1b[K");
        }
        DownloadEvent::Resuming { at, cause, .. } => {
            out::note(format!(
                "the connection dropped at {} KB ({cause}); resuming",
                at / 1000
            ));
        }
        _ => {}
    })
    .await;
    if progress {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
    match rec.fill() {
        Fill::Complete => {}
        Fill::Failed(reason) => anyhow::bail!("the recording could not be downloaded: {reason}"),
        Fill::Filling => anyhow::bail!("the recording download stopped"),
    }
    let ct = content_type
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Ok((rec.snapshot(), ct))
}

pub(super) async fn recording(cfg: &Config, args: RecordingArgs) -> anyhow::Result<ExitCode> {
    let to_stdout = args.output.as_deref() == Some(std::path::Path::new("-"));
    if to_stdout && std::io::stdout().is_terminal() {
        return Err(Usage(
            "standard output is a terminal: pipe the recording (-o - | …) or give a file (-o FILE)"
                .into(),
        )
        .into());
    }
    let p = super::provider(cfg, args.provider.as_deref()).await?;
    let (scope, detail) =
        super::show::find_call(p.as_ref(), args.scope.as_deref(), &args.id).await?;
    if let Some(why) = no_recording(p.as_ref(), &detail) {
        anyhow::bail!(why);
    }
    // Not written yet: say so before downloading, not after.
    let default = || PathBuf::from(crate::audio::file_stem(p.name(), &args.id));
    if let Some(path) = args.output.as_ref().filter(|_| !to_stdout)
        && path.exists()
        && !args.force
    {
        anyhow::bail!("{} exists; --force replaces it", path.display());
    }
    let (bytes, content_type) = fetch(p.clone(), scope, args.id.clone()).await?;
    if to_stdout {
        let mut stdout = std::io::stdout().lock();
        return match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
            Ok(()) => Ok(ExitCode::from(exit::OK)),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(out::Closed.into()),
            Err(e) => anyhow::bail!("cannot write the recording: {e}"),
        };
    }
    let ext = crate::audio::extension_of(content_type.as_deref(), &bytes);
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| default().with_extension(ext));
    if path.exists() && !args.force {
        anyhow::bail!("{} exists; --force replaces it", path.display());
    }
    if args.force {
        let _ = std::fs::remove_file(&path);
    }
    crate::audio::write_private(&path, &bytes)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    let mut o = out::Out::new();
    o.line(format!(
        "wrote {} ({} KB, {})",
        path.display(),
        bytes.len().div_ceil(1000),
        crate::display::sanitize(content_type.as_deref().unwrap_or(ext))
    ))?;
    o.flush()?;
    Ok(ExitCode::from(exit::OK))
}
