//! Which resources the broker hands tokens for (`--allow-resource`), and the
//! scope it asks the token service for: `{resource}/.default`.

use crate::error::Error;

/// Microsoft Graph: the one resource allowed without `--allow-resource`.
pub const GRAPH: &str = "https://graph.microsoft.com";

/// The allowed resources, normalised (no trailing `/` or `/.default`).
#[derive(Debug, Clone)]
pub struct AllowedResources(Vec<String>);

/// A requested resource that is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// As the caller named it (echoed in the answer's `resource`).
    pub requested: String,
    /// What the token service is asked for.
    pub scope: String,
}

impl AllowedResources {
    /// The operator's list; Graph alone when it is empty.
    pub fn new(list: &[String]) -> Result<AllowedResources, Error> {
        if list.is_empty() {
            return Ok(AllowedResources(vec![GRAPH.to_owned()]));
        }
        let mut allowed = Vec::with_capacity(list.len());
        for item in list {
            let resource = normalise(item);
            if resource.is_empty() || resource.contains(char::is_whitespace) {
                return Err(Error::Config(format!(
                    "--allow-resource {item:?} is not a resource: give one URI, e.g. {GRAPH}"
                )));
            }
            allowed.push(resource.to_owned());
        }
        Ok(AllowedResources(allowed))
    }

    /// The allowed resource `requested` names, or the message refusing it.
    pub fn check(&self, requested: &str) -> Result<Resource, String> {
        let resource = normalise(requested);
        match self
            .0
            .iter()
            .find(|allowed| allowed.eq_ignore_ascii_case(resource))
        {
            Some(allowed) => Ok(Resource {
                requested: requested.to_owned(),
                scope: format!("{allowed}/.default"),
            }),
            None => Err(format!(
                "resource {requested:?} is not served by this broker (it serves {}); the operator allows more with --allow-resource",
                self.0.join(", ")
            )),
        }
    }
}

/// `https://graph.microsoft.com/.default` and `https://graph.microsoft.com/` name `https://graph.microsoft.com`.
fn normalise(resource: &str) -> &str {
    let resource = resource.trim();
    let resource = resource.strip_suffix("/.default").unwrap_or(resource);
    resource.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_by_default_in_every_spelling() {
        let allowed = AllowedResources::new(&[]).unwrap();
        for spelling in [
            "https://graph.microsoft.com",
            "https://graph.microsoft.com/",
            "https://graph.microsoft.com/.default",
            "HTTPS://GRAPH.MICROSOFT.COM",
        ] {
            let resource = allowed.check(spelling).unwrap();
            assert_eq!(resource.scope, "https://graph.microsoft.com/.default");
            assert_eq!(resource.requested, spelling);
        }
    }

    #[test]
    fn others_are_refused_naming_the_flag() {
        let allowed = AllowedResources::new(&[]).unwrap();
        let message = allowed.check("https://vault.azure.net").unwrap_err();
        assert!(message.contains("--allow-resource"), "{message}");
        assert!(message.contains("https://graph.microsoft.com"), "{message}");
        assert!(allowed.check("https://graph.microsoft.com.evil").is_err());
        assert!(allowed.check("").is_err());
    }

    #[test]
    fn the_operator_list_replaces_the_default() {
        let allowed = AllowedResources::new(&["api://app/".to_owned()]).unwrap();
        assert_eq!(
            allowed.check("api://app").unwrap().scope,
            "api://app/.default"
        );
        assert!(allowed.check(GRAPH).is_err());
        assert!(AllowedResources::new(&[" ".to_owned()]).is_err());
        assert!(AllowedResources::new(&["a b".to_owned()]).is_err());
    }
}
