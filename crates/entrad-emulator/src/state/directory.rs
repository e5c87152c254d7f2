//! The directory of one tenant: its apps, users, groups and roles, with the changes
//! the admin API makes, persisted in `state.json` unless the emulator runs in memory.

use std::path::PathBuf;

use uuid::Uuid;

use super::apps::{App, RegisteredCertificate};
use super::change_error::ChangeError;
use super::fresh::Fresh;
use super::group::GroupStore;
use super::initial::{initial_groups, initial_users};
use super::orders::Orders;
use super::persist::{self, JournalEntry, Saved, UsersBase};
use super::registrations::{app_from_saved, default_apps, saved_app};
use super::replay::apply;
use super::roles;
use super::store::UserStore;
use super::tenant::Tenant;
use super::user::User;
use crate::config::Config;
use crate::error::{Error, Result};

/// Everything the token service and Graph serve.
#[derive(Debug)]
pub(crate) struct Directory {
    pub(crate) tenant: Tenant,
    pub(crate) apps: Vec<App>,
    pub(crate) users: UserStore,
    /// The users' sort orders (`$orderby`), kept between pages.
    pub(crate) user_orders: Orders,
    pub(crate) groups: GroupStore,
    /// The groups' sort orders (`$orderby`), kept between pages.
    pub(crate) group_orders: Orders,
    /// Identifies this history of changes: delta tokens of another one are refused.
    pub(crate) sync_epoch: String,
    /// Users' directory roles (Global Administrator, ...).
    pub(crate) roles: roles::Roles,
    base: UsersBase,
    journal: Vec<JournalEntry>,
    /// `state.json`, or `None` in memory.
    store: Option<PathBuf>,
}

impl Directory {
    /// Loads `state.json` (unless `store` is `None`) or creates a fresh tenant. Users are
    /// rebuilt from their source; the journal is replayed only when the source is the
    /// one it was recorded against.
    pub(crate) fn open(
        config: &Config,
        store: Option<PathBuf>,
        app_certificate: RegisteredCertificate,
    ) -> Result<Directory> {
        Directory::open_as(config, store, app_certificate, Fresh::home(config))
    }

    /// [`Directory::open`] for a tenant that starts as `fresh` says when it has no state.
    pub(crate) fn open_as(
        config: &Config,
        store: Option<PathBuf>,
        app_certificate: RegisteredCertificate,
        fresh: Fresh,
    ) -> Result<Directory> {
        let base = match &config.users_file {
            Some(path) => UsersBase::File {
                path: std::path::absolute(path)
                    .map_err(|e| Error::io("cannot resolve", path, e))?,
            },
            None => UsersBase::Generated {
                count: config.users,
                seed: fresh.seed,
            },
        };
        let saved = match &store {
            Some(path) => persist::load(path)?,
            None => None,
        };
        let (tenant, apps, mut sync_epoch, journal, saved_roles) = match saved {
            Some(saved) => {
                let apps = saved
                    .apps
                    .into_iter()
                    .map(|a| app_from_saved(a, &app_certificate))
                    .collect();
                (
                    saved.tenant,
                    apps,
                    saved.sync_epoch,
                    (saved.users == base).then_some(saved.journal),
                    saved.directory_roles,
                )
            }
            None => (
                fresh.tenant,
                fresh.apps.unwrap_or_else(|| default_apps(&app_certificate)),
                new_epoch(),
                None,
                None,
            ),
        };
        let mut users = UserStore::new(initial_users(&base, &tenant.domain)?);
        let mut groups = GroupStore::new(initial_groups(&base, &users, &tenant));
        let journal = match journal {
            Some(journal) => {
                for entry in &journal {
                    apply(&mut users, &mut groups, entry.clone());
                }
                journal
            }
            None => {
                sync_epoch = new_epoch();
                Vec::new()
            }
        };
        let roles = saved_roles.unwrap_or_else(|| roles::initial(&users));
        let directory = Directory {
            tenant,
            apps,
            users,
            user_orders: Orders::default(),
            groups,
            group_orders: Orders::default(),
            sync_epoch,
            roles,
            base,
            journal,
            store,
        };
        directory.save()?;
        Ok(directory)
    }

