//! App registrations: credentials, requested application permissions and consent.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// Client id of the app whose permissions are consented (secret + certificate).
pub const CONSENTED_CLIENT_ID: &str = "4f7c2a91-8d3e-4b6a-a5f0-1c9e7d2b3a64";
/// Client id of the app registered without admin consent (its tokens carry no roles).
pub const UNCONSENTED_CLIENT_ID: &str = "7b1e9d40-2c6f-4e8a-b3d5-9a0f1e2c4b87";
/// Client id of an app that has no service principal in the tenant (AADSTS7000229).
pub const NO_SERVICE_PRINCIPAL_CLIENT_ID: &str = "a2d4f6b8-1c3e-4a5b-8d7f-0e2c4a6b8d9f";
/// The redirect URI registered on every app: where admin consent sends the browser back.
/// A loopback URI, so its port is not compared (as Entra does for `localhost`).
pub const CONSENT_REDIRECT_URI: &str = "http://localhost/admin-consent";

/// One client secret of an app.
pub(crate) struct ClientSecret {
    pub(crate) key_id: String,
    pub(crate) value: SecretString,
    /// Unix time after which the secret is refused with AADSTS7000222.
    pub(crate) expires: i64,
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSecret")
            .field("key_id", &self.key_id)
            .field("value", &"[REDACTED]")
            .field("expires", &self.expires)
            .finish()
    }
}

/// The audience a federated identity credential expects by default (Entra's token exchange).
pub(crate) const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";
/// The subject of the consented app's federated credential: a Kubernetes service account.
pub(crate) const WORKLOAD_SUBJECT: &str = "system:serviceaccount:default:entrad";

/// A federated identity credential (workload identity federation): a token of the
/// emulator's own OIDC issuer with this exact `sub` and one of these `aud` values is
/// accepted as the app's client assertion. The issuer is always the emulator's (its URL
/// changes with the port), so it is not stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct FederatedCredential {
    pub(crate) name: String,
    pub(crate) subject: String,
    pub(crate) audiences: Vec<String>,
}

impl FederatedCredential {
    /// What a workload identity setup registers for the service account `default:entrad`.
    pub(crate) fn workload() -> FederatedCredential {
        FederatedCredential {
            name: "entrad-workload".into(),
            subject: WORKLOAD_SUBJECT.into(),
            audiences: vec![TOKEN_EXCHANGE_AUDIENCE.into()],
        }
    }
}

/// A certificate registered on an app, with what assertion checks need.
#[derive(Debug, Clone)]
pub(crate) struct RegisteredCertificate {
    pub(crate) sha1: [u8; 20],
    pub(crate) sha256: [u8; 32],
    /// RSA modulus and exponent, big-endian without leading zeros.
    pub(crate) modulus: Vec<u8>,
    pub(crate) exponent: Vec<u8>,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
}

/// How a presented secret compares with an app's secrets.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SecretCheck {
    Valid,
    Expired,
    Wrong,
}

/// An app registration and its service principal in the tenant.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) client_id: String,
    pub(crate) display_name: String,
    /// Object id of the service principal, `None` when the app has none in the tenant.
    pub(crate) service_principal_id: Option<String>,
    /// Application permissions requested on Graph.
    pub(crate) roles: Vec<String>,
    /// Whether an admin consented to `roles`.
    pub(crate) consented: bool,
    pub(crate) secrets: Vec<ClientSecret>,
    pub(crate) certificates: Vec<RegisteredCertificate>,
    pub(crate) federated_credentials: Vec<FederatedCredential>,
    /// Redirect URIs (reply URLs) registered on the app.
    pub(crate) redirect_uris: Vec<String>,
}

impl App {
    /// Compares a presented secret with the app's secrets (by digest, so timing says nothing
    /// about the stored values).
    pub(crate) fn check_secret(&self, presented: &str, now: i64) -> SecretCheck {
        let presented = Sha256::digest(presented.as_bytes());
        let mut result = SecretCheck::Wrong;
        for secret in &self.secrets {
            if Sha256::digest(secret.value.expose_secret().as_bytes()) == presented {
                if secret.expires > now {
                    return SecretCheck::Valid;
                }
                result = SecretCheck::Expired;
            }
        }
        result
    }

    /// The roles a token for this app carries now.
    pub(crate) fn granted_roles(&self) -> &[String] {
        if self.consented { &self.roles } else { &[] }
    }

    /// The first secret that has not expired (written to the parameters files).
    pub(crate) fn current_secret(&self) -> Option<&SecretString> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        self.secrets
            .iter()
            .find(|s| s.expires > now)
            .map(|s| &s.value)
    }
}
