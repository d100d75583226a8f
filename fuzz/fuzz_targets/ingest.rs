//! Fuzz target `ingest`: see `nashra::fuzzing::ingest` for what it runs and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nashra::fuzzing::ingest(data));
