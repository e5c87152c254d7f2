#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| entrad_graph::fuzz::claims_challenge(data));
