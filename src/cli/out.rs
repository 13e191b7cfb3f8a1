//! Where the commands print: standard output through one writer that turns a closed pipe
//! (`callbrowser list | head -2`) into a quiet end, and one-sentence notes on standard error.
//! Nothing here panics on a write that fails.

use std::fmt::Display;
use std::io::{BufWriter, ErrorKind, Stdout, Write};

use serde::Serialize;

/// Standard output was closed by its reader: the program ends quietly, with success.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed")]
pub struct Closed;

/// The command line was wrong, or the command cannot run this way: exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

fn write_error(e: std::io::Error) -> anyhow::Error {
    if e.kind() == ErrorKind::BrokenPipe {
        Closed.into()
    } else {
        anyhow::anyhow!("cannot write the output: {e}")
    }
}

/// Standard output, buffered; every error is a sentence or [`Closed`].
pub struct Out {
    w: BufWriter<Stdout>,
}

impl Default for Out {
    fn default() -> Self {
        Out::new()
    }
}

impl Out {
    pub fn new() -> Out {
        Out {
            w: BufWriter::new(std::io::stdout()),
        }
    }

    pub fn text(&mut self, s: &str) -> anyhow::Result<()> {
        self.w.write_all(s.as_bytes()).map_err(write_error)
    }

    pub fn bytes(&mut self, b: &[u8]) -> anyhow::Result<()> {
        self.w.write_all(b).map_err(write_error)
    }

    pub fn line(&mut self, s: impl Display) -> anyhow::Result<()> {
        writeln!(self.w, "{s}").map_err(write_error)
    }

    /// `v` as pretty JSON and a newline.
    pub fn json<T: Serialize + ?Sized>(&mut self, v: &T) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut self.w, v).map_err(|e| match e.io_error_kind() {
            Some(kind) => write_error(std::io::Error::from(kind)),
            None => anyhow::anyhow!("cannot write the output: {e}"),
        })?;
        self.line("")
    }

    /// Sends what is buffered (a reader sees each part as soon as it is known).
    pub fn flush(&mut self) -> anyhow::Result<()> {
        self.w.flush().map_err(write_error)
    }
}

/// One sentence on standard error, `callbrowser: ` first, sanitized (provider names and labels
/// come from the config, causes from vendors). A closed standard error is ignored.
pub fn note(msg: impl Display) {
    let text = format!("callbrowser: {msg}");
    let clean = crate::display::sanitize_multiline(&text);
    let _ = writeln!(std::io::stderr(), "{clean}");
}
