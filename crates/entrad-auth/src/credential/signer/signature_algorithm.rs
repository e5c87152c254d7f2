//! [`SignatureAlgorithm`]: RS256 or PS256, and how an assertion names its certificate.

/// The JWS algorithm of a client assertion: both are RSA over SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256; the assertion names the certificate
    /// by its SHA-1 (`x5t`), as MSAL's classic certificate credential does.
    Rs256,
    /// RSASSA-PSS with SHA-256 (salt of 32 bytes, MGF1-SHA-256); the
    /// assertion names the certificate by its SHA-256 (`x5t#S256`).
    Ps256,
}

impl SignatureAlgorithm {
    /// The JWS `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::Rs256 => "RS256",
            SignatureAlgorithm::Ps256 => "PS256",
        }
    }
}
