//! `entrad._entrad.GraphClient`: Microsoft Graph through entrad-graph (its
//! origin rule, throttling retries and claims challenges), with pages handed
//! to Python as an iterator that holds at most a few pages.
//!
//! A page stays Graph's JSON text (entrad-graph's [`RawPage`], never built
//! into `serde_json::Value`s, which took twice as long) until Python asks for
//! its items: each is made from its text when handed out ([`Builder`], the
//! objects `json.loads` makes, the keys shared between items).

use std::sync::Mutex;

use entrad_graph::{GraphAuth, GraphClient as Client, RawPage};
use futures_util::StreamExt as _;
use pyo3::exceptions::{PyStopIteration, PyValueError};
use pyo3::prelude::*;
use tokio::sync::mpsc;
use url::Url;

use crate::errors::{config_error, graph_error};
use crate::json::{Builder, KeyCache, to_python};
use crate::logging;
use crate::runtime;
use crate::source::TokenClient;

/// Graph with a token source's tokens (the native half of `entrad.Graph`).
#[pyclass(module = "entrad._entrad", frozen)]
pub(crate) struct GraphClient {
    tokens: Py<TokenClient>,
    base_url: Option<Url>,
    /// This process's client and the process it belongs to.
    built: Mutex<Option<(u32, Client)>>,
}

impl GraphClient {
    /// This process's client (built again after a fork).
    fn client(&self, py: Python<'_>) -> PyResult<Client> {
        let mut slot = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((pid, client)) = slot.as_ref()
            && *pid == runtime::process_id()
        {
            return Ok(client.clone());
        }
        let tokens = self.tokens.get();
        let built = tokens.built(py)?;
        // A confidential client lends Graph its own HTTP client (one
        // connection pool); any other source's Graph requests get their own.
        let mut builder = match built.confidential {
            Some(client) => Client::builder(GraphAuth::from(client)),
            None => {
                Client::builder(GraphAuth::new(built.source)).http(tokens.settings.http.clone())
            }
        };
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url.clone());
        }
        let client = {
            let runtime = runtime::runtime(py)?;
            let _context = runtime.enter();
            builder.build().map_err(|e| graph_error(py, &e))?
        };
        *slot = Some((runtime::process_id(), client.clone()));
        Ok(client)
    }
}

#[pymethods]
impl GraphClient {
    #[new]
    #[pyo3(signature = (tokens, base_url=None))]
    fn new(py: Python<'_>, tokens: Py<TokenClient>, base_url: Option<&str>) -> PyResult<Self> {
        let base_url = base_url
            .map(|text| {
                Url::parse(text)
                    .map_err(|e| config_error(py, format!("base_url {text:?} is not a URL: {e}")))
            })
            .transpose()?;
        let graph = GraphClient {
            tokens,
            base_url,
            built: Mutex::new(None),
        };
        graph.client(py)?;
        Ok(graph)
    }

    /// The JSON Graph answers at `path_or_url` (one request, no paging).
    fn get<'py>(&self, py: Python<'py>, path_or_url: String) -> PyResult<Bound<'py, PyAny>> {
        logging::sync_level(py);
        let client = self.client(py)?;
        let result = runtime::wait(py, async move { client.get_json(&path_or_url).await });
        logging::deliver(py);
        match result? {
            Ok(value) => to_python(py, &value),
            Err(e) => Err(graph_error(py, &e)),
        }
    }

    /// Every item of the collection at `path_or_url`, across its pages.
    fn items(&self, py: Python<'_>, path_or_url: String) -> PyResult<Items> {
        logging::sync_level(py);
        let client = self.client(py)?;
        let runtime = runtime::runtime(py)?;
        // One page in the channel, one handed out, one on its way (entrad-graph's
        // read-ahead): memory stays flat however many pages there are.
        let (sender, receiver) = mpsc::channel(1);
        runtime.spawn(async move {
            let mut pages = std::pin::pin!(client.raw_pages(&path_or_url));
            while let Some(page) = pages.next().await {
                let failed = page.is_err();
                // The receiver is gone when Python dropped the iterator: stop,
                // which cancels the request ahead.
                if sender.send(page).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(Items {
            state: Mutex::new(ItemsState {
                receiver: Some(receiver),
                page: None,
                next: 0,
                keys: KeyCache::new(),
            }),
        })
    }

    fn __repr__(&self) -> String {
        match &self.base_url {
            Some(url) => format!("<entrad GraphClient {url}>"),
            None => "<entrad GraphClient https://graph.microsoft.com/>".to_owned(),
        }
    }
}

/// A page, or the error that ended the listing.
type PageResult = entrad_graph::Result<RawPage>;

struct ItemsState {
    /// `None` once the last page came, or a wait for one was interrupted.
    receiver: Option<mpsc::Receiver<PageResult>>,
    /// The page being handed out, and its next item.
    page: Option<RawPage>,
    next: usize,
    /// The dict keys made so far (Graph's items repeat theirs).
    keys: KeyCache,
}

/// The items of a collection, page after page (`entrad.Graph.items`).
#[pyclass(module = "entrad._entrad", frozen)]
pub(crate) struct Items {
    state: Mutex<ItemsState>,
}

#[pymethods]
impl Items {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // Waiting for the lock with the GIL held could wait for a thread
        // that needs the GIL back: a second caller is refused, as a generator does.
        let mut state = match self.state.try_lock() {
            Ok(state) => state,
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                return Err(PyValueError::new_err(
                    "Graph.items iterator already executing",
                ));
            }
        };
        loop {
            let state = &mut *state;
            if let Some(page) = &state.page {
                if let Some(text) = page.item(state.next) {
                    state.next += 1;
                    return Builder::new(py, &mut state.keys)
                        .load(text)
                        .or_else(|refused| json_loads(py, text).map_err(|_| refused));
                }
                state.page = None;
            }
            let Some(mut receiver) = state.receiver.take() else {
                return Err(PyStopIteration::new_err(()));
            };
            let received = runtime::wait(py, async move {
                let page = receiver.recv().await;
                (receiver, page)
            });
            logging::deliver(py);
            match received? {
                (receiver, Some(Ok(page))) => {
                    state.receiver = Some(receiver);
                    state.page = Some(page);
                    state.next = 0;
                }
                (_, Some(Err(e))) => return Err(graph_error(py, &e)),
                (_, None) => return Err(PyStopIteration::new_err(())),
            }
        }
    }
}

/// `json.loads(text)`: for the rare item serde_json refuses and Python reads,
/// a lone UTF-16 surrogate escape (`"\ud800"`), which Graph's .NET strings can
/// carry and which `RawPage` let through (it checks escapes' syntax only), or
/// the [`Builder`] leaves to Python (a whole number beyond 64 bits).
fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.getattr("loads")?.call1((text,))
}
