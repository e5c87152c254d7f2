//! One piece of work in flight per key; everyone asking meanwhile shares it.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures_util::future::{BoxFuture, FutureExt as _, Shared};

/// The shared result of one flight.
pub(crate) type Flight<T> = Shared<BoxFuture<'static, T>>;

type Map<K, T> = Arc<Mutex<HashMap<K, Flight<T>>>>;

/// Deduplicates concurrent work per key. The work runs on its own tokio task,
/// so it completes (and, for tokens, fills the cache) even when every caller
/// gives up waiting.
pub(crate) struct SingleFlight<K, T: Clone> {
    inflight: Map<K, T>,
}

impl<K, T> SingleFlight<K, T>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    pub(crate) fn new() -> Self {
        SingleFlight {
            inflight: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Joins the flight for `key`, starting `work` on a new task when there is
    /// none. `on_panic` turns a panicked or cancelled task into a result.
    pub(crate) fn join(
        &self,
        key: &K,
        work: impl FnOnce() -> BoxFuture<'static, T>,
        on_panic: fn(tokio::task::JoinError) -> T,
    ) -> Flight<T> {
        let mut map = lock(&self.inflight);
        if let Some(flight) = map.get(key) {
            return flight.clone();
        }
        let landing = Landing {
            map: Arc::clone(&self.inflight),
            key: key.clone(),
        };
        let fut = work();
        // The map lock is held until the flight is registered, so the task's
        // removal (which takes the lock) always comes after the insert.
        let task = tokio::spawn(async move {
            let _landing = landing;
            fut.await
        });
        let flight = async move { task.await.unwrap_or_else(on_panic) }
            .boxed()
            .shared();
        map.insert(key.clone(), flight.clone());
        flight
    }

    #[cfg(test)]
    fn in_flight(&self) -> usize {
        lock(&self.inflight).len()
    }
}

/// Removes the flight from the map when its task ends, however it ends.
struct Landing<K: Eq + Hash, T: Clone> {
    map: Map<K, T>,
    key: K,
}

impl<K: Eq + Hash, T: Clone> Drop for Landing<K, T> {
    fn drop(&mut self) {
        lock(&self.map).remove(&self.key);
    }
}

/// Map operations are single inserts/removes: a poisoned map is still consistent.
fn lock<K, T: Clone>(map: &Map<K, T>) -> MutexGuard<'_, HashMap<K, Flight<T>>> {
    map.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn panicked(_: tokio::task::JoinError) -> Result<u32, String> {
        Err("panicked".into())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_run() {
        let flights = Arc::new(SingleFlight::<&'static str, Result<u32, String>>::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let flights = flights.clone();
            let runs = runs.clone();
            tasks.push(tokio::spawn(async move {
                flights
                    .join(
                        &"k",
                        move || {
                            async move {
                                runs.fetch_add(1, Ordering::SeqCst);
                                tokio::time::sleep(Duration::from_millis(100)).await;
                                Ok(7)
                            }
                            .boxed()
                        },
                        panicked,
                    )
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(7));
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        tokio::task::yield_now().await;
        assert_eq!(flights.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_finished_flight_is_forgotten_and_panics_become_results() {
        let flights = SingleFlight::<u8, Result<u32, String>>::new();
        let first = flights.join(&1, || async { Ok(1) }.boxed(), panicked).await;
        let second = flights.join(&1, || async { Ok(2) }.boxed(), panicked).await;
        assert_eq!((first, second), (Ok(1), Ok(2)));
        let boom = flights
            .join(&2, || async { panic!("boom") }.boxed(), panicked)
            .await;
        assert_eq!(boom, Err("panicked".to_string()));
        assert_eq!(flights.in_flight(), 0);
    }

    #[tokio::test]
    async fn work_finishes_when_callers_give_up() {
        let flights = SingleFlight::<u8, Result<u32, String>>::new();
        let done = Arc::new(AtomicUsize::new(0));
        let seen = done.clone();
        drop(flights.join(
            &1,
            move || {
                async move {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    seen.fetch_add(1, Ordering::SeqCst);
                    Ok(1)
                }
                .boxed()
            },
            panicked,
        ));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(done.load(Ordering::SeqCst), 1);
        assert_eq!(flights.in_flight(), 0);
    }
}
