//! The voice stage: one of our spoken sentences in, mono f32 samples out.
//!
//! ```text
//!  spoken text ─▶ diacritize (Arabic voices) ─▶ phonemize (espeak clauses) ─▶ ids (^ _ (p _)* $)
//!              ─▶ one Piper inference per espeak sentence ─▶ concatenated samples, clamped to ±1
//! ```
//!
//! Two engines: Piper (ONNX voice + `.onnx.json`) and espeak-ng's own synthesizer as a fallback
//! that needs no model. Load errors ([`Voice::load`]: missing files, bad config, bad speaker) are
//! kept apart from run errors ([`Voice::synthesize`]). Must never happen: silent audio returned for
//! a failure, peak normalization per sentence (DESIGN §4), or NFC/NFD on Arabic after tashkeel.

pub mod catalog;
pub mod install;

pub mod config;
pub mod espeak;
pub mod graph;
pub mod ids;
pub mod native;
pub mod phonemize;
pub mod piper;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use sha2::Digest;

use crate::runtime::RuntimeError;
use crate::text::diacritize::{DiacritizeError, Diacritizer};

pub use config::{InferenceDefaults, VoiceConfig};
use piper::{PiperModel, Scales};

/// The version of what the front end makes of a sentence: diacritization, espeak-ng
/// phonemization and the phoneme ids. It goes into every cache key
/// ([`crate::cache`]), so bump it with any change that alters the text given to the model or
/// what the model receives for it (the diacritizer's post-processing, the espeak-ng data, the id
/// layout).
pub const FRONTEND_VERSION: u32 = 4;

/// The diacritizer model and the espeak-ng build the front end runs; part of the cache keys.
const FRONTEND_COMPONENTS: &str = "libtashkeel_base 1.5.0; espeak-rs-sys 0.2.0";

/// Everything that can go wrong in the voice stage.
#[derive(Debug, thiserror::Error, Clone)]
#[non_exhaustive]
pub enum VoiceError {
    #[error("cannot read voice config {path}: {source}")]
    ConfigRead {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("invalid voice config {path}: {reason}")]
    ConfigInvalid { path: PathBuf, reason: String },
    #[error("voice model {path} not found; install it with `nashra voice install` or pass the right --voice path")]
    ModelMissing { path: PathBuf },
    #[error("cannot load voice model {path}: {reason}")]
    ModelLoad { path: PathBuf, reason: String },
    #[error("unknown speaker {speaker:?}; this voice has {available}")]
    UnknownSpeaker { speaker: String, available: String },
    #[error("invalid synthesis option {name} = {value}: {reason}")]
    BadOption { name: &'static str, value: f32, reason: &'static str },
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("diacritization failed: {0}")]
    Diacritize(Arc<DiacritizeError>),
    #[error("cannot start espeak-ng with data {path}: {reason}")]
    EspeakInit { path: PathBuf, reason: String },
    #[error("espeak-ng has no voice {voice:?}: {reason}")]
    EspeakVoice { voice: String, reason: String },
    #[error("espeak-ng phonemization failed: {reason}")]
    EspeakPhonemize { reason: String },
    #[error("espeak-ng synthesis failed: {reason}")]
    EspeakSynth { reason: String },
    #[error("text contains a NUL character")]
    TextHasNul,
    #[error("voice inference failed: {reason}")]
    Inference { reason: String },
}

impl From<DiacritizeError> for VoiceError {
    fn from(e: DiacritizeError) -> Self {
        VoiceError::Diacritize(Arc::new(e))
    }
}

/// Which voice to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceSpec {
    /// A Piper voice: weights and their `.onnx.json`.
    Piper { model: PathBuf, config: PathBuf },
    /// espeak-ng's own synthesizer with voice `voice` (e.g. `ar`).
    Espeak { voice: String },
}

