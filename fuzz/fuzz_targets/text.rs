//! Fuzz target `text`: see `nashra::fuzzing::text_frontend` for what it runs and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nashra::fuzzing::text_frontend(data));
