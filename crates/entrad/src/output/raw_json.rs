//! Items as the JSON text Graph sent, written out without building a JSON tree:
//! re-indented for `json`, kept on one line for `ndjson`. For compact input the
//! result is byte for byte what serde_json's pretty (or compact) writer gives for
//! the same document; strings and numbers are copied as they are.

use std::io::{self, Write};

/// How to lay a JSON text out.
#[derive(Debug, Clone, Copy)]
pub enum Layout<'a> {
    /// On one line: a text without line breaks as it is (JSON strings hold none
    /// raw), any other without whitespace between tokens.
    Compact,
    /// Two spaces per level, every line after the first starting with `margin`.
    Pretty { margin: &'a str },
}

/// Writes the JSON text `raw` (one valid JSON value) in `layout` to `out`, through
/// `buf` (reused from item to item: no allocation per item).
pub fn write(
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    raw: &str,
    layout: Layout<'_>,
) -> io::Result<()> {
    if matches!(layout, Layout::Compact) && !raw.bytes().any(|b| b == b'\n' || b == b'\r') {
        return out.write_all(raw.as_bytes());
    }
    buf.clear();
    layout_into(buf, raw.as_bytes(), layout);
    out.write_all(buf)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn newline(buf: &mut Vec<u8>, margin: &str, depth: usize) {
    buf.push(b'\n');
    buf.extend_from_slice(margin.as_bytes());
    for _ in 0..depth {
        buf.extend_from_slice(b"  ");
    }
}

/// The layout pass: strings are copied whole (escapes included) and so are the
/// runs of bytes between structural characters; whitespace between tokens is
/// dropped, and with `Pretty` a line break follows `{`, `[` and `,` (none inside
/// an empty `{}` or `[]`) and a space follows `:`.
fn layout_into(buf: &mut Vec<u8>, raw: &[u8], layout: Layout<'_>) {
    let margin = match layout {
        Layout::Compact => None,
        Layout::Pretty { margin } => Some(margin),
    };
    let mut depth = 0usize;
    // Bytes from `start` to `i` are copied as they are, in one go.
    let (mut start, mut i) = (0, 0);
    while i < raw.len() {
        let b = raw[i];
        if b == b'"' {
            i = string_end(raw, i + 1);
            continue;
        }
        if !matches!(b, b'{' | b'[' | b'}' | b']' | b',' | b':') && !is_space(b) {
            i += 1;
            continue;
        }
        buf.extend_from_slice(&raw[start..i]);
        i += 1;
        match b {
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                let mut next = i;
                while next < raw.len() && is_space(raw[next]) {
                    next += 1;
                }
                buf.push(b);
                if raw.get(next) == Some(&close) {
                    buf.push(close);
                    i = next + 1;
                } else {
                    depth += 1;
                    if let Some(margin) = margin {
                        newline(buf, margin, depth);
                    }
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if let Some(margin) = margin {
                    newline(buf, margin, depth);
                }
                buf.push(b);
            }
            b',' => {
                buf.push(b);
                if let Some(margin) = margin {
                    newline(buf, margin, depth);
                }
            }
            b':' => {
                buf.push(b);
                if margin.is_some() {
                    buf.push(b' ');
                }
            }
            _ => {} // whitespace between tokens
        }
        start = i;
    }
    buf.extend_from_slice(&raw[start.min(raw.len())..]);
}

/// The index just past the closing quote of the string whose content starts at `i`.
fn string_end(raw: &[u8], mut i: usize) -> usize {
    while let Some(k) = memchr::memchr2(b'"', b'\\', &raw[i.min(raw.len())..]) {
        if raw[i + k] == b'"' {
            return i + k + 1;
        }
        i += k + 2; // an escape: the next byte is never the end
    }
    raw.len()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn laid_out(raw: &str, layout: Layout<'_>) -> String {
        let mut out = Vec::new();
        write(&mut out, &mut Vec::new(), raw, layout).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// What the writer replaces: parse, then serde_json's writers.
    fn through_value(raw: &str, pretty: bool) -> String {
        let value: Value = serde_json::from_str(raw).unwrap();
        if pretty {
            serde_json::to_string_pretty(&value).unwrap()
        } else {
            serde_json::to_string(&value).unwrap()
        }
    }

    #[test]
    fn pretty_and_compact_match_serde_json_on_graph_items() {
        let item = json!({
            "@odata.type": "#microsoft.graph.user",
            "id": "1", "businessPhones": [], "empty": {}, "n": -1.5e-7, "t": true, "z": null,
            "displayName": "A \"quoted\" {name}, [with] : punctuation \\ and \u{e9}\n",
            "members@delta": [{"id": "2", "@removed": {"reason": "deleted"}}, {"id": "3"}],
            "nested": [[1, 2], [], [{}]]
        });
        let compact = serde_json::to_string(&item).unwrap();
        assert_eq!(laid_out(&compact, Layout::Compact), compact);
        assert_eq!(
            laid_out(&compact, Layout::Pretty { margin: "" }),
            through_value(&compact, true)
        );
        // Whitespace a server may put between tokens goes.
        let spaced = " {\n \"a\" : [ 1 ,\t2 ] , \"b\" : { } , \"c\" : [ ] }";
        assert_eq!(
            laid_out(spaced, Layout::Compact),
            through_value(spaced, false)
        );
        assert_eq!(
            laid_out(spaced, Layout::Pretty { margin: "" }),
            through_value(spaced, true)
        );
    }

    #[test]
    fn a_margin_shifts_every_line_but_the_first() {
        assert_eq!(
            laid_out(r#"{"a":[1]}"#, Layout::Pretty { margin: "    " }),
            "{\n      \"a\": [\n        1\n      ]\n    }"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Any compact JSON document comes out as serde_json would write it.
        #[test]
        fn prop_layout_matches_serde_json(value in arbitrary_json()) {
            let compact = serde_json::to_string(&value).unwrap();
            proptest::prop_assert_eq!(laid_out(&compact, Layout::Compact), compact.clone());
            proptest::prop_assert_eq!(
                laid_out(&compact, Layout::Pretty { margin: "" }),
                serde_json::to_string_pretty(&value).unwrap()
            );
        }
    }

    fn arbitrary_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                proptest::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
