//! `entrad completions SHELL` and `entrad man`: generated from the parser's own
//! definitions, so they name every subcommand; bash's completion really loads
//! and completes in a `bash -c`.

use std::process::Command;

use super::support::{entrad, succeed};

const SUBCOMMANDS: &[&str] = &[
    "run",
    "users",
    "get",
    "token",
    "consent-url",
    "completions",
    "man",
];

fn stdout_of(args: &[&str]) -> String {
    String::from_utf8(succeed(entrad().args(args)).stdout).unwrap()
}

#[test]
fn every_shell_gets_a_script_naming_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        for subcommand in SUBCOMMANDS {
            assert!(
                script.contains(subcommand),
                "{shell}: no {subcommand} in\n{script}"
            );
        }
        assert!(script.contains("log-format"), "{shell}: no --log-format");
    }
    let output = entrad().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_bash_completion_loads_and_completes_subcommands_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("entrad.bash");
    std::fs::write(&script, stdout_of(&["completions", "bash"])).unwrap();
    // What bash does on TAB: COMP_* set, the registered function called.
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            r#"source "$1" || exit 3
complete -p entrad || exit 4
COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}
_entrad entrad "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
            words = words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            cword = words.len() - 1,
        );
        let output = Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &program, "bash"])
            .arg(&script)
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "bash: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let reply = complete("entrad us");
    assert!(reply.lines().any(|l| l.trim() == "users"), "{reply}");
    let reply = complete("entrad --log-format ");
    let values: Vec<&str> = reply.lines().map(str::trim).collect();
    assert!(
        values.contains(&"json") && values.contains(&"text"),
        "{reply}"
    );
}

#[test]
fn the_man_page_is_roff_for_entrad_1_with_every_subcommand() {
    let page = stdout_of(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH entrad 1"),
        "{page}"
    );
    assert!(page.contains(".TH entrad 1"), "{page}");
    for subcommand in SUBCOMMANDS {
        // roff escapes the hyphen: consent\-url.
        let roff = subcommand.replace('-', "\\-");
        assert!(page.contains(&roff), "no {subcommand} in the man page");
    }
    assert!(
        page.contains("log\\-format"),
        "no --log-format in the man page"
    );
}

#[test]
fn man_dir_writes_every_page_the_main_page_refers_to() {
    let dir = tempfile::tempdir().unwrap();
    succeed(entrad().args(["man", "--dir"]).arg(dir.path()));
    let main = std::fs::read_to_string(dir.path().join("entrad.1")).unwrap();
    // clap_mangen writes `entrad\-users(1)` for each subcommand.
    let mut referred = 0;
    for subcommand in SUBCOMMANDS {
        let roff = format!("entrad\\-{}(1)", subcommand.replace('-', "\\-"));
        assert!(main.contains(&roff), "{roff} in entrad.1");
        let page = dir.path().join(format!("entrad-{subcommand}.1"));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        assert!(
            text.contains(&format!(".TH entrad-{subcommand} 1")),
            "{}",
            page.display()
        );
        referred += 1;
    }
    assert_eq!(referred, SUBCOMMANDS.len());
    let users = std::fs::read_to_string(dir.path().join("entrad-users.1")).unwrap();
    assert!(
        users.contains("\\-\\-limit"),
        "entrad-users(1) documents --limit"
    );
}

#[test]
fn each_help_lists_the_options_of_its_command_only() {
    let help = |args: &[&str]| stdout_of(args);
    let emulator = help(&["emulator", "--help"]);
    for foreign in [
        "--client-secret",
        "--pkcs11",
        "--config",
        "--format",
        "--scope",
    ] {
        assert!(
            !emulator.contains(foreign),
            "emulator --help lists {foreign}"
        );
    }
    assert!(emulator.contains("--listen") && emulator.contains("--log-format"));
    let users = help(&["users", "--help"]);
    for own in [
        "--limit",
        "--page-size",
        "--client-secret",
        "--config",
        "--format",
    ] {
        assert!(users.contains(own), "users --help lacks {own}");
    }
    assert!(!users.contains("--top"), "the old name stays hidden");
    let completions = help(&["completions", "--help"]);
    assert!(!completions.contains("--client-secret") && !completions.contains("--config"));
}
