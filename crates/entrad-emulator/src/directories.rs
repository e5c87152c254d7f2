//! The directories of the tenants the emulator serves: the default one (number 0)
//! and the others of `--tenants N`, numbered from 1. Handlers read and change a
//! tenant's directory through these methods and the [`Directory`]'s own, so that the
//! admin API, the portal and Graph change it the same way.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::state::Directory;

/// Every tenant's directory, each behind its own lock.
#[derive(Debug)]
pub(crate) struct Directories {
    home: RwLock<Directory>,
    /// The other tenants (`--tenants N`), numbered from 1.
    others: Vec<RwLock<Directory>>,
}

impl Directories {
    /// The default tenant and the others, in their numbers' order.
    pub(crate) fn new(home: Directory, others: Vec<Directory>) -> Directories {
        Directories {
            home: RwLock::new(home),
            others: others.into_iter().map(RwLock::new).collect(),
        }
    }

    /// How many tenants there are (at least one).
    pub(crate) fn count(&self) -> usize {
        self.others.len() + 1
    }

    fn lock(&self, tenant: usize) -> &RwLock<Directory> {
        tenant
            .checked_sub(1)
            .and_then(|i| self.others.get(i))
            .unwrap_or(&self.home)
    }

    /// Reads the default tenant's directory.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Directory> {
        self.read_at(0)
    }

    /// Changes the default tenant's directory.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Directory> {
        self.write_at(0)
    }

    /// Reads the directory of tenant number `tenant` (0, or any unknown number: the
    /// default one). Writers never leave it half-changed (each change is one call on
    /// the store), so a poisoned lock is still safe to use.
    pub(crate) fn read_at(&self, tenant: usize) -> RwLockReadGuard<'_, Directory> {
        self.lock(tenant).read().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the directory of tenant number `tenant` (as [`Directories::read_at`] picks it).
    pub(crate) fn write_at(&self, tenant: usize) -> RwLockWriteGuard<'_, Directory> {
        self.lock(tenant).write().unwrap_or_else(|p| p.into_inner())
    }

    /// The number of the tenant a path segment or claim names (GUID or domain).
    pub(crate) fn tenant_index(&self, segment: &str) -> Option<usize> {
        (0..self.count()).find(|&n| self.read_at(n).tenant.is(segment))
    }

    /// The directory of the tenant `segment` names, or the default one (whose
    /// tenant check then refuses the segment as unknown).
    pub(crate) fn read_for(&self, segment: &str) -> RwLockReadGuard<'_, Directory> {
        self.read_at(self.tenant_index(segment).unwrap_or(0))
    }

    /// The number of the tenant a query's `tenant` parameter names (0 without one), or
    /// what is wrong with it: how the admin API and the portal's pages pick a tenant.
    pub(crate) fn tenant_in_query(&self, query: Option<&str>) -> Result<usize, String> {
        let query = query.unwrap_or_default();
        match url::form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "tenant") {
            None => Ok(0),
            Some((_, name)) => self.tenant_index(&name).ok_or_else(|| {
                format!("no tenant {name}: give a tenant id or domain of the ready line's tenants")
            }),
        }
    }
}