/// Knobs over the voice's trained defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SynthOptions {
    pub length_scale: Option<f32>,
    pub noise_scale: Option<f32>,
    pub noise_w: Option<f32>,
    /// Speaker name from `speaker_id_map`, or its number.
    pub speaker: Option<String>,
    /// ONNX Runtime sessions of a Piper model, for as many sentences synthesized at once
    /// (`--jobs`); 0 or 1: one. See [`piper::PiperModel::load_sessions`].
    pub sessions: usize,
    /// Get the first ONNX Runtime session ready as early as possible (`nashra speak`, which
    /// waits for its first audio): built on a thread as soon as the voice is loaded, in parallel
    /// with the diacritizer and espeak, without graph optimizations. Otherwise it is built by the
    /// first inference, and never when all sentences come from the cache. See
    /// [`piper::PiperModel::start_quickly`].
    pub quick_start: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EngineKind {
    #[serde(rename = "piper")]
    Piper,
    #[serde(rename = "espeak-ng")]
    EspeakNg,
}

/// What a loaded voice is, for manifests and logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoiceInfo {
    pub name: String,
    pub engine: EngineKind,
    pub sample_rate: u32,
    pub espeak_voice: String,
    pub diacritized: bool,
}

/// The model-independent part of a voice: diacritizer, espeak voice, phoneme id map.
#[derive(Debug, Clone)]
pub struct Frontend {
    espeak_voice: String,
    phoneme_id_map: HashMap<String, Vec<i64>>,
    diacritizer: Option<Arc<Diacritizer>>,
}

/// espeak voice for which the reference front end diacritizes first.
const ARABIC_ESPEAK_VOICE: &str = "ar";

/// One diacritizer per process: the model is 4.8 MB and every Arabic voice uses the same one.
fn shared_diacritizer() -> Result<Arc<Diacritizer>, VoiceError> {
    static SHARED: OnceLock<Arc<Diacritizer>> = OnceLock::new();
    if let Some(d) = SHARED.get() {
        return Ok(Arc::clone(d));
    }
    let d = Arc::new(Diacritizer::new()?);
    Ok(Arc::clone(SHARED.get_or_init(|| d)))
}

impl Frontend {
    /// Builds the front end of a Piper voice. Only an Arabic (`ar`) voice loads the diacritizer
    /// (and so needs ONNX Runtime); other voices need no model at all.
    pub fn from_config(cfg: &VoiceConfig) -> Result<Self, VoiceError> {
        Self::new(&cfg.espeak_voice, cfg.phoneme_id_map.clone())
    }

    fn new(
        espeak_voice: &str,
        phoneme_id_map: HashMap<String, Vec<i64>>,
    ) -> Result<Self, VoiceError> {
        let diacritizer =
            if espeak_voice == ARABIC_ESPEAK_VOICE { Some(shared_diacritizer()?) } else { None };
        Ok(Self { espeak_voice: espeak_voice.to_owned(), phoneme_id_map, diacritizer })
    }

    pub fn espeak_voice(&self) -> &str {
        &self.espeak_voice
    }

    pub fn is_diacritized(&self) -> bool {
        self.diacritizer.is_some()
    }

    /// Adds harakat for Arabic voices; returns the text unchanged otherwise.
    pub fn diacritize(&self, text: &str) -> Result<String, VoiceError> {
        match &self.diacritizer {
            Some(d) => Ok(d.diacritize(text)?),
            None => Ok(text.to_owned()),
        }
    }

    /// Diacritizes the sentences of one block together (see
    /// [`Diacritizer::diacritize_many`]); returns them unchanged for non-Arabic voices.
    pub fn diacritize_many(&self, texts: &[&str]) -> Result<Vec<String>, VoiceError> {
        match &self.diacritizer {
            Some(d) => Ok(d.diacritize_many(texts)?),
            None => Ok(texts.iter().map(|t| (*t).to_owned()).collect()),
        }
    }

