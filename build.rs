//! Build-time facts the binary needs at run time, found without downloading anything.
//!
//! - `NASHRA_TASHKEEL_MODEL`: the diacritizer model that ships inside the crates.io crate
//!   `libtashkeel_base`. It is embedded with `include_bytes!`, so it is used from the package and
//!   never committed here. Its location is asked of `cargo metadata`, which knows where the registry
//!   (or a vendor directory) unpacked the crate.
//! - `NASHRA_BUILD_DIR`: `target/<profile>/build`, where `espeak-rs-sys` leaves the compiled
//!   `espeak-ng-data`; the binary looks there when no other data directory is given.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    if let Some(build_dir) = out_dir.ancestors().nth(2) {
        println!("cargo:rustc-env=NASHRA_BUILD_DIR={}", build_dir.display());
    }
    let model = tashkeel_model();
    println!("cargo:rerun-if-changed={}", model.display());
    println!("cargo:rustc-env=NASHRA_TASHKEEL_MODEL={}", model.display());
}

fn tashkeel_model() -> PathBuf {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("Cargo.toml");
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform"])
        .arg(env::var("TARGET").expect("cargo sets TARGET"))
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .expect("running `cargo metadata` to locate libtashkeel_base");
    assert!(
        output.status.success(),
        "`cargo metadata` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let packages = meta["packages"].as_array().expect("packages array");
    let pkg = packages
        .iter()
        .find(|p| p["name"] == "libtashkeel_base")
        .expect("libtashkeel_base is a dependency");
    let manifest_path = Path::new(pkg["manifest_path"].as_str().expect("manifest_path"));
    let model = manifest_path.parent().expect("crate dir").join("data/ort/model.onnx");
    assert!(model.is_file(), "libtashkeel_base ships no model at {}", model.display());
    model
}
