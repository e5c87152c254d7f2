use super::*;

#[test]
fn count_faults_fire_n_times_then_vanish() {
    let faults = Faults::default();
    faults.add("users:503:count=2".parse().unwrap());
    assert!(faults.decide(Route::Token, true).outcome.is_none());
    assert!(faults.decide(Route::Users, true).outcome.is_some());
    assert!(faults.decide(Route::Users, true).outcome.is_some());
    assert!(faults.decide(Route::Users, true).outcome.is_none());
    assert!(faults.list().is_empty());
}

#[test]
fn latency_adds_up_and_drop_is_skipped_inside_batches() {
    let faults = Faults::default();
    faults.add("*:latency:latency_ms=5".parse().unwrap());
    faults.add("users:drop".parse().unwrap());
    let d = faults.decide(Route::Users, false);
    assert_eq!(d.latency, Duration::from_millis(5));
    assert!(d.outcome.is_none());
    let d = faults.decide(Route::Users, true);
    assert_eq!(d.outcome.map(|o| o.0), Some(FaultKind::Drop));
}
