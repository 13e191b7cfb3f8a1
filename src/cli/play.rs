//! `callbrowser play ID`: plays a call's recording with a one-line progress display on standard
//! error and the detail pane's player keys (when standard input is a terminal). Without an audio
//! device it says so plainly and plays silently, so the timeline and `s` (save) still work.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;

use super::{PlayArgs, exit};
use crate::audio::download::Source;
use crate::audio::player::{OutputKind, PlayState, Player, PlayerCmd, PlayerEvent, Status};
use crate::audio::turns::{self, TurnTime};
use crate::config::Config;
use crate::model::Transcript;

/// Raw mode for single keys, given back however the command ends.
struct RawMode;

impl RawMode {
    fn take() -> Option<RawMode> {
        crossterm::terminal::enable_raw_mode()
            .ok()
            .map(|()| RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// What a key asks of the player; `None` for keys it does not know, `Some(None)` to quit.
fn command_for(key: &KeyEvent, status: &Status, turns: &[TurnTime]) -> Option<Option<PlayerCmd>> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let cmd = match key.code {
        KeyCode::Char('c') if ctrl => return Some(None),
        KeyCode::Char('q') | KeyCode::Esc => return Some(None),
        KeyCode::Char(' ' | 'p') => PlayerCmd::TogglePause,
        KeyCode::Char(',') | KeyCode::Left => PlayerCmd::SeekBy(-5.0),
        KeyCode::Char('.') | KeyCode::Right => PlayerCmd::SeekBy(5.0),
        KeyCode::Char('<') => PlayerCmd::SeekBy(-30.0),
        KeyCode::Char('>') => PlayerCmd::SeekBy(30.0),
        KeyCode::Char(c @ '0'..='9') => PlayerCmd::SeekFraction(f64::from(c as u8 - b'0') / 10.0),
        KeyCode::Char('-') => PlayerCmd::Slower,
        KeyCode::Char('+' | '=') => PlayerCmd::Faster,
        KeyCode::Char('v') => PlayerCmd::VolumeDown,
        KeyCode::Char('V') => PlayerCmd::VolumeUp,
        KeyCode::Char('c') => PlayerCmd::NextChannel,
        KeyCode::Char('[') => {
            let i = turns::prev_turn(turns, status.position)?;
            PlayerCmd::SeekTo(turns[i].start)
        }
        KeyCode::Char(']') => {
            let i = turns::next_turn(turns, status.position)?;
            PlayerCmd::SeekTo(turns[i].start)
        }
        _ => return None,
    };
    Some(Some(cmd))
}

/// One sentence above the progress line (raw mode needs the carriage return).
fn say(err: &mut dyn Write, msg: impl std::fmt::Display) {
    let text = crate::display::sanitize_multiline(&format!("callbrowser: {msg}")).into_owned();
    let _ = write!(err, "\r\x1b[K{text}\r\n");
}

/// The progress line: the player bar's first line as plain text.
fn progress_line(s: &Status, turn: Option<(usize, usize)>) -> String {
    let line = crate::ui::player::status_line(s, 200);
    let mut text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    if let Some((i, n)) = turn {
        text.push_str(&format!(" · turn {} of {n}", i + 1));
    }
    text.trim_end().to_string()
}

/// Plays; the progress line and notes go to `err` (the terminal's standard error).
/// What the command has seen of the player.
struct Session {
    err: Box<dyn Write + Send>,
    transcript: Vec<crate::audio::turns::TurnInfo>,
    status: Status,
    turns: Vec<TurnTime>,
    told_device: bool,
    /// A save was asked for and has not answered yet.
    saving: bool,
    /// The user asked to quit (waiting for the save).
    quitting: bool,
    /// How playback ended (the command ends once no save is pending).
    ended: Option<Result<(), String>>,
}

impl Session {
    fn on_event(&mut self, e: PlayerEvent) {
        match e {
            PlayerEvent::Status(s) => {
                if let (OutputKind::Null(why), false) = (&s.output, self.told_device) {
                    self.told_device = true;
                    say(&mut *self.err, why);
                }
                self.status = s;
                match &self.status.state {
                    PlayState::Finished => self.ended = Some(Ok(())),
                    PlayState::Failed(why) => self.ended = Some(Err(why.clone())),
                    _ => {}
                }
            }
            PlayerEvent::Analysed { energy } if !self.transcript.is_empty() => {
                let segs = turns::speech_segments(&energy);
                self.turns = turns::align_segments(&segs, energy.secs(), &self.transcript);
            }
            PlayerEvent::Saved { path, bytes } => {
                self.saving = false;
                let text = format!("saved {} ({} KB)", path.display(), bytes.div_ceil(1000));
                say(&mut *self.err, text);
            }
            PlayerEvent::SaveFailed { path, reason } => {
                self.saving = false;
                say(
                    &mut *self.err,
                    format!("could not save {}: {reason}", path.display()),
                );
            }
            _ => {}
        }
    }

    /// `q`: ends now, or once the save asked for is written (it waits for the download).
    fn quit(&mut self) {
        if self.saving {
            self.quitting = true;
            say(
                &mut *self.err,
                "finishing the save first (Ctrl-C quits now)",
            );
        } else {
            self.ended = Some(Ok(()));
        }
    }

    /// How the command ends, once it does.
    fn end(&mut self) -> Option<anyhow::Result<()>> {
        if self.saving {
            return None;
        }
        if self.quitting {
            return Some(Ok(()));
        }
        self.ended
            .take()
            .map(|r| r.map_err(|why| anyhow::anyhow!(why)))
    }

    fn progress(&mut self) {
        let turn = turns::turn_at(&self.turns, self.status.position).map(|i| (i, self.turns.len()));
        let _ = write!(self.err, "\r{}\x1b[K", progress_line(&self.status, turn));
        let _ = self.err.flush();
    }
}

pub(super) async fn play(
    cfg: &Config,
    args: PlayArgs,
    err: Box<dyn Write + Send>,
) -> anyhow::Result<ExitCode> {
    let p = super::provider(cfg, args.provider.as_deref()).await?;
    let (scope, detail) =
        super::show::find_call(p.as_ref(), args.scope.as_deref(), &args.id).await?;
    if let Some(why) = super::recording::no_recording(p.as_ref(), &detail) {
        anyhow::bail!(why);
    }
    let transcript = match &detail.transcript {
        Transcript::Turns(t) => crate::audio::turn_infos(t),
        _ => Vec::new(),
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let options = crate::audio::player::Options {
        device: !args.no_audio,
        ..Default::default()
    };
    let source = Source {
        provider: p.clone(),
        scope,
        id: args.id.clone(),
    };
    let player = Player::start(
        source,
        options,
        tokio::runtime::Handle::current(),
        move |e| {
            let _ = tx.send(e);
        },
    );
    let keys_on = std::io::stdin().is_terminal();
    let raw = if keys_on { RawMode::take() } else { None };
    let mut keys = raw.as_ref().map(|_| EventStream::new());
    let save_stem = std::path::PathBuf::from(crate::audio::file_stem(p.name(), &args.id));
    let mut session = Session {
        err,
        transcript,
        status: Status::default(),
        turns: Vec::new(),
        told_device: false,
        saving: false,
        quitting: false,
        ended: None,
    };
    let result = loop {
        let key = async {
            match keys.as_mut() {
                Some(k) => k.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            e = rx.recv() => match e {
                Some(e) => session.on_event(e),
                None => break Err(anyhow::anyhow!("the player stopped")),
            },
            k = key => match k {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    if key.code == KeyCode::Char('s') {
                        session.saving = true;
                        player.send(PlayerCmd::Save(save_stem.clone()));
                    } else {
                        match command_for(&key, &session.status, &session.turns) {
                            Some(Some(cmd)) => player.send(cmd),
                            Some(None) => session.quit(),
                            None => {}
                        }
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => keys = None,
            },
            _ = tokio::signal::ctrl_c() => break Ok(()),
        }
        if let Some(end) = session.end() {
            break end;
        }
        session.progress();
    };
    let mut err = session.err;
    let _ = write!(err, "\r\x1b[K");
    drop(raw);
    drop(player);
    result.map(|()| ExitCode::from(exit::OK))
}
