//! Drives `update` the way the runtime does, answering effects from in-memory providers.
#![allow(dead_code)]

pub mod fetch;
pub mod program;

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use callbrowser::app::msg::{Effect, Msg};
use callbrowser::app::state::{ProviderEntry, State};
use callbrowser::app::update::{init, update};
use callbrowser::fixtures::{MemoryProvider, fixed_now};
use callbrowser::model::inbox::Ask;
use callbrowser::model::{ProviderId, TimeZoneSetting};
use callbrowser::providers::{Provider, describe};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The state, and the provider objects the runtime's job runner would hold beside it.
pub struct World {
    pub state: State,
    pub adapters: Vec<Arc<dyn Provider>>,
}

impl Deref for World {
    type Target = State;
    fn deref(&self) -> &State {
        &self.state
    }
}

impl DerefMut for World {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.state
    }
}

pub fn state_with(providers: Vec<Arc<dyn Provider>>, size: (u16, u16)) -> World {
    let entries = providers
        .iter()
        .enumerate()
        .map(|(i, p)| ProviderEntry::new(describe(ProviderId::new(i), p.as_ref()), Ok(())))
        .collect();
    let mut s = State::new(entries, true, TimeZoneSetting::Utc);
    s.now = fixed_now;
    s.size = size;
    World {
        state: s,
        adapters: providers,
    }
}

/// The answer a provider gives to one effect.
pub fn answer(world: &World, effect: &Effect) -> Option<Msg> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let provider = |i: ProviderId| world.adapters[i.index()].clone();
    Some(match effect.clone() {
        Effect::LoadScopes {
            req,
            provider: i,
            search,
            page,
        } => Msg::Scopes {
            req,
            provider: i,
            result: rt.block_on(provider(i).list_scopes(search.as_deref(), page)),
        },
        Effect::LoadLive {
            req,
            provider: i,
            scope,
        } => Msg::Live {
            req,
            result: rt.block_on(provider(i).list_live(scope.as_deref())),
        },
        Effect::LoadCalls {
            req,
            provider: i,
            scope,
            filter,
            page,
        } => Msg::Calls {
            req,
            result: rt.block_on(provider(i).list_calls(scope.as_deref(), &filter, page)),
        },
        Effect::LoadDetail { req, key } => Msg::Detail {
            req,
            result: Box::new(
                rt.block_on(provider(key.provider).get_call(key.scope.as_deref(), &key.id)),
            ),
        },
        Effect::LoadMerged { generation, ask } => match ask {
            Ask::Scopes {
                provider: i,
                search,
                page,
            } => Msg::MergedScopes {
                generation,
                provider: i,
                result: rt.block_on(provider(i).list_scopes(search.as_deref(), page)),
            },
            Ask::Calls {
                source,
                provider: i,
                scope,
                filter,
                page,
            } => Msg::MergedCalls {
                generation,
                source,
                provider: i,
                result: rt.block_on(provider(i).list_calls(scope.as_deref(), &filter, page)),
            },
        },
        Effect::Suspend | Effect::Copy(_) | Effect::Player { .. } | Effect::Store(_) => {
            return None;
        }
    })
}

/// Runs effects to completion, feeding every answer back through `update`.
pub fn pump(state: &mut World, effects: Vec<Effect>) {
    let mut queue = effects;
    while !queue.is_empty() {
        let e = queue.remove(0);
        if let Some(msg) = answer(state, &e) {
            queue.extend(update(state, msg));
        }
    }
}

pub fn key(state: &mut World, code: KeyCode) -> Vec<Effect> {
    let mods = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    update(state, Msg::Key(KeyEvent::new(code, mods)))
}

pub fn press(state: &mut World, code: KeyCode) {
    let e = key(state, code);
    pump(state, e);
}

pub fn type_text(state: &mut World, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

/// A demo-like state: one in-memory TalkPilot with `calls` calls, started and loaded.
pub fn loaded(calls: usize, size: (u16, u16)) -> World {
    let mut s = state_with(vec![MemoryProvider::new("talkpilot", calls).arc()], size);
    let e = init(&mut s);
    pump(&mut s, e);
    s
}
