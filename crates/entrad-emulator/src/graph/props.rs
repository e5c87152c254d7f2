//! What `$select` may name (any entity type), user properties as Graph names them,
//! and serialization of a user with a selection.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::state::User;

/// A property `$select` may name, of the entity type a request lists.
pub(crate) trait Selectable: Sized + Copy + PartialEq {
    /// The OData type, as errors name it (`microsoft.graph.user`).
    const TYPE: &'static str;
    /// Looks a property up by name, ignoring case as Graph does.
    fn parse(name: &str) -> Option<Self>;
    /// The property's name as Graph writes it.
    fn name(self) -> &'static str;
}

impl Selectable for Prop {
    const TYPE: &'static str = "microsoft.graph.user";
    fn parse(name: &str) -> Option<Self> {
        Prop::parse(name)
    }
    fn name(self) -> &'static str {
        Prop::name(self)
    }
}

/// A property of `microsoft.graph.user` that `$select` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prop {
    BusinessPhones,
    DisplayName,
    GivenName,
    JobTitle,
    Mail,
    MobilePhone,
    OfficeLocation,
    PreferredLanguage,
    Surname,
    UserPrincipalName,
    Id,
    AccountEnabled,
    Department,
    MailNickname,
    UserType,
    /// A real property the emulator does not keep: always null.
    Null(&'static str),
    /// A real collection property the emulator does not keep: always empty.
    Empty(&'static str),
}

/// What Graph returns without `$select`, in its order.
pub(crate) const DEFAULT: [Prop; 11] = [
    Prop::BusinessPhones,
    Prop::DisplayName,
    Prop::GivenName,
    Prop::JobTitle,
    Prop::Mail,
    Prop::MobilePhone,
    Prop::OfficeLocation,
    Prop::PreferredLanguage,
    Prop::Surname,
    Prop::UserPrincipalName,
    Prop::Id,
];

/// The other properties the emulator keeps, returned only when selected.
const SELECTED_ONLY: [Prop; 4] = [
    Prop::AccountEnabled,
    Prop::Department,
    Prop::MailNickname,
    Prop::UserType,
];

const NULL_PROPS: [&str; 16] = [
    "city",
    "companyName",
    "country",
    "createdDateTime",
    "employeeId",
    "employeeType",
    "faxNumber",
    "onPremisesImmutableId",
    "onPremisesSyncEnabled",
    "postalCode",
    "state",
    "streetAddress",
    "usageLocation",
    "ageGroup",
    "externalUserState",
    "lastPasswordChangeDateTime",
];
const EMPTY_PROPS: [&str; 3] = ["otherMails", "proxyAddresses", "imAddresses"];

impl Prop {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Prop::BusinessPhones => "businessPhones",
            Prop::DisplayName => "displayName",
            Prop::GivenName => "givenName",
            Prop::JobTitle => "jobTitle",
            Prop::Mail => "mail",
            Prop::MobilePhone => "mobilePhone",
            Prop::OfficeLocation => "officeLocation",
            Prop::PreferredLanguage => "preferredLanguage",
            Prop::Surname => "surname",
            Prop::UserPrincipalName => "userPrincipalName",
            Prop::Id => "id",
            Prop::AccountEnabled => "accountEnabled",
            Prop::Department => "department",
            Prop::MailNickname => "mailNickname",
            Prop::UserType => "userType",
            Prop::Null(name) | Prop::Empty(name) => name,
        }
    }

    /// Looks a property up by name, ignoring case as Graph does.
    pub(crate) fn parse(name: &str) -> Option<Prop> {
        DEFAULT
            .into_iter()
            .chain(SELECTED_ONLY)
            .find(|p| p.name().eq_ignore_ascii_case(name))
            .or_else(|| {
                NULL_PROPS
                    .into_iter()
                    .find(|n| n.eq_ignore_ascii_case(name))
                    .map(Prop::Null)
            })
            .or_else(|| {
                EMPTY_PROPS
                    .into_iter()
                    .find(|n| n.eq_ignore_ascii_case(name))
                    .map(Prop::Empty)
            })
    }

    /// The value of a string property (`None` for null or non-string properties).
    pub(crate) fn text(self, user: &User) -> Option<&str> {
        match self {
            Prop::DisplayName => user.display_name.as_deref(),
            Prop::GivenName => user.given_name.as_deref(),
            Prop::JobTitle => user.job_title.as_deref(),
            Prop::Mail => user.mail.as_deref(),
            Prop::MobilePhone => user.mobile_phone.as_deref(),
            Prop::OfficeLocation => user.office_location.as_deref(),
            Prop::PreferredLanguage => user.preferred_language.as_deref(),
            Prop::Surname => user.surname.as_deref(),
            Prop::UserPrincipalName => Some(&user.user_principal_name),
            Prop::Department => user.department.as_deref(),
            Prop::MailNickname => Some(user.mail_nickname()),
            Prop::UserType => Some("Member"),
            _ => None,
        }
    }
}

/// A user restricted to some properties, serialized in their order.
pub(crate) struct UserView<'a> {
    pub(crate) user: &'a User,
    pub(crate) props: &'a [Prop],
    /// `@odata.context` first, for single-entity answers.
    pub(crate) context: Option<&'a str>,
}

impl Serialize for UserView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(context) = self.context {
            map.serialize_entry("@odata.context", context)?;
        }
        user_entries(&mut map, self.user, self.props)?;
        map.end()
    }
}

/// Writes the `props` of `user` into a JSON object being serialized.
pub(crate) fn user_entries<M: SerializeMap>(
    map: &mut M,
    user: &User,
    props: &[Prop],
) -> Result<(), M::Error> {
    for prop in props {
        let name = prop.name();
        match prop {
            Prop::BusinessPhones => map.serialize_entry(name, &user.business_phones)?,
            Prop::Id => map.serialize_entry(name, &user.id)?,
            Prop::AccountEnabled => map.serialize_entry(name, &user.account_enabled)?,
            Prop::Null(_) => map.serialize_entry(name, &())?,
            Prop::Empty(_) => map.serialize_entry(name, &[(); 0])?,
            other => map.serialize_entry(name, &other.text(user))?,
        }
    }
    Ok(())
}

/// `$metadata#users` or `$metadata#users(a,b)` (selections keep the client's order).
pub(crate) fn context<P: Selectable>(
    base: &str,
    entity_set: &str,
    select: Option<&[P]>,
    suffix: &str,
) -> String {
    match select {
        None => format!("{base}/v1.0/$metadata#{entity_set}{suffix}"),
        Some(props) => {
            let names: Vec<&str> = props.iter().map(|p| p.name()).collect();
            format!(
                "{base}/v1.0/$metadata#{entity_set}({}){suffix}",
                names.join(",")
            )
        }
    }
}
