//! Deterministic model data and an in-memory provider, for screen tests, `update` tests and
//! benchmarks (which must not depend on the network). The emulators serve the real HTTP APIs.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::model::{
    Account, Call, CallDetail, Capabilities, Filter, FilterKey, FilterKind, Page, PageRequest,
    ProviderKind, RecordingRef, Scope, Speaker, Transcript, Turn,
};
use crate::providers::{Provider, ProviderError, RecordingStream};

const FIRST: &[&str] = &[
    "Jürgen",
    "Renée",
    "Hans",
    "Zoë",
    "François",
    "Grete",
    "Björn",
    "Ömer",
    "Anna",
    "Lukas",
];
const LAST: &[&str] = &[
    "Müller",
    "Lefèvre",
    "Meier",
    "Schröder",
    "Weiß",
    "Dubois",
    "Kowalski",
    "Öztürk",
    "Brandt",
];
const SUMMARIES: &[&str] = &[
    "Kunde fragte nach Rechnung #1234. Agent konnte die Frage beantworten.",
    "Terminvereinbarung für Donnerstag, 10:30 Uhr, bei Dr. Weiß bestätigt.",
    "Rezeptanfrage für Ibuprofen 600 aufgenommen; Rückruf durch die Praxis zugesagt.",
    "Anrufer wollte Öffnungszeiten über die Feiertage wissen.",
    "Stornierung des Termins am Montag; neuer Termin noch offen.",
];
const LINES: &[(&str, &str)] = &[
    (
        "agent",
        "Guten Tag, Praxis Dr. Weiß, Sie sprechen mit dem digitalen Assistenten. Wie kann ich Ihnen helfen?",
    ),
    (
        "user",
        "Hallo, ich hätte gern einen Termin für nächste Woche, am liebsten vormittags.",
    ),
    (
        "agent",
        "Sehr gern. Darf ich Ihren vollständigen Namen und Ihr Geburtsdatum erfahren?",
    ),
    ("user", "Jürgen Müller, geboren am 3. März 1961."),
    (
        "agent",
        "Danke, Herr Müller. Ich sehe freie Termine am Dienstag um 9:15 Uhr und am Donnerstag um 10:30 Uhr.",
    ),
    ("user", "Donnerstag passt mir gut."),
    (
        "user",
        "Muss ich etwas mitbringen? Meine Versichertenkarte habe ich erst letzten Monat bekommen.",
    ),
    (
        "agent",
        "Bitte bringen Sie Ihre Versichertenkarte und, falls vorhanden, aktuelle Befunde mit. Ich habe den Termin am Donnerstag um 10:30 Uhr für Sie eingetragen.",
    ),
    ("user", "Prima, vielen Dank. Auf Wiederhören!"),
    ("agent", "Gern geschehen, Herr Müller. Auf Wiederhören!"),
];

/// The fixed clock of fixtures: 2026-03-20 15:00:00 UTC.
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 15, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn scopes() -> Vec<Scope> {
    vec![
        Scope {
            id: "550e8400-e29b-41d4-a716-446655440000".into(),
            name: "Rezeption Bot".into(),
            detail: Some("+4930123456 · de".into()),
        },
        Scope {
            id: "6f1c2a9e-1111-4c3b-9d2e-000000000002".into(),
            name: "Front Desk Assistant".into(),
            detail: Some("+14155550100 · en".into()),
        },
        Scope {
            id: "7a2d3b8f-2222-4d4c-8e3f-000000000003".into(),
            name: "Assistant Accueil".into(),
            detail: Some("+33142000000 · fr".into()),
        },
    ]
}

/// The account of the in-memory provider named `provider` (a TalkPilot-like API on its own host).
pub fn account(provider: &str) -> Arc<Account> {
    Arc::new(Account::new(
        ProviderKind::TalkPilot,
        &format!("https://{provider}.example"),
        None,
    ))
}

