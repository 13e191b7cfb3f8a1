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

    /// A key arrived (the next frame after it is what the user waits for).
    fn key(&mut self) {
        if let Some(f) = &mut self.file {
            let ms = self.started.elapsed().as_secs_f64() * 1000.0;
            let _ = writeln!(f, "key {ms:.2}");
        }
    }

    fn frame(&mut self, state: &State) {
        self.frames += 1;
        let Some(f) = &mut self.file else { return };
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let _ = writeln!(f, "frame {} {ms:.2}", self.frames);
        if self.frames == 1 {
            let _ = writeln!(f, "first_frame_ms {ms:.1}");
        }
        if !self.first_calls_seen && !state.list.rows.visible.is_empty() {
            self.first_calls_seen = true;
            let _ = writeln!(f, "first_calls_frame_ms {ms:.1}");
        }
    }
}

/// Gives the terminal back as it was: cooked mode, the main screen, the cursor shown. Every step
/// is tried whatever the one before did.
fn restore_terminal() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Takes the terminal: raw mode, the alternate screen, cleared, cursor hidden; and a fresh
/// ratatui terminal, so the next frame is drawn whole. Never asks the terminal for the cursor
/// position (the input reader would swallow the answer).
fn take_terminal() -> std::io::Result<ratatui::DefaultTerminal> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        crossterm::cursor::Hide
    )?;
    ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
}

/// Restores the terminal on a panic, before the message is printed.
fn set_panic_hook() {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        hook(info);
    }));
}

/// Restores the terminal when dropped, whatever the exit path (panics are covered by
/// [`set_panic_hook`]).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
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
        // Quit cleanly on these; SIGTSTP (`kill -TSTP`) suspends like Ctrl-Z, every time.
        let quit = [
            SignalKind::terminate(),
            SignalKind::hangup(),
            SignalKind::interrupt(),
            SignalKind::quit(),
        ];
        for kind in quit {
            let tx = tx.clone();
            if let Ok(mut s) = signal(kind) {
                tokio::spawn(async move {
                    if s.recv().await.is_some() {
                        let _ = tx.send(Msg::Quit);
                    }
                });
            }
        }
        if let Ok(mut s) = signal(SignalKind::from_raw(libc::SIGTSTP)) {
            tokio::spawn(async move {
                while s.recv().await.is_some() {
                    if tx.send(Msg::Suspend).is_err() {
                        break;
                    }
                }
            });
        }
    }
}

/// Ctrl-Z or SIGTSTP: give the terminal back, stop, and take it again when continued. Returns
/// the terminal's size then (it may have changed meanwhile).
fn suspend(terminal: &mut ratatui::DefaultTerminal) -> std::io::Result<(u16, u16)> {
    restore_terminal();
    // SIGSTOP, not SIGTSTP: this process catches SIGTSTP (to get here), SIGSTOP cannot be.
    #[cfg(unix)]
    // SAFETY: raising a signal on our own process has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
    *terminal = take_terminal()?;
    let size = terminal.size()?;
    Ok((size.width, size.height))
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
    set_panic_hook();
    let _guard = TerminalGuard;
    let mut terminal = take_terminal()?;
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
            if matches!(msg, Msg::Key(_)) {
                trace.key();
            }
            for e in update(state, msg) {
                if e == Effect::Suspend {
                    let (w, h) = suspend(&mut terminal)?;
                    // Drawn whole again, at the size the terminal has now.
                    update(state, Msg::Resize(w, h));
                } else if let Effect::Copy(text) = &e {
                    // OSC 52: a terminal that does not allow it ignores it (the status says so).
                    let copy = crossterm::clipboard::CopyToClipboard::to_clipboard_from(text);
                    if let Err(err) = crossterm::execute!(terminal.backend_mut(), copy) {
                        tracing::warn!("could not write the clipboard sequence: {err}");
                    }
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