    /// espeak sentences of phonemes for text that is already diacritized. Arabic text is said
    /// as a reader says it first (`text::pronounce`: pausal forms, helping vowels).
    pub fn phonemize(&self, text: &str) -> Result<Vec<Vec<String>>, VoiceError> {
        let said = if self.is_diacritized() {
            std::borrow::Cow::Owned(crate::text::pronounce::pronounce(text))
        } else {
            std::borrow::Cow::Borrowed(text)
        };
        phonemize::phonemize(&self.espeak_voice, &said)
    }

    /// Model ids for one sentence of phonemes; unknown phonemes are logged once and skipped.
    pub fn ids(&self, phonemes: &[String]) -> Vec<i64> {
        ids::phonemes_to_ids(phonemes, &self.phoneme_id_map).ids
    }

    /// Diacritize + phonemize + ids: what one text becomes before inference.
    pub fn text_to_ids(&self, text: &str) -> Result<Vec<Vec<i64>>, VoiceError> {
        let text = self.diacritize(text)?;
        let sentences = self.phonemize(&text)?;
        Ok(sentences.iter().filter(|s| !s.is_empty()).map(|s| self.ids(s)).collect())
    }
}

/// Maps the user's speaker choice to a model `sid`; `None` for single-speaker voices.
pub fn resolve_speaker(
    cfg: &VoiceConfig,
    speaker: Option<&str>,
) -> Result<Option<i64>, VoiceError> {
    let available = || {
        if cfg.speaker_id_map.is_empty() {
            format!("speakers 0..{}", cfg.num_speakers)
        } else {
            let names: Vec<&str> = cfg.speaker_id_map.keys().map(String::as_str).collect();
            format!("speakers 0..{} ({})", cfg.num_speakers, names.join(", "))
        }
    };
    let unknown =
        |s: &str| VoiceError::UnknownSpeaker { speaker: s.to_owned(), available: available() };
    let Some(s) = speaker else {
        return Ok((cfg.num_speakers > 1).then_some(0));
    };
    let id = match cfg.speaker_id_map.get(s) {
        Some(&id) => id,
        None => s.trim().parse::<i64>().map_err(|_| unknown(s))?,
    };
    if id < 0 || id >= i64::from(cfg.num_speakers) {
        return Err(unknown(s));
    }
    Ok((cfg.num_speakers > 1).then_some(id))
}

fn resolve_scales(d: InferenceDefaults, opts: &SynthOptions) -> Result<Scales, VoiceError> {
    let check = |name: &'static str, v: f32, positive: bool| {
        if !v.is_finite() || v < 0.0 || (positive && v == 0.0) {
            let reason = if positive {
                "must be a finite number above 0"
            } else {
                "must be a finite number >= 0"
            };
            return Err(VoiceError::BadOption { name, value: v, reason });
        }
        Ok(v)
    };
    Ok(Scales {
        noise_scale: check("noise_scale", opts.noise_scale.unwrap_or(d.noise_scale), false)?,
        length_scale: check("length_scale", opts.length_scale.unwrap_or(d.length_scale), true)?,
        noise_w: check("noise_w", opts.noise_w.unwrap_or(d.noise_w), false)?,
    })
}

#[derive(Debug)]
enum Engine {
    Piper {
        model: Box<PiperModel>,
        scales: Scales,
        sid: Option<i64>,
        /// Where the weights were loaded from, so the cache can fingerprint them.
        model_path: PathBuf,
        /// sha256 of the `.onnx.json`: its phoneme map and espeak voice decide the ids.
        config_digest: Vec<u8>,
    },
    Espeak,
}

/// A loaded voice, ready to synthesize. Send + Sync.
#[derive(Debug)]
pub struct Voice {
    info: VoiceInfo,
    frontend: Frontend,
    engine: Engine,
}

fn file_stem_name(path: &std::path::Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("voice");
    name.strip_suffix(".onnx").unwrap_or(name).to_owned()
}

