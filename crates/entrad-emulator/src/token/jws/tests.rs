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
