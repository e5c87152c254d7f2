//! The azure-identity environment variables.

use std::path::PathBuf;

use secrecy::SecretString;

/// What the environment says, in the azure-identity convention.
#[derive(Debug, Default)]
pub struct EnvConfig {
    /// `AZURE_TENANT_ID`.
    pub tenant_id: Option<String>,
    /// `AZURE_CLIENT_ID`.
    pub client_id: Option<String>,
    /// `AZURE_CLIENT_SECRET`.
    pub client_secret: Option<SecretString>,
    /// `AZURE_CLIENT_CERTIFICATE_PATH`: PEM (key and certificate) or PFX.
    pub certificate_path: Option<PathBuf>,
    /// `AZURE_CLIENT_CERTIFICATE_PASSWORD`: for a PFX.
    pub certificate_password: Option<SecretString>,
    /// `AZURE_FEDERATED_TOKEN_FILE`: a client assertion re-read on every request.
    pub federated_token_file: Option<PathBuf>,
    /// `AZURE_AUTHORITY_HOST`, e.g. `https://login.microsoftonline.com`.
    pub authority_host: Option<String>,
    /// `ENTRAD_PKCS11_PIN`: the user PIN of the PKCS#11 token (`--pkcs11-module`).
    pub pkcs11_pin: Option<SecretString>,
}

impl EnvConfig {
    /// Reads the process environment.
    pub fn from_process() -> EnvConfig {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`; empty values count as unset, as in azure-identity.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> EnvConfig {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        EnvConfig {
            tenant_id: get("AZURE_TENANT_ID"),
            client_id: get("AZURE_CLIENT_ID"),
            client_secret: get("AZURE_CLIENT_SECRET").map(SecretString::from),
            certificate_path: get("AZURE_CLIENT_CERTIFICATE_PATH").map(PathBuf::from),
            certificate_password: lookup("AZURE_CLIENT_CERTIFICATE_PASSWORD")
                .filter(|v| !v.is_empty())
                .map(SecretString::from),
            federated_token_file: get("AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from),
            authority_host: get("AZURE_AUTHORITY_HOST"),
            pkcs11_pin: lookup("ENTRAD_PKCS11_PIN")
                .filter(|v| !v.is_empty())
                .map(SecretString::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn reads_the_azure_identity_names_and_skips_empty_values() {
        let env = EnvConfig::from_lookup(|name| match name {
            "AZURE_TENANT_ID" => Some("contoso.onmicrosoft.com".into()),
            "AZURE_CLIENT_ID" => Some(" c ".into()),
            "AZURE_CLIENT_SECRET" => Some("s".into()),
            "AZURE_CLIENT_CERTIFICATE_PASSWORD" => Some(" pw ".into()),
            "AZURE_AUTHORITY_HOST" => Some(String::new()),
            _ => None,
        });
        assert_eq!(env.tenant_id.as_deref(), Some("contoso.onmicrosoft.com"));
        assert_eq!(env.client_id.as_deref(), Some("c"));
        assert_eq!(env.client_secret.unwrap().expose_secret(), "s");
        // Passwords may legitimately start or end with spaces.
        assert_eq!(env.certificate_password.unwrap().expose_secret(), " pw ");
        assert!(env.authority_host.is_none());
        assert!(env.certificate_path.is_none());
    }
}
