//! [`Cursor`]: where a tenant's round of one kind stands.

/// Where one tenant's round of one kind stands, stored with the page before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The next request: a nextLink mid-round, the deltaLink once `done`.
    pub link: String,
    /// The round reached its deltaLink.
    pub done: bool,
    /// A full round (the first one, or a fresh one after a resync): it writes
    /// every object, and its last page sweeps the rows it did not write.
    pub full: bool,
    /// The round's number; rows remember the round that last wrote them.
    pub round: i64,
    /// The `$select` of the round: another one starts a fresh full round.
    pub selection: String,
}