impl Voice {
    /// Loads a voice. All file, config, speaker and option problems surface here.
    pub fn load(spec: &VoiceSpec, opts: &SynthOptions) -> Result<Self, VoiceError> {
        match spec {
            VoiceSpec::Piper { model, config } => {
                let cfg = VoiceConfig::load(config)?;
                let scales = resolve_scales(cfg.inference, opts)?;
                let sid = resolve_speaker(&cfg, opts.speaker.as_deref())?;
                // The model before the front end, so that its session can be building while the
                // diacritizer loads.
                let mut model_obj = PiperModel::load_sessions(model, opts.sessions.max(1))?;
                if opts.quick_start {
                    model_obj.start_quickly();
                } else {
                    model_obj.cut_ahead();
                }
                let frontend = Frontend::from_config(&cfg)?;
                let config_digest = std::fs::read(config)
                    .map(|bytes| sha2::Sha256::digest(&bytes).to_vec())
                    .map_err(|e| VoiceError::ConfigRead {
                        path: config.clone(),
                        source: Arc::new(e),
                    })?;
                let info = VoiceInfo {
                    name: file_stem_name(model),
                    engine: EngineKind::Piper,
                    sample_rate: cfg.sample_rate,
                    espeak_voice: cfg.espeak_voice.clone(),
                    diacritized: frontend.is_diacritized(),
                };
                Ok(Self {
                    info,
                    frontend,
                    engine: Engine::Piper {
                        model: Box::new(model_obj),
                        scales,
                        sid,
                        model_path: model.clone(),
                        config_digest,
                    },
                })
            }
            VoiceSpec::Espeak { voice } => {
                // The fallback must work where ONNX Runtime is absent: without it Arabic is spoken
                // undiacritized, which is logged and recorded in `VoiceInfo::diacritized`.
                let frontend = match Frontend::new(voice, HashMap::new()) {
                    Err(VoiceError::Diacritize(e)) if matches!(*e, DiacritizeError::Runtime(_)) => {
                        tracing::warn!(error = %e, "espeak-ng fallback speaks without diacritization");
                        Frontend {
                            espeak_voice: voice.clone(),
                            phoneme_id_map: HashMap::new(),
                            diacritizer: None,
                        }
                    }
                    other => other?,
                };
                // Fail at load, not mid-edition, if espeak or the voice is missing.
                espeak::clauses(voice, "")?;
                let info = VoiceInfo {
                    name: format!("espeak-ng-{voice}"),
                    engine: EngineKind::EspeakNg,
                    sample_rate: espeak::sample_rate()?,
                    espeak_voice: voice.clone(),
                    diacritized: frontend.is_diacritized(),
                };
                Ok(Self { info, frontend, engine: Engine::Espeak })
            }
        }
    }

    pub fn info(&self) -> &VoiceInfo {
        &self.info
    }

    pub fn sample_rate(&self) -> u32 {
        self.info.sample_rate
    }

    /// Lets go of the inference sessions of a Piper voice; the next synthesis builds them
    /// again ([`PiperModel::release`]).
    pub fn release_sessions(&self) {
        if let Engine::Piper { model, .. } = &self.engine {
            model.release();
        }
    }

    pub fn frontend(&self) -> &Frontend {
        &self.frontend
    }

    /// The weights file of a Piper voice, whose sha256 goes into [`Self::cache_identity`].
    pub fn model_path(&self) -> Option<&std::path::Path> {
        match &self.engine {
            Engine::Piper { model_path, .. } => Some(model_path),
            Engine::Espeak => None,
        }
    }

