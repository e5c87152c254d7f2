//! Benchmarks of entrad. The criterion benches live in `benches/`, the
//! whole-process comparisons with the Python quickstart in the scripts beside
//! this crate (`run-all.sh`); BENCHMARKS.md holds the method and the figures.
//!
//! This library is what the benches share: an in-process emulator with the
//! quickstart's `parameters.json`, a token client trusting its CA, and its
//! request counters.
//!
//! ```no_run
//! # #[tokio::main(flavor = "multi_thread")]
//! # async fn main() -> Result<(), entrad_bench::Error> {
//! let bench = entrad_bench::Bench::start(10).await?;
//! let client = bench.client()?;
//! bench.admin.reset().await?;
//! client.acquire_token(&[&bench.parameters.scope[0]]).await?;
//! assert_eq!(bench.admin.stats().await?.route("token"), 1);
//! # Ok(())
//! # }
//! ```

mod admin;
mod error;
mod parameters;

pub use admin::{Admin, Stats};
pub use error::Error;
pub use parameters::Parameters;

use entrad_auth::{Authority, ConfidentialClient, Credential};
use entrad_emulator::{Config, Emulator, RunningEmulator};

/// An emulator running in this process, with what a client needs to use it.
#[derive(Debug)]
pub struct Bench {
    /// The emulator (stopped on drop).
    pub emulator: RunningEmulator,
    /// Its `parameters.json` (the consented app, secret variant).
    pub parameters: Parameters,
    /// Its admin API.
    pub admin: Admin,
}

impl Bench {
    /// Builds a multi-threaded tokio runtime (`worker_threads`, or one per core)
    /// and starts the emulator on it with `users` users: what every bench does
    /// first. The runtime must outlive the emulator.
    pub fn start_with_runtime(
        users: usize,
        worker_threads: Option<usize>,
    ) -> Result<(tokio::runtime::Runtime, Bench), Error> {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Some(threads) = worker_threads {
            builder.worker_threads(threads);
        }
        let runtime = builder.enable_all().build().map_err(Error::Runtime)?;
        let bench = runtime.block_on(Bench::start(users))?;
        Ok((runtime, bench))
    }

    /// Starts an in-memory emulator on a free loopback port serving `users`
    /// generated users. Needs a multi-threaded tokio runtime that outlives it.
    pub async fn start(users: usize) -> Result<Bench, Error> {
        let emulator = Emulator::start(Config {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            in_memory: true,
            users,
            ..Config::default()
        })
        .await?;
        let parameters = Parameters::read(&emulator.parameters_file())?;
        let admin = Admin::new(
            emulator.url().clone(),
            emulator.ca_file(),
            emulator.admin_token(),
        )?;
        Ok(Bench {
            emulator,
            parameters,
            admin,
        })
    }

    /// A fresh token client for the consented app (empty cache, no connection),
    /// trusting the emulator's CA, configured as `entrad run` configures it.
    pub fn client(&self) -> Result<ConfidentialClient, Error> {
        let authority = Authority::parse(&self.parameters.authority)?;
        let credential = Credential::secret(self.parameters.secret());
        Ok(
            ConfidentialClient::builder(&self.parameters.client_id, authority, credential)
                .ca_file(self.emulator.ca_file())
                .build()?,
        )
    }

    /// An HTTP client trusting the emulator's CA, for raw load.
    pub fn http(&self) -> Result<reqwest::Client, Error> {
        admin::trusting(self.emulator.ca_file())
    }

    /// The token endpoint (`{authority}/oauth2/v2.0/token`).
    pub fn token_endpoint(&self) -> String {
        format!("{}/oauth2/v2.0/token", self.parameters.authority)
    }
}
