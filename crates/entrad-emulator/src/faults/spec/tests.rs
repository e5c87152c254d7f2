use super::*;

#[test]
fn parses_the_flag_grammar() {
    let f: FaultSpec = "*:latency:rate=0.5:latency_ms=20".parse().unwrap();
    assert_eq!(f.kind, FaultKind::Latency);
    assert_eq!(f.trigger, FaultTrigger::Rate(0.5));
    assert_eq!(f.latency_ms, 20);
    let f: FaultSpec = "token:drop".parse().unwrap();
    assert_eq!(f.trigger, FaultTrigger::Always);
    let f: FaultSpec = "token:latency".parse().unwrap();
    assert_eq!(f.latency_ms, DEFAULT_LATENCY_MS);
}

#[test]
fn rejects_bad_specs() {
    for bad in [
        "users",
        "nope:429",
        "users:418",
        "users:429:count=1:rate=0.5",
        "users:429:rate=2",
        "users:429:count=0",
        "users:429:count",
        "users:429:color=red",
    ] {
        assert!(bad.parse::<FaultSpec>().is_err(), "{bad}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
    /// Untrusted `--fault` flags: Ok or Err, never a panic.
    #[test]
    fn prop_fault_spec_parse_never_panics(
        input in proptest::prop_oneof![
            proptest::prelude::any::<String>(),
            "(users|token|\\*|x)(:(429|503|504|latency|drop|count=-?[0-9]{0,3}|rate=[0-9.eE+-]{0,6}|retry_after=-?[0-9]{0,21}|latency_ms=-?[0-9]{0,21}|[a-z=]{0,4})){0,5}",
        ]
    ) {
        let _ = input.parse::<FaultSpec>();
    }
}
