//! `GET /v1.0/groups/delta`: the rounds of users' delta, for groups, with
//! `members@delta` (all members in a full sync, then additions and removals).

use super::delta::{delta_params, round};
use super::group_props::{GROUP_DEFAULT, GroupProp, GroupView, tracks_members};
use super::reply::{GraphCtx, Reply};
use crate::directories::Directories;
use crate::state::MemberChange;

/// Answers one group delta request.
pub(crate) fn delta(directories: &Directories, ctx: &GraphCtx, query: Option<&str>) -> Reply {
    let params = match delta_params::<GroupProp>(query, ctx, "groups") {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let directory = directories.read_at(ctx.tenant);
    // Delta items always carry their id, selected or not.
    let props: Vec<GroupProp> = match params.select.as_deref() {
        None => GROUP_DEFAULT.to_vec(),
        Some(select) if select.contains(&GroupProp::Id) => select.to_vec(),
        Some(select) => std::iter::once(GroupProp::Id)
            .chain(select.iter().copied())
            .collect(),
    };
    let props = props.as_slice();
    let members = tracks_members(params.select.as_deref());
    round(
        &params,
        ctx,
        "groups",
        &directory.sync_epoch,
        &directory.groups,
        |group, since| GroupView {
            group,
            props,
            context: None,
            members_delta: members.then(|| match since {
                None => group
                    .members
                    .iter()
                    .map(|&member| MemberChange {
                        seq: 0,
                        member,
                        added: true,
                    })
                    .collect(),
                Some(since) => group.member_changes_since(since),
            }),
        },
    )
}
