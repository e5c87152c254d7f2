//! User properties as Graph names them, how queries read them, and serialization of
//! a user with a selection.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::property::{Field, Op, Selectable, Support, Value, text_support};
use crate::state::{User, UserStore};

impl Selectable for Prop {
    const TYPE: &'static str = "microsoft.graph.user";
    const ID: Self = Prop::Id;
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
    /// A property Graph returns only for a single user ([`SINGLE_ONLY`]): null or
    /// empty there, refused on lists.
    SingleOnly(&'static str),
    /// `signInActivity`: needs a premium licence the emulated tenant does not have.
    SignInActivity,
}

/// List users: "The following properties are only supported when retrieving a
/// single user: aboutMe, birthday, hireDate, interests, mySite, pastProjects,
/// preferredName, responsibilities, schools, skills, mailboxSettings"; the
/// collections among them are empty, the others null.
pub(crate) const SINGLE_ONLY: [(&str, bool); 11] = [
    ("aboutMe", false),
    ("birthday", false),
    ("hireDate", false),
    ("interests", true),
    ("mySite", false),
    ("pastProjects", true),
    ("preferredName", false),
    ("responsibilities", true),
    ("schools", true),
    ("skills", true),
    ("mailboxSettings", false),
];

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

/// How a property the emulator does not keep is filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A string: `startsWith` and `ge`/`le` as `eq`.
    Text,
    /// A string without `ge`/`le`.
    Word,
    /// A date: `ge`/`le` as `eq`, no `startsWith`.
    Date,
    /// A flag or an enumeration: `eq` only.
    Flag,
}

use Support::{Advanced as A, Default as D, No as N};

/// Real properties the emulator does not keep (always null), with `eq`'s support
/// in the advanced query page's table ("Support for filter by properties"; `No`
/// for those it does not list).
const NULL_PROPS: [(&str, Support, Kind); 29] = [
    ("city", D, Kind::Text),
    ("companyName", A, Kind::Text),
    ("country", D, Kind::Text),
    ("createdDateTime", D, Kind::Date),
    ("deletedDateTime", D, Kind::Date),
    ("employeeId", D, Kind::Word),
    ("employeeType", A, Kind::Text),
    ("employeeHireDate", A, Kind::Date),
    ("faxNumber", N, Kind::Text),
    ("onPremisesImmutableId", A, Kind::Word),
    ("onPremisesSyncEnabled", D, Kind::Flag),
    ("onPremisesSamAccountName", A, Kind::Text),
    ("onPremisesLastSyncDateTime", A, Kind::Date),
    ("onPremisesSecurityIdentifier", D, Kind::Flag),
    ("onPremisesUserPrincipalName", D, Kind::Text),
    ("onPremisesDistinguishedName", N, Kind::Text),
    ("onPremisesDomainName", N, Kind::Text),
    ("postalCode", A, Kind::Text),
    ("state", D, Kind::Text),
    ("streetAddress", A, Kind::Text),
    ("usageLocation", D, Kind::Text),
    ("ageGroup", D, Kind::Flag),
    ("consentProvidedForMinor", D, Kind::Flag),
    ("creationType", D, Kind::Flag),
    ("externalUserState", N, Kind::Flag),
    ("isResourceAccount", D, Kind::Flag),
    ("lastPasswordChangeDateTime", N, Kind::Date),
    ("passwordPolicies", A, Kind::Flag),
    ("showInAddressList", A, Kind::Flag),
];
/// Real collections the emulator does not keep (always empty), with `eq`'s
/// support (through `any`) and whether `ge`/`le` apply.
const EMPTY_PROPS: [(&str, Support, bool); 7] = [
    ("otherMails", D, true),
    ("proxyAddresses", D, true),
    ("imAddresses", D, true),
    ("identities", D, false),
    ("assignedLicenses", D, false),
    ("assignedPlans", D, false),
    ("provisionedPlans", N, false),
];

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
            Prop::Null(name) | Prop::Empty(name) | Prop::SingleOnly(name) => name,
            Prop::SignInActivity => "signInActivity",
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
                    .find(|(n, ..)| n.eq_ignore_ascii_case(name))
                    .map(|(n, ..)| Prop::Null(n))
            })
            .or_else(|| {
                EMPTY_PROPS
                    .into_iter()
                    .find(|(n, ..)| n.eq_ignore_ascii_case(name))
                    .map(|(n, ..)| Prop::Empty(n))
            })
            .or_else(|| {
                SINGLE_ONLY
                    .into_iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(n, _)| Prop::SingleOnly(n))
            })
            .or_else(|| {
                "signInActivity"
                    .eq_ignore_ascii_case(name)
                    .then_some(Prop::SignInActivity)
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

impl Field for Prop {
    type Object = User;
    const RESOURCE: &'static str = "User";

    fn value(self, user: &User) -> Value<'_> {
        match self {
            Prop::Id => Value::Text(Some(Cow::Owned(user.id.to_string()))),
            Prop::AccountEnabled => Value::Bool(user.account_enabled),
            Prop::BusinessPhones => {
                Value::Texts(user.business_phones.iter().map(|p| &**p).collect())
            }
            Prop::Empty(_) => Value::Texts(Vec::new()),
            other => Value::Text(other.text(user).map(Cow::Borrowed)),
        }
    }

    fn is_collection(self) -> bool {
        matches!(self, Prop::BusinessPhones | Prop::Empty(_))
    }

    fn filter(self, op: Op) -> Support {
        match self {
            Prop::Id | Prop::UserType | Prop::AccountEnabled | Prop::BusinessPhones => {
                if op == Op::Eq { D } else { N }
            }
            Prop::DisplayName => text_support(D, op, false),
            Prop::UserPrincipalName | Prop::Mail => match op {
                Op::EndsWith => A,
                _ => text_support(D, op, true),
            },
            Prop::MobilePhone | Prop::OfficeLocation | Prop::PreferredLanguage => {
                text_support(A, op, true)
            }
            Prop::GivenName
            | Prop::Surname
            | Prop::JobTitle
            | Prop::Department
            | Prop::MailNickname => text_support(D, op, true),
            Prop::Null(name) => {
                let (_, eq, kind) = NULL_PROPS
                    .into_iter()
                    .find(|(n, ..)| *n == name)
                    .unwrap_or((name, N, Kind::Flag));
                match (kind, op) {
                    (_, Op::Eq) => eq,
                    (Kind::Text, _) | (Kind::Word, Op::StartsWith) => {
                        text_support(eq, op, kind == Kind::Text)
                    }
                    (Kind::Date, Op::Range) => eq,
                    _ => N,
                }
            }
            Prop::SingleOnly(_) => N,
            // Refused before any filtering (`users::refuse_premium`).
            Prop::SignInActivity => {
                if op == Op::EndsWith || op == Op::StartsWith {
                    N
                } else {
                    D
                }
            }
            Prop::Empty(name) => {
                let (_, eq, ranged) = EMPTY_PROPS
                    .into_iter()
                    .find(|(n, ..)| *n == name)
                    .unwrap_or((name, N, false));
                match op {
                    Op::EndsWith if matches!(name, "otherMails" | "proxyAddresses") => A,
                    _ if ranged => text_support(eq, op, true),
                    Op::Eq => eq,
                    _ => N,
                }
            }
        }
    }

    fn tokenized(self) -> bool {
        self == Prop::DisplayName
    }

    fn sort(self) -> Support {
        match self {
            Prop::DisplayName | Prop::UserPrincipalName => D,
            Prop::Null("createdDateTime" | "deletedDateTime") => A,
            _ => N,
        }
    }
}

/// A user restricted to some properties, serialized in their order.
pub(crate) struct UserView<'a> {
    pub(crate) user: &'a User,
    pub(crate) props: &'a [Prop],
    /// `@odata.context` first, for single-entity answers.
    pub(crate) context: Option<&'a str>,
    /// `$expand=manager`: the users to find the manager in, and what to show of it.
    pub(crate) manager: Option<(&'a UserStore, &'a Expand)>,
}