/// `n` calls of the in-memory provider named `provider`, newest first, one every 37 minutes back
/// from [`fixed_now`].
pub fn calls(provider: &str, scope: &str, n: usize) -> Vec<Call> {
    let account = account(provider);
    (0..n)
        .map(|i| {
            let mut c = Call::new(&account, Some(scope), &format!("call-{i:06}"));
            c.started_at = Some(
                fixed_now()
                    - Duration::minutes(37 * i as i64 + 5)
                    - Duration::seconds((i * 13 % 60) as i64),
            );
            c.duration_secs = Some((45 + (i * 97) % 900) as f64);
            c.caller_name = (i % 7 != 3)
                .then(|| format!("{} {}", FIRST[i % FIRST.len()], LAST[(i / 3) % LAST.len()]));
            c.caller_number = Some(format!("+49170{:07}", (i * 7919) % 10_000_000));
            c.summary = Some(SUMMARIES[i % SUMMARIES.len()].to_string());
            c.status = Some(if i % 3 == 0 { "open" } else { "done" }.to_string());
            c.purged = i % 41 == 40;
            c.deleted = i % 53 == 52;
            c.fields = vec![
                ("call_id".into(), format!("lk_call_{i:08x}")),
                ("customer_request".into(), "Frage zu Rechnung #1234".into()),
                ("disconnection_reason".into(), "user_hangup".into()),
                ("done".into(), (i % 3 != 0).to_string()),
            ];
            c
        })
        .collect()
}

/// A German conversation of `turns` turns (the ten-turn script repeated).
pub fn german_turns(turns: usize) -> Vec<Turn> {
    (0..turns)
        .map(|i| {
            let (role, text) = LINES[i % LINES.len()];
            Turn {
                speaker: if role == "agent" {
                    Speaker::Agent
                } else {
                    Speaker::Caller
                },
                text: if i >= LINES.len() {
                    format!("{text} ({})", i / LINES.len() + 1)
                } else {
                    text.to_string()
                },
            }
        })
        .collect()
}

pub fn detail(call: Call, turns: usize) -> CallDetail {
    CallDetail {
        call,
        other_summaries: Vec::new(),
        score: Some("8/10".into()),
        outcome: Some("successful".into()),
        sentiment: None,
        intent: Some("Terminvereinbarung".into()),
        handled_by: Some("Max Mustermann".into()),
        transcript: Transcript::Turns(german_turns(turns)),
        recording: RecordingRef::SignedUrl {
            url: "http://127.0.0.1:9/storage/a.wav?token=x".into(),
            expires_at: None,
        },
        warnings: Vec::new(),
    }
}

const KEYS: &[FilterKey] = &[FilterKey {
    name: "done",
    kind: FilterKind::Bool,
    help: "done:true|false",
}];

/// An in-memory provider with agents as its parent level.
pub struct MemoryProvider {
    pub name: String,
    pub account: Arc<Account>,
    pub caps: Capabilities,
    pub scopes: Vec<Scope>,
    pub calls: Vec<Call>,
    pub turns: usize,
    /// Calls in progress (answered by `list_live` when `caps.has_live`); change it between
    /// refreshes to see the Live view follow.
    pub live: Arc<std::sync::Mutex<Vec<Call>>>,
    /// Searches the scope list was asked for, in order.
    pub scope_searches: Arc<std::sync::Mutex<Vec<Option<String>>>>,
    /// A parent pinned as configuration pins one (then no parent list is offered).
    pub pinned: Option<Scope>,
    /// Its calls have no recording.
    pub no_recording: bool,
}

impl MemoryProvider {
    pub fn new(name: &str, calls: usize) -> MemoryProvider {
        let scopes = scopes();
        MemoryProvider {
            name: name.into(),
            account: account(name),
            caps: Capabilities {
                scope_noun: Some("agent"),
                has_detail: true,
                has_transcripts: true,
                has_recordings: true,
                has_live: false,
                max_page_size: 100,
                server_filters: &["text", "done"],
                provider_keys: KEYS,
            },
            calls: self::calls(name, &scopes[0].id, calls),
            scopes,
            turns: 24,
            live: Arc::default(),
            scope_searches: Arc::default(),
            pinned: None,
            no_recording: false,
        }
    }

    pub fn arc(self) -> Arc<dyn Provider> {
        Arc::new(self)
    }
}

