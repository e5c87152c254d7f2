//! What Microsoft Graph's application permissions are called on a consent page.

/// The admin consent description of a Graph application permission, as Entra shows it.
pub(crate) fn description(role: &str) -> &'static str {
    match role {
        "User.Read.All" => "Read all users' full profiles",
        "User.ReadWrite.All" => "Read and write all users' full profiles",
        "Directory.Read.All" => "Read directory data",
        "Directory.ReadWrite.All" => "Read and write directory data",
        "Group.Read.All" => "Read all groups",
        "GroupMember.Read.All" => "Read all group memberships",
        _ => "An application permission of Microsoft Graph",
    }
}