impl Serialize for UserView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(context) = self.context {
            map.serialize_entry("@odata.context", context)?;
        }
        user_entries(&mut map, self.user, self.props)?;
        if let Some((users, expand)) = self.manager
            && let Some(manager) = self.user.manager.and_then(|id| users.get(id))
        {
            let chain = ManagerView {
                user: manager,
                users,
                expand,
                level: 1,
                below: &[self.user.id],
            };
            map.serialize_entry("manager", &chain)?;
        }
        map.end()
    }
}

/// What `$expand=manager(...)` asks of each user's manager.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expand {
    /// `$select` inside the parentheses (default properties without).
    pub(crate) select: Option<Vec<Prop>>,
    /// `$levels`: how far up the chain of managers (1 without it).
    pub(crate) levels: usize,
}

/// An expanded manager: `@odata.type`, the selected properties and, while
/// `$levels` allows and the chain does not loop, its own manager.
struct ManagerView<'a> {
    user: &'a User,
    users: &'a UserStore,
    expand: &'a Expand,
    level: usize,
    /// The users already in the chain (a manager relation set by hand may loop).
    below: &'a [uuid::Uuid],
}

impl Serialize for ManagerView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("@odata.type", "#microsoft.graph.user")?;
        let props = self.expand.select.as_deref().unwrap_or(&DEFAULT);
        user_entries(&mut map, self.user, props)?;
        let next = self
            .user
            .manager
            .filter(|id| self.level < self.expand.levels && !self.below.contains(id))
            .and_then(|id| self.users.get(id));
        if let Some(next) = next {
            let mut below = self.below.to_vec();
            below.push(self.user.id);
            let chain = ManagerView {
                user: next,
                users: self.users,
                expand: self.expand,
                level: self.level + 1,
                below: &below,
            };
            map.serialize_entry("manager", &chain)?;
        }
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
            Prop::Null(_) | Prop::SignInActivity => map.serialize_entry(name, &())?,
            Prop::Empty(_) => map.serialize_entry(name, &[(); 0])?,
            Prop::SingleOnly(name) => {
                if SINGLE_ONLY.contains(&(name, true)) {
                    map.serialize_entry(name, &[(); 0])?
                } else {
                    map.serialize_entry(name, &())?
                }
            }
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
