//! The fuzz targets' inputs, replayed on stable: every seed of
//! `fuzz/corpus/<target>/` and every crash kept in `fuzz/regressions/<target>/`
//! goes through the same entry point as the fuzzer, which panics when an
//! invariant breaks.

use entrad_testkit::replay_fuzz_inputs as replay;

#[test]
fn auth_token_response() {
    replay("auth_token_response", entrad_auth::fuzz::token_response);
}

#[test]
fn auth_retry_after() {
    replay("auth_retry_after", entrad_auth::fuzz::retry_after);
}

#[test]
fn auth_managed_identity_reply() {
    replay(
        "auth_managed_identity_reply",
        entrad_auth::fuzz::managed_identity_reply,
    );
}

#[test]
fn auth_arc_challenge() {
    replay("auth_arc_challenge", entrad_auth::fuzz::arc_challenge);
}

#[test]
fn auth_claims_challenge() {
    replay("auth_claims_challenge", entrad_auth::fuzz::claims_challenge);
}

#[test]
fn auth_cache_entry() {
    replay("auth_cache_entry", entrad_auth::fuzz::cache_entry);
}
