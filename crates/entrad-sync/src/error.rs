//! The crate's one error type.
//!
//! As in the other entrad crates, `Display` says what failed at this level and
//! never repeats its cause, which `source()` gives.

/// This crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a sync. Messages fit on one line and never hold a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `--into` target or another setting is unusable; the message says how to fix it.
    #[error("{0}")]
    Config(String),
    /// A Graph request failed (after its retries).
    #[error("the delta request failed")]
    Graph(#[source] entrad_graph::Error),
    /// Graph answered a delta page of an unexpected shape.
    #[error("unexpected delta page: {0}")]
    Page(String),
    /// The SQLite database refused an operation.
    #[error("SQLite: {what}")]
    Sqlite {
        /// What was being done.
        what: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The PostgreSQL server refused an operation or could not be reached.
    #[error("PostgreSQL: {what}")]
    Postgres {
        /// What was being done.
        what: String,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
}

impl Error {
    /// A SQLite failure while doing `what`.
    pub(crate) fn sqlite(what: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
        let what = what.into();
        move |source| Error::Sqlite { what, source }
    }

    /// A PostgreSQL failure while doing `what`.
    pub(crate) fn postgres(what: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> Error {
        let what = what.into();
        move |source| Error::Postgres { what, source }
    }

    /// True for the database's own failures (unreachable, refused, corrupt),
    /// as opposed to Graph's and the configuration's.
    pub fn is_database(&self) -> bool {
        matches!(self, Error::Sqlite { .. } | Error::Postgres { .. })
    }
}
