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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The `(name, path)` of each `[[bin]]` of a cargo-fuzz manifest.
    fn built_targets(manifest: &str) -> Vec<(String, String)> {
        let value = |line: &str, key: &str| {
            let rest = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
            Some(rest.trim().trim_matches('"').to_owned())
        };
        let mut targets = Vec::new();
        let mut current: Option<(Option<String>, Option<String>)> = None;
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                if let Some((Some(name), Some(path))) = current.take() {
                    targets.push((name, path));
                }
                current = (line == "[[bin]]").then_some((None, None));
            } else if let Some((name, path)) = current.as_mut() {
                if let Some(v) = value(line, "name") {
                    *name = Some(v);
                } else if let Some(v) = value(line, "path") {
                    *path = Some(v);
                }
            }
        }
        if let Some((Some(name), Some(path))) = current {
            targets.push((name, path));
        }
        targets
    }

    /// The names of the entries of `dir` (without `.rs`), if it exists.
    fn names(dir: &Path) -> BTreeSet<String> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .map(|e| {
                        let path = e.unwrap().path();
                        let name = path.file_name().unwrap().to_string_lossy().into_owned();
                        name.strip_suffix(".rs").map_or(name.clone(), str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A target file that `fuzz/Cargo.toml` does not build is never fuzzed
    /// and rots unseen (`graph_retry_after` once called a function that no
    /// longer existed): every file of `fuzz/fuzz_targets/` is a `[[bin]]` of
    /// that name, every corpus or regressions directory belongs to one, and a
    /// crate's `tests/fuzz_regressions.rs` replays each on stable.
    #[test]
    fn every_fuzz_target_is_built_and_replayed() {
        let root = crate::workspace::workspace_root();
        let fuzz = root.join("fuzz");
        let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).unwrap();
        let built = built_targets(&manifest);
        let mut problems = Vec::new();
        for (name, path) in &built {
            if *path != format!("fuzz_targets/{name}.rs") || !fuzz.join(path).is_file() {
                problems.push(format!(
                    "[[bin]] {name} builds {path}, not fuzz_targets/{name}.rs"
                ));
            }
        }
        let built: BTreeSet<String> = built.into_iter().map(|(name, _)| name).collect();
        for file in names(&fuzz.join("fuzz_targets")) {
            if !built.contains(&file) {
                problems.push(format!(
                    "fuzz_targets/{file}.rs is not a [[bin]] of fuzz/Cargo.toml"
                ));
            }
        }
        for dir in ["corpus", "regressions"] {
            for target in names(&fuzz.join(dir)) {
                if !built.contains(&target) {
                    problems.push(format!("fuzz/{dir}/{target} belongs to no target"));
                }
            }
        }
        let replays: String = names(&root.join("crates"))
            .iter()
            .filter_map(|krate| {
                std::fs::read_to_string(
                    root.join("crates")
                        .join(krate)
                        .join("tests/fuzz_regressions.rs"),
                )
                .ok()
            })
            .collect();
        for target in &built {
            if !replays.contains(&format!("\"{target}\"")) {
                problems.push(format!("no tests/fuzz_regressions.rs replays {target}"));
            }
            if names(&fuzz.join("corpus").join(target)).is_empty() {
                problems.push(format!("{target} has no seeds in fuzz/corpus/{target}"));
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(built.len() >= 12, "{built:?}");
    }

    #[test]
    fn bins_are_read_from_the_manifest() {
        let manifest = "[package]\nname = \"entrad-fuzz\"\n\n[[bin]]\nname = \"a\"\npath = \"fuzz_targets/a.rs\"\ntest = false\n\n[[bin]]\npath = \"fuzz_targets/b.rs\"\nname = \"b\"\n";
        assert_eq!(
            built_targets(manifest),
            [
                ("a".to_owned(), "fuzz_targets/a.rs".to_owned()),
                ("b".to_owned(), "fuzz_targets/b.rs".to_owned())
            ]
        );
    }
}
