//! `$orderby` on users, as Graph sorts directory objects
//! (<https://learn.microsoft.com/graph/aad-advanced-queries>, "Support for sorting by
//! properties"): `displayName` and `userPrincipalName` by default, `createdDateTime`
//! and `deletedDateTime` only in advanced queries (`ConsistencyLevel: eventual` and
//! `$count=true`), nothing else. Pages of a sorted list continue from a position
//! (the last sort key and id served), so users added or removed between pages
//! neither repeat nor skip the others.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::paging;
use super::props::Prop;
use crate::state::{Ranked, User};

/// A property users can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortKey {
    DisplayName,
    UserPrincipalName,
    /// A sortable date the emulator does not keep: null for every user.
    NullDate(&'static str),
}

impl SortKey {
    fn name(self) -> &'static str {
        match self {
            SortKey::DisplayName => "displayName",
            SortKey::UserPrincipalName => "userPrincipalName",
            SortKey::NullDate(name) => name,
        }
    }

    fn value(self, user: &User) -> Option<&str> {
        match self {
            SortKey::DisplayName => user.display_name.as_deref(),
            SortKey::UserPrincipalName => Some(&user.user_principal_name),
            SortKey::NullDate(_) => None,
        }
    }
}

/// A parsed `$orderby`: one property, ascending or descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderBy {
    /// The property, `Err` with its name when Graph cannot sort users by it.
    key: Result<SortKey, &'static str>,
    desc: bool,
}

/// Why an `$orderby` clause was refused, before any rule about headers.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OrderByError {
    /// Not a property of `microsoft.graph.user` (400 `Request_BadRequest`).
    UnknownProperty(String),
    /// Not `property [asc|desc]`, or more than one property.
    Syntax,
}

/// Where the next page of a sorted list starts: after this key and id.
#[derive(Debug, Serialize, Deserialize)]
struct Position {
    by: String,
    desc: bool,
    key: Option<String>,
    /// Named unlike the unsorted list's `after`: neither list takes the other's token.
    id: Uuid,
}

