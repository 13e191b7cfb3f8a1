//! The recording in memory while it downloads: one writer (the download) appends, any number of
//! readers see it as a file (`Read + Seek`) that waits for the bytes it needs. No temporary file
//! of patient audio is ever written.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// The error of a read that was stopped (the player dropped, or a seek elsewhere) while it
/// waited for bytes. Deliberately not `ErrorKind::Interrupted`: `read_exact` and symphonia's
/// reads retry an interrupted read at once, so a stopped reader would spin forever inside them.
#[derive(Debug)]
pub struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("playback stopped")
    }
}

impl std::error::Error for Stopped {}

/// Whether `e` is a reader's [`Stopped`].
pub fn is_stopped(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Stopped>())
}

/// How the download stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fill {
    /// Bytes are still coming.
    Filling,
    /// Every byte is here.
    Complete,
    /// The download gave up: why, in a sentence.
    Failed(String),
}

#[derive(Debug)]
struct Inner {
    data: Vec<u8>,
    /// The whole length, when the server said it.
    total: Option<u64>,
    fill: Fill,
    /// Readers give up waiting (the player was dropped or seeks elsewhere).
    cancelled: bool,
}

/// The shared recording bytes.
#[derive(Clone, Debug)]
pub struct Recording {
    inner: Arc<(Mutex<Inner>, Condvar)>,
}

impl Default for Recording {
    fn default() -> Self {
        Recording::new()
    }
}

