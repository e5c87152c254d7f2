//! The values of `--format` (collections) and `--log-format` (stderr).

use clap::ValueEnum;

/// Output formats for collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One Graph-shaped document, all pages merged into `value` (the quickstart's output).
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values; columns from --select or the first item.
    Csv,
    /// A text table; columns from --select or the first item.
    Table,
}

/// How log lines are written on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// For people: `TIMESTAMP LEVEL message key=value`.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `fields` (with `message`), `target`, `spans`.
    Json,
}
