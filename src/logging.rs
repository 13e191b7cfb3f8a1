//! Logs go to a file in the state directory, never to the terminal while the UI is up. The file
//! is private to the user (0600 in a 0700 folder): it may name hosts, accounts and call ids.

use std::fs::File;
use std::path::Path;

use tracing_subscriber::EnvFilter;

/// Opens `path` for appending, private to the user: a new folder is made 0700, and an existing
/// folder or file that others could read is made private first. `None` when that cannot be
/// done (then nothing is written there).
pub fn open_private(path: &Path) -> Option<File> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty())?;
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .ok()?;
        make_private(dir, 0o700)?;
        options.mode(0o600);
        let file = options.open(path).ok()?;
        let mode = file.metadata().ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .ok()?;
        }
        Some(file)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).ok()?;
        options.open(path).ok()
    }
}

/// Takes group and other permissions off `path` (ours: the log folder).
#[cfg(unix)]
fn make_private(path: &Path, mode: u32) -> Option<()> {
    use std::os::unix::fs::PermissionsExt;
    let now = std::fs::metadata(path).ok()?.permissions().mode();
    if now & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).ok()?;
    }
    Some(())
}

/// Starts logging to `path` (filter from `CALLBROWSER_LOG`, default `info`). Returns the guard
/// that flushes on drop, or `None` when the file cannot be opened (then nothing is logged).
pub fn init(path: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let file = open_private(path)?;
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
            let saved = open_private(path).and_then(|f| {
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

impl StderrToLog {
    /// The standard error from before the redirection (the terminal), for the program's own
    /// lines; `None` when it was not redirected.
    pub fn original(&self) -> Option<std::fs::File> {
        #[cfg(unix)]
        {
            use std::os::fd::FromRawFd;
            let saved = self.saved?;
            // SAFETY: dup of a descriptor this guard owns; the new one is owned by the File.
            let fd = unsafe { libc::dup(saved) };
            (fd >= 0).then(|| unsafe { std::fs::File::from_raw_fd(fd) })
        }
        #[cfg(not(unix))]
        None
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
