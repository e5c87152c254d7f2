//! Who may use the admin API and enter the portal: the admin token (none with
//! `--no-admin-token`) and the portal's one-time login code of the ready line.

use std::sync::Mutex;

use crate::admin_token::{AdminToken, matches};

/// The admin token and the portal's login code, both kept out of `Debug` output.
#[derive(Debug)]
pub(crate) struct Access {
    admin_token: Option<AdminToken>,
    /// The one-time code of the portal's login URL, until it is used.
    login_code: Mutex<Option<AdminToken>>,
}

impl Access {
    pub(crate) fn new(admin_token: Option<AdminToken>, login_code: Option<AdminToken>) -> Access {
        Access {
            admin_token,
            login_code: Mutex::new(login_code),
        }
    }

    /// Whether the admin API and the portal need the admin token.
    pub(crate) fn required(&self) -> bool {
        self.admin_token.is_some()
    }

    /// Whether `given` is the admin token (anything is, without one); compared in
    /// constant time.
    pub(crate) fn admits(&self, given: &str) -> bool {
        self.admin_token
            .as_ref()
            .is_none_or(|expected| matches(expected.as_str(), given))
    }

    /// Whether `code` is the portal's login code; a matching code is used up.
    pub(crate) fn use_login_code(&self, code: &str) -> bool {
        let mut expected = self.login_code.lock().unwrap_or_else(|p| p.into_inner());
        let valid = expected.as_ref().is_some_and(|e| matches(e.as_str(), code));
        if valid {
            *expected = None;
        }
        valid
    }
}
