//! The fuzz targets' inputs, replayed on stable: every seed of
//! `fuzz/corpus/<target>/` and every crash kept in `fuzz/regressions/<target>/`
//! goes through the same entry point as the fuzzer, which panics when an
//! invariant breaks.

use std::path::PathBuf;

/// Runs `entry` on every input of `target`, naming the file that fails.
fn replay(target: &str, entry: fn(&[u8])) {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut seen = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
            continue;
        };
        for file in entries {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| entry(&data));
            assert!(outcome.is_ok(), "{} broke an invariant", path.display());
            seen += 1;
        }
    }
    assert!(seen > 0, "no inputs for {target} under {}", fuzz.display());
}

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
