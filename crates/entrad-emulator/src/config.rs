//! What an emulator instance serves, independent of how it was asked for (flags or code).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::faults::FaultSpec;

/// The default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";
/// How many users are generated when neither `--users` nor `--users-file` is given.
pub const DEFAULT_USERS: usize = 100;
/// The default seed of the deterministic user generator.
pub const DEFAULT_SEED: u64 = 1;

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
        }
    }
}
