//! The fuzz targets' inputs, replayed on stable: every seed of
//! `fuzz/corpus/<target>/` and every crash kept in `fuzz/regressions/<target>/`
//! goes through the same entry point as the fuzzer (each crate's hidden `fuzz`
//! module), which panics when an invariant breaks.

/// Runs `entry` on every input of the fuzz target `target`.
///
/// # Panics
/// Naming the file, when an input breaks an invariant (`entry` panics) or
/// cannot be read, and when the target has no inputs at all (a misspelt
/// target name).
pub fn replay_fuzz_inputs(target: &str, entry: fn(&[u8])) {
    let fuzz = crate::workspace::workspace_root().join("fuzz");
    let mut seen = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
            continue;
        };
        for file in entries {
            let path = file
                .unwrap_or_else(|e| panic!("listing the inputs of {target}: {e}"))
                .path();
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| entry(&data));
            assert!(outcome.is_ok(), "{} broke an invariant", path.display());
            seen += 1;
        }
    }
    assert!(seen > 0, "no inputs for {target} under {}", fuzz.display());
}
