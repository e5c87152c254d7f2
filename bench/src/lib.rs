//! Benchmarks of entrad. The criterion benches live in `benches/`, the
//! whole-process comparisons with the Python quickstart in the scripts beside
//! this crate (`run-all.sh`); BENCHMARKS.md holds the method and the figures.
//!
//! This library is what the benches share beyond entrad-testkit (which starts
//! the emulator and reads its counters): the quickstart's token client for it.
//!
//! ```no_run
//! # #[tokio::main(flavor = "multi_thread")]
//! # async fn main() -> Result<(), entrad_bench::Error> {
//! let bench = entrad_bench::Bench::start(10).await?;
//! let client = bench.client()?;
//! bench.admin().reset_stats().await?;
//! client.acquire_token(&[&bench.parameters.scope[0]]).await?;
//! assert_eq!(bench.admin().stats().await?.route("token"), 1);
//! # Ok(())
//! # }
//! ```

mod error;

pub use entrad_testkit::{Admin, Parameters, Stats};
pub use error::{Error, Result};

use entrad_auth::{Authority, ConfidentialClient, Credential, HttpOptions};
use entrad_testkit::InProcess;

/// An emulator running in this process, with what a client needs to use it.
#[derive(Debug)]
pub struct Bench {
    /// The emulator and an HTTPS client trusting it (stopped on drop).
    pub emulator: InProcess,
    /// Its `parameters.json` (the consented app, secret variant).
    pub parameters: Parameters,
}

impl Bench {
    /// Builds a multi-threaded tokio runtime (`worker_threads`, or one per core)
    /// and starts the emulator on it with `users` users: what every bench does
    /// first. The runtime must outlive the emulator.
    pub fn start_with_runtime(
        users: usize,
        worker_threads: Option<usize>,
    ) -> Result<(tokio::runtime::Runtime, Bench)> {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Some(threads) = worker_threads {
            builder.worker_threads(threads);
        }
        let runtime = builder
            .enable_all()
            .build()
            .map_err(entrad_testkit::Error::Runtime)?;
        let bench = runtime.block_on(Bench::start(users))?;
        Ok((runtime, bench))
    }

    /// Starts an in-memory emulator on a free loopback port serving `users`
    /// generated users. Needs a multi-threaded tokio runtime that outlives it.
    pub async fn start(users: usize) -> Result<Bench> {
        let emulator = InProcess::start(users).await?;
        let parameters = Parameters::read(&emulator.emulator.parameters_file())?;
        Ok(Bench {
            emulator,
            parameters,
        })
    }

    /// Its admin API.
    pub fn admin(&self) -> &Admin {
        self.emulator.admin()
    }

    /// A fresh token client for the consented app (empty cache, no connection),
    /// trusting the emulator's CA, configured as `entrad run` configures it.
    pub fn client(&self) -> Result<ConfidentialClient> {
        let authority = Authority::parse(&self.parameters.authority)?;
        let credential = Credential::secret(self.parameters.secret());
        Ok(
            ConfidentialClient::builder(&self.parameters.client_id, authority, credential)
                .http(HttpOptions::new().with_ca_file(self.emulator.emulator.ca_file()))
                .build()?,
        )
    }

    /// An HTTP client trusting the emulator's CA, for raw load.
    pub fn http(&self) -> reqwest::Client {
        self.emulator.client.clone()
    }

    /// The token endpoint (`{authority}/oauth2/v2.0/token`).
    pub fn token_endpoint(&self) -> String {
        self.parameters.token_endpoint()
    }
}