/// A text as Graph compares it in a sort: case ignored. Missing values
/// (`None`) sort first, as `Option`'s order has it.
fn fold(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

impl OrderBy {
    /// Parses `property [asc|desc]`; property names ignore case, as Graph's do.
    pub(crate) fn parse(value: &str) -> Result<OrderBy, OrderByError> {
        let mut words = value.split_whitespace();
        let (Some(name), direction, None) = (words.next(), words.next(), words.next()) else {
            return Err(OrderByError::Syntax);
        };
        let desc = match direction.map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(OrderByError::Syntax),
        };
        if name.contains(',') {
            return Err(OrderByError::Syntax);
        }
        let key = if name.eq_ignore_ascii_case("deletedDateTime") {
            Ok(SortKey::NullDate("deletedDateTime"))
        } else {
            match Prop::parse(name) {
                Some(Prop::DisplayName) => Ok(SortKey::DisplayName),
                Some(Prop::UserPrincipalName) => Ok(SortKey::UserPrincipalName),
                Some(Prop::Null("createdDateTime")) => Ok(SortKey::NullDate("createdDateTime")),
                Some(other) => Err(other.name()),
                None => return Err(OrderByError::UnknownProperty(name.to_owned())),
            }
        };
        Ok(OrderBy { key, desc })
    }

    /// Graph's refusal of this sort given whether the request is an advanced
    /// query: `None` when it is served.
    pub(crate) fn refusal(&self, advanced_query: bool) -> Option<String> {
        let name = match self.key {
            Ok(SortKey::NullDate(name)) if !advanced_query => name,
            Err(_) if advanced_query => {
                return Some("An unsupported property was specified.".into());
            }
            Err(name) => name,
            Ok(_) => return None,
        };
        Some(format!("Unsupported sort property '{name}' for 'User'."))
    }

    /// This order's name and the key it ranks users by (both directions
    /// share one ranking), for [`Orders::get`](crate::state::Orders::get).
    pub(crate) fn ranking(&self) -> (&'static str, impl Fn(&User) -> Option<String> + use<>) {
        let key = self.key.unwrap_or(SortKey::DisplayName);
        (key.name(), move |user: &User| key.value(user).map(fold))
    }

    /// The `$skiptoken` of the page that ends with `last`.
    pub(crate) fn token(&self, last: &User) -> String {
        let key = self.key.unwrap_or(SortKey::DisplayName);
        paging::encode(&Position {
            by: key.name().to_owned(),
            desc: self.desc,
            key: key.value(last).map(str::to_owned),
            id: last.id,
        })
    }

    /// Up to `size` of `users` passing `keep`, in order, after the position in
    /// `skiptoken`; and whether more follow. `ranked` is `users` ranked by
    /// [`OrderBy::ranking`]. `None`: a token of another query.
    pub(crate) fn page<'a>(
        &self,
        users: &'a [User],
        ranked: &[Ranked],
        keep: impl Fn(&User) -> bool,
        skiptoken: Option<&str>,
        size: usize,
    ) -> Option<(Vec<&'a User>, bool)> {
        let key = self.key.unwrap_or(SortKey::DisplayName);
        let start = match skiptoken {
            None if self.desc => ranked.len(),
            None => 0,
            Some(token) => {
                let position: Position = paging::decode(token)?;
                if position.by != key.name() || position.desc != self.desc {
                    return None;
                }
                let folded = position.key.as_deref().map(fold);
                let at = (folded.as_deref(), position.id);
                if self.desc {
                    ranked.partition_point(|r| r.rank() < at)
                } else {
                    ranked.partition_point(|r| r.rank() <= at)
                }
            }
        };
        let ahead: Box<dyn Iterator<Item = &Ranked>> = if self.desc {
            Box::new(ranked[..start].iter().rev())
        } else {
            Box::new(ranked[start..].iter())
        };
        let mut served = Vec::with_capacity(size.min(ranked.len()));
        for user in ahead.map(|r| &users[r.at]).filter(|u| keep(u)) {
            if served.len() == size {
                return Some((served, true));
            }
            served.push(user);
        }
        Some((served, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: u128, name: Option<&str>) -> User {
        User {
            id: Uuid::from_u128(n),
            business_phones: Vec::new(),
            display_name: name.map(Into::into),
            given_name: None,
            job_title: None,
            mail: None,
            mobile_phone: None,
            office_location: None,
            preferred_language: None,
            surname: None,
            user_principal_name: format!("u{n}@contoso.com").into(),
            account_enabled: true,
            department: None,
            changed: 0,
        }
    }

    fn names(page: &[&User]) -> Vec<u128> {
        page.iter().map(|u| u.id.as_u128()).collect()
    }

    #[test]
    fn parses_properties_directions_and_refuses_the_rest() {
        let asc = OrderBy::parse("displayName").unwrap();
        assert_eq!((asc.key, asc.desc), (Ok(SortKey::DisplayName), false));
        let desc = OrderBy::parse("userprincipalname DESC").unwrap();
        assert_eq!(
            (desc.key, desc.desc),
            (Ok(SortKey::UserPrincipalName), true)
        );
        assert_eq!(
            OrderBy::parse("shoeSize"),
            Err(OrderByError::UnknownProperty("shoeSize".into()))
        );
        for bad in [
            "",
            "displayName up",
            "displayName asc x",
            "displayName,mail",
        ] {
            assert_eq!(OrderBy::parse(bad), Err(OrderByError::Syntax), "{bad}");
        }
    }

    #[test]
    fn default_advanced_and_unsupported_properties() {
        let by = |s: &str| OrderBy::parse(s).unwrap();
        assert_eq!(by("displayName").refusal(false), None);
        assert_eq!(by("userPrincipalName desc").refusal(false), None);
        assert_eq!(
            by("createdDateTime").refusal(false).as_deref(),
            Some("Unsupported sort property 'createdDateTime' for 'User'.")
        );
        assert_eq!(by("createdDateTime").refusal(true), None);
        assert_eq!(by("deletedDateTime desc").refusal(true), None);
        assert_eq!(
            by("jobTitle").refusal(false).as_deref(),
            Some("Unsupported sort property 'jobTitle' for 'User'.")
        );
        assert_eq!(
            by("jobTitle").refusal(true).as_deref(),
            Some("An unsupported property was specified.")
        );
    }

    #[test]
    fn sorts_ignoring_case_nulls_first_and_pages_from_the_position() {
        let ranked = |users: &[User], order: &OrderBy| {
            let (name, key) = order.ranking();
            crate::state::Orders::default().get(name, 0, users, key)
        };
        let mut users = vec![
            user(1, Some("bob")),
            user(2, Some("Alice")),
            user(3, None),
            user(4, Some("alice")),
            user(5, Some("Carol")),
        ];
        let asc = OrderBy::parse("displayName").unwrap();
        let order = ranked(&users, &asc);
        let (first, more) = asc.page(&users, &order, |_| true, None, 2).unwrap();
        assert_eq!((names(&first), more), (vec![3, 2], true));
        let token = asc.token(first[1]);
        // A user sorting before the position, added between pages, is not served.
        users.push(user(6, Some("Aaron")));
        let order = ranked(&users, &asc);
        let (second, more) = asc.page(&users, &order, |_| true, Some(&token), 2).unwrap();
        assert_eq!((names(&second), more), (vec![4, 1], true));
        let (third, more) = asc
            .page(&users, &order, |_| true, Some(&asc.token(second[1])), 2)
            .unwrap();
        assert_eq!((names(&third), more), (vec![5], false));

        let desc = OrderBy::parse("displayName desc").unwrap();
        let order = ranked(&users, &desc);
        let (all, _) = desc
            .page(&users, &order, |u| u.id.as_u128() != 1, None, 10)
            .unwrap();
        assert_eq!(names(&all), vec![5, 4, 2, 6, 3]);
        let (after, more) = desc
            .page(&users, &order, |_| true, Some(&desc.token(all[1])), 2)
            .unwrap();
        assert_eq!((names(&after), more), (vec![2, 6], true));
        // A token of the ascending order is not one of the descending order.
        assert!(
            desc.page(&users, &order, |_| true, Some(&token), 2)
                .is_none()
        );
        assert!(
            desc.page(&users, &order, |_| true, Some("junk"), 2)
                .is_none()
        );
    }
}
