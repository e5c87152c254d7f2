//! [`Endpoint`]: the source a client was configured with, and what it needs.

use super::call::Call;
use super::source::ManagedIdentitySource;
use super::{app_service, arc, cloud_shell, imds, machine_learning, service_fabric};
use crate::Result;
use crate::cache::CachedToken;

/// One configured source and what it needs to ask for a token.
pub(crate) enum Endpoint {
    Imds(imds::Imds),
    AppService(app_service::AppService),
    Arc(arc::Arc),
    ServiceFabric(service_fabric::ServiceFabric),
    MachineLearning(machine_learning::MachineLearning),
    CloudShell(cloud_shell::CloudShell),
}

impl Endpoint {
    pub(crate) fn source(&self) -> ManagedIdentitySource {
        match self {
            Endpoint::Imds(_) => ManagedIdentitySource::Imds,
            Endpoint::AppService(_) => ManagedIdentitySource::AppService,
            Endpoint::Arc(_) => ManagedIdentitySource::Arc,
            Endpoint::ServiceFabric(_) => ManagedIdentitySource::ServiceFabric,
            Endpoint::MachineLearning(_) => ManagedIdentitySource::MachineLearning,
            Endpoint::CloudShell(_) => ManagedIdentitySource::CloudShell,
        }
    }

    /// Asks this source for a token.
    pub(crate) async fn token(&self, call: &Call<'_>) -> Result<CachedToken> {
        match self {
            Endpoint::Imds(source) => source.token(call).await,
            Endpoint::AppService(source) => source.token(call).await,
            Endpoint::Arc(source) => source.token(call).await,
            Endpoint::ServiceFabric(source) => source.token(call).await,
            Endpoint::MachineLearning(source) => source.token(call).await,
            Endpoint::CloudShell(source) => source.token(call).await,
        }
    }
}
