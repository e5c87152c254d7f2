//! The crate's one error type.
//!
//! As in the other entrad crates, `Display` says what failed at this level and
//! never repeats its cause, which `source()` gives. A database driver's error
//! is kept as a typed [`Cause`], so that the drivers (rusqlite,
//! tokio-postgres) stay out of this crate's API: [`Error::kind`] says what
//! the cause means for the caller.

/// This crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A typed cause kept for [`std::error::Error::source`].
///
/// `source()` gives the cause itself (downcast it to its type, e.g. the
/// driver's error, to look closer), not this wrapper: `Cause` is
/// deliberately not an error of its own.
#[derive(Debug)]
pub struct Cause(Box<dyn std::error::Error + Send + Sync>);

impl Cause {
    /// Keeps `error` as a cause.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Cause {
        Cause(Box::new(error))
    }
}

impl std::ops::Deref for Cause {
    type Target = dyn std::error::Error + Send + Sync;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// How an [`Error`] should be handled: the CLI maps these to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration or the local database is unusable as it is: a
    /// target that does not parse, a file that is read-only, not a database
    /// or a directory, a full disk or a file size limit, a PostgreSQL
    /// password or database that is wrong. A person has to fix it.
    Config,
    /// A Graph request failed: [`entrad_graph::Error::kind`] says how.
    Graph,
    /// The database could not be reached, or was busy: a later run may succeed.
    Unavailable,
    /// Something that should not happen: Graph sent a page of an unexpected
    /// shape, or a link to another origin.
    Internal,
}

/// Everything that can stop a sync. Messages fit on one line and never hold a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `--into` target or another setting is unusable; the message says how to fix it.
    #[error("{0}")]
    Config(String),
    /// A Graph request failed (after its retries), or a page's link is not
    /// one the access token may follow.
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
        source: Cause,
    },
    /// The PostgreSQL server refused an operation or could not be reached.
    #[error("PostgreSQL: {what}")]
    Postgres {
        /// What was being done.
        what: String,
        /// The driver's error.
        #[source]
        source: Cause,
    },
}

impl Error {
    /// A SQLite failure while doing `what`.
    pub(crate) fn sqlite(what: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
        let what = what.into();
        move |source| Error::Sqlite {
            what,
            source: Cause::new(source),
        }
    }

    /// A PostgreSQL failure while doing `what`.
    pub(crate) fn postgres(what: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> Error {
        let what = what.into();
        move |source| Error::Postgres {
            what,
            source: Cause::new(source),
        }
    }

    /// True for the database's own failures (unreachable, refused, corrupt),
    /// as opposed to Graph's and the configuration's: a caller that keeps a
    /// store open should reopen it.
    pub fn is_database(&self) -> bool {
        matches!(self, Error::Sqlite { .. } | Error::Postgres { .. })
    }

    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::Graph(_) => ErrorKind::Graph,
            Error::Page(_) => ErrorKind::Internal,
            Error::Sqlite { source, .. } => source
                .downcast_ref::<rusqlite::Error>()
                .map_or(ErrorKind::Unavailable, sqlite_kind),
            Error::Postgres { source, .. } => source
                .downcast_ref::<tokio_postgres::Error>()
                .map_or(ErrorKind::Unavailable, postgres_kind),
        }
    }
}

/// A local file's problems are the configuration's: the same run fails the
/// same way until a person fixes the file, the disk or the limit. Busy and
/// anything else stay "unavailable", as every database failure was before.
fn sqlite_kind(error: &rusqlite::Error) -> ErrorKind {
    use rusqlite::ErrorCode as C;
    match error.sqlite_error_code() {
        Some(
            C::ReadOnly
            | C::NotADatabase
            | C::CannotOpen
            | C::DiskFull
            | C::SystemIoFailure
            | C::PermissionDenied
            | C::DatabaseCorrupt
            | C::TooBig
            | C::NoLargeFileSupport,
        ) => ErrorKind::Config,
        _ => ErrorKind::Unavailable,
    }
}

/// A wrong password, user or database name is the configuration's; the
/// rest (unreachable, restarting, busy, the server's disk) may pass.
fn postgres_kind(error: &tokio_postgres::Error) -> ErrorKind {
    use tokio_postgres::error::SqlState;
    match error.code() {
        Some(code)
            if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
                || *code == SqlState::INVALID_CATALOG_NAME
                || *code == SqlState::INSUFFICIENT_PRIVILEGE =>
        {
            ErrorKind::Config
        }
        _ => ErrorKind::Unavailable,
    }
}
