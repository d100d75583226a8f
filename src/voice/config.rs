//! The Piper voice configuration (`NAME.onnx.json`) as typed data.
//!
//! In: the path of a `.onnx.json` file. Out: a [`VoiceConfig`] whose invariants hold: a non-empty
//! phoneme id map containing the framing symbols `^ _ $`, a sample rate above zero, at least one
//! speaker. Must never happen: a config that loads but later makes inference fail obscurely, or an
//! error that does not name the file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::VoiceError;

/// Synthesis knobs the voice was trained with (`inference` in the JSON).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct InferenceDefaults {
    #[serde(default = "default_noise_scale")]
    pub noise_scale: f32,
    #[serde(default = "default_length_scale")]
    pub length_scale: f32,
    #[serde(default = "default_noise_w")]
    pub noise_w: f32,
}

fn default_noise_scale() -> f32 {
    0.667
}
fn default_length_scale() -> f32 {
    1.0
}
fn default_noise_w() -> f32 {
    0.8
}

impl Default for InferenceDefaults {
    fn default() -> Self {
        Self {
            noise_scale: default_noise_scale(),
            length_scale: default_length_scale(),
            noise_w: default_noise_w(),
        }
    }
}

/// A Piper voice configuration, flattened to what nashra uses.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceConfig {
    pub sample_rate: u32,
    pub quality: Option<String>,
    /// espeak-ng voice name (`ar`, `en-us`); `ar` turns on diacritization (تشكيل).
    pub espeak_voice: String,
    pub phoneme_type: String,
    pub phoneme_id_map: HashMap<String, Vec<i64>>,
    pub num_symbols: Option<u32>,
    pub num_speakers: u32,
    pub speaker_id_map: BTreeMap<String, i64>,
    pub inference: InferenceDefaults,
    pub language_code: Option<String>,
    pub dataset: Option<String>,
    pub piper_version: Option<String>,
}

#[derive(Deserialize)]
struct RawAudio {
    sample_rate: Option<u32>,
    quality: Option<String>,
}

#[derive(Deserialize)]
struct RawEspeak {
    voice: Option<String>,
}

#[derive(Deserialize)]
struct RawLanguage {
    code: Option<String>,
}

#[derive(Deserialize)]
struct RawConfig {
    audio: Option<RawAudio>,
    espeak: Option<RawEspeak>,
    language: Option<RawLanguage>,
    #[serde(default)]
    inference: Option<InferenceDefaults>,
    phoneme_type: Option<String>,
    phoneme_id_map: Option<HashMap<String, Vec<i64>>>,
    num_symbols: Option<u32>,
    num_speakers: Option<u32>,
    #[serde(default)]
    speaker_id_map: BTreeMap<String, i64>,
    dataset: Option<String>,
    piper_version: Option<String>,
}

