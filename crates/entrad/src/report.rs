//! An error and its causes on one line, for stderr.

use std::error::Error as StdError;

/// `error: cause: cause ...`: every error in this workspace says what failed
/// at its own level and leaves its cause to `source()`, so each text appears
/// once. A cause whose text the line already holds (a library outside the
/// workspace that repeats its own) is skipped.
pub fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut line = error.to_string();
    for cause in std::iter::successors(error.source(), |&e| e.source()) {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read {0}")]
    struct Read(&'static str, #[source] std::io::Error);

    #[test]
    fn every_cause_once_on_one_line() {
        let error = Read("/x", std::io::Error::other("disk on fire"));
        assert_eq!(chain(&error), "cannot read /x: disk on fire");
    }

    #[test]
    fn a_cause_the_message_already_holds_is_not_repeated() {
        #[derive(Debug, thiserror::Error)]
        #[error("wrapper: {0}")]
        struct Repeats(#[source] std::io::Error);
        let error = Repeats(std::io::Error::other("refused"));
        assert_eq!(chain(&error), "wrapper: refused");
    }
}
