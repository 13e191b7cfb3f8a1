//! Paging through `update` whatever the server claims: `G` stops on repeated or empty pages and
//! at the configured cap, shows its progress and stops on Esc; a filter change on local keys
//! only filters the loaded pages again.

mod support;

use callbrowser::app::msg::Effect;
use callbrowser::app::update::init;
use callbrowser::fixtures::MemoryProvider;
use callbrowser::model::{Page, PageRequest};
use callbrowser::providers::ProviderError;
use crossterm::event::KeyCode;
use support::*;

#[test]
fn a_filter_change_on_local_keys_only_refilters_the_loaded_pages() {
    let mut s = loaded(250, (160, 45));
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(s.list.rows.calls.len(), 250, "every page loaded");
    // dur is applied locally by this provider: no request, every loaded page kept.
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "dur>600");
    let e = key(&mut s, KeyCode::Enter);
    assert!(e.is_empty(), "no request for a local-only change: {e:?}");
    assert_eq!(s.list.rows.calls.len(), 250);
    let shown = s.list.rows.visible.len();
    assert!(shown > 0 && shown < 250, "{shown}");
    assert!(
        s.status.text.contains("applied to loaded calls"),
        "{}",
        s.status.text
    );
    // Esc drops it, again without a request.
    let e = key(&mut s, KeyCode::Esc);
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(s.list.rows.visible.len(), 250);
    // A server key (done:) does ask again, from page 1.
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "done:false");
    let e = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(e.as_slice(), [Effect::LoadCalls { page, .. }] if page.page == 1),
        "{e:?}"
    );
}

/// A provider whose server claims a billion pages and sends the same page again and again.
struct Repeating(MemoryProvider);

#[async_trait::async_trait]
impl callbrowser::providers::Provider for Repeating {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn account(&self) -> &callbrowser::model::Account {
        self.0.account()
    }
    fn label(&self) -> &str {
        self.0.label()
    }
    fn kind(&self) -> callbrowser::model::ProviderKind {
        self.0.kind()
    }
    fn capabilities(&self) -> &callbrowser::model::Capabilities {
        self.0.capabilities()
    }
    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<callbrowser::model::Scope>, ProviderError> {
        self.0.list_scopes(search, page).await
    }
    async fn list_calls(
        &self,
        scope: Option<&str>,
        filter: &callbrowser::model::Filter,
        page: PageRequest,
    ) -> Result<Page<callbrowser::model::Call>, ProviderError> {
        // Page 1 again and again; or (turns = 0) real pages, then empty ones.
        let asked = if self.0.turns == 0 {
            page
        } else {
            PageRequest { page: 1, ..page }
        };
        let mut p = self.0.list_calls(scope, filter, asked).await?;
        p.page = page.page;
        p.total_pages = Some(1_000_000_000);
        p.total_items = Some(100_000_000_000);
        p.has_more = true;
        if page.page >= 3 && self.0.turns == 0 {
            p.items.clear(); // empty pages that claim more
        }
        Ok(p)
    }
    async fn get_call(
        &self,
        scope: Option<&str>,
        id: &str,
    ) -> Result<callbrowser::model::CallDetail, ProviderError> {
        self.0.get_call(scope, id).await
    }
    async fn open_recording(
        &self,
        scope: Option<&str>,
        id: &str,
        from: u64,
    ) -> Result<callbrowser::providers::RecordingStream, ProviderError> {
        self.0.open_recording(scope, id, from).await
    }
    async fn check(&self) -> Result<String, ProviderError> {
        self.0.check().await
    }
}

fn repeating(empty_from_page_3: bool, calls: usize) -> support::World {
    let mut p = MemoryProvider::new("talkpilot", calls);
    if empty_from_page_3 {
        p.turns = 0;
    }
    let mut s = state_with(vec![std::sync::Arc::new(Repeating(p))], (160, 45));
    let e = init(&mut s);
    pump(&mut s, e);
    s
}

#[test]
fn g_stops_when_the_server_repeats_a_page_or_sends_empty_ones() {
    // The same page again: stopped after it, with the reason on screen.
    let mut s = repeating(false, 100);
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(s.list.rows.calls.len(), 100);
    assert!(!s.list.paging.has_more && !s.list.paging.follow_end);
    assert_eq!(
        s.list.paging.stopped,
        Some(callbrowser::model::PagingStop::Repeated { page: 2 })
    );
    assert!(
        s.status.text.contains("page 2 brought no new calls"),
        "{}",
        s.status.text
    );
    // Empty pages while claiming more: stopped at the first.
    let mut s = repeating(true, 250);
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(
        s.list.paging.stopped,
        Some(callbrowser::model::PagingStop::EmptyButMore { page: 3 })
    );
}

#[test]
fn g_stops_at_the_configured_cap_shows_progress_and_esc_stops_it() {
    let mut s = loaded(250, (160, 45));
    s.max_list_calls = 150;
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(
        s.list.rows.calls.len(),
        200,
        "the page that crossed the cap is kept"
    );
    assert_eq!(
        s.list.paging.stopped,
        Some(callbrowser::model::PagingStop::Full { max: 150 })
    );
    assert!(
        s.status.text.contains("max_list_calls"),
        "{}",
        s.status.text
    );

    // While G loads, the title says how far it got, and Esc stops it (keeping the rows).
    let mut s = loaded(250, (160, 45));
    let e = key(&mut s, KeyCode::Char('G'));
    assert!(s.list.paging.follow_end);
    let title = callbrowser::ui::list::title_text(&s);
    assert!(title.contains("loading every page: 100 calls"), "{title}");
    assert!(title.contains("Esc stops"), "{title}");
    let esc = key(&mut s, KeyCode::Esc);
    assert!(esc.is_empty());
    pump(&mut s, e); // the answer in flight is dropped
    assert_eq!(s.list.rows.calls.len(), 100);
    assert!(!s.list.paging.follow_end && s.list.paging.has_more);
    assert!(
        s.status.text.contains("stopped loading at 100 calls"),
        "{}",
        s.status.text
    );
}
