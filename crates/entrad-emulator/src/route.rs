//! The named routes that are counted in stats and can be given faults.

use serde::Serialize;

/// A served route, by the name the admin API and `--fault` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub(crate) enum Route {
    OpenidConfiguration,
    InstanceDiscovery,
    Jwks,
    Token,
    AdminConsent,
    Users,
    User,
    UsersDelta,
    Batch,
    Groups,
    Group,
    GroupMembers,
    GroupsDelta,
    /// The managed identity endpoints (plain http, their own listener).
    Imds,
    AppService,
    Arc,
    ServiceFabric,
    MachineLearning,
    CloudShell,
    /// Azure Resource Manager: the cloud's metadata, subscriptions, tenants.
    ArmMetadata,
    Subscriptions,
    Tenants,
}

impl Route {
    pub(crate) const ALL: [Route; 22] = [
        Route::OpenidConfiguration,
        Route::InstanceDiscovery,
        Route::Jwks,
        Route::Token,
        Route::AdminConsent,
        Route::Users,
        Route::User,
        Route::UsersDelta,
        Route::Batch,
        Route::Groups,
        Route::Group,
        Route::GroupMembers,
        Route::GroupsDelta,
        Route::Imds,
        Route::AppService,
        Route::Arc,
        Route::ServiceFabric,
        Route::MachineLearning,
        Route::CloudShell,
        Route::ArmMetadata,
        Route::Subscriptions,
        Route::Tenants,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Route::OpenidConfiguration => "openid-configuration",
            Route::InstanceDiscovery => "instance-discovery",
            Route::Jwks => "jwks",
            Route::Token => "token",
            Route::AdminConsent => "adminconsent",
            Route::Users => "users",
            Route::User => "user",
            Route::UsersDelta => "users-delta",
            Route::Batch => "batch",
            Route::Groups => "groups",
            Route::Group => "group",
            Route::GroupMembers => "group-members",
            Route::GroupsDelta => "groups-delta",
            Route::Imds => "imds",
            Route::AppService => "app-service",
            Route::Arc => "arc",
            Route::ServiceFabric => "service-fabric",
            Route::MachineLearning => "machine-learning",
            Route::CloudShell => "cloud-shell",
            Route::ArmMetadata => "arm-metadata",
            Route::Subscriptions => "subscriptions",
            Route::Tenants => "tenants",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.name() == name)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// ARM's routes answer errors in ARM's shape.
    pub(crate) fn is_arm(self) -> bool {
        matches!(
            self,
            Route::ArmMetadata | Route::Subscriptions | Route::Tenants
        )
    }

    /// Graph routes answer errors in Graph's shape, the others in the token service's.
    pub(crate) fn is_graph(self) -> bool {
        matches!(
            self,
            Route::Users
                | Route::User
                | Route::UsersDelta
                | Route::Batch
                | Route::Groups
                | Route::Group
                | Route::GroupMembers
                | Route::GroupsDelta
        )
    }
}
