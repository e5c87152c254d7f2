//! `GET /v1.0/groups`: the users query on the groups collection. A group's members
//! are a collection too (`v1.0/groups/{id}/members`, with [`GraphClient::pages`]), and
//! group delta rounds (`v1.0/groups/delta?$select=displayName,members`, whose items
//! carry `members@delta`) go through [`GraphClient::delta`] or [`GraphClient::pages`]
//! as users' do.

use crate::client::GraphClient;
use crate::users::UsersQuery;

impl GraphClient {
    /// A query over `/v1.0/groups` (`$select`, `$filter`, `$top`, `$count`).
    pub fn groups(&self) -> UsersQuery<'_> {
        self.users().on("v1.0/groups")
    }
}
