//! The hint lexicon: words whose vowels the diacritizer gets wrong (names, loanwords, months),
//! written with their vowels in `data/lexicon.tsv` and passed to the model as hints.
//!
//! In: a printed word without harakat (possibly with proclitics وَ، فَ، بِ، لِ، كَ and the article).
//! Out: the same letters with the lexicon's vowels, or `None`. The last letter keeps the vowel the
//! lexicon gives it, which is usually none: the case ending depends on the sentence, and the model
//! chooses it with the rest of the word fixed.
//!
//! Never: change a letter, or vocalize a word the lexicon does not list.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::text::normalize::is_harakah;

pub(crate) const LEXICON_TSV: &str = include_str!("data/lexicon.tsv");

static LEXICON: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    LEXICON_TSV
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let vocalized = cols.nth(1)?;
            Some((strip(vocalized), vocalized))
        })
        .collect()
});

fn strip(word: &str) -> String {
    word.chars().filter(|&c| !is_harakah(c)).collect()
}

/// Proclitics with their vowels, longest first: what may come before a listed word.
const PROCLITICS: [(&str, &str); 8] = [
    ("وب", "وَبِ"),
    ("ول", "وَلِ"),
    ("فب", "فَبِ"),
    ("و", "وَ"),
    ("ف", "فَ"),
    ("ب", "بِ"),
    ("ل", "لِ"),
    ("ك", "كَ"),
];

/// The word with the lexicon's vowels, if listed (alone or after proclitics).
///
/// ```
/// assert_eq!(nashra::text::lexicon::hint("وواشنطن").as_deref(), Some("وَوَاشِنْطُن"));
/// assert_eq!(nashra::text::lexicon::hint("كتاب"), None);
/// ```
pub fn hint(word: &str) -> Option<String> {
    if word.chars().any(is_harakah) {
        return None; // the text's own vowels win
    }
    if let Some(v) = LEXICON.get(word) {
        return Some((*v).to_string());
    }
    for (clitic, vocalized) in PROCLITICS {
        let Some(rest) = word.strip_prefix(clitic) else { continue };
        if let Some(v) = LEXICON.get(rest) {
            return Some(format!("{vocalized}{v}"));
        }
        // لـ before the article drops its alef: للعاصمة.
        if clitic == "ل" {
            if let Some(v) = rest.strip_prefix('ل').and_then(|r| LEXICON.get(&format!("ال{r}")))
            {
                return Some(format!("لِ{}", v.strip_prefix('ا').unwrap_or(v)));
            }
        }
    }
    None
}

/// Every listed word as printed (for tests).
pub fn words() -> impl Iterator<Item = &'static str> {
    LEXICON_TSV
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
}
