//! Where the mirror lives: the [`Store`] trait and its SQLite and PostgreSQL
//! implementations, chosen by an `--into` target.

mod any;
mod checkpointer;
mod columns;
mod cursor;
mod ddl;
mod migrations;
mod mirror_store;
mod nul;
mod page;
mod postgres;
mod sqlite;
mod target;

pub use any::AnyStore;
pub use cursor::Cursor;
pub use mirror_store::Store;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use target::Target;
