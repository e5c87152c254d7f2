use super::*;

#[test]
fn echoed_text_cannot_open_tags_or_leave_attributes() {
    assert_eq!(
        escape(r#"/x?a="><script>'&"#),
        "/x?a=&quot;&gt;&lt;script&gt;&#39;&amp;"
    );
}
