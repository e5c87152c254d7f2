//! `$expand` on users: `manager`, with `$select` and `$levels` inside parentheses
//! (List manager: `$expand=manager($levels=max;$select=id,displayName)`). Other
//! navigation properties of a user are refused as not served; names a user does
//! not have, as Graph refuses them.

use super::props::{Expand, Prop};
use super::reply::{GraphCtx, Reply};

/// `$levels=max`, as List manager defines it: up to 1,000 levels.
const MAX_LEVELS: usize = 1000;

/// Navigation properties of `microsoft.graph.user` the emulator does not expand.
const OTHER_NAVIGATION: [&str; 12] = [
    "memberOf",
    "transitiveMemberOf",
    "directReports",
    "ownedObjects",
    "ownedDevices",
    "registeredDevices",
    "createdObjects",
    "appRoleAssignments",
    "oauth2PermissionGrants",
    "licenseDetails",
    "extensions",
    "photo",
];

fn bad_request(message: &str, ctx: &GraphCtx) -> Reply {
    Reply::error(400, "Request_BadRequest", message, ctx)
}

/// The `$expand` option of a request, if it has one (see [`parse`]).
pub(crate) fn option(value: Option<&str>, ctx: &GraphCtx) -> Result<Option<Expand>, Reply> {
    value.map(|e| parse(e, ctx)).transpose()
}

/// Parses the value of `$expand` on a users request.
pub(crate) fn parse(value: &str, ctx: &GraphCtx) -> Result<Expand, Reply> {
    let value = value.trim();
    let (name, options) = match value.split_once('(') {
        Some((name, rest)) => match rest.strip_suffix(')') {
            Some(options) => (name.trim(), Some(options)),
            None => {
                return Err(bad_request(
                    &format!("Invalid $expand expression '{value}'."),
                    ctx,
                ));
            }
        },
        None => (value, None),
    };
    if !name.eq_ignore_ascii_case("manager") {
        if name.contains(',') {
            return Err(unsupported(
                "Only one navigation property, manager, can be expanded by the emulator.",
                ctx,
            ));
        }
        return Err(
            match OTHER_NAVIGATION
                .iter()
                .find(|n| n.eq_ignore_ascii_case(name))
            {
                Some(known) => unsupported(
                    &format!(
                        "Expanding '{known}' is not supported by the emulator; only manager is."
                    ),
                    ctx,
                ),
                None => bad_request(
                    &format!(
                        "Could not find a property named '{name}' on type 'microsoft.graph.user'."
                    ),
                    ctx,
                ),
            },
        );
    }
    let mut expand = Expand {
        select: None,
        levels: 1,
    };
    for option in options.into_iter().flat_map(|o| o.split(';')) {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        match key
            .trim()
            .trim_start_matches('$')
            .to_ascii_lowercase()
            .as_str()
        {
            "select" => expand.select = Some(select(value, ctx)?),
            "levels" => expand.levels = levels(value.trim(), ctx)?,
            _ => {
                return Err(bad_request(
                    &format!("Invalid option '{}' in $expand of manager.", key.trim()),
                    ctx,
                ));
            }
        }
    }
    Ok(expand)
}

fn unsupported(message: &str, ctx: &GraphCtx) -> Reply {
    Reply::error(400, "Request_UnsupportedQuery", message, ctx)
}

/// `$select` inside `manager(...)`.
fn select(value: &str, ctx: &GraphCtx) -> Result<Vec<Prop>, Reply> {
    let mut props = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let prop = Prop::parse(name).ok_or_else(|| {
            bad_request(
                &format!(
                    "Could not find a property named '{name}' on type 'microsoft.graph.user'."
                ),
                ctx,
            )
        })?;
        if !props.contains(&prop) {
            props.push(prop);
        }
    }
    Ok(props)
}

/// `$levels`: `max` or 1 to 1,000.
fn levels(value: &str, ctx: &GraphCtx) -> Result<usize, Reply> {
    if value.eq_ignore_ascii_case("max") {
        return Ok(MAX_LEVELS);
    }
    match value.parse::<usize>() {
        Ok(n) if (1..=MAX_LEVELS).contains(&n) => Ok(n),
        _ => Err(bad_request(
            &format!(
                "Invalid value '{value}' for $levels: use max or a number from 1 to {MAX_LEVELS}."
            ),
            ctx,
        )),
    }
}
