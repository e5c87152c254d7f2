//! `$orderby` on users and groups, as Graph sorts directory objects
//! (<https://learn.microsoft.com/graph/aad-advanced-queries>, "Support for sorting by
//! properties"): `displayName` and `userPrincipalName` by default, `createdDateTime`
//! and `deletedDateTime` only in advanced queries (`ConsistencyLevel: eventual` and
//! `$count=true`), nothing else. Pages of a sorted list continue from a position
//! (the last sort key and id served), so users added or removed between pages
//! neither repeat nor skip the others.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::paging;
use super::property::{Field, Support, Value};
use crate::state::{Entry, Ranked};

/// A parsed `$orderby`: one property, ascending or descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderBy<P> {
    key: P,
    desc: bool,
}

/// Why an `$orderby` clause was refused, before any rule about headers.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OrderByError {
    /// Not a property of the entity type (400 `Request_BadRequest`).
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

/// The text `key` sorts `object` by (`None`: null, or not a string).
fn sort_text<P: Field>(key: P, object: &P::Object) -> Option<String> {
    match key.value(object) {
        Value::Text(text) => text.map(|t| t.into_owned()),
        _ => None,
    }
}

impl<P: Field> OrderBy<P> {
    /// Parses `property [asc|desc]`; property names ignore case, as Graph's do.
    pub(crate) fn parse(value: &str) -> Result<OrderBy<P>, OrderByError> {
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
        let key = P::parse(name).ok_or_else(|| OrderByError::UnknownProperty(name.to_owned()))?;
        Ok(OrderBy { key, desc })
    }

    /// Graph's refusal of this sort given whether the request is an advanced
    /// query: `None` when it is served.
    pub(crate) fn refusal(&self, advanced_query: bool) -> Option<String> {
        match (self.key.sort(), advanced_query) {
            (Support::Default, _) | (Support::Advanced, true) => None,
            (Support::No, true) => Some("An unsupported property was specified.".into()),
            (Support::Advanced | Support::No, false) => Some(format!(
                "Unsupported sort property '{}' for '{}'.",
                self.key.name(),
                P::RESOURCE
            )),
        }
    }

    /// This order's name and the key it ranks objects by (both directions
    /// share one ranking), for [`Orders::get`](crate::state::Orders::get).
    pub(crate) fn ranking(&self) -> (&'static str, impl Fn(&P::Object) -> Option<String> + use<P>) {
        let key = self.key;
        (key.name(), move |object: &P::Object| {
            sort_text(key, object).map(|t| fold(&t))
        })
    }

    /// The `$skiptoken` of the page that ends with `last`.
    pub(crate) fn token(&self, last: &P::Object) -> String
    where
        P::Object: Entry,
    {
        paging::encode(&Position {
            by: self.key.name().to_owned(),
            desc: self.desc,
            key: sort_text(self.key, last),
            id: last.id(),
        })
    }

    /// Up to `size` of `objects` passing `keep`, in order, after the position in
    /// `skiptoken`; and whether more follow. `ranked` is `objects` ranked by
    /// [`OrderBy::ranking`]. `None`: a token of another query.
    pub(crate) fn page<'a>(
        &self,
        objects: &'a [P::Object],
        ranked: &[Ranked],
        keep: impl Fn(&P::Object) -> bool,
        skiptoken: Option<&str>,
        size: usize,
    ) -> Option<(Vec<&'a P::Object>, bool)> {
        let start = match skiptoken {
            None if self.desc => ranked.len(),
            None => 0,
            Some(token) => {
                let position: Position = paging::decode(token)?;
                if position.by != self.key.name() || position.desc != self.desc {
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
        for object in ahead.map(|r| &objects[r.at]).filter(|o| keep(o)) {
            if served.len() == size {
                return Some((served, true));
            }
            served.push(object);
        }
        Some((served, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::props::Prop;
    use crate::state::User;

    type UserOrder = OrderBy<Prop>;

    fn user(n: u128, name: Option<&str>) -> User {
        serde_json::from_value(serde_json::json!({
            "id": Uuid::from_u128(n),
            "displayName": name,
            "userPrincipalName": format!("u{n}@contoso.com"),
        }))
        .unwrap()
    }

    fn names(page: &[&User]) -> Vec<u128> {
        page.iter().map(|u| u.id.as_u128()).collect()
    }

    #[test]
    fn parses_properties_directions_and_refuses_the_rest() {
        let asc = UserOrder::parse("displayName").unwrap();
        assert_eq!((asc.key, asc.desc), (Prop::DisplayName, false));
        let desc = UserOrder::parse("userprincipalname DESC").unwrap();
        assert_eq!((desc.key, desc.desc), (Prop::UserPrincipalName, true));
        assert_eq!(
            UserOrder::parse("shoeSize"),
            Err(OrderByError::UnknownProperty("shoeSize".into()))
        );
        for bad in [
            "",
            "displayName up",
            "displayName asc x",
            "displayName,mail",
        ] {
            assert_eq!(UserOrder::parse(bad), Err(OrderByError::Syntax), "{bad}");
        }
    }

    #[test]
    fn default_advanced_and_unsupported_properties() {
        let by = |s: &str| UserOrder::parse(s).unwrap();
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
        let ranked = |users: &[User], order: &UserOrder| {
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
        let asc = UserOrder::parse("displayName").unwrap();
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

        let desc = UserOrder::parse("displayName desc").unwrap();
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
