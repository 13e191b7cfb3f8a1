//! What `update` tells the user: a sidebar search of its own provider, a failed provider's
//! reason and fix, what a provider does not offer, no provider configured, a resize that keeps
//! the detail in view, a reload that shows the new answer.

mod support;

use callbrowser::app::msg::{Effect, Msg};
use callbrowser::app::state::Focus;
use callbrowser::app::update::{init, update};
use callbrowser::fixtures::MemoryProvider;
use callbrowser::model::ProviderId;
use crossterm::event::KeyCode;
use support::*;

#[test]
fn reloading_the_detail_shows_the_new_answer_not_the_cached_lines() {
    let mut s = loaded(10, (160, 45));
    press(&mut s, KeyCode::Enter);
    let e = key(&mut s, KeyCode::Char('r'));
    let [Effect::LoadDetail { req, .. }] = e.as_slice() else {
        panic!("{e:?}")
    };
    let mut d = s.detail.detail.clone().unwrap();
    d.call.summary = Some("A SUMMARY CHANGED AT THE VENDOR".into());
    update(
        &mut s,
        Msg::Detail {
            req: *req,
            result: Box::new(Ok(d)),
        },
    );
    let lines = &s.detail.layout.as_ref().unwrap().lines;
    assert!(
        lines
            .iter()
            .any(|l| l.to_string().contains("A SUMMARY CHANGED AT THE VENDOR")),
        "the reloaded detail is laid out again"
    );
}

#[test]
fn a_resize_never_leaves_the_detail_pane_blank() {
    let mut s = state_with(
        vec![{
            let mut p = MemoryProvider::new("talkpilot", 30);
            p.turns = 471;
            p.arc()
        }],
        (100, 40),
    );
    let e = init(&mut s);
    pump(&mut s, e);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('G'));
    let before = s.detail.layout.as_ref().unwrap().lines.len();
    assert!(s.detail.scroll > before / 2, "at the end");
    update(&mut s, Msg::Resize(200, 50));
    let lines = s.detail.layout.as_ref().unwrap().lines.len();
    assert!(lines < before, "a wider pane has fewer lines");
    let rows = s.areas().detail_rows();
    assert!(
        s.detail.scroll + rows <= lines.max(rows),
        "scroll {} of {lines} lines in {rows} rows",
        s.detail.scroll
    );
    assert!(s.detail.scroll > 0, "still near the end, where it was");
}

#[test]
fn a_sidebar_search_belongs_to_the_provider_it_was_started_on() {
    // The first provider has parents (agents); the second none, right below it.
    let first = MemoryProvider::new("a", 20);
    let mut second = MemoryProvider::new("b", 7);
    second.caps.scope_noun = None;
    let searches = first.scope_searches.clone();
    let mut s = state_with(vec![first.arc(), second.arc()], (160, 45));
    let e = init(&mut s);
    pump(&mut s, e);
    press(&mut s, KeyCode::Tab);
    assert_eq!(s.focus, Focus::Sidebar);
    // The program opened on All calls; the search starts on the first provider's row.
    s.sidebar_to(callbrowser::app::state::SidebarRow::Provider(ProviderId(0)));
    press(&mut s, KeyCode::Char('/'));
    // Typing what matches none of the loaded agents keeps the cursor with this provider.
    type_text(&mut s, "mrn:MRN-00848");
    assert_eq!(s.sidebar_provider(), Some(ProviderId(0)));
    let e = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(e.as_slice(), [Effect::LoadScopes { provider: ProviderId(0), search: Some(q), .. }] if q == "mrn:MRN-00848"),
        "Enter asks the provider's server: {e:?}"
    );
    pump(&mut s, e);
    assert_eq!(s.sidebar_provider(), Some(ProviderId(0)));
    // The same search again asks again (the server's data may have changed).
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "mrn:MRN-00848");
    let e = key(&mut s, KeyCode::Enter);
    assert!(matches!(e.as_slice(), [Effect::LoadScopes { .. }]), "{e:?}");
    pump(&mut s, e);
    assert_eq!(
        searches
            .lock()
            .unwrap()
            .iter()
            .filter(|q| q.as_deref() == Some("mrn:MRN-00848"))
            .count(),
        2
    );
}

