//! The directory: one tenant, its apps and its users, persisted in `state.json`
//! unless the emulator runs in memory.

mod apps;
mod generate;
mod group;
mod group_changes;
mod group_generate;
mod orders;
mod persist;
mod roles;
mod store;
mod tenant;
mod tenants;
mod user;

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) use apps::{
    App, ClientSecret, FederatedCredential, RegisteredCertificate, SecretCheck,
    TOKEN_EXCHANGE_AUDIENCE, WORKLOAD_SUBJECT,
};
pub use apps::{
    CONSENT_REDIRECT_URI, CONSENTED_CLIENT_ID, NO_SERVICE_PRINCIPAL_CLIENT_ID,
    UNCONSENTED_CLIENT_ID,
};
pub(crate) use group::{Group, GroupStore, MemberChange};
pub(crate) use orders::{Orders, Ranked};
use persist::{JournalEntry, Saved, SavedApp, SavedSecret, UsersBase};
pub use roles::GLOBAL_ADMINISTRATOR;
pub(crate) use roles::can_consent;
pub(crate) use store::{Entry, Store, Tombstone, UserStore};
pub(crate) use tenant::Tenant;
pub use tenant::{DEFAULT_TENANT_DOMAIN, DEFAULT_TENANT_ID};
pub(crate) use tenants::{Fresh, open_all};
pub(crate) use user::User;

use crate::config::Config;
use crate::error::{Error, Result};

/// Application permissions granted to the consented app: reading users, and groups
/// with their members.
const GRAPH_ROLES: [&str; 2] = ["User.Read.All", "GroupMember.Read.All"];
/// Application permission granted to the managed identities.
pub(crate) const GRAPH_ROLE: &str = "User.Read.All";
const DAY: i64 = 86_400;

/// Everything the token service and Graph serve.
#[derive(Debug)]
pub(crate) struct Directory {
    pub(crate) tenant: Tenant,
    pub(crate) apps: Vec<App>,
    pub(crate) users: UserStore,
    /// The users' sort orders (`$orderby`), kept between pages.
    pub(crate) user_orders: Orders,
    pub(crate) groups: GroupStore,
    /// Identifies this history of changes: delta tokens of another one are refused.
    pub(crate) sync_epoch: String,
    /// Users' directory roles (Global Administrator, ...).
    pub(crate) roles: roles::Roles,
    base: UsersBase,
    journal: Vec<JournalEntry>,
    /// `state.json`, or `None` in memory.
    store: Option<PathBuf>,
}

/// Why a user change was refused.
#[derive(Debug)]
pub(crate) enum ChangeError {
    NotFound,
    Invalid(String),
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
        let mut groups = GroupStore::new(group_changes::initial_groups(&base, &users, &tenant));
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

    fn record(&mut self, entry: JournalEntry) {
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

fn apply(users: &mut UserStore, groups: &mut GroupStore, entry: JournalEntry) {
    match entry {
        JournalEntry::Upsert { seq, user } => users.upsert_at(user, seq),
        JournalEntry::Remove { seq, id, permanent } => {
            if users.remove_at(id, permanent, seq) {
                groups.remove_member_everywhere(id);
            }
        }
        other => group_changes::apply(groups, other),
    }
}

fn initial_users(base: &UsersBase, domain: &str) -> Result<Vec<User>> {
    match base {
        UsersBase::Generated { count, seed } => Ok(generate::generate(*count, *seed, domain)),
        UsersBase::File { path } => persist::load_users_file(path),
    }
}

fn new_epoch() -> String {
    Uuid::new_v4().simple().to_string()
}

/// A secret shaped like Entra's: three characters, `8Q~`, then 34 more.
pub(crate) fn new_secret_value() -> SecretString {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";
    let mut rng = rand::rngs::OsRng;
    let mut pick = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect()
    };
    let value = format!("{}8Q~{}", pick(3), pick(34));
    SecretString::from(value)
}

fn secret(expires: i64) -> ClientSecret {
    ClientSecret {
        key_id: Uuid::new_v4().to_string(),
        value: new_secret_value(),
        expires,
    }
}

fn default_apps(certificate: &RegisteredCertificate) -> Vec<App> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let app = |client_id: &str, name: &str, sp: Option<&str>, consented: bool| App {
        client_id: client_id.into(),
        display_name: name.into(),
        service_principal_id: sp.map(String::from),
        roles: GRAPH_ROLES.map(String::from).to_vec(),
        consented,
        secrets: vec![secret(now + 730 * DAY)],
        certificates: Vec::new(),
        federated_credentials: Vec::new(),
        redirect_uris: vec![CONSENT_REDIRECT_URI.into()],
    };
    let mut consented = app(
        CONSENTED_CLIENT_ID,
        "entrad-daemon",
        Some("0b6f3e52-9a1d-4c7e-8f20-5d3b1a9c7e64"),
        true,
    );
    // An expired secret next to the valid one, so that AADSTS7000222 can be seen.
    consented.secrets.push(secret(now - DAY));
    consented.certificates.push(certificate.clone());
    consented.federated_credentials = default_federated_credentials(CONSENTED_CLIENT_ID);
    vec![
        consented,
        app(
            UNCONSENTED_CLIENT_ID,
            "entrad-unconsented",
            Some("3c8a1f07-6e2b-4d95-a1c4-7f0e9b2d5a38"),
            false,
        ),
        app(
            NO_SERVICE_PRINCIPAL_CLIENT_ID,
            "entrad-no-service-principal",
            None,
            false,
        ),
    ]
}

/// Only the consented app trusts the emulator's issuer (the others show AADSTS70021).
fn default_federated_credentials(client_id: &str) -> Vec<FederatedCredential> {
    if client_id.eq_ignore_ascii_case(CONSENTED_CLIENT_ID) {
        vec![FederatedCredential::workload()]
    } else {
        Vec::new()
    }
}

fn app_from_saved(saved: SavedApp, certificate: &RegisteredCertificate) -> App {
    let federated_credentials = saved
        .federated_credentials
        .unwrap_or_else(|| default_federated_credentials(&saved.client_id));
    App {
        client_id: saved.client_id,
        display_name: saved.display_name,
        service_principal_id: saved.service_principal_id,
        roles: saved.roles,
        consented: saved.consented,
        secrets: saved
            .secrets
            .into_iter()
            .map(|s| ClientSecret {
                key_id: s.key_id,
                value: SecretString::from(s.value),
                expires: s.expires,
            })
            .collect(),
        certificates: if saved.has_certificate {
            vec![certificate.clone()]
        } else {
            Vec::new()
        },
        federated_credentials,
        redirect_uris: saved
            .redirect_uris
            .unwrap_or_else(|| vec![CONSENT_REDIRECT_URI.into()]),
    }
}

fn saved_app(app: &App) -> SavedApp {
    SavedApp {
        client_id: app.client_id.clone(),
        display_name: app.display_name.clone(),
        service_principal_id: app.service_principal_id.clone(),
        roles: app.roles.clone(),
        consented: app.consented,
        secrets: app
            .secrets
            .iter()
            .map(|s| SavedSecret {
                key_id: s.key_id.clone(),
                value: s.value.expose_secret().to_string(),
                expires: s.expires,
            })
            .collect(),
        has_certificate: !app.certificates.is_empty(),
        federated_credentials: Some(app.federated_credentials.clone()),
        redirect_uris: Some(app.redirect_uris.clone()),
    }
}
