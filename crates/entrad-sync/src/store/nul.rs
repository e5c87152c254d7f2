//! U+0000 in PostgreSQL: its text type cannot hold the character, and so
//! neither can a column read from a JSON string (`->>` refuses `\u0000`),
//! while Graph's JSON may carry it. Refusing such an object would fail its
//! page on every run, and dropping or replacing the character would lose
//! data, so PostgreSQL stores every string (JSON strings and keys, ids,
//! member types) with a reversible escape on U+FFFF, a Unicode
//! noncharacter set aside for internal use:
//!
//! - U+0000 is written U+FFFF `0`;
//! - U+FFFF itself is written U+FFFF U+FFFF;
//! - every other character is itself.
//!
//! A string holding neither (every string Entra sends in practice) is stored
//! as it came. Reading a string back, U+FFFF followed by `0` is U+0000 and a
//! doubled U+FFFF is one. SQLite stores the text as it came.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The escape character.
const ESCAPE: char = '\u{FFFF}';

/// `text` as PostgreSQL can store it (see the module's rule).
pub(crate) fn escape_text(text: &str) -> Cow<'_, str> {
    if !text.contains(['\0', ESCAPE]) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        match c {
            '\0' => escaped.extend([ESCAPE, '0']),
            ESCAPE => escaped.extend([ESCAPE, ESCAPE]),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// The JSON text `json` with its strings and keys escaped, as it came when
/// none needs it. Text that does not parse is left for the database to refuse.
pub(crate) fn escape_json(json: &str) -> Cow<'_, str> {
    if !may_need_escaping(json) {
        return Cow::Borrowed(json);
    }
    let Ok(value) = serde_json::from_str::<Value>(json) else {
        return Cow::Borrowed(json);
    };
    let mut changed = false;
    let escaped = escape_value(value, &mut changed);
    if !changed {
        return Cow::Borrowed(json);
    }
    Cow::Owned(escaped.to_string())
}

/// Whether the text may hold U+0000 (only as `\u0000`: JSON has no raw
/// control characters in strings) or U+FFFF (raw or escaped, in any case).
fn may_need_escaping(json: &str) -> bool {
    json.contains(ESCAPE)
        || json.match_indices("\\u").any(|(at, _)| {
            json.get(at + 2..at + 6)
                .is_some_and(|hex| hex == "0000" || hex.eq_ignore_ascii_case("ffff"))
        })
}

fn escape_value(value: Value, changed: &mut bool) -> Value {
    let mut string = |text: String| match escape_text(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(escaped) => {
            *changed = true;
            escaped
        }
    };
    match value {
        Value::String(text) => Value::String(string(text)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| escape_value(item, changed))
                .collect(),
        ),
        Value::Object(map) => {
            let mut escaped = Map::new();
            for (key, item) in map {
                let key = match escape_text(&key) {
                    Cow::Borrowed(_) => key,
                    Cow::Owned(key) => {
                        *changed = true;
                        key
                    }
                };
                escaped.insert(key, escape_value(item, changed));
            }
            Value::Object(escaped)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_either_character_stay_as_they_are() {
        assert!(matches!(escape_text("plain é"), Cow::Borrowed(_)));
        let json = r#"{"id":"1","displayName":"a\\u0000b","n":"\u00e9"}"#;
        assert!(matches!(escape_json(json), Cow::Borrowed(_)));
    }

    #[test]
    fn both_characters_are_escaped_reversibly() {
        assert_eq!(escape_text("a\0b\u{FFFF}0"), "a\u{FFFF}0b\u{FFFF}\u{FFFF}0");
        let json =
            r#"{"k\u0000":["\u0000","\uFFFF0"],"raw":"\u{FFFF}"}"#.replace("\\u{FFFF}", "\u{FFFF}");
        let escaped: Value = serde_json::from_str(&escape_json(&json)).unwrap();
        assert_eq!(
            escaped,
            serde_json::json!({"k\u{FFFF}0": ["\u{FFFF}0", "\u{FFFF}\u{FFFF}0"], "raw": "\u{FFFF}\u{FFFF}"})
        );
    }
}
