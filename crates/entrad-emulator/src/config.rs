//! What an emulator instance serves, independent of how it was asked for (flags or code).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::faults::FaultSpec;

/// The default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";
/// How many users are generated when neither `--users` nor `--users-file` is given.
pub const DEFAULT_USERS: usize = 100;
/// The default seed of the deterministic user generator.
pub const DEFAULT_SEED: u64 = 1;
/// How long an HTTP/1.1 client has to send a request's headers, counted from when the
/// server starts waiting for them (so it also bounds a kept-alive connection's idle time).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection may stay with no bytes either way and no request being
/// answered (a client that completes TLS and sends nothing, an idle HTTP/2 connection).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The configuration of one emulator instance.
///
/// Built from [`crate::EmulatorArgs::into_config`] or by hand:
///
/// ```
/// let config = entrad_emulator::Config {
///     listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
///     in_memory: true,
///     users: 10,
///     ..entrad_emulator::Config::default()
/// };
/// assert_eq!(config.seed, entrad_emulator::DEFAULT_SEED);
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// Loopback address to listen on; port 0 picks any free port.
    pub listen: SocketAddr,
    /// Where the CA, keys, parameters files and state live. `None`: the user's data
    /// directory (`$XDG_DATA_HOME/entrad/emulator`), or a fresh temporary directory
    /// (removed at shutdown) with `in_memory`.
    pub state_dir: Option<PathBuf>,
    /// Keep users and consent in memory only: nothing but keys, the CA and the
    /// parameters files is written.
    pub in_memory: bool,
    /// Number of users generated deterministically from `seed` (ignored with `users_file`).
    pub users: usize,
    /// Seed of the user generator: the same seed and count give the same users.
    pub seed: u64,
    /// A JSON file holding an array of users (Graph's property names) to serve instead.
    pub users_file: Option<PathBuf>,
    /// Faults active from the start, as with `POST /_emulator/faults`.
    pub faults: Vec<FaultSpec>,
    /// Serve the admin API without its bearer token (`--no-admin-token`): anyone who
    /// can reach the port can then read the apps' secrets and mint tokens.
    pub no_admin_token: bool,
    /// Number of tenants (0 counts as 1). The first is the default one; each other
    /// has its own id and domain (`entrademoN.onmicrosoft.com`), its own users and
    /// groups (generated from `seed + N - 1`) and the same apps, consented.
    pub tenants: usize,
    /// Where Azure Arc's challenge writes its key files (0600, removed when the
    /// emulator stops). `None`: `arc-keys` in the state directory. Unmodified
    /// clients read them only from the agent's own directory,
    /// `/var/opt/azcmagent/tokens` on Linux.
    pub arc_key_dir: Option<PathBuf>,
    /// See [`DEFAULT_HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// See [`DEFAULT_IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            state_dir: None,
            in_memory: false,
            users: DEFAULT_USERS,
            seed: DEFAULT_SEED,
            users_file: None,
            faults: Vec::new(),
            no_admin_token: false,
            tenants: 1,
            arc_key_dir: None,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }
}
