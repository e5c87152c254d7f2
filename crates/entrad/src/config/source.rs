//! Where tokens come from: the app's own credential (the quickstart's), a
//! managed identity (`--managed-identity`, `managed_identity` in the file),
//! or the credential chain (`--credential chain`, and whenever no credential
//! is configured at all).

use entrad_auth::ManagedIdentity;

use super::file::ParametersFile;
use crate::cli::IdentityArgs;
use crate::error::Error;

/// The token source a command uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSourceSpec {
    /// The app's client credential (secret, certificate, assertion file).
    App,
    /// A managed identity of the host.
    ManagedIdentity(ManagedIdentity),
    /// azure-identity's chain: environment, workload identity, managed identity, Azure CLI.
    Chain,
}

impl TokenSourceSpec {
    /// Flags first, then the file; the chain when nothing names a credential.
    pub fn decide(
        flags: &IdentityArgs,
        file: Option<&ParametersFile>,
        has_credential: bool,
    ) -> Result<TokenSourceSpec, Error> {
        if flags.credential.as_deref() == Some("chain") {
            return Ok(TokenSourceSpec::Chain);
        }
        let named = match (&flags.managed_identity, file) {
            (Some(flag), _) => Some((flag.as_str(), "--managed-identity".to_owned())),
            (None, Some(file)) => file.managed_identity.as_deref().map(|spec| {
                (
                    spec,
                    format!("`managed_identity` of {}", file.path.display()),
                )
            }),
            (None, None) => None,
        };
        if let Some((spec, origin)) = named {
            if let Some(file) = file
                && flags.managed_identity.is_none()
                && (file.secret.is_some() || file.thumbprint.is_some())
            {
                return Err(Error::Config(format!(
                    "{}: has both `managed_identity` and a credential (`secret` or `thumbprint`): keep one",
                    file.path.display()
                )));
            }
            let identity: ManagedIdentity = spec.parse().map_err(|e: entrad_auth::Error| {
                Error::Config(format!("{origin}: {}", super::auth_message(e)))
            })?;
            return Ok(TokenSourceSpec::ManagedIdentity(identity));
        }
        Ok(if has_credential {
            TokenSourceSpec::App
        } else {
            TokenSourceSpec::Chain
        })
    }
}
