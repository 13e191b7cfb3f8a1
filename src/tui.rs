//! The terminal program's loop, which joins `app` (state, `update`, jobs) to `ui` (drawing) and
//! the terminal. One channel carries every event (keys, resizes, signals, answers of background
//! work). The loop waits for one, drains what else is queued, updates, keeps the subscriptions
//! the state wants, and draws only if something changed. All I/O runs in spawned tasks; the
//! loop never waits for one.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::app::jobs::Jobs;
use crate::app::msg::{Effect, Msg};
use crate::app::state::State;
use crate::app::update::{init, subscriptions, update};
use crate::providers::Provider;

/// Start-up timings for the measuring harness (`CALLBROWSER_TRACE=file`): one line per event,
/// milliseconds since the process started.
struct Trace {
    file: Option<std::fs::File>,
    started: Instant,
    frames: u64,
    first_calls_seen: bool,
}

impl Trace {
    fn new(path: Option<PathBuf>, started: Instant) -> Trace {
        let file = path.and_then(|p| std::fs::File::create(p).ok());
        Trace {
            file,
            started,
            frames: 0,
            first_calls_seen: false,
        }
    }

    fn frame(&mut self, state: &State) {
        self.frames += 1;
        let Some(f) = &mut self.file else { return };
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let _ = writeln!(f, "frame {} {ms:.1}", self.frames);
        if self.frames == 1 {
            let _ = writeln!(f, "first_frame_ms {ms:.1}");
        }
        if !self.first_calls_seen && !state.list.rows.visible.is_empty() {
            self.first_calls_seen = true;
            let _ = writeln!(f, "first_calls_frame_ms {ms:.1}");
        }
    }
}

/// Restores the terminal when dropped, whatever the exit path (panics are covered by the hook
/// `ratatui::init` installs).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Sends terminal input and signals into the channel.
fn spawn_inputs(tx: UnboundedSender<Msg>) {
    let keys = tx.clone();
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            let msg = match ev {
                Ok(Event::Key(k)) => Msg::Key(k),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(_) => Msg::Quit,
            };
            if keys.send(msg).is_err() {
                break;
            }
        }
    });
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        for kind in [
            SignalKind::terminate(),
            SignalKind::hangup(),
            SignalKind::interrupt(),
        ] {
            let tx = tx.clone();
            if let Ok(mut s) = signal(kind) {
                tokio::spawn(async move {
                    if s.recv().await.is_some() {
                        let _ = tx.send(Msg::Quit);
                    }
                });
            }
        }
    }
}

/// Ctrl-Z: give the terminal back, stop, and take it again when continued.
fn suspend(terminal: &mut ratatui::DefaultTerminal) -> std::io::Result<()> {
    ratatui::restore();
    #[cfg(unix)]
    // SAFETY: raising a signal on our own process has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    terminal.clear()
}

/// Runs the TUI until the user quits; the terminal is restored on every exit path. The caller
/// makes the channel, so that providers' HTTP notices can go into it. `providers[i]` is
/// configured provider `i` (`None` when it could not be set up).
pub async fn run(
    state: &mut State,
    providers: Vec<Option<Arc<dyn Provider>>>,
    tx: UnboundedSender<Msg>,
    rx: &mut UnboundedReceiver<Msg>,
    started: Instant,
    trace: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    let mut trace = Trace::new(trace, started);
    let size = terminal.size()?;
    state.size = (size.width, size.height);
    let mut jobs = Jobs::new(providers, tx.clone());
    spawn_inputs(tx);
    for e in init(state) {
        jobs.run(e);
    }
    jobs.subscribe(subscriptions(state));
    terminal.draw(|f| crate::ui::draw(f, state))?;
    trace.frame(state);
    state.dirty = false;
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        while let Some(msg) = next {
            for e in update(state, msg) {
                if e == Effect::Suspend {
                    suspend(&mut terminal)?;
                    state.dirty = true;
                } else {
                    jobs.run(e);
                }
            }
            next = rx.try_recv().ok();
        }
        if state.quit {
            break;
        }
        jobs.subscribe(subscriptions(state));
        if state.dirty {
            terminal.draw(|f| crate::ui::draw(f, state))?;
            trace.frame(state);
            state.dirty = false;
        }
    }
    Ok(())
}
