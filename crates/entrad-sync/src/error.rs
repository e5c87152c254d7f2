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

impl Error {
    /// What to check, for a local database file that cannot be used as it
    /// is: read-only, not a database, not a file, a full disk, a write that
    /// failed (a full disk, or the file size limit).
    pub fn hint(&self) -> Option<&'static str> {
        use rusqlite::ErrorCode as C;
        let Error::Sqlite { source, .. } = self else {
            return None;
        };
        Some(
            match source
                .downcast_ref::<rusqlite::Error>()?
                .sqlite_error_code()?
            {
                C::ReadOnly => "the database file or its directory is read-only",
                C::NotADatabase => "the file is not a SQLite database",
                C::CannotOpen => {
                    "the path cannot be opened as a database file (a directory? a directory that cannot be written?)"
                }
                C::DiskFull => "the disk holding the database is full",
                C::SystemIoFailure | C::TooBig => {
                    "a write to the database failed: the disk may be full, or the file reached the process's file size limit (ulimit -f)"
                }
                C::PermissionDenied => "the database file cannot be accessed",
                C::DatabaseCorrupt => "the database file is damaged",
                _ => return None,
            },
        )
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
                || *code == SqlState::INSUFFICIENT_PRIVILEGE
                // A migration stopped by the user's own objects (0004).
                || *code == SqlState::DEPENDENT_OBJECTS_STILL_EXIST =>
        {
            ErrorKind::Config
        }
        _ => ErrorKind::Unavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> Error {
        Error::sqlite("committing a page")(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    }

    #[test]
    fn a_local_file_that_cannot_be_used_is_the_configurations_with_a_hint() {
        use rusqlite::ffi;
        for code in [
            ffi::SQLITE_READONLY,
            ffi::SQLITE_NOTADB,
            ffi::SQLITE_CANTOPEN,
            ffi::SQLITE_FULL,
            ffi::SQLITE_IOERR_WRITE,
        ] {
            let e = sqlite(code);
            assert_eq!(e.kind(), ErrorKind::Config, "{code}");
            assert!(e.hint().is_some(), "{code}");
            assert!(e.is_database());
        }
        let busy = sqlite(ffi::SQLITE_BUSY);
        assert_eq!(busy.kind(), ErrorKind::Unavailable);
        assert_eq!(busy.hint(), None);
        // The driver's error is the source, not repeated in the message.
        let e = sqlite(ffi::SQLITE_FULL);
        let cause = std::error::Error::source(&e).unwrap();
        assert!(cause.is::<rusqlite::Error>());
        assert_eq!(e.to_string(), "SQLite: committing a page");
    }
}
