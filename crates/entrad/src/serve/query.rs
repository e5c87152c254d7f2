//! A token request's query string, read and checked before any token is
//! asked for: the api-version its protocol serves, the `resource`, and no
//! parameter naming another identity than the broker's.

use std::collections::HashMap;

use hyper::StatusCode;

use crate::serve::app_service;
use crate::serve::guard::Refusal;
use crate::serve::metrics::Protocol;

/// Query parameters that name another identity than the broker's app.
const OTHER_IDENTITY_PARAMETERS: [&str; 4] =
    ["object_id", "principal_id", "mi_res_id", "msi_res_id"];

/// What a caller asked for.
#[derive(Debug, PartialEq, Eq)]
pub struct TokenQuery {
    /// The resource, as the caller wrote it (not blank).
    pub resource: String,
    /// The `client_id` the caller named, to compare with the broker's identity.
    pub client_id: Option<String>,
}

impl TokenQuery {
    /// Reads `query` (the URL's query string, if any) for `protocol`.
    pub fn parse(protocol: Protocol, query: Option<&str>) -> Result<TokenQuery, Refusal> {
        let mut query: HashMap<String, String> = query
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        match (protocol, query.get("api-version").map(String::as_str)) {
            (_, None) => return Err(bad("api-version is missing".to_owned())),
            (Protocol::AppService, Some(version)) if version != app_service::API_VERSION => {
                return Err(bad(format!(
                    "api-version {} is not served: use {}",
                    one_line(version),
                    app_service::API_VERSION
                )));
            }
            _ => {}
        }
        if let Some(name) = OTHER_IDENTITY_PARAMETERS
            .iter()
            .find(|p| query.contains_key(**p))
        {
            return Err(bad(format!(
                "{name} names a user-assigned identity: this broker serves one identity only (drop {name})"
            )));
        }
        let resource = query
            .remove("resource")
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| {
                bad("resource is missing, e.g. resource=https://graph.microsoft.com".to_owned())
            })?;
        Ok(TokenQuery {
            resource,
            client_id: query.remove("client_id"),
        })
    }
}

fn bad(message: String) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, "parameters", message)
}

/// `text` with its control characters (a line break a caller put in a
/// parameter) shown escaped, so that a refusal stays one line.
fn one_line(text: &str) -> String {
    text.chars().flat_map(char::escape_debug).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_well_formed_query_is_read() {
        let query =
            "api-version=2019-08-01&resource=https%3A%2F%2Fgraph.microsoft.com&client_id=abc";
        assert_eq!(
            TokenQuery::parse(Protocol::AppService, Some(query)).unwrap(),
            TokenQuery {
                resource: "https://graph.microsoft.com".to_owned(),
                client_id: Some("abc".to_owned()),
            }
        );
    }

    #[test]
    fn each_other_identity_parameter_is_refused() {
        for name in OTHER_IDENTITY_PARAMETERS {
            let query = format!("api-version=2018-02-01&resource=r&{name}=x");
            let refusal = TokenQuery::parse(Protocol::Imds, Some(&query)).unwrap_err();
            assert_eq!(refusal.status, StatusCode::BAD_REQUEST);
            assert!(refusal.message.starts_with(name), "{}", refusal.message);
        }
    }

    fn protocol() -> impl Strategy<Value = Protocol> {
        prop_oneof![Just(Protocol::AppService), Just(Protocol::Imds)]
    }

    /// Query strings made of the parameters the broker reads, with any values
    /// (percent-encoded or raw), and any bytes besides.
    fn query() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            Just("api-version".to_owned()),
            Just("resource".to_owned()),
            Just("client_id".to_owned()),
            Just("object_id".to_owned()),
            Just("mi_res_id".to_owned()),
            ".{0,8}",
        ];
        let value = prop_oneof![
            Just("2019-08-01".to_owned()),
            Just("2018-02-01".to_owned()),
            Just("%0A%0D%00".to_owned()),
            ".{0,16}",
        ];
        prop_oneof![
            prop::collection::vec((name, value), 0..6).prop_map(|pairs| {
                pairs
                    .iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect::<Vec<_>>()
                    .join("&")
            }),
            ".{0,64}",
        ]
    }

    proptest! {
        /// Whatever the query: no panic; a refusal is one line, a 400; a
        /// request read names a resource and never another identity.
        #[test]
        fn any_query_is_read_or_refused_in_one_line(protocol in protocol(), query in query()) {
            match TokenQuery::parse(protocol, Some(&query)) {
                Ok(read) => {
                    prop_assert!(!read.resource.trim().is_empty());
                    let names: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
                        .map(|(name, _)| name.into_owned())
                        .collect();
                    for name in OTHER_IDENTITY_PARAMETERS {
                        prop_assert!(!names.iter().any(|n| n == name), "{query:?}");
                    }
                }
                Err(refusal) => {
                    prop_assert_eq!(refusal.status, StatusCode::BAD_REQUEST);
                    prop_assert!(!refusal.message.contains(['\n', '\r', '\0']), "{:?}", refusal.message);
                }
            }
        }
    }
}
