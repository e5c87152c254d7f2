//! The managed identity endpoints, served exactly as the real ones: plain
//! http on a second loopback listener (IMDS, App Service, Azure Arc,
//! Machine Learning, Cloud Shell) and Service Fabric's https endpoint with
//! a self-signed certificate pinned by its thumbprint. Each source's
//! environment is written to `mi-<source>.env` in the state directory.

mod app_service;
mod arc;
mod arc_keys;
mod cloud_shell;
mod env_files;
mod identities;
mod imds;
mod info;
mod issue;
mod machine_learning;
mod mi_state;
mod service_fabric;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, get, post};
use rand::RngCore;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use arc_keys::ArcKeys;
pub use env_files::ENV_FILES as MANAGED_IDENTITY_ENV_FILES;
pub(crate) use identities::ensure as ensure_identities;
pub use identities::{Identity, SYSTEM_ASSIGNED, USER_ASSIGNED};
pub use info::ManagedIdentityInfo;
use mi_state::{MiState, Secrets};

use crate::error::{Error, Result};
use crate::faults::{Guard, guard};
use crate::files::StateDir;
use crate::route::Route;
use crate::server::{Server, Timeouts};
use crate::shared::AppState;

/// The running listeners; dropping them stops both.
#[derive(Debug)]
pub(crate) struct Listeners {
    pub(crate) info: ManagedIdentityInfo,
    arc_keys: Arc<ArcKeys>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    fabric: Option<Server>,
}

impl Listeners {
    pub(crate) async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(fabric) = self.fabric.take() {
            fabric.shutdown().await;
        }
    }
}

impl Drop for Listeners {
    /// Arc's key files may be outside the state directory (the agent's own
    /// directory): they go with the emulator, whether it shut down or was dropped.
    fn drop(&mut self) {
        self.arc_keys.remove_all();
    }
}

fn random_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn base(scheme: &str, addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("{scheme}://{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("{scheme}://[{}]:{}", a.ip(), a.port()),
    }
}

async fn bind(ip: IpAddr) -> Result<(TcpListener, SocketAddr)> {
    let addr = SocketAddr::new(ip, 0);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    Ok((listener, local))
}

/// Starts both listeners on `ip` (loopback, any port) and writes the env files.
pub(crate) async fn start(
    shared: AppState,
    dir: &StateDir,
    arc_key_dir: Option<PathBuf>,
    ip: IpAddr,
    timeouts: Timeouts,
) -> Result<Listeners> {
    let arc_keys = Arc::new(ArcKeys::new(
        arc_key_dir.unwrap_or_else(|| dir.file("arc-keys")),
    )?);
    let state = Arc::new(MiState {
        origin: shared.origin.clone(),
        directories: shared.directories.clone(),
        signing: shared.signing.clone(),
        secrets: Secrets {
            app_service: random_secret(),
            machine_learning: random_secret(),
            service_fabric: random_secret(),
        },
        arc_keys,
    });
    let guarded = |route: Route, methods: MethodRouter<Arc<MiState>>| {
        methods.layer(from_fn_with_state(Guard::new(&shared, route), guard))
    };
    let plain = Router::new()
        .route(
            "/metadata/identity/oauth2/token",
            guarded(Route::Imds, get(imds::token)),
        )
        .route(
            "/msi/token",
            guarded(Route::AppService, get(app_service::token)),
        )
        .route(
            "/arc/metadata/identity/oauth2/token",
            guarded(Route::Arc, get(arc::token)),
        )
        .route(
            "/ml/token",
            guarded(Route::MachineLearning, get(machine_learning::token)),
        )
        .route(
            "/cloudshell/token",
            guarded(Route::CloudShell, post(cloud_shell::token)),
        )
        .with_state(state.clone());
    let fabric = Router::new()
        .route(
            "/metadata/identity/oauth2/token",
            guarded(Route::ServiceFabric, get(service_fabric::token)),
        )
        .with_state(state.clone());

    let (plain_listener, plain_addr) = bind(ip).await?;
    let (fabric_listener, fabric_addr) = bind(ip).await?;
    let (fabric_tls, thumbprint) = service_fabric::tls()?;
    let info = ManagedIdentityInfo {
        url: base("http", plain_addr),
        service_fabric_url: format!(
            "{}/metadata/identity/oauth2/token",
            base("https", fabric_addr)
        ),
        system_assigned: SYSTEM_ASSIGNED,
        user_assigned: USER_ASSIGNED,
    };
    env_files::write(dir, &info, &state, &thumbprint)?;

    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(plain_listener, plain)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::warn!("the managed identity listener stopped: {e}");
        }
    });
    let fabric = Server::spawn(fabric_listener, fabric_tls, fabric, timeouts);
    tracing::info!(url = %info.url, service_fabric = %info.service_fabric_url, "managed identity endpoints serving");
    Ok(Listeners {
        info,
        arc_keys: state.arc_keys.clone(),
        stop: Some(stop),
        task: Some(task),
        fabric: Some(fabric),
    })
}