impl Recording {
    pub fn new() -> Recording {
        Recording {
            inner: Arc::new((
                Mutex::new(Inner {
                    data: Vec::new(),
                    total: None,
                    fill: Fill::Filling,
                    cancelled: false,
                }),
                Condvar::new(),
            )),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends downloaded bytes.
    pub fn append(&self, bytes: &[u8]) {
        self.lock().data.extend_from_slice(bytes);
        self.inner.1.notify_all();
    }

    /// The whole length, once the server says it.
    pub fn set_total(&self, total: u64) {
        self.lock().total = Some(total);
        self.inner.1.notify_all();
    }

    pub fn finish(&self, fill: Fill) {
        self.lock().fill = fill;
        self.inner.1.notify_all();
    }

    /// Wakes every waiting reader, which then reads an interruption.
    pub fn cancel(&self) {
        self.lock().cancelled = true;
        self.inner.1.notify_all();
    }

    /// Wakes waiting readers so they look at their interruption flags.
    pub fn wake(&self) {
        let _g = self.lock();
        self.inner.1.notify_all();
    }

    /// Bytes downloaded so far.
    pub fn len(&self) -> u64 {
        self.lock().data.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn total(&self) -> Option<u64> {
        self.lock().total
    }

    pub fn fill(&self) -> Fill {
        self.lock().fill.clone()
    }

    /// A copy of every byte downloaded so far (to save the recording).
    pub fn snapshot(&self) -> Vec<u8> {
        self.lock().data.clone()
    }

    /// A reader positioned at the start.
    pub fn reader(&self) -> Reader {
        Reader {
            rec: self.clone(),
            pos: 0,
            interrupt: None,
            furthest: None,
        }
    }

    /// Waits until byte `pos` is there, the download ended, or the reader was cancelled; returns
    /// the guard. Waits in short slices so a cancellation is never missed.
    fn wait_for(
        &self,
        pos: u64,
        interrupt: Option<&AtomicBool>,
    ) -> io::Result<MutexGuard<'_, Inner>> {
        let mut g = self.lock();
        loop {
            if g.cancelled || interrupt.is_some_and(|i| i.load(Ordering::Acquire)) {
                return Err(io::Error::other(Stopped));
            }
            if (pos as usize) < g.data.len() || g.fill != Fill::Filling {
                return Ok(g);
            }
            g = self
                .inner
                .1
                .wait_timeout(g, Duration::from_millis(200))
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

/// The recording as a file: reads wait for bytes still downloading; the end of a complete
/// download reads as the end of the file, a failed download as an error (never as a short file).
#[derive(Debug)]
pub struct Reader {
    rec: Recording,
    pos: u64,
    /// Set by another thread to make a waiting read return [`Stopped`] (a seek elsewhere).
    interrupt: Option<Arc<AtomicBool>>,
    /// The furthest byte read so far (shared with whoever estimates progress).
    furthest: Option<Arc<AtomicU64>>,
}

impl Reader {
    /// Another reader of the same recording, at byte `pos`.
    pub fn clone_at(&self, pos: u64) -> Reader {
        Reader {
            rec: self.rec.clone(),
            pos,
            interrupt: self.interrupt.clone(),
            furthest: None,
        }
    }

    /// This reader, interrupted (a waiting read returns [`Stopped`]) while `flag` is set.
    pub fn with_interrupt(mut self, flag: Arc<AtomicBool>) -> Reader {
        self.interrupt = Some(flag);
        self
    }

    /// This reader, recording in `furthest` the end of the furthest read.
    pub fn with_progress(mut self, furthest: Arc<AtomicU64>) -> Reader {
        self.furthest = Some(furthest);
        self
    }

    /// The recording read.
    pub fn recording(&self) -> &Recording {
        &self.rec
    }
}

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let g = self.rec.wait_for(self.pos, self.interrupt.as_deref())?;
        let start = self.pos as usize;
        if start < g.data.len() {
            let n = buf.len().min(g.data.len() - start);
            buf[..n].copy_from_slice(&g.data[start..start + n]);
            drop(g);
            self.pos += n as u64;
            if let Some(f) = &self.furthest {
                f.fetch_max(self.pos, Ordering::AcqRel);
            }
            return Ok(n);
        }
        match &g.fill {
            Fill::Failed(why) => Err(io::Error::other(why.clone())),
            _ => Ok(0),
        }
    }
}

impl Seek for Reader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => {
                // The end is known once the server said the length, or the download ended.
                let end = match self.rec.total() {
                    Some(t) => t,
                    None => {
                        let g = self.rec.wait_for(u64::MAX, self.interrupt.as_deref())?;
                        g.total.unwrap_or(g.data.len() as u64)
                    }
                };
                end.checked_add_signed(d)
            }
        };
        let Some(target) = target else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the recording",
            ));
        };
        self.pos = target;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_waits_for_bytes_still_coming() {
        let rec = Recording::new();
        let mut r = rec.reader();
        let writer = rec.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            writer.append(b"RIFF");
            std::thread::sleep(Duration::from_millis(30));
            writer.append(b"WAVE");
            writer.finish(Fill::Complete);
        });
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        t.join().unwrap();
        assert_eq!(all, b"RIFFWAVE");
    }

    #[test]
    fn seeking_and_the_end() {
        let rec = Recording::new();
        rec.append(b"0123456789");
        rec.set_total(10);
        let mut r = rec.reader();
        assert_eq!(r.seek(SeekFrom::End(-2)).unwrap(), 8);
        let mut b = [0u8; 4];
        assert_eq!(r.read(&mut b).unwrap(), 2);
        assert_eq!(&b[..2], b"89");
        r.seek(SeekFrom::Start(3)).unwrap();
        assert_eq!(r.read(&mut b).unwrap(), 4);
        assert_eq!(&b, b"3456");
        assert!(r.seek(SeekFrom::Current(-100)).is_err());
    }

    #[test]
    fn a_failed_download_is_an_error_not_an_end() {
        let rec = Recording::new();
        rec.append(b"abc");
        rec.finish(Fill::Failed("the connection broke for good".into()));
        let mut r = rec.reader();
        let mut all = Vec::new();
        let e = r.read_to_end(&mut all).unwrap_err();
        assert_eq!(all, b"abc");
        assert!(e.to_string().contains("broke for good"));
    }

    #[test]
    fn cancelling_wakes_a_waiting_reader() {
        let rec = Recording::new();
        let mut r = rec.reader();
        let other = rec.clone();
        let t = std::thread::spawn(move || {
            let mut b = [0u8; 1];
            r.read(&mut b)
        });
        std::thread::sleep(Duration::from_millis(20));
        other.cancel();
        let got = t.join().unwrap();
        assert!(is_stopped(&got.unwrap_err()));
    }

    /// `read_exact` (and symphonia's own exact reads) retry a read that failed with
    /// `ErrorKind::Interrupted`: a stopped reader must end them, not make them spin.
    #[test]
    fn an_interruption_ends_an_exact_read() {
        let rec = Recording::new();
        rec.append(b"ab");
        let flag = Arc::new(AtomicBool::new(false));
        let mut r = rec.reader().with_interrupt(flag.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut b = [0u8; 4];
            let _ = tx.send(r.read_exact(&mut b));
        });
        std::thread::sleep(Duration::from_millis(20));
        flag.store(true, Ordering::Release);
        rec.wake();
        let got = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("read_exact returns once interrupted");
        assert!(is_stopped(&got.unwrap_err()));
    }
}
