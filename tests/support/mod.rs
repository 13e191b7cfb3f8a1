//! Drives `update` the way the runtime does, answering effects from in-memory providers.
#![allow(dead_code)]

pub mod fetch;

use std::sync::Arc;

use callbrowser::app::msg::{Effect, Msg};
use callbrowser::app::state::{ProviderEntry, State};
use callbrowser::app::update::{init, update};
use callbrowser::fixtures::{MemoryProvider, fixed_now};
use callbrowser::model::TimeZoneSetting;
use callbrowser::providers::Provider;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn state_with(providers: Vec<Arc<dyn Provider>>, size: (u16, u16)) -> State {
    let entries = providers
        .into_iter()
        .map(|p| {
            let (name, label) = (p.name().to_string(), p.label().to_string());
            ProviderEntry::new(&name, &label, Ok(p))
        })
        .collect();
    let mut s = State::new(entries, true, TimeZoneSetting::Utc);
    s.now = fixed_now;
    s.size = size;
    s
}

/// The answer a provider gives to one effect.
pub fn answer(state: &State, effect: &Effect) -> Option<Msg> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let provider = |i: usize| state.providers[i].provider.clone().unwrap();
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
        // The tests send `Msg::LiveTick` themselves instead of sleeping.
        Effect::LiveTimer { .. } => return None,
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
        Effect::LoadDetail {
            req,
            provider: i,
            key,
        } => Msg::Detail {
            req,
            result: Box::new(rt.block_on(provider(i).get_call(key.scope.as_deref(), &key.id))),
        },
        Effect::Suspend => return None,
    })
}

/// Runs effects to completion, feeding every answer back through `update`.
pub fn pump(state: &mut State, effects: Vec<Effect>) {
    let mut queue = effects;
    while !queue.is_empty() {
        let e = queue.remove(0);
        if let Some(msg) = answer(state, &e) {
            queue.extend(update(state, msg));
        }
    }
}

pub fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    let mods = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    update(state, Msg::Key(KeyEvent::new(code, mods)))
}

pub fn press(state: &mut State, code: KeyCode) {
    let e = key(state, code);
    pump(state, e);
}

pub fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

/// A demo-like state: one in-memory TalkPilot with `calls` calls, started and loaded.
pub fn loaded(calls: usize, size: (u16, u16)) -> State {
    let mut s = state_with(vec![MemoryProvider::new("talkpilot", calls).arc()], size);
    let e = init(&mut s);
    pump(&mut s, e);
    s
}
