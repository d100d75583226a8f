//! Where the native pieces live at run time: the ONNX Runtime shared library and espeak-ng's data.
//!
//! In: the environment (`NASHRA_ORT_LIB`, `ORT_DYLIB_PATH`, `NASHRA_ESPEAK_DATA`), the executable's
//! directory, and the paths the build script baked in. Out: a checked path, or an error that lists
//! every place looked and names the fix.
//!
//! Must never happen: handing `ort` a library path that does not exist. Older `ort` releases hang
//! (instead of failing) when the library is missing, so every path is checked before `ort` sees it,
//! and ONNX Runtime is initialized once per process.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Why a native piece could not be found or started.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeError {
    /// No ONNX Runtime library anywhere we looked.
    #[error(
        "onnxruntime library not found (looked in: {}); run `make setup` or set NASHRA_ORT_LIB to the path of libonnxruntime.so",
        .looked.join(", ")
    )]
    OrtNotFound { looked: Vec<String> },
    /// An explicit setting names a file that does not exist.
    #[error("{var} is set to {path} but no such file exists; run `make setup` or set NASHRA_ORT_LIB to an existing libonnxruntime.so")]
    OrtPathMissing { var: &'static str, path: PathBuf },
    /// The library was found but ONNX Runtime refused to start.
    #[error("onnxruntime at {path} could not be loaded: {reason}; run `make setup` or set NASHRA_ORT_LIB to a working libonnxruntime.so (>= 1.24)")]
    OrtLoad { path: PathBuf, reason: String },
    /// No espeak-ng data directory anywhere we looked.
    #[error(
        "espeak-ng data not found (looked in: {}); rebuild with `make build` or set NASHRA_ESPEAK_DATA to an espeak-ng-data directory",
        .looked.join(", ")
    )]
    EspeakDataNotFound { looked: Vec<String> },
}

/// Candidate library paths in priority order, each with where it came from.
fn ort_candidates(
    env_nashra: Option<PathBuf>,
    env_ort: Option<PathBuf>,
    exe_dir: Option<&Path>,
) -> Vec<(&'static str, PathBuf)> {
    let mut out = Vec::new();
    if let Some(p) = env_nashra {
        out.push(("NASHRA_ORT_LIB", p));
    }
    if let Some(p) = env_ort {
        out.push(("ORT_DYLIB_PATH", p));
    }
    if let Some(dir) = exe_dir {
        for d in [dir.to_path_buf(), dir.join("../lib")] {
            out.push(("", d.join("libonnxruntime.so")));
            // A versioned file (`libonnxruntime.so.1.32.0`) works as well as the plain name.
            if let Ok(entries) = std::fs::read_dir(&d) {
                let mut versioned: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("libonnxruntime.so."))
                    })
                    .collect();
                versioned.sort();
                out.extend(versioned.into_iter().rev().map(|p| ("", p)));
            }
        }
    }
    out.push((
        "",
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/.deps/onnxruntime/lib/libonnxruntime.so"
        )),
    ));
    out
}

/// Picks the first existing candidate; an explicit variable pointing nowhere is an error, not a
/// silent fallback, because the user asked for that file.
fn pick_ort(candidates: Vec<(&'static str, PathBuf)>) -> Result<PathBuf, RuntimeError> {
    let mut looked = Vec::new();
    for (var, path) in candidates {
        if path.is_file() {
            return Ok(path);
        }
        if !var.is_empty() {
            return Err(RuntimeError::OrtPathMissing { var, path });
        }
        looked.push(path.display().to_string());
    }
    Err(RuntimeError::OrtNotFound { looked })
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf))
}

/// The ONNX Runtime shared library to load: `$NASHRA_ORT_LIB`, `$ORT_DYLIB_PATH`, next to the
/// executable, `../lib` beside it, then the copy `make setup` put in `.deps/`.
pub fn onnxruntime_library() -> Result<PathBuf, RuntimeError> {
    pick_ort(ort_candidates(
        env_path("NASHRA_ORT_LIB"),
        env_path("ORT_DYLIB_PATH"),
        exe_dir().as_deref(),
    ))
}

static START: OnceLock<std::time::Instant> = OnceLock::new();

/// Notes the start of the process (`main` calls it first), for [`since_start`].
pub fn mark_start() {
    START.get_or_init(std::time::Instant::now);
}

/// Time since [`mark_start`] (or since the first call, if it was never called): the debug log
/// of `nashra speak` says with it where the time to the first audio goes.
pub fn since_start() -> std::time::Duration {
    START.get_or_init(std::time::Instant::now).elapsed()
}

