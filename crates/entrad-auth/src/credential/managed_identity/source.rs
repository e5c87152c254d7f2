//! [`ManagedIdentitySource`]: where a managed identity's tokens come from.

use std::fmt;

/// Where a managed identity's tokens come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManagedIdentitySource {
    /// Azure VMs, VM scale sets, AKS: the Instance Metadata Service.
    Imds,
    /// App Service, Functions, Container Apps (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`).
    AppService,
    /// Azure Arc-enabled servers (`IDENTITY_ENDPOINT` + `IMDS_ENDPOINT`, or the agent).
    Arc,
    /// Service Fabric (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER` + `IDENTITY_SERVER_THUMBPRINT`).
    ServiceFabric,
    /// Azure Machine Learning (`MSI_ENDPOINT` + `MSI_SECRET`).
    MachineLearning,
    /// Azure Cloud Shell (`MSI_ENDPOINT` alone).
    CloudShell,
}

impl ManagedIdentitySource {
    /// The source's name for people ("App Service", "IMDS", …).
    pub fn name(self) -> &'static str {
        match self {
            ManagedIdentitySource::Imds => "IMDS",
            ManagedIdentitySource::AppService => "App Service",
            ManagedIdentitySource::Arc => "Azure Arc",
            ManagedIdentitySource::ServiceFabric => "Service Fabric",
            ManagedIdentitySource::MachineLearning => "Machine Learning",
            ManagedIdentitySource::CloudShell => "Cloud Shell",
        }
    }
}

impl fmt::Display for ManagedIdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
