//! `--into`: `sqlite:PATH` or `postgres://...`.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// A database to sync into.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// A SQLite file, created when missing.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (`postgres://user:password@host:port/db`
    /// or `postgresql://...`). It can hold a password: never printed.
    Postgres(String),
}

impl Target {
    /// Reads `sqlite:PATH`, `postgres://...` or `postgresql://...`.
    pub fn parse(spec: &str) -> Result<Target> {
        let spec = spec.trim();
        if let Some(path) = spec.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(Error::Config(
                    "sqlite: needs a file path, e.g. sqlite:/var/lib/entrad/mirror.db".to_owned(),
                ));
            }
            return Ok(Target::Sqlite(PathBuf::from(path)));
        }
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            return Ok(Target::Postgres(spec.to_owned()));
        }
        Err(Error::Config(format!(
            "`{}` is not a database: use sqlite:PATH or postgres://user@host:port/db",
            redact(spec)
        )))
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Target::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// `scheme://host...` without what comes before an `@` (user and password).
fn redact(spec: &str) -> String {
    match (spec.find("://"), spec.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &spec[..scheme], &spec[at..])
        }
        (None, _) if spec.len() > 40 => {
            // str::floor_char_boundary needs Rust 1.91; the MSRV is 1.89.
            let end = (0..=40)
                .rev()
                .find(|&i| spec.is_char_boundary(i))
                .unwrap_or(0);
            format!("{}...", &spec[..end])
        }
        _ => spec.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_kinds_and_hides_passwords() {
        assert_eq!(
            Target::parse("sqlite:/tmp/m.db").unwrap(),
            Target::Sqlite("/tmp/m.db".into())
        );
        let pg = Target::parse("postgres://u:hunter2@127.0.0.1:5432/db").unwrap();
        assert_eq!(pg.to_string(), "postgres://***@127.0.0.1:5432/db");
        assert!(!format!("{pg:?}").contains("hunter2"));
        let bad = Target::parse("mysql://u:hunter2@h/db")
            .unwrap_err()
            .to_string();
        assert!(
            bad.contains("sqlite:PATH") && !bad.contains("hunter2"),
            "{bad}"
        );
        assert!(Target::parse("sqlite:").is_err());
    }
}