/// The size from which glibc's malloc gives an allocation a memory mapping of its own, fixed
/// for the whole run by [`settle_allocator`].
pub const MMAP_THRESHOLD: usize = 256 * 1024;

/// Keeps resident memory from creeping over a long edition (issue #6). Returns whether the
/// allocator took the setting (always false on a C library other than glibc: nothing to do there).
///
/// glibc starts its mmap threshold at 128 KiB and raises it each time a mapped block is freed,
/// up to 32 MiB. After the first programme's buffers (several MB of samples, encoder and decoder
/// buffers) are freed, later buffers of that size are carved from the heap arenas instead, where
/// the voice threads' small allocations pin the freed space: an edition of 15 articles with MP3
/// and the full edition crept from 427 to 517 MiB of resident memory; with the threshold fixed at
/// 256 KiB it stayed between 385 and 410 MiB, in the same CPU time (docs/bench.md, "A fixed mmap
/// threshold"). A fixed threshold also keeps glibc's trim threshold from moving.
///
/// Call it at the start of `main`, before other threads exist.
pub fn settle_allocator() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let threshold = libc::c_int::try_from(MMAP_THRESHOLD).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt sets one tunable of the allocator and has no other precondition.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, threshold) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

static ORT_ENV: OnceLock<Result<ort::environment::Environment, RuntimeError>> = OnceLock::new();

/// Loads ONNX Runtime once for the whole process. Later calls return the first outcome.
pub fn init_onnxruntime() -> Result<(), RuntimeError> {
    ort_environment().map(|_| ())
}

/// The variable ONNX Runtime reads to turn its telemetry off.
pub const ORT_TELEMETRY_VAR: &str = "ORT_DISABLE_TELEMETRY";

/// Turns ONNX Runtime's telemetry off for this process, unless the user set
/// `ORT_DISABLE_TELEMETRY` themselves.
///
/// Why: the onnxruntime 1.32 library for Linux ships Microsoft's 1DS telemetry client. Unless
/// this variable is set when the library starts, it resolves and connects to
/// `mobile.events.data.microsoft.com` and writes a device id into
/// `~/.cache/Microsoft/DeveloperTools/.onnxruntime/`; the C API's `DisableTelemetryEvents` does
/// not stop either (measured with strace by `tests/robustness.rs`). nashra promises to contact
/// nothing and write nothing outside its output.
///
/// Call it before any thread that might read the environment exists (`main` calls it first
/// thing); [`ort_environment`] calls it again, which is then a no-op.
pub fn disable_onnxruntime_telemetry() {
    if std::env::var_os(ORT_TELEMETRY_VAR).is_none() {
        std::env::set_var(ORT_TELEMETRY_VAR, "1");
    }
}

