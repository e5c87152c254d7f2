//! A directory user, kept compact so that 100,000 of them stay small.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One user, with the properties Graph returns by default plus a few more.
/// Repeated values (job titles, offices, languages, departments) share one allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    /// Nil when absent from the input: the caller picks an id.
    #[serde(default)]
    pub(crate) id: Uuid,
    #[serde(default)]
    pub(crate) business_phones: Vec<Box<str>>,
    #[serde(default)]
    pub(crate) display_name: Option<Box<str>>,
    #[serde(default)]
    pub(crate) given_name: Option<Box<str>>,
    #[serde(default)]
    pub(crate) job_title: Option<Arc<str>>,
    #[serde(default)]
    pub(crate) mail: Option<Box<str>>,
    #[serde(default)]
    pub(crate) mobile_phone: Option<Box<str>>,
    #[serde(default)]
    pub(crate) office_location: Option<Arc<str>>,
    #[serde(default)]
    pub(crate) preferred_language: Option<Arc<str>>,
    #[serde(default)]
    pub(crate) surname: Option<Box<str>>,
    pub(crate) user_principal_name: Box<str>,
    #[serde(default = "enabled")]
    pub(crate) account_enabled: bool,
    #[serde(default)]
    pub(crate) department: Option<Arc<str>>,
    /// The user's manager (`$expand=manager`), by id: generated users have one
    /// ([`generate`](super::generate::generate)); others when their input names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) manager: Option<Uuid>,
    /// The change sequence number of the last change (0: part of the initial state).
    #[serde(skip)]
    pub(crate) changed: u64,
}

fn enabled() -> bool {
    true
}

impl User {
    /// `mailNickname`: the part of the UPN before `@`.
    pub(crate) fn mail_nickname(&self) -> &str {
        self.user_principal_name
            .split('@')
            .next()
            .unwrap_or(&self.user_principal_name)
    }

    /// Checks what Graph itself would refuse.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let upn = &*self.user_principal_name;
        match upn.split_once('@') {
            Some((name, domain)) if !name.is_empty() && !domain.is_empty() => Ok(()),
            _ => Err(format!(
                "Property userPrincipalName value '{upn}' is invalid: it must look like name@domain."
            )),
        }
    }
}
