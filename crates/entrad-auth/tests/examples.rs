//! The programs in `examples/` run against the emulator, as their docs say.

use std::path::{Path, PathBuf};
use std::process::Command;

use entrad_testkit::InProcess;

/// An example `cargo test` and nextest build beside the test binaries
/// (`target/<profile>/examples/`).
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples")
        .join(name);
    assert!(path.exists(), "{} is missing", path.display());
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn emulator_token_gets_a_token_with_the_apps_roles() {
    let emulator = InProcess::start(1).await.unwrap();
    let output = Command::new(example("emulator_token"))
        .arg(emulator.emulator.state_dir().join("parameters.json"))
        .arg(emulator.emulator.ca_file())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("\"User.Read.All\""), "{stdout}");
    assert!(stdout.contains("an Authorization header of"), "{stdout}");
    // The token itself is not printed.
    assert!(!stdout.contains("eyJ"), "{stdout}");
    emulator.stop().await;
}
