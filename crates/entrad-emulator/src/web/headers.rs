//! The headers every web answer carries: a strict Content-Security-Policy (no inline
//! script or style, nothing from elsewhere, no framing) and no caching.

use axum::http::{HeaderMap, HeaderValue, header};

/// The policy of every page. A consent page whose form may end in a redirect to the
/// app adds the app's origin to `form-action` (browsers apply it to the redirect too).
pub(crate) fn csp(form_origin: Option<&str>) -> String {
    let form = match form_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
         connect-src 'self'; form-action {form}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// Adds the security headers to an answer.
pub(crate) fn secure(headers: &mut HeaderMap, form_origin: Option<&str>) {
    if let Ok(value) = HeaderValue::from_str(&csp(form_origin)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_policy_allows_no_inline_script_and_only_the_apps_origin_for_forms() {
        let policy = super::csp(Some("http://localhost:8080"));
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(
            policy.contains("form-action 'self' http://localhost:8080;"),
            "{policy}"
        );
    }
}
