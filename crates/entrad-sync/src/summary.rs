//! What a sync did, counted.

use std::ops::AddAssign;

/// Objects and memberships written, and pages applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Objects that had no row.
    pub added: u64,
    /// Objects whose row was rewritten (changed, back from a soft delete, or seen again by a full round).
    pub changed: u64,
    /// Objects soft-deleted, deleted, or swept at the end of a full round.
    pub removed: u64,
    /// Memberships added.
    pub members_added: u64,
    /// Memberships removed (or swept).
    pub members_removed: u64,
    /// Delta pages applied.
    pub pages: u64,
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.added += other.added;
        self.changed += other.changed;
        self.removed += other.removed;
        self.members_added += other.members_added;
        self.members_removed += other.members_removed;
        self.pages += other.pages;
    }
}