    /// Everything about this voice that changes the audio of a prepared sentence, as bytes for
    /// a cache key: the engine, the model's sha256 (`model_digest`, from
    /// [`crate::cache::Cache::model_digest`]), the config's, speaker, the three scales (as their
    /// exact bits), the espeak voice and [`FRONTEND_VERSION`].
    pub fn cache_identity(&self, model_digest: Option<&str>) -> Vec<u8> {
        let mut id = format!(
            "frontend={FRONTEND_VERSION};{FRONTEND_COMPONENTS};espeak={};rate={};",
            self.frontend.espeak_voice, self.info.sample_rate
        );
        match &self.engine {
            Engine::Piper { scales, sid, config_digest, .. } => {
                let config: String = config_digest.iter().map(|b| format!("{b:02x}")).collect();
                id.push_str(&format!(
                    "piper;model={};config={config};sid={sid:?};noise={:08x};length={:08x};                     noise_w={:08x}",
                    model_digest.unwrap_or("?"),
                    scales.noise_scale.to_bits(),
                    scales.length_scale.to_bits(),
                    scales.noise_w.to_bits()
                ));
            }
            Engine::Espeak => id.push_str("espeak-ng"),
        }
        id.into_bytes()
    }

    /// Everything that changes what [`Frontend::diacritize_many`] returns, for a cache key.
    pub fn frontend_identity(&self) -> Vec<u8> {
        format!(
            "frontend={FRONTEND_VERSION};{FRONTEND_COMPONENTS};diacritized={}",
            self.frontend.is_diacritized()
        )
        .into_bytes()
    }

    /// Speaks one of our sentences. Empty text gives no samples; any failure is an error.
    pub fn synthesize(&self, spoken: &str) -> Result<Vec<f32>, VoiceError> {
        self.synthesize_diacritized(&self.frontend.diacritize(spoken)?)
    }

    /// Speaks a sentence that already went through [`Frontend::diacritize`] or
    /// [`Frontend::diacritize_many`]; Arabic text is not diacritized a second time.
    pub fn synthesize_diacritized(&self, text: &str) -> Result<Vec<f32>, VoiceError> {
        let mut samples = Vec::new();
        for piece in self.pieces(text, None)? {
            samples.extend(self.synthesize_piece(&piece)?);
        }
        Ok(samples)
    }

    /// What one diacritized sentence is synthesized as, one inference each: its espeak sentences
    /// for a Piper voice, the text itself for espeak-ng.
    ///
    /// With `cut_first = Some(n)`, the first espeak sentence, when it is long, is cut in two at
    /// a clause or word boundary near its `n`-th phoneme ([`first_cut`]): `nashra speak` starts
    /// its audio with that short piece, which is synthesized in a fraction of the time the whole
    /// sentence takes. The price is a prosodic break where the cut falls (the model ends the
    /// piece as a phrase); a clause boundary is preferred, where a reader pauses anyway.
    pub fn pieces(&self, text: &str, cut_first: Option<usize>) -> Result<Vec<Piece>, VoiceError> {
        match &self.engine {
            Engine::Piper { .. } => {
                let mut pieces: Vec<Piece> = Vec::new();
                for sentence in self.frontend.phonemize(text)? {
                    if sentence.is_empty() {
                        continue;
                    }
                    match cut_first
                        .filter(|_| pieces.is_empty())
                        .and_then(|n| first_cut(&sentence, n))
                    {
                        Some(at) => {
                            pieces.push(Piece(PieceKind::Phonemes(sentence[..at].to_vec())));
                            pieces.push(Piece(PieceKind::Phonemes(sentence[at + 1..].to_vec())));
                        }
                        None => pieces.push(Piece(PieceKind::Phonemes(sentence))),
                    }
                }
                Ok(pieces)
            }
            Engine::Espeak if text.trim().is_empty() => Ok(Vec::new()),
            Engine::Espeak => Ok(vec![Piece(PieceKind::Text(text.to_owned()))]),
        }
    }

