//! Phonemes to model input ids, framed the way Piper voices were trained.
//!
//! In: one sentence of phonemes (code points, punctuation and spaces included) and the voice's
//! phoneme id map. Out: `^ _ (p _)* $`, i.e. BOS, PAD, then each known phoneme followed by PAD, then
//! EOS. Must never happen: an unknown phoneme dropped without a trace. Each unknown phoneme is
//! reported once per process via `tracing::warn` (and returned to the caller), then skipped, as the
//! reference front end does.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

pub const BOS: &str = "^";
pub const EOS: &str = "$";
pub const PAD: &str = "_";

/// Ids for one sentence plus the phonemes the map did not know (each listed once, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    pub ids: Vec<i64>,
    pub unknown: Vec<String>,
}

/// Frames `phonemes` as `^ _ (p _)* $`. Missing framing symbols contribute no ids; `VoiceConfig`
/// validation guarantees they are present for loaded voices.
pub fn phonemes_to_ids(phonemes: &[String], map: &HashMap<String, Vec<i64>>) -> Ids {
    let empty = Vec::new();
    let get = |s: &str| map.get(s).unwrap_or(&empty);
    let pad = get(PAD);
    let mut ids = Vec::with_capacity(2 * phonemes.len() + 3);
    let mut unknown: Vec<String> = Vec::new();
    ids.extend_from_slice(get(BOS));
    ids.extend_from_slice(pad);
    for p in phonemes {
        match map.get(p.as_str()) {
            Some(p_ids) => {
                ids.extend_from_slice(p_ids);
                ids.extend_from_slice(pad);
            }
            None => {
                if !unknown.contains(p) {
                    unknown.push(p.clone());
                }
            }
        }
    }
    ids.extend_from_slice(get(EOS));
    for p in &unknown {
        warn_unknown_once(p);
    }
    Ids { ids, unknown }
}

/// Logs an unknown phoneme the first time this process meets it, so a long edition does not flood
/// the log but no phoneme goes unreported.
fn warn_unknown_once(phoneme: &str) {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let seen = SEEN.get_or_init(|| Mutex::new(HashSet::new()));
    let first = match seen.lock() {
        Ok(mut s) => s.insert(phoneme.to_owned()),
        Err(poisoned) => poisoned.into_inner().insert(phoneme.to_owned()),
    };
    if first {
        let code_points: Vec<String> =
            phoneme.chars().map(|c| format!("U+{:04X}", c as u32)).collect();
        tracing::warn!(
            phoneme,
            code_points = code_points.join(" "),
            "phoneme missing from the voice's phoneme_id_map; skipped"
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;

    fn map() -> HashMap<String, Vec<i64>> {
        [("_", 0), ("^", 1), ("$", 2), (" ", 3), ("a", 14), ("b", 15), ("ˈ", 120)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), vec![v]))
            .collect()
    }

    fn ph(s: &str) -> Vec<String> {
        s.chars().map(String::from).collect()
    }

    #[test]
    fn ids_are_framed_bos_pad_each_phoneme_pad_eos() {
        let out = phonemes_to_ids(&ph("ˈab a"), &map());
        assert_eq!(out.ids, vec![1, 0, 120, 0, 14, 0, 15, 0, 3, 0, 14, 0, 2]);
        assert!(out.unknown.is_empty());
    }

    #[test]
    fn empty_sentence_is_bos_pad_eos() {
        assert_eq!(phonemes_to_ids(&[], &map()).ids, vec![1, 0, 2]);
    }

    #[test]
    fn unknown_phoneme_is_reported_once_and_skipped() {
        let out = phonemes_to_ids(&ph("aʒbʒ"), &map());
        assert_eq!(out.ids, vec![1, 0, 14, 0, 15, 0, 2]);
        assert_eq!(out.unknown, vec!["ʒ".to_string()]);
    }

    #[test]
    fn multi_id_phoneme_keeps_all_ids() {
        let mut m = map();
        m.insert("x".into(), vec![7, 8]);
        assert_eq!(phonemes_to_ids(&ph("x"), &m).ids, vec![1, 0, 7, 8, 0, 2]);
    }
}
