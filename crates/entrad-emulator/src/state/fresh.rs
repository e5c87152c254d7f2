//! What a tenant starts with when it has no saved state.

use super::apps::App;
use super::tenant::Tenant;
use crate::config::Config;

/// What a tenant starts with when it has no saved state.
#[derive(Debug)]
pub(crate) struct Fresh {
    pub(crate) tenant: Tenant,
    /// Seed of its generated users and groups.
    pub(crate) seed: u64,
    /// Its app registrations; `None`: the default ones, with new secrets.
    pub(crate) apps: Option<Vec<App>>,
}

impl Fresh {
    /// The default tenant.
    pub(crate) fn home(config: &Config) -> Fresh {
        Fresh {
            tenant: Tenant::default(),
            seed: config.seed,
            apps: None,
        }
    }
}