    pub(crate) fn app(&self, client_id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    /// Writes `state.json` (nothing in memory).
    pub(crate) fn save(&self) -> Result<()> {
        let Some(path) = &self.store else {
            return Ok(());
        };
        let apps = self.apps.iter().map(saved_app).collect();
        let saved = Saved::new(
            self.tenant.clone(),
            apps,
            self.sync_epoch.clone(),
            self.base.clone(),
            self.journal.clone(),
            self.roles.clone(),
        );
        persist::save(path, &saved)
    }

    pub(super) fn record(&mut self, entry: JournalEntry) {
        apply(&mut self.users, &mut self.groups, entry.clone());
        self.journal.push(entry);
    }

    /// Stores a validated user, new or changed, unless another one has its UPN.
    fn upsert(&mut self, user: User) -> Result<User, ChangeError> {
        if self.users.upn_taken(&user.user_principal_name, user.id) {
            return Err(ChangeError::Invalid(
                "Another object with the same value for property userPrincipalName already exists."
                    .into(),
            ));
        }
        let seq = self.users.seq() + 1;
        self.record(JournalEntry::Upsert {
            seq,
            user: user.clone(),
        });
        Ok(user)
    }

    /// Adds a user (a fresh id when it has none).
    pub(crate) fn add_user(&mut self, mut user: User) -> Result<User, ChangeError> {
        if user.id.is_nil() {
            user.id = Uuid::new_v4();
        }
        user.validate().map_err(ChangeError::Invalid)?;
        if self.users.get(user.id).is_some() {
            return Err(ChangeError::Invalid(format!(
                "Another object with the same value for property id already exists: {}.",
                user.id
            )));
        }
        self.upsert(user)
    }

    /// Changes the given properties (Graph names) of a user found by id or UPN.
    pub(crate) fn patch_user(
        &mut self,
        key: &str,
        patch: serde_json::Map<String, serde_json::Value>,
    ) -> Result<User, ChangeError> {
        let current = self.users.find(key).ok_or(ChangeError::NotFound)?;
        let mut value =
            serde_json::to_value(current).map_err(|e| ChangeError::Invalid(e.to_string()))?;
        let serde_json::Value::Object(fields) = &mut value else {
            return Err(ChangeError::Invalid("a user is a JSON object".into()));
        };
        for (name, new) in patch {
            if name == "id" {
                return Err(ChangeError::Invalid("Property 'id' is read-only.".into()));
            }
            if !fields.contains_key(&name) {
                return Err(ChangeError::Invalid(format!(
                    "Invalid property '{name}' for type 'microsoft.graph.user'."
                )));
            }
            fields.insert(name, new);
        }
        let mut user: User =
            serde_json::from_value(value).map_err(|e| ChangeError::Invalid(e.to_string()))?;
        user.id = current.id;
        user.validate().map_err(ChangeError::Invalid)?;
        self.upsert(user)
    }

    /// Removes a user found by id or UPN; `permanent` reports it as `deleted` in delta.
    pub(crate) fn remove_user(&mut self, key: &str, permanent: bool) -> Result<Uuid, ChangeError> {
        let id = self.users.find(key).ok_or(ChangeError::NotFound)?.id;
        let seq = self.users.seq() + 1;
        self.record(JournalEntry::Remove { seq, id, permanent });
        self.roles.remove(&id);
        Ok(id)
    }

    /// The directory roles of a user.
    pub(crate) fn roles_of(&self, id: Uuid) -> &[String] {
        self.roles.get(&id).map_or(&[], Vec::as_slice)
    }

    /// Replaces the directory roles of a user found by id or UPN.
    pub(crate) fn set_roles(&mut self, key: &str, roles: Vec<String>) -> Result<Uuid, ChangeError> {
        let id = self.users.find(key).ok_or(ChangeError::NotFound)?.id;
        if roles.is_empty() {
            self.roles.remove(&id);
        } else {
            self.roles.insert(id, roles);
        }
        Ok(id)
    }

    /// Grants admin consent to an app, creating its service principal if it had none.
    pub(crate) fn grant_consent(&mut self, client_id: &str) {
        if let Some(app) = self
            .apps
            .iter_mut()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
        {
            app.consented = true;
            if app.service_principal_id.is_none() {
                app.service_principal_id = Some(Uuid::new_v4().to_string());
            }
        }
    }

    /// Replaces the application permissions an app requests on Graph (what its tokens
    /// carry once consented); false when no such app exists.
    pub(crate) fn set_app_roles(&mut self, client_id: &str, roles: Vec<String>) -> bool {
        match self
            .apps
            .iter_mut()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
        {
            Some(app) => {
                app.roles = roles;
                true
            }
            None => false,
        }
    }

    /// Grants or revokes admin consent and, with `roles`, replaces the app's Graph
    /// application permissions: what the admin API's `POST /consent` and the portal's
    /// permissions form do. False when no such app exists (nothing changed).
    pub(crate) fn change_consent(
        &mut self,
        client_id: &str,
        granted: bool,
        roles: Option<Vec<String>>,
    ) -> bool {
        if !self.set_consent(client_id, granted) {
            return false;
        }
        if let Some(roles) = roles {
            self.set_app_roles(client_id, roles);
        }
        true
    }

    /// Grants or revokes admin consent; false when no such app exists.
    pub(crate) fn set_consent(&mut self, client_id: &str, granted: bool) -> bool {
        match self
            .apps
            .iter_mut()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
        {
            Some(app) => {
                app.consented = granted;
                true
            }
            None => false,
        }
    }
}

fn new_epoch() -> String {
    Uuid::new_v4().simple().to_string()
}
