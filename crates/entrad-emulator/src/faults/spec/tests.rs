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
