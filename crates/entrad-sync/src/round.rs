//! Delta rounds into a store: from the stored link, page by page, each page
//! applied with the link that follows it.

use entrad_graph::GraphClient;
use futures_util::TryStreamExt;

use crate::changes::Changes;
use crate::error::{Error, Result};
use crate::kind::Kind;
use crate::selection::Selection;
use crate::store::{Cursor, Store};
use crate::summary::Counts;

/// Fresh rounds started in one run after Graph forgot the sync state, before giving up.
const MAX_RESYNCS: u32 = 3;

/// What to mirror, and how.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The collections, in order.
    pub kinds: Vec<Kind>,
    /// The properties asked for and stored as columns.
    pub selection: Selection,
    /// Items per page asked for (`Prefer: odata.maxpagesize`); `None`: the service's default.
    pub page_size: Option<u32>,
    /// When the run began (Unix milliseconds), in a fleet: a tenant whose
    /// rounds of every kind all ended since then was synced by another worker
    /// during this run, and is skipped ([`Outcome::Busy`]) rather than synced
    /// twice. The workers' clocks should agree to well within a run.
    pub run_began_ms: Option<i64>,
}

/// How a tenant's sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Synced: what changed.
    Synced(Counts),
    /// Another worker holds the tenant (PostgreSQL advisory lock), or synced
    /// it during this run ([`Plan::run_began_ms`]): skipped.
    Busy,
}

/// Brings `tenant`'s mirror up to date for every kind of `plan`: from the
/// stored cursor (or a first full round), every page up to the deltaLink,
/// each applied in one transaction with the link after it. `on_page` sees
/// each applied page's counts (for a progress display). A tenant another
/// worker holds is skipped ([`Outcome::Busy`]).
pub async fn sync_tenant<S: Store>(
    graph: &GraphClient,
    store: &mut S,
    tenant: &str,
    plan: &Plan,
    on_page: &mut (dyn FnMut(&Counts) + Send),
) -> Result<Outcome> {
    if !store.try_lock(tenant).await? {
        return Ok(Outcome::Busy);
    }
    let synced_since_began = match plan.run_began_ms {
        Some(began) => synced_since(store, tenant, &plan.kinds, began).await,
        None => Ok(false),
    };
    match synced_since_began {
        Ok(false) => {}
        Ok(true) => {
            store.unlock(tenant).await?;
            return Ok(Outcome::Busy);
        }
        Err(e) => {
            // The lock is let go whatever happens; the read's error is the one reported.
            let _ = store.unlock(tenant).await;
            return Err(e);
        }
    }
    let mut synced = Ok(Counts::default());
    for &kind in &plan.kinds {
        match sync_kind(graph, store, tenant, kind, plan, on_page).await {
            Ok(counts) => {
                if let Ok(total) = &mut synced {
                    *total += counts;
                }
            }
            Err(e) => {
                synced = Err(e);
                break;
            }
        }
    }
    let unlocked = store.unlock(tenant).await;
    let counts = synced?;
    unlocked?;
    Ok(Outcome::Synced(counts))
}

/// Whether every kind's last round of `tenant` ended at or after `began`.
async fn synced_since<S: Store>(
    store: &mut S,
    tenant: &str,
    kinds: &[Kind],
    began: i64,
) -> Result<bool> {
    for &kind in kinds {
        let ended = store.round_ended(tenant, kind).await?;
        if ended.is_none_or(|ended| ended < began) {
            return Ok(false);
        }
    }
    Ok(!kinds.is_empty())
}

/// One kind: the rest of the current round, or the next round.
async fn sync_kind<S: Store>(
    graph: &GraphClient,
    store: &mut S,
    tenant: &str,
    kind: Kind,
    plan: &Plan,
    on_page: &mut (dyn FnMut(&Counts) + Send),
) -> Result<Counts> {
    let columns = plan.selection.columns(kind);
    store.add_columns(kind, &columns).await?;
    let selection = plan.selection.fingerprint(kind);
    let fresh = |round: i64| Cursor {
        link: plan.selection.first_link(kind),
        done: false,
        full: true,
        round,
        selection: selection.clone(),
    };
    let mut at = match store.cursor(tenant, kind).await? {
        None => fresh(1),
        Some(stored) if stored.selection != selection => fresh(stored.round + 1),
        Some(stored) if stored.done => Cursor {
            done: false,
            full: false,
            round: stored.round + 1,
            ..stored
        },
        Some(stored) => stored,
    };
    let mut pages = KindPages {
        graph,
        store,
        tenant,
        kind,
        columns: &columns,
        page_size: plan.page_size,
        counts: Counts::default(),
        on_page,
    };
    let mut resyncs = 0;
    loop {
        let failure = match pages.round(&mut at).await {
            Ok(()) => return Ok(pages.counts),
            Err(Stop::Graph(failure)) => failure,
            Err(Stop::Page(e) | Stop::Other(e)) => return Err(e),
        };
        if !sync_state_lost(&failure) || resyncs == MAX_RESYNCS {
            return Err(Error::Graph(failure));
        }
        // Graph no longer knows the round: start a fresh one; its last page
        // sweeps what it did not see.
        resyncs += 1;
        tracing::info!(%tenant, %kind, "Graph lost the sync state (410): starting a fresh round");
        at = fresh(at.round + 1);
    }
}

