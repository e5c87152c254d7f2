//! Starting, describing and stopping an emulator instance.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::TcpListener;
use url::Url;

use crate::access::Access;
use crate::admin_token::AdminToken;
use crate::args::EmulatorArgs;
use crate::base_url::Origin;
use crate::config::Config;
use crate::directories::Directories;
use crate::error::Error;
use crate::faults::{Faults, Throttle};
use crate::files::{StateDir, first_missing, names};
use crate::keys::{self, SigningKey};
use crate::server::{Server, Timeouts};
use crate::shared::AppState;
use crate::state::{CONSENTED_CLIENT_ID, Directory};
use crate::stats::Stats;

/// The ready line, in the contract's key order.
#[derive(serde::Serialize)]
struct ReadyLine<'a> {
    ready: bool,
    url: &'a str,
    state_dir: String,
    ca_file: String,
    tenant_id: &'a str,
    client_id: &'a str,
    admin_token: Option<&'a str>,
    portal_url: String,
    tenants: &'a [TenantInfo],
    managed_identity: &'a crate::managed_identity::ManagedIdentityInfo,
}

/// One tenant the emulator serves (several with `--tenants N`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TenantInfo {
    /// Its GUID.
    pub tenant_id: String,
    /// Its domain (`entrademo.onmicrosoft.com`, `entrademo2.onmicrosoft.com`, ...).
    pub domain: String,
}

/// A running emulator: where it is, what it serves, and how to stop it.
/// [`Emulator::start`] returns once it serves. Dropping it stops accepting
/// connections; [`Emulator::shutdown`] also waits for requests in flight.
#[derive(Debug)]
pub struct Emulator {
    url: Url,
    base: String,
    state_dir: PathBuf,
    ca_file: PathBuf,
    tenant_id: String,
    tenants: Vec<TenantInfo>,
    client_id: String,
    admin_token: Option<AdminToken>,
    /// The portal's one-time login code (with an admin token only).
    portal_code: Option<AdminToken>,
    server: Option<Server>,
    managed_identity: Option<crate::managed_identity::Listeners>,
    managed_identity_info: crate::managed_identity::ManagedIdentityInfo,
    /// A temporary state directory this instance created and removes.
    temporary: bool,
}

fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

