//! Command-line arguments, shared by `entrad-emulator` and `entrad emulator`.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::config::{Config, DEFAULT_LISTEN, DEFAULT_SEED, DEFAULT_USERS};
use crate::faults::FaultSpec;

/// Flags of the emulator, flattened into both command lines.
#[derive(clap::Args, Debug, Clone)]
pub struct EmulatorArgs {
    /// Loopback address to serve HTTPS on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Directory for the CA, keys, parameters files and state
    /// [default: the user's data directory, entrad/emulator].
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Keep users and consent in memory only (a temporary state directory is used
    /// unless --state-dir is given).
    #[arg(long)]
    pub in_memory: bool,
    /// Number of users to generate deterministically.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_USERS)]
    pub users: usize,
    /// Seed of the user generator.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Serve the users of this JSON file (an array of Graph user objects) instead.
    #[arg(long, value_name = "PATH")]
    pub users_file: Option<PathBuf>,
    /// Inject a fault from the start: ROUTE:KIND then options :count=N or :rate=R,
    /// :retry_after=S, :latency_ms=M; e.g. users:429:count=3:retry_after=1. ROUTE is token, users, user, users-delta,
    /// groups, group, group-members, groups-delta, batch, openid-configuration, instance-discovery, jwks, adminconsent or *;
    /// KIND is 429, 503, 504, 404, 410, 500, latency or drop. Repeatable.
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<FaultSpec>,
    /// Serve the admin API (/_emulator/...) without its bearer token, for throwaway
    /// use: anyone who can reach the port can then read app secrets and mint tokens.
    #[arg(long)]
    pub no_admin_token: bool,
    /// Serve N tenants, each with its own users and groups, the same app consented in each.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub tenants: u16,
    /// Write Azure Arc's key files here (0600, removed when the emulator stops)
    /// [default: arc-keys in the state directory]. Unmodified azure-identity and
    /// MSAL read them only from the agent's directory, /var/opt/azcmagent/tokens.
    #[arg(long, value_name = "DIR")]
    pub arc_key_dir: Option<PathBuf>,
}

impl EmulatorArgs {
    /// The configuration these flags describe.
    pub fn into_config(self) -> Config {
        Config {
            listen: self.listen,
            state_dir: self.state_dir,
            in_memory: self.in_memory,
            users: self.users,
            seed: self.seed,
            users_file: self.users_file,
            faults: self.faults,
            no_admin_token: self.no_admin_token,
            tenants: usize::from(self.tenants),
            arc_key_dir: self.arc_key_dir,
            ..Config::default()
        }
    }
}

impl Default for EmulatorArgs {
    fn default() -> Self {
        let config = Config::default();
        EmulatorArgs {
            listen: config.listen,
            state_dir: None,
            in_memory: false,
            users: config.users,
            seed: config.seed,
            users_file: None,
            faults: Vec::new(),
            no_admin_token: false,
            tenants: 1,
            arc_key_dir: None,
        }
    }
}