    /// Synthesizes one piece from [`Voice::pieces`]: mono samples clamped to ±1, or an error
    /// (never silence for a failure).
    pub fn synthesize_piece(&self, piece: &Piece) -> Result<Vec<f32>, VoiceError> {
        let mut samples = match (&self.engine, &piece.0) {
            (Engine::Piper { model, scales, sid, .. }, PieceKind::Phonemes(phonemes)) => {
                let ids = self.frontend.ids(phonemes);
                model.infer(&ids, *scales, *sid)?
            }
            (Engine::Espeak, PieceKind::Text(text)) => {
                let (pcm, _) = espeak::synthesize(&self.frontend.espeak_voice, text)?;
                pcm.into_iter().map(|s| f32::from(s) / 32768.0).collect()
            }
            _ => {
                return Err(VoiceError::Inference {
                    reason: "a piece prepared for another engine".into(),
                })
            }
        };
        if samples.iter().any(|s| !s.is_finite()) {
            return Err(VoiceError::Inference {
                reason: "the model produced non-finite samples".into(),
            });
        }
        for s in &mut samples {
            *s = s.clamp(-1.0, 1.0);
        }
        Ok(samples)
    }
}

/// One inference's worth of a sentence, from [`Voice::pieces`].
#[derive(Debug, Clone, PartialEq)]
pub struct Piece(PieceKind);

#[derive(Debug, Clone, PartialEq)]
enum PieceKind {
    /// One espeak sentence (or part of one) of code-point phonemes, for Piper.
    Phonemes(Vec<String>),
    /// Diacritized text, for espeak-ng's synthesizer.
    Text(String),
}

