//! [`Upstream`]: where the broker's tokens come from.

/// Where the broker's tokens come from: the one place to switch to another token source.
pub type Upstream = std::sync::Arc<dyn entrad_auth::TokenSource>;
