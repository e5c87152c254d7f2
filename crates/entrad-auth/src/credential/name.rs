//! What a credential is called when a person is told which source served a token.

use super::{Credential, Source};

impl Credential {
    /// The kind of credential, for people: "client secret", "client
    /// certificate", "client assertion file" (workload identity), "client
    /// assertion callback", "client credentials list"; a credential loaded
    /// again when its files change is named for what it holds now. Never any
    /// secret material.
    pub fn kind_name(&self) -> &'static str {
        match &self.source {
            Source::Secret(_) => "client secret",
            Source::Certificate(_) => "client certificate",
            Source::AssertionFile(_) => "client assertion file",
            Source::AssertionCallback(_) => "client assertion callback",
            Source::List(_) => "client credentials list",
            Source::Reloading(reloading) => reloading.current().kind_name(),
        }
    }
}
