#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| entrad_auth::fuzz::arc_challenge(data));
