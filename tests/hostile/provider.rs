//! An in-memory provider whose every vendor-made string is hostile: its label, its agents'
//! names, its calls' callers, statuses, summaries and fields, and in the detail the facts,
//! warnings, summaries, speakers, turns, an unreadable transcript and an error message.

use async_trait::async_trait;
use callbrowser::fixtures::MemoryProvider;
use callbrowser::model::{
    Account, Call, CallDetail, Capabilities, Filter, Page, PageRequest, ProviderKind, Scope,
    Speaker, Transcript, Turn,
};
use callbrowser::providers::{Provider, ProviderError, RecordingStream};

pub struct Hostile {
    inner: MemoryProvider,
    texts: Vec<String>,
    /// Whether listing calls fails (with a hostile message).
    pub fail_list: bool,
}

impl Hostile {
    /// Field `k` of this provider gets hostile string `offset + k`, so that over all offsets
    /// every string lands in every field, next to different neighbours.
    pub fn new(strings: &[String], offset: usize) -> Hostile {
        let texts: Vec<String> = (0..strings.len())
            .map(|k| strings[(offset + k) % strings.len()].clone())
            .collect();
        let t = |k: usize| texts[k % texts.len()].clone();
        let mut inner = MemoryProvider::new("hostile", 12);
        for (j, s) in inner.scopes.iter_mut().enumerate() {
            s.name = t(20 + j);
            s.detail = Some(t(23 + j));
        }
        for (j, c) in inner.calls.iter_mut().enumerate() {
            c.caller_name = Some(t(j));
            if j % 2 == 0 {
                c.caller_number = Some(t(j + 1));
            }
            c.status = Some(t(j + 2));
            c.summary = Some(t(j + 3));
            c.fields = vec![
                (t(j + 4), t(j + 5)),
                ("customer_request".into(), t(j + 6)),
                ("plain".into(), "value".into()),
            ];
        }
        Hostile {
            inner,
            texts,
            fail_list: false,
        }
    }

    pub fn text(&self, k: usize) -> String {
        self.texts[k % self.texts.len()].clone()
    }

    fn dress(&self, mut d: CallDetail) -> CallDetail {
        let t = |k| self.text(k);
        d.score = Some(t(30));
        d.outcome = Some(t(31));
        d.sentiment = Some(t(32));
        d.intent = Some(t(33));
        d.handled_by = Some(t(34));
        d.warnings = vec![t(35), t(36)];
        d.other_summaries = vec![(t(37), t(38))];
        d.transcript = if d.call.id == "call-000001" {
            Transcript::Unparsed {
                raw: format!("{}\n{}\n{}", t(39), t(40), t(41)),
                warning: t(42),
            }
        } else {
            let turn = |speaker, k| Turn {
                speaker,
                text: t(k),
            };
            let mut turns = vec![
                turn(Speaker::Other(t(43)), 44),
                turn(Speaker::Agent, 45),
                turn(Speaker::Caller, 46),
                turn(Speaker::Caller, 47),
                turn(Speaker::Other(t(48)), 49),
                turn(Speaker::Agent, 50),
            ];
            turns.extend(d.transcript.turns().iter().take(4).cloned());
            Transcript::Turns(turns)
        };
        d
    }

    fn vendor_error(&self, k: usize) -> ProviderError {
        ProviderError::Vendor {
            provider: "TalkPilot".into(),
            status: 500,
            code: self.text(k),
            message: self.text(k + 1),
        }
    }
}

#[async_trait]
impl Provider for Hostile {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn account(&self) -> &Account {
        self.inner.account()
    }
    fn label(&self) -> &str {
        &self.texts[51 % self.texts.len()]
    }
    fn kind(&self) -> ProviderKind {
        self.inner.kind()
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }
    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        self.inner.list_scopes(search, page).await
    }
    async fn list_calls(
        &self,
        scope: Option<&str>,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Call>, ProviderError> {
        if self.fail_list {
            return Err(self.vendor_error(52));
        }
        self.inner.list_calls(scope, filter, page).await
    }
    async fn get_call(&self, scope: Option<&str>, id: &str) -> Result<CallDetail, ProviderError> {
        if id == "call-000002" {
            return Err(self.vendor_error(54));
        }
        Ok(self.dress(self.inner.get_call(scope, id).await?))
    }
    async fn open_recording(
        &self,
        scope: Option<&str>,
        id: &str,
        from: u64,
    ) -> Result<RecordingStream, ProviderError> {
        self.inner.open_recording(scope, id, from).await
    }
    async fn check(&self) -> Result<String, ProviderError> {
        self.inner.check().await
    }
}
