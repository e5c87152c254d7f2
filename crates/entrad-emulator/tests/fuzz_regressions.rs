//! The fuzz targets' inputs, replayed on stable: every seed of
//! `fuzz/corpus/<target>/` and every crash kept in `fuzz/regressions/<target>/`
//! goes through the same entry point as the fuzzer, which panics when an
//! invariant breaks.

use entrad_testkit::replay_fuzz_inputs as replay;

#[test]
fn emulator_query() {
    replay("emulator_query", entrad_emulator::fuzz::graph_query);
}

#[test]
fn emulator_token_form() {
    replay("emulator_token_form", entrad_emulator::fuzz::token_form);
}

#[test]
fn emulator_jws() {
    replay("emulator_jws", entrad_emulator::fuzz::jws);
}