fn state_root(config: &Config) -> Result<(PathBuf, bool), Error> {
    match (&config.state_dir, config.in_memory) {
        (Some(dir), _) => Ok((dir.clone(), false)),
        (None, true) => {
            let name = format!(
                "entrad-emulator-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            );
            Ok((std::env::temp_dir().join(name), true))
        }
        (None, false) => Ok((
            dirs::data_dir()
                .ok_or(Error::NoDataDir)?
                .join("entrad")
                .join("emulator"),
            false,
        )),
    }
}

impl Emulator {
    /// Binds the listener, prepares the state directory (CA, keys, `state.json`,
    /// parameters files) and starts serving. Returns once requests are accepted.
    /// A start that fails (a port in use, a bad users file) leaves behind no
    /// directory that it created: the next try starts from nothing, not from half.
    pub async fn start(config: Config) -> Result<Emulator, Error> {
        if !is_loopback(&config.listen) {
            return Err(Error::NotLoopback(config.listen));
        }
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: config.listen,
                source,
            })?;
        let (root, temporary) = state_root(&config)?;
        let created = first_missing(&root);
        let started = async {
            let dir = StateDir::create(&root)?;
            Emulator::serve(config, listener, dir, temporary).await
        };
        let result = started.await;
        if result.is_err()
            && let Some(created) = created
            && let Err(e) = std::fs::remove_dir_all(&created)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("cannot remove {}: {e}", created.display());
        }
        result
    }

    async fn serve(
        config: Config,
        listener: TcpListener,
        dir: StateDir,
        temporary: bool,
    ) -> Result<Emulator, Error> {
        let prepared = {
            let (dir, config) = (dir.clone(), config.clone());
            tokio::task::spawn_blocking(move || prepare(&dir, &config))
                .await
                .map_err(Error::KeyGeneration)??
        };
        let (tls, signing, mut directories, admin_token) = prepared;
        let mut directory = directories.remove(0);
        crate::managed_identity::ensure_identities(&mut directory);
        let local = listener.local_addr().map_err(|source| Error::Bind {
            addr: config.listen,
            source,
        })?;
        let base = match local {
            SocketAddr::V4(a) => format!("https://{}:{}", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("https://[{}]:{}", a.ip(), a.port()),
        };
        let url = Url::parse(&base).map_err(|source| Error::Url {
            url: base.clone(),
            source,
        })?;
        crate::parameters::write_all(&dir, &base, &directory)?;
        let faults = Faults::default();
        for spec in &config.faults {
            faults.add(spec.clone());
        }
        let tenant_id = directory.tenant.id.clone();
        let portal_code = admin_token.as_ref().map(|_| AdminToken::random());
        let tenants = std::iter::once(&directory)
            .chain(&directories)
            .map(|d| TenantInfo {
                tenant_id: d.tenant.id.clone(),
                domain: d.tenant.domain.clone(),
            })
            .collect();
        let shared = AppState {
            origin: Arc::new(Origin {
                base_url: base.clone(),
                port: local.port(),
            }),
            directories: Arc::new(Directories::new(directory, directories)),
            signing: Arc::new(signing),
            stats: Arc::new(Stats::default()),
            faults: Arc::new(faults),
            throttle: Arc::new(Throttle::default()),
            access: Arc::new(Access::new(admin_token.clone(), portal_code.clone())),
            sessions: Arc::default(),
            recent: Arc::default(),
            cae: Arc::default(),
        };
        crate::oidc::write_token_file(&dir, &base, &shared.signing)?;
        let timeouts = Timeouts {
            header_read: config.header_read_timeout,
            idle: config.idle_timeout,
        };
        let managed_identity = crate::managed_identity::start(
            shared.clone(),
            &dir,
            config.arc_key_dir.clone(),
            local.ip(),
            timeouts,
        )
        .await?;
        let server = Server::spawn(listener, tls, crate::router::build(shared), timeouts);
        if config.no_admin_token {
            tracing::warn!(
                "the admin API is served without a token (Config::no_admin_token): anyone who can reach {base} can read app secrets and mint tokens"
            );
        }
        tracing::info!(url = %base, state_dir = %dir.root().display(), "emulator serving");
        Ok(Emulator {
            url,
            base,
            state_dir: dir.root().to_path_buf(),
            ca_file: dir.file(names::CA_CERT),
            tenant_id,
            tenants,
            client_id: CONSENTED_CLIENT_ID.to_string(),
            admin_token,
            portal_code,
            server: Some(server),
            managed_identity_info: managed_identity.info.clone(),
            managed_identity: Some(managed_identity),
            temporary,
        })
    }
}

type Prepared = (
    Arc<rustls::ServerConfig>,
    SigningKey,
    Vec<Directory>,
    Option<AdminToken>,
);

/// The slow, blocking part of starting: keys (RSA generation on first start) and state.
fn prepare(dir: &StateDir, config: &Config) -> Result<Prepared, Error> {
    let tls = crate::tls::server_config(dir)?;
    let signing = SigningKey::load_or_create(dir)?;
    let app_certificate = keys::app_certificate(dir)?;
    let store = |n: usize| match n {
        _ if config.in_memory => None,
        0 => Some(dir.file(names::STATE)),
        n => Some(dir.file(&format!("state-tenant{}.json", n + 1))),
    };
    let directories = crate::state::open_all(config, store, &app_certificate)?;
    let admin_token = if config.no_admin_token {
        None
    } else {
        Some(crate::admin_token::load_or_create(dir, config.in_memory)?)
    };
    Ok((tls, signing, directories, admin_token))
}

impl Emulator {
    /// `https://127.0.0.1:PORT` (serialized by `Url` with a trailing `/`).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The state directory (absolute).
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// `state_dir/ca.pem`: the CA clients must trust.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The tenant's GUID.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// Every tenant served, the default one first (one unless `Config::tenants` says more).
    pub fn tenants(&self) -> &[TenantInfo] {
        &self.tenants
    }

    /// The client id of the consented app.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The bearer token every admin route (`/_emulator/...`) requires, also in
    /// `state_dir/admin-token` (owner-only); `None` when started without one.
    pub fn admin_token(&self) -> Option<&str> {
        self.admin_token.as_ref().map(AdminToken::as_str)
    }

