//! End-to-end tests: they run the real `nashra` binary on real inputs.