#[test]
fn a_failed_provider_shows_its_whole_reason_and_the_fix_and_keeps_its_last_error() {
    let ok = MemoryProvider::new("a", 5);
    let mut s = state_with(vec![ok.arc()], (160, 45));
    // A second provider whose key could not be read at start.
    let mut info = callbrowser::fixtures::info(&MemoryProvider::new("b", 0));
    info.id = ProviderId(1);
    info.label = "Solum Health".into();
    info.capabilities.scope_noun = None;
    let why =
        "Solum Health: the environment variable SOLUM_KEY is not set (it should hold the API key)";
    s.providers
        .push(callbrowser::app::state::ProviderEntry::new(
            info,
            Err(why.into()),
        ));
    s.config_path = Some("/home/me/.config/callbrowser/config.toml".into());
    let e = init(&mut s);
    pump(&mut s, e);
    // An error of the first provider arrives: the status line says it.
    s.set_status("something else happened", false);
    s.focus = Focus::Sidebar;
    s.sidebar_to(callbrowser::app::state::SidebarRow::Provider(ProviderId(1)));
    press(&mut s, KeyCode::Up);
    press(&mut s, KeyCode::Down);
    assert!(
        s.status.is_error && s.status.text == why,
        "its own last error: {:?}",
        s.status
    );
    // Enter on it: the list pane says the whole reason and the fix.
    press(&mut s, KeyCode::Enter);
    let text = s.list.paging.error.clone().unwrap();
    assert!(text.contains("SOLUM_KEY is not set"), "{text}");
    assert!(
        text.contains("/home/me/.config/callbrowser/config.toml"),
        "{text}"
    );
    assert_eq!(s.focus, Focus::List);
}

#[test]
fn what_a_provider_does_not_offer_is_named() {
    // has:recording on a provider without recordings: the empty list says why.
    let mut p = MemoryProvider::new("solum", 5);
    p.caps.has_recordings = false;
    p.caps.has_transcripts = false;
    p.caps.has_detail = false; // the list item is the detail, as with Solum
    for c in &mut p.calls {
        c.has_recording = Some(false);
    }
    let mut s = state_with(vec![p.arc()], (160, 45));
    let e = init(&mut s);
    pump(&mut s, e);
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "has:recording");
    press(&mut s, KeyCode::Enter);
    assert!(s.list.rows.visible.is_empty());
    let screen = render_text(&s);
    assert!(
        screen.contains("does not offer recordings, so has:recording matches no call"),
        "{screen}"
    );
    // The detail names the provider instead of "this provider".
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Enter);
    let lines: String = s
        .detail
        .layout
        .as_ref()
        .unwrap()
        .lines
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect();
    assert!(
        lines.contains("TalkPilot does not offer recordings."),
        "{lines}"
    );
    assert!(
        lines.contains("TalkPilot does not offer transcripts."),
        "{lines}"
    );
}

#[test]
fn with_no_provider_configured_the_screen_says_where_the_file_is() {
    let mut s = state_with(Vec::new(), (120, 30));
    s.config_path = Some("/home/me/.config/callbrowser/config.toml".into());
    let e = init(&mut s);
    assert!(e.is_empty());
    let screen = render_text(&s);
    assert!(screen.contains("No provider is configured"), "{screen}");
    assert!(
        screen.contains("/home/me/.config/callbrowser/config.toml"),
        "{screen}"
    );
}

fn render_text(s: &callbrowser::app::state::State) -> String {
    let mut t =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(s.size.0, s.size.1)).unwrap();
    t.draw(|f| callbrowser::ui::draw(f, s)).unwrap();
    format!("{}", t.backend())
}
