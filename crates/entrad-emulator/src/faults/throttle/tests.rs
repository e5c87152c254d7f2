use super::*;

#[test]
fn early_clients_are_told_the_remaining_wait() {
    let t = Throttle::default();
    let now = Instant::now();
    t.record("a", Route::Users, now + Duration::from_millis(1500));
    assert_eq!(t.too_early("a", Route::Users, now), Some(2));
    assert_eq!(t.too_early("b", Route::Users, now), None);
    assert_eq!(t.too_early("a", Route::Token, now), None);
    assert_eq!(
        t.too_early("a", Route::Users, now + Duration::from_secs(2)),
        None
    );
}
