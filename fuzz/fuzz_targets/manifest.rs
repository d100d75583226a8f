//! Fuzz target `manifest`: see `nashra::fuzzing::manifest` for what it runs and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nashra::fuzzing::manifest(data));
