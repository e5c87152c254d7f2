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
