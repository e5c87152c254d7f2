use super::*;

#[test]
fn accepts_padding_and_rejects_garbage() {
    assert_eq!(decode("YQ==").unwrap(), b"a");
    assert_eq!(decode("YQ").unwrap(), b"a");
    let token = format!(
        "{}.{}.{}",
        encode(b"{\"alg\":\"RS256\"}"),
        encode(b"{\"exp\":1.5}"),
        "c2ln"
    );
    let jws = parse(&token).unwrap();
    assert_eq!(date_claim(&jws.claims, "exp"), Some(1.5));
    assert_eq!(jws.signature, b"sig");
    assert!(parse("a.b").is_none());
    assert!(parse("a.b.c.d").is_none());
    assert!(parse("e30.e30.!!").is_none());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// Untrusted tokens and assertions: Some or None, never a panic.
    #[test]
    fn prop_jws_parse_never_panics(
        input in proptest::prop_oneof![
            proptest::prelude::any::<String>(),
            "[A-Za-z0-9_=+/-]{0,24}(\\.[A-Za-z0-9_=+/-]{0,24}){0,3}",
        ],
        claims in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
    ) {
        let _ = parse(&input);
        let _ = unverified_claims(&input);
        let _ = decode(&input);
        let token = format!("{}.{}.{}", encode(b"{\"alg\":\"RS256\"}"), encode(&claims), "c2ln");
        if let Some(value) = unverified_claims(&token) {
            let _ = date_claim(&value, "exp");
        }
    }
}