#[async_trait]
impl Provider for MemoryProvider {
    fn name(&self) -> &str {
        &self.name
    }
    fn account(&self) -> &Account {
        &self.account
    }
    fn label(&self) -> &str {
        "TalkPilot"
    }
    fn kind(&self) -> ProviderKind {
        ProviderKind::TalkPilot
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    fn pinned_scope(&self) -> Option<&Scope> {
        self.pinned.as_ref()
    }
    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        if let Ok(mut s) = self.scope_searches.lock() {
            s.push(search.map(str::to_string));
        }
        let q = search.unwrap_or("").to_lowercase();
        let found: Vec<Scope> = self
            .scopes
            .iter()
            .filter(|s| s.name.to_lowercase().contains(&q))
            .cloned()
            .collect();
        Ok(page_of(&found, page))
    }
    async fn list_live(&self, _: Option<&str>) -> Result<Page<Call>, ProviderError> {
        if !self.caps.has_live {
            return Err(ProviderError::NotOffered {
                provider: "TalkPilot".into(),
                what: "a live view".into(),
            });
        }
        let calls = self.live.lock().map(|l| l.clone()).unwrap_or_default();
        Ok(Page::whole(calls, 0))
    }
    async fn list_calls(
        &self,
        _: Option<&str>,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Call>, ProviderError> {
        let caps = Capabilities {
            server_filters: &[],
            ..self.caps.clone()
        };
        // Only the page's calls are copied (a list of 100,000 is paged through quickly).
        let matching: Vec<&Call> = if filter.is_empty() {
            self.calls.iter().collect()
        } else {
            self.calls
                .iter()
                .filter(|c| filter.matches_local(c, &caps))
                .collect()
        };
        let mut p = page_of(&matching, page);
        Ok(Page {
            items: p.items.drain(..).cloned().collect(),
            page: p.page,
            page_size: p.page_size,
            total_items: p.total_items,
            total_pages: p.total_pages,
            has_more: p.has_more,
            unreadable: p.unreadable,
        })
    }
    async fn get_call(&self, _: Option<&str>, id: &str) -> Result<CallDetail, ProviderError> {
        match self.calls.iter().find(|c| c.id == id) {
            Some(c) => {
                let mut d = detail(c.clone(), self.turns);
                if self.no_recording {
                    d.recording = RecordingRef::Missing;
                }
                Ok(d)
            }
            None => Err(ProviderError::NotFound {
                provider: "TalkPilot".into(),
                message: "Call not found".into(),
            }),
        }
    }
    async fn open_recording(
        &self,
        _: Option<&str>,
        _: &str,
        _: u64,
    ) -> Result<RecordingStream, ProviderError> {
        Err(ProviderError::NotOffered {
            provider: "TalkPilot".into(),
            what: "recordings in memory".into(),
        })
    }
    async fn check(&self) -> Result<String, ProviderError> {
        Ok("in memory".into())
    }
}

fn page_of<T: Clone>(all: &[T], req: PageRequest) -> Page<T> {
    let size = req.size.max(1) as usize;
    let start = (req.page.max(1) as usize - 1) * size;
    let items: Vec<T> = all.iter().skip(start).take(size).cloned().collect();
    let pages = all.len().div_ceil(size) as u32;
    Page {
        items,
        page: req.page.max(1),
        page_size: size as u32,
        total_items: Some(all.len() as u64),
        total_pages: Some(pages),
        has_more: req.page < pages,
        unreadable: 0,
    }
}

/// The description of in-memory provider `p` as configured provider 0.
pub fn info(p: &MemoryProvider) -> crate::model::ProviderInfo {
    crate::providers::describe(crate::model::ProviderId::new(0), p)
}

/// A state as the TUI has it after `n` calls of one agent were loaded (for benchmarks).
pub fn loaded_state(n: usize, size: (u16, u16)) -> crate::app::state::State {
    use crate::app::state::{ProviderEntry, SidebarRow, Source, State};
    use crate::model::ProviderId;
    let provider = MemoryProvider::new("talkpilot", 0);
    let scopes = provider.scopes.clone();
    let mut entry = ProviderEntry::new(info(&provider), Ok(()));
    entry.health = crate::providers::Health::Ok;
    entry.scopes.items = scopes.clone();
    let mut s = State::new(vec![entry], true, crate::model::TimeZoneSetting::Utc);
    s.now = fixed_now;
    s.size = size;
    let id = ProviderId::new(0);
    s.list.source = Some(Source {
        provider: id,
        scope: Some(scopes[0].id.clone()),
        scope_name: scopes[0].name.clone(),
        live: false,
    });
    let rows = &mut s.list.rows;
    rows.calls = calls("talkpilot", &scopes[0].id, n);
    rows.ids = rows.calls.iter().map(|c| (id, c.id.clone())).collect();
    rows.origin = vec![id; n];
    rows.visible = (0..n).collect();
    let paging = &mut s.list.paging;
    paging.page_size = 100;
    paging.next_page = (n / 100) as u32 + 1;
    paging.total_items = Some(n as u64);
    paging.total_pages = Some(n.div_ceil(100) as u32);
    s.sidebar_to(SidebarRow::Scope(id, 0));
    s
}

/// Runs `effects` to completion against in-memory `providers` (indexed by [`ProviderId`]), as
/// the job runner would, feeding every answer back through `update` (benchmarks and harnesses;
/// the player and the store are not run).
pub fn drive(
    state: &mut crate::app::state::State,
    providers: &[Arc<dyn Provider>],
    effects: Vec<crate::app::msg::Effect>,
) {
    use crate::app::msg::{Effect, Msg};
    use crate::model::inbox::Ask;
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let p = |i: crate::model::ProviderId| providers.get(i.index()).cloned();
    let mut queue: std::collections::VecDeque<Effect> = effects.into();
    while let Some(effect) = queue.pop_front() {
        let msg = match effect {
            Effect::LoadScopes {
                req,
                provider,
                search,
                page,
            } => {
                let Some(a) = p(provider) else { continue };
                Msg::Scopes {
                    req,
                    provider,
                    result: rt.block_on(a.list_scopes(search.as_deref(), page)),
                }
            }
            Effect::LoadCalls {
                req,
                provider,
                scope,
                filter,
                page,
            } => {
                let Some(a) = p(provider) else { continue };
                Msg::Calls {
                    req,
                    result: rt.block_on(a.list_calls(scope.as_deref(), &filter, page)),
                }
            }
            Effect::LoadMerged { generation, ask } => match ask {
                Ask::Scopes {
                    provider,
                    search,
                    page,
                } => {
                    let Some(a) = p(provider) else { continue };
                    Msg::MergedScopes {
                        generation,
                        provider,
                        result: rt.block_on(a.list_scopes(search.as_deref(), page)),
                    }
                }
                Ask::Calls {
                    source,
                    provider,
                    scope,
                    filter,
                    page,
                } => {
                    let Some(a) = p(provider) else { continue };
                    Msg::MergedCalls {
                        generation,
                        source,
                        provider,
                        result: rt.block_on(a.list_calls(scope.as_deref(), &filter, page)),
                    }
                }
            },
            Effect::LoadDetail { req, key } => {
                let Some(a) = p(key.provider) else { continue };
                Msg::Detail {
                    req,
                    result: Box::new(rt.block_on(a.get_call(key.scope.as_deref(), &key.id))),
                }
            }
            _ => continue,
        };
        queue.extend(crate::app::update::update(state, msg));
    }
}

/// All calls with `n` calls loaded from five in-memory providers (their times interleaved), the
/// cursor at the top: what the scale benchmarks and the memory harness measure.
pub fn all_calls_state(
    n: usize,
    size: (u16, u16),
) -> (crate::app::state::State, Vec<Arc<dyn Provider>>) {
    use crate::app::state::{Focus, ProviderEntry, SidebarRow, State};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let names = ["welkin", "solum", "talkpilot", "voxeme", "allomia"];
    let providers: Vec<Arc<dyn Provider>> = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let mut p = MemoryProvider::new(name, n / names.len());
            for c in &mut p.calls {
                c.started_at = c.started_at.map(|t| t - Duration::minutes(7 * k as i64));
            }
            p.arc()
        })
        .collect();
    let entries = providers
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let info = crate::providers::describe(crate::model::ProviderId::new(i), p.as_ref());
            ProviderEntry::new(info, Ok(()))
        })
        .collect();
    let mut s = State::new(entries, true, crate::model::TimeZoneSetting::Utc);
    s.now = fixed_now;
    s.size = size;
    s.focus = Focus::Sidebar;
    s.sidebar_to(SidebarRow::AllCalls);
    let key = |c| crate::app::msg::Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let enter = crate::app::msg::Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let e = crate::app::update::update(&mut s, enter);
    drive(&mut s, &providers, e);
    let e = crate::app::update::update(&mut s, key('G'));
    drive(&mut s, &providers, e);
    let e = crate::app::update::update(&mut s, key('g'));
    drive(&mut s, &providers, e);
    (s, providers)
}
