//! A `$batch` item's method and URL as the request they name: a read ([`Target`]) or
//! a write ([`Write`]), with the same paths and methods as the router's top-level routes.

use super::target::Target;
use super::write::Write;

/// What a batch item asks for.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Read(Target),
    Write(Write),
}

/// Why a batch item names no request the emulator serves.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unrouted {
    /// No such path: Graph's 400 "Resource not found for the segment '…'".
    Segment(String),
    /// A known path, another method: Graph's 405.
    Method,
}

/// `ops` holds the operation of each method the path serves.
fn pick<const N: usize>(method: &str, ops: [(&str, Op); N]) -> Result<Op, Unrouted> {
    ops.into_iter()
        .find(|(m, _)| method.eq_ignore_ascii_case(m))
        .map(|(_, op)| op)
        .ok_or(Unrouted::Method)
}

/// One path segment, percent-decoded (`+` stays a plus, as in a path).
fn decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("s={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `method` on `/users?..` (or `users`, `/v1.0/users`, an absolute Graph URL) as an
/// operation and its query.
pub(crate) fn route(method: &str, url: &str) -> Result<(Op, Option<String>), Unrouted> {
    use Op::{Read, Write as W};
    let relative = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/').map(|(_, path)| path))
        .unwrap_or(url);
    let relative = relative.trim_start_matches('/');
    let relative = relative.strip_prefix("v1.0/").unwrap_or(relative);
    let (path, query) = match relative.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (relative, None),
    };
    let segments: Vec<String> = path.trim_end_matches('/').split('/').map(decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let key = |k: &str| k.to_string();
    let op = match segments.as_slice() {
        ["users"] => pick(
            method,
            [("GET", Read(Target::Users)), ("POST", W(Write::CreateUser))],
        ),
        ["users", function] if super::function::name(function) == "delta" => {
            pick(method, [("GET", Read(Target::Delta))])
        }
        ["users", "$count"] => pick(method, [("GET", Read(Target::Count))]),
        ["users", k] => pick(
            method,
            [
                ("GET", Read(Target::User(key(k)))),
                ("PATCH", W(Write::UpdateUser(key(k)))),
                ("DELETE", W(Write::DeleteUser(key(k)))),
            ],
        ),
        ["groups"] => pick(
            method,
            [
                ("GET", Read(Target::Groups)),
                ("POST", W(Write::CreateGroup)),
            ],
        ),
        ["groups", function] if super::function::name(function) == "delta" => {
            pick(method, [("GET", Read(Target::GroupsDelta))])
        }
        ["groups", "$count"] => pick(method, [("GET", Read(Target::GroupCount))]),
        ["groups", k] => pick(
            method,
            [
                ("GET", Read(Target::Group(key(k)))),
                ("PATCH", W(Write::UpdateGroup(key(k)))),
                ("DELETE", W(Write::DeleteGroup(key(k)))),
            ],
        ),
        ["groups", k, "members"] => pick(method, [("GET", Read(Target::GroupMembers(key(k))))]),
        ["groups", k, "members", "$ref"] => pick(method, [("POST", W(Write::AddMember(key(k))))]),
        ["groups", k, "members", member, "$ref"] => pick(
            method,
            [("DELETE", W(Write::RemoveMember(key(k), key(member))))],
        ),
        [first, ..] if !matches!(*first, "users" | "groups") => {
            return Err(Unrouted::Segment(first.to_string()));
        }
        [_, _, next, ..] => return Err(Unrouted::Segment(next.to_string())),
        _ => return Err(Unrouted::Segment(path.to_string())),
    }?;
    Ok((op, query))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(url: &str) -> Result<(Target, Option<String>), Unrouted> {
        match route("GET", url)? {
            (Op::Read(target), query) => Ok((target, query)),
            (Op::Write(w), _) => panic!("{url} is a write: {w:?}"),
        }
    }

    #[test]
    fn routes_relative_and_absolute_urls() {
        assert!(matches!(read("/users?$top=1"), Ok((Target::Users, Some(q))) if q == "$top=1"));
        for delta in [
            "delta",
            "delta()",
            "microsoft.graph.delta",
            "microsoft.graph.delta()",
        ] {
            let path = format!("users/{delta}");
            assert!(matches!(read(&path), Ok((Target::Delta, None))), "{path}");
        }
        assert!(
            matches!(read("https://graph.microsoft.com/v1.0/users/a%40b"), Ok((Target::User(k), None)) if k == "a@b")
        );
        assert!(matches!(read("/devices"), Err(Unrouted::Segment(s)) if s == "devices"));
        assert!(matches!(
            read("/groups?$top=2"),
            Ok((Target::Groups, Some(_)))
        ));
        assert!(matches!(
            read("/groups/microsoft.graph.delta()"),
            Ok((Target::GroupsDelta, None))
        ));
        assert!(
            matches!(read("/groups/g1/members"), Ok((Target::GroupMembers(k), None)) if k == "g1")
        );
        assert!(matches!(read("/users/x/manager"), Err(Unrouted::Segment(s)) if s == "manager"));
    }

    #[test]
    fn writes_take_the_methods_of_their_top_level_routes() {
        assert!(matches!(
            route("post", "/users"),
            Ok((Op::Write(Write::CreateUser), None))
        ));
        assert!(matches!(
            route("PATCH", "users/a%40b"),
            Ok((Op::Write(Write::UpdateUser(k)), None)) if k == "a@b"
        ));
        assert!(matches!(
            route("DELETE", "/groups/g1"),
            Ok((Op::Write(Write::DeleteGroup(k)), None)) if k == "g1"
        ));
        assert!(matches!(
            route("POST", "/groups/g1/members/$ref"),
            Ok((Op::Write(Write::AddMember(k)), None)) if k == "g1"
        ));
        assert!(matches!(
            route("DELETE", "/groups/g1/members/u1/$ref"),
            Ok((Op::Write(Write::RemoveMember(g, u)), None)) if g == "g1" && u == "u1"
        ));
        assert_eq!(route("DELETE", "/users").err(), Some(Unrouted::Method));
        assert_eq!(route("PUT", "/users/u1").err(), Some(Unrouted::Method));
        assert_eq!(route("POST", "/users/delta").err(), Some(Unrouted::Method));
        assert_eq!(
            route("GET", "/groups/g1/members/$ref").err(),
            Some(Unrouted::Method)
        );
        assert_eq!(
            route("DELETE", "/groups/g1/owners/u1/$ref").err(),
            Some(Unrouted::Segment("owners".into()))
        );
    }
}
