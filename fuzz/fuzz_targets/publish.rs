//! Fuzz target `publish`: see `nashra::fuzzing::publish` for what it runs and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nashra::fuzzing::publish(data));
