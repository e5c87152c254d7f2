//! Control characters made visible, so that directory data printed for
//! people cannot drive their terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every C0 control (U+0000–U+001F), DEL (U+007F) and C1 control
/// (U+0080–U+009F) replaced by a visible escape: `\t`, `\n` and `\r` for
/// those three, `\u{hex}` (Rust's notation) for the others. Borrowed when
/// there is nothing to replace. A backslash is left as it is: the table is
/// for reading, not for parsing back (csv and json keep the exact text).
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => shown.push_str("\\t"),
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            // `char::is_control` is exactly Unicode's Cc: C0, DEL and C1.
            c if c.is_control() => {
                // Writing to a String cannot fail.
                let _ = write!(shown, "\\u{{{:x}}}", u32::from(c));
            }
            c => shown.push(c),
        }
    }
    Cow::Owned(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            visible("Adèle Vance ✓"),
            Cow::Borrowed("Adèle Vance ✓")
        ));
    }

    #[test]
    fn c0_del_and_c1_become_visible() {
        assert_eq!(visible("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(visible("\x1b]0;pwned\x07"), "\\u{1b}]0;pwned\\u{7}");
        assert_eq!(visible("x\ty\nz\r"), "x\\ty\\nz\\r");
        assert_eq!(visible("\0\x7f"), "\\u{0}\\u{7f}");
        assert_eq!(visible("\u{9b}2J\u{85}\u{9f}"), "\\u{9b}2J\\u{85}\\u{9f}");
        // The first and last characters outside the ranges stay.
        assert_eq!(visible(" ~\u{a0}"), " ~\u{a0}");
    }

    #[test]
    fn no_control_character_survives() {
        let all: String = (0u32..0x200).filter_map(char::from_u32).collect();
        assert!(!visible(&all).chars().any(char::is_control));
    }
}
