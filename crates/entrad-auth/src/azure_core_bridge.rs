//! The bridge to the Azure SDK for Rust (feature `azure-core`): an entrad
//! client as `azure_core`'s [`TokenCredential`], so that any Azure SDK client
//! (Key Vault, Storage, ...) gets its tokens from entrad's caches, single-flight
//! requests, proactive refresh and shared (file or Redis) stores.

use std::fmt;
use std::time::SystemTime;

use azure_core::credentials::{self, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind as AzureErrorKind;
use azure_core::time::OffsetDateTime;

use crate::{ConfidentialClient, ErrorKind, TokenSource};

/// An entrad token source seen by the Azure SDK for Rust: wrap it once and pass
/// it, as `Arc<dyn TokenCredential>`, wherever an SDK client takes a credential.
/// Any [`TokenSource`] serves: a [`ConfidentialClient`], a
/// [`ManagedIdentityClient`](crate::ManagedIdentityClient), a
/// [`ChainedCredential`](crate::ChainedCredential) or an `Arc<dyn TokenSource>`.
///
/// Every `get_token` is [`TokenSource::acquire_token`]: the cached
/// token while it is fresh (no I/O), one request per scope set in flight, a
/// refresh ahead of expiry. Errors keep entrad's message and cause chain
/// (`azure_core::Error::source()` is the [`crate::Error`]); an unreachable
/// or busy service is `ErrorKind::Io`, every other failure `ErrorKind::Credential`;
/// the token never appears in them.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use azure_core::credentials::TokenCredential;
/// use entrad_auth::{Authority, AzureCoreCredential, ConfidentialClient, Credential};
///
/// let client = ConfidentialClient::builder(
///     "00000000-0000-0000-0000-000000000001",
///     Authority::parse("https://login.microsoftonline.com/contoso.onmicrosoft.com")?,
///     Credential::secret(std::env::var("AZURE_CLIENT_SECRET")?),
/// )
/// .build()?;
/// let credential: Arc<dyn TokenCredential> = AzureCoreCredential::new(client).into_arc();
/// // e.g. azure_security_keyvault_secrets::SecretClient::new(url, credential, None)
/// let token = credential.get_token(&["https://vault.azure.net/.default"], None).await?;
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
pub struct AzureCoreCredential<S = ConfidentialClient> {
    source: S,
}

impl<S> AzureCoreCredential<S> {
    /// Wraps `source`.
    pub fn new(source: S) -> Self {
        AzureCoreCredential { source }
    }

    /// The wrapped token source.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// As the `Arc<dyn TokenCredential>` the Azure SDK clients take.
    pub fn into_arc(self) -> std::sync::Arc<dyn TokenCredential>
    where
        Self: TokenCredential + 'static,
    {
        std::sync::Arc::new(self)
    }
}

impl<S: fmt::Debug> fmt::Debug for AzureCoreCredential<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureCoreCredential")
            .field("source", &self.source)
            .finish()
    }
}

#[async_trait::async_trait]
impl<S: TokenSource> TokenCredential for AzureCoreCredential<S> {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<credentials::AccessToken> {
        let token = self
            .source
            .acquire_token(scopes)
            .await
            .map_err(to_azure_error)?;
        Ok(credentials::AccessToken::new(
            token.secret().to_owned(),
            offset_date_time(token.expires_on()),
        ))
    }
}

/// entrad's error as the Azure SDK's: the message (never a secret) and the
/// whole error as its source.
fn to_azure_error(error: crate::Error) -> azure_core::Error {
    let kind = match error.kind() {
        ErrorKind::Unavailable => AzureErrorKind::Io,
        _ => AzureErrorKind::Credential,
    };
    let message = error.to_string();
    azure_core::Error::with_error(kind, error, message)
}

/// `SystemTime` as `time`'s `OffsetDateTime` (UTC), saturating at the epoch.
fn offset_date_time(at: SystemTime) -> OffsetDateTime {
    let seconds = match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    };
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::offset_date_time;

    #[test]
    fn expiry_keeps_its_second() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        assert_eq!(offset_date_time(at).unix_timestamp(), 1_900_000_000);
        assert_eq!(offset_date_time(SystemTime::UNIX_EPOCH).unix_timestamp(), 0);
    }
}