/// Where to cut a sentence of phonemes so that its first piece is short, or `None` when it is
/// short enough whole (under twice `target` phonemes, where a cut would gain little).
///
/// The cut goes after the last clause mark (`,` `:` `;` and the space after it) among the first
/// `target` phonemes, if there is one past a third of them; else at the last word boundary (a
/// space) among the first `target`; else at the first word boundary after them. The index is
/// that of the space, which belongs to neither piece (no Piper sentence starts with one).
pub fn first_cut(phonemes: &[String], target: usize) -> Option<usize> {
    if target == 0 || phonemes.len() < 2 * target {
        return None;
    }
    let is_space = |i: usize| phonemes[i] == " ";
    let is_clause_mark = |i: usize| matches!(phonemes[i].as_str(), "," | ":" | ";");
    let window = 1..=target.min(phonemes.len() - 1);
    let clause =
        window.clone().rev().find(|&i| i >= target / 3 && is_space(i) && is_clause_mark(i - 1));
    let word = || window.clone().rev().find(|&i| is_space(i));
    let later = || (target + 1..phonemes.len()).find(|&i| is_space(i));
    clause.or_else(word).or_else(later).filter(|&i| i > 0 && i < phonemes.len() - 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;
    use std::path::Path;
    use std::time::Instant;

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn phonemes(text: &str) -> Vec<String> {
        text.chars().map(String::from).collect()
    }

    #[test]
    fn a_short_sentence_is_not_cut() {
        assert_eq!(first_cut(&phonemes("abc def ghi"), 6), None);
        assert_eq!(first_cut(&phonemes("abc def ghi"), 0), None);
    }

    #[test]
    fn a_long_sentence_is_cut_after_a_clause_mark_else_at_a_word() {
        //                       0123456789012345678901234567
        let clause = phonemes("ab cd, efg hij klm nop qrs tuv");
        assert_eq!(first_cut(&clause, 12), Some(6));
        let words = phonemes("abcd efgh ijkl mnop qrst uvwx");
        assert_eq!(first_cut(&words, 12), Some(9));
        // One long first word: the first space after the target.
        let long = phonemes("abcdefghijklmnop qrs tuv wxyz abcd");
        assert_eq!(first_cut(&long, 8), Some(16));
        // No space at all: nothing to cut at.
        assert_eq!(first_cut(&phonemes(&"a".repeat(40)), 8), None);
    }

    fn kareem() -> VoiceConfig {
        VoiceConfig::load(&root().join("voices/ar_JO-kareem-medium.onnx.json")).unwrap()
    }

    /// Every row of the piper-tts fixture must give identical ids; failures are listed by line.
    #[test]
    fn arabic_ids_match_piper_tts_for_every_fixture_row() {
        let path = root().join("tests/data/parity/ar_ids.tsv");
        let fixture = std::fs::read_to_string(&path).unwrap();
        let frontend = Frontend::from_config(&kareem()).unwrap();
        let (mut rows, mut failures) = (0, Vec::new());
        for (n, line) in fixture.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            rows += 1;
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 3, "{}:{}: expected 3 columns", path.display(), n + 1);
            // The machinery piper-tts has too: the model's vocalization, espeak, the id map.
            // What nashra adds on top (H5-H6, H4, `text::pronounce`) is checked against the
            // same fixture by the integration test and its list of intended differences.
            let text = shared_diacritizer().unwrap().model_alone(cols[0]).unwrap();
            let sentences = phonemize::phonemize(frontend.espeak_voice(), &text).unwrap();
            let phonemes: Vec<String> = sentences.iter().map(|s| s.concat()).collect();
            let ids: Vec<String> = sentences
                .iter()
                .map(|s| frontend.ids(s).iter().map(i64::to_string).collect::<Vec<_>>().join(" "))
                .collect();
            if ids.join(" | ") != cols[2] {
                failures.push(format!(
                    "{}:{}: {}\n  piper: {}\n  ours:  {}",
                    path.display(),
                    n + 1,
                    cols[0],
                    cols[1],
                    phonemes.join(" | ")
                ));
            }
        }
        assert!(rows >= 25, "only {rows} fixture rows");
        assert!(
            failures.is_empty(),
            "{}/{rows} rows differ:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn non_arabic_frontend_needs_no_diacritizer() {
        let cfg = VoiceConfig::load(&root().join("voices/en_US-joe-medium.onnx.json")).unwrap();
        let f = Frontend::from_config(&cfg).unwrap();
        assert!(!f.is_diacritized());
        assert_eq!(f.diacritize("hello there").unwrap(), "hello there");
    }

    fn multi_speaker() -> VoiceConfig {
        let mut c = kareem();
        c.num_speakers = 3;
        c.speaker_id_map =
            [("amal".to_string(), 0), ("basim".to_string(), 2)].into_iter().collect();
        c
    }

    #[test]
    fn speaker_is_resolved_by_name_or_number() {
        let c = multi_speaker();
        assert_eq!(resolve_speaker(&c, Some("basim")).unwrap(), Some(2));
        assert_eq!(resolve_speaker(&c, Some("1")).unwrap(), Some(1));
        assert_eq!(resolve_speaker(&c, None).unwrap(), Some(0));
    }

    #[test]
    fn bad_speaker_is_a_clear_error() {
        let e = resolve_speaker(&multi_speaker(), Some("zaid")).unwrap_err().to_string();
        assert!(e.contains("zaid") && e.contains("amal, basim"), "{e}");
        assert!(resolve_speaker(&multi_speaker(), Some("3")).is_err());
        assert!(resolve_speaker(&kareem(), Some("1")).is_err());
    }

    #[test]
    fn single_speaker_voice_sends_no_sid() {
        assert_eq!(resolve_speaker(&kareem(), None).unwrap(), None);
        assert_eq!(resolve_speaker(&kareem(), Some("0")).unwrap(), None);
    }

    #[test]
    fn zero_length_scale_is_rejected_at_load() {
        let opts = SynthOptions { length_scale: Some(0.0), ..Default::default() };
        let e = resolve_scales(InferenceDefaults::default(), &opts).unwrap_err().to_string();
        assert!(e.contains("length_scale"), "{e}");
    }

    fn joe_with(config: &str, opts: &SynthOptions) -> Voice {
        let spec = VoiceSpec::Piper {
            model: root().join("voices/en_US-joe-medium.onnx"),
            config: root().join(config),
        };
        Voice::load(&spec, opts).unwrap()
    }

    fn rms(x: &[f32]) -> f32 {
        (x.iter().map(|s| s * s).sum::<f32>() / x.len().max(1) as f32).sqrt()
    }

    /// Arabic ids (kareem's map) through joe's weights: both voices share the 256-symbol layout.
    #[test]
    fn arabic_sentence_gives_plausible_audio() {
        let voice = joe_with("voices/ar_JO-kareem-medium.onnx.json", &SynthOptions::default());
        assert_eq!(voice.info().engine, EngineKind::Piper);
        assert!(voice.info().diacritized);
        let text = "سافر ممثلو حماس إلى موسكو للاجتماع مع وزراء الخارجية.";
        let mut audio = Vec::new();
        for run in ["cold", "warm"] {
            let started = Instant::now();
            audio = voice.synthesize(text).unwrap();
            let elapsed = started.elapsed().as_secs_f32();
            let seconds = audio.len() as f32 / voice.sample_rate() as f32;
            eprintln!(
                "arabic {run}: {seconds:.2} s audio in {elapsed:.2} s, RTF {:.3}",
                elapsed / seconds
            );
        }
        let seconds = audio.len() as f32 / voice.sample_rate() as f32;
        assert!((1.5..10.0).contains(&seconds), "{seconds} s");
        assert!(rms(&audio) > 0.01, "rms {}", rms(&audio));
        assert!(audio.iter().all(|s| (-1.0..=1.0).contains(s)));
    }

    #[test]
    fn empty_text_gives_no_samples() {
        let voice = joe_with("voices/en_US-joe-medium.onnx.json", &SynthOptions::default());
        assert!(voice.synthesize("  ").unwrap().is_empty());
    }

    /// With noise off, joe must match piper-tts sample for sample (fixture keeps every 50th).
    #[test]
    fn english_without_noise_matches_piper_tts() {
        let fixture =
            std::fs::read_to_string(root().join("tests/data/parity/en_joe_noise0.tsv")).unwrap();
        let field = |name: &str| {
            fixture
                .lines()
                .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix('\t')))
                .unwrap()
        };
        let opts = SynthOptions {
            noise_scale: Some(0.0),
            noise_w: Some(0.0),
            length_scale: Some(1.0),
            ..Default::default()
        };
        let voice = joe_with("voices/en_US-joe-medium.onnx.json", &opts);
        let audio = voice.synthesize(field("text")).unwrap();
        assert_eq!(audio.len(), field("samples").parse::<usize>().unwrap());
        let expected: Vec<f32> =
            field("every_50th").split(' ').map(|v| v.parse().unwrap()).collect();
        let worst = audio
            .iter()
            .step_by(50)
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "max difference {worst}");
    }

    #[test]
    fn espeak_fallback_speaks_arabic_at_22050() {
        let voice =
            Voice::load(&VoiceSpec::Espeak { voice: "ar".into() }, &SynthOptions::default())
                .unwrap();
        assert_eq!(voice.sample_rate(), 22050);
        assert_eq!(voice.info().engine, EngineKind::EspeakNg);
        assert!(voice.info().diacritized);
        let audio = voice.synthesize("سافر ممثلو حماس إلى موسكو.").unwrap();
        let seconds = audio.len() as f32 / 22050.0;
        assert!((0.8..8.0).contains(&seconds), "{seconds} s");
        assert!(rms(&audio) > 0.01, "rms {}", rms(&audio));
    }

    #[test]
    fn missing_model_is_a_load_error() {
        let spec = VoiceSpec::Piper {
            model: root().join("voices/nope.onnx"),
            config: root().join("voices/en_US-joe-medium.onnx.json"),
        };
        let e = Voice::load(&spec, &SynthOptions::default()).unwrap_err();
        assert!(matches!(e, VoiceError::ModelMissing { .. }), "{e}");
    }

    #[test]
    fn voice_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Voice>();
    }

    #[test]
    fn voice_info_serializes_engine_names() {
        let info = VoiceInfo {
            name: "x".into(),
            engine: EngineKind::EspeakNg,
            sample_rate: 22050,
            espeak_voice: "ar".into(),
            diacritized: true,
        };
        let json = serde_json::to_string(&info).unwrap();
        assert!(json.contains(r#""engine":"espeak-ng""#), "{json}");
    }
}
