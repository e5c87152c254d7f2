//! Which source serves managed identity tokens here, from the environment,
//! in MSAL Python's order (`get_managed_identity_source`): Service Fabric,
//! App Service, Machine Learning, Azure Arc, Cloud Shell, else IMDS.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use url::Url;

use super::app_service::AppService;
use super::arc::{self, Arc};
use super::cloud_shell::CloudShell;
use super::endpoint::Endpoint;
use super::imds::{self, Imds};
use super::machine_learning::MachineLearning;
use super::service_fabric::ServiceFabric;
use super::source::ManagedIdentitySource;
use crate::{Error, HttpOptions, Result};

/// Overrides the directory the Azure Arc key file is read from (the agent's
/// own, `/var/opt/azcmagent/tokens`, by default): for tests against the emulator.
pub(crate) const ARC_KEY_DIR_VAR: &str = "ENTRAD_AZURE_ARC_KEY_DIR";

/// A snapshot of the environment variables detection reads.
#[derive(Clone, Default)]
pub(crate) struct Env(BTreeMap<String, String>);

impl Env {
    /// The process's environment.
    pub(crate) fn process() -> Env {
        Env(std::env::vars().collect())
    }

    pub(crate) fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        Env(pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect())
    }

    /// Every variable, to hand the snapshot on.
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        self.0.clone().into_iter().collect()
    }

    /// The variable's value, when set and not blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// What detection may be told instead of reading it from the environment.
pub(crate) struct Overrides {
    pub(crate) imds_host: Option<String>,
    pub(crate) arc_key_dir: Option<PathBuf>,
    /// The client's transport settings (Service Fabric builds its own
    /// client from them, trusting its pinned certificate).
    pub(crate) http: HttpOptions,
}

/// The source the environment names, as MSAL Python detects it.
pub(crate) fn source(env: &Env) -> ManagedIdentitySource {
    let has = |name: &str| env.get(name).is_some();
    if has("IDENTITY_ENDPOINT") && has("IDENTITY_HEADER") && has("IDENTITY_SERVER_THUMBPRINT") {
        ManagedIdentitySource::ServiceFabric
    } else if has("IDENTITY_ENDPOINT") && has("IDENTITY_HEADER") {
        ManagedIdentitySource::AppService
    } else if has("MSI_ENDPOINT") && has("MSI_SECRET") {
        ManagedIdentitySource::MachineLearning
    } else if (has("IDENTITY_ENDPOINT") && has("IMDS_ENDPOINT")) || Path::new(arc::AGENT).exists() {
        ManagedIdentitySource::Arc
    } else if has("MSI_ENDPOINT") {
        ManagedIdentitySource::CloudShell
    } else {
        ManagedIdentitySource::Imds
    }
}

/// The configured endpoint of the source the environment names.
pub(crate) fn endpoint(env: &Env, overrides: &Overrides) -> Result<Endpoint> {
    let var = |name: &str| env.get(name).unwrap_or_default();
    let secret = |name: &str| SecretString::from(var(name).to_string());
    Ok(match source(env) {
        ManagedIdentitySource::ServiceFabric => Endpoint::ServiceFabric(ServiceFabric::new(
            var("IDENTITY_ENDPOINT"),
            secret("IDENTITY_HEADER"),
            var("IDENTITY_SERVER_THUMBPRINT"),
            &overrides.http,
        )?),
        ManagedIdentitySource::AppService => Endpoint::AppService(AppService {
            endpoint: url("IDENTITY_ENDPOINT", var("IDENTITY_ENDPOINT"))?,
            header: secret("IDENTITY_HEADER"),
        }),
        ManagedIdentitySource::MachineLearning => Endpoint::MachineLearning(MachineLearning {
            endpoint: url("MSI_ENDPOINT", var("MSI_ENDPOINT"))?,
            secret: secret("MSI_SECRET"),
        }),
        ManagedIdentitySource::Arc => Endpoint::Arc(Arc {
            endpoint: url(
                "IDENTITY_ENDPOINT",
                env.get("IDENTITY_ENDPOINT").unwrap_or(arc::AGENT_ENDPOINT),
            )?,
            key_dir: overrides
                .arc_key_dir
                .clone()
                .or_else(|| env.get(ARC_KEY_DIR_VAR).map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from(arc::KEY_DIR)),
        }),
        ManagedIdentitySource::CloudShell => Endpoint::CloudShell(CloudShell {
            endpoint: url("MSI_ENDPOINT", var("MSI_ENDPOINT"))?,
        }),
        ManagedIdentitySource::Imds => Endpoint::Imds(Imds::at(
            overrides
                .imds_host
                .as_deref()
                .or_else(|| env.get(imds::HOST_VAR))
                .unwrap_or(imds::DEFAULT_HOST),
        )?),
    })
}

fn url(name: &str, value: &str) -> Result<Url> {
    Url::parse(value.trim())
        .map_err(|e| Error::config(format!("{name} ({value:?}) is not a URL"), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(pairs: &[(&str, &str)]) -> ManagedIdentitySource {
        source(&Env::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn msal_order() {
        use ManagedIdentitySource::*;
        let e = ("IDENTITY_ENDPOINT", "https://127.0.0.1:1/");
        let h = ("IDENTITY_HEADER", "h");
        let t = ("IDENTITY_SERVER_THUMBPRINT", "00");
        let m = ("MSI_ENDPOINT", "http://127.0.0.1:1/");
        let s = ("MSI_SECRET", "s");
        let i = ("IMDS_ENDPOINT", "http://127.0.0.1:1/");
        assert_eq!(detected(&[e, h, t, m, s, i]), ServiceFabric);
        assert_eq!(detected(&[e, h, m, s, i]), AppService);
        assert_eq!(detected(&[m, s, e, i]), MachineLearning);
        assert_eq!(detected(&[e, i, m]), Arc);
        assert_eq!(detected(&[m]), CloudShell);
        assert_eq!(detected(&[e]), Imds);
        assert_eq!(detected(&[("IDENTITY_ENDPOINT", " "), h]), Imds);
        assert_eq!(detected(&[]), Imds);
    }
}
