//! The job runner: runs `update`'s effects as tasks keyed by what they are for (a new request
//! for the same key cancels the older one; different keys run side by side), and keeps the
//! subscriptions the state asks for running — starting new ones, dropping the rest.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::msg::{Effect, JobKey, Msg, SubKey, Subscription};
use crate::audio::download::Source;
use crate::audio::player::{Options, Player};
use crate::model::ProviderId;
use crate::providers::Provider;
use crate::store::actor::StoreActor;

/// A task that is aborted when this handle is dropped.
struct Task(JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running subscription: a task, or the player (its own threads).
enum Running {
    Task(#[allow(dead_code)] Task),
    Player(Player),
    Store(StoreActor),
}

/// Runs effects and subscriptions. It owns the provider objects: state and views only hold
/// their descriptions.
pub struct Jobs {
    providers: Vec<Option<Arc<dyn Provider>>>,
    tx: UnboundedSender<Msg>,
    jobs: HashMap<JobKey, Task>,
    subscriptions: HashMap<SubKey, Running>,
    /// Whether players try the audio device (off: the paced null output).
    audio_device: bool,
}

impl Jobs {
    /// `providers[i]` is configured provider `i` (`None` when it could not be set up).
    pub fn new(providers: Vec<Option<Arc<dyn Provider>>>, tx: UnboundedSender<Msg>) -> Jobs {
        Jobs {
            providers,
            tx,
            jobs: HashMap::new(),
            subscriptions: HashMap::new(),
            audio_device: true,
        }
    }

    /// Players play silently on a paced null output (tests, or `--no-audio`).
    pub fn without_audio_device(mut self) -> Jobs {
        self.audio_device = false;
        self
    }

    fn provider(&self, id: ProviderId) -> Option<Arc<dyn Provider>> {
        self.providers.get(id.index()).cloned().flatten()
    }

    /// Jobs running now (finished ones are forgotten as new ones start).
    pub fn running(&self) -> usize {
        self.jobs.values().filter(|t| !t.0.is_finished()).count()
    }

    /// Subscriptions running now.
    pub fn subscribed(&self) -> Vec<SubKey> {
        self.subscriptions.keys().cloned().collect()
    }

    /// Starts `effect` as a job; the running job of the same key, if any, is cancelled.
    pub fn run(&mut self, effect: Effect) {
        if let Effect::Player { session, cmd } = effect {
            if let Some(Running::Player(p)) = self.subscriptions.get(&SubKey::Player { session }) {
                p.send(cmd);
            }
            return;
        }
        if let Effect::Store(cmd) = effect {
            if let Some(Running::Store(s)) = self.subscriptions.get(&SubKey::Store) {
                s.send(cmd);
            }
            return;
        }
        let Some(key) = effect.job_key() else {
            return;
        };
        let Some(task) = self.spawn(effect) else {
            return;
        };
        self.jobs.retain(|_, t| !t.0.is_finished());
        // Replacing drops (aborts) the older task.
        self.jobs.insert(key, Task(task));
    }

    fn spawn(&self, effect: Effect) -> Option<JoinHandle<()>> {
        let tx = self.tx.clone();
        let task = match effect {
            Effect::LoadScopes {
                req,
                provider,
                search,
                page,
            } => {
                let p = self.provider(provider)?;
                tokio::spawn(async move {
                    let result = p.list_scopes(search.as_deref(), page).await;
                    let _ = tx.send(Msg::Scopes {
                        req,
                        provider,
                        result,
                    });
                })
            }
            Effect::LoadCalls {
                req,
                provider,
                scope,
                filter,
                page,
            } => {
                let p = self.provider(provider)?;
                tokio::spawn(async move {
                    let result = p.list_calls(scope.as_deref(), &filter, page).await;
                    let _ = tx.send(Msg::Calls { req, result });
                })
            }
            Effect::LoadMerged { generation, ask } => match ask {
                crate::model::inbox::Ask::Scopes {
                    provider,
                    search,
                    page,
                } => {
                    let p = self.provider(provider)?;
                    tokio::spawn(async move {
                        let result = p.list_scopes(search.as_deref(), page).await;
                        let _ = tx.send(Msg::MergedScopes {
                            generation,
                            provider,
                            result,
                        });
                    })
                }
                crate::model::inbox::Ask::Calls {
                    source,
                    provider,
                    scope,
                    filter,
                    page,
                } => {
                    let p = self.provider(provider)?;
                    tokio::spawn(async move {
                        let result = p.list_calls(scope.as_deref(), &filter, page).await;
                        let _ = tx.send(Msg::MergedCalls {
                            generation,
                            source,
                            provider,
                            result,
                        });
                    })
                }
            },
            Effect::LoadDetail { req, key } => {
                let p = self.provider(key.provider)?;
                tokio::spawn(async move {
                    let result = Box::new(p.get_call(key.scope.as_deref(), &key.id).await);
                    let _ = tx.send(Msg::Detail { req, result });
                })
            }
            Effect::LoadLive {
                req,
                provider,
                scope,
            } => {
                let p = self.provider(provider)?;
                tokio::spawn(async move {
                    let result = p.list_live(scope.as_deref()).await;
                    let _ = tx.send(Msg::Live { req, result });
                })
            }
            Effect::Suspend | Effect::Copy(_) | Effect::Player { .. } | Effect::Store(_) => {
                return None;
            }
        };
        Some(task)
    }

    /// Makes the running subscriptions exactly `wanted`: starts the new ones, drops the others.
    pub fn subscribe(&mut self, wanted: Vec<Subscription>) {
        let keys: Vec<SubKey> = wanted.iter().map(Subscription::key).collect();
        self.subscriptions.retain(|k, _| keys.contains(k));
        for sub in wanted {
            let key = sub.key();
            if !self.subscriptions.contains_key(&key)
                && let Some(running) = self.start(sub)
            {
                self.subscriptions.insert(key, running);
            }
        }
    }

    fn start(&self, sub: Subscription) -> Option<Running> {
        let tx = self.tx.clone();
        match sub {
            Subscription::LiveTimer {
                generation, after, ..
            } => Some(Running::Task(Task(tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let _ = tx.send(Msg::LiveTick { generation });
            })))),
            Subscription::MergeTimer {
                generation, after, ..
            } => Some(Running::Task(Task(tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let _ = tx.send(Msg::MergeTick { generation });
            })))),
            Subscription::IdleTimer { round, after } => {
                Some(Running::Task(Task(tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = tx.send(Msg::IdleTick { round });
                }))))
            }
            Subscription::Player {
                session,
                key,
                autoplay,
                first,
            } => {
                let source = Source {
                    provider: self.provider(key.provider)?,
                    scope: key.scope,
                    id: key.id,
                };
                let options = Options {
                    device: self.audio_device,
                    autoplay,
                    ..Options::default()
                };
                let runtime = tokio::runtime::Handle::current();
                let player = Player::start(source, options, runtime, move |event| {
                    let _ = tx.send(Msg::Player { session, event });
                });
                for cmd in first {
                    player.send(cmd);
                }
                Some(Running::Player(player))
            }
            Subscription::Store { target, who } => Some(Running::Store(StoreActor::open(
                target,
                who,
                move |event| {
                    let _ = tx.send(Msg::Store(event));
                },
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::MemoryProvider;
    use crate::model::{Filter, PageRequest};
    use std::time::Duration;

    fn calls(req: u64) -> Effect {
        Effect::LoadCalls {
            req,
            provider: ProviderId::new(0),
            scope: None,
            filter: Filter::default(),
            page: PageRequest { page: 1, size: 10 },
        }
    }

    #[tokio::test]
    async fn a_newer_job_of_the_same_key_cancels_the_older_one() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut jobs = Jobs::new(vec![Some(MemoryProvider::new("tp", 5).arc())], tx);
        jobs.run(calls(1));
        jobs.run(calls(2));
        let Some(Msg::Calls { req, .. }) = rx.recv().await else {
            panic!("expected an answer")
        };
        assert_eq!(req, 2, "only the newest list request answers");
        // Another key runs beside it.
        jobs.run(Effect::LoadScopes {
            req: 3,
            provider: ProviderId::new(0),
            search: None,
            page: PageRequest { page: 1, size: 10 },
        });
        jobs.run(calls(4));
        let mut got = Vec::new();
        for _ in 0..2 {
            match rx.recv().await {
                Some(Msg::Scopes { req, .. } | Msg::Calls { req, .. }) => got.push(req),
                other => panic!("{other:?}"),
            }
        }
        got.sort();
        assert_eq!(got, vec![3, 4]);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), rx.recv())
                .await
                .is_err(),
            "request 1 was cancelled"
        );
    }

    #[tokio::test]
    async fn subscriptions_run_while_wanted_and_stop_when_dropped() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut jobs = Jobs::new(Vec::new(), tx);
        let timer = |round, after| Subscription::LiveTimer {
            generation: 7,
            round,
            after,
        };
        jobs.subscribe(vec![timer(1, Duration::from_secs(3600))]);
        assert_eq!(jobs.subscribed().len(), 1);
        // Asked again with the same key: the same task goes on (not restarted).
        jobs.subscribe(vec![timer(1, Duration::ZERO)]);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), rx.recv())
                .await
                .is_err()
        );
        // No longer wanted: dropped; a new round starts its own timer.
        jobs.subscribe(vec![timer(2, Duration::ZERO)]);
        assert_eq!(
            jobs.subscribed(),
            vec![SubKey::LiveTimer {
                generation: 7,
                round: 2
            }]
        );
        assert!(matches!(
            rx.recv().await,
            Some(Msg::LiveTick { generation: 7 })
        ));
        jobs.subscribe(Vec::new());
        assert!(jobs.subscribed().is_empty());
    }
}
