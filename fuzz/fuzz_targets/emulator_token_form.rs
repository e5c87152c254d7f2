#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| entrad_emulator::fuzz::token_form(data));
