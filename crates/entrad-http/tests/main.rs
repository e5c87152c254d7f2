//! entrad-http's integration tests: one test binary, one module per area.
//! Servers on loopback only: wiremock for narrow HTTP cases, a raw TCP
//! server where wiremock cannot misbehave enough (a body without end).
//! Unit tests stay inline in `src/`.

mod body_limits;
mod requests;
