//! The program's own update loop and job runner (concurrent tasks, the rate-paced providers
//! `setup::build` makes) driven by a test: messages are taken in as the runtime takes them.

use std::sync::Arc;
use std::time::Duration;

use callbrowser::app::jobs::Jobs;
use callbrowser::app::msg::{Effect, Msg};
use callbrowser::app::state::{ProviderEntry, State};
use callbrowser::app::update::{subscriptions, update};
use callbrowser::config::Config;
use callbrowser::model::TimeZoneSetting;
use callbrowser::providers::Provider;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc::UnboundedReceiver;

pub struct Program {
    pub state: State,
    jobs: Jobs,
    rx: UnboundedReceiver<Msg>,
}

impl Program {
    pub fn run(&mut self, effects: Vec<Effect>) {
        for e in effects {
            self.jobs.run(e);
        }
        self.jobs.subscribe(subscriptions(&self.state));
    }

    /// Feeds every message that has arrived through `update`; waits up to `wait` for the first.
    pub async fn answers(&mut self, wait: Duration) -> usize {
        let mut n = 0;
        if let Ok(Some(msg)) = tokio::time::timeout(wait, self.rx.recv()).await {
            let e = update(&mut self.state, msg);
            self.run(e);
            n += 1;
        }
        while let Ok(msg) = self.rx.try_recv() {
            let e = update(&mut self.state, msg);
            self.run(e);
            n += 1;
        }
        n
    }

    pub fn press(&mut self, code: KeyCode) {
        let mods = match code {
            KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        let e = update(&mut self.state, Msg::Key(KeyEvent::new(code, mods)));
        self.run(e);
    }

    pub fn shown(&self) -> usize {
        self.state.list.rows.visible.len()
    }
}

/// The program over the providers of `cfg` (only provider `only` when given).
pub async fn program(cfg: &Config, only: Option<usize>) -> Program {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut entries = Vec::new();
    let mut adapters: Vec<Option<Arc<dyn Provider>>> = Vec::new();
    let mut cfg = cfg.clone();
    if let Some(i) = only {
        cfg.providers = vec![cfg.providers[i].clone()];
    }
    for i in 0..cfg.providers.len() {
        let b = callbrowser::setup::build(&cfg, i, None).await.unwrap();
        entries.push(ProviderEntry::new(
            b.info,
            b.provider.as_ref().map(|_| ()).map_err(String::clone),
        ));
        adapters.push(b.provider.ok());
    }
    let mut state = State::new(entries, true, TimeZoneSetting::Utc);
    state.size = (160, 45);
    Program {
        state,
        jobs: Jobs::new(adapters, tx).without_audio_device(),
        rx,
    }
}

impl Program {
    /// Takes in answers until `ok` holds (fails after 30 s without an answer).
    pub async fn until(&mut self, what: &str, ok: impl Fn(&State) -> bool) {
        while !ok(&self.state) {
            assert!(
                self.answers(Duration::from_secs(30)).await > 0,
                "no answer while waiting for {what}: {}",
                self.state.status.text
            );
        }
    }
}
