//! Claims challenges: Graph's 401 with
//! `WWW-Authenticate: Bearer realm="", ..., error="insufficient_claims", claims="<base64>"`,
//! sent to tokens of clients that declared the `cp1` capability when continuous
//! access evaluation revoked them. The request is answered once with a token
//! obtained with those claims ([`entrad_auth::TokenSource::acquire_token_with_claims`]).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
/// The decoded claims of a claims challenge among a response's
/// `WWW-Authenticate` values; `None` when there is none, or its claims are
/// not base64 of UTF-8.
pub(crate) fn claims<'a>(challenges: impl IntoIterator<Item = &'a str>) -> Option<String> {
    challenges.into_iter().find_map(claims_of)
}

/// The claims of one header value, when its `error` is `insufficient_claims`.
pub(crate) fn claims_of(value: &str) -> Option<String> {
    let params = params(value);
    let error = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("error"))?;
    if error.1 != "insufficient_claims" {
        return None;
    }
    let (_, encoded) = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("claims"))?;
    decode(encoded)
}

/// Base64, standard or URL-safe, padded or not.
fn decode(encoded: &str) -> Option<String> {
    let trimmed = encoded.trim();
    let bytes = STANDARD.decode(trimmed).ok().or_else(|| {
        let unpadded = trimmed.trim_end_matches('=');
        URL_SAFE_NO_PAD.decode(unpadded).ok().or_else(|| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(unpadded)
                .ok()
        })
    })?;
    String::from_utf8(bytes)
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// The `name=value` parameters of a `WWW-Authenticate` value (RFC 9110
/// auth-params: values are tokens or quoted strings with `\` escapes);
/// scheme names and token68s between them are skipped.
fn params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != ',' && *c != '=') {
            name.push(c);
        }
        if name.is_empty() && chars.peek().is_none() {
            return out;
        }
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        if chars.next_if_eq(&'=').is_none() {
            if name.is_empty() {
                // A stray character: skip it.
                chars.next();
            }
            continue;
        }
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        let mut text = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => text.extend(chars.next()),
                    '"' => break,
                    c => text.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != ',') {
                text.push(c);
            }
        }
        if !name.is_empty() {
            out.push((name, text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Graph's header, as quoted in Microsoft's CAE documentation.
    const GRAPH: &str = r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=""#;

    /// A response's `WWW-Authenticate` values.
    fn headers<'a>(values: &'a [&'a str]) -> impl Iterator<Item = &'a str> {
        values.iter().copied()
    }

    #[test]
    fn graphs_challenge_decodes_to_its_claims() {
        assert_eq!(
            claims(headers(&[GRAPH])).as_deref(),
            Some(r#"{"access_token":{"nbf":{"essential":true, "value":"1604106651"}}}"#)
        );
    }

    #[test]
    fn unquoted_unpadded_and_url_safe_claims_and_other_challenges_first() {
        let value = r#"PoP nonce="x", Bearer error=insufficient_claims, claims=eyJhIjoxfQ"#;
        assert_eq!(claims(headers(&[value])).as_deref(), Some(r#"{"a":1}"#));
        let value = r#"Bearer claims = "eyJhIjoiPz8_In0", error = "insufficient_claims""#;
        assert_eq!(claims(headers(&[value])).as_deref(), Some(r#"{"a":"???"}"#));
        let escaped = r#"Bearer realm="a \"quoted\" realm, with a comma", error="insufficient_claims", claims="eyJhIjoxfQ==""#;
        assert_eq!(
            claims(headers(&["Basic", escaped])).as_deref(),
            Some(r#"{"a":1}"#)
        );
    }

    #[test]
    fn other_401s_are_no_challenge() {
        for value in [
            r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000""#,
            r#"Bearer error="invalid_token", claims="eyJhIjoxfQ==""#,
            r#"Bearer error="insufficient_claims""#,
            r#"Bearer error="insufficient_claims", claims="!!not base64!!""#,
            r#"Bearer error="insufficient_claims", claims="""#,
            "",
            "=,=\"",
        ] {
            assert_eq!(claims(headers(&[value])), None, "{value}");
        }
        assert_eq!(claims(headers(&[])), None);
    }
}
