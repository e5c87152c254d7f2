//! Group properties as Graph names them, and serialization of a group with a
//! selection (and, in delta rounds, its `members@delta`).

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::props::Selectable;
use crate::state::{Group, MemberChange};

/// A property of `microsoft.graph.group` that `$select` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupProp {
    Id,
    Description,
    DisplayName,
    GroupTypes,
    Mail,
    MailEnabled,
    MailNickname,
    SecurityEnabled,
    Visibility,
    /// The `members` navigation property: in delta rounds, `members@delta`.
    Members,
    /// A real property the emulator does not keep: always null.
    Null(&'static str),
    /// A real collection property the emulator does not keep: always empty.
    Empty(&'static str),
}

/// What the emulator returns without `$select`, in Graph's order.
pub(crate) const GROUP_DEFAULT: [GroupProp; 17] = [
    GroupProp::Id,
    GroupProp::Null("deletedDateTime"),
    GroupProp::Null("classification"),
    GroupProp::Null("createdDateTime"),
    GroupProp::Description,
    GroupProp::DisplayName,
    GroupProp::Null("expirationDateTime"),
    GroupProp::GroupTypes,
    GroupProp::Null("isAssignableToRole"),
    GroupProp::Mail,
    GroupProp::MailEnabled,
    GroupProp::MailNickname,
    GroupProp::Null("membershipRule"),
    GroupProp::Empty("proxyAddresses"),
    GroupProp::SecurityEnabled,
    GroupProp::Null("securityIdentifier"),
    GroupProp::Visibility,
];

const KEPT: [GroupProp; 10] = [
    GroupProp::Id,
    GroupProp::Description,
    GroupProp::DisplayName,
    GroupProp::GroupTypes,
    GroupProp::Mail,
    GroupProp::MailEnabled,
    GroupProp::MailNickname,
    GroupProp::SecurityEnabled,
    GroupProp::Visibility,
    GroupProp::Members,
];

impl Selectable for GroupProp {
    const TYPE: &'static str = "microsoft.graph.group";

    fn parse(name: &str) -> Option<Self> {
        KEPT.into_iter()
            .chain(GROUP_DEFAULT)
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }

    fn name(self) -> &'static str {
        match self {
            GroupProp::Id => "id",
            GroupProp::Description => "description",
            GroupProp::DisplayName => "displayName",
            GroupProp::GroupTypes => "groupTypes",
            GroupProp::Mail => "mail",
            GroupProp::MailEnabled => "mailEnabled",
            GroupProp::MailNickname => "mailNickname",
            GroupProp::SecurityEnabled => "securityEnabled",
            GroupProp::Visibility => "visibility",
            GroupProp::Members => "members",
            GroupProp::Null(name) | GroupProp::Empty(name) => name,
        }
    }
}

/// Whether a delta round reports `members@delta`: without `$select`, or when it names `members`.
pub(crate) fn tracks_members(select: Option<&[GroupProp]>) -> bool {
    select.is_none_or(|props| props.contains(&GroupProp::Members))
}

/// A group restricted to some properties, serialized in their order.
pub(crate) struct GroupView<'a> {
    pub(crate) group: &'a Group,
    pub(crate) props: &'a [GroupProp],
    /// `@odata.context` first, for single-entity answers.
    pub(crate) context: Option<&'a str>,
    /// `members@delta`, in delta rounds that track members.
    pub(crate) members_delta: Option<Vec<MemberChange>>,
}

/// One entry of `members@delta`: a user added, or removed (`@removed`).
struct MemberEntry(MemberChange);

impl Serialize for MemberEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("@odata.type", "#microsoft.graph.user")?;
        map.serialize_entry("id", &self.0.member)?;
        if !self.0.added {
            map.serialize_entry("@removed", &serde_json::json!({ "reason": "deleted" }))?;
        }
        map.end()
    }
}

impl Serialize for GroupView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(context) = self.context {
            map.serialize_entry("@odata.context", context)?;
        }
        let group = self.group;
        for prop in self.props {
            let name = prop.name();
            match prop {
                GroupProp::Id => map.serialize_entry(name, &group.id)?,
                GroupProp::Description => map.serialize_entry(name, &group.description)?,
                GroupProp::DisplayName => map.serialize_entry(name, &group.display_name)?,
                GroupProp::GroupTypes => map.serialize_entry(name, &group.group_types)?,
                GroupProp::Mail => map.serialize_entry(name, &group.mail)?,
                GroupProp::MailEnabled => map.serialize_entry(name, &group.mail_enabled)?,
                GroupProp::MailNickname => map.serialize_entry(name, &group.mail_nickname)?,
                GroupProp::SecurityEnabled => map.serialize_entry(name, &group.security_enabled)?,
                GroupProp::Visibility => map.serialize_entry(name, &group.visibility)?,
                GroupProp::Members => {}
                GroupProp::Null(_) => map.serialize_entry(name, &())?,
                GroupProp::Empty(_) => map.serialize_entry(name, &[(); 0])?,
            }
        }
        if let Some(changes) = &self.members_delta
            && !changes.is_empty()
        {
            let entries: Vec<MemberEntry> = changes.iter().copied().map(MemberEntry).collect();
            map.serialize_entry("members@delta", &entries)?;
        }
        map.end()
    }
}
