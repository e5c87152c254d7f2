//! The `claims` request parameter: client capabilities (`cp1` for continuous
//! access evaluation) merged with a claims challenge, as MSAL Python's
//! `_merge_claims_challenge_and_capabilities` does.

use serde_json::{Map, Value};

use crate::service_reply::epoch;
use crate::{Error, Result};

/// The `claims` to send: `None` without capabilities or challenge; the
/// challenge unchanged without capabilities; else the challenge (or `{}`)
/// with `access_token.xms_cc = {"values": capabilities}` set, replacing any
/// `xms_cc` the challenge had and keeping everything else.
///
/// A challenge that is not a JSON object (or whose `access_token` is not one)
/// is a configuration error when it has to be merged; MSAL fails there too.
pub(crate) fn merge(capabilities: &[String], challenge: Option<&str>) -> Result<Option<String>> {
    if capabilities.is_empty() {
        return Ok(challenge.map(str::to_owned));
    }
    let mut claims = match challenge {
        Some(text) if !text.is_empty() => parse(text)?,
        _ => Map::new(),
    };
    let access_token = claims
        .entry("access_token")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(access_token) = access_token else {
        return Err(Error::Config(
            "the claims' access_token is not a JSON object: cannot add the client capabilities"
                .into(),
        ));
    };
    access_token.insert(
        "xms_cc".into(),
        serde_json::json!({ "values": capabilities }),
    );
    Ok(Some(Value::Object(claims).to_string()))
}

/// Checks that `claims` is a JSON object, as a claims challenge decodes to.
pub(crate) fn parse(claims: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str::<Value>(claims) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::Config("the claims are not a JSON object".into())),
        Err(e) => Err(Error::config("the claims are not JSON", e)),
    }
}

/// The time a claims challenge asks tokens to be issued after, when that is
/// all it asks: `{"access_token":{"nbf":{"essential":true,"value":"<epoch>"}}}`,
/// what Graph sends for continuous access evaluation. A token obtained at or
/// after it satisfies the challenge, so another process's may serve.
pub(crate) fn required_issue_time(claims: &Map<String, Value>) -> Option<u64> {
    if claims.len() != 1 {
        return None;
    }
    let access_token = claims.get("access_token")?.as_object()?;
    if access_token.keys().any(|k| k != "nbf" && k != "xms_cc") {
        return None;
    }
    epoch(access_token.get("nbf")?.get("value")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn merged(capabilities: &[&str], challenge: Option<&str>) -> Option<Value> {
        merge(&caps(capabilities), challenge)
            .unwrap()
            .map(|s| json(&s))
    }

    // MSAL Python's merge cases: nothing, a challenge alone, capabilities
    // alone, with id_token claims, with id_token and access_token claims.

    #[test]
    fn no_capabilities_and_no_challenge_send_nothing() {
        assert_eq!(merge(&[], None).unwrap(), None);
    }

    #[test]
    fn a_challenge_without_capabilities_goes_unchanged() {
        let challenge = r#"{"id_token": {"auth_time": {"essential": true}}}"#;
        assert_eq!(
            merge(&[], Some(challenge)).unwrap().as_deref(),
            Some(challenge)
        );
    }

    #[test]
    fn capabilities_alone() {
        assert_eq!(
            merged(&["foo", "bar"], None),
            Some(json(
                r#"{"access_token": {"xms_cc": {"values": ["foo", "bar"]}}}"#
            ))
        );
        assert_eq!(
            merged(&["cp1"], Some("")),
            Some(json(r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#))
        );
    }

    #[test]
    fn capabilities_and_id_token_claims_merge() {
        assert_eq!(
            merged(
                &["foo", "bar"],
                Some(r#"{"id_token": {"auth_time": {"essential": true}}}"#)
            ),
            Some(json(
                r#"{"id_token": {"auth_time": {"essential": true}},
                    "access_token": {"xms_cc": {"values": ["foo", "bar"]}}}"#
            ))
        );
    }

    #[test]
    fn capabilities_and_id_token_and_access_token_claims_merge() {
        let challenge = r#"{"id_token": {"auth_time": {"essential": true}},
            "access_token": {"nbf": {"essential": true, "value": "1563308371"}}}"#;
        assert_eq!(
            merged(&["foo", "bar"], Some(challenge)),
            Some(json(
                r#"{"id_token": {"auth_time": {"essential": true}},
                    "access_token": {"nbf": {"essential": true, "value": "1563308371"},
                                     "xms_cc": {"values": ["foo", "bar"]}}}"#
            ))
        );
    }

    #[test]
    fn the_capabilities_replace_an_xms_cc_of_the_challenge() {
        assert_eq!(
            merged(
                &["cp1"],
                Some(r#"{"access_token":{"xms_cc":{"values":["old"]}}}"#)
            ),
            Some(json(r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#))
        );
    }

    #[test]
    fn challenges_that_cannot_be_merged_are_errors() {
        for bad in ["not json", "[1]", r#"{"access_token": 3}"#] {
            let e = merge(&caps(&["cp1"]), Some(bad)).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Config, "{bad}");
        }
    }

    #[test]
    fn the_issue_time_a_cae_challenge_requires() {
        let time = |text: &str| required_issue_time(&parse(text).unwrap());
        assert_eq!(
            time(r#"{"access_token":{"nbf":{"essential":true,"value":"1604106651"}}}"#),
            Some(1_604_106_651)
        );
        assert_eq!(
            time(r#"{"access_token":{"nbf":{"essential":true,"value":1604106651}}}"#),
            Some(1_604_106_651)
        );
        for other in [
            r#"{"access_token":{"nbf":{"essential":true,"value":"1"},"acrs":{"values":["c1"]}}}"#,
            r#"{"access_token":{"nbf":{"essential":true,"value":"1"}},"id_token":{}}"#,
            r#"{"access_token":{"nbf":{"essential":true}}}"#,
            r#"{"access_token":{}}"#,
        ] {
            assert_eq!(time(other), None, "{other}");
        }
    }
}
