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
