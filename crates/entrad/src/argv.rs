//! Options before the subcommand's name: `entrad --ca-file ca.pem users` has
//! always worked, and scripts say it so. Options now belong to the subcommands
//! that use them (so each `--help` lists only those), so the options written
//! before the name are moved after it before clap parses the line, as kubectl
//! lets flags go anywhere. Every option used to be accepted by every
//! subcommand: one written before the name that this subcommand does not take
//! (`alias e='entrad --ca-file ca.pem'`, then `e completions bash`) is left
//! out with a warning rather than refused; after the name, clap refuses it.

use std::ffi::OsString;

use clap::Command;

/// The command line to parse, and the options left out of it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moved {
    /// The arguments, options first moved after the subcommand's name.
    pub args: Vec<OsString>,
    /// Options written before the name that the subcommand does not take.
    pub ignored: Vec<String>,
}

/// `args` with the options between the program and the subcommand's name
/// moved right after that name (those it does not take left out); unchanged
/// when there are none, or no subcommand name follows them.
pub fn options_after_subcommand(args: Vec<OsString>, command: &Command) -> Moved {
    // Each option before the name, with its value when that is the next argument.
    let mut options: Vec<(usize, usize)> = Vec::new();
    let mut at = 1;
    while let Some(arg) = args.get(at) {
        let Some(text) = arg.to_str() else { break };
        if text == "--" || text == "-" || !text.starts_with('-') {
            break;
        }
        let end = if takes_separate_value(text, command) {
            at + 2
        } else {
            at + 1
        };
        options.push((at, end.min(args.len())));
        at = end;
    }
    let subcommand = args
        .get(at)
        .and_then(|name| name.to_str())
        .and_then(|name| command.find_subcommand(name));
    let Some(subcommand) = subcommand.filter(|_| at > 1) else {
        return Moved {
            args,
            ignored: Vec::new(),
        };
    };
    let mut moved = Moved::default();
    moved.args.push(args[0].clone());
    moved.args.push(args[at].clone());
    for (start, end) in options {
        let text = args[start].to_string_lossy();
        if applies(&text, subcommand) || applies(&text, command) {
            moved.args.extend_from_slice(&args[start..end]);
        } else {
            moved
                .ignored
                .push(text.split('=').next().unwrap_or_default().to_owned());
        }
    }
    moved.args.extend_from_slice(&args[at + 1..]);
    moved
}

/// True when `command` itself has the option `text` (for the program: its global
/// options, `--help` and `--version`).
fn applies(text: &str, command: &Command) -> bool {
    if matches!(text, "-h" | "--help") {
        return true;
    }
    if let Some(long) = text.strip_prefix("--") {
        let long = long.split('=').next().unwrap_or_default();
        return command.get_arguments().any(|arg| {
            arg.get_long() == Some(long)
                || arg
                    .get_all_aliases()
                    .into_iter()
                    .flatten()
                    .any(|a| a == long)
        });
    }
    text.chars().skip(1).all(|short| {
        short == 'h'
            || command
                .get_arguments()
                .any(|arg| arg.get_short() == Some(short))
    })
}

/// True when the option `text` (`--name`, `-x`, `-vx`) takes its value from the
/// next argument: no `=value` and no value joined to a short option. Options
/// are looked up in the program and every subcommand (one name, one meaning).
fn takes_separate_value(text: &str, command: &Command) -> bool {
    let all = || std::iter::once(command).chain(command.get_subcommands());
    let takes_value = |arg: &clap::Arg| arg.get_action().takes_values();
    if let Some(long) = text.strip_prefix("--") {
        return !long.contains('=')
            && all().any(|c| {
                c.get_arguments().any(|arg| {
                    takes_value(arg)
                        && (arg.get_long() == Some(long)
                            || arg
                                .get_all_aliases()
                                .into_iter()
                                .flatten()
                                .any(|a| a == long))
                })
            });
    }
    // A cluster of short options: the first that takes a value takes the rest
    // of the cluster, or the next argument when it is the last.
    let shorts: Vec<char> = text.chars().skip(1).collect();
    for (i, short) in shorts.iter().enumerate() {
        let takes = all().any(|c| {
            c.get_arguments()
                .any(|arg| arg.get_short() == Some(*short) && takes_value(arg))
        });
        if takes {
            return i + 1 == shorts.len();
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::Cli;

    fn moved(line: &str) -> String {
        let args = line.split(' ').map(OsString::from).collect();
        options_after_subcommand(args, &Cli::command())
            .args
            .iter()
            .map(|a| a.to_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn options_before_the_subcommand_follow_it() {
        assert_eq!(
            moved("entrad --ca-file ca.pem --config p.json users --limit 5"),
            "entrad users --ca-file ca.pem --config p.json --limit 5"
        );
        assert_eq!(
            moved("entrad -vv --format=csv --allow-insecure-loopback get /v1.0/me"),
            "entrad get -vv --format=csv --allow-insecure-loopback /v1.0/me"
        );
        // A value that looks like a subcommand stays the option's.
        assert_eq!(
            moved("entrad --format table token"),
            "entrad token --format table"
        );
        assert_eq!(
            moved("entrad --scope users run p.json"),
            "entrad run --scope users p.json"
        );
    }

    #[test]
    fn options_before_a_subcommand_that_does_not_take_them_are_left_out() {
        let args = "entrad --ca-file ca.pem -v --format=csv completions bash"
            .split(' ')
            .map(OsString::from)
            .collect();
        let moved = options_after_subcommand(args, &Cli::command());
        assert_eq!(moved.args, ["entrad", "completions", "-v", "bash"]);
        assert_eq!(moved.ignored, ["--ca-file", "--format"]);
    }

    #[test]
    fn lines_without_options_first_or_without_a_subcommand_are_left_alone() {
        for line in [
            "entrad users --limit 5",
            "entrad --version",
            "entrad --config p.json",
            "entrad --config p.json nonsense",
            "entrad -- users",
        ] {
            assert_eq!(moved(line), line);
        }
    }
}
