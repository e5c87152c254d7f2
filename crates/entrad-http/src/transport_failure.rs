//! Requests that failed before any answer arrived, described for a person.

use std::error::Error as StdError;

/// Why an HTTP request got no answer (or its body broke off): the cause chain
/// on one line, and whether waiting can help. The token clients and
/// entrad-graph read it alike, so all tell an untrusted server certificate
/// (a configuration problem, never retried) from a network that is down
/// (retried).
#[derive(Debug, Clone)]
pub struct TransportFailure {
    message: String,
    untrusted_certificate: bool,
    retryable: bool,
}

impl TransportFailure {
    /// Classifies a reqwest failure.
    pub(crate) fn from_reqwest(error: &reqwest::Error) -> TransportFailure {
        let untrusted_certificate = causes(error).any(is_certificate_rejection);
        TransportFailure {
            message: describe(error),
            untrusted_certificate,
            retryable: !untrusted_certificate
                && (error.is_timeout()
                    || error.is_connect()
                    || error.is_request()
                    || error.is_body()),
        }
    }

    /// The error and its causes on one line ("error sending request for url
    /// (..): client error (Connect): tcp connect error: Connection refused").
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The server's TLS certificate was refused: its CA is not trusted, or it
    /// does not name the host. Retrying cannot help; trusting the CA can.
    pub fn is_untrusted_certificate(&self) -> bool {
        self.untrusted_certificate
    }

    /// Waiting and sending again may succeed (timeouts, refused connections,
    /// dropped connections).
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}

fn causes<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |&e| e.source())
}

/// rustls' verdict can sit in the chain directly or inside `io::Error`s (the
/// TLS stream and the connector each wrap it once), whose `source()` skips
/// the error they wrap.
fn is_certificate_rejection(cause: &(dyn StdError + 'static)) -> bool {
    let mut current = cause;
    loop {
        if let Some(rustls_error) = current.downcast_ref::<rustls::Error>() {
            return matches!(rustls_error, rustls::Error::InvalidCertificate(_));
        }
        match current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => current = inner,
            None => return false,
        }
    }
}

fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        format!("timed out ({error})")
    } else {
        error.to_string()
    };
    for cause in causes(error).skip(1) {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
    }
    text
}
