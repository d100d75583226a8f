//! Text: the Arabic front end. Printed text in, [`Script`](crate::edition::Script)s of sentences (printed + spoken) out.
//!
//! ```text
//!  printed ─normalize─▶ clean ─segment─▶ sentences ─verbalize─▶ spoken (vocalized numbers)
//! ```
//! This file is the only place the order of the steps lives. Diacritization (`diacritize`) runs
//! later, on the spoken text, and `pronounce` last, on the diacritized text just before espeak;
//! nothing here applies NFC/NFD or strips harakat.
//!
//! Glossary: tashkeel (تشكيل) = the vowel marks (harakat, حركات); tatweel (ـ) = the stretching
//! stroke; counted noun (المعدود); construct (إضافة); case (إعراب).

pub mod diacritize;
pub mod lexicon;
pub mod months;
pub mod normalize;
pub mod pronounce;
pub mod score;
pub mod script;
pub mod segment;
pub mod verbalize;

pub use normalize::normalize;
pub use script::{article_script, bulletin_script};
pub use segment::segment;
pub use verbalize::verbalize;

use crate::edition::Sentence;

/// What will be said for a piece of printed text.
pub fn spoken(text: &str) -> String {
    verbalize(&normalize(text))
}

/// Normalizes, splits into sentences, and verbalizes each one. Line ends are hard stops. A
/// sentence whose spoken form is longer than [`segment::MAX_SENTENCE_CHARS`] (numbers written out
/// grow) is cut again at its clause marks (S5).
pub fn sentences(text: &str) -> Vec<Sentence> {
    let clean: Vec<String> = text.lines().map(normalize).collect();
    // Letters, not marks: the vowel hints the verbalizer adds do not lengthen what is said.
    let letters = |spoken: &str| spoken.chars().filter(|&c| !normalize::is_harakah(c)).count();
    let limit = segment::MAX_SENTENCE_CHARS;
    segment(&clean.join("\n"))
        .into_iter()
        .flat_map(|printed| {
            // Each sentence is verbalized once; only one whose spoken form is too long is cut
            // again, and its pieces verbalized anew.
            let spoken = verbalize(&printed);
            if letters(&spoken) <= limit {
                return vec![Sentence { text: printed, spoken }];
            }
            segment::split_long_with(&printed, limit, |p| letters(&verbalize(p)))
                .into_iter()
                .map(|piece| {
                    let spoken = verbalize(&piece);
                    Sentence { text: piece, spoken }
                })
                .collect()
        })
        .filter(|s| !s.spoken.is_empty())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod corpora;
#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod properties;
#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests;
