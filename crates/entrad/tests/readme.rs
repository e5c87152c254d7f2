//! The README's shell examples, run as written: every block fenced ```` ```sh ````,
//! in order, in one fresh `bash` (no profile or rc file, a new HOME and working
//! directory, the `entrad` of this build first on PATH), as a newcomer types
//! them. Each block must exit as the README says: 0, or N for a block fenced
//! ```` ```sh exit=N ````. Blocks fenced ```` ```console ```` are shown, not run
//! (a real tenant, an Azure host, a PKCS#11 token, PostgreSQL).

use std::path::Path;
use std::process::Command;

/// A runnable block: where it starts in the README, its text, its exit code.
#[derive(Debug)]
struct Block {
    line: usize,
    code: String,
    exit: i32,
}

/// The ```` ```sh ```` blocks of `markdown`, in order.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        if let Some(block) = &mut open {
            if line.trim_end() == "```" {
                blocks.extend(open.take());
            } else {
                block.code.push_str(line);
                block.code.push('\n');
            }
            continue;
        }
        let Some(info) = line.strip_prefix("```sh") else {
            continue;
        };
        let exit = match info.trim() {
            "" => 0,
            other => other
                .strip_prefix("exit=")
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("README.md:{}: unknown fence {line}", i + 1)),
        };
        open = Some(Block {
            line: i + 1,
            code: String::new(),
            exit,
        });
    }
    assert!(open.is_none(), "an unclosed ```sh block");
    blocks
}

/// One bash script of all the blocks: each reports `LINE STATUS` on fd 3 when
/// it ends; a block expected to succeed runs under `set -e`, so its first
/// failing command ends the script (and the report is missing). Background
/// jobs (the emulator) are stopped when the script ends, however it ends.
fn script(blocks: &[Block]) -> String {
    let mut script = String::from("trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n");
    for block in blocks {
        script.push_str(&format!("# README.md:{}\n", block.line));
        if block.exit == 0 {
            script.push_str("set -e\n");
            script.push_str(&block.code);
            script.push_str(&format!("set +e\necho \"{} 0\" >&3\n", block.line));
        } else {
            script.push_str(&block.code);
            script.push_str(&format!("echo \"{} $?\" >&3\n", block.line));
        }
    }
    script
}

#[test]
fn every_shell_example_of_the_readme_runs_as_written() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let blocks = blocks(&std::fs::read_to_string(&readme).unwrap());
    assert!(
        blocks.len() >= 10,
        "the README's runnable examples: {blocks:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (home, work) = (dir.path().join("home"), dir.path().join("work"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let script_file = dir.path().join("readme.sh");
    std::fs::write(&script_file, script(&blocks)).unwrap();
    let status_file = dir.path().join("status");
    let entrad_dir = Path::new(env!("CARGO_BIN_EXE_entrad")).parent().unwrap();
    let output = Command::new("bash")
        .args([
            "--noprofile",
            "--norc",
            "-c",
            "exec 3>\"$1\"; . \"$2\"",
            "bash",
        ])
        .arg(&status_file)
        .arg(&script_file)
        .env_clear()
        .env("HOME", &home)
        .env(
            "PATH",
            format!("{}:/usr/local/bin:/usr/bin:/bin", entrad_dir.display()),
        )
        // Off Azure the credential chain asks IMDS: a closed loopback port, never the real one.
        .env(
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            entrad_testkit::closed_loopback_url(),
        )
        .current_dir(&work)
        .output()
        .unwrap();
    let reported = std::fs::read_to_string(&status_file).unwrap_or_default();
    let reported: Vec<(usize, i32)> = reported
        .lines()
        .map(|l| {
            let (line, status) = l.split_once(' ').unwrap();
            (line.parse().unwrap(), status.parse().unwrap())
        })
        .collect();
    let context = || {
        format!(
            "bash exited {:?}\n--- stdout\n{}\n--- stderr\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    for (i, block) in blocks.iter().enumerate() {
        match reported.get(i) {
            Some(&(line, status)) => {
                assert_eq!(line, block.line);
                assert_eq!(
                    status,
                    block.exit,
                    "README.md:{} exited {status}, the README says {}:\n{}\n{}",
                    block.line,
                    block.exit,
                    block.code,
                    context()
                );
            }
            None => panic!(
                "README.md:{} failed:\n{}\n{}",
                block.line,
                block.code,
                context()
            ),
        }
    }
    assert!(output.status.success(), "{}", context());
}

#[test]
fn blocks_are_found_with_their_exit_codes() {
    let markdown = "text\n```sh\nentrad demo\n```\n```console\nnot run\n```\n```sh exit=3\nentrad users\necho more\n```\n";
    let found = blocks(markdown);
    assert_eq!(found.len(), 2);
    assert_eq!((found[0].line, found[0].exit), (2, 0));
    assert_eq!(found[0].code, "entrad demo\n");
    assert_eq!((found[1].line, found[1].exit), (8, 3));
    assert_eq!(found[1].code, "entrad users\necho more\n");
}
