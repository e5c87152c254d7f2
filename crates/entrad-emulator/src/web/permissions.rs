//! What Microsoft Graph's application permissions are called on a consent page, and
//! the ones the emulator's Graph checks.

/// The Graph application permissions the emulator's routes check, as the portal
/// offers them.
pub(crate) const KNOWN: [&str; 8] = [
    "User.Read.All",
    "User.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// The admin consent description of a Graph application permission, as Entra shows it.
pub(crate) fn description(role: &str) -> &'static str {
    match role {
        "User.Read.All" => "Read all users' full profiles",
        "User.ReadWrite.All" => "Read and write all users' full profiles",
        "Directory.Read.All" => "Read directory data",
        "Directory.ReadWrite.All" => "Read and write directory data",
        "Group.Read.All" => "Read all groups",
        "Group.ReadWrite.All" => "Read and write all groups",
        "GroupMember.Read.All" => "Read all group memberships",
        "GroupMember.ReadWrite.All" => "Read and write all group memberships",
        _ => "An application permission of Microsoft Graph",
    }
}
