//! Several tenants (`--tenants N`): the first is the default one; each other has its
//! own id, domain, users and groups (from the seed plus its number) and a copy of the
//! first one's app registrations, consent included (a multi-tenant app consented in
//! every tenant), in its own state file.

use std::path::PathBuf;

use super::apps::RegisteredCertificate;
use super::directory::Directory;
use super::fresh::Fresh;
use super::registrations::{app_from_saved, saved_app};
use super::tenant::Tenant;
use crate::config::Config;
use crate::error::Result;

/// Opens the `config.tenants` directories (at least one); `store(n)` is where tenant
/// `n` keeps its state (`None` in memory).
pub(crate) fn open_all(
    config: &Config,
    store: impl Fn(usize) -> Option<PathBuf>,
    certificate: &RegisteredCertificate,
) -> Result<Vec<Directory>> {
    let home = Directory::open(config, store(0), certificate.clone())?;
    let mut directories = Vec::with_capacity(config.tenants.max(1));
    for n in 1..config.tenants.max(1) {
        let apps = home
            .apps
            .iter()
            .map(|app| app_from_saved(saved_app(app), certificate))
            .collect();
        let fresh = Fresh {
            tenant: Tenant::numbered(n),
            seed: config.seed.wrapping_add(n as u64),
            apps: Some(apps),
        };
        directories.push(Directory::open_as(
            config,
            store(n),
            certificate.clone(),
            fresh,
        )?);
    }
    directories.insert(0, home);
    Ok(directories)
}