    /// The portal's address for a browser: with an admin token, a one-time login URL
    /// (`/_emulator/portal/login?code=..`, good for one sign-in; the login page also takes
    /// the admin token), else `/_emulator/portal/`.
    pub fn portal_url(&self) -> String {
        match &self.portal_code {
            Some(code) => format!(
                "{}/_emulator/portal/login?code={}",
                self.base,
                code.as_str()
            ),
            None => format!("{}/_emulator/portal/", self.base),
        }
    }

    /// `state_dir/parameters.json`: the quickstart's file, with the consented app's secret.
    pub fn parameters_file(&self) -> PathBuf {
        self.state_dir.join(names::PARAMETERS)
    }

    /// `state_dir/parameters-certificate.json`: thumbprint + private key file.
    pub fn parameters_certificate_file(&self) -> PathBuf {
        self.state_dir.join(names::PARAMETERS_CERTIFICATE)
    }

    /// `state_dir/parameters-unconsented.json`: an app whose Graph calls get 403.
    pub fn parameters_unconsented_file(&self) -> PathBuf {
        self.state_dir.join(names::PARAMETERS_UNCONSENTED)
    }

    /// `state_dir/app-cert.pfx`: the consented app's key and certificate as PKCS#12,
    /// with the password [`crate::APP_PFX_PASSWORD`].
    pub fn pkcs12_file(&self) -> PathBuf {
        self.state_dir.join(names::APP_PFX)
    }

    /// `state_dir/federated-token.jwt`: a token of the emulator's OIDC issuer that the
    /// consented app's federated credential accepts, valid for a day from the start
    /// (for `AZURE_FEDERATED_TOKEN_FILE`).
    pub fn federated_token_file(&self) -> PathBuf {
        self.state_dir.join(names::FEDERATED_TOKEN)
    }

    /// The managed identity endpoints and identities (also in the ready
    /// line as `managed_identity`).
    pub fn managed_identity(&self) -> &crate::managed_identity::ManagedIdentityInfo {
        &self.managed_identity_info
    }

    /// The environment file of a managed identity source, by name (one of
    /// [`MANAGED_IDENTITY_ENV_FILES`](crate::MANAGED_IDENTITY_ENV_FILES)).
    pub fn managed_identity_env_file(&self, name: &str) -> PathBuf {
        self.state_dir.join(name)
    }

    /// The one-line JSON announcing readiness:
    /// `{"ready":true,"url":..,"state_dir":..,"ca_file":..,"tenant_id":..,"client_id":..,"admin_token":..,"portal_url":..,"tenants":[{"tenant_id":..,"domain":..}],"managed_identity":{..}}`
    /// (the URL without a trailing `/`; `admin_token` is null without one;
    /// `portal_url` is [`Emulator::portal_url`]).
    pub fn ready_line(&self) -> String {
        let line = ReadyLine {
            ready: true,
            url: &self.base,
            state_dir: self.state_dir.display().to_string(),
            ca_file: self.ca_file.display().to_string(),
            tenant_id: &self.tenant_id,
            client_id: &self.client_id,
            admin_token: self.admin_token.as_ref().map(AdminToken::as_str),
            portal_url: self.portal_url(),
            tenants: &self.tenants,
            managed_identity: &self.managed_identity_info,
        };
        serde_json::to_string(&line).unwrap_or_default()
    }

    /// Stops accepting, waits (a few seconds at most) for requests in flight, and
    /// removes the state directory if it was a temporary one.
    pub async fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
        if let Some(listeners) = self.managed_identity.take() {
            listeners.shutdown().await;
        }
        self.remove_temporary();
        tracing::info!("emulator stopped");
    }

    fn remove_temporary(&mut self) {
        if std::mem::take(&mut self.temporary)
            && let Err(e) = std::fs::remove_dir_all(&self.state_dir)
        {
            tracing::warn!("cannot remove {}: {e}", self.state_dir.display());
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.remove_temporary();
    }
}

/// Starts the emulator, prints the ready line on stdout, serves until SIGINT or
/// SIGTERM, then shuts down cleanly.
pub async fn run(args: EmulatorArgs) -> Result<(), Error> {
    let emulator = Emulator::start(args.into_config()).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", emulator.ready_line())
            .and_then(|()| stdout.flush())
            .map_err(Error::Stdout)?;
    }
    wait_for_signal().await?;
    tracing::info!("shutting down");
    emulator.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> Result<(), Error> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).map_err(Error::Signal)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(Error::Signal)?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_signal() -> Result<(), Error> {
    tokio::signal::ctrl_c().await.map_err(Error::Signal)
}