/// The process-wide ONNX Runtime environment that sessions are built from.
pub fn ort_environment() -> Result<&'static ort::environment::Environment, RuntimeError> {
    ORT_ENV
        .get_or_init(|| {
            disable_onnxruntime_telemetry();
            let path = onnxruntime_library()?;
            let builder = ort::init_from(&path)
                .map_err(|e| RuntimeError::OrtLoad { path: path.clone(), reason: e.to_string() })?;
            // Telemetry off: ONNX Runtime 1.32 otherwise sends usage events over HTTPS and
            // writes a device id under ~/.cache (found by tests/robustness.rs); nashra contacts
            // no server and writes nothing outside its output (issue #7).
            builder
                .with_name("nashra")
                .with_telemetry(false)
                .build()
                .map_err(|e| RuntimeError::OrtLoad { path: path.clone(), reason: e.to_string() })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A usable espeak-ng data directory has the phoneme table and the Arabic dictionary.
fn is_espeak_data(dir: &Path) -> bool {
    dir.join("phontab").is_file() && dir.join("ar_dict").is_file()
}

/// The newest `espeak-rs-sys-*/out/share/espeak-ng-data` under a cargo build dir. Several hash
/// directories can exist after feature or profile changes; the newest complete one is current.
fn scan_build_dir(build_dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(build_dir).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("espeak-rs-sys-"))
        .map(|e| e.path().join("out/share/espeak-ng-data"))
        .filter(|d| is_espeak_data(d))
        .filter_map(|d| {
            let mtime = std::fs::metadata(d.join("phontab")).and_then(|m| m.modified()).ok()?;
            Some((mtime, d))
        })
        .max_by_key(|(mtime, _)| *mtime)
        .map(|(_, d)| d)
}

fn pick_espeak_data(
    env_dir: Option<PathBuf>,
    exe_dir: Option<&Path>,
    build_dir: &Path,
) -> Result<PathBuf, RuntimeError> {
    let mut looked = Vec::new();
    let mut fixed = Vec::new();
    if let Some(d) = env_dir {
        fixed.push(d);
    }
    if let Some(d) = exe_dir {
        fixed.push(d.join("espeak-ng-data"));
    }
    for d in fixed {
        if is_espeak_data(&d) {
            return Ok(d);
        }
        looked.push(d.display().to_string());
    }
    if let Some(d) = scan_build_dir(build_dir) {
        return Ok(d);
    }
    looked.push(format!("{}/espeak-rs-sys-*/out/share/espeak-ng-data", build_dir.display()));
    Err(RuntimeError::EspeakDataNotFound { looked })
}

/// The espeak-ng data directory: `$NASHRA_ESPEAK_DATA`, `espeak-ng-data` next to the executable,
/// then the one `espeak-rs-sys` compiled in this build's target directory.
pub fn espeak_data_dir() -> Result<PathBuf, RuntimeError> {
    pick_espeak_data(
        env_path("NASHRA_ESPEAK_DATA"),
        exe_dir().as_deref(),
        Path::new(env!("NASHRA_BUILD_DIR")),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;

    /// glibc refuses a threshold over 32 MiB (half its largest heap) by returning 0.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn glibc_takes_the_fixed_mmap_threshold() {
        assert!(settle_allocator());
    }

    #[test]
    fn missing_library_error_names_every_place_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let err = pick_ort(vec![("", dir.path().join("a.so")), ("", dir.path().join("b.so"))])
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("a.so") && msg.contains("b.so"), "{msg}");
        assert!(msg.contains("NASHRA_ORT_LIB"), "{msg}");
        assert!(msg.contains("make setup"), "{msg}");
    }

    #[test]
    fn explicit_variable_to_missing_file_is_an_error_not_a_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.so");
        std::fs::write(&real, b"").unwrap();
        let err =
            pick_ort(vec![("NASHRA_ORT_LIB", dir.path().join("gone.so")), ("", real)]).unwrap_err();
        assert!(matches!(err, RuntimeError::OrtPathMissing { var: "NASHRA_ORT_LIB", .. }));
        assert!(err.to_string().contains("NASHRA_ORT_LIB"));
    }

    #[test]
    fn versioned_library_next_to_the_executable_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("libonnxruntime.so.1.32.0");
        std::fs::write(&lib, b"").unwrap();
        let found = pick_ort(ort_candidates(None, None, Some(dir.path()))).unwrap();
        assert_eq!(found, lib);
    }

    #[test]
    fn setup_copy_of_onnxruntime_is_found_without_variables() {
        // `make setup` (or this machine's provisioning) put the library in .deps/.
        let found = pick_ort(ort_candidates(None, None, None)).unwrap();
        assert!(found.ends_with(".deps/onnxruntime/lib/libonnxruntime.so"));
    }

    #[test]
    fn espeak_data_is_found_in_the_build_dir() {
        let dir = espeak_data_dir().unwrap();
        assert!(dir.join("phontab").is_file() && dir.join("ar_dict").is_file());
    }

    #[test]
    fn espeak_data_error_lists_places_looked() {
        let tmp = tempfile::tempdir().unwrap();
        let err = pick_espeak_data(Some(tmp.path().join("nope")), None, tmp.path()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("nope") && msg.contains("NASHRA_ESPEAK_DATA"), "{msg}");
    }

    #[test]
    fn newest_complete_espeak_data_wins() {
        let tmp = tempfile::tempdir().unwrap();
        let mk = |name: &str, complete: bool| {
            let d = tmp.path().join(name).join("out/share/espeak-ng-data");
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("phontab"), b"x").unwrap();
            if complete {
                std::fs::write(d.join("ar_dict"), b"x").unwrap();
            }
            d
        };
        let old = mk("espeak-rs-sys-aaa", true);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let new = mk("espeak-rs-sys-bbb", true);
        std::thread::sleep(std::time::Duration::from_millis(20));
        mk("espeak-rs-sys-ccc", false);
        assert_ne!(old, new);
        assert_eq!(pick_espeak_data(None, None, tmp.path()).unwrap(), new);
    }
}
