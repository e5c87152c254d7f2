//! One access token as an entry of MSAL's unified token cache (the JSON that
//! MSAL Python's `SerializableTokenCache` reads and writes).

use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Map, Value, json};

use super::{CacheKey, CachedToken};
use crate::service_reply::epoch;

/// The section holding access tokens.
pub(crate) const ACCESS_TOKEN_SECTION: &str = "AccessToken";
/// The section holding per-app metadata.
pub(crate) const APP_METADATA_SECTION: &str = "AppMetadata";
/// entrad's field of an entry: which credential obtained the token.
const CREDENTIAL_FIELD: &str = "entrad_credential";

/// The entry MSAL writes for an app token: times as strings of epoch
/// seconds, `home_account_id` null (MSAL's lookup matches on it being null).
pub(crate) fn to_entry(key: &CacheKey, token: &CachedToken) -> Value {
    let mut entry = json!({
        "credential_type": "AccessToken",
        "secret": token.secret.expose_secret(),
        "home_account_id": null,
        "environment": key.environment,
        "client_id": key.client_id,
        "target": key.target,
        "realm": key.realm,
        "token_type": token.token_type,
        "cached_at": token.cached_at.to_string(),
        "expires_on": token.expires_on.to_string(),
        "extended_expires_on": token.extended_expires_on.to_string(),
    });
    if let Some(fields) = entry.as_object_mut() {
        if let Some(refresh_on) = token.refresh_on {
            fields.insert("refresh_on".into(), Value::String(refresh_on.to_string()));
        }
        // A field MSAL's readers ignore (and keep, when they rewrite the entry).
        if let Some(credential) = &token.credential {
            fields.insert(CREDENTIAL_FIELD.into(), Value::String(credential.clone()));
        }
    }
    entry
}

/// The token in an entry, when it is an app's bearer token this client can
/// use. Entries bound to a key (`key_id`: SSH certificates, PoP) or to a user
/// are not, nor are malformed ones.
pub(crate) fn from_entry(entry: &Value) -> Option<CachedToken> {
    let fields = entry.as_object()?;
    let is_app_token = fields
        .get("home_account_id")
        .is_none_or(|v| v.is_null() || v.as_str() == Some(""));
    if !is_app_token || fields.contains_key("key_id") {
        return None;
    }
    if fields.get("credential_type").and_then(Value::as_str) != Some("AccessToken") {
        return None;
    }
    let token_type = fields
        .get("token_type")
        .and_then(Value::as_str)
        .unwrap_or("Bearer");
    if !token_type.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let secret = fields.get("secret")?.as_str()?;
    let expires_on = epoch(fields.get("expires_on")?)?;
    Some(CachedToken {
        secret: SecretString::from(secret),
        token_type: token_type.to_string(),
        cached_at: fields.get("cached_at").and_then(epoch).unwrap_or(0),
        expires_on,
        extended_expires_on: fields
            .get("extended_expires_on")
            .and_then(epoch)
            .unwrap_or(expires_on),
        refresh_on: fields.get("refresh_on").and_then(epoch),
        credential: fields
            .get(CREDENTIAL_FIELD)
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// MSAL's key of the app metadata entry (not lower-cased, as MSAL has it).
pub(crate) fn app_metadata_key(key: &CacheKey) -> String {
    format!("appmetadata-{}-{}", key.environment, key.client_id)
}

/// Adds this app's fields to its metadata entry, keeping those MSAL put there
/// (e.g. `family_id`).
pub(crate) fn merge_app_metadata(existing: Option<Value>, key: &CacheKey) -> Value {
    let mut fields = match existing {
        Some(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    fields.insert("client_id".into(), Value::String(key.client_id.clone()));
    fields.insert("environment".into(), Value::String(key.environment.clone()));
    Value::Object(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CacheKey {
        CacheKey {
            environment: "login.microsoftonline.com".into(),
            client_id: "Client-A".into(),
            realm: "tenant".into(),
            target: "https://graph.microsoft.com/.default".into(),
        }
    }

    fn token(refresh_on: Option<u64>) -> CachedToken {
        CachedToken {
            secret: SecretString::from("the-token"),
            token_type: "Bearer".into(),
            cached_at: 100,
            expires_on: 3699,
            extended_expires_on: 3799,
            refresh_on,
            credential: Some("secret:0123456789abcdef".into()),
        }
    }

    #[test]
    fn round_trip_with_msal_string_times() {
        let entry = to_entry(&key(), &token(Some(1900)));
        assert_eq!(entry["expires_on"], "3699");
        assert_eq!(entry["cached_at"], "100");
        assert_eq!(entry["refresh_on"], "1900");
        assert_eq!(entry["home_account_id"], Value::Null);
        assert_eq!(entry["client_id"], "Client-A");
        let back = from_entry(&entry).unwrap();
        assert_eq!(back.secret.expose_secret(), "the-token");
        assert_eq!(
            (back.cached_at, back.expires_on, back.extended_expires_on),
            (100, 3699, 3799)
        );
        assert_eq!(back.refresh_on, Some(1900));
        assert_eq!(entry["entrad_credential"], "secret:0123456789abcdef");
        assert_eq!(back.credential.as_deref(), Some("secret:0123456789abcdef"));
        assert!(to_entry(&key(), &token(None)).get("refresh_on").is_none());
    }

    #[test]
    fn foreign_and_malformed_entries_are_not_served() {
        let mut entry = to_entry(&key(), &token(None));
        entry["expires_on"] = json!(3699);
        assert!(from_entry(&entry).is_some());
        let mut user = entry.clone();
        user["home_account_id"] = json!("uid.utid");
        assert!(from_entry(&user).is_none());
        let mut bound = entry.clone();
        bound["key_id"] = json!("k");
        assert!(from_entry(&bound).is_none());
        let mut ssh = entry.clone();
        ssh["token_type"] = json!("ssh-cert");
        assert!(from_entry(&ssh).is_none());
        let mut no_expiry = entry.clone();
        no_expiry["expires_on"] = json!("soon");
        assert!(from_entry(&no_expiry).is_none());
        assert!(from_entry(&json!("x")).is_none());
    }

    #[test]
    fn app_metadata_keeps_msal_fields() {
        assert_eq!(
            app_metadata_key(&key()),
            "appmetadata-login.microsoftonline.com-Client-A"
        );
        let merged = merge_app_metadata(Some(json!({"family_id": "1"})), &key());
        assert_eq!(
            merged,
            json!({"family_id": "1", "client_id": "Client-A", "environment": "login.microsoftonline.com"})
        );
    }
}
