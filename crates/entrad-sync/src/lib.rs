//! An incremental mirror of an Entra ID directory (users, groups and their
//! members) in SQLite or PostgreSQL, from Microsoft Graph delta rounds.
//!
//! - [`sync_tenant`]: walks a delta round page by page ([`GraphClient::raw_delta_pages`](entrad_graph::GraphClient::raw_delta_pages))
//!   from the stored link; items are stored as the JSON text Graph sent
//!   ([`Changes`] reads only `id`, `@removed`, `members@delta` and the
//!   selected properties); each page is applied in one transaction together
//!   with the link after it ([`Store::apply`]), so a crash or a kill at any
//!   point resumes from the last committed page, nothing lost and nothing
//!   applied twice. The first round is a full one; later runs start from the
//!   stored deltaLink. When Graph has forgotten the round (410 Gone,
//!   `syncStateNotFound`), a fresh full round starts and its last page sweeps,
//!   in the same transaction, the rows it did not see.
//! - `@removed` reason `changed` (soft delete, can come back) leaves the row
//!   marked `removed = 'changed'`; `deleted` removes it. Groups' `members@delta`
//!   go to the `memberships` table.
//! - [`Store`]: [`SqliteStore`] and [`PostgresStore`] ([`AnyStore`] for
//!   either, from a [`Target`]); rows keyed by tenant; the full object is kept
//!   as JSON (`data`), and the [`Selection`]'s properties as columns.
//!   With PostgreSQL, several workers split tenants with advisory locks
//!   ([`Store::try_lock`]).
//!
//! The schema is in `migrations/` (one numbered SQL file per change, per database).
//!
//! ```no_run
//! use entrad_sync::{AnyStore, Kind, Plan, Selection, Target};
//!
//! # async fn demo(graph: entrad_graph::GraphClient) -> Result<(), entrad_sync::Error> {
//! let mut store = AnyStore::open(&Target::parse("sqlite:/var/lib/entrad/mirror.db")?).await?;
//! let plan = Plan {
//!     kinds: vec![Kind::Users, Kind::Groups],
//!     selection: Selection::new(&["displayName", "mail"])?,
//!     page_size: Some(999),
//!     run_began_ms: None,
//! };
//! let outcome =
//!     entrad_sync::sync_tenant(&graph, &mut store, "contoso.onmicrosoft.com", &plan, &mut |_| {})
//!         .await?;
//! println!("{outcome:?}");
//! # Ok(())
//! # }
//! ```

mod changes;
mod error;
mod kind;
mod round;
mod selection;
mod store;
mod summary;

pub use changes::{Changes, ColumnValue, Removal, Upsert};
pub use error::{Cause, Error, ErrorKind, Result};
pub use kind::Kind;
pub use round::{Outcome, Plan, sync_tenant};
pub use selection::Selection;
pub use store::{AnyStore, Cursor, PostgresStore, SqliteStore, Store, Target};
pub use summary::Counts;
