//! What to do about the common AADSTS errors, in one line each.

/// The hint for an AADSTS code, when the fix is well known.
pub(crate) fn for_code(code: u32) -> Option<&'static str> {
    Some(match code {
        7000215 => "the client secret is wrong: use the secret's Value, not its Secret ID",
        7000222 => "the client secret has expired: create a new one under Certificates & secrets",
        7000218 => {
            "no credential was sent: configure a client secret, a certificate or a client assertion"
        }
        700016 => {
            "no app with this client_id in this tenant: check client_id and the tenant in authority"
        }
        90002 => "tenant not found: check the tenant id or domain in authority",
        1002012 | 70011 => {
            "client credentials need a scope of the form {resource}/.default, e.g. https://graph.microsoft.com/.default"
        }
        500011 => {
            "the resource in the scope is not known in this tenant: check the scope's resource URI, and that the API's service principal exists in the tenant"
        }
        700027 => {
            "the certificate is not registered on the app (or the key does not match it): upload the certificate under Certificates & secrets"
        }
        700024 => {
            "the assertion is outside its validity window: check the machine clock (a federated token file must be refreshed by its platform before it expires)"
        }
        700021 => "the assertion's iss/sub must be the client_id: check client_id",
        70021 => {
            "the app has no federated credential for this token: add one with the token's issuer, subject and audience (Certificates & secrets > Federated credentials)"
        }
        700211 => {
            "no federated credential of the app has the token's issuer: check the app's federated credentials and the token file (AZURE_FEDERATED_TOKEN_FILE)"
        }
        700212 => {
            "no federated credential of the app accepts the token's audience: request the token for api://AzureADTokenExchange or add its audience to the credential"
        }
        700213 => {
            "no federated credential of the app has the token's subject (case-sensitive): add one for this subject or use the service account it names"
        }
        7000272 => {
            "the identity provider's published keys do not hold the key that signed the federated token: check the issuer's JWKS (keys may have rotated)"
        }
        7000229 => {
            "the app has no service principal in this tenant: grant admin consent (or create the service principal) in the tenant"
        }
        7000112 => {
            "the app's service principal is disabled in this tenant: an admin must enable it again (Enterprise applications, the app's Properties)"
        }
        50049 => {
            "the authority host is not a known Entra instance: check the host, or turn instance discovery off for a custom authority"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::for_code;

    #[test]
    fn common_codes_have_one_line_hints() {
        for code in [
            7000215, 7000222, 7000218, 7000112, 700016, 90002, 1002012, 70011, 500011, 700027,
            700024, 700021, 7000229, 50049, 70021, 700211, 700212, 700213, 7000272,
        ] {
            let hint = for_code(code).unwrap_or_else(|| panic!("no hint for {code}"));
            assert!(!hint.contains('\n'));
        }
        assert!(for_code(7000215).is_some_and(|h| h.contains("Value, not its Secret ID")));
        assert!(for_code(1).is_none());
    }
}
