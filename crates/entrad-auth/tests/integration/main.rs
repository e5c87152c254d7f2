//! Integration tests against token services on loopback (wiremock, and a small
//! TLS server with a private CA). Nothing here talks to any other host.

mod assertions;
mod discovery;
mod errors;
mod retries;
mod secrets;
mod support;
mod tls;
mod token_flow;
