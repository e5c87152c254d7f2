//! `entrad serve`: a token broker for the processes on this host. It holds the
//! app's credential once and hands tokens out over the managed identity
//! protocols every Azure SDK speaks: App Service (`IDENTITY_ENDPOINT` +
//! `IDENTITY_HEADER`) and, with `--imds`, IMDS (`AZURE_POD_IDENTITY_AUTHORITY_HOST`).
//!
//! Client side: it shares no code with the emulator, which serves the same
//! protocols, so each checks the other. Loopback and Unix socket only; only
//! the resources `--allow-resource` names (Graph by default); one audit line
//! per token on stderr; `/healthz` and `/metrics`; SIGTERM ends it gracefully.

mod app_service;
mod args;
mod audit;
mod broker;
mod guard;
mod header_file;
mod header_secret;
mod health;
mod imds;
mod listener;
mod metrics;
mod query;
mod reply;
mod resource;
mod server;
mod shutdown;
mod slots;
mod upstream;

use std::io::Write;
use std::sync::Arc;

pub use args::ServeArgs;
pub use upstream::Upstream;

use crate::error::Error;
use broker::Broker;
use header_file::Stale;
use header_secret::HeaderSecret;
use listener::Listeners;
use resource::AllowedResources;
use slots::Slots;

/// Binds, announces the endpoint on stdout, and serves until SIGTERM or SIGINT.
/// `client_id` is the identity the tokens are for (answered as `client_id`;
/// empty when the upstream is a managed identity or the chain, whose client id
/// the configuration need not name: each token's own is answered then).
pub async fn run(upstream: Upstream, client_id: String, args: &ServeArgs) -> Result<(), Error> {
    let allowed = AllowedResources::new(&args.allow_resources)?;
    // A stopped broker's file is replaced only in entrad's own directory: on
    // a path the operator chose, entrad cannot know whose a file is.
    let (header_file, stale) = match &args.identity_header_file {
        Some(path) => (path.clone(), Stale::Refuse),
        None => (header_secret::default_path().ok_or_else(|| {
            Error::Config("no runtime or cache directory for the identity header file: pass --identity-header-file".to_owned())
        })?, Stale::Replace),
    };
    let listeners = Listeners::bind(args.listen, args.unix_socket.as_deref()).await?;
    let address = listeners.address()?;
    let secret = HeaderSecret::generate();
    let header_file = secret.write_file(&header_file, stale)?;
    let base = format!("http://{address}");
    let identity_endpoint = format!("{base}{}", app_service::PATH);
    let mut out = std::io::stdout().lock();
    if args.print_env {
        writeln!(out, "export IDENTITY_ENDPOINT={identity_endpoint}")?;
        writeln!(out, "export IDENTITY_HEADER={}", secret.expose())?;
        if args.imds {
            writeln!(out, "export AZURE_POD_IDENTITY_AUTHORITY_HOST={base}")?;
        }
    } else {
        let ready = serde_json::json!({
            "ready": true,
            "url": base,
            "identity_endpoint": identity_endpoint,
            "identity_header_file": header_file.path(),
            "imds": args.imds.then(|| base.clone()),
            "unix_socket": args.unix_socket,
        });
        writeln!(out, "{ready}")?;
    }
    out.flush()?;
    drop(out);
    tracing::info!(%address, "serving tokens for {client_id}");
    let max_connections = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    let tcp_slots = Slots::new("tcp", max_connections);
    let unix_slots = Slots::new("unix", max_connections);
    let mut connections = vec![tcp_slots.clone()];
    if listeners.unix.is_some() {
        connections.push(unix_slots.clone());
    }
    let broker = Arc::new(Broker {
        client_id,
        upstream,
        allowed,
        secret,
        imds: args.imds,
        metrics: metrics::Metrics::default(),
        connections,
    });
    server::serve(
        &listeners,
        broker,
        tcp_slots,
        unix_slots,
        shutdown::signal(),
    )
    .await;
    // The secret dies with this process: its file and socket go too.
    header_file.remove();
    if let Some((_, path)) = &listeners.unix {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}
