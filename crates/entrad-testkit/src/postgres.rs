//! The PostgreSQL server the sync tests use (started by scripts/test from
//! Debian's package), and a fresh database per test.

use crate::{Error, Result};

/// `ENTRAD_TEST_POSTGRES_URL`; missing is an error naming the fix (tests fail
/// on it, never skip).
pub fn postgres_url() -> Result<String> {
    std::env::var("ENTRAD_TEST_POSTGRES_URL").map_err(|_| {
        Error::MissingTool(
            "no PostgreSQL server: ENTRAD_TEST_POSTGRES_URL is not set; run the tests with scripts/test (it starts one from scripts/services/postgres.sh)".to_owned(),
        )
    })
}

/// A new, empty database on the test server (a random name), and its URL.
pub async fn fresh_postgres_database() -> Result<String> {
    let url = postgres_url()?;
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .map_err(Error::Postgres)?;
    let connection = tokio::spawn(connection);
    let name = format!("entrad_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .map_err(Error::Postgres)?;
    drop(client);
    connection.abort();
    let mut fresh = url::Url::parse(&url)?;
    fresh.set_path(&format!("/{name}"));
    Ok(fresh.to_string())
}
