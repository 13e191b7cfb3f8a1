//! Logs go to a file in the state directory, never to the terminal while the UI is up.

use std::path::Path;

use tracing_subscriber::EnvFilter;

/// Starts logging to `path` (filter from `CALLBROWSER_LOG`, default `info`). Returns the guard
/// that flushes on drop, or `None` when the file cannot be opened (then nothing is logged).
pub fn init(path: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        EnvFilter::try_from_env("CALLBROWSER_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// While alive, whatever writes to fd 2 (ALSA, a library's warning) goes to the log file
/// instead of garbling the full-screen UI. Dropping it puts stderr back.
pub struct StderrToLog {
    #[cfg(unix)]
    saved: Option<i32>,
}

impl StderrToLog {
    pub fn redirect(path: &Path) -> StderrToLog {
        #[cfg(unix)]
        {
            use std::os::fd::IntoRawFd;
            let saved = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .ok()
                .and_then(|f| {
                    let fd = f.into_raw_fd();
                    // SAFETY: dup/dup2/close on descriptors we own or on fd 2; no memory is shared.
                    unsafe {
                        let saved = libc::dup(2);
                        if saved < 0 || libc::dup2(fd, 2) < 0 {
                            libc::close(fd);
                            if saved >= 0 {
                                libc::close(saved);
                            }
                            return None;
                        }
                        libc::close(fd);
                        Some(saved)
                    }
                });
            StderrToLog { saved }
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            StderrToLog {}
        }
    }
}

impl Drop for StderrToLog {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = self.saved.take() {
            // SAFETY: restores fd 2 from the descriptor saved in `redirect`.
            unsafe {
                libc::dup2(saved, 2);
                libc::close(saved);
            }
        }
    }
}
