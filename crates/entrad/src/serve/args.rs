//! `entrad serve` flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// `entrad serve`: where to listen, what to serve, and to whom.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Loopback address to listen on (port 0: any free port, printed at start).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Also listen on this Unix socket (created 0600; the audit line names the caller's uid).
    #[arg(long, value_name = "PATH")]
    pub unix_socket: Option<PathBuf>,
    /// A resource local processes may get tokens for (`https://graph.microsoft.com`,
    /// `api://...`); repeat for several. Default: Microsoft Graph only.
    #[arg(long = "allow-resource", value_name = "URI")]
    pub allow_resources: Vec<String>,
    /// Also serve the IMDS form (`/metadata/identity/oauth2/token`, as
    /// AZURE_POD_IDENTITY_AUTHORITY_HOST clients ask). It needs no secret
    /// header, only `Metadata: true`: any local process can then get tokens.
    #[arg(long)]
    pub imds: bool,
    /// Where to write the identity header secret for processes started later:
    /// a new file (0600; an existing one is refused) in a directory of yours
    /// that no one else can write (default: the user's runtime directory,
    /// entrad/identity-header).
    #[arg(long, value_name = "FILE")]
    pub identity_header_file: Option<PathBuf>,
    /// Print `export IDENTITY_ENDPOINT=... IDENTITY_HEADER=...` lines on stdout
    /// (and AZURE_POD_IDENTITY_AUTHORITY_HOST with --imds) instead of the JSON ready line.
    #[arg(long)]
    pub print_env: bool,
    /// Connections open at once on each listener (TCP, Unix socket). When all
    /// are taken, the one waiting longest for a request head is closed to make
    /// room; new connections wait only while all are serving requests.
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub max_connections: u32,
}