/// Why [`round_pages`] stopped short of the deltaLink.
enum Stop {
    /// Graph failed to give a page (a lost sync state starts a fresh round).
    Graph(entrad_graph::Error),
    /// A page sent to the store failed (the pages sent behind it fail too,
    /// because of it): the sync of this kind ends.
    Page(Error),
    /// Anything else: the sync of this kind ends.
    Other(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        Stop::Other(e)
    }
}

/// One kind's pages on their way from Graph to the store, and what they
/// changed so far.
struct KindPages<'a, S> {
    graph: &'a GraphClient,
    store: &'a mut S,
    tenant: &'a str,
    kind: Kind,
    columns: &'a [&'a str],
    page_size: Option<u32>,
    counts: Counts,
    on_page: &'a mut (dyn FnMut(&Counts) + Send),
}

impl<S: Store> KindPages<'_, S> {
    /// The pages from `at` to the deltaLink, each sent to the store with the
    /// link after it, and `at` moved along. Every page sent has been waited for
    /// when this returns, whatever happened: a page's failure is the one
    /// reported (it came first, and the pages after it were not applied).
    async fn round(&mut self, at: &mut Cursor) -> Result<(), Stop> {
        let sent = self.send(at).await;
        let mut waited = Ok(());
        while waited.is_ok() && self.store.pending() > 0 {
            waited = self.wait_one().await;
        }
        // After a failure the later pages' answers are read (and dropped): they
        // fail too, behind it.
        while self.store.pending() > 0 {
            let _ = self.store.applied().await;
        }
        match sent {
            // A page failed while the next was on its way: that one's
            // failure, which only follows from it, is not the one to report.
            Err(Stop::Page(first)) => Err(Stop::Page(first)),
            sent => {
                waited.map_err(Stop::Page)?;
                sent
            }
        }
    }

    /// Sends the pages from `at` until the deltaLink; the page before the one
    /// sent last may still be on its way when this returns. The store applies
    /// a page while the next one is fetched and read: at most one page waits
    /// for its answer while the client works on the next.
    async fn send(&mut self, at: &mut Cursor) -> Result<(), Stop> {
        let (graph, kind) = (self.graph, self.kind);
        let mut pages = std::pin::pin!(graph.raw_delta_pages(&at.link, self.page_size));
        loop {
            let mut page = match pages.try_next().await {
                Ok(Some(page)) => page,
                Ok(None) => {
                    return Err(Stop::Other(Error::Page(format!(
                        "the {kind} round ended without an @odata.deltaLink"
                    ))));
                }
                Err(e) => return Err(Stop::Graph(e)),
            };
            // A link is checked before it is stored: a link the token may
            // not follow, kept, would fail every later run.
            let next = match (page.next_link.take(), page.delta_link.take()) {
                (Some(link), _) => {
                    graph
                        .check_next_link(&at.link, &link)
                        .map_err(Error::Graph)?;
                    Cursor { link, ..at.clone() }
                }
                (None, Some(link)) => {
                    graph
                        .check_delta_link(&at.link, &link)
                        .map_err(Error::Graph)?;
                    Cursor {
                        link,
                        done: true,
                        ..at.clone()
                    }
                }
                (None, None) => {
                    return Err(Stop::Other(Error::Page(format!(
                        "a {kind} page has neither @odata.nextLink nor @odata.deltaLink"
                    ))));
                }
            };
            let changes = Changes::read(kind, self.columns, page.items())?;
            self.store.send(self.tenant, kind, &changes, &next).await?;
            while self.store.pending() > 1 {
                self.wait_one().await.map_err(Stop::Page)?;
            }
            if next.done {
                return Ok(());
            }
            *at = next;
        }
    }

    /// Waits for the oldest page sent: its counts are added to the kind's.
    async fn wait_one(&mut self) -> Result<()> {
        if let Some(applied) = self.store.applied().await? {
            (self.on_page)(&applied);
            self.counts += applied;
        }
        Ok(())
    }
}

/// 410 Gone, `syncStateNotFound`, `resyncRequired`: the link can no longer be used.
fn sync_state_lost(error: &entrad_graph::Error) -> bool {
    error.graph_error().is_some_and(|e| {
        e.status == 410
            || e.code.eq_ignore_ascii_case("syncStateNotFound")
            || e.code.eq_ignore_ascii_case("resyncRequired")
    })
}