impl VoiceConfig {
    /// Reads and validates a `.onnx.json` file.
    pub fn load(path: &Path) -> Result<Self, VoiceError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| VoiceError::ConfigRead { path: path.to_path_buf(), source: e.into() })?;
        Self::parse(&text, path)
    }

    /// Parses config text; `path` only names the source in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, VoiceError> {
        let bad = |reason: String| VoiceError::ConfigInvalid { path: path.to_path_buf(), reason };
        let raw: RawConfig =
            serde_json::from_str(text).map_err(|e| bad(format!("bad JSON: {e}")))?;
        let phoneme_id_map = raw
            .phoneme_id_map
            .filter(|m| !m.is_empty())
            .ok_or_else(|| bad("missing or empty phoneme_id_map".into()))?;
        for symbol in ["^", "_", "$"] {
            match phoneme_id_map.get(symbol) {
                Some(ids) if !ids.is_empty() => {}
                _ => {
                    return Err(bad(format!("phoneme_id_map lacks the framing symbol {symbol:?}")))
                }
            }
        }
        if let Some((p, _)) = phoneme_id_map.iter().find(|(_, ids)| ids.iter().any(|&i| i < 0)) {
            return Err(bad(format!("phoneme_id_map has a negative id for {p:?}")));
        }
        // An id the model has no embedding for fails deep inside inference (a gather out of
        // range), on the first sentence that uses it; say which entry is wrong instead.
        if let Some(num_symbols) = raw.num_symbols {
            if num_symbols == 0 {
                return Err(bad("num_symbols is 0".into()));
            }
            let too_big = phoneme_id_map
                .iter()
                .filter_map(|(p, ids)| {
                    ids.iter().find(|&&i| i >= i64::from(num_symbols)).map(|i| (p, *i))
                })
                .min();
            if let Some((p, id)) = too_big {
                return Err(bad(format!(
                    "phoneme_id_map gives {p:?} the id {id}, but num_symbols is {num_symbols} \
                     (ids must be below it)"
                )));
            }
        }
        let audio = raw.audio.ok_or_else(|| bad("missing audio.sample_rate".into()))?;
        let sample_rate =
            audio.sample_rate.ok_or_else(|| bad("missing audio.sample_rate".into()))?;
        if sample_rate == 0 {
            return Err(bad("audio.sample_rate is 0".into()));
        }
        let num_speakers = raw.num_speakers.unwrap_or(1);
        if num_speakers == 0 {
            return Err(bad("num_speakers is 0".into()));
        }
        if let Some((name, id)) =
            raw.speaker_id_map.iter().find(|(_, &id)| id < 0 || id >= i64::from(num_speakers))
        {
            return Err(bad(format!("speaker {name:?} has id {id}, outside 0..{num_speakers}")));
        }
        // Piper writes one name per speaker, or none at all (speakers chosen by number).
        let named = raw.speaker_id_map.len();
        if named != 0 && named != num_speakers as usize {
            return Err(bad(format!(
                "num_speakers is {num_speakers} but speaker_id_map names {named} speaker(s)"
            )));
        }
        let phoneme_type = raw.phoneme_type.unwrap_or_else(|| "espeak".into());
        if phoneme_type != "espeak" {
            return Err(bad(format!(
                "phoneme_type {phoneme_type:?} is not supported (only espeak)"
            )));
        }
        let espeak_voice = raw
            .espeak
            .and_then(|e| e.voice)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| bad("missing espeak.voice".into()))?;
        Ok(Self {
            sample_rate,
            quality: audio.quality,
            espeak_voice,
            phoneme_type,
            phoneme_id_map,
            num_symbols: raw.num_symbols,
            num_speakers,
            speaker_id_map: raw.speaker_id_map,
            inference: raw.inference.unwrap_or_default(),
            language_code: raw.language.and_then(|l| l.code),
            dataset: raw.dataset,
            piper_version: raw.piper_version,
        })
    }

    /// Where the weights are by Piper's convention: `NAME.onnx.json` → `NAME.onnx`.
    pub fn model_path_for(config: &Path) -> Option<PathBuf> {
        let name = config.file_name()?.to_str()?;
        name.strip_suffix(".json").map(|m| config.with_file_name(m))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;

    fn voices() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("voices")
    }

    #[test]
    fn kareem_medium_config_loads() {
        let c = VoiceConfig::load(&voices().join("ar_JO-kareem-medium.onnx.json")).unwrap();
        assert_eq!(c.sample_rate, 22050);
        assert_eq!(c.espeak_voice, "ar");
        assert_eq!(c.quality.as_deref(), Some("medium"));
        assert_eq!(c.num_speakers, 1);
        assert_eq!(c.language_code.as_deref(), Some("ar_JO"));
        assert_eq!(c.dataset.as_deref(), Some("kareem"));
        assert_eq!(c.phoneme_id_map["_"], vec![0]);
        assert_eq!(c.phoneme_id_map["^"], vec![1]);
        assert_eq!(c.phoneme_id_map["$"], vec![2]);
        assert_eq!(
            c.inference,
            InferenceDefaults { noise_scale: 0.667, length_scale: 1.0, noise_w: 0.8 }
        );
    }

    #[test]
    fn kareem_low_config_is_16khz() {
        let c = VoiceConfig::load(&voices().join("ar_JO-kareem-low.onnx.json")).unwrap();
        assert_eq!(c.sample_rate, 16000);
        assert_eq!(c.espeak_voice, "ar");
        assert_eq!(c.quality.as_deref(), Some("low"));
    }

    #[test]
    fn joe_config_is_english() {
        let c = VoiceConfig::load(&voices().join("en_US-joe-medium.onnx.json")).unwrap();
        assert_eq!(c.espeak_voice, "en-us");
        assert_eq!(c.sample_rate, 22050);
        assert_eq!(c.num_symbols, Some(256));
    }

    fn parse_err(json: &str) -> String {
        VoiceConfig::parse(json, Path::new("/v/x.onnx.json")).unwrap_err().to_string()
    }

    const GOOD_MAP: &str = r#""phoneme_id_map": {"^": [1], "_": [0], "$": [2], "a": [14]}"#;

    #[test]
    fn missing_phoneme_id_map_is_named() {
        let e = parse_err(r#"{"audio": {"sample_rate": 22050}, "espeak": {"voice": "ar"}}"#);
        assert!(e.contains("phoneme_id_map") && e.contains("/v/x.onnx.json"), "{e}");
    }

    #[test]
    fn zero_sample_rate_is_rejected() {
        let e = parse_err(&format!(
            r#"{{"audio": {{"sample_rate": 0}}, "espeak": {{"voice": "ar"}}, {GOOD_MAP}}}"#
        ));
        assert!(e.contains("sample_rate is 0"), "{e}");
    }

    #[test]
    fn zero_speakers_is_rejected() {
        let e = parse_err(&format!(
            r#"{{"audio": {{"sample_rate": 1}}, "espeak": {{"voice": "ar"}}, "num_speakers": 0, {GOOD_MAP}}}"#
        ));
        assert!(e.contains("num_speakers is 0"), "{e}");
    }

    #[test]
    fn num_speakers_must_match_the_named_speakers() {
        let e = parse_err(&format!(
            r#"{{"audio": {{"sample_rate": 1}}, "espeak": {{"voice": "ar"}}, "num_speakers": 3,
                "speaker_id_map": {{"a": 0, "b": 1}}, {GOOD_MAP}}}"#
        ));
        assert!(
            e.ends_with("num_speakers is 3 but speaker_id_map names 2 speaker(s)")
                && e.contains("/v/x.onnx.json"),
            "{e}"
        );
        // Missing num_speakers means one speaker: a map naming two contradicts it.
        let e = parse_err(&format!(
            r#"{{"audio": {{"sample_rate": 1}}, "espeak": {{"voice": "ar"}},
                "speaker_id_map": {{"a": 0, "b": 0}}, {GOOD_MAP}}}"#
        ));
        assert!(e.ends_with("num_speakers is 1 but speaker_id_map names 2 speaker(s)"), "{e}");
        // Speakers by number only: fine.
        let ok = VoiceConfig::parse(
            &format!(
                r#"{{"audio": {{"sample_rate": 1}}, "espeak": {{"voice": "ar"}}, "num_speakers": 4, {GOOD_MAP}}}"#
            ),
            Path::new("x"),
        )
        .unwrap();
        assert_eq!(ok.num_speakers, 4);
    }

    #[test]
    fn phoneme_ids_must_be_below_num_symbols() {
        let e = parse_err(&format!(
            r#"{{"audio": {{"sample_rate": 1}}, "espeak": {{"voice": "ar"}}, "num_symbols": 14, {GOOD_MAP}}}"#
        ));
        assert!(
            e.ends_with("phoneme_id_map gives \"a\" the id 14, but num_symbols is 14 (ids must be below it)"),
            "{e}"
        );
        let e = parse_err(&format!(
            r#"{{"audio": {{"sample_rate": 1}}, "espeak": {{"voice": "ar"}}, "num_symbols": 0, {GOOD_MAP}}}"#
        ));
        assert!(e.ends_with("num_symbols is 0"), "{e}");
        let ok = VoiceConfig::parse(
            &format!(
                r#"{{"audio": {{"sample_rate": 1}}, "espeak": {{"voice": "ar"}}, "num_symbols": 15, {GOOD_MAP}}}"#
            ),
            Path::new("x"),
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn missing_or_wrong_fields_are_named() {
        let cases = [
            (r#"{"espeak": {"voice": "ar"}, MAP}"#, "missing audio.sample_rate"),
            (r#"{"audio": {}, "espeak": {"voice": "ar"}, MAP}"#, "missing audio.sample_rate"),
            (r#"{"audio": {"sample_rate": 22050}, MAP}"#, "missing espeak.voice"),
            (
                r#"{"audio": {"sample_rate": 22050}, "espeak": {"voice": ""}, MAP}"#,
                "missing espeak.voice",
            ),
            (r#"{"audio": {"sample_rate": -1}, "espeak": {"voice": "ar"}, MAP}"#, "bad JSON"),
            (r#"{"audio": {"sample_rate": "22050"}, "espeak": {"voice": "ar"}, MAP}"#, "bad JSON"),
            (
                r#"{"audio": {"sample_rate": 1}, "espeak": {"voice": "ar"}, "phoneme_type": "text", MAP}"#,
                "phoneme_type \"text\" is not supported",
            ),
            (
                r#"{"audio": {"sample_rate": 1}, "espeak": {"voice": "ar"}, "phoneme_id_map": {}}"#,
                "missing or empty phoneme_id_map",
            ),
            (
                r#"{"audio": {"sample_rate": 1}, "espeak": {"voice": "ar"}, "phoneme_id_map": {"^": [1], "_": [0], "$": [2], "a": [-3]}}"#,
                "negative id for \"a\"",
            ),
        ];
        let map = GOOD_MAP;
        for (json, want) in cases {
            let e = parse_err(&json.replace("MAP", map));
            assert!(e.contains(want) && e.contains("/v/x.onnx.json"), "{json}: {e}");
        }
    }

    #[test]
    fn shipped_configs_pass_every_check() {
        for name in ["ar_JO-kareem-medium", "ar_JO-kareem-low", "en_US-joe-medium"] {
            let path = voices().join(format!("{name}.onnx.json"));
            VoiceConfig::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn bad_json_names_the_file() {
        let e = parse_err("{ not json");
        assert!(e.contains("bad JSON") && e.contains("/v/x.onnx.json"), "{e}");
    }

    #[test]
    fn map_without_pad_is_rejected() {
        let e = parse_err(
            r#"{"audio": {"sample_rate": 1}, "espeak": {"voice": "ar"}, "phoneme_id_map": {"^": [1], "$": [2]}}"#,
        );
        assert!(e.contains("\"_\""), "{e}");
    }

    #[test]
    fn missing_file_is_a_read_error_with_path() {
        let e = VoiceConfig::load(Path::new("/nonexistent/v.onnx.json")).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/v.onnx.json"), "{e}");
    }

    #[test]
    fn model_path_follows_piper_naming() {
        assert_eq!(
            VoiceConfig::model_path_for(Path::new("/v/ar_JO-kareem-medium.onnx.json")),
            Some(PathBuf::from("/v/ar_JO-kareem-medium.onnx"))
        );
    }
}
